// Validation of layer constructor arguments, shared by the layers (errors name the layer).
import type { DType } from '../tensor/dtype';
import { formatShape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';

/** A positive integer (or a non-negative one with `allowZero`), else an Error naming the layer and argument. */
export function checkCount(where: string, name: string, value: unknown, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new RangeError(`${where}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}`);
  }
  return value;
}

/** A float dtype for a layer's parameters (default float32). */
export function checkFloatDType(where: string, dtype: unknown): DType {
  if (dtype === undefined) return 'float32';
  if (dtype === 'float32' || dtype === 'float64') return dtype;
  throw new TypeError(`${where}: dtype must be float32 or float64, got ${JSON.stringify(dtype)}`);
}

/** Throws unless the input has one of the ranks the layer takes and `channels` on axis 1. */
export function checkInput(where: string, x: Tensor, ranks: readonly number[], channels?: number, what = 'channels'): void {
  if (!ranks.includes(x.ndim)) throw new RangeError(`${where}: expected a ${ranks.join('-D or ')}-D input, got shape ${formatShape(x.shape)}`);
  if (channels !== undefined && x.shape[1] !== channels) throw new RangeError(`${where}: expected ${channels} ${what} on axis 1, got shape ${formatShape(x.shape)}`);
}

/** `[a, b]` for summaries. */
export const formatPair = (p: readonly number[]): string => `[${p.join(', ')}]`;
