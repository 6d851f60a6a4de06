// The softmax family's leaf loops, written once as templates and compiled per ISA: included by
// softmax_scalar.cpp and softmax_avx2.cpp with KILN_ISA_NS set to the namespace. Row sums use
// kLanes independent accumulators in a fixed layout (so the compiler can vectorize without
// reassociating) combined in a fixed order: a row's result depends on its data only.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/softmax/softmax_leaf.h"

// GCC will not turn a floating-point compare-and-select into a vector blend while FP
// exceptions are modelled (-ftrapping-math, the default): the leaves never rely on FP traps,
// so turn that off for them (after the std headers). Clang vectorizes these selects anyway.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#ifndef KILN_ISA_NS
#error "define KILN_ISA_NS (scalar or avx2) before including softmax_leaf_impl.h"
#endif

#include "kernels/math/exp.h"

namespace kiln {
namespace KILN_ISA_NS {

#include "kernels/reduce/simd_types.h"

// exp on one register of T (exp_vec of kernels/math/exp.h on the Simd types).
template <class T>
static inline typename Simd<T>::V exp_simd(typename Simd<T>::V x) {
  return exp_vec<T, typename Simd<T>::V, typename Simd<T>::U>(x);
}

namespace {

constexpr std::int64_t kLanes = 8;

template <class T>
T combine_lanes(const T* acc) {
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

template <class T, class V>
T sum_lanes(V v) {
  T r = v[0];
  for (int l = 1; l < Simd<T>::N; ++l) r += v[l];
  return r;
}

// Max of a row; NaN entries are not tracked here, they reach the result through x - max.
template <class T>
T row_max(const T* x, std::int64_t n) {
  using V = typename Simd<T>::V;
  constexpr int N = Simd<T>::N;
  V m = V{} - std::numeric_limits<T>::infinity();
  std::int64_t i = 0;
  for (; i + N <= n; i += N) {
    const V v = load_vec<V>(x + i);
    m = v > m ? v : m;
  }
  T r = -std::numeric_limits<T>::infinity();
  for (; i < n; ++i) r = x[i] > r ? x[i] : r;
  for (int l = 0; l < N; ++l) r = m[l] > r ? m[l] : r;
  return r;
}

// sum_j exp(x_j - m), also storing the exponentials into y when y is given.
template <class T>
T exp_shift_sum(const T* x, T* y, std::int64_t n, T m) {
  using V = typename Simd<T>::V;
  constexpr int N = Simd<T>::N;
  V acc = V{};
  std::int64_t i = 0;
  for (; i + N <= n; i += N) {
    const V e = exp_simd<T>(load_vec<V>(x + i) - m);
    if (y) std::memcpy(y + i, &e, sizeof e);
    acc += e;
  }
  T tail = 0;
  for (; i < n; ++i) {
    const T e = exp_scalar(x[i] - m);
    if (y) y[i] = e;
    tail += e;
  }
  return sum_lanes<T>(acc) + tail;
}

// sum_j a_j * b_j, or sum_j a_j when b is null.
template <class T>
T row_dot(const T* a, const T* b, std::int64_t n) {
  T acc[kLanes] = {};
  std::int64_t i = 0;
  if (b) {
    for (; i + kLanes <= n; i += kLanes)
      for (std::int64_t l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
    for (; i < n; ++i) acc[0] += a[i] * b[i];
  } else {
    for (; i + kLanes <= n; i += kLanes)
      for (std::int64_t l = 0; l < kLanes; ++l) acc[l] += a[i + l];
    for (; i < n; ++i) acc[0] += a[i];
  }
  return combine_lanes(acc);
}

}  // namespace

template <class T>
void softmax_rows(bool log, const T* x, T* y, std::int64_t rows, std::int64_t dim) {
  for (std::int64_t r = 0; r < rows; ++r, x += dim, y += dim) {
    const T m = row_max(x, dim);
    if (log) {
      // (x - m) - log(s): subtracting m first keeps large logits from losing the fraction.
      const T log_sum = std::log(exp_shift_sum(x, static_cast<T*>(nullptr), dim, m));
      for (std::int64_t i = 0; i < dim; ++i) y[i] = (x[i] - m) - log_sum;
    } else {
      const T inv = T(1) / exp_shift_sum(x, y, dim, m);
      for (std::int64_t i = 0; i < dim; ++i) y[i] *= inv;
    }
  }
}

template <class T>
void softmax_backward_rows(bool log, const T* y, const T* dy, T* dx, std::int64_t rows, std::int64_t dim) {
  for (std::int64_t r = 0; r < rows; ++r, y += dim, dy += dim, dx += dim) {
    if (log) {
      const T s = row_dot(dy, static_cast<const T*>(nullptr), dim);
      for (std::int64_t i = 0; i < dim; ++i) dx[i] = dy[i] - exp_scalar(y[i]) * s;
    } else {
      const T s = row_dot(dy, y, dim);
      for (std::int64_t i = 0; i < dim; ++i) dx[i] = y[i] * (dy[i] - s);
    }
  }
}

// Along a non-last axis the reduction runs over d for `width` columns at once: each column's
// sum is sequential over d, the columns are the vector lanes.
template <class T>
void softmax_cols(bool log, const T* x, T* y, std::int64_t dim, std::int64_t inner, std::int64_t width) {
  T m[kSoftmaxTile], s[kSoftmaxTile];
  for (std::int64_t c = 0; c < width; ++c) {
    m[c] = -std::numeric_limits<T>::infinity();
    s[c] = 0;
  }
  for (std::int64_t d = 0; d < dim; ++d) {
    const T* xr = x + d * inner;
    for (std::int64_t c = 0; c < width; ++c) m[c] = xr[c] > m[c] ? xr[c] : m[c];
  }
  for (std::int64_t d = 0; d < dim; ++d) {
    const T* xr = x + d * inner;
    T* yr = y + d * inner;
    // Two loops rather than a store under `if (!log)`: exp's body is too big for GCC to unswitch
    // the condition out of the loop itself, and a conditional store does not vectorize.
    if (log) {
      for (std::int64_t c = 0; c < width; ++c) s[c] += exp_scalar(xr[c] - m[c]);
    } else {
      for (std::int64_t c = 0; c < width; ++c) {
        yr[c] = exp_scalar(xr[c] - m[c]);
        s[c] += yr[c];
      }
    }
  }
  if (log) {
    for (std::int64_t c = 0; c < width; ++c) s[c] = std::log(s[c]);
    for (std::int64_t d = 0; d < dim; ++d)
      for (std::int64_t c = 0; c < width; ++c) y[d * inner + c] = (x[d * inner + c] - m[c]) - s[c];
  } else {
    for (std::int64_t c = 0; c < width; ++c) s[c] = T(1) / s[c];
    for (std::int64_t d = 0; d < dim; ++d)
      for (std::int64_t c = 0; c < width; ++c) y[d * inner + c] *= s[c];
  }
}

template <class T>
void softmax_backward_cols(bool log, const T* y, const T* dy, T* dx, std::int64_t dim, std::int64_t inner,
                           std::int64_t width) {
  T s[kSoftmaxTile];
  for (std::int64_t c = 0; c < width; ++c) s[c] = 0;
  for (std::int64_t d = 0; d < dim; ++d)
    for (std::int64_t c = 0; c < width; ++c)
      s[c] += log ? dy[d * inner + c] : dy[d * inner + c] * y[d * inner + c];
  for (std::int64_t d = 0; d < dim; ++d) {
    const std::int64_t o = d * inner;
    if (log) {
      for (std::int64_t c = 0; c < width; ++c) dx[o + c] = dy[o + c] - exp_scalar(y[o + c]) * s[c];
    } else {
      for (std::int64_t c = 0; c < width; ++c) dx[o + c] = y[o + c] * (dy[o + c] - s[c]);
    }
  }
}

template <class T>
T logsumexp_row(const T* x, std::int64_t n) {
  const T m = row_max(x, n);
  return m + std::log(exp_shift_sum(x, static_cast<T*>(nullptr), n, m));
}

namespace {

// Calls f(std::bool_constant<has_w>, std::bool_constant<has_t>) so that the per-element
// loops are compiled without the null checks.
template <class F>
void with_presence(bool has_w, bool has_t, F&& f) {
  if (has_w) {
    if (has_t) f(std::true_type{}, std::true_type{}); else f(std::true_type{}, std::false_type{});
  } else {
    if (has_t) f(std::false_type{}, std::true_type{}); else f(std::false_type{}, std::false_type{});
  }
}

}  // namespace

template <class T>
T smoothed_nll_row(const T* x, std::int64_t n, T lse, const T* w, const T* t, T c_target, T c_uniform) {
  T acc[kLanes] = {};
  with_presence(w != nullptr, t != nullptr, [&](auto has_w, auto has_t) {
    auto term = [&](std::int64_t j) {
      T coef = c_uniform;
      if constexpr (has_t.value) coef += c_target * t[j];
      if constexpr (has_w.value) coef *= w[j];
      return coef * (lse - x[j]);
    };
    std::int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (std::int64_t l = 0; l < kLanes; ++l) acc[l] += term(i + l);
    for (; i < n; ++i) acc[0] += term(i);
  });
  return combine_lanes(acc);
}

template <class T>
void cross_entropy_grad_row(const T* x, T* dx, std::int64_t n, T lse, T g_total, const T* w, const T* t,
                            T c_target, T c_uniform) {
  with_presence(w != nullptr, t != nullptr, [&](auto has_w, auto has_t) {
    for (std::int64_t j = 0; j < n; ++j) {
      T coef = c_uniform;
      if constexpr (has_t.value) coef += c_target * t[j];
      if constexpr (has_w.value) coef *= w[j];
      dx[j] = g_total * exp_scalar(x[j] - lse) - coef;
    }
  });
}

#define KILN_SOFTMAX_INSTANTIATE(T)                                                               \
  template void softmax_rows<T>(bool, const T*, T*, std::int64_t, std::int64_t);                 \
  template void softmax_backward_rows<T>(bool, const T*, const T*, T*, std::int64_t, std::int64_t); \
  template void softmax_cols<T>(bool, const T*, T*, std::int64_t, std::int64_t, std::int64_t);   \
  template void softmax_backward_cols<T>(bool, const T*, const T*, T*, std::int64_t, std::int64_t, \
                                         std::int64_t);                                           \
  template T logsumexp_row<T>(const T*, std::int64_t);                                            \
  template T smoothed_nll_row<T>(const T*, std::int64_t, T, const T*, const T*, T, T);           \
  template void cross_entropy_grad_row<T>(const T*, T*, std::int64_t, T, T, const T*, const T*, T, T);
KILN_SOFTMAX_INSTANTIATE(float)
KILN_SOFTMAX_INSTANTIATE(double)
#undef KILN_SOFTMAX_INSTANTIATE

}  // namespace KILN_ISA_NS
}  // namespace kiln
