// The reduction leaves, written once and compiled per ISA: included by reduce_scalar.cpp and
// reduce_avx2.cpp with KILN_ISA_NS set. Sums accumulate in double (also for fp32 input) in 8
// independent lanes so the compiler vectorizes without reassociating.
#include <cstdint>

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
  // Lane l sees positions l, l + 8, ...: each lane keeps its own first extreme, then the lanes
  // are merged preferring the better value and, on ties, the smaller position.
  T b[kLanes] = {};
  std::int64_t at[kLanes] = {};
  const std::int64_t lanes = n < kLanes ? n : kLanes;
  for (std::int64_t l = 0; l < lanes; ++l) { b[l] = x[l]; at[l] = l; }
  std::int64_t i = kLanes;
  for (; i + kLanes <= n; i += kLanes)
    for (std::int64_t l = 0; l < kLanes; ++l)
      if (replaces(x[i + l], b[l], is_max)) { b[l] = x[i + l]; at[l] = i + l; }
  for (std::int64_t l = 0; i < n; ++i, ++l)
    if (replaces(x[i], b[l], is_max)) { b[l] = x[i]; at[l] = i; }
  T rb = b[0];
  std::int64_t ri = at[0];
  for (std::int64_t l = 1; l < lanes; ++l) {
    const bool tie = b[l] == rb || (b[l] != b[l] && rb != rb);
    if (replaces(b[l], rb, is_max) || (tie && at[l] < ri)) { rb = b[l]; ri = at[l]; }
  }
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
