// randomSplit (torch.utils.data.random_split): disjoint random subsets of given sizes.
import { defaultGenerator, type Generator } from '../tensor/generator';
import { Subset, type Dataset, type Sample } from './dataset';
import { generatorFrom, randperm } from './permutation';

export interface RandomSplitOptions {
  /** Seeds a fresh Generator for the split. */
  seed?: number;
  /** Draws the split from this generator (advancing it); default: kiln's default generator. */
  generator?: Generator;
}

/**
 * Splits `dataset` into disjoint random Subsets of the given `lengths`: counts summing to its
 * length, or fractions summing to 1 (counts floor(f * n), the remainder handed out one by one
 * from the first subset on, as PyTorch does).
 */
export function randomSplit<T extends Sample>(dataset: Dataset<T>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  const n = dataset.length;
  const counts = splitCounts(lengths, n);
  const order = randperm(n, generatorFrom('randomSplit', options, () => defaultGenerator));
  let start = 0;
  return counts.map((c) => {
    const subset = new Subset(dataset, order.subarray(start, start + c));
    start += c;
    return subset;
  });
}

function splitCounts(lengths: readonly number[], n: number): number[] {
  if (!Array.isArray(lengths) || lengths.length === 0) throw new RangeError('randomSplit: lengths must be a non-empty array');
  if (lengths.some((l) => typeof l !== 'number' || !(l >= 0))) throw new RangeError(`randomSplit: lengths must be non-negative numbers, got [${lengths.join(', ')}]`);
  const total = lengths.reduce((p, l) => p + l, 0);
  if (lengths.every(Number.isInteger) && total === n) return [...lengths];
  if (Math.abs(total - 1) <= 1e-9 && lengths.every((l) => l <= 1)) {
    const counts = lengths.map((f) => Math.floor(f * n));
    let rest = n - counts.reduce((p, c) => p + c, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]++;
    return counts;
  }
  throw new RangeError(`randomSplit: lengths [${lengths.join(', ')}] sum to ${total}, expected the dataset's length ${n} (counts) or 1 (fractions)`);
}
