// Fused activation kernels over the first n elements of contiguous float arrays.

/** Frozen name -> code table for the activation kinds. */
export interface ActivationKindCodes {
  /** max(0, x); relu'(0) = 0 */
  readonly relu: number;
  /** p0 = negative slope; derivative at 0 is the slope (PyTorch) */
  readonly leakyRelu: number;
  /** p0 = alpha; alpha * expm1(x) for x <= 0; derivative at 0 is alpha (PyTorch) */
  readonly elu: number;
  /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
  readonly geluTanh: number;
  /** 0.5 x (1 + erf(x / sqrt 2)) */
  readonly geluErf: number;
  readonly sigmoid: number;
  readonly tanh: number;
  /** p0 = beta (nonzero), p1 = threshold: x where beta x > threshold, else log1p(e^(beta x)) / beta */
  readonly softplus: number;
  /** p0 = value at x == 0; 1 for x > 0, 0 for x < 0 and NaN; derivative 0 */
  readonly heaviside: number;
}

export interface ActivationBindings {
  /** Frozen name -> code table for activationForward / activationBackward. */
  readonly activationKinds: ActivationKindCodes;

  /**
   * y = f(x) over n elements. x and y share a dtype and hold >= n elements; y may be x
   * (in place). p0 / p1 are the kind's parameters (see activationKinds), ignored otherwise.
   */
  activationForward(kind: number, x: Float32Array, y: Float32Array, n: number, p0: number, p1: number): void;
  activationForward(kind: number, x: Float64Array, y: Float64Array, n: number, p0: number, p1: number): void;

  /**
   * dx = dy * f'(x) over n elements, one fused pass. Takes x and y = f(x) (the saved
   * forward output: sigmoid, tanh and ELU read y, the others x). dx may be dy (in place).
   */
  activationBackward(
    kind: number, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array,
    n: number, p0: number, p1: number,
  ): void;
  activationBackward(
    kind: number, x: Float64Array, y: Float64Array, dy: Float64Array, dx: Float64Array,
    n: number, p0: number, p1: number,
  ): void;
}
