// The train/test pair every dataset loader returns.
import type { TensorDataset } from '../dataset';

/** Images [N,1,28,28] (or [N,784] with flatten) float32 in [0, 1], labels [N] int32. */
export interface ImageSplits {
  train: TensorDataset;
  test: TensorDataset;
}

export interface ImageOptions {
  /** Images as [N, 784] rows instead of [N, 1, 28, 28] (default false). */
  flatten?: boolean;
}

/** The image tensor's shape for n 28x28 grayscale images. */
export function imageShape(n: number, options: ImageOptions): number[] {
  return options.flatten === true ? [n, 28 * 28] : [n, 1, 28, 28];
}
