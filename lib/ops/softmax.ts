// softmax / logSoftmax along an axis, and the fused softmax cross-entropy loss.
import type { LossReduction } from '../bindings/softmax';
import { native } from '../native';
import { isFloat } from '../tensor/dtype';
import { normalizeAxis } from '../tensor/shape';
import { tensor } from '../tensor/creation';
import { f32 } from './kernels';
import { Tensor } from '../tensor/tensor';
import { div, mul, sub } from './arith';
import { contiguous, toDType } from './convert';
import { checkClassIndices, checkIgnoreIndex, checkReduction, classRows, classWeight } from './loss_args';
import { checkAlive, defineOp, register } from './op';
import { reshape, unsqueeze } from './views';


interface SoftmaxState {
  log: boolean;
  outer: number;
  dim: number;
  inner: number;
}

const softmaxOp = defineOp<[Tensor, number, boolean], SoftmaxState>({
  name: 'softmax',
  forward(ctx, x, axis, log) {
    const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
    const s = (ctx.state = { log, outer, dim: x.ndim === 0 ? 1 : x.shape[axis], inner });
    const out = Tensor.empty(x.shape, x.dtype);
    native.softmaxForward(log, s.outer, s.dim, s.inner, f32(x), out.array as Float32Array);
    ctx.save(out);
    return out;
  },
  backward(ctx, g) {
    const [y] = ctx.saved;
    const s = ctx.state;
    const gc = contiguous(g);
    const dx = Tensor.empty(y.shape, y.dtype);
    native.softmaxBackward(s.log, s.outer, s.dim, s.inner, f32(y), f32(gc) as Float32Array, dx.array as Float32Array);
    return [dx];
  },
});

function softmaxInput(op: string, x: Tensor, axis: number): [Tensor, number] {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  checkAlive(op, [x]);
  const a = normalizeAxis(op, axis, x.ndim);
  const f = isFloat(x.dtype) ? x : toDType(x, 'float32');
  return [contiguous(f), a];
}

/** exp(x) / sum(exp(x)) along `axis`. */
export function softmax(x: Tensor, axis: number): Tensor {
  const [c, a] = softmaxInput('softmax', x, axis);
  return softmaxOp(c.ndim === 0 ? c : c, c.ndim === 0 ? 0 : a, false);
}

/** x - logsumexp(x) along `axis`, computed stably. */
export function logSoftmax(x: Tensor, axis: number): Tensor {
  const [c, a] = softmaxInput('logSoftmax', x, axis);
  return softmaxOp(c, c.ndim === 0 ? 0 : a, true);
}

/** Options of crossEntropy. */
export interface CrossEntropyOptions {
  /** Per-class weights [C] (they get no gradient, as in PyTorch). */
  weight?: Tensor | null;
  /** Targets equal to this are skipped (index targets only). Default -100. */
  ignoreIndex?: number;
  /** Mixes the target with the uniform distribution: 0 (default) to 1. */
  labelSmoothing?: number;
  reduction?: LossReduction;
}

interface CrossEntropyOptionsResolved {
  n: number;
  c: number;
  ignoreIndex: number;
  labelSmoothing: number;
  reduction: LossReduction;
}

interface CrossEntropyState extends CrossEntropyOptionsResolved {
  hasWeight: boolean;
}

// The gradient for probability targets: d loss_i / d t_ij = -(1 - e) w_j log softmax(x_i)_j,
// with log softmax(x) = x - lse from the forward and g the upstream gradient per sample.
function probabilityTargetGrad(s: CrossEntropyState, logits: Tensor, lse: Tensor, weight: Tensor | null, g: Tensor): Tensor {
  const perSample = s.reduction === 'none' ? unsqueeze(g, 1) : s.reduction === 'mean' ? div(g, s.n) : g;
  const dt = mul(sub(logits, unsqueeze(lse, 1)), mul(perSample, -(1 - s.labelSmoothing)));
  return weight === null ? dt : mul(dt, weight);
}

// target and weight are saved beside the logits (not kept in state) so that scopes and the
// version check see them; only probability targets get a gradient (weights never do).
const crossEntropyOp = defineOp<[Tensor, Tensor, Tensor | null, CrossEntropyOptionsResolved], CrossEntropyState>({
  name: 'crossEntropy',
  forward(ctx, logits, target, weight, options) {
    const s = (ctx.state = { ...options, hasWeight: weight !== null });
    const lse = Tensor.empty([s.n], logits.dtype);
    const out = Tensor.empty(s.reduction === 'none' ? [s.n] : [], logits.dtype);
    const losses = s.reduction === 'none' ? (out.array as Float32Array) : null;
    const value = native.crossEntropyForward(f32(logits), s.n, s.c, f32(target) as Float32Array, weight === null ? null : f32(weight), s.ignoreIndex, s.labelSmoothing, s.reduction, losses, lse.array as Float32Array);
    if (s.reduction !== 'none') out.array[0] = value;
    ctx.save(logits, target, ...(weight === null ? [] : [weight]));
    ctx.saveOwned(lse);
    return out;
  },
  backward(ctx, g) {
    const s = ctx.state;
    const [logits, target] = ctx.saved;
    const weight = s.hasWeight ? ctx.saved[2] : null;
    const lse = ctx.saved[ctx.saved.length - 1];
    const gc = contiguous(g);
    let dx: Tensor | null = null;
    if (ctx.needsInputGrad[0]) {
      dx = Tensor.empty(logits.shape, logits.dtype);
      native.crossEntropyBackward(f32(logits), s.n, s.c, f32(target) as Float32Array, weight === null ? null : f32(weight), s.ignoreIndex, s.labelSmoothing, s.reduction, f32(lse), f32(gc), dx.array as Float32Array);
    }
    const dt = ctx.needsInputGrad[1] ? probabilityTargetGrad(s, logits, lse, weight, gc) : null;
    return [dx, dt, null];
  },
});

/**
 * Softmax cross-entropy of logits [C], [N, C] or [N, C, d1, ...] (classes on axis 1) against
 * int32 class indices (the logits' shape without the class axis; `ignoreIndex` skips a sample)
 * or float class probabilities of the logits' shape, with PyTorch's weight / labelSmoothing /
 * reduction. 'mean' divides by the summed weights of the non-ignored index targets, and by
 * the number of samples for probability targets. Probability targets get a gradient too.
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { weight = null, ignoreIndex = -100, labelSmoothing = 0, reduction = 'mean' } = options;
  checkReduction(op, reduction);
  checkIgnoreIndex(op, ignoreIndex);
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${String(labelSmoothing)}`);
  }
  const rows = classRows(op, logits, target, true);
  const [n, c] = rows.x.shape;
  if (!rows.probabilities) checkClassIndices(op, rows.target, c, ignoreIndex);
  const w = classWeight(op, weight, c, rows.x.dtype);
  const out = crossEntropyOp(rows.x, rows.target, w, { n, c, ignoreIndex, labelSmoothing, reduction });
  return reduction === 'none' ? reshape(out, rows.lossShape) : out;
}

register({ name: 'softmax', call: ([x], p) => softmax(x, p.axis as number), samples: [{ shapes: [[3, 5]], params: { axis: 1 } }, { shapes: [[2, 3, 4]], params: { axis: 1 } }], differentiable: true });
register({ name: 'logSoftmax', call: ([x], p) => logSoftmax(x, p.axis as number), samples: [{ shapes: [[3, 5]], params: { axis: -1 } }, { shapes: [[2, 3, 4]], params: { axis: 0 } }], differentiable: true });
const classWeightParam = (x: Tensor, p: Record<string, unknown>): Tensor | null => (p.weight === undefined ? null : tensor(p.weight as number[], { dtype: x.dtype }));
const crossEntropyOptions = (x: Tensor, p: Record<string, unknown>): CrossEntropyOptions => ({
  weight: classWeightParam(x, p),
  ignoreIndex: p.ignoreIndex as number | undefined,
  labelSmoothing: p.labelSmoothing as number | undefined,
  reduction: p.reduction as LossReduction | undefined,
});
const w4 = [0.5, 2, 1, 1.5];
register({
  name: 'crossEntropy',
  call: ([x], p) => crossEntropy(x, tensor(p.target as number[], { dtype: 'int32' }), crossEntropyOptions(x, p)),
  samples: [
    { shapes: [[4, 5]], params: { target: [1, 0, 4, 2] } },
    { shapes: [[3, 4]], params: { target: [3, 3, 0], labelSmoothing: 0.1, reduction: 'sum' } },
    { shapes: [[4, 4]], params: { target: [3, -100, 0, 1], weight: w4, labelSmoothing: 0.2 } },
    { shapes: [[3, 4]], params: { target: [2, 5, 1], ignoreIndex: 5, weight: w4, reduction: 'none' } },
    { shapes: [[2, 4, 3]], params: { target: [[0, 3, -100], [2, 2, 1]], weight: w4 } },
    { shapes: [[4]], params: { target: 2, labelSmoothing: 0.3 } },
  ],
  differentiable: true,
});
register({
  name: 'crossEntropyProbs',
  call: ([x], p) => crossEntropy(x, tensor(p.target as number[][], { dtype: x.dtype })),
  samples: [{ shapes: [[2, 3]], params: { target: [[0.2, 0.5, 0.3], [1, 0, 0]] } }],
  differentiable: true,
});
// Probability targets as inputs, so they are gradchecked and compared too.
register({
  name: 'crossEntropyProbTarget',
  call: ([x, t], p) => crossEntropy(x, t, crossEntropyOptions(x, p)),
  samples: [
    { shapes: [[3, 4], [3, 4]], params: { reduction: 'sum' }, domain: [0, 1] },
    { shapes: [[3, 4], [3, 4]], params: { weight: w4, labelSmoothing: 0.2 }, domain: [0, 1] },
    { shapes: [[3, 4], [3, 4]], params: { weight: w4, reduction: 'none' }, domain: [0, 1] },
    { shapes: [[2, 4, 3], [2, 4, 3]], params: { labelSmoothing: 0.1, reduction: 'none' }, domain: [0, 1] },
    { shapes: [[2, 4, 3], [2, 4, 3]], params: { weight: w4, labelSmoothing: 0.1 }, domain: [0, 1] },
    { shapes: [[4], [4]], params: { weight: w4 }, domain: [0, 1] },
  ],
  differentiable: true,
});
