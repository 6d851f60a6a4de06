// Reductions of a contiguous tensor along a set of axes (native/kernels/reduce).

/** Op codes of `reduce`, as exported by the addon in `reduceOps`. */
export interface ReduceOps {
  readonly sum: 0;
  readonly mean: 1;
  /** Max; `outIndex` receives the argmax (first occurrence, first NaN if any). */
  readonly max: 2;
  /** Min; `outIndex` receives the argmin (first occurrence, first NaN if any). */
  readonly min: 3;
  /** L2 norm, sqrt of the sum of squares (fp32: accumulated in double; fp64: rescaled on overflow/underflow). */
  readonly norm2: 4;
  readonly sumSquares: 5;
}

export type ReduceOpCode = ReduceOps[keyof ReduceOps];

export interface ReduceBindings {
  /** Op name -> code for `reduce`. */
  readonly reduceOps: ReduceOps;
  /**
   * Reduces the contiguous tensor `x` of `shape` (rank <= 8) over `axes` (unique, negative
   * counts from the end; `null` = all axes) into `out`, which holds the reduced shape (kept
   * axes only, contiguous; keepdim is the caller's reshape). `outIndex` (max/min only, else
   * null) receives the row-major position within the reduced axes. Sum of nothing is 0, mean
   * NaN; max/min of an empty reduction throws. `out` and `outIndex` have x's float type / Int32.
   */
  reduce<T extends Float32Array | Float64Array>(
    op: ReduceOpCode,
    shape: readonly number[],
    axes: readonly number[] | null,
    x: T,
    out: T,
    outIndex: Int32Array | null,
  ): void;
}
