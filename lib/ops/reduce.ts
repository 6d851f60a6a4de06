// Reductions over axes (sum, mean, max, min, arg-extrema, variance, norms) on the native
// reduce kernel, which sums in a fixed order: results do not depend on the thread count.
import type { ReduceOps } from '../bindings/reduce';
import { native } from '../native';
import { isFloat } from '../tensor/dtype';
import { formatShape, normalizeAxes, normalizeAxis, type Shape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { abs, div, eq, mul, pow, sqrt, square, sub, where } from './arith';
import { toDType } from './convert';
import { copyKernel } from './kernels';
import { checkAlive, defineOp, register } from './op';
import { expand, reshape } from './views';

type Axes = number | readonly number[] | null | undefined;

/** The reduced shape: axes removed, or kept as size 1. */
function reducedShape(shape: Shape, axes: readonly number[], keepdim: boolean): number[] {
  const set = new Set(axes);
  return keepdim ? shape.map((d, i) => (set.has(i) ? 1 : d)) : shape.filter((_, i) => !set.has(i));
}

/** Runs the native reduction of float tensor x over axes; also the arg index when asked. */
export function reduceKernel(op: keyof ReduceOps, x: Tensor, axes: readonly number[], keepdim: boolean, withIndex = false): [Tensor, Tensor | null] {
  const c = x.isContiguous() ? x : copyKernel(x);
  const input = c.offset === 0 ? c.array : c.array.subarray(c.offset, c.offset + c.size);
  const out = Tensor.empty(reducedShape(x.shape, axes, keepdim), x.dtype);
  const index = withIndex ? Tensor.empty(out.shape, 'int32') : null;
  native.reduce(native.reduceOps[op], x.shape, axes, input as Float32Array, out.array as Float32Array, index === null ? null : (index.array as Int32Array));
  if (c !== x) c.dispose();
  return [out, index];
}

interface ReduceState {
  shape: Shape;
  axes: number[];
  keepdim: boolean;
}

/** g (of the reduced shape) viewed with size-1 axes and expanded back to the input's shape. */
function expandBack(g: Tensor, s: ReduceState): Tensor {
  return expand(reshape(g, reducedShape(s.shape, s.axes, true)), s.shape as number[]);
}

function reduceState(x: Tensor, axes: number[], keepdim: boolean): ReduceState {
  return { shape: x.shape, axes, keepdim };
}

const sumOp = defineOp<[Tensor, number[], boolean], ReduceState>({
  name: 'sum',
  forward(ctx, x, axes, keepdim) {
    ctx.state = reduceState(x, axes, keepdim);
    return reduceKernel('sum', x, axes, keepdim)[0];
  },
  backward: (ctx, g) => [expandBack(g, ctx.state)],
});

const meanOp = defineOp<[Tensor, number[], boolean], ReduceState>({
  name: 'mean',
  forward(ctx, x, axes, keepdim) {
    ctx.state = reduceState(x, axes, keepdim);
    return reduceKernel('mean', x, axes, keepdim)[0];
  },
  backward(ctx, g) {
    const { shape, axes } = ctx.state;
    const n = axes.reduce((p, a) => p * shape[a], 1);
    return [div(expandBack(g, ctx.state), n)];
  },
});

// max / min: the gradient goes to every element equal to the extremum, split evenly (as
// torch.amax does; with no ties this is PyTorch's max as well).
function extremumOp(name: 'max' | 'min') {
  return defineOp<[Tensor, number[], boolean], ReduceState>({
    name,
    forward(ctx, x, axes, keepdim) {
      if (x.size === 0) throw new RangeError(`${name}: cannot reduce an empty tensor of shape ${formatShape(x.shape)}`);
      ctx.state = reduceState(x, axes, keepdim);
      const [out] = reduceKernel(name, x, axes, keepdim);
      ctx.save(x, out);
      return out;
    },
    backward(ctx, g) {
      const [x, out] = ctx.saved;
      const s = ctx.state;
      const mask = toDType(eq(x, expandBack(out, s)), g.dtype);
      const count = sumOp(mask, s.axes, true);
      return [div(mul(mask, expandBack(g, s)), count)];
    },
  });
}
const maxOp = extremumOp('max');
const minOp = extremumOp('min');

/** A float view of x for reducing: int32 tensors are converted (sums of int32 come back as int32). */
function floatInput(op: string, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${typeof x}`);
  checkAlive(op, [x]);
  return isFloat(x.dtype) ? x : toDType(x, 'float64');
}

export function sum(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const f = floatInput('sum', x);
  const out = sumOp(f, normalizeAxes('sum', axes, x.ndim), keepdim);
  return f === x ? out : toDType(out, x.dtype);
}

export function mean(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const f = floatInput('mean', x);
  return meanOp(f === x ? x : toDType(f, 'float32'), normalizeAxes('mean', axes, x.ndim), keepdim);
}

export function max(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const f = floatInput('max', x);
  const out = maxOp(f, normalizeAxes('max', axes, x.ndim), keepdim);
  return f === x ? out : toDType(out, x.dtype);
}

export function min(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const f = floatInput('min', x);
  const out = minOp(f, normalizeAxes('min', axes, x.ndim), keepdim);
  return f === x ? out : toDType(out, x.dtype);
}

function argExtremum(name: 'argmax' | 'argmin', x: Tensor, axis: number | null | undefined, keepdim: boolean): Tensor {
  const f = floatInput(name, x).detach();
  if (x.size === 0) throw new RangeError(`${name}: cannot reduce an empty tensor of shape ${formatShape(x.shape)}`);
  if (axis === null || axis === undefined) {
    const [, index] = reduceKernel(name === 'argmax' ? 'max' : 'min', f, normalizeAxes(name, null, x.ndim), false, true);
    return keepdim ? reshape(index as Tensor, x.shape.map(() => 1)) : (index as Tensor);
  }
  const a = normalizeAxis(name, axis, x.ndim);
  return reduceKernel(name === 'argmax' ? 'max' : 'min', f, x.ndim === 0 ? [] : [a], keepdim, true)[1] as Tensor;
}

/** Index of the largest element along `axis` (of the flattened tensor when axis is null); int32. */
export function argmax(x: Tensor, axis?: number | null, keepdim = false): Tensor {
  return argExtremum('argmax', x, axis, keepdim);
}

export function argmin(x: Tensor, axis?: number | null, keepdim = false): Tensor {
  return argExtremum('argmin', x, axis, keepdim);
}

export interface VarianceOptions {
  /** Subtracted from the count in the divisor: 1 = unbiased (default, like PyTorch), 0 = population. */
  correction?: number;
  keepdim?: boolean;
}

/** Variance over axes: sum((x - mean)^2) / (N - correction). */
export function variance(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  const { correction = 1, keepdim = false } = options;
  const f = floatInput('var', x);
  const ax = normalizeAxes('var', axes, x.ndim);
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  const centered = sub(f, mean(f, ax, true));
  return div(sum(square(centered), ax, keepdim), Math.max(0, n - correction));
}

export function std(x: Tensor, axes?: Axes, options: VarianceOptions = {}): Tensor {
  return sqrt(variance(x, axes, options));
}

const norm2Op = defineOp<[Tensor, number[], boolean], ReduceState>({
  name: 'norm2',
  forward(ctx, x, axes, keepdim) {
    ctx.state = reduceState(x, axes, keepdim);
    const [out] = reduceKernel('norm2', x, axes, keepdim);
    ctx.save(x, out);
    return out;
  },
  backward(ctx, g) {
    const [x, out] = ctx.saved;
    // d|x|/dx = x / |x|; where |x| = 0, x is all zeros and so is the gradient (PyTorch's choice).
    const normBack = expandBack(out, ctx.state);
    return [mul(x, div(expandBack(g, ctx.state), where(eq(normBack, 0), 1, normBack)))];
  },
});

/** The p-norm over axes (p = 2 by default; 1, Infinity, -Infinity and any p > 0 work). */
export function norm(x: Tensor, p = 2, axes?: Axes, keepdim = false): Tensor {
  const f = floatInput('norm', x);
  const ax = normalizeAxes('norm', axes, x.ndim);
  if (p === 2) return norm2Op(f, ax, keepdim);
  if (p === 1) return sum(abs(f), ax, keepdim);
  if (p === Infinity) return max(abs(f), ax, keepdim);
  if (p === -Infinity) return min(abs(f), ax, keepdim);
  if (!(p > 0) || !Number.isFinite(p)) throw new RangeError(`norm: p must be positive or ±Infinity, got ${p}`);
  return pow(sum(pow(abs(f), p), ax, keepdim), 1 / p);
}

/** g summed over the axes broadcasting expanded, back to `shape` (for broadcast backward). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (g.ndim === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  return reshape(sumOp(g, axes, true), shape as number[]);
}

const x34 = [[3, 4]];
register({ name: 'sum', call: ([x], p) => sum(x, p.axes as number[] | undefined, p.keepdim as boolean), samples: [{ shapes: x34 }, { shapes: [[2, 3, 4]], params: { axes: [0, 2], keepdim: true } }], differentiable: true });
register({ name: 'mean', call: ([x], p) => mean(x, p.axes as number[] | undefined, p.keepdim as boolean), samples: [{ shapes: x34 }, { shapes: [[2, 3, 4]], params: { axes: [1], keepdim: false } }], differentiable: true });
register({ name: 'max', call: ([x], p) => max(x, p.axes as number[] | undefined, p.keepdim as boolean), samples: [{ shapes: x34 }, { shapes: [[2, 3, 4]], params: { axes: [-1], keepdim: true } }], differentiable: true });
register({ name: 'min', call: ([x], p) => min(x, p.axes as number[] | undefined, p.keepdim as boolean), samples: [{ shapes: x34 }, { shapes: [[2, 3, 4]], params: { axes: [0, 1] } }], differentiable: true });
register({ name: 'argmax', call: ([x], p) => argmax(x, p.axis as number | undefined, p.keepdim as boolean), samples: [{ shapes: [[3, 5]], params: { axis: 1 } }, { shapes: [[3, 5]] }], differentiable: false });
register({ name: 'argmin', call: ([x], p) => argmin(x, p.axis as number | undefined, p.keepdim as boolean), samples: [{ shapes: [[3, 5]], params: { axis: 0, keepdim: true } }], differentiable: false });
register({ name: 'var', call: ([x], p) => variance(x, p.axes as number[] | undefined, { correction: p.correction as number | undefined, keepdim: p.keepdim as boolean | undefined }), samples: [{ shapes: x34 }, { shapes: [[2, 3, 4]], params: { axes: [1], correction: 0, keepdim: true } }], differentiable: true });
register({ name: 'std', call: ([x], p) => std(x, p.axes as number[] | undefined, { keepdim: p.keepdim as boolean | undefined }), samples: [{ shapes: x34, params: { axes: [1] } }], differentiable: true });
register({ name: 'norm', call: ([x], p) => norm(x, (p.p as number) ?? 2, p.axes as number[] | undefined, p.keepdim as boolean), samples: [{ shapes: x34 }, { shapes: x34, params: { p: 1, axes: [1] } }, { shapes: x34, params: { p: 3, axes: [0] } }], differentiable: true });
