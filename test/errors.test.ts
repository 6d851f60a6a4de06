// Errors: every bad call throws an Error whose message names the op and the shapes or values
// involved (DESIGN.md, API conventions), and none crashes the process.
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib';
import type { Tensor } from '../lib';

const a = (): Tensor => kiln.ones([2, 3]);
const ints = (): Tensor => kiln.ones([2, 3], { dtype: 'int32' });

describe('shape mismatches', () => {
  it('broadcasting ops name both shapes and the axis', () => {
    expect(() => a().add(kiln.ones([4]))).toThrow(/^add: shapes \[2,3\] and \[4\] cannot be broadcast \(size 3 vs 4 at axis -1\)$/);
    expect(() => a().sub(kiln.ones([3, 2]))).toThrow(/^sub: shapes \[2,3\] and \[3,2\] cannot be broadcast \(size 2 vs 3 at axis -2\)$/);
    expect(() => kiln.mul(a(), kiln.ones([2, 2, 2]))).toThrow(/^mul: shapes \[2,3\] and \[2,2,2\] cannot be broadcast \(size 3 vs 2 at axis -1\)$/);
    expect(() => a().div(kiln.ones([4]))).toThrow(/^div: shapes \[2,3\] and \[4\]/);
    expect(() => a().pow(kiln.ones([4]))).toThrow(/^pow: shapes \[2,3\] and \[4\]/);
    expect(() => a().maximum(kiln.ones([4]))).toThrow(/^maximum: shapes \[2,3\] and \[4\]/);
    expect(() => a().minimum(kiln.ones([4]))).toThrow(/^minimum: shapes \[2,3\] and \[4\]/);
    expect(() => a().eq(kiln.ones([4]))).toThrow(/^eq: shapes \[2,3\] and \[4\]/);
    expect(() => a().lt(kiln.ones([4]))).toThrow(/^lt: shapes \[2,3\] and \[4\]/);
    expect(() => kiln.where(kiln.ones([5]), a(), 0)).toThrow(/^where: shapes \[5\] and \[2,3\] cannot be broadcast/);
    expect(() => a().maskedFill(kiln.ones([4]), 0)).toThrow(/^maskedFill: shapes \[2,3\] and \[4\] cannot be broadcast/);
    expect(() => a().maskedFill(kiln.ones([2, 2, 3]), 0)).toThrow(/^maskedFill: mask of shape \[2,2,3\] does not broadcast to the input's shape \[2,3\]$/);
  });

  it('in-place ops refuse a source that does not broadcast to the target', () => {
    expect(() => a().add_(kiln.ones([4]))).toThrow(/^add_: shapes \[2,3\] and \[4\] cannot be broadcast/);
    expect(() => kiln.ones([3]).mul_(kiln.ones([2, 3]))).toThrow(/^mul_: shape \[2,3\] cannot be broadcast to the in-place target's shape \[3\]$/);
    expect(() => kiln.ones([3]).copy_(kiln.ones([2, 3]))).toThrow(/^copy_: source of shape \[2,3\] does not broadcast to the target's shape \[3\]$/);
  });

  it('matmul names the caller shapes and the sizes that do not align', () => {
    expect(() => a().matmul(kiln.ones([4, 5]))).toThrow(/^matmul: shapes \[2,3\] and \[4,5\] do not align \(3 != 4\)$/);
    expect(() => kiln.ones([3]).matmul(kiln.ones([4]))).toThrow(/^matmul: shapes \[3\] and \[4\] do not align \(3 != 4\)$/);
    expect(() => kiln.ones([3]).matmul(kiln.ones([2, 4]))).toThrow(/^matmul: shapes \[3\] and \[2,4\] do not align \(3 != 2\)$/);
    expect(() => kiln.ones([2, 3, 4]).matmul(kiln.ones([3, 4, 5]))).toThrow(/^matmul: batch axes \[2\] and \[3\] of shapes \[2,3,4\] and \[3,4,5\] cannot be broadcast$/);
    expect(() => kiln.tensor(1).matmul(a())).toThrow(/^matmul: both operands need at least one axis, got shapes \[\] and \[2,3\]$/);
  });

  it('views and reshapes name the shapes', () => {
    expect(() => a().reshape(4, 2)).toThrow(/^reshape: shape \[4,2\] is invalid for a tensor of 6 elements \[2,3\]$/);
    expect(() => a().reshape(-1, 4)).toThrow(/^reshape: shape \[-1,4\] is invalid for a tensor of 6 elements \[2,3\]$/);
    expect(() => a().reshape(-1, -1)).toThrow(/^reshape: only one dimension can be -1, got \[-1,-1\]$/);
    expect(() => a().reshape(2, -3)).toThrow(/^reshape: invalid size -3 in shape \[2,-3\]$/);
    expect(() => a().T.view(6)).toThrow(/^view: a tensor of shape \[3,2\] and strides \[1,3\] cannot be viewed as \[6\]; use reshape\(\)$/);
    expect(() => a().expand(3, 3)).toThrow(/^expand: cannot expand shape \[2,3\] to \[3,3\] \(axis 0\)$/);
    expect(() => a().expand(6)).toThrow(/^expand: cannot expand shape \[2,3\] to fewer axes \[6\]$/);
    expect(() => a().permute(0)).toThrow(/^permute: got 1 axes \[0\] for a tensor of rank 2$/);
    expect(() => a().permute(1, 1)).toThrow(/^permute: axes \[1,1\] repeat an axis$/);
    expect(() => kiln.ones([2, 2, 2]).T).toThrow(/^t: expects a tensor of rank <= 2, got shape \[2,2,2\]$/);
  });

  it('joins and splits name the mismatching tensor', () => {
    expect(() => kiln.cat([a(), kiln.ones([3, 3])], 1)).toThrow(/^cat: tensor 1 has shape \[3,3\], which does not match \[2,3\] outside axis 1$/);
    expect(() => kiln.cat([a(), kiln.ones([6])])).toThrow(/^cat: tensor 1 has shape \[6\], which does not match \[2,3\] outside axis 0$/);
    expect(() => kiln.cat([])).toThrow(/^cat: expected a non-empty array of tensors$/);
    expect(() => kiln.stack([a(), a().T])).toThrow(/^stack: tensor 1 has shape \[3,2\], expected \[2,3\]$/);
    expect(() => a().split([1, 1], 1)).toThrow(/^split: sizes \[1,1\] do not add up to axis 1's size 3$/);
    expect(() => a().split(0)).toThrow(/^split: size must be a positive integer, got 0$/);
    expect(() => a().chunk(0)).toThrow(/^chunk: chunks must be a positive integer, got 0$/);
  });

  it('creation names the shape and the values', () => {
    expect(() => kiln.tensor([[1], [2, 3]])).toThrow(/^tensor: ragged nested array: expected 1 items at depth 1, got 2$/);
    expect(() => kiln.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/^tensor: 3 values do not fill shape \[2,2\]$/);
    expect(() => kiln.zeros([2, -1])).toThrow(/^zeros: shape \[2,-1\] has an invalid size -1$/);
    expect(() => kiln.ones([NaN])).toThrow(/^ones: shape \[NaN\] has an invalid size NaN$/);
    expect(() => kiln.zeros(3 as never)).toThrow(/^zeros: shape must be an array of integers, got 3$/);
    expect(() => kiln.full([2 ** 21, 2 ** 20], 0)).toThrow(/^full: shape \[2097152,1048576\] is too large$/);
    expect(() => kiln.eye(-1)).toThrow(/^eye: shape \[-1,-1\] has an invalid size -1$/);
    expect(() => kiln.linspace(0, 1, -1)).toThrow(/^linspace: steps must be a non-negative integer, got -1$/);
    expect(() => kiln.arange(0, Infinity)).toThrow(/^arange: start 0, end Infinity and step 1 must be finite with step != 0$/);
    expect(() => kiln.randint(5, 2, [3])).toThrow(/^randint: low and high must be int32 integers with low < high, got low 5 and high 2$/);
    expect(() => kiln.bernoulli([3], 1.5)).toThrow(/^bernoulli: p must be in \[0, 1\], got 1.5$/);
    expect(() => kiln.bernoulli([3], NaN)).toThrow(/^bernoulli: p must be in \[0, 1\], got NaN$/);
  });

  it('an allocation too large for memory throws instead of crashing', () => {
    expect(() => kiln.zeros([2 ** 20, 2 ** 20])).toThrow(/allocateStorage: out of memory allocating 4398046511104 bytes/);
    expect(() => kiln.tensor([1, 2]).expand(2 ** 20, 2 ** 20, 2).contiguous()).toThrow(/out of memory allocating 8796093022208 bytes/);
  });
});

describe('dtype errors', () => {
  it('name the op and the dtypes', () => {
    expect(() => ints().matmul(ints().T)).toThrow(/^matmul: int32 operands are not supported \(shapes \[2,3\] and \[3,2\]\); convert with \.float\(\)$/);
    expect(() => ints().requiresGrad_()).toThrow(TypeError);
    expect(() => ints().requiresGrad_()).toThrow(/^requiresGrad_: only float tensors can require grad, got int32$/);
    expect(() => kiln.zeros([2], { dtype: 'int32', requiresGrad: true })).toThrow(/^requiresGrad_: only float tensors can require grad, got int32$/);
    expect(() => a().to('int64' as never)).toThrow(/^toDType: unknown dtype "int64" \(expected float32, float64 or int32\)$/);
    expect(() => kiln.zeros([2], { dtype: 'bool' as never })).toThrow(/^zeros: unknown dtype "bool"/);
    expect(() => kiln.tensor([0.5], { dtype: 'int32' })).toThrow(/^tensor: value 0.5 at index 0 is not an int32$/);
    expect(() => kiln.full([2], 0.5, { dtype: 'int32' })).toThrow(/^full: value 0.5 is not an integer for an int32 tensor$/);
    expect(() => kiln.rand([2], { dtype: 'int32' })).toThrow(/^rand: dtype must be float32 or float64, got int32$/);
    expect(() => kiln.randn([2], { dtype: 'int32' })).toThrow(/^randn: dtype must be float32 or float64, got int32$/);
  });

  it('in-place ops refuse to write floats into int32 tensors, naming shapes and operands', () => {
    expect(() => ints().add_(0.5)).toThrow(/^add_: cannot write a float result \(with 0.5\) into an int32 tensor of shape \[2,3\]$/);
    expect(() => ints().div_(2)).toThrow(/^div_: cannot write a float result \(with 2\) into an int32 tensor of shape \[2,3\]$/);
    expect(() => ints().mul_(a())).toThrow(/^mul_: cannot write a float result \(with a float32 tensor of shape \[2,3\]\) into an int32 tensor of shape \[2,3\]$/);
    // Integers into int32 are fine.
    expect(ints().add_(2).toArray()).toEqual([[3, 3, 3], [3, 3, 3]]);
  });

  it('operands that are not tensors or numbers', () => {
    expect(() => a().add('x' as never)).toThrow(/^add: second operand must be a Tensor or a number, got string$/);
    expect(() => kiln.mul(null as never, a())).toThrow(/^mul: first operand must be a Tensor or a number, got null$/);
    expect(() => kiln.add(1, 2 as never)).toThrow(/^add: at least one operand must be a Tensor$/);
    expect(() => kiln.matmul(a(), [1, 2] as never)).toThrow(/^matmul: both operands must be Tensors$/);
    expect(() => a().clamp()).toThrow(/^clamp: at least one of min and max must be given$/);
    expect(() => a().clamp(NaN, 1)).toThrow(/^clamp: min and max must be numbers \(or null\), got NaN and 1$/);
  });
});

describe('out-of-range axes and indices', () => {
  it('axes name the axis, the rank and the valid range', () => {
    expect(() => a().sum(2)).toThrow(/^sum: axis 2 is out of range for a tensor of rank 2 \(expected \[-2, 1\]\)$/);
    expect(() => a().sum(-3)).toThrow(/^sum: axis -3 is out of range for a tensor of rank 2 \(expected \[-2, 1\]\)$/);
    expect(() => a().sum([0, 0])).toThrow(/^sum: axes \[0,0\] repeat an axis$/);
    expect(() => a().mean(1.5)).toThrow(/^mean: axis 1.5 is out of range/);
    expect(() => a().max(5)).toThrow(/^max: axis 5 is out of range for a tensor of rank 2/);
    expect(() => a().min(-9)).toThrow(/^min: axis -9 is out of range for a tensor of rank 2/);
    expect(() => a().argmax(2)).toThrow(/^argmax: axis 2 is out of range for a tensor of rank 2/);
    expect(() => a().argmin(2)).toThrow(/^argmin: axis 2 is out of range for a tensor of rank 2/);
    expect(() => a().var(2)).toThrow(/^var: axis 2 is out of range/);
    expect(() => a().norm(2, 2)).toThrow(/^norm: axis 2 is out of range/);
    expect(() => a().softmax(2)).toThrow(/^softmax: axis 2 is out of range for a tensor of rank 2/);
    expect(() => a().logSoftmax(-3)).toThrow(/^logSoftmax: axis -3 is out of range for a tensor of rank 2/);
    expect(() => a().transpose(0, 2)).toThrow(/^transpose: axis 2 is out of range for a tensor of rank 2/);
    expect(() => a().permute(0, 2)).toThrow(/^permute: axis 2 is out of range for a tensor of rank 2/);
    expect(() => a().squeeze(3)).toThrow(/^squeeze: axis 3 is out of range for a tensor of rank 2/);
    expect(() => a().unsqueeze(4)).toThrow(/^unsqueeze: axis 4 is out of range for a tensor of rank 3 \(expected \[-3, 2\]\)$/);
    expect(() => a().flatten(2)).toThrow(/^flatten: axis 2 is out of range for a tensor of rank 2/);
    expect(() => a().flatten(1, 0)).toThrow(/^flatten: startAxis 1 comes after endAxis 0$/);
    expect(() => a().slice(2)).toThrow(/^slice: axis 2 is out of range for a tensor of rank 2/);
    expect(() => a().split(1, 2)).toThrow(/^split: axis 2 is out of range for a tensor of rank 2/);
    expect(() => a().chunk(2, -3)).toThrow(/^chunk: axis -3 is out of range for a tensor of rank 2/);
    expect(() => kiln.cat([a(), a()], 2)).toThrow(/^cat: axis 2 is out of range for a tensor of rank 2/);
    expect(() => kiln.stack([a(), a()], 3)).toThrow(/^stack: axis 3 is out of range for a tensor of rank 3/);
  });

  it('indices name the index and the axis size', () => {
    expect(() => a().select(0, 2)).toThrow(/^select: index 2 is out of range for axis 0 of size 2$/);
    expect(() => a().select(1, -4)).toThrow(/^select: index -4 is out of range for axis 1 of size 3$/);
    expect(() => a().narrow(1, 2, 2)).toThrow(/^narrow: start 2 and length 2 do not fit axis 1 of size 3 \(shape \[2,3\]\)$/);
    expect(() => a().narrow(0, -3, 1)).toThrow(/^narrow: start -3 and length 1 do not fit axis 0 of size 2/);
    expect(() => a().slice(0, 0, 2, 0)).toThrow(/^slice: step must be a positive integer, got 0$/);
    expect(() => a().slice(0, 0.5)).toThrow(/^slice: start and end must be integers, got 0.5 and undefined$/);
    expect(() => a().item()).toThrow(/^item: tensor of shape \[2,3\] has 6 elements, expected 1$/);
    expect(() => kiln.zeros([0]).max()).toThrow(/^max: cannot reduce an empty tensor of shape \[0\]$/);
    expect(() => kiln.zeros([0, 2]).argmax()).toThrow(/^argmax: cannot reduce an empty tensor of shape \[0,2\]$/);
  });

  it('class indices out of range in crossEntropy name the position and the class', () => {
    expect(() => kiln.crossEntropy(a(), kiln.tensor([0, 3], { dtype: 'int32' }))).toThrow(/^crossEntropy: target 3 at position 1 is out of range \[0, 3\) or ignoreIndex -100$/);
    expect(() => kiln.crossEntropy(kiln.ones([]), kiln.tensor([0], { dtype: 'int32' }))).toThrow(/^crossEntropy: input must be \[C\], \[N, C\] or \[N, C, d1, \.\.\.\], got shape \[\]$/);
    expect(() => kiln.crossEntropy(a(), kiln.tensor([0, 1, 2], { dtype: 'int32' }))).toThrow(/^crossEntropy: target of shape \[3\] does not match input \[2,3\] \(expected class indices of shape \[2\]\)$/);
  });
});

describe('autograd misuse', () => {
  it('backward on a non-scalar without a gradient, and gradients of the wrong shape', () => {
    const x = kiln.ones([2, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(RangeError);
    expect(() => x.mul(2).backward()).toThrow(/^backward: grad can be implicitly created only for scalar outputs, got shape \[2,2\]$/);
    expect(() => x.mul(2).backward(kiln.ones([4]))).toThrow(/^backward: gradient shape \[4\] does not match output shape \[2,2\]$/);
    expect(() => kiln.grad(x.mul(2), [x])).toThrow(/^grad: grad can be implicitly created only for scalar outputs, got shape \[2,2\]$/);
    expect(() => kiln.grad([x.sum(), x.sum()], [x], [kiln.ones([])])).toThrow(/^grad: got 1 gradients for 2 outputs$/);
    expect(() => a().sum().backward()).toThrow(/^backward: output 0 does not require grad and has no gradFn$/);
    expect(() => x.mul(2).backward([1, 1, 1, 1] as never)).toThrow(/^backward: gradient 0 must be a Tensor, got an array$/);
    expect(() => kiln.grad(x.sum(), [x], [5] as never)).toThrow(/^grad: gradient 0 must be a Tensor, got number$/);
  });

  it('gradcheck refuses inputs it cannot check', () => {
    expect(() => kiln.gradcheck((x) => x, [a()])).toThrow(/^gradcheck: input 0 is float32; gradcheck needs float64 inputs$/);
    expect(() => kiln.gradcheck((x) => x, [kiln.ones([2], { dtype: 'float64' })])).toThrow(/^gradcheck: input 0 does not require grad$/);
  });
});

describe('disposed tensors', () => {
  it('every use names the op', () => {
    const t = a();
    const o = a();
    t.dispose();
    const cases: [() => unknown, RegExp][] = [
      [() => t.add(1), /^add: input 0 was disposed$/],
      [() => kiln.add(o, t), /^add: input 1 was disposed$/],
      [() => t.exp(), /^exp: input 0 was disposed$/],
      [() => t.neg(), /^neg: input 0 was disposed$/],
      [() => t.clamp(0, 1), /^clamp: input 0 was disposed$/],
      [() => t.eq(o), /^eq: input 0 was disposed$/],
      [() => kiln.where(t, o, 0), /^where: input 0 was disposed$/],
      [() => o.maskedFill(t, 0), /^maskedFill: input 1 was disposed$/],
      [() => t.sum(), /^sum: input 0 was disposed$/],
      [() => t.argmax(), /^argmax: input 0 was disposed$/],
      [() => t.softmax(0), /^softmax: input 0 was disposed$/],
      [() => t.sigmoid(), /^sigmoid: input 0 was disposed$/],
      [() => o.matmul(t.T), /^t: input 0 was disposed$/],
      [() => kiln.matmul(o, t), /^matmul: input 1 was disposed$/],
      [() => kiln.stack([o, t]), /^stack: input 1 was disposed$/],
      [() => t.view(6), /^view: input 0 was disposed$/],
      [() => t.expand(2, 2, 3), /^expand: input 0 was disposed$/],
      [() => t.unsqueeze(0), /^unsqueeze: input 0 was disposed$/],
      [() => t.narrow(0, 0, 1), /^narrow: input 0 was disposed$/],
      [() => t.flatten(), /^flatten: input 0 was disposed$/],
      [() => t.clone(), /^clone: input 0 was disposed$/],
      [() => t.int(), /^toDType: input 0 was disposed$/],
      [() => t.fill_(0), /^fill_: input 0 was disposed$/],
      [() => o.copy_(t), /^copy_: input 0 was disposed$/],
      [() => t.item(), /^item: tensor of shape \[2,3\] was disposed$/],
      [() => t.toArray(), /^toArray: tensor of shape \[2,3\] was disposed$/],
      [() => kiln.onesLike(t), /^onesLike: tensor of shape \[2,3\] was disposed$/],
      [() => t.backward(), /^backward: output 0 was disposed$/],
    ];
    for (const [f, re] of cases) expect(f).toThrow(re);
  });

  it('a disposed tensor saved by the graph stops backward with a message naming the op', () => {
    const x = kiln.ones([3], { requiresGrad: true });
    const w = kiln.ones([3]);
    const y = x.mul(w).sum();
    w.dispose();
    expect(() => y.backward()).toThrow(/^backward: a tensor mul saved for backward was disposed$/);
  });
});
