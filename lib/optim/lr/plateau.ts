// Reduce the lr when a monitored metric stops improving (torch.optim.lr_scheduler.ReduceLROnPlateau).
import { checkOptimizer, requireStateKeys, type SchedulableOptimizer } from './scheduler';
import { perGroup, requireInRange, requireInteger, requireNonNegative, requireOneOf } from './validate';

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': rise (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr · factor, in [0, 1) (default 0.1). */
  factor?: number;
  /** Bad epochs tolerated before reducing: the lr drops on the (patience+1)-th (default 10). */
  patience?: number;
  /** Smallest improvement that counts (default 1e-4). */
  threshold?: number;
  /** 'rel': better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, one for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** A reduction smaller than eps is skipped (default 1e-8). */
  eps?: number;
}

/** The progress {@link ReduceLROnPlateau} saves. best is null before the first metric. */
export interface ReduceLROnPlateauState {
  lastEpoch: number;
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
  lastLr: number[];
}

/**
 * step(metric) once per evaluation: a metric better than the best so far (by threshold)
 * resets the count of bad epochs; when the count exceeds patience, every group's lr becomes
 * max(lr · factor, minLr) (unless that changes it by less than eps) and a cooldown starts.
 */
export class ReduceLROnPlateau {
  readonly optimizer: SchedulableOptimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  /** Number of step() calls so far. */
  lastEpoch = 0;
  /** The best metric so far (±Infinity before the first). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  private lastLr: number[];

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const where = 'ReduceLROnPlateau';
    checkOptimizer(where, optimizer);
    this.optimizer = optimizer;
    this.mode = requireOneOf(where, 'mode', options.mode ?? 'min', ['min', 'max']);
    this.factor = requireInRange(where, 'factor', options.factor ?? 0.1, 0, 1);
    if (this.factor === 1) throw new Error(`${where}: factor must be < 1, got 1`);
    this.patience = requireInteger(where, 'patience', options.patience ?? 10, 0);
    this.threshold = requireNonNegative(where, 'threshold', options.threshold ?? 1e-4);
    this.thresholdMode = requireOneOf(where, 'thresholdMode', options.thresholdMode ?? 'rel', ['rel', 'abs']);
    this.cooldown = requireInteger(where, 'cooldown', options.cooldown ?? 0, 0);
    this.minLrs = perGroup(where, 'minLr', options.minLr ?? 0, optimizer.paramGroups.length);
    this.eps = requireNonNegative(where, 'eps', options.eps ?? 1e-8);
    this.best = this.worst();
    this.lastLr = this.groupLrs();
  }

  /** Records one evaluation of the monitored metric and reduces the lr on a plateau. */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) {
      throw new Error(`ReduceLROnPlateau.step: metric must be a number, got ${String(metric)}`);
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLrs();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.groupLrs();
  }

  /** The lr of every group after the last step (or construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The plateau tracking state, JSON-serialisable (best is null until a metric was seen). */
  stateDict(): ReduceLROnPlateauState {
    return {
      lastEpoch: this.lastEpoch,
      best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastLr: [...this.lastLr],
    };
  }

  /** Restores state saved by stateDict() of a ReduceLROnPlateau built with the same options. */
  loadStateDict(state: ReduceLROnPlateauState): void {
    requireStateKeys('ReduceLROnPlateau', state as unknown as Record<string, unknown>, [
      'lastEpoch',
      'best',
      'numBadEpochs',
      'cooldownCounter',
      'lastLr',
    ]);
    this.lastEpoch = state.lastEpoch;
    this.best = state.best ?? this.worst();
    this.numBadEpochs = state.numBadEpochs;
    this.cooldownCounter = state.cooldownCounter;
    this.lastLr = [...state.lastLr];
  }

  private worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  private reduceLrs(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
      if (g.lr - newLr > this.eps) g.lr = newLr;
    });
  }

  private groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}
