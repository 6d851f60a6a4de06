// Loss modules: each holds its options (class weights as buffers, as PyTorch) and calls its
// loss function (lib/ops/loss.ts, crossEntropy in lib/ops/softmax.ts) in forward(input, target).
import type { LossReduction } from '../bindings/softmax';
import type { Tensor } from '../tensor/tensor';
import { bceLoss, bceWithLogitsLoss, huberLoss, l1Loss, mseLoss, multiMarginLoss, nllLoss } from '../ops/loss';
import { crossEntropy } from '../ops/softmax';
import { Module } from './module';

/** The reduction every loss module takes. */
export interface ReductionOptions {
  /** 'mean' (default) over the elements (weighted by class weights where given), 'sum', or 'none'. */
  reduction?: LossReduction;
}

abstract class Loss extends Module {
  readonly reduction: LossReduction;

  constructor(options: ReductionOptions) {
    super();
    const reduction = options.reduction ?? 'mean';
    if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') throw new Error(`${this.constructor.name}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
    this.reduction = reduction;
  }

  abstract override forward(input: Tensor, target: Tensor): Tensor;

  override extraRepr(): string {
    return this.reduction === 'mean' ? '' : `reduction='${this.reduction}'`;
  }
}

// A loss with optional per-class weights, registered as the buffer `weight`.
abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;

  constructor(options: ReductionOptions & { weight?: Tensor | null }) {
    super(options);
    this.registerBuffer('weight', options.weight ?? null);
  }
}

/** CrossEntropyLoss options (PyTorch's keywords). */
export interface CrossEntropyLossOptions extends ReductionOptions {
  /** Per-class weights [C]. */
  weight?: Tensor | null;
  /** Index targets equal to this are skipped (default -100). */
  ignoreIndex?: number;
  /** Mixes the target with the uniform distribution: 0 (default) to 1. */
  labelSmoothing?: number;
}

/** Softmax cross-entropy of logits [N, C] against class indices [N] (int32) or probabilities [N, C]. */
export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyLossOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) throw new RangeError(`CrossEntropyLoss: labelSmoothing must be in [0, 1], got ${this.labelSmoothing}`);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing, reduction: this.reduction });
  }
}

/** NLLLoss options: class weights [C] and the skipped target index (default -100). */
export interface NLLLossOptions extends ReductionOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
}

/** Negative log-likelihood of log-probabilities [N, C] at class indices [N]. */
export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;

  constructor(options: NLLLossOptions = {}) {
    super(options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** MultiMarginLoss options. */
export interface MultiMarginLossOptions extends ReductionOptions {
  /** 1 (default, hinge) or 2 (squared hinge). */
  p?: 1 | 2;
  /** Default 1. */
  margin?: number;
  weight?: Tensor | null;
}

/** The multiclass SVM loss: mean over classes j != y of max(0, margin - x[y] + x[j])^p. */
export class MultiMarginLoss extends WeightedLoss {
  readonly p: 1 | 2;
  readonly margin: number;

  constructor(options: MultiMarginLossOptions = {}) {
    super(options);
    this.p = options.p ?? 1;
    if (this.p !== 1 && this.p !== 2) throw new RangeError(`MultiMarginLoss: p must be 1 or 2, got ${String(this.p)}`);
    this.margin = options.margin ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}

/** Squared error. */
export class MSELoss extends Loss {
  constructor(options: ReductionOptions = {}) {
    super(options);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** Absolute error. */
export class L1Loss extends Loss {
  constructor(options: ReductionOptions = {}) {
    super(options);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Squared error below delta, linear above (smooth L1 scaled by delta). */
export class HuberLoss extends Loss {
  readonly delta: number;

  constructor(options: ReductionOptions & { delta?: number } = {}) {
    super(options);
    this.delta = options.delta ?? 1;
    if (!(this.delta > 0)) throw new RangeError(`HuberLoss: delta must be positive, got ${this.delta}`);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { delta: this.delta, reduction: this.reduction });
  }
}

/** Binary cross-entropy of probabilities (weight broadcasts over the input). */
export class BCELoss extends WeightedLoss {
  constructor(options: ReductionOptions & { weight?: Tensor | null } = {}) {
    super(options);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return bceLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** BCEWithLogitsLoss options: element weights and positive-class weights. */
export interface BCEWithLogitsLossOptions extends ReductionOptions {
  weight?: Tensor | null;
  /** Weight of the positive term per class (broadcast over the last axis). */
  posWeight?: Tensor | null;
}

/** Binary cross-entropy of logits (sigmoid fused in, numerically stable). */
export class BCEWithLogitsLoss extends WeightedLoss {
  declare posWeight: Tensor | null;

  constructor(options: BCEWithLogitsLossOptions = {}) {
    super(options);
    this.registerBuffer('posWeight', options.posWeight ?? null);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return bceWithLogitsLoss(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}
