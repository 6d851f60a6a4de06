// Argument checks and shape handling shared by the losses (crossEntropy in softmax.ts and the
// rest in loss.ts): every error names the loss and the offending value or shape.
import type { LossReduction } from '../bindings/softmax';
import { isFloat } from '../tensor/dtype';
import { formatShape, shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { contiguous, toDType } from './convert';
import { checkAlive } from './op';
import { mean, sum } from './reduce';
import { permute, reshape } from './views';

export type { LossReduction };

const REDUCTIONS: readonly string[] = ['mean', 'sum', 'none'];

export function checkReduction(op: string, reduction: unknown): LossReduction {
  if (!REDUCTIONS.includes(reduction as string)) throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  return reduction as LossReduction;
}

/** The per-element losses reduced: 'mean' over all elements, 'sum', or kept ('none'). */
export function reduceLoss(losses: Tensor, reduction: LossReduction): Tensor {
  if (reduction === 'none') return losses;
  return reduction === 'sum' ? sum(losses) : mean(losses);
}

/** A loss's tensor argument, alive, as a float tensor (integer inputs become float32). */
export function lossInput(op: string, what: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  checkAlive(op, [x]);
  return isFloat(x.dtype) ? x : toDType(x, 'float32');
}

/**
 * Input and target of an elementwise loss, the target in the input's float dtype. kiln requires
 * equal shapes (PyTorch broadcasts with a warning).
 */
export function sameShapePair(op: string, input: unknown, target: unknown): [Tensor, Tensor] {
  const x = lossInput(op, 'input', input);
  const t = lossInput(op, 'target', target);
  if (!shapesEqual(x.shape, t.shape)) throw new RangeError(`${op}: input shape ${formatShape(x.shape)} and target shape ${formatShape(t.shape)} differ`);
  return [x, toDType(t, x.dtype)];
}

/**
 * An optional weight that multiplies the losses elementwise (bce's weight, posWeight): detached
 * (PyTorch does not differentiate weights), in `dtype`, and broadcasting to `shape` without
 * enlarging it.
 */
export function broadcastWeight(op: string, what: string, weight: Tensor | null | undefined, shape: readonly number[], dtype: Tensor['dtype']): Tensor | null {
  if (weight === null || weight === undefined) return null;
  const w = lossInput(op, what, weight);
  const fits = w.ndim <= shape.length && w.shape.every((d, i) => d === 1 || d === shape[shape.length - w.ndim + i]);
  if (!fits) throw new RangeError(`${op}: ${what} of shape ${formatShape(w.shape)} does not broadcast to the input shape ${formatShape(shape)}`);
  return toDType(w.detach(), dtype);
}

/** Per-class weights [C] (detached, contiguous, in `dtype`), or null. */
export function classWeight(op: string, weight: Tensor | null | undefined, c: number, dtype: Tensor['dtype']): Tensor | null {
  if (weight === null || weight === undefined) return null;
  const w = lossInput(op, 'weight', weight);
  if (w.ndim !== 1 || w.shape[0] !== c) throw new RangeError(`${op}: weight of shape ${formatShape(w.shape)} must be [${c}], one per class`);
  return contiguous(toDType(w.detach(), dtype));
}

export function checkIgnoreIndex(op: string, ignoreIndex: unknown): number {
  if (!Number.isInteger(ignoreIndex)) throw new TypeError(`${op}: ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  return ignoreIndex as number;
}

/** Class-score rows with their targets: what a classification loss computes on. */
export interface ClassRows {
  /** The scores as contiguous rows [rows, C]. */
  x: Tensor;
  /** Class indices [rows] (int32), or probabilities [rows, C] in x's dtype. */
  target: Tensor;
  /** Whether the target holds probabilities (a float tensor of the input's shape). */
  probabilities: boolean;
  /** Shape of the per-element losses ('none'): the input's shape without the class axis. */
  lossShape: number[];
}

/**
 * PyTorch's layouts of a classification input: [C] (one sample), [N, C] or [N, C, d1, ...]
 * (class axis 1), with int32 class indices of the input's shape without the class axis, or
 * (when `allowProbabilities`) float class probabilities of the input's shape. Returns rows
 * [rows, C] (the class axis moved last) and the target to match.
 */
export function classRows(op: string, input: unknown, target: unknown, allowProbabilities: boolean, maxRank = Infinity): ClassRows {
  const x = lossInput(op, 'input', input);
  if (!(target instanceof Tensor)) throw new TypeError(`${op}: target must be a Tensor, got ${target === null ? 'null' : typeof target}`);
  checkAlive(op, [target]);
  if (x.ndim < 1 || x.ndim > maxRank) {
    const layouts = maxRank === 2 ? '[C] or [N, C]' : '[C], [N, C] or [N, C, d1, ...]';
    throw new RangeError(`${op}: input must be ${layouts}, got shape ${formatShape(x.shape)}`);
  }
  const c = x.ndim === 1 ? x.shape[0] : x.shape[1];
  const lossShape = x.ndim === 1 ? [] : [x.shape[0], ...x.shape.slice(2)];
  const probabilities = isFloat(target.dtype) && allowProbabilities;
  const expected = probabilities ? x.shape : lossShape;
  if (!probabilities && target.dtype !== 'int32') {
    const wanted = allowProbabilities ? 'int32 class indices or float probabilities' : 'int32 class indices';
    throw new TypeError(`${op}: target must hold ${wanted}, got ${target.dtype}`);
  }
  if (!shapesEqual(target.shape, expected)) {
    const kind = probabilities ? 'probabilities' : 'class indices';
    throw new RangeError(`${op}: target of shape ${formatShape(target.shape)} does not match input ${formatShape(x.shape)} (expected ${kind} of shape ${formatShape(expected)})`);
  }
  const classLast = (t: Tensor): Tensor => (t.ndim <= 2 ? t : permute(t, [0, ...Array.from({ length: t.ndim - 2 }, (_, i) => i + 2), 1]));
  const rows = (t: Tensor): Tensor => contiguous(reshape(classLast(t), [-1, c]));
  return {
    x: rows(x),
    // int32 tensors never require grad, so index targets need no detach.
    target: probabilities ? rows(toDType(target, x.dtype)) : contiguous(reshape(target, [-1])),
    probabilities,
    lossShape,
  };
}

/** Throws unless every class index is in [0, c) or equals ignoreIndex (when given). */
export function checkClassIndices(op: string, target: Tensor, c: number, ignoreIndex: number | null): Int32Array {
  const y = target.values() as Int32Array;
  for (let i = 0; i < y.length; i++) {
    if ((y[i] < 0 || y[i] >= c) && y[i] !== ignoreIndex) {
      const ignore = ignoreIndex === null ? '' : ` or ignoreIndex ${ignoreIndex}`;
      throw new RangeError(`${op}: target ${y[i]} at position ${i} is out of range [0, ${c})${ignore}`);
    }
  }
  return y;
}
