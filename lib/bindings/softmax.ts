// Softmax, log-softmax and the classification losses (native/kernels/softmax). Each call's
// float type comes from its first tensor; every other float array must have the same type.

export type LossReduction = 'none' | 'sum' | 'mean';

export interface SoftmaxBindings {
  /** y = softmax (or log-softmax when `log`) of contiguous x [outer, dim, inner] along dim. */
  softmaxForward<T extends Float32Array | Float64Array>(
    log: boolean, outer: number, dim: number, inner: number, x: T, y: T,
  ): void;
  /**
   * dx from the forward output y and upstream dy, all [outer, dim, inner]:
   * softmax dx = y (dy - sum(dy y)); log-softmax dx = dy - exp(y) sum(dy). dx may be dy.
   */
  softmaxBackward<T extends Float32Array | Float64Array>(
    log: boolean, outer: number, dim: number, inner: number, y: T, dy: T, dx: T,
  ): void;
  /**
   * Fused softmax cross-entropy of logits [n, c] with PyTorch's semantics. `target`: Int32Array
   * class indices [n] (each in [0, c) or `ignoreIndex`) or class probabilities [n, c] of the
   * logits' type. `weight`: class weights [c] or null. `labelSmoothing` in [0, 1]. Writes the
   * per-sample losses [n] into `losses` (required for 'none') and each row's log-sum-exp into
   * `lse` [n] (pass it to the backward so it is one sweep). Returns the reduced loss ('none':
   * the sum of the losses).
   */
  crossEntropyForward<T extends Float32Array | Float64Array>(
    logits: T, n: number, c: number, target: Int32Array | T, weight: T | null, ignoreIndex: number,
    labelSmoothing: number, reduction: LossReduction, losses: T | null, lse: T | null,
  ): number;
  /**
   * dlogits [n, c] of the cross-entropy, given the upstream `grad` ([1] for sum/mean, [n] for
   * none) and the forward's `lse` (or null to recompute). Other arguments as the forward.
   */
  crossEntropyBackward<T extends Float32Array | Float64Array>(
    logits: T, n: number, c: number, target: Int32Array | T, weight: T | null, ignoreIndex: number,
    labelSmoothing: number, reduction: LossReduction, lse: T | null, grad: T, dlogits: T,
  ): void;
  /**
   * PyTorch's multi_margin_loss of x [n, c] with class indices `target` [n]:
   * loss_i = sum_{j != y_i} weight[y_i] max(0, margin - x[y_i] + x[j])^p / c, p = 1 or 2.
   * (The cs231n multiclass SVM loss is p = 1, no weights, times c.) Returns the reduced loss.
   */
  multiMarginForward<T extends Float32Array | Float64Array>(
    x: T, n: number, c: number, target: Int32Array, weight: T | null, p: 1 | 2, margin: number,
    reduction: LossReduction, losses: T | null,
  ): number;
  /** dx [n, c] of multiMarginForward given the upstream `grad` ([1] for sum/mean, [n] for none). */
  multiMarginBackward<T extends Float32Array | Float64Array>(
    x: T, n: number, c: number, target: Int32Array, weight: T | null, p: 1 | 2, margin: number,
    reduction: LossReduction, grad: T, dx: T,
  ): void;
}
