// Normalization layers: BatchNorm1d / BatchNorm2d (running statistics as buffers), LayerNorm,
// GroupNorm. The arithmetic is the norm ops' (lib/ops/norm.ts); these hold the state.
import { ones, zeros } from '../tensor/creation';
import type { DType } from '../tensor/dtype';
import { formatShape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { batchNorm, groupNorm, layerNorm } from '../ops/norm';
import { checkCount, checkFloatDType, checkInput } from './args';
import { ones_, zeros_ } from './init';
import { Module, parameter } from './module';

function checkEps(where: string, eps: unknown): number {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new RangeError(`${where}: eps must be a finite non-negative number, got ${String(eps)}`);
  return eps;
}

// A learnable scale (ones) and shift (zeros) of `shape`, or none.
function registerAffine(m: Module, shape: readonly number[], affine: boolean, dtype: DType, bias = true): void {
  m.registerParameter('weight', affine ? parameter(ones(shape, { dtype })) : null);
  m.registerParameter('bias', affine && bias ? parameter(zeros(shape, { dtype })) : null);
}

/** BatchNorm1d / BatchNorm2d options after numFeatures. */
export interface BatchNormOptions {
  eps?: number;
  /**
   * Weight of the new batch in the running statistics (default 0.1); null averages over all
   * batches seen (a cumulative moving average, by numBatchesTracked).
   */
  momentum?: number | null;
  /** Learn a per-channel weight and bias (default true). */
  affine?: boolean;
  /**
   * Keep running statistics for evaluation (default true). Without them, evaluation
   * normalizes with each batch's own statistics, as training does.
   */
  trackRunningStats?: boolean;
  dtype?: DType;
}

// BatchNorm1d and BatchNorm2d differ only in the input ranks they take.
class BatchNorm extends Module {
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  /** Training batches seen (int32 scalar). */
  declare numBatchesTracked: Tensor | null;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(numFeatures: number, options: BatchNormOptions, private readonly ranks: readonly number[]) {
    super();
    const where = this.constructor.name;
    this.numFeatures = checkCount(where, 'numFeatures', numFeatures);
    this.eps = checkEps(where, options.eps ?? 1e-5);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && !(typeof momentum === 'number' && momentum >= 0 && momentum <= 1)) throw new RangeError(`${where}: momentum must be in [0, 1] or null, got ${String(momentum)}`);
    this.momentum = momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = checkFloatDType(where, options.dtype);
    registerAffine(this, [numFeatures], this.affine, dtype);
    const track = this.trackRunningStats;
    this.registerBuffer('runningMean', track ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('runningVar', track ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer('numBatchesTracked', track ? zeros([], { dtype: 'int32' }) : null);
  }

  /** Running statistics back to mean 0, variance 1, no batches seen. */
  resetRunningStats(): void {
    if (this.runningMean === null || this.runningVar === null || this.numBatchesTracked === null) return;
    zeros_(this.runningMean);
    ones_(this.runningVar);
    this.numBatchesTracked.zero_();
  }

  /** Running statistics reset, weight to ones and bias to zeros. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  override forward(x: Tensor): Tensor {
    checkInput(this.constructor.name, x, this.ranks, this.numFeatures, 'features');
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked !== null) {
      this.numBatchesTracked.add_(1);
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    // Training updates the running statistics when they are tracked; evaluation reads them,
    // or normalizes with the batch's own statistics when there are none.
    const running = !this.training || this.trackRunningStats;
    return batchNorm(x, running ? this.runningMean : null, running ? this.runningVar : null, this.weight, this.bias, {
      training: this.training || this.runningMean === null,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalization over [N, C] or [N, C, L] inputs, per feature C. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}

/** Batch normalization over [N, C, H, W] inputs, per channel C. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [4]);
  }
}

/** LayerNorm options after normalizedShape. */
export interface LayerNormOptions {
  eps?: number;
  /** Learn a weight (and bias) of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn the bias (default true). */
  bias?: boolean;
  dtype?: DType;
}

/** Normalizes over the trailing axes normalizedShape of each sample. */
export class LayerNorm extends Module {
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0) throw new RangeError('LayerNorm: normalizedShape must have at least one axis');
    this.normalizedShape = shape.map((d) => checkCount('LayerNorm', 'normalizedShape', d));
    this.eps = checkEps('LayerNorm', options.eps ?? 1e-5);
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    registerAffine(this, this.normalizedShape, this.elementwiseAffine, checkFloatDType('LayerNorm', options.dtype), options.bias ?? true);
  }

  override forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    if (x.ndim < k || this.normalizedShape.some((d, i) => x.shape[x.ndim - k + i] !== d)) {
      throw new RangeError(`LayerNorm: input of shape ${formatShape(x.shape)} does not end in normalizedShape ${formatShape(this.normalizedShape)}`);
    }
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${formatShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/** GroupNorm options after the group and channel counts. */
export interface GroupNormOptions {
  eps?: number;
  /** Learn a per-channel weight and bias (default true). */
  affine?: boolean;
  dtype?: DType;
}

/** Normalizes each group of numChannels / numGroups channels of each sample. */
export class GroupNorm extends Module {
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    this.numGroups = checkCount('GroupNorm', 'numGroups', numGroups);
    this.numChannels = checkCount('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) throw new RangeError(`GroupNorm: numChannels ${numChannels} is not divisible by numGroups ${numGroups}`);
    this.eps = checkEps('GroupNorm', options.eps ?? 1e-5);
    this.affine = options.affine ?? true;
    registerAffine(this, [numChannels], this.affine, checkFloatDType('GroupNorm', options.dtype));
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) throw new RangeError(`GroupNorm: expected ${this.numChannels} channels on axis 1, got shape ${formatShape(x.shape)}`);
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
