// Schedule-free AdamW (Defazio et al. 2024; the reference AdamWScheduleFree of
// facebookresearch/schedule_free) over the fused native step and switch. The parameter holds
// y in train mode and x (the average to evaluate) in eval mode; z and the second moment are
// per-parameter state, the schedule's scalars (k, weightSum, lrMax) group options as in the
// reference, so state dicts carry them.
import type { FloatArray } from '../bindings/optim';
import { native } from '../native';
import { scheduleFreeScalars } from '../optim-math';
import { zerosLike } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { checkBetas, checkInRange, checkNonNegative, Optimizer, type ParamGroup, type ParamGroupSpec } from './optimizer';

export interface ScheduleFreeAdamWOptions {
  /** Learning rate (default 0.0025). */
  lr: number;
  /** beta1 interpolates between x and z (in (0, 1)); beta2 is Adam's (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** Weight decay, applied at y (default 0). */
  weightDecay: number;
  /** Linear warmup of the lr over this many steps (default 0). */
  warmupSteps: number;
  /** Polynomial weighting power of the average (default 0). */
  r: number;
  /** Power of the largest lr so far in the average's weights (default 2). */
  weightLrPower: number;
}

/** The group's schedule state, kept among its options (the reference's names, camelCase). */
interface ScheduleFreeGroupState {
  /** Steps taken. */
  k: number;
  weightSum: number;
  /** Largest warmed-up lr so far (-1 before the first step). */
  lrMax: number;
  /** The last step's warmed-up lr (for logging). */
  scheduledLr: number;
  /** True while the parameters hold y (training), false while they hold x (evaluation). */
  trainMode: boolean;
}

type Group = ParamGroup<ScheduleFreeAdamWOptions & ScheduleFreeGroupState>;

/**
 * Schedule-free AdamW: no lr schedule needed; call `eval()` before evaluating or saving the
 * model (parameters become the average x) and `train()` before training again. Starts in
 * train mode (the reference starts in eval mode and needs a first train() call). State per
 * parameter: `z` (a copy of the parameter at its first step) and `expAvgSq`.
 */
export class ScheduleFreeAdamW extends Optimizer<ScheduleFreeAdamWOptions & ScheduleFreeGroupState> {
  protected override readonly elementwiseState = ['z', 'expAvgSq'];

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, options: Partial<ScheduleFreeAdamWOptions> = {}) {
    super(params, {
      lr: 0.0025, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, warmupSteps: 0, r: 0, weightLrPower: 2,
      ...options,
      k: 0, weightSum: 0, lrMax: -1, scheduledLr: 0, trainMode: true,
    });
  }

  protected validateGroup(g: Group): void {
    checkNonNegative(this.name, 'lr', g.lr);
    checkBetas(this.name, g.betas);
    if (g.betas[0] === 0) throw new RangeError(`${this.name}: invalid betas[0] 0 (must be in (0, 1): eval() moves the parameters by 1 - 1/beta1)`);
    checkNonNegative(this.name, 'eps', g.eps);
    checkNonNegative(this.name, 'weightDecay', g.weightDecay);
    checkNonNegative(this.name, 'warmupSteps', g.warmupSteps);
    checkNonNegative(this.name, 'r', g.r);
    checkNonNegative(this.name, 'weightLrPower', g.weightLrPower);
    checkInRange(this.name, 'k', g.k, 0, Infinity);
  }

  protected stepGroup(g: Group): void {
    if (!g.trainMode) throw new Error(`${this.name}: step() in eval mode; call optimizer.train() before training (and eval() before evaluating)`);
    const s = scheduleFreeScalars({ steps: g.k, weightSum: g.weightSum, lrMax: g.lrMax }, g);
    const [beta1, beta2] = g.betas;
    this.runBatches(g, (batch) => {
      const [zs, vs] = [batch.slot(0), batch.slot(1)];
      for (const p of batch.tensors) {
        const st = this.stateOf(p);
        if (st.z === undefined) {
          st.z = p.detach().clone().keep();
          st.expAvgSq = zerosLike(p).keep();
        }
        zs.push(this.view(st.z as Tensor));
        vs.push(this.view(st.expAvgSq as Tensor));
      }
      native.scheduleFreeAdamWStepMulti(batch.params, batch.grads, zs, vs, s.lr, s.ckp1, beta1, beta2, g.eps, g.weightDecay, s.step);
    });
    g.k = s.next.steps;
    g.weightSum = s.next.weightSum;
    g.lrMax = s.next.lrMax;
    g.scheduledLr = s.lr;
  }

  /** Puts the parameters at y, where training steps (no-op when already in train mode). */
  train(): void {
    this.switchMode(true);
  }

  /** Puts the parameters at the average x, the point to evaluate and save (no-op in eval mode). */
  eval(): void {
    this.switchMode(false);
  }

  private switchMode(train: boolean): void {
    for (const g of this.paramGroups) {
      if (g.trainMode === train) continue;
      for (const dtype of ['float32', 'float64'] as const) {
        const params: FloatArray[] = [];
        const zs: FloatArray[] = [];
        const switched: Tensor[] = [];
        for (const p of g.params) {
          const z = this.state.get(p)?.z as Tensor | undefined;
          if (z === undefined || p.dtype !== dtype) continue;
          params.push(this.view(p));
          zs.push(this.view(z));
          switched.push(p);
        }
        if (params.length > 0) native.scheduleFreeSwitchMulti(params, zs, g.betas[0], !train);
        for (const p of switched) p.bumpVersion();
      }
      g.trainMode = train;
    }
  }
}
