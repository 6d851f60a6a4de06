// The losses besides crossEntropy (softmax.ts): nllLoss, multiMarginLoss (native fused kernel),
// and the elementwise regression / binary losses, composed from ops so that their gradients
// come from the ops' rules. Options and reductions follow PyTorch; see docs/losses.md.
import { native } from '../native';
import { tensor } from '../tensor/creation';
import { Tensor } from '../tensor/tensor';
import { abs, add, clamp, div, log, maskedFill, mul, neg, square, sub } from './arith';
import { softplus } from './activation';
import { contiguous } from './convert';
import { gather } from './indexing';
import { f32 } from './kernels';
import {
  broadcastWeight,
  checkClassIndices,
  checkIgnoreIndex,
  checkReduction,
  classRows,
  classWeight,
  reduceLoss,
  sameShapePair,
  type LossReduction,
} from './loss_args';
import { defineOp, register } from './op';
import { sum } from './reduce';
import { reshape } from './views';

/** How a loss reduces its per-element values: 'mean', 'sum' or 'none'. */
export type { LossReduction };

/** Options every loss takes. */
export interface LossOptions {
  /** 'mean' (default) over all elements, 'sum', or 'none' (the per-element losses). */
  reduction?: LossReduction;
}

/** Options of nllLoss. */
export interface NllLossOptions extends LossOptions {
  /** Per-class weights [C] (no gradient). */
  weight?: Tensor | null;
  /** Targets equal to this are skipped. Default -100. */
  ignoreIndex?: number;
}

/**
 * Negative log-likelihood of log-probabilities [C], [N, C] or [N, C, d1, ...] (classes on axis 1)
 * at int32 class indices: loss_i = -weight[y_i] logProbs[i, y_i], 0 for ignored targets. 'mean'
 * divides the sum by the summed weights of the non-ignored targets (NaN when all are ignored).
 */
export function nllLoss(logProbs: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const { weight = null, ignoreIndex = -100, reduction = 'mean' } = options;
  checkReduction(op, reduction);
  checkIgnoreIndex(op, ignoreIndex);
  const { x, target: t, lossShape } = classRows(op, logProbs, target, false);
  const [n, c] = x.shape;
  const y = checkClassIndices(op, t, c, ignoreIndex);
  const classWeights = classWeight(op, weight, c, x.dtype);
  const w = classWeights === null ? undefined : Float64Array.from(classWeights.values());
  // Ignored samples pick class 0 and are masked out afterwards (their log-probabilities may be -inf).
  const picks = new Int32Array(n);
  const negatedWeights = new Float64Array(n); // -w[y_i]: the loss is one multiply of the picks
  const ignored = new Int32Array(n);
  let weightTotal = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === ignoreIndex) {
      ignored[i] = 1;
      continue;
    }
    picks[i] = y[i];
    const wy = w === undefined ? 1 : w[y[i]];
    negatedWeights[i] = -wy;
    weightTotal += wy;
  }
  const picked = reshape(gather(x, 1, tensor(picks, { shape: [n, 1], dtype: 'int32' })), [n]);
  const weighted = mul(picked, tensor(negatedWeights, { dtype: x.dtype }));
  const losses = ignored.includes(1) ? maskedFill(weighted, tensor(ignored, { dtype: 'int32' }), 0) : weighted;
  if (reduction === 'none') return reshape(losses, lossShape);
  const total = sum(losses);
  return reduction === 'sum' ? total : div(total, weightTotal);
}

/** Options of multiMarginLoss. */
export interface MultiMarginLossOptions extends LossOptions {
  /** The hinge's exponent: 1 (default) or 2. */
  p?: 1 | 2;
  /** Default 1. */
  margin?: number;
  /** Per-class weights [C], applied by the target's class (no gradient). */
  weight?: Tensor | null;
}

interface MultiMarginState {
  n: number;
  c: number;
  p: 1 | 2;
  margin: number;
  reduction: LossReduction;
  hasWeight: boolean;
}

const multiMarginOp = defineOp<[Tensor, Tensor, Tensor | null, Omit<MultiMarginState, 'hasWeight'>], MultiMarginState>({
  name: 'multiMarginLoss',
  forward(ctx, x, target, weight, options) {
    const s = (ctx.state = { ...options, hasWeight: weight !== null });
    const out = Tensor.empty(s.reduction === 'none' ? [s.n] : [], x.dtype);
    const losses = s.reduction === 'none' ? (out.array as Float32Array) : null;
    const value = native.multiMarginForward(f32(x), s.n, s.c, target.values() as Int32Array, weight === null ? null : f32(weight), s.p, s.margin, s.reduction, losses);
    if (s.reduction !== 'none') out.array[0] = value;
    ctx.save(x, target, ...(weight === null ? [] : [weight]));
    return out;
  },
  backward(ctx, g) {
    const s = ctx.state;
    const [x, target] = ctx.saved;
    const weight = s.hasWeight ? ctx.saved[2] : null;
    const dx = Tensor.empty(x.shape, x.dtype);
    native.multiMarginBackward(f32(x), s.n, s.c, target.values() as Int32Array, weight === null ? null : f32(weight), s.p, s.margin, s.reduction, f32(contiguous(g)), dx.array as Float32Array);
    return [dx, null, null];
  },
});

/**
 * PyTorch's multi_margin_loss, the multiclass SVM (hinge) loss of scores [C] or [N, C] at int32
 * class indices: loss_i = sum_{j != y_i} weight[y_i] max(0, margin - x[i, y_i] + x[i, j])^p / C.
 * The lecture form sum_{j != y_i} max(0, s_j - s_{y_i} + 1) is C times this with p = 1.
 */
export function multiMarginLoss(input: Tensor, target: Tensor, options: MultiMarginLossOptions = {}): Tensor {
  const op = 'multiMarginLoss';
  const { p = 1, margin = 1, weight = null, reduction = 'mean' } = options;
  checkReduction(op, reduction);
  if (p !== 1 && p !== 2) throw new RangeError(`${op}: p must be 1 or 2, got ${String(p)}`);
  if (typeof margin !== 'number' || !Number.isFinite(margin)) throw new RangeError(`${op}: margin must be a finite number, got ${String(margin)}`);
  const { x, target: t, lossShape } = classRows(op, input, target, false, 2);
  const [n, c] = x.shape;
  checkClassIndices(op, t, c, null);
  const w = classWeight(op, weight, c, x.dtype);
  const out = multiMarginOp(x, t, w, { n, c, p, margin, reduction });
  return reduction === 'none' ? reshape(out, lossShape) : out;
}

/** Mean squared error: (input - target)^2 per element; input and target of one shape. */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const { reduction = 'mean' } = options;
  checkReduction('mseLoss', reduction);
  const [x, t] = sameShapePair('mseLoss', input, target);
  return reduceLoss(square(sub(x, t)), reduction);
}

/** Mean absolute error: |input - target| per element; input and target of one shape. */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  const { reduction = 'mean' } = options;
  checkReduction('l1Loss', reduction);
  const [x, t] = sameShapePair('l1Loss', input, target);
  return reduceLoss(abs(sub(x, t)), reduction);
}

/** Options of huberLoss. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (> 0, default 1). */
  delta?: number;
}

/**
 * Huber loss per element, with a = |input - target|: a^2 / 2 for a <= delta, else
 * delta (a - delta / 2); input and target of one shape.
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const op = 'huberLoss';
  const { delta = 1, reduction = 'mean' } = options;
  checkReduction(op, reduction);
  if (typeof delta !== 'number' || !(delta > 0) || delta === Infinity) throw new RangeError(`${op}: delta must be a positive finite number, got ${String(delta)}`);
  const [x, t] = sameShapePair(op, input, target);
  const d = sub(x, t);
  // With c = clamp(d, -delta, delta) both branches are c (d - c / 2), and its gradient is c.
  const c = clamp(d, -delta, delta);
  return reduceLoss(mul(c, sub(d, mul(c, 0.5))), reduction);
}

/** Options of bceLoss. */
export interface BceLossOptions extends LossOptions {
  /** Multiplies each element's loss; broadcasts to the input's shape (no gradient). */
  weight?: Tensor | null;
}

// Its own op for PyTorch's gradient: the clamped logs' chain rule would give 0 / 0 = NaN at
// x = 0 or 1 (a saturated float32 sigmoid), where PyTorch divides by max(x (1 - x), 1e-12)
// (its constant rounded to float32, kept so that the gradients there agree).
const BCE_EPSILON = Math.fround(1e-12);
const bceOp = defineOp<[Tensor, Tensor], null>({
  name: 'bceLoss',
  forward(ctx, x, t) {
    ctx.save(x, t);
    const logX = clamp(log(x), -100, null);
    const log1mX = clamp(log(sub(1, x)), -100, null);
    return neg(add(mul(t, logX), mul(sub(1, t), log1mX)));
  },
  backward(ctx, g) {
    const [x, t] = ctx.saved;
    const dx = ctx.needsInputGrad[0] ? div(mul(g, sub(x, t)), clamp(mul(x, sub(1, x)), BCE_EPSILON, null)) : null;
    const dt = ctx.needsInputGrad[1] ? mul(g, sub(log(sub(1, x)), log(x))) : null;
    return [dx, dt];
  },
});

/**
 * Binary cross-entropy of probabilities in [0, 1] against targets of the same shape:
 * -weight (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch does so that
 * x = 0 or 1 gives a finite loss.
 */
export function bceLoss(input: Tensor, target: Tensor, options: BceLossOptions = {}): Tensor {
  const op = 'bceLoss';
  const { weight = null, reduction = 'mean' } = options;
  checkReduction(op, reduction);
  const [x, t] = sameShapePair(op, input, target);
  const w = broadcastWeight(op, 'weight', weight, x.shape, x.dtype);
  const values = x.values();
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0 && values[i] <= 1)) throw new RangeError(`${op}: input values must be in [0, 1], got ${values[i]} at position ${i}`);
  }
  const losses = bceOp(x, t);
  return reduceLoss(w === null ? losses : mul(losses, w), reduction);
}

/** Options of bceWithLogitsLoss. */
export interface BceWithLogitsLossOptions extends BceLossOptions {
  /** Weight of the positive term (t log sigmoid(x)), broadcast to the input (e.g. [C]; no gradient). */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy of sigmoid(input) computed from the logits, stably:
 * weight ((1 - t) x + (1 + (posWeight - 1) t) softplus(-x)), which is
 * -weight (posWeight t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))).
 */
export function bceWithLogitsLoss(input: Tensor, target: Tensor, options: BceWithLogitsLossOptions = {}): Tensor {
  const op = 'bceWithLogitsLoss';
  const { weight = null, posWeight = null, reduction = 'mean' } = options;
  checkReduction(op, reduction);
  const [x, t] = sameShapePair(op, input, target);
  const w = broadcastWeight(op, 'weight', weight, x.shape, x.dtype);
  const pw = broadcastWeight(op, 'posWeight', posWeight, x.shape, x.dtype);
  const logWeight = pw === null ? null : add(mul(sub(pw, 1), t), 1);
  // softplus(-x) = -log sigmoid(x), without the linear cut-off (the kernel is stable for any x).
  const softplusNeg = softplus(neg(x), 1, Infinity);
  const losses = add(mul(sub(1, t), x), logWeight === null ? softplusNeg : mul(logWeight, softplusNeg));
  return reduceLoss(w === null ? losses : mul(losses, w), reduction);
}

// --- the op walk's samples: class indices, weights and options arrive as params ---------------

type Params = Record<string, unknown>;
const weightParam = (x: Tensor, p: Params, key = 'weight'): Tensor | null => (p[key] === undefined ? null : tensor(p[key] as number[], { dtype: x.dtype }));
const indices = (p: Params): Tensor => tensor(p.target as number[], { dtype: 'int32' });
const reductionParam = (p: Params): LossReduction | undefined => p.reduction as LossReduction | undefined;
const pair = [[3, 4], [3, 4]];
const everyReduction = (params: Params = {}, domain?: [number, number]) => (['mean', 'sum', 'none'] as const).map((reduction) => ({ shapes: pair, params: { ...params, reduction }, domain }));

register({
  name: 'nllLoss',
  call: ([x], p) => nllLoss(x, indices(p), { weight: weightParam(x, p), ignoreIndex: p.ignoreIndex as number | undefined, reduction: reductionParam(p) }),
  samples: [
    { shapes: [[4, 5]], params: { target: [1, 0, 4, 2] } },
    { shapes: [[4, 5]], params: { target: [1, -100, 4, 1], weight: [0.5, 1, 2, 1.5, 0.2] } },
    { shapes: [[4, 5]], params: { target: [3, -1, 0, 1], ignoreIndex: -1, weight: [0.5, 1, 2, 1.5, 0.2], reduction: 'sum' } },
    { shapes: [[3, 4]], params: { target: [2, -100, 0], reduction: 'none' } },
    { shapes: [[2, 3, 4]], params: { target: [[0, 2, 1, -100], [1, 1, 0, 2]], weight: [2, 0.5, 1] } },
    { shapes: [[5]], params: { target: 3 } },
  ],
  differentiable: true,
});
register({
  name: 'multiMarginLoss',
  call: ([x], p) => multiMarginLoss(x, indices(p), { p: p.p as 1 | 2 | undefined, margin: p.margin as number | undefined, weight: weightParam(x, p), reduction: reductionParam(p) }),
  samples: [
    { shapes: [[4, 5]], params: { target: [1, 0, 4, 2] } },
    { shapes: [[4, 5]], params: { target: [3, 3, 0, 1], p: 2, margin: 0.5, weight: [0.5, 1, 2, 1.5, 0.2], reduction: 'sum' } },
    { shapes: [[3, 4]], params: { target: [2, 1, 0], margin: 2, reduction: 'none' } },
    { shapes: [[4]], params: { target: 1, p: 2 } },
  ],
  differentiable: true,
});
register({ name: 'mseLoss', call: ([x, t], p) => mseLoss(x, t, { reduction: reductionParam(p) }), samples: everyReduction(), differentiable: true });
register({ name: 'l1Loss', call: ([x, t], p) => l1Loss(x, t, { reduction: reductionParam(p) }), samples: everyReduction(), differentiable: true });
register({
  name: 'huberLoss',
  call: ([x, t], p) => huberLoss(x, t, { delta: p.delta as number | undefined, reduction: reductionParam(p) }),
  samples: [...everyReduction(), { shapes: pair, params: { delta: 0.4, reduction: 'sum' } }],
  differentiable: true,
});
register({
  name: 'bceLoss',
  call: ([x, t], p) => bceLoss(x, t, { weight: weightParam(x, p), reduction: reductionParam(p) }),
  samples: [...everyReduction({}, [0.05, 0.95]), { shapes: pair, params: { weight: [0.5, 2, 1, 0] }, domain: [0.05, 0.95] }],
  differentiable: true,
});
register({
  name: 'bceWithLogitsLoss',
  call: ([x, t], p) => bceWithLogitsLoss(x, t, { weight: weightParam(x, p), posWeight: weightParam(x, p, 'posWeight'), reduction: reductionParam(p) }),
  samples: [
    ...everyReduction({}, [0, 1]),
    { shapes: pair, params: { weight: [[0.5], [2], [1]], posWeight: [3, 0.5, 1, 2] } },
    { shapes: pair, params: { posWeight: [3, 0.5, 1, 2], reduction: 'none' }, domain: [-3, 3] },
  ],
  differentiable: true,
});
