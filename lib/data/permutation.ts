// Seeded permutations for shuffling and splitting: Fisher-Yates driven by uniforms from a kiln
// Generator (Philox), so an order depends only on the generator's seed and position.
import { rand } from '../tensor/creation';
import { Generator } from '../tensor/generator';

/** A random permutation of 0..n-1 drawn from `generator` (advances it; torch.randperm). */
export function randperm(n: number, generator: Generator): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new RangeError(`randperm: n must be a non-negative int32, got ${String(n)}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (n < 2) return order;
  // float64 uniforms carry 53 random bits: floor(u * (i + 1)) is unbiased to well below 2^-20.
  const uniforms = rand([n], { dtype: 'float64', generator });
  const u = uniforms.values() as Float64Array;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  uniforms.dispose();
  return order;
}

/** A Generator from `{ generator }` or `{ seed }`; `fallback()` when neither is given. */
export function generatorFrom(owner: string, options: { generator?: Generator; seed?: number }, fallback: () => Generator): Generator {
  if (options.generator !== undefined && options.seed !== undefined) throw new Error(`${owner}: pass either generator or seed, not both`);
  if (options.generator !== undefined) {
    if (!(options.generator instanceof Generator)) throw new TypeError(`${owner}: generator must be a kiln Generator`);
    return options.generator;
  }
  return options.seed !== undefined ? new Generator(options.seed) : fallback();
}
