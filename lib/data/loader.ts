// DataLoader: batches of a Dataset, in order or reshuffled every epoch from a seeded kiln
// Generator. Each batch is fetched with the dataset's getBatch (one indexSelect per tensor for
// TensorDataset) and disposed when the next one is requested, so a long training loop reuses
// the same pooled storage instead of growing until the garbage collector runs.
import { defaultGenerator, type Generator } from '../tensor/generator';
import type { Tensor } from '../tensor/tensor';
import type { Dataset, Sample } from './dataset';
import { generatorFrom, randperm } from './permutation';

export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a new random order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Skip the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** The generator the shuffles draw from (advanced by each epoch); default kiln's default generator. Ignored without shuffle. */
  generator?: Generator;
  /** Shorthand for `generator: new Generator(seed)`: the same seed gives the same epoch orders. */
  seed?: number;
  /**
   * Dispose each batch's tensors when the next batch is requested or the loop ends (default
   * true). Tensors marked with keep() are left alone; clone() what you want to hold on to.
   */
  disposeBatches?: boolean;
}

/** Iterates a Dataset in batches: `for (const [x, y] of loader)` or `for await (...)`. */
export class DataLoader<T extends Sample = Tensor[]> implements Iterable<Tensor[]>, AsyncIterable<Tensor[]> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly disposeBatches: boolean;
  /** Where shuffled orders come from (null when shuffle is false). */
  readonly generator: Generator | null;

  constructor(
    readonly dataset: Dataset<T>,
    options: DataLoaderOptions = {},
  ) {
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.length !== 'number' || typeof dataset.getBatch !== 'function') {
      throw new TypeError('DataLoader: dataset must be a kiln data.Dataset (length, get, getBatch)');
    }
    const { batchSize = 1, shuffle = false, dropLast = false, disposeBatches = true } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.disposeBatches = disposeBatches;
    const generator = generatorFrom('DataLoader', options, () => defaultGenerator);
    this.generator = shuffle ? generator : null;
  }

  /** Batches per epoch (torch's len(loader)). */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch, synchronously. */
  *[Symbol.iterator](): IterableIterator<Tensor[]> {
    let previous: Tensor[] | null = null;
    try {
      for (const indices of this.epochBatches()) {
        this.release(previous);
        previous = this.dataset.getBatch(indices);
        yield previous;
      }
    } finally {
      this.release(previous);
    }
  }

  /**
   * One epoch, yielding to the event loop before each batch: finalizers, timers and I/O run
   * between training steps.
   */
  async *[Symbol.asyncIterator](): AsyncIterableIterator<Tensor[]> {
    let previous: Tensor[] | null = null;
    try {
      for (const indices of this.epochBatches()) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.release(previous);
        previous = this.dataset.getBatch(indices);
        yield previous;
      }
    } finally {
      this.release(previous);
    }
  }

  /** The sample indices of each batch of one epoch (drawing this epoch's order). */
  private *epochBatches(): IterableIterator<Int32Array> {
    const n = this.dataset.length;
    const order = this.generator !== null ? randperm(n, this.generator) : Int32Array.from({ length: n }, (_, i) => i);
    const end = this.dropLast ? n - (n % this.batchSize) : n;
    for (let start = 0; start < end; start += this.batchSize) yield order.subarray(start, Math.min(start + this.batchSize, end));
  }

  private release(batch: Tensor[] | null): void {
    if (batch === null || !this.disposeBatches) return;
    for (const t of batch) if (!t.kept) t.dispose();
  }
}
