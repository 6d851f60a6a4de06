// Fused softmax cross-entropy with PyTorch's semantics (torch.nn.functional.cross_entropy):
// index or probability targets, class weights, ignore_index, label smoothing, reductions.
//
// With index target y, weights w (1 when absent), smoothing e and W = sum_c w_c, a sample's
// loss is  (1-e) w_y (lse - x_y) + (e/C) sum_c w_c (lse - x_c)  (0 when y == ignore_index),
// and 'mean' divides the sum by sum_{non-ignored} w_y. With probability targets t the target
// is t' = (1-e) t + e/C, the loss is sum_c w_c t'_c (lse - x_c), and 'mean' divides by n.
// The gradient of a loss sum_c a_c (lse - x_c) is  (sum_c a_c) softmax(x) - a.
#include <cmath>
#include <vector>

#include "cpu/isa.h"
#include "kernels/softmax/row_blocks.h"
#include "kernels/softmax/softmax.h"
#include "kernels/softmax/softmax_leaf.h"

namespace kiln {
namespace {

using namespace softmax_detail;

template <class T>
double class_weight_sum(const T* weight, std::int64_t c) {
  if (!weight) return static_cast<double>(c);
  double s = 0;
  for (std::int64_t j = 0; j < c; ++j) s += weight[j];
  return s;
}

// The 'mean' denominator: sum of the non-ignored samples' target weights (index targets), or n.
template <class T>
double mean_denominator(const ClassTargets<T>& tg, std::int64_t n, std::int64_t ignore_index) {
  if (!tg.index) return static_cast<double>(n);
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int32_t y = tg.index[i];
    if (y != ignore_index) s += tg.weight ? static_cast<double>(tg.weight[y]) : 1.0;
  }
  return s;
}

}  // namespace

std::int64_t find_invalid_target(const std::int32_t* index, std::int64_t n, std::int64_t c,
                                 std::int64_t ignore_index) {
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t y = index[i];
    if (y != ignore_index && (y < 0 || y >= c)) return i;
  }
  return -1;
}

template <class T>
double cross_entropy_forward(const T* logits, std::int64_t n, std::int64_t c, const ClassTargets<T>& tg,
                             const CrossEntropyOptions& opt, T* losses, T* lse) {
  std::vector<T> scratch;
  T* out = losses_or_scratch(losses, n, scratch);
  const T eps = static_cast<T>(opt.label_smoothing);
  const T uniform = c > 0 ? eps / static_cast<T>(c) : T(0);
  for_each_row(n, c, [&](std::int64_t i) {
    const T* x = logits + i * c;
    const std::int32_t y = tg.index ? tg.index[i] : 0;
    if (tg.index && y == opt.ignore_index) {
      out[i] = 0;
      if (lse) lse[i] = 0;
      return;
    }
    const T l = KILN_DISPATCH(logsumexp_row<T>, x, c);
    if (lse) lse[i] = l;
    if (tg.prob) {
      out[i] = KILN_DISPATCH(smoothed_nll_row<T>, x, c, l, tg.weight, tg.prob + i * c, T(1) - eps, uniform);
      return;
    }
    const T wy = tg.weight ? tg.weight[y] : T(1);
    T loss = (T(1) - eps) * wy * (l - x[y]);
    // Skipped when e == 0 so that a -inf logit elsewhere does not turn 0 * inf into NaN.
    if (eps != 0) loss += KILN_DISPATCH(smoothed_nll_row<T>, x, c, l, tg.weight, static_cast<const T*>(nullptr), T(0), uniform);
    out[i] = loss;
  });
  const double denom = opt.reduction == LossReduction::Mean ? mean_denominator(tg, n, opt.ignore_index) : 1.0;
  return reduce_losses(out, n, opt.reduction, denom);
}

template <class T>
void cross_entropy_backward(const T* logits, std::int64_t n, std::int64_t c, const ClassTargets<T>& tg,
                            const CrossEntropyOptions& opt, const T* lse, const T* grad, T* dlogits) {
  const double denom = opt.reduction == LossReduction::Mean ? mean_denominator(tg, n, opt.ignore_index) : 1.0;
  const T eps = static_cast<T>(opt.label_smoothing);
  const T uniform = c > 0 ? eps / static_cast<T>(c) : T(0);
  const T weight_sum = static_cast<T>(class_weight_sum(tg.weight, c));
  for_each_row(n, c, [&](std::int64_t i) {
    const T* x = logits + i * c;
    T* dx = dlogits + i * c;
    const std::int32_t y = tg.index ? tg.index[i] : 0;
    if (tg.index && y == opt.ignore_index) {
      for (std::int64_t j = 0; j < c; ++j) dx[j] = 0;
      return;
    }
    const T g = sample_grad(grad, i, opt.reduction, denom);
    const T l = lse ? lse[i] : KILN_DISPATCH(logsumexp_row<T>, x, c);
    if (tg.prob) {
      const T* t = tg.prob + i * c;
      T total = 0;  // sum_c a_c
      for (std::int64_t j = 0; j < c; ++j) total += (tg.weight ? tg.weight[j] : T(1)) * ((T(1) - eps) * t[j] + uniform);
      KILN_DISPATCH(cross_entropy_grad_row<T>, x, dx, c, l, g * total, tg.weight, t, g * (T(1) - eps), g * uniform);
      return;
    }
    const T wy = tg.weight ? tg.weight[y] : T(1);
    const T total = (T(1) - eps) * wy + uniform * weight_sum;
    KILN_DISPATCH(cross_entropy_grad_row<T>, x, dx, c, l, g * total, tg.weight, static_cast<const T*>(nullptr), T(0),
                  g * uniform);
    dx[y] -= g * (T(1) - eps) * wy;
  });
}

#define KILN_CE_INSTANTIATE(T)                                                                              \
  template double cross_entropy_forward<T>(const T*, std::int64_t, std::int64_t, const ClassTargets<T>&,    \
                                           const CrossEntropyOptions&, T*, T*);                             \
  template void cross_entropy_backward<T>(const T*, std::int64_t, std::int64_t, const ClassTargets<T>&,     \
                                          const CrossEntropyOptions&, const T*, const T*, T*);
KILN_CE_INSTANTIATE(float)
KILN_CE_INSTANTIATE(double)
#undef KILN_CE_INSTANTIATE

}  // namespace kiln
