// torch.optim.SGD over the fused native step: one sgdStepMulti call per group and dtype.
import type { FloatArray } from '../bindings/optim';
import { native } from '../native';
import { zerosLike } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { checkNonNegative, Optimizer, type ParamGroup, type ParamGroupSpec } from './optimizer';

export interface SGDOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening of the momentum's gradient term (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead (default false). */
  maximize: boolean;
}

/**
 * Stochastic gradient descent with momentum (torch.optim.SGD). State per parameter:
 * `momentumBuffer` (once momentum > 0), which the first step sets to the gradient.
 */
export class SGD extends Optimizer<SGDOptions> {
  protected override readonly elementwiseState = ['momentumBuffer'];

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, options: Partial<SGDOptions> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options });
  }

  protected validateGroup(g: ParamGroup<SGDOptions>): void {
    checkNonNegative(this.name, 'lr', g.lr);
    checkNonNegative(this.name, 'momentum', g.momentum);
    checkNonNegative(this.name, 'dampening', g.dampening);
    checkNonNegative(this.name, 'weightDecay', g.weightDecay);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError(`${this.name}: nesterov momentum requires momentum > 0 and dampening 0 (got momentum ${g.momentum}, dampening ${g.dampening})`);
    }
  }

  // Parameters whose buffer is new take their first step in a separate call (buf = d).
  protected stepGroup(g: ParamGroup<SGDOptions>): void {
    const withMomentum = g.momentum !== 0;
    this.runBatches(
      g,
      (batch, _dtype, hasBuffer) => {
        let bufs: FloatArray[] | null = null;
        if (withMomentum) {
          bufs = batch.slot(0);
          for (const p of batch.tensors) {
            const s = this.stateOf(p);
            if (!hasBuffer) s.momentumBuffer = zerosLike(p).keep();
            bufs.push(this.view(s.momentumBuffer as Tensor));
          }
        }
        native.sgdStepMulti(batch.params, batch.grads, bufs, g.lr, g.momentum, g.dampening, g.weightDecay, g.nesterov, g.maximize, withMomentum && !hasBuffer);
      },
      (p) => (withMomentum && this.state.get(p)?.momentumBuffer === undefined ? 0 : 1),
    );
  }
}
