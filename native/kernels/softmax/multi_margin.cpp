// Multiclass hinge loss with PyTorch's semantics (torch.nn.functional.multi_margin_loss):
//   loss_i = sum_{j != y_i} w[y_i] * max(0, margin - x_{y_i} + x_j)^p / C,  p in {1, 2},
// 'mean' divides the sum by n. The cs231n multiclass SVM loss (seed lecture) is
// L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + delta): the same with p = 1, no weights, times C.
// Rows are short sequential loops (no exp), so there is no per-ISA leaf.
#include <vector>

#include "kernels/softmax/row_blocks.h"
#include "kernels/softmax/softmax.h"

namespace kiln {

using namespace softmax_detail;

template <class T>
double multi_margin_forward(const T* x, std::int64_t n, std::int64_t c, const std::int32_t* target,
                            const T* weight, const MultiMarginOptions& opt, T* losses) {
  std::vector<T> scratch;
  T* out = losses_or_scratch(losses, n, scratch);
  const T margin = static_cast<T>(opt.margin);
  for_each_row(n, c, [&](std::int64_t i) {
    const T* row = x + i * c;
    const std::int32_t y = target[i];
    T s = 0;
    for (std::int64_t j = 0; j < c; ++j) {
      const T z = margin - row[y] + row[j];
      if (j != y && z > 0) s += opt.p == 1 ? z : z * z;
    }
    out[i] = (weight ? weight[y] : T(1)) * s / static_cast<T>(c);
  });
  return reduce_losses(out, n, opt.reduction, static_cast<double>(n));
}

template <class T>
void multi_margin_backward(const T* x, std::int64_t n, std::int64_t c, const std::int32_t* target,
                           const T* weight, const MultiMarginOptions& opt, const T* grad, T* dx) {
  const T margin = static_cast<T>(opt.margin);
  for_each_row(n, c, [&](std::int64_t i) {
    const T* row = x + i * c;
    T* d = dx + i * c;
    const std::int32_t y = target[i];
    const T g = sample_grad(grad, i, opt.reduction, static_cast<double>(n)) * (weight ? weight[y] : T(1)) /
                static_cast<T>(c);
    T dy = 0;
    for (std::int64_t j = 0; j < c; ++j) {
      const T z = margin - row[y] + row[j];
      d[j] = (j != y && z > 0) ? (opt.p == 1 ? g : 2 * g * z) : T(0);
      dy += d[j];
    }
    d[y] = -dy;
  });
}

#define KILN_MM_INSTANTIATE(T)                                                                         \
  template double multi_margin_forward<T>(const T*, std::int64_t, std::int64_t, const std::int32_t*,    \
                                          const T*, const MultiMarginOptions&, T*);                     \
  template void multi_margin_backward<T>(const T*, std::int64_t, std::int64_t, const std::int32_t*,     \
                                         const T*, const MultiMarginOptions&, const T*, T*);
KILN_MM_INSTANTIATE(float)
KILN_MM_INSTANTIATE(double)
#undef KILN_MM_INSTANTIATE

}  // namespace kiln
