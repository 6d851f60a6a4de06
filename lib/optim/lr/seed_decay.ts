// The decays of the seed lectures (003 "Learning rate schedule", 002/004 "Inverse sqrt"), in
// closed form: lr_i(t) = baseLr_i · factor(t), t = lastEpoch (0 after construction).
import { FactorLR, type SchedulableOptimizer } from './scheduler';
import { requireInteger, requireNonNegative } from './validate';

/** Options of {@link InverseSqrtLR}. */
export interface InverseSqrtLROptions {
  /** Steps of linear warmup up to baseLr (default 0: none; 0 and 1 are the same schedule). */
  warmupSteps?: number;
}

/**
 * Inverse square root decay, α_t = α_0 / √t (seeds 002/004, Vaswani et al. 2017), with an
 * optional linear warmup of W steps: with s = t + 1 (the 1-based step) and W = max(warmupSteps, 1),
 * factor = min(s / W, √(W / s)): it rises linearly to 1 at s = W, then decays as √W / √s.
 */
export class InverseSqrtLR extends FactorLR {
  readonly warmupSteps: number;

  constructor(optimizer: SchedulableOptimizer, { warmupSteps = 0 }: InverseSqrtLROptions = {}) {
    super(optimizer);
    this.warmupSteps = requireInteger('InverseSqrtLR', 'warmupSteps', warmupSteps, 0);
    this.initialStep();
  }

  protected factor(t: number): number {
    const w = Math.max(this.warmupSteps, 1);
    const s = t + 1;
    return Math.min(s / w, Math.sqrt(w / s));
  }
}

/** Options of {@link InverseTimeLR}. */
export interface InverseTimeLROptions {
  /** How fast 1/t sets in (default 1: α_0 / (1 + t)). */
  decayRate?: number;
}

/** The "1/t" decay of seed 003: α_t = α_0 / (1 + decayRate · t). */
export class InverseTimeLR extends FactorLR {
  readonly decayRate: number;

  constructor(optimizer: SchedulableOptimizer, { decayRate = 1 }: InverseTimeLROptions = {}) {
    super(optimizer);
    this.decayRate = requireNonNegative('InverseTimeLR', 'decayRate', decayRate);
    this.initialStep();
  }

  protected factor(t: number): number {
    return 1 / (1 + this.decayRate * t);
  }
}

/** Options of {@link ExponentialDecayLR}. */
export interface ExponentialDecayLROptions {
  /** Decay rate k of exp(-k·t). */
  k: number;
}

/**
 * The "exp(-t)" decay of seed 003: α_t = α_0 · exp(-k·t) (the closed form of ExponentialLR
 * with gamma = exp(-k)).
 */
export class ExponentialDecayLR extends FactorLR {
  readonly k: number;

  constructor(optimizer: SchedulableOptimizer, { k }: ExponentialDecayLROptions) {
    super(optimizer);
    this.k = requireNonNegative('ExponentialDecayLR', 'k', k);
    this.initialStep();
  }

  protected factor(t: number): number {
    return Math.exp(-this.k * t);
  }
}

/** Options of {@link SqrtDecayLR}. */
export interface SqrtDecayLROptions {
  /** T: the step at which the lr reaches 0 (and stays). */
  totalSteps: number;
}

/**
 * The "√(1 - t/T)" decay of seed 003 (BVLC's GoogLeNet reimplementation):
 * α_t = α_0 · √(1 - min(t, T) / T).
 */
export class SqrtDecayLR extends FactorLR {
  readonly totalSteps: number;

  constructor(optimizer: SchedulableOptimizer, { totalSteps }: SqrtDecayLROptions) {
    super(optimizer);
    this.totalSteps = requireInteger('SqrtDecayLR', 'totalSteps', totalSteps);
    this.initialStep();
  }

  protected factor(t: number): number {
    return Math.sqrt(1 - Math.min(t, this.totalSteps) / this.totalSteps);
  }
}
