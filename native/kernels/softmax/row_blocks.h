// Shared by the portable softmax-family files (never by an _avx2 TU): how rows are grouped
// into parallel blocks, and how per-sample losses are reduced.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/thread_pool.h"
#include "kernels/reduce/reduce.h"
#include "kernels/softmax/softmax.h"

namespace kiln::softmax_detail {

// Elements per parallel block: small inputs stay on the calling thread.
constexpr std::int64_t kBlockElems = 32768;

inline std::int64_t grain_for(std::int64_t elems_per_unit) {
  return std::max<std::int64_t>(1, kBlockElems / std::max<std::int64_t>(1, elems_per_unit));
}

// f(i) for every row i of an [n, c] problem, in row blocks fixed by n and c.
template <class F>
void for_each_row(std::int64_t n, std::int64_t c, F&& f) {
  cpu::parallel_range(n, grain_for(c), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) f(i);
  });
}

// Per-sample loss storage: the caller's buffer or a scratch one.
template <class T>
T* losses_or_scratch(T* losses, std::int64_t n, std::vector<T>& scratch) {
  if (losses) return losses;
  scratch.resize(static_cast<std::size_t>(n));
  return scratch.data();
}

// 'none' and 'sum' return the chunked sum of the losses; 'mean' divides it by `denominator`.
template <class T>
double reduce_losses(const T* losses, std::int64_t n, LossReduction reduction, double denominator) {
  const double sum = sum_contiguous(losses, n, false);
  return reduction == LossReduction::Mean ? sum / denominator : sum;
}

// Upstream gradient of sample i: grad[i] for 'none', else grad[0] (divided by the mean's
// denominator for 'mean').
template <class T>
T sample_grad(const T* grad, std::int64_t i, LossReduction reduction, double denominator) {
  if (reduction == LossReduction::None) return grad[i];
  return reduction == LossReduction::Mean ? static_cast<T>(grad[0] / denominator) : grad[0];
}

}  // namespace kiln::softmax_detail
