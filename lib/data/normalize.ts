// Standardization as BENCH.md prepares its images: statistics of the training set applied to
// every split, so no information leaks from the test data.
import { Tensor } from '../tensor/tensor';

export interface MeanStd {
  mean: number;
  std: number;
}

/** Mean and population standard deviation of all of x's elements (accumulated in float64). */
export function meanStd(x: Tensor): MeanStd {
  if (!(x instanceof Tensor)) throw new TypeError('meanStd: expected a Tensor');
  if (x.size === 0) throw new RangeError('meanStd: tensor is empty');
  const v = x.values();
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i];
  const mean = sum / v.length;
  let squares = 0;
  for (let i = 0; i < v.length; i++) squares += (v[i] - mean) * (v[i] - mean);
  return { mean, std: Math.sqrt(squares / v.length) };
}

/**
 * (x - mean) / std (torchvision's Normalize with one channel): a new tensor, or x itself
 * overwritten with `inplace` (no second copy of a large image set).
 */
export function normalize(x: Tensor, { mean, std }: MeanStd, options: { inplace?: boolean } = {}): Tensor {
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std <= 0) throw new RangeError(`normalize: need a finite mean and a positive std, got mean ${mean} and std ${std}`);
  return options.inplace === true ? x.sub_(mean).div_(std) : x.sub(mean).div(std);
}
