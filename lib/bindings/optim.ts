// Fused optimizer steps (native/kernels/optim): one native pass per parameter array, with
// PyTorch's torch.optim.SGD / Adam / AdamW arithmetic. Param and state are updated in place;
// every array has the param's type (Float32Array or Float64Array) and exact length.

export type FloatArray = Float32Array | Float64Array;

export interface OptimBindings {
  /**
   * One SGD step: d = ±grad (+ weightDecay·param); with momentum, buf = d on the first step
   * (no dampening) and momentum·buf + (1 − dampening)·d after, d = nesterov ? d + momentum·buf
   * : buf; param −= lr·d. `momentumBuf` may be null when momentum is 0 (it is ignored then).
   * Throws for lr, momentum or weightDecay < 0, and for nesterov without momentum > 0 and
   * dampening = 0.
   */
  sgdStep<T extends FloatArray>(
    param: T,
    grad: T,
    momentumBuf: T | null,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    maximize: boolean,
    firstStep: boolean,
  ): void;

  /**
   * One Adam (decoupled = false: L2 term added to the gradient) or AdamW (decoupled = true:
   * param *= 1 − lr·weightDecay) step, with PyTorch's bias correction for the 1-based `step`:
   * param −= lr/(1 − beta1^step) · m / (sqrt(v)/sqrt(1 − beta2^step) + eps). With amsgrad,
   * `vmax` keeps the running max of v and replaces v in the denominator (required then; may be
   * null otherwise). Throws for lr, eps or weightDecay < 0, betas outside [0, 1), step < 1.
   */
  adamStep<T extends FloatArray>(
    param: T,
    grad: T,
    m: T,
    v: T,
    vmax: T | null,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
    amsgrad: boolean,
    maximize: boolean,
    step: number,
  ): void;
}
