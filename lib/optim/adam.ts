// torch.optim.Adam and AdamW over the fused native step: one adamStepMulti call per group,
// dtype and step count (the step count is per parameter, as PyTorch's, so a parameter that
// missed steps for lack of a gradient is bias-corrected by its own count).
import { native } from '../native';
import { zerosLike } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { checkBetas, checkNonNegative, Optimizer, type ParamGroup, type ParamGroupSpec } from './optimizer';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0); AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximize the objective instead (default false). */
  maximize: boolean;
}

/**
 * Adam (torch.optim.Adam). State per parameter: `step`, `expAvg`, `expAvgSq`, and
 * `maxExpAvgSq` with amsgrad.
 */
export class Adam extends Optimizer<AdamOptions> {
  protected override readonly elementwiseState = ['expAvg', 'expAvgSq', 'maxExpAvgSq'];

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, options: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...options });
  }

  /** AdamW decays the parameter itself (p *= 1 - lr·weightDecay) instead of the gradient. */
  protected get decoupled(): boolean {
    return false;
  }

  protected validateGroup(g: ParamGroup<AdamOptions>): void {
    checkNonNegative(this.name, 'lr', g.lr);
    checkNonNegative(this.name, 'eps', g.eps);
    checkNonNegative(this.name, 'weightDecay', g.weightDecay);
    checkBetas(this.name, g.betas);
  }

  protected stepGroup(g: ParamGroup<AdamOptions>): void {
    this.runBatches(
      g,
      (batch, _dtype, stepsBefore) => {
        const [ms, vs, vmaxs] = [batch.slot(0), batch.slot(1), batch.slot(2)];
        for (const p of batch.tensors) {
          const s = this.stateOf(p);
          if (s.step === undefined) {
            s.step = 0;
            s.expAvg = zerosLike(p).keep();
            s.expAvgSq = zerosLike(p).keep();
          }
          if (g.amsgrad && s.maxExpAvgSq === undefined) s.maxExpAvgSq = zerosLike(p).keep();
          s.step = (s.step as number) + 1;
          ms.push(this.view(s.expAvg as Tensor));
          vs.push(this.view(s.expAvgSq as Tensor));
          if (g.amsgrad) vmaxs.push(this.view(s.maxExpAvgSq as Tensor));
        }
        const [beta1, beta2] = g.betas;
        native.adamStepMulti(batch.params, batch.grads, ms, vs, g.amsgrad ? vmaxs : null, g.lr, beta1, beta2, g.eps, g.weightDecay, this.decoupled, g.amsgrad, g.maximize, stepsBefore + 1);
      },
      (p) => (this.state.get(p)?.step as number | undefined) ?? 0,
    );
  }
}

/** AdamW (torch.optim.AdamW): Adam with decoupled weight decay, default weightDecay 1e-2. */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, options: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 1e-2, ...options });
  }

  protected override get decoupled(): boolean {
    return true;
  }
}
