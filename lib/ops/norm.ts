// BatchNorm, LayerNorm and GroupNorm on the native norm kernels (docs/norm.md). Each forward
// keeps the statistics it normalized with (mean and 1/std) for its backward, which computes
// only the gradients its inputs need.
import { native } from '../native';
import { formatShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { tensor } from '../tensor/creation';
import { contiguous } from './convert';
import { f32 } from './kernels';
import type { OpContext } from '../autograd/node';
import { defineOp, register } from './op';
import { checkShapeIs, floatDType, trailingSize, type FloatArray } from './spatial_args';

const arrayOf = (t: Tensor | null): FloatArray | null => (t === null ? null : f32(t));

/** Gradients [dx, dweight?, dbias?] for the tensor arguments present, each only when needed. */
interface AffineGrads {
  dx: Tensor | null;
  dweight: Tensor | null;
  dbias: Tensor | null;
}

/**
 * Allocates the gradients a norm backward must fill: the op's tensor arguments are x, then
 * weight and bias when given (in that order), as defineOp lists them.
 */
function affineGrads(need: readonly boolean[], x: Tensor, weight: Tensor | null, hasBias: boolean, affineShape: readonly number[]): AffineGrads {
  return {
    dx: need[0] ? Tensor.empty(x.shape, x.dtype) : null,
    dweight: weight !== null && need[1] ? Tensor.empty(affineShape, x.dtype) : null,
    dbias: hasBias && need[weight === null ? 1 : 2] ? Tensor.empty(affineShape, x.dtype) : null,
  };
}

/** The gradient list in defineOp's order: x, then weight and bias when they were arguments. */
function gradList(grads: AffineGrads, hasWeight: boolean, hasBias: boolean): (Tensor | null)[] {
  const out = [grads.dx];
  if (hasWeight) out.push(grads.dweight);
  if (hasBias) out.push(grads.dbias);
  return out;
}

const outArray = (t: Tensor | null): FloatArray | null => (t === null ? null : (t.array as FloatArray));

/** What every norm forward keeps: x and weight (the caller's), and its own statistics. */
function saveNorm(ctx: OpContext<unknown>, x: Tensor, weight: Tensor | null, mean: Tensor, invstd: Tensor): void {
  ctx.save(x, ...(weight === null ? [] : [weight]));
  ctx.saveOwned(mean, invstd);
}

/** saveNorm's tensors back: x, weight (or null), mean, invstd (or rstd). */
function savedNorm(ctx: OpContext<unknown>, hasWeight: boolean): [Tensor, Tensor | null, Tensor, Tensor] {
  const s = ctx.saved;
  return [s[0], hasWeight ? s[1] : null, s[s.length - 2], s[s.length - 1]];
}

// --- BatchNorm -----------------------------------------------------------------------------

/** batchNorm's mode and constants (PyTorch's defaults). */
export interface BatchNormOptions {
  /** Batch statistics (and a running-stat update) when true; running statistics when false (default). */
  training?: boolean;
  /** running = (1 - momentum) running + momentum batch (default 0.1). */
  momentum?: number;
  eps?: number;
}

interface BatchNormConfig {
  n: number;
  c: number;
  s: number;
  training: boolean;
  momentum: number;
  eps: number;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
}

interface BatchNormState {
  n: number;
  c: number;
  s: number;
  training: boolean;
  hasWeight: boolean;
  hasBias: boolean;
}

// The running statistics travel inside the config (not as tensor arguments): they are
// buffers updated in place, never differentiated.
const batchNormOp = defineOp<[Tensor, Tensor | null, Tensor | null, BatchNormConfig], BatchNormState>({
  name: 'batchNorm',
  forward(ctx, x, weight, bias, cfg) {
    const { n, c, s, training } = cfg;
    ctx.state = { n, c, s, training, hasWeight: weight !== null, hasBias: bias !== null };
    const y = Tensor.empty(x.shape, x.dtype);
    const mean = Tensor.empty([c], x.dtype);
    const invstd = Tensor.empty([c], x.dtype);
    native.batchNormForward(n, c, s, f32(x), arrayOf(weight), arrayOf(bias), arrayOf(cfg.runningMean), arrayOf(cfg.runningVar), training, cfg.momentum, cfg.eps, y.array as FloatArray, mean.array as FloatArray, invstd.array as FloatArray);
    if (training) {
      cfg.runningMean?.bumpVersion();
      cfg.runningVar?.bumpVersion();
    }
    saveNorm(ctx, x, weight, mean, invstd);
    return y;
  },
  backward(ctx, g) {
    const { n, c, s, training, hasWeight, hasBias } = ctx.state;
    const [x, weight, mean, invstd] = savedNorm(ctx, hasWeight);
    const grads = affineGrads(ctx.needsInputGrad, x, weight, hasBias, [c]);
    native.batchNormBackward(n, c, s, f32(x), f32(contiguous(g)), f32(mean), f32(invstd), arrayOf(weight), training, outArray(grads.dx), outArray(grads.dweight), outArray(grads.dbias));
    return gradList(grads, hasWeight, hasBias);
  },
});

/** Throws unless a running statistic is a contiguous [c] tensor the kernel can update in place. */
function checkRunningStat(name: string, t: Tensor | null, c: number): void {
  checkShapeIs('batchNorm', name, t, [c]);
  if (t !== null && !t.isContiguous()) throw new RangeError(`batchNorm: ${name} must be contiguous (it is updated in place)`);
}

/**
 * Batch normalization of input [N, C], [N, C, L] or [N, C, H, W] (any [N, C, ...]) per
 * channel C, then weight * x + bias per channel (each optional). Training normalizes with
 * the batch's mean and biased variance and updates runningMean / runningVar in place (no
 * grad; runningVar with the unbiased variance), when given; evaluation uses the running
 * statistics, which it then requires.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const { training = false, momentum = 0.1, eps = 1e-5 } = options;
  floatDType('batchNorm', [['input', input], ['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]]);
  if (input.ndim < 2) throw new RangeError(`batchNorm: input must be [N, C, ...], got shape ${formatShape(input.shape)}`);
  const [n, c] = input.shape;
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) checkShapeIs('batchNorm', name, t, [c]);
  checkRunningStat('runningMean', runningMean, c);
  checkRunningStat('runningVar', runningVar, c);
  if (!training && (runningMean === null || runningVar === null)) {
    throw new Error('batchNorm: runningMean and runningVar are required in evaluation mode (training false)');
  }
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`batchNorm: momentum must be in [0, 1], got ${String(momentum)}`);
  if (!(eps > 0)) throw new RangeError(`batchNorm: eps must be > 0, got ${String(eps)}`);
  const s = trailingSize(input.shape, 2);
  if (training && n * s === 1) {
    throw new RangeError(`batchNorm: expected more than 1 value per channel when training, got input ${formatShape(input.shape)}`);
  }
  const x = contiguous(input);
  const w = weight === null ? null : contiguous(weight);
  const b = bias === null ? null : contiguous(bias);
  return batchNormOp(x, w, b, { n, c, s, training, momentum, eps, runningMean, runningVar });
}

// --- LayerNorm and GroupNorm -----------------------------------------------------------------

interface RowNormState {
  /** LayerNorm: [m, d] rows; GroupNorm: [n, c, s] in `groups`. */
  dims: number[];
  groups: number;
  affineShape: readonly number[];
  hasWeight: boolean;
  hasBias: boolean;
}

const layerNormOp = defineOp<[Tensor, Tensor | null, Tensor | null, number, RowNormState], RowNormState>({
  name: 'layerNorm',
  forward(ctx, x, weight, bias, eps, st) {
    ctx.state = st;
    const [m, d] = st.dims;
    const y = Tensor.empty(x.shape, x.dtype);
    const mean = Tensor.empty([m], x.dtype);
    const rstd = Tensor.empty([m], x.dtype);
    native.layerNormForward(m, d, f32(x), arrayOf(weight), arrayOf(bias), eps, y.array as FloatArray, mean.array as FloatArray, rstd.array as FloatArray);
    saveNorm(ctx, x, weight, mean, rstd);
    return y;
  },
  backward(ctx, g) {
    const st = ctx.state;
    const [m, d] = st.dims;
    const [x, weight, mean, rstd] = savedNorm(ctx, st.hasWeight);
    const grads = affineGrads(ctx.needsInputGrad, x, weight, st.hasBias, st.affineShape);
    native.layerNormBackward(m, d, f32(x), f32(contiguous(g)), f32(mean), f32(rstd), arrayOf(weight), outArray(grads.dx), outArray(grads.dweight), outArray(grads.dbias));
    return gradList(grads, st.hasWeight, st.hasBias);
  },
});

/**
 * Layer normalization over the trailing dimensions `normalizedShape` of input (a number is
 * one dimension), then weight * x + bias (each of shape normalizedShape, optional).
 */
export function layerNorm(input: Tensor, normalizedShape: number | number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  floatDType('layerNorm', [['input', input], ['weight', weight], ['bias', bias]]);
  if (typeof normalizedShape === 'number') normalizedShape = [normalizedShape];
  const k = normalizedShape.length;
  const tail = input.shape.slice(input.ndim - k);
  if (k === 0 || k > input.ndim || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new RangeError(`layerNorm: normalizedShape ${formatShape(normalizedShape)} does not match the trailing dimensions of input ${formatShape(input.shape)}`);
  }
  checkShapeIs('layerNorm', 'weight', weight, normalizedShape);
  checkShapeIs('layerNorm', 'bias', bias, normalizedShape);
  if (!(eps > 0)) throw new RangeError(`layerNorm: eps must be > 0, got ${String(eps)}`);
  const d = trailingSize(normalizedShape, 0);
  const m = d === 0 ? 0 : input.size / d;
  const st: RowNormState = { dims: [m, d], groups: 1, affineShape: normalizedShape.slice(), hasWeight: weight !== null, hasBias: bias !== null };
  return layerNormOp(contiguous(input), weight === null ? null : contiguous(weight), bias === null ? null : contiguous(bias), eps, st);
}

const groupNormOp = defineOp<[Tensor, Tensor | null, Tensor | null, number, RowNormState], RowNormState>({
  name: 'groupNorm',
  forward(ctx, x, weight, bias, eps, st) {
    ctx.state = st;
    const [n, c, s] = st.dims;
    const y = Tensor.empty(x.shape, x.dtype);
    const mean = Tensor.empty([n, st.groups], x.dtype);
    const rstd = Tensor.empty([n, st.groups], x.dtype);
    native.groupNormForward(n, c, s, st.groups, f32(x), arrayOf(weight), arrayOf(bias), eps, y.array as FloatArray, mean.array as FloatArray, rstd.array as FloatArray);
    saveNorm(ctx, x, weight, mean, rstd);
    return y;
  },
  backward(ctx, g) {
    const st = ctx.state;
    const [n, c, s] = st.dims;
    const [x, weight, mean, rstd] = savedNorm(ctx, st.hasWeight);
    const grads = affineGrads(ctx.needsInputGrad, x, weight, st.hasBias, st.affineShape);
    native.groupNormBackward(n, c, s, st.groups, f32(x), f32(contiguous(g)), f32(mean), f32(rstd), arrayOf(weight), outArray(grads.dx), outArray(grads.dweight), outArray(grads.dbias));
    return gradList(grads, st.hasWeight, st.hasBias);
  },
});

/**
 * Group normalization of input [N, C, ...]: statistics per sample over each of numGroups
 * groups of C / numGroups adjacent channels, then weight * x + bias per channel (each [C],
 * optional).
 */
export function groupNorm(input: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  floatDType('groupNorm', [['input', input], ['weight', weight], ['bias', bias]]);
  if (input.ndim < 2) throw new RangeError(`groupNorm: input must be [N, C, ...], got shape ${formatShape(input.shape)}`);
  const [n, c] = input.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new RangeError(`groupNorm: channels ${c} of input ${formatShape(input.shape)} are not divisible by numGroups ${String(numGroups)}`);
  }
  checkShapeIs('groupNorm', 'weight', weight, [c]);
  checkShapeIs('groupNorm', 'bias', bias, [c]);
  if (!(eps > 0)) throw new RangeError(`groupNorm: eps must be > 0, got ${String(eps)}`);
  const st: RowNormState = { dims: [n, c, trailingSize(input.shape, 2)], groups: numGroups, affineShape: [c], hasWeight: weight !== null, hasBias: bias !== null };
  return groupNormOp(contiguous(input), weight === null ? null : contiguous(weight), bias === null ? null : contiguous(bias), eps, st);
}

// --- the op walk ---------------------------------------------------------------------------

// Inputs are [x, weight?, bias?]; running statistics come from params (buffers, not inputs).
register({
  name: 'batchNorm',
  call: ([x, w, b], p) => {
    const stat = (key: string) => (p[key] === undefined ? null : tensor(p[key] as number[], { dtype: x.dtype }));
    return batchNorm(x, stat('runningMean'), stat('runningVar'), w ?? null, b ?? null, { training: p.training as boolean, momentum: p.momentum as number | undefined, eps: p.eps as number | undefined });
  },
  samples: [
    { shapes: [[4, 3], [3], [3]], params: { training: true } },
    { shapes: [[2, 3, 3, 4], [3], [3]], params: { training: true, runningMean: [0.1, -0.2, 0.3], runningVar: [1.5, 0.5, 2], momentum: 0.2 } },
    { shapes: [[3, 2, 5]], params: { training: true, eps: 1e-3 } },
    { shapes: [[4, 3], [3], [3]], params: { training: false, runningMean: [0.1, -0.2, 0.3], runningVar: [1.5, 0.5, 2] } },
    { shapes: [[2, 3, 2, 3], [3], [3]], params: { training: false, runningMean: [-0.5, 0.2, 0], runningVar: [0.8, 1.2, 3] } },
  ],
  differentiable: true,
});
register({
  name: 'layerNorm',
  call: ([x, w, b], p) => layerNorm(x, p.normalizedShape as number[], w ?? null, b ?? null, p.eps as number | undefined),
  samples: [
    { shapes: [[3, 5], [5], [5]], params: { normalizedShape: [5] } },
    { shapes: [[2, 3, 4], [3, 4], [3, 4]], params: { normalizedShape: [3, 4] } },
    { shapes: [[2, 2, 6]], params: { normalizedShape: [6], eps: 1e-3 } },
  ],
  differentiable: true,
});
register({
  name: 'groupNorm',
  call: ([x, w, b], p) => groupNorm(x, p.numGroups as number, w ?? null, b ?? null, p.eps as number | undefined),
  samples: [
    { shapes: [[2, 4, 2, 3], [4], [4]], params: { numGroups: 2 } },
    { shapes: [[2, 6, 4], [6], [6]], params: { numGroups: 3 } },
    { shapes: [[2, 3]], params: { numGroups: 1 } },
    { shapes: [[1, 4, 2, 2], [4], [4]], params: { numGroups: 4 } },
  ],
  differentiable: true,
});
