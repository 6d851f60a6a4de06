// Cosine annealing (SGDR, Loshchilov & Hutter 2017): without restarts in PyTorch's recursive
// form, and with warm restarts.
import { LRScheduler, requireStateKeys, type LRSchedulerState, type SchedulableOptimizer } from './scheduler';
import { requireFinite, requireInteger, requireNonNegative } from './validate';

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Half period: epochs from baseLr down to etaMin. */
  Tmax: number;
  /** Lowest lr (default 0). */
  etaMin?: number;
}

/**
 * η_t = η_min + (η_max − η_min) · (1 + cos(π t / Tmax)) / 2, with η_max the group's base lr
 * (seed 004's cosine when η_min = 0). Computed, as PyTorch does, recursively from the group's
 * current lr, η_t = (1 + cos(π t / Tmax)) / (1 + cos(π (t−1) / Tmax)) · (η_{t−1} − η_min) + η_min,
 * so the sequence matches PyTorch's to rounding and composes with other changes to the lr;
 * past Tmax it rises again (a cosine of period 2·Tmax).
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly Tmax: number;
  readonly etaMin: number;

  constructor(optimizer: SchedulableOptimizer, { Tmax, etaMin = 0 }: CosineAnnealingLROptions) {
    super(optimizer);
    this.Tmax = requireInteger('CosineAnnealingLR', 'Tmax', Tmax);
    this.etaMin = requireFinite('CosineAnnealingLR', 'etaMin', etaMin);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const t = this.lastEpoch;
    const lrs = this.groupLrs();
    if (t === 0) return lrs;
    if ((t - 1 - this.Tmax) % (2 * this.Tmax) === 0) {
      // The step off the trough, where the ratio form would divide by 1 + cos(π) = 0.
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - this.etaMin) * (1 - Math.cos(Math.PI / this.Tmax))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * t) / this.Tmax)) / (1 + Math.cos((Math.PI * (t - 1)) / this.Tmax));
    return lrs.map((lr) => ratio * (lr - this.etaMin) + this.etaMin);
  }

  protected override closedFormLr(): number[] {
    const c = 1 + Math.cos((Math.PI * this.lastEpoch) / this.Tmax);
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * c) / 2);
  }
}

/** Options of {@link CosineAnnealingWarmRestarts}. */
export interface CosineAnnealingWarmRestartsOptions {
  /** Epochs of the first cycle. */
  T0: number;
  /** Each cycle is Tmult times longer than the previous (integer, default 1). */
  Tmult?: number;
  /** Lowest lr (default 0). */
  etaMin?: number;
}

/** The state of {@link CosineAnnealingWarmRestarts}: the cycle length and position too. */
export interface CosineAnnealingWarmRestartsState extends LRSchedulerState {
  Ti: number;
  Tcur: number;
}

/**
 * SGDR: η = η_min + (η_max − η_min) · (1 + cos(π Tcur / Ti)) / 2, where Tcur counts epochs
 * since the last restart and Ti is the current cycle's length (T0, T0·Tmult, T0·Tmult², ...).
 * step() advances one epoch; step(epoch) jumps to a (possibly fractional) epoch, e.g.
 * `step(epoch + batch / batchesPerEpoch)` to anneal within epochs.
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly T0: number;
  readonly Tmult: number;
  readonly etaMin: number;
  /** Length of the current cycle. */
  Ti: number;
  /** Epochs since the last restart. */
  Tcur = -1;

  constructor(optimizer: SchedulableOptimizer, { T0, Tmult = 1, etaMin = 0 }: CosineAnnealingWarmRestartsOptions) {
    super(optimizer);
    this.T0 = requireInteger('CosineAnnealingWarmRestarts', 'T0', T0);
    this.Tmult = requireInteger('CosineAnnealingWarmRestarts', 'Tmult', Tmult);
    this.etaMin = requireFinite('CosineAnnealingWarmRestarts', 'etaMin', etaMin);
    this.Ti = this.T0;
    this.initialStep();
  }

  /** Advances one epoch, or jumps to `epoch` (>= 0, fractional allowed). */
  override step(epoch?: number): void {
    this.stepCount += 1;
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.Tcur += 1;
      if (this.Tcur >= this.Ti) {
        this.Tcur -= this.Ti;
        this.Ti *= this.Tmult;
      }
    } else {
      requireNonNegative('CosineAnnealingWarmRestarts.step', 'epoch', epoch);
      this.jumpTo(epoch);
    }
    this.lastEpoch = Math.floor(epoch);
    this.applyLrs(this.computeLr());
  }

  override restart(): void {
    this.step(0);
  }

  protected computeLr(): number[] {
    const c = 1 + Math.cos((Math.PI * this.Tcur) / this.Ti);
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * c) / 2);
  }

  override stateDict(): CosineAnnealingWarmRestartsState {
    return { ...super.stateDict(), Ti: this.Ti, Tcur: this.Tcur };
  }

  override loadStateDict(state: CosineAnnealingWarmRestartsState): void {
    requireStateKeys('CosineAnnealingWarmRestarts', state, ['Ti', 'Tcur']);
    super.loadStateDict(state);
    this.Ti = state.Ti;
    this.Tcur = state.Tcur;
  }

  // Which cycle `epoch` falls in: cycle n starts at T0 · (Tmult^n − 1) / (Tmult − 1).
  private jumpTo(epoch: number): void {
    if (epoch < this.T0) {
      this.Ti = this.T0;
      this.Tcur = epoch;
    } else if (this.Tmult === 1) {
      this.Tcur = epoch % this.T0;
    } else {
      const n = Math.trunc(Math.log((epoch / this.T0) * (this.Tmult - 1) + 1) / Math.log(this.Tmult));
      this.Tcur = epoch - (this.T0 * (this.Tmult ** n - 1)) / (this.Tmult - 1);
      this.Ti = this.T0 * this.Tmult ** n;
    }
  }
}
