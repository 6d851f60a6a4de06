// Softmax family: softmax / log-softmax along an axis, fused softmax cross-entropy and the
// multiclass hinge loss (PyTorch's multi_margin_loss), forward and backward, fp32 and fp64.
// Plain C++ on raw pointers; callers (the bindings) validate sizes and target indices.
// Every result is bit-identical at any thread count (see docs/reduce.md).
#pragma once

#include <cstdint>

namespace kiln {

// x, y: contiguous [outer, dim, inner]; softmax along dim.
template <class T>
void softmax_forward(bool log, std::int64_t outer, std::int64_t dim, std::int64_t inner, const T* x, T* y);
// dx from the forward output y and upstream dy (all [outer, dim, inner]). dx may alias dy.
template <class T>
void softmax_backward(bool log, std::int64_t outer, std::int64_t dim, std::int64_t inner, const T* y,
                      const T* dy, T* dx);

enum class LossReduction { None = 0, Sum = 1, Mean = 2 };

// Targets of a classification loss over logits [n, c]: class indices or class probabilities.
template <class T>
struct ClassTargets {
  const std::int32_t* index = nullptr;  // [n], or null when probabilities are given
  const T* prob = nullptr;              // [n, c]
  const T* weight = nullptr;            // [c] class weights, optional
};

// First sample whose class index is outside [0, c) and is not `ignore_index`, or -1.
std::int64_t find_invalid_target(const std::int32_t* index, std::int64_t n, std::int64_t c,
                                 std::int64_t ignore_index);

struct CrossEntropyOptions {
  std::int64_t ignore_index = -100;  // index targets only
  double label_smoothing = 0;        // in [0, 1]
  LossReduction reduction = LossReduction::Mean;
};

// Per-sample losses into `losses` [n] (may be null) and, when `lse` [n] is given, each row's
// log-sum-exp so the backward pass needs one sweep. Returns the reduced loss ('none': the sum).
template <class T>
double cross_entropy_forward(const T* logits, std::int64_t n, std::int64_t c, const ClassTargets<T>& targets,
                             const CrossEntropyOptions& opt, T* losses, T* lse);
// dlogits [n, c]; grad is the upstream gradient: one value for sum/mean, [n] for none.
// lse: the forward's, or null to recompute.
template <class T>
void cross_entropy_backward(const T* logits, std::int64_t n, std::int64_t c, const ClassTargets<T>& targets,
                            const CrossEntropyOptions& opt, const T* lse, const T* grad, T* dlogits);

struct MultiMarginOptions {
  int p = 1;  // 1 or 2
  double margin = 1;
  LossReduction reduction = LossReduction::Mean;
};

// PyTorch's multi_margin_loss: loss_i = sum_{j != y_i} w[y_i] * max(0, margin - x_{y_i} + x_j)^p / c.
// (The cs231n multiclass SVM loss is this with p = 1, no weights, times c.) Index targets only.
template <class T>
double multi_margin_forward(const T* x, std::int64_t n, std::int64_t c, const std::int32_t* target,
                            const T* weight, const MultiMarginOptions& opt, T* losses);
template <class T>
void multi_margin_backward(const T* x, std::int64_t n, std::int64_t c, const std::int32_t* target,
                           const T* weight, const MultiMarginOptions& opt, const T* grad, T* dx);

}  // namespace kiln
