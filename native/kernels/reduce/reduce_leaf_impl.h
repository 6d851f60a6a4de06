// The reduction leaves, written once and compiled per ISA: included by reduce_scalar.cpp and
// reduce_avx2.cpp with KILN_ISA_NS set. Sums accumulate in double (also for fp32 input) in 8
// independent lanes so the compiler vectorizes without reassociating.
#include <cstdint>
#include <cstring>

#include "kernels/reduce/reduce_leaf.h"

// GCC will not turn a floating-point compare-and-select into a vector blend while FP
// exceptions are modelled (-ftrapping-math, the default): the leaves never rely on FP traps,
// so turn that off for them (after the std headers). Clang vectorizes these selects anyway.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

#ifndef KILN_ISA_NS
#error "define KILN_ISA_NS (scalar or avx2) before including reduce_leaf_impl.h"
#endif

namespace kiln {
namespace KILN_ISA_NS {

#include "kernels/reduce/simd_types.h"

namespace {

constexpr std::int64_t kLanes = 8;

template <bool kSquare, class T>
double lane_sum(const T* x, std::int64_t n) {
  double acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::int64_t l = 0; l < kLanes; ++l) {
      const double v = static_cast<double>(x[i + l]);
      acc[l] += kSquare ? v * v : v;
    }
  for (std::int64_t l = 0; i < n; ++i, ++l) {
    const double v = static_cast<double>(x[i]);
    acc[l] += kSquare ? v * v : v;
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

template <bool kSquare, class T>
void lane_tile(double* acc, const T* x, std::int64_t n) {
  for (std::int64_t k = 0; k < n; ++k) {
    const double v = static_cast<double>(x[k]);
    acc[k] += kSquare ? v * v : v;
  }
}

// Whether v replaces the running extreme b: strictly better (so the first occurrence stays),
// or the first NaN.
template <class T>
inline bool replaces(T v, T b, bool is_max) {
  if (v != v) return b == b;
  return is_max ? v > b : v < b;
}

}  // namespace

template <class T>
double sum_chunk(const T* x, std::int64_t n, bool square) {
  return square ? lane_sum<true>(x, n) : lane_sum<false>(x, n);
}

template <class T>
void sum_tile(double* acc, const T* x, std::int64_t n, bool square) {
  if (square) lane_tile<true>(acc, x, n); else lane_tile<false>(acc, x, n);
}

template <class T>
void extreme_row(const T* x, std::int64_t n, bool is_max, T* best, std::int64_t* index) {
  // Lane l sees positions l, l + N, ...: each lane keeps its own first extreme (a NaN sticks),
  // then the lanes merge preferring the better value and, on ties, the smaller position;
  // the tail comes last (its positions are the largest). Lane positions are M-typed: callers
  // keep n below 2^31 for fp32.
  using V = typename Simd<T>::V;
  using M = typename Simd<T>::M;
  constexpr int N = Simd<T>::N;
  T rb = x[0];
  std::int64_t ri = 0, i = 1;
  if (n >= 2 * N) {
    V b = load_vec<V>(x);
    M at, pos;
    for (int l = 0; l < N; ++l) at[l] = l;
    pos = at;
    for (i = N; i + N <= n; i += N) {
      const V v = load_vec<V>(x + i);
      pos += N;
      const M better = is_max ? (v > b) : (v < b);
      const M take = better | ((v != v) & (b == b));
      b = take ? v : b;
      at = take ? pos : at;
    }
    rb = b[0];
    ri = at[0];
    for (int l = 1; l < N; ++l) {
      const bool tie = b[l] == rb || (b[l] != b[l] && rb != rb);
      if (replaces(b[l], rb, is_max) || (tie && at[l] < ri)) { rb = b[l]; ri = at[l]; }
    }
  }
  for (; i < n; ++i)
    if (replaces(x[i], rb, is_max)) { rb = x[i]; ri = i; }
  *best = rb;
  *index = ri;
}

template <class T>
void extreme_tile(T* best, std::int64_t* index, const T* x, std::int64_t n, std::int64_t pos, bool is_max) {
  for (std::int64_t k = 0; k < n; ++k)
    if (replaces(x[k], best[k], is_max)) { best[k] = x[k]; index[k] = pos; }
}

#define KILN_REDUCE_INSTANTIATE(T)                                                               \
  template double sum_chunk<T>(const T*, std::int64_t, bool);                                    \
  template void sum_tile<T>(double*, const T*, std::int64_t, bool);                              \
  template void extreme_row<T>(const T*, std::int64_t, bool, T*, std::int64_t*);                 \
  template void extreme_tile<T>(T*, std::int64_t*, const T*, std::int64_t, std::int64_t, bool);
KILN_REDUCE_INSTANTIATE(float)
KILN_REDUCE_INSTANTIATE(double)
#undef KILN_REDUCE_INSTANTIATE

}  // namespace KILN_ISA_NS
}  // namespace kiln
