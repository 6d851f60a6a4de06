// Per-ISA leaf loops of the reductions (single-threaded, contiguous memory); reduce.cpp does
// the planning, threading and dispatch. Defined once in reduce_leaf_impl.h, compiled per ISA.
#pragma once

#include <cstdint>

#define KILN_REDUCE_LEAF_DECLS                                                                     \
  /* Sum of x (or x^2) over n <= kSumChunk values: 8 double lanes combined in a fixed tree. */     \
  template <class T> double sum_chunk(const T* x, std::int64_t n, bool square);                    \
  /* acc[k] += x[k] (or x[k]^2) for k < n. */                                                     \
  template <class T> void sum_tile(double* acc, const T* x, std::int64_t n, bool square);          \
  /* Max (or min) of a row and its first index; a NaN wins, the first NaN. n >= 1. */              \
  template <class T> void extreme_row(const T* x, std::int64_t n, bool is_max, T* best, std::int64_t* index); \
  /* Elementwise update of running extremes with row x at reduction position pos. */              \
  template <class T>                                                                               \
  void extreme_tile(T* best, std::int64_t* index, const T* x, std::int64_t n, std::int64_t pos, bool is_max);

namespace kiln {
namespace scalar { KILN_REDUCE_LEAF_DECLS }
namespace avx2 { KILN_REDUCE_LEAF_DECLS }
}  // namespace kiln
