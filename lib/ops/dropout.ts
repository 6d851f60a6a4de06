// Inverted dropout: in training each element is kept with probability 1 - p and scaled by
// 1 / (1 - p), so evaluation (the identity) needs no rescaling. The mask comes from the
// Philox bernoulli fill of a Generator, so a seed reproduces it at any thread count.
import { bernoulli } from '../tensor/creation';
import { defaultGenerator, type Generator } from '../tensor/generator';
import { Tensor } from '../tensor/tensor';
import { binaryKernel, binaryScalarInto } from './kernels';
import { defineOp } from './op';
import { floatDType } from './spatial_args';

// The mask already holds 0 or 1 / (1 - p): backward is one multiply.
const dropoutOp = defineOp<[Tensor, number, Generator]>({
  name: 'dropout',
  forward(ctx, x, p, generator) {
    const mask = bernoulli(x.shape, 1 - p, { dtype: x.dtype, generator });
    if (p < 1) binaryScalarInto('mul', mask, 1 / (1 - p));
    ctx.saveOwned(mask);
    return binaryKernel('dropout', 'mul', x, mask);
  },
  backward(ctx, g) {
    const [mask] = ctx.saved;
    return [binaryKernel('dropout', 'mul', g, mask)];
  },
});

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by
 * 1 / (1 - p) (p = 1 gives zeros). With training false or p = 0 it returns input itself.
 * The mask is drawn from `generator` (default: the global one, see manualSeed).
 */
export function dropout(input: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  floatDType('dropout', [['input', input]]);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${String(p)}`);
  if (!training || p === 0) return input;
  return dropoutOp(input, p, generator);
}
