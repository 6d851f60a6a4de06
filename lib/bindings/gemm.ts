// GEMM bindings: C = alpha * op(A) * op(B) + beta * C on row-major matrices.

/** All three matrices share one element type: all Float32Array or all Float64Array. */
export type GemmArray = Float32Array | Float64Array;

export interface GemmBindings {
  /**
   * C = alpha * op(A) * op(B) + beta * C, in place in C. op(A) is m x k, op(B) is k x n, C is
   * m x n, all row-major with leading dimensions lda/ldb/ldc (>= the stored row length: for A
   * that is k, or m when transA). beta = 0 does not read C; alpha = 0 or k = 0 gives
   * C = beta * C. Bit-identical at any thread count. Throws TypeError/RangeError naming
   * 'gemm' and the argument on mismatched types, short buffers or bad sizes.
   */
  gemm<T extends GemmArray>(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: T,
    lda: number,
    B: T,
    ldb: number,
    beta: number,
    C: T,
    ldc: number,
  ): void;
  /**
   * `batch` independent GEMMs; entry i uses A[i * strideA ...], B[i * strideB ...] and
   * C[i * strideC ...]. strideA or strideB may be 0 to broadcast one matrix; strideC must
   * be >= one C matrix's extent when batch > 1 (outputs must not overlap).
   */
  gemmBatched<T extends GemmArray>(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: T,
    lda: number,
    strideA: number,
    B: T,
    ldb: number,
    strideB: number,
    beta: number,
    C: T,
    ldc: number,
    strideC: number,
    batch: number,
  ): void;
}
