// Cyclical learning rates (Smith 2017, "Cyclical Learning Rates for Training Neural Networks",
// seed 003): the lr goes back and forth between two bounds, stepped once per batch.
import { resolveCycleMomentum, setMomentum } from './momentum';
import { LRScheduler, checkOptimizer, type SchedulableOptimizer } from './scheduler';
import { perGroup, requireFinite, requireOneOf, requirePositive } from './validate';

/** The amplitude policies of {@link CyclicLR}. */
export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

/** Options of {@link CyclicLR}. */
export interface CyclicLROptions {
  /** Lower lr bound, one for all groups or one per group. */
  baseLr: number | number[];
  /** Upper lr bound, one for all groups or one per group. */
  maxLr: number | number[];
  /** Batches from baseLr up to maxLr (default 2000). */
  stepSizeUp?: number;
  /** Batches from maxLr back down (default stepSizeUp). */
  stepSizeDown?: number;
  /**
   * 'triangular': constant amplitude; 'triangular2': halved every cycle; 'exp_range':
   * scaled by gamma^iteration. Ignored when scaleFn is given. Default 'triangular'.
   */
  mode?: CyclicMode;
  /** The base of 'exp_range' (default 1). */
  gamma?: number;
  /** Custom amplitude scale in [0, 1] of the cycle number or iteration (see scaleMode). */
  scaleFn?: (x: number) => number;
  /** What scaleFn receives: the 1-based 'cycle' or the 'iterations' count (default 'cycle'). */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle momentum inversely to the lr (default: when every group has momentum or betas). */
  cycleMomentum?: boolean;
  /** Momentum at the lr's peak (default 0.8). */
  baseMomentum?: number | number[];
  /** Momentum at the lr's trough (default 0.9). */
  maxMomentum?: number | number[];
}

const modeScale: Record<CyclicMode, { scaleMode: 'cycle' | 'iterations'; fn: (x: number, gamma: number) => number }> = {
  triangular: { scaleMode: 'cycle', fn: () => 1 },
  triangular2: { scaleMode: 'cycle', fn: (cycle) => 1 / 2 ** (cycle - 1) },
  exp_range: { scaleMode: 'iterations', fn: (iteration, gamma) => gamma ** iteration },
};

// PyTorch sets each group's lr to baseLr before the base class records initialLr.
function startAtBaseLr(optimizer: SchedulableOptimizer, baseLr: number | number[]): SchedulableOptimizer {
  checkOptimizer('CyclicLR', optimizer);
  const lrs = perGroup('CyclicLR', 'baseLr', baseLr, optimizer.paramGroups.length);
  optimizer.paramGroups.forEach((g, i) => {
    g.lr = lrs[i];
  });
  return optimizer;
}

/**
 * With c = floor(1 + t / (up + down)) the 1-based cycle and x = 1 + t / (up + down) − c the
 * position in it, the height h = x / r on the way up (x ≤ r = up / (up + down)) and
 * (x − 1) / (r − 1) on the way down; lr = baseLr + (maxLr − baseLr) · h · scale and, when
 * cycled, momentum = maxMomentum − (maxMomentum − baseMomentum) · h · scale, where scale is
 * the mode's (1, 1/2^(c−1), gamma^t) or scaleFn of c or t.
 */
export class CyclicLR extends LRScheduler {
  readonly maxLrs: number[];
  readonly totalSize: number;
  readonly stepRatio: number;
  readonly scaleMode: 'cycle' | 'iterations';
  readonly cycleMomentum: boolean;
  readonly baseMomentums: number[] = [];
  readonly maxMomentums: number[] = [];
  private readonly scale: (x: number) => number;

  constructor(optimizer: SchedulableOptimizer, options: CyclicLROptions) {
    super(startAtBaseLr(optimizer, options.baseLr));
    const where = 'CyclicLR';
    const groups = optimizer.paramGroups;
    const { stepSizeUp = 2000, mode = 'triangular', gamma = 1, scaleFn, scaleMode = 'cycle' } = options;
    this.baseLrs = groups.map((g) => g.lr);
    this.maxLrs = perGroup(where, 'maxLr', options.maxLr, groups.length);
    const up = requirePositive(where, 'stepSizeUp', stepSizeUp);
    const down = requirePositive(where, 'stepSizeDown', options.stepSizeDown ?? up);
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    requireFinite(where, 'gamma', gamma);
    if (scaleFn !== undefined) {
      if (typeof scaleFn !== 'function') throw new Error(`${where}: scaleFn must be a function, got ${String(scaleFn)}`);
      this.scale = scaleFn;
      this.scaleMode = requireOneOf(where, 'scaleMode', scaleMode, ['cycle', 'iterations']);
    } else {
      const policy = modeScale[requireOneOf(where, 'mode', mode, ['triangular', 'triangular2', 'exp_range'])];
      this.scale = (x) => policy.fn(x, gamma);
      this.scaleMode = policy.scaleMode;
    }
    this.cycleMomentum = resolveCycleMomentum(where, groups, options.cycleMomentum);
    if (this.cycleMomentum) {
      this.baseMomentums = perGroup(where, 'baseMomentum', options.baseMomentum ?? 0.8, groups.length);
      groups.forEach((g, i) => setMomentum(g, this.baseMomentums[i]));
      this.maxMomentums = perGroup(where, 'maxMomentum', options.maxMomentum ?? 0.9, groups.length);
    }
    this.initialStep();
  }

  /** Sets the groups' momentum as a side effect when cycling it (as PyTorch's get_lr). */
  protected computeLr(): number[] {
    const t = this.lastEpoch;
    const cycle = Math.floor(1 + t / this.totalSize);
    const x = 1 + t / this.totalSize - cycle;
    const height = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.scale(this.scaleMode === 'cycle' ? cycle : t);
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i] - base) * height * scale);
    if (this.cycleMomentum) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const max = this.maxMomentums[i];
        setMomentum(g, max - (max - this.baseMomentums[i]) * height * scale);
      });
    }
    return lrs;
  }
}
