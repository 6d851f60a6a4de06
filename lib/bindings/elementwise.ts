// Strided elementwise kernels. Every view is (array, strides, offset) over one shared
// `shape` (rank <= 8): element i of the view at multi-index (i0..ik) is
// array[offset + sum(ij * strides[j])]. Strides are in elements and >= 0; stride 0
// broadcasts. The output must not write one element twice; an input must either be exactly
// the output view (in place) or not overlap it (partial overlap gives unspecified values,
// never an out-of-bounds access).

/** Element arrays the kernels take: float32, float64 and int32. */
export type ElementArray = Float32Array | Float64Array | Int32Array;
/** Float element arrays. */
export type FloatArray = Float32Array | Float64Array;

/** Binary op codes; comparisons write 1/0 in the output's dtype (any of the three). */
export interface BinaryOpCodes {
  readonly add: number;
  readonly sub: number;
  readonly mul: number;
  /** float only */
  readonly div: number;
  /** float only */
  readonly pow: number;
  /** NaN-propagating like torch.maximum */
  readonly maximum: number;
  /** NaN-propagating like torch.minimum */
  readonly minimum: number;
  readonly eq: number;
  readonly ne: number;
  readonly lt: number;
  readonly le: number;
  readonly gt: number;
  readonly ge: number;
}

/** Unary op codes; neg and abs also take int32, the rest are float only. */
export interface UnaryOpCodes {
  readonly neg: number;
  readonly abs: number;
  /** float32: vectorized, <= 2 ulp; float64: libm */
  readonly exp: number;
  /** float32: vectorized, <= 2 ulp; float64: libm */
  readonly log: number;
  readonly sqrt: number;
  readonly rsqrt: number;
}

export interface ElementwiseBindings {
  /** Frozen name -> code table for `binary` and `binaryScalar`. */
  readonly binaryOps: BinaryOpCodes;
  /** Frozen name -> code table for `unary`. */
  readonly unaryOps: UnaryOpCodes;

  /**
   * out = a op b, broadcast by strides. a and b share a dtype; arithmetic ops write that
   * dtype (int32 wraps on overflow), comparisons write 1/0 into an out of any dtype.
   */
  binary(
    op: number,
    shape: number[],
    out: ElementArray, outStrides: number[], outOffset: number,
    a: ElementArray, aStrides: number[], aOffset: number,
    b: ElementArray, bStrides: number[], bOffset: number,
  ): void;

  /**
   * out = a op scalar, or scalar op a when scalarFirst. The scalar is converted to a's
   * dtype first (for int32 it must be an int32 integer).
   */
  binaryScalar(
    op: number,
    shape: number[],
    out: ElementArray, outStrides: number[], outOffset: number,
    a: ElementArray, aStrides: number[], aOffset: number,
    scalar: number, scalarFirst: boolean,
  ): void;

  /** out = op(a); out has a's dtype. */
  unary(
    op: number,
    shape: number[],
    out: ElementArray, outStrides: number[], outOffset: number,
    a: ElementArray, aStrides: number[], aOffset: number,
  ): void;

  /**
   * out = min(max(a, min), max) with NaN propagated (max wins when min > max, like PyTorch).
   * Pass -Infinity / Infinity for a missing bound; bounds may not be NaN.
   */
  clamp(
    shape: number[],
    out: ElementArray, outStrides: number[], outOffset: number,
    a: ElementArray, aStrides: number[], aOffset: number,
    min: number, max: number,
  ): void;

  /**
   * out = a, strided to strided (what contiguous() calls), converting between dtypes:
   * float -> int32 truncates toward zero, saturates, and maps NaN to 0.
   */
  copy(
    shape: number[],
    out: ElementArray, outStrides: number[], outOffset: number,
    a: ElementArray, aStrides: number[], aOffset: number,
  ): void;

  /** Every element of the view = value (an int32 integer for Int32Array). */
  fill(shape: number[], out: ElementArray, outStrides: number[], outOffset: number, value: number): void;

  /** out = cond != 0 ? a : b (NaN counts as true). cond may be any dtype; a, b, out share one. */
  where(
    shape: number[],
    out: ElementArray, outStrides: number[], outOffset: number,
    cond: ElementArray, condStrides: number[], condOffset: number,
    a: ElementArray, aStrides: number[], aOffset: number,
    b: ElementArray, bStrides: number[], bOffset: number,
  ): void;
}
