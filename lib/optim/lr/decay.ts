// The multiplicative decays of torch.optim.lr_scheduler, in PyTorch's chainable form: each
// step multiplies the groups' current lr, so other changes to the lr compose with them.
import { LRScheduler, type SchedulableOptimizer } from './scheduler';
import { requireFinite, requireInRange, requireInteger } from './validate';

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Epochs between two decays. */
  stepSize: number;
  /** Multiplier of each decay (default 0.1). */
  gamma?: number;
}

/** lr = baseLr · gamma^floor(t / stepSize): decays by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, { stepSize, gamma = 0.1 }: StepLROptions) {
    super(optimizer);
    this.stepSize = requireInteger('StepLR', 'stepSize', stepSize);
    this.gamma = requireFinite('StepLR', 'gamma', gamma);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Options of {@link MultiStepLR}. */
export interface MultiStepLROptions {
  /** Epochs at which the lr is multiplied by gamma (a repeated milestone decays once per repeat). */
  milestones: number[];
  /** Multiplier of each decay (default 0.1). */
  gamma?: number;
}

/** lr = baseLr · gamma^(number of milestones <= t). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, { milestones, gamma = 0.1 }: MultiStepLROptions) {
    super(optimizer);
    if (!Array.isArray(milestones)) throw new Error(`MultiStepLR: milestones must be an array, got ${String(milestones)}`);
    milestones.forEach((m, i) => requireInteger('MultiStepLR', `milestones[${i}]`, m, 0));
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = requireFinite('MultiStepLR', 'gamma', gamma);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    const lrs = this.groupLrs();
    return hits === 0 ? lrs : lrs.map((lr) => lr * this.gamma ** hits);
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((base) => base * this.gamma ** passed);
  }
}

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** Multiplier per epoch, e.g. 0.97 (GoogLeNet's per-epoch decay, seed 003). */
  gamma: number;
}

/** lr = baseLr · gamma^t. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: SchedulableOptimizer, { gamma }: ExponentialLROptions) {
    super(optimizer);
    this.gamma = requireFinite('ExponentialLR', 'gamma', gamma);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const lrs = this.groupLrs();
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }
}

/** Options of {@link ConstantLR}. */
export interface ConstantLROptions {
  /** Multiplier until totalIters, in (0, 1] (default 1/3). */
  factor?: number;
  /** Epochs at the reduced lr (default 5). */
  totalIters?: number;
}

/** lr = baseLr · factor for t < totalIters, then baseLr. */
export class ConstantLR extends LRScheduler {
  readonly factor: number;
  readonly totalIters: number;

  constructor(optimizer: SchedulableOptimizer, { factor = 1 / 3, totalIters = 5 }: ConstantLROptions = {}) {
    super(optimizer);
    this.factor = requirePositiveFactor('ConstantLR', 'factor', factor);
    this.totalIters = requireInteger('ConstantLR', 'totalIters', totalIters, 0);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return lrs;
    return lrs.map((lr) => lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    const reached = this.lastEpoch >= this.totalIters ? 1 : 0;
    return this.baseLrs.map((base) => base * (this.factor + reached * (1 - this.factor)));
  }
}

/** Options of {@link LinearLR}. */
export interface LinearLROptions {
  /** Multiplier at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Multiplier from totalIters on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs of the linear ramp (default 5). */
  totalIters?: number;
}

/**
 * lr = baseLr · (startFactor + (endFactor - startFactor) · min(t, totalIters) / totalIters):
 * with endFactor 1, the linear warmup to put in front of another schedule with SequentialLR.
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(
    optimizer: SchedulableOptimizer,
    { startFactor = 1 / 3, endFactor = 1, totalIters = 5 }: LinearLROptions = {},
  ) {
    super(optimizer);
    this.startFactor = requirePositiveFactor('LinearLR', 'startFactor', startFactor);
    this.endFactor = requireInRange('LinearLR', 'endFactor', endFactor, 0, 1);
    this.totalIters = requireInteger('LinearLR', 'totalIters', totalIters);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return lrs;
    const delta = this.endFactor - this.startFactor;
    const ratio = 1 + delta / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * delta);
    return lrs.map((lr) => lr * ratio);
  }

  protected override closedFormLr(): number[] {
    const delta = this.endFactor - this.startFactor;
    return this.baseLrs.map(
      (base) => base * (this.startFactor + (delta * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters),
    );
  }
}

// A factor the chainable form divides by later, so 0 is refused (PyTorch 1.13 allows it and
// then produces NaN).
function requirePositiveFactor(where: string, name: string, value: number): number {
  requireInRange(where, name, value, 0, 1);
  if (value === 0) throw new Error(`${where}: ${name} must be in (0, 1], got 0`);
  return value;
}
