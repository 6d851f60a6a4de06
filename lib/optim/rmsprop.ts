// torch.optim.RMSprop over the fused native step: one rmspropStepMulti call per group and dtype.
import { native } from '../native';
import { zerosLike } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { checkInRange, checkNonNegative, Optimizer, type ParamGroup, type ParamGroupSpec } from './optimizer';

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by the estimated variance instead of the second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead (default false). */
  maximize: boolean;
}

/**
 * RMSprop (torch.optim.RMSprop). State per parameter: `step`, `squareAvg`, `momentumBuffer`
 * (momentum > 0) and `gradAvg` (centered), all starting at zero.
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  protected override readonly elementwiseState = ['squareAvg', 'momentumBuffer', 'gradAvg'];

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, options: Partial<RMSpropOptions> = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...options });
  }

  protected validateGroup(g: ParamGroup<RMSpropOptions>): void {
    checkNonNegative(this.name, 'lr', g.lr);
    checkInRange(this.name, 'alpha', g.alpha, 0, 1, true);
    checkNonNegative(this.name, 'eps', g.eps);
    checkNonNegative(this.name, 'weightDecay', g.weightDecay);
    checkNonNegative(this.name, 'momentum', g.momentum);
  }

  protected stepGroup(g: ParamGroup<RMSpropOptions>): void {
    const withMomentum = g.momentum > 0;
    this.runBatches(g, (batch) => {
      const [squares, gradAvgs, bufs] = [batch.slot(0), batch.slot(1), batch.slot(2)];
      for (const p of batch.tensors) {
        const s = this.stateOf(p);
        if (s.step === undefined) {
          s.step = 0;
          s.squareAvg = zerosLike(p).keep();
        }
        if (withMomentum && s.momentumBuffer === undefined) s.momentumBuffer = zerosLike(p).keep();
        if (g.centered && s.gradAvg === undefined) s.gradAvg = zerosLike(p).keep();
        s.step = (s.step as number) + 1;
        squares.push(this.view(s.squareAvg as Tensor));
        if (g.centered) gradAvgs.push(this.view(s.gradAvg as Tensor));
        if (withMomentum) bufs.push(this.view(s.momentumBuffer as Tensor));
      }
      native.rmspropStepMulti(batch.params, batch.grads, squares, g.centered ? gradAvgs : null, withMomentum ? bufs : null, g.lr, g.alpha, g.eps, g.weightDecay, g.momentum, g.centered, g.maximize);
    });
  }
}
