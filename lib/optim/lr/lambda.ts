// Schedules given by a user function of the epoch, one per group or one for all.
import { FactorLR, LRScheduler, type SchedulableOptimizer } from './scheduler';

/** A multiplier as a function of the epoch index t (0 at construction). */
export type LrLambda = (t: number) => number;

/** Options of {@link LambdaLR} and {@link MultiplicativeLR}. */
export interface LambdaLROptions {
  /** One function for every group, or one per param group. */
  lrLambda: LrLambda | LrLambda[];
}

function lambdasPerGroup(where: string, optimizer: SchedulableOptimizer, lrLambda: LrLambda | LrLambda[]): LrLambda[] {
  const groups = optimizer.paramGroups.length;
  const lambdas = Array.isArray(lrLambda) ? [...lrLambda] : new Array<LrLambda>(groups).fill(lrLambda);
  if (lambdas.length !== groups) {
    throw new Error(`${where}: expected ${groups} lrLambdas (one per param group), got ${lambdas.length}`);
  }
  lambdas.forEach((fn, i) => {
    if (typeof fn !== 'function') throw new Error(`${where}: lrLambda[${i}] must be a function, got ${String(fn)}`);
  });
  return lambdas;
}

/**
 * lr_i = baseLr_i · lrLambda_i(t). The functions are not part of stateDict(): rebuild the
 * schedule with the same functions, then load its state.
 */
export class LambdaLR extends FactorLR {
  private readonly lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, { lrLambda }: LambdaLROptions) {
    super(optimizer);
    this.lrLambdas = lambdasPerGroup('LambdaLR', optimizer, lrLambda);
    this.initialStep();
  }

  protected factor(t: number, group: number): number {
    return this.lrLambdas[group](t);
  }
}

/** lr_i(t) = lr_i(t-1) · lrLambda_i(t) for t > 0: the functions give the per-epoch ratio. */
export class MultiplicativeLR extends LRScheduler {
  private readonly lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, { lrLambda }: LambdaLROptions) {
    super(optimizer);
    this.lrLambdas = lambdasPerGroup('MultiplicativeLR', optimizer, lrLambda);
    this.initialStep();
  }

  protected computeLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch <= 0) return lrs;
    return lrs.map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch));
  }
}
