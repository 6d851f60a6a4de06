// The 1cycle policy (Smith & Topin 2017, "Super-Convergence"): warm up from maxLr/divFactor
// to maxLr, then anneal to far below the start, with momentum moving the other way.
import { resolveCycleMomentum, setMomentum } from './momentum';
import { LRScheduler, checkOptimizer, type ParamGroupLike, type SchedulableOptimizer } from './scheduler';
import { perGroup, requireInRange, requireInteger, requireOneOf, requirePositive } from './validate';

/** Options of {@link OneCycleLR}. Give totalSteps, or epochs and stepsPerEpoch. */
export interface OneCycleLROptions {
  /** Peak lr, one for all groups or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle (precedence over epochs · stepsPerEpoch). */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear' interpolation within a phase. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum inversely to the lr (default: when every group has momentum or betas). */
  cycleMomentum?: boolean;
  /** Momentum at the lr's peak (default 0.85). */
  baseMomentum?: number | number[];
  /** Momentum at the start and end (default 0.95). */
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /**
   * Three phases as in the paper (up to maxLr, back down to initialLr symmetrically, then
   * to minLr) instead of fastai's two (up, then down to minLr). Default false.
   */
  threePhase?: boolean;
}

// The group keys each phase interpolates between, as PyTorch stores them in the groups.
type LrKey = 'initialLr' | 'maxLr' | 'minLr';
type MomentumKey = 'maxMomentum' | 'baseMomentum';
interface Phase {
  endStep: number;
  startLr: LrKey;
  endLr: LrKey;
  startMomentum: MomentumKey;
  endMomentum: MomentumKey;
}

const anneal = {
  cos: (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1),
  linear: (start: number, end: number, pct: number) => (end - start) * pct + start,
};

function resolveTotalSteps(o: OneCycleLROptions): number {
  if (o.totalSteps !== undefined) return requireInteger('OneCycleLR', 'totalSteps', o.totalSteps);
  if (o.epochs === undefined || o.stepsPerEpoch === undefined) {
    throw new Error('OneCycleLR: give totalSteps, or both epochs and stepsPerEpoch');
  }
  return requireInteger('OneCycleLR', 'epochs', o.epochs) * requireInteger('OneCycleLR', 'stepsPerEpoch', o.stepsPerEpoch);
}

// PyTorch writes initialLr, maxLr and minLr into the groups before the base class reads
// initialLr (overwriting any earlier initialLr).
function setCycleLrs(optimizer: SchedulableOptimizer, o: OneCycleLROptions): SchedulableOptimizer {
  checkOptimizer('OneCycleLR', optimizer);
  const divFactor = requirePositive('OneCycleLR', 'divFactor', o.divFactor ?? 25);
  const finalDivFactor = requirePositive('OneCycleLR', 'finalDivFactor', o.finalDivFactor ?? 1e4);
  const maxLrs = perGroup('OneCycleLR', 'maxLr', o.maxLr, optimizer.paramGroups.length);
  optimizer.paramGroups.forEach((g, i) => {
    const initialLr = maxLrs[i] / divFactor;
    g.initialLr = initialLr;
    g.maxLr = maxLrs[i];
    g.minLr = initialLr / finalDivFactor;
  });
  return optimizer;
}

/**
 * Within a phase from step s0 to s1, with pct = (t − s0) / (s1 − s0), the lr goes from the
 * phase's start to its end value: 'cos' end + (start − end)/2 · (1 + cos(π·pct)), 'linear'
 * start + (end − start)·pct. Two phases (default): initialLr → maxLr over pctStart·total
 * steps, then maxLr → minLr; momentum maxMomentum → baseMomentum → maxMomentum. Stepping past
 * totalSteps throws.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly cycleMomentum: boolean;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;

  constructor(optimizer: SchedulableOptimizer, options: OneCycleLROptions) {
    super(setCycleLrs(optimizer, options));
    const where = 'OneCycleLR';
    const total = resolveTotalSteps(options);
    this.totalSteps = total;
    const pct = requireInRange(where, 'pctStart', options.pctStart ?? 0.3, 0, 1);
    const strategy = requireOneOf(where, 'annealStrategy', options.annealStrategy ?? 'cos', ['cos', 'linear']);
    this.anneal = anneal[strategy];
    const up = pct * total - 1;
    this.phases = options.threePhase
      ? [
          { endStep: up, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pct * total - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: total - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: up, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: total - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    const groups = optimizer.paramGroups;
    this.cycleMomentum = resolveCycleMomentum(where, groups, options.cycleMomentum);
    if (this.cycleMomentum) {
      const maxM = perGroup(where, 'maxMomentum', options.maxMomentum ?? 0.95, groups.length);
      const baseM = perGroup(where, 'baseMomentum', options.baseMomentum ?? 0.85, groups.length);
      groups.forEach((g, i) => {
        setMomentum(g, maxM[i]);
        g.maxMomentum = maxM[i];
        g.baseMomentum = baseM[i];
      });
    }
    this.initialStep();
  }

  /** Sets the groups' momentum as a side effect when cycling it (as PyTorch's get_lr). */
  protected computeLr(): number[] {
    const t = this.lastEpoch;
    if (t > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${t + 1} times; totalSteps is ${this.totalSteps}`);
    }
    return this.optimizer.paramGroups.map((g) => {
      const last = this.phases.length - 1;
      const index = this.phases.findIndex((p, i) => t <= p.endStep || i === last);
      const start = index > 0 ? this.phases[index - 1].endStep : 0;
      const phase = this.phases[index];
      const pct = (t - start) / (phase.endStep - start);
      if (this.cycleMomentum) {
        setMomentum(g, this.anneal(groupNumber(g, phase.startMomentum), groupNumber(g, phase.endMomentum), pct));
      }
      return this.anneal(groupNumber(g, phase.startLr), groupNumber(g, phase.endLr), pct);
    });
  }
}

function groupNumber(group: ParamGroupLike, key: LrKey | MomentumKey): number {
  const value = group[key];
  if (typeof value !== 'number') throw new Error(`OneCycleLR: param group has no numeric ${key} (got ${String(value)})`);
  return value;
}
