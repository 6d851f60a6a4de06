// Clearing gradients, shared by Module.zeroGrad and Optimizer.zeroGrad.
import type { Tensor } from '../tensor/tensor';
import { noGrad } from './grad_mode';

/**
 * Clears each tensor's gradient. setToNone (PyTorch's default) drops it and frees its memory
 * for the next backward to reuse, so a tensor kept from `p.grad` is disposed (clone it to
 * keep it); otherwise the gradient is filled with zeros.
 */
export function zeroGrads(params: Iterable<Tensor>, setToNone: boolean): void {
  for (const p of params) {
    const g = p.grad;
    if (g === null) continue;
    if (setToNone) {
      p.grad = null;
      g.dispose();
    } else {
      noGrad(() => g.zero_());
    }
  }
}
