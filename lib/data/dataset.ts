// Datasets: indexable collections of samples. A sample is an array of tensors (and numbers);
// TensorDataset and Subset also fetch whole batches with one indexSelect per tensor, which is
// what DataLoader uses instead of stacking sample by sample.
import { tensor } from '../tensor/creation';
import { Tensor } from '../tensor/tensor';
import { indexSelect } from '../ops/indexing';
import { stack } from '../ops/join';
import { scope } from '../scope';

/** One sample: tensors (and plain numbers such as labels), in a fixed order. */
export type Sample = readonly (Tensor | number)[];

/**
 * A map-style dataset (torch.utils.data.Dataset): `length` samples, `get(i)` the i-th. Override
 * `getBatch` when a batch can be fetched faster than by stacking samples one by one.
 */
export abstract class Dataset<T extends Sample = Tensor[]> {
  /** The number of samples. */
  abstract get length(): number;

  /** The sample at `index` (0 <= index < length). */
  abstract get(index: number): T;

  /** The samples at `indices`, batched: one tensor per sample position, batch axis first. */
  getBatch(indices: Int32Array): Tensor[] {
    // The scope frees the samples (and their views) once stacked.
    return scope(() => collate(Array.from(indices, (i) => this.get(i))));
  }
}

/**
 * Stacks samples position by position (torch's default_collate): tensors along a new first
 * axis; numbers into a 1-D int32 tensor when all are integers, else float32.
 */
export function collate(samples: readonly Sample[]): Tensor[] {
  if (samples.length === 0) throw new RangeError('collate: expected at least one sample');
  const width = samples[0].length;
  return Array.from({ length: width }, (_, k) => {
    const column = samples.map((s, i) => {
      if (s.length !== width) throw new RangeError(`collate: sample ${i} has ${s.length} fields, sample 0 has ${width}`);
      return s[k];
    });
    if (column.every((v) => v instanceof Tensor)) return stack(column as Tensor[]);
    if (column.every((v) => typeof v === 'number')) {
      const numbers = column as number[];
      return tensor(numbers, { dtype: numbers.every(Number.isInteger) ? 'int32' : 'float32' });
    }
    throw new TypeError(`collate: field ${k} mixes tensors and numbers`);
  });
}

/** Throws unless `index` is an integer in [0, length). */
export function checkIndex(owner: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) throw new RangeError(`${owner}: index ${String(index)} is out of range for ${length} samples`);
}

/** Tensors sharing their first axis; sample i is [t[i] for each tensor] (torch TensorDataset). */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new RangeError('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${i} is not a Tensor`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset: tensor ${i} is 0-d; every tensor needs a first (sample) axis`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new RangeError(`TensorDataset: tensor ${i} has ${t.shape[0]} samples (shape [${t.shape.join(',')}]), tensor 0 has ${tensors[0].shape[0]}`);
      }
    });
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => t.select(0, index));
  }

  /** One indexSelect per tensor: a batch is one native gather, not `batch` copies. */
  override getBatch(indices: Int32Array): Tensor[] {
    for (const i of indices) checkIndex('TensorDataset.getBatch', i, this.length);
    // The scope frees the index tensor and the views indexSelect makes of it right away.
    return scope(() => {
      const index = tensor(indices);
      return this.tensors.map((t) => indexSelect(t, 0, index));
    });
  }
}

/** The samples of `dataset` at `indices`, in that order (torch Subset). */
export class Subset<T extends Sample = Tensor[]> extends Dataset<T> {
  readonly indices: Int32Array;

  constructor(
    readonly dataset: Dataset<T>,
    indices: ArrayLike<number>,
  ) {
    super();
    this.indices = Int32Array.from(indices as ArrayLike<number>, (i) => {
      checkIndex('Subset', i, dataset.length);
      return i;
    });
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    checkIndex('Subset.get', index, this.length);
    return this.dataset.get(this.indices[index]);
  }

  override getBatch(indices: Int32Array): Tensor[] {
    return this.dataset.getBatch(indices.map((i) => {
      checkIndex('Subset.getBatch', i, this.length);
      return this.indices[i];
    }));
  }
}
