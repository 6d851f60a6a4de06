// Counter-based random fills (native/kernels/random): Philox4x32-10 keyed by a 64-bit seed,
// counter = offset + block index. Value i of a fill depends only on (seed, offset, i), so
// fills are identical at any thread count. Each fill writes the whole array and returns the
// Philox blocks it consumed: ceil(n / 4) for Float32Array uniform/normal/bernoulli, ceil(n / 2)
// for Float64Array fills and randomInt. A generator adds that to its offset so its next fill
// continues the stream. `seed` and `offset` are non-negative safe integers.

export interface RandomBindings {
  /** Uniform in [low, high) (never high); low < high, both finite. fp32 from 24 random bits, fp64 from 53. */
  randomUniform(out: Float32Array | Float64Array, seed: number, offset: number, low: number, high: number): number;
  /** mean + std · N(0, 1) by Box-Muller, both outputs of each pair used; std >= 0. */
  randomNormal(out: Float32Array | Float64Array, seed: number, offset: number, mean: number, std: number): number;
  /** 1 with probability p, else 0; 0 <= p <= 1. */
  randomBernoulli(out: Float32Array | Float64Array, seed: number, offset: number, p: number): number;
  /**
   * Integers in [low, high) from 64 random bits each (multiply-shift, bias below 2^-32 per
   * outcome); low an int32, low < high <= 2^31.
   */
  randomInt(out: Int32Array, seed: number, offset: number, low: number, high: number): number;
}
