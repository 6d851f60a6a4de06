// linear(x, W, b) = x Wᵀ + b, the Linear layer's op. The bias is broadcast into the output and
// one GEMM adds the product onto it (beta = 1), so a layer is one op and one graph node rather
// than matmul + add (on a tiny layer the per-op cost is most of the step: W4).
import { native } from '../native';
import { isFloat } from '../tensor/dtype';
import { formatShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { add } from './arith';
import { contiguous } from './convert';
import { copyInto, f32, fillInto } from './kernels';
import { matmul } from './matmul';
import { checkAlive, defineOp, register } from './op';
import { sum } from './reduce';
import { reshape, t, transpose } from './views';

// x [m, k] and weight [n, k] contiguous, bias [n] or null, all one float dtype.
const linearOp = defineOp<[Tensor, Tensor, Tensor | null], boolean>({
  name: 'linear',
  forward(ctx, x, weight, bias) {
    const [m, k] = x.shape;
    const n = weight.shape[0];
    const out = Tensor.empty([m, n], x.dtype);
    if (bias !== null) copyInto(out, bias);
    if (k > 0 && out.size > 0) native.gemm(false, true, m, n, k, 1, f32(x), k, f32(weight), k, bias === null ? 0 : 1, out.array as Float32Array, n);
    else if (bias === null) fillInto(out, 0); // an empty inner dimension sums nothing
    ctx.state = bias !== null;
    ctx.save(x, weight);
    return out;
  },
  backward(ctx, g) {
    const [x, weight] = ctx.saved;
    const need = ctx.needsInputGrad;
    const grads = [need[0] ? matmul(g, weight) : null, need[1] ? matmul(transpose(g, 0, 1), x) : null];
    return ctx.state ? [...grads, need[2] ? sum(g, 0) : null] : grads;
  },
});

/**
 * x Wᵀ + b for x [..., in], weight [out, in], bias [out] or null (PyTorch's F.linear). Leading
 * axes of x fold into one matrix: one GEMM, and a 2-D weight gradient with no batch sum.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (!(x instanceof Tensor) || !(weight instanceof Tensor) || (bias !== null && !(bias instanceof Tensor))) throw new TypeError('linear: input and weight must be Tensors, bias a Tensor or null');
  checkAlive('linear', bias === null ? [x, weight] : [x, weight, bias]);
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must be [out, in], got shape ${formatShape(weight.shape)}`);
  const [n, k] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== k) throw new RangeError(`linear: input of shape ${formatShape(x.shape)} does not end in the weight's in-features ${k} (weight ${formatShape(weight.shape)})`);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== n)) throw new RangeError(`linear: bias must be [${n}] for weight ${formatShape(weight.shape)}, got shape ${formatShape(bias.shape)}`);
  const rows = x.ndim === 2 ? x : reshape(x, [-1, k]);
  const dtype = weight.dtype;
  let y: Tensor;
  if (isFloat(dtype) && x.dtype === dtype && (bias === null || bias.dtype === dtype) && weight.isContiguous()) {
    y = linearOp(contiguous(rows), weight, bias === null ? null : contiguous(bias));
  } else {
    // Mixed dtypes or a strided weight: matmul's promotion and strided operands.
    y = matmul(rows, t(weight));
    if (bias !== null) y = add(y, bias);
  }
  return rows === x ? y : reshape(y, [...x.shape.slice(0, -1), n]);
}

register({
  name: 'linear',
  call: ([x, w, b]) => linear(x, w, b),
  samples: [{ shapes: [[4, 5], [3, 5], [3]] }, { shapes: [[2, 3, 5], [3, 5], [3]] }],
  differentiable: true,
});
register({ name: 'linearNoBias', call: ([x, w]) => linear(x, w), samples: [{ shapes: [[4, 5], [3, 5]] }, { shapes: [[5], [2, 5]] }], differentiable: true });
