// The coalesced iteration space shared by the portable driver (which builds it and splits it
// across threads) and the per-ISA block functions (which walk one range of it).
#pragma once

#include <cstdint>

#include "kernels/elementwise/elementwise.h"

namespace kiln::elementwise {

constexpr int kMaxOperands = 4;  // out + up to three inputs (where)

// Dimensions of size 1 are dropped and neighbours that every operand steps through
// contiguously are merged, so a contiguous tensor of any rank is one dimension. rank >= 1;
// row-major over `shape`: the last dimension is the innermost loop.
struct Loop {
  int rank;
  std::int64_t numel;
  std::int64_t shape[kMaxRank];
  std::int64_t strides[kMaxOperands][kMaxRank];
  void* data[kMaxOperands];
};

}  // namespace kiln::elementwise

// One ISA path's leaf functions: each runs output elements [begin, end) (row-major order
// over loop.shape) of an already-validated problem. No threading in here.
#define KILN_ELEMENTWISE_DECLARE_ISA(ns)                                                      \
  namespace kiln::ns {                                                                        \
  using elementwise::BinaryOp;                                                                \
  using elementwise::DType;                                                                   \
  using elementwise::Loop;                                                                    \
  using elementwise::UnaryOp;                                                                 \
  void ew_binary_block(const Loop& loop, BinaryOp op, DType in, DType out, std::int64_t begin, \
                       std::int64_t end);                                                     \
  void ew_unary_block(const Loop& loop, UnaryOp op, DType dtype, std::int64_t begin,          \
                      std::int64_t end);                                                      \
  void ew_clamp_block(const Loop& loop, DType dtype, double lo, double hi, std::int64_t begin, \
                      std::int64_t end);                                                      \
  void ew_copy_block(const Loop& loop, DType out, DType in, std::int64_t begin, std::int64_t end); \
  void ew_fill_block(const Loop& loop, DType dtype, double value, std::int64_t begin,        \
                     std::int64_t end);                                                       \
  void ew_where_block(const Loop& loop, DType cond, DType dtype, std::int64_t begin,         \
                      std::int64_t end);                                                      \
  }

KILN_ELEMENTWISE_DECLARE_ISA(scalar)
#if defined(KILN_HAVE_AVX2)
KILN_ELEMENTWISE_DECLARE_ISA(avx2)
#endif
