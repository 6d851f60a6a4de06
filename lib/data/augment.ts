// Data augmentation for image batches: random integer translations (torchvision's
// RandomAffine(translate=...) restricted to whole pixels, so no interpolation blurs digits).
// Applied per batch in getBatch: one random draw for the batch and one pass over its pixels.
import { empty, randint } from '../tensor/creation';
import { defaultGenerator, type Generator } from '../tensor/generator';
import type { Tensor } from '../tensor/tensor';
import { checkIndex, Dataset, type Sample } from './dataset';
import { generatorFrom } from './permutation';

export interface RandomShiftOptions {
  /** Largest shift in pixels along each axis (default 2): offsets are uniform in [-maxShift, maxShift]. */
  maxShift?: number;
  /** The value of the pixels shifted in (default 0; the background's value after normalization). */
  fill?: number;
  /** [height, width] of an image; default the sample's last two axes (required for flat images). */
  imageSize?: [number, number];
  generator?: Generator;
  seed?: number;
}

/**
 * Wraps an image dataset: the first tensor of every sample or batch is translated by a random
 * whole number of pixels (the same offset for all channels of a sample), others pass through.
 */
export class RandomShift<T extends Sample = Tensor[]> extends Dataset<Tensor[]> {
  readonly maxShift: number;
  readonly fill: number;
  readonly imageSize: [number, number] | undefined;
  readonly generator: Generator;

  constructor(
    readonly dataset: Dataset<T>,
    options: RandomShiftOptions = {},
  ) {
    super();
    const { maxShift = 2, fill = 0, imageSize } = options;
    if (!Number.isInteger(maxShift) || maxShift < 0) throw new RangeError(`RandomShift: maxShift must be a non-negative integer, got ${String(maxShift)}`);
    if (!Number.isFinite(fill)) throw new RangeError(`RandomShift: fill must be a finite number, got ${String(fill)}`);
    if (imageSize !== undefined && !(Array.isArray(imageSize) && imageSize.length === 2 && imageSize.every((d) => Number.isInteger(d) && d > 0))) {
      throw new RangeError(`RandomShift: imageSize must be [height, width], got ${JSON.stringify(imageSize)}`);
    }
    this.maxShift = maxShift;
    this.fill = fill;
    this.imageSize = imageSize;
    this.generator = generatorFrom('RandomShift', options, () => defaultGenerator);
  }

  get length(): number {
    return this.dataset.length;
  }

  get(index: number): Tensor[] {
    checkIndex('RandomShift.get', index, this.length);
    const [x, ...rest] = this.dataset.getBatch(Int32Array.of(index));
    const shifted = this.shift(x);
    return [shifted.select(0, 0), ...rest.map((t) => t.select(0, 0))];
  }

  override getBatch(indices: Int32Array): Tensor[] {
    const [x, ...rest] = this.dataset.getBatch(indices);
    return [this.shift(x), ...rest];
  }

  /** A new tensor: each sample of x moved by its own random (dy, dx); x is disposed. */
  private shift(x: Tensor): Tensor {
    const n = x.shape[0];
    const perSample = x.size / Math.max(n, 1);
    const [h, w] = this.imageSize ?? (x.ndim >= 3 ? x.shape.slice(-2) : [0, 0]);
    if (h * w === 0 || perSample % (h * w) !== 0) {
      throw new RangeError(`RandomShift: samples of shape [${x.shape.slice(1).join(',')}] are not images${this.imageSize === undefined ? '; pass imageSize for flat ones' : ` of ${h}x${w}`}`);
    }
    const offsets = randint(-this.maxShift, this.maxShift + 1, [2 * n], { generator: this.generator });
    const out = empty(x.shape, { dtype: x.dtype });
    const src = x.values();
    const dst = out.array.subarray(0, out.size);
    const d = offsets.values() as Int32Array;
    for (let s = 0; s < n; s++) {
      const dy = d[2 * s];
      const dx = d[2 * s + 1];
      // Columns of a destination row that have a source pixel: [c0, c1).
      const c0 = Math.max(0, dx);
      const c1 = Math.min(w, w + dx);
      for (let plane = s * perSample; plane < (s + 1) * perSample; plane += h * w) {
        for (let r = 0; r < h; r++) {
          const row = plane + r * w;
          const sr = r - dy;
          if (sr < 0 || sr >= h || c0 >= c1) {
            dst.fill(this.fill, row, row + w);
            continue;
          }
          dst.fill(this.fill, row, row + c0);
          dst.set(src.subarray(plane + sr * w + c0 - dx, plane + sr * w + c1 - dx), row + c0);
          dst.fill(this.fill, row + c1, row + w);
        }
      }
    }
    offsets.dispose();
    x.dispose();
    return out;
  }
}
