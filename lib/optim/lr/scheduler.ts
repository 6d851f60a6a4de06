// The base of the epoch-indexed learning-rate schedules, with PyTorch 1.13's semantics
// (torch.optim.lr_scheduler._LRScheduler): construction records each group's initialLr and
// applies the schedule's value for epoch 0; every step() advances lastEpoch by one and
// writes the new lr into every param group. An "epoch" is whatever the caller steps per:
// one batch or one pass over the data.

/** A param group as the schedules see it: its lr and any other options (momentum, betas, ...). */
export interface ParamGroupLike {
  lr: number;
  [option: string]: unknown;
}

/** What a schedule drives: any object with param groups (kiln.optim's optimizers, or a plain object). */
export interface SchedulableOptimizer {
  paramGroups: ParamGroupLike[];
}

/** The progress every LRScheduler saves; subclasses add their own fields. */
export interface LRSchedulerState {
  lastEpoch: number;
  stepCount: number;
  baseLrs: number[];
  lastLr: number[];
  [field: string]: unknown;
}

/** Throws unless `optimizer` has a non-empty paramGroups array whose groups all have a finite lr. */
export function checkOptimizer(where: string, optimizer: SchedulableOptimizer): void {
  const groups = (optimizer as Partial<SchedulableOptimizer> | undefined)?.paramGroups;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new Error(`${where}: optimizer must have a non-empty paramGroups array`);
  }
  groups.forEach((g, i) => {
    if (typeof g?.lr !== 'number' || !Number.isFinite(g.lr)) {
      throw new Error(`${where}: paramGroups[${i}].lr must be a finite number, got ${String(g?.lr)}`);
    }
  });
}

/** Throws unless `state` has every key in `keys`, naming the missing ones. */
export function requireStateKeys(where: string, state: Record<string, unknown>, keys: readonly string[]): void {
  const missing = keys.filter((k) => !(k in state));
  if (missing.length > 0) throw new Error(`${where}.loadStateDict: missing key(s) ${missing.join(', ')}`);
}

/**
 * Base class of the schedules that step without a metric. A subclass implements computeLr()
 * (PyTorch's chainable get_lr: it may read the groups' current lr) and, when it has one,
 * closedFormLr() (the lr as a function of lastEpoch alone, used when SequentialLR restarts it).
 * Each concrete schedule calls initialStep() at the end of its constructor, once its own
 * fields are set, so that constructing it applies the epoch-0 learning rate.
 */
export abstract class LRScheduler {
  /** The optimizer (or any object with paramGroups) whose lrs this schedule sets. */
  readonly optimizer: SchedulableOptimizer;
  /** Each group's initialLr when the schedule was built: the lr the schedule scales. */
  baseLrs: number[];
  /** Index of the last epoch (or batch) stepped to: -1 before construction's initial step. */
  lastEpoch = -1;
  /** How many times step() ran, counting construction's initial step. */
  protected stepCount = 0;
  private lastLr: number[] = [];

  constructor(optimizer: SchedulableOptimizer) {
    const where = new.target.name;
    checkOptimizer(where, optimizer);
    this.optimizer = optimizer;
    // As PyTorch's group.setdefault('initial_lr', lr): a second schedule on the same optimizer
    // (e.g. under SequentialLR) scales the same base lr as the first.
    for (const group of optimizer.paramGroups) {
      if (group.initialLr === undefined) group.initialLr = group.lr;
    }
    this.baseLrs = optimizer.paramGroups.map((g, i) => {
      if (typeof g.initialLr !== 'number') {
        throw new Error(`${where}: paramGroups[${i}].initialLr must be a number, got ${String(g.initialLr)}`);
      }
      return g.initialLr;
    });
  }

  /** The lr of every group at lastEpoch (called after lastEpoch advanced). */
  protected abstract computeLr(): number[];

  /** The lr of every group as a function of lastEpoch alone, when the schedule has one. */
  protected closedFormLr?(): number[];

  /**
   * Runs construction's step: resets the step count and applies the epoch-0 lr. Public for
   * SequentialLR, which re-runs it on its first schedule.
   */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advances one epoch (or batch) and sets every group's lr to the schedule's value there. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    this.applyLrs(this.computeLr());
  }

  /**
   * Jumps to epoch 0 and applies the closed form there (PyTorch's `step(0)`), as SequentialLR
   * does when it hands over to this schedule at a milestone.
   */
  restart(): void {
    this.stepCount += 1;
    this.lastEpoch = 0;
    this.applyLrs(this.closedFormLr ? this.closedFormLr() : this.computeLr());
  }

  /** The lr of every group after the last step (or construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * The schedule's own progress (not the optimizer's state: save that too, the group lrs
   * live there), as a JSON-serialisable object. Options come from the constructor.
   */
  stateDict(): LRSchedulerState {
    return { lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /** Restores progress saved by stateDict() of a schedule built with the same options. */
  loadStateDict(state: LRSchedulerState): void {
    const where = this.constructor.name;
    requireStateKeys(where, state, ['lastEpoch', 'stepCount', 'baseLrs', 'lastLr']);
    if (state.baseLrs.length !== this.optimizer.paramGroups.length) {
      throw new Error(
        `${where}.loadStateDict: baseLrs has ${state.baseLrs.length} entries but the optimizer has ` +
          `${this.optimizer.paramGroups.length} param groups`,
      );
    }
    this.lastEpoch = state.lastEpoch;
    this.stepCount = state.stepCount;
    this.baseLrs = [...state.baseLrs];
    this.lastLr = [...state.lastLr];
  }

  /** The groups' current lrs (the chainable schedules' starting point). */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected applyLrs(lrs: number[]): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
    });
    this.lastLr = this.groupLrs();
  }
}

/**
 * Base of the schedules whose lr is baseLr times a factor of the epoch alone:
 * lr_i(t) = baseLr_i · factor_i(t).
 */
export abstract class FactorLR extends LRScheduler {
  /** The multiplier of group i's base lr at epoch t. */
  protected abstract factor(t: number, group: number): number;

  protected computeLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.factor(this.lastEpoch, i));
  }
}
