// Per-ISA leaf kernels of the softmax family: single-threaded loops over contiguous memory.
// softmax.cpp, cross_entropy.cpp and multi_margin.cpp do the threading and pick the ISA with
// KILN_DISPATCH. Defined once in softmax_leaf_impl.h and compiled per ISA.
#pragma once

#include <cstdint>

#define KILN_SOFTMAX_LEAF_DECLS                                                                  \
  /* rows x dim rows, each contiguous (inner == 1). */                                           \
  template <class T> void softmax_rows(bool log, const T* x, T* y, std::int64_t rows, std::int64_t dim); \
  template <class T>                                                                             \
  void softmax_backward_rows(bool log, const T* y, const T* dy, T* dx, std::int64_t rows, std::int64_t dim); \
  /* `width` (<= kSoftmaxTile) adjacent columns of a [dim, inner] slab: x points at column 0. */ \
  template <class T>                                                                             \
  void softmax_cols(bool log, const T* x, T* y, std::int64_t dim, std::int64_t inner, std::int64_t width); \
  template <class T>                                                                             \
  void softmax_backward_cols(bool log, const T* y, const T* dy, T* dx, std::int64_t dim,        \
                             std::int64_t inner, std::int64_t width);                            \
  /* log(sum(exp(x))) of one row, max-shifted. */                                                \
  template <class T> T logsumexp_row(const T* x, std::int64_t n);                                \
  /* sum_j w_j * (c_target * t_j + c_uniform) * (lse - x_j); w == null means 1, t == null 0. */  \
  template <class T>                                                                             \
  T smoothed_nll_row(const T* x, std::int64_t n, T lse, const T* w, const T* t, T c_target, T c_uniform); \
  /* dx_j = g_total * exp(x_j - lse) - w_j * (c_target * t_j + c_uniform); same null rules. */  \
  template <class T>                                                                             \
  void cross_entropy_grad_row(const T* x, T* dx, std::int64_t n, T lse, T g_total, const T* w,   \
                              const T* t, T c_target, T c_uniform);

namespace kiln {
// Columns handled together when softmax runs along a non-last axis (stack buffers of this size).
constexpr std::int64_t kSoftmaxTile = 64;
namespace scalar { KILN_SOFTMAX_LEAF_DECLS }
namespace avx2 { KILN_SOFTMAX_LEAF_DECLS }
}  // namespace kiln
