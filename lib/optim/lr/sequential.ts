// One schedule after another at given milestones, e.g. a linear warmup in front of any
// schedule (torch.optim.lr_scheduler.SequentialLR).
import { LRScheduler, requireStateKeys, type LRSchedulerState, type SchedulableOptimizer } from './scheduler';
import { requireInteger } from './validate';

/** Options of {@link SequentialLR}. */
export interface SequentialLROptions {
  /** The schedules, all built on the same optimizer, in the order they run. */
  schedulers: LRScheduler[];
  /** The epochs at which the next schedule takes over: one fewer than schedulers, increasing. */
  milestones: number[];
}

/** The state of {@link SequentialLR}: its epoch and every child's state. */
export interface SequentialLRState {
  lastEpoch: number;
  lastLr: number[];
  schedulers: LRSchedulerState[];
}

/**
 * Runs schedulers[0] until milestones[0], then schedulers[1] (restarted at its epoch 0, in its
 * closed form) until milestones[1], and so on. Construction undoes the initial steps the
 * children took when they were built and applies schedulers[0]'s epoch-0 lr, so
 * `new SequentialLR(opt, { schedulers: [new LinearLR(opt, { startFactor: 0.1, totalIters: 5 }),
 * new CosineAnnealingLR(opt, { Tmax: 95 })], milestones: [5] })` warms up linearly for 5
 * epochs, then anneals from the base lr.
 */
export class SequentialLR {
  readonly optimizer: SchedulableOptimizer;
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];
  /** Epochs stepped so far (0 after construction). */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: SchedulableOptimizer, { schedulers, milestones }: SequentialLROptions) {
    const where = 'SequentialLR';
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new Error(`${where}: schedulers must be a non-empty array, got ${String(schedulers)}`);
    }
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new Error(`${where}: schedulers[${i}] is not an LRScheduler`);
      if (s.optimizer !== optimizer) throw new Error(`${where}: schedulers[${i}] drives a different optimizer than the one given`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new Error(
        `${where}: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ` +
          `${Array.isArray(milestones) ? milestones.length : String(milestones)}`,
      );
    }
    milestones.forEach((m, i) => {
      requireInteger(where, `milestones[${i}]`, m);
      if (i > 0 && m <= milestones[i - 1]) {
        throw new Error(`${where}: milestones must increase, got ${milestones[i - 1]} then ${m}`);
      }
    });
    this.optimizer = optimizer;
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    for (const group of optimizer.paramGroups) group.lr = group.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0].initialStep();
    this.lastLr = schedulers[0].getLastLr();
  }

  /** Advances one epoch in the schedule whose turn it is. */
  step(): void {
    this.lastEpoch += 1;
    const index = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const scheduler = this.schedulers[index];
    if (index > 0 && this.milestones[index - 1] === this.lastEpoch) scheduler.restart();
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  /** The lr of every group after the last step (or construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** This schedule's epoch and every child's state, JSON-serialisable. */
  stateDict(): SequentialLRState {
    return { lastEpoch: this.lastEpoch, lastLr: [...this.lastLr], schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  /** Restores state saved by stateDict() of a SequentialLR built the same way. */
  loadStateDict(state: SequentialLRState): void {
    requireStateKeys('SequentialLR', state as unknown as Record<string, unknown>, ['lastEpoch', 'lastLr', 'schedulers']);
    if (state.schedulers.length !== this.schedulers.length) {
      throw new Error(
        `SequentialLR.loadStateDict: state has ${state.schedulers.length} schedulers, this SequentialLR has ${this.schedulers.length}`,
      );
    }
    this.lastEpoch = state.lastEpoch;
    this.lastLr = [...state.lastLr];
    this.schedulers.forEach((s, i) => s.loadStateDict(state.schedulers[i]));
  }
}
