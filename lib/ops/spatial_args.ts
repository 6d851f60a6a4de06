// Argument checks shared by the ConvNet ops (conv, pool, norm, dropout): every bad value is
// reported with the op's name, before any native kernel sees it.
import { isFloat, type DType } from '../tensor/dtype';
import { formatShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { checkAlive } from './op';

/** A float array of the bindings' overloads (a Float64Array passes as well; see f32). */
export type FloatArray = Float32Array | Float64Array;

/** `value` as an (h, w) pair of integers >= min, or throws naming op and option. */
export function pair(op: string, name: string, value: number | readonly number[], min: number): [number, number] {
  const p = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= min)) {
    throw new RangeError(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(value)}`);
  }
  return [p[0], p[1]];
}

/**
 * Checks that `tensors` (null entries skipped) are live float tensors of one dtype, and
 * returns it. Names come with the tensors so messages say which argument is wrong.
 */
export function floatDType(op: string, tensors: readonly (readonly [string, Tensor | null | undefined])[]): DType {
  let dtype: DType | null = null;
  for (const [name, t] of tensors) {
    if (t === null || t === undefined) continue;
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${typeof t}`);
    checkAlive(op, [t]);
    if (!isFloat(t.dtype)) throw new TypeError(`${op}: ${name} must be float32 or float64, got ${t.dtype}`);
    if (dtype === null) dtype = t.dtype;
    else if (t.dtype !== dtype) throw new TypeError(`${op}: ${name} is ${t.dtype} but the input is ${dtype}`);
  }
  return dtype as DType;
}

/** Throws unless t (when given) has exactly `shape`. */
export function checkShapeIs(op: string, name: string, t: Tensor | null | undefined, shape: readonly number[]): void {
  if (t === null || t === undefined) return;
  if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${op}: ${name} must have shape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  }
}

/** The product of the dimensions from `start` on. */
export function trailingSize(shape: readonly number[], start: number): number {
  let s = 1;
  for (let i = start; i < shape.length; i++) s *= shape[i];
  return s;
}
