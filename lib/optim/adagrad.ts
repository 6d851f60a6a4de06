// torch.optim.Adagrad over the fused native step: one adagradStepMulti call per group, dtype
// and step count.
import { native } from '../native';
import { fullLike } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { checkNonNegative, Optimizer, type ParamGroup, type ParamGroupSpec } from './optimizer';

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** The step's rate is lr / (1 + (step - 1)·lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
  /** Maximize the objective instead (default false). */
  maximize: boolean;
}

/**
 * Adagrad (torch.optim.Adagrad). State per parameter: `step` and `sum` (the sum of squared
 * gradients, starting at initialAccumulatorValue), created on the parameter's first step.
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  protected override readonly elementwiseState = ['sum'];

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, options: Partial<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...options });
  }

  protected validateGroup(g: ParamGroup<AdagradOptions>): void {
    checkNonNegative(this.name, 'lr', g.lr);
    checkNonNegative(this.name, 'lrDecay', g.lrDecay);
    checkNonNegative(this.name, 'weightDecay', g.weightDecay);
    checkNonNegative(this.name, 'initialAccumulatorValue', g.initialAccumulatorValue);
    checkNonNegative(this.name, 'eps', g.eps);
  }

  protected stepGroup(g: ParamGroup<AdagradOptions>): void {
    this.runBatches(
      g,
      (batch, _dtype, stepsBefore) => {
        const sums = batch.slot(0);
        for (const p of batch.tensors) {
          const s = this.stateOf(p);
          if (s.step === undefined) {
            s.step = 0;
            s.sum = fullLike(p, g.initialAccumulatorValue).keep();
          }
          s.step = (s.step as number) + 1;
          sums.push(this.view(s.sum as Tensor));
        }
        native.adagradStepMulti(batch.params, batch.grads, sums, g.lr, g.lrDecay, g.weightDecay, g.eps, g.maximize, stepsBefore + 1);
      },
      (p) => (this.state.get(p)?.step as number | undefined) ?? 0,
    );
  }
}
