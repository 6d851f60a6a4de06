// The portable driver: builds the coalesced loop, splits it into fixed ranges for the thread
// pool and hands each range to the active ISA path.
#include "kernels/elementwise/elementwise.h"

#include "cpu/isa.h"
#include "cpu/thread_pool.h"
#include "kernels/elementwise/strided_loop.h"

namespace kiln::elementwise {
namespace {

// Ranges are cut from the flat output index only (never from the thread count) and are
// multiples of 64, so results are identical at any thread count and a tensor under 32K
// elements runs inline on the calling thread.
constexpr std::int64_t kGrain = 32768;

// Drops size-1 dimensions and merges neighbours that every operand steps through as one
// (outer stride == inner stride * inner size, which includes broadcast 0 == 0 * n).
Loop make_loop(int rank, const std::int64_t* shape, const Operand* ops, int count) {
  Loop L{};
  L.numel = 1;
  for (int d = 0; d < rank; ++d) L.numel *= shape[d];
  // An empty view's strides were never bounded by a buffer: do not multiply them.
  if (L.numel == 0) return L;
  for (int k = 0; k < count; ++k) L.data[k] = ops[k].data;
  int r = 0;
  for (int d = 0; d < rank; ++d) {
    if (shape[d] == 1) continue;
    bool merge = r > 0;
    for (int k = 0; k < count && merge; ++k) {
      merge = L.strides[k][r - 1] == ops[k].strides[d] * shape[d];
    }
    if (merge) {
      L.shape[r - 1] *= shape[d];
      for (int k = 0; k < count; ++k) L.strides[k][r - 1] = ops[k].strides[d];
    } else {
      L.shape[r] = shape[d];
      for (int k = 0; k < count; ++k) L.strides[k][r] = ops[k].strides[d];
      ++r;
    }
  }
  if (r == 0) {  // rank 0 or all sizes 1: one element
    L.shape[0] = 1;
    for (int k = 0; k < count; ++k) L.strides[k][0] = 0;
    r = 1;
  }
  L.rank = r;
  return L;
}

template <class Block>
void run(const Loop& L, Block&& block) {
  if (L.numel == 0) return;
  cpu::parallel_range(L.numel, kGrain, [&](std::int64_t b, std::int64_t e) { block(b, e); });
}

// A broadcast view of one value of a's dtype, for the scalar forms.
union ScalarValue {
  float f32;
  double f64;
  std::int32_t i32;
};

}  // namespace

bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq && op < BinaryOp::Count; }

bool binary_supported(BinaryOp op, DType in, DType out) {
  if (op < BinaryOp::Add || op >= BinaryOp::Count) return false;
  if (is_comparison(op)) return true;
  if (in != out) return false;
  return in != DType::I32 || (op != BinaryOp::Div && op != BinaryOp::Pow);
}

bool unary_supported(UnaryOp op, DType dtype) {
  if (op < UnaryOp::Neg || op >= UnaryOp::Count) return false;
  return dtype != DType::I32 || op == UnaryOp::Neg || op == UnaryOp::Abs;
}

void binary(BinaryOp op, int rank, const std::int64_t* shape, Operand out, Operand a, Operand b) {
  const Operand ops[] = {out, a, b};
  const Loop L = make_loop(rank, shape, ops, 3);
  run(L, [&](std::int64_t s, std::int64_t e) { KILN_DISPATCH(ew_binary_block, L, op, a.dtype, out.dtype, s, e); });
}

void binary_scalar(BinaryOp op, int rank, const std::int64_t* shape, Operand out, Operand a,
                   double scalar, bool scalar_first) {
  ScalarValue v{};
  switch (a.dtype) {
    case DType::F32: v.f32 = static_cast<float>(scalar); break;
    case DType::F64: v.f64 = scalar; break;
    case DType::I32: v.i32 = static_cast<std::int32_t>(scalar); break;
  }
  const std::int64_t zeros[kMaxRank] = {};
  const Operand s{&v, a.dtype, zeros};
  if (scalar_first) binary(op, rank, shape, out, s, a);
  else binary(op, rank, shape, out, a, s);
}

void unary(UnaryOp op, int rank, const std::int64_t* shape, Operand out, Operand a) {
  const Operand ops[] = {out, a};
  const Loop L = make_loop(rank, shape, ops, 2);
  run(L, [&](std::int64_t s, std::int64_t e) { KILN_DISPATCH(ew_unary_block, L, op, a.dtype, s, e); });
}

void clamp(int rank, const std::int64_t* shape, Operand out, Operand a, double lo, double hi) {
  const Operand ops[] = {out, a};
  const Loop L = make_loop(rank, shape, ops, 2);
  run(L, [&](std::int64_t s, std::int64_t e) { KILN_DISPATCH(ew_clamp_block, L, a.dtype, lo, hi, s, e); });
}

void copy(int rank, const std::int64_t* shape, Operand out, Operand a) {
  const Operand ops[] = {out, a};
  const Loop L = make_loop(rank, shape, ops, 2);
  run(L, [&](std::int64_t s, std::int64_t e) { KILN_DISPATCH(ew_copy_block, L, out.dtype, a.dtype, s, e); });
}

void fill(int rank, const std::int64_t* shape, Operand out, double value) {
  const Loop L = make_loop(rank, shape, &out, 1);
  run(L, [&](std::int64_t s, std::int64_t e) { KILN_DISPATCH(ew_fill_block, L, out.dtype, value, s, e); });
}

void where(int rank, const std::int64_t* shape, Operand out, Operand cond, Operand a, Operand b) {
  const Operand ops[] = {out, cond, a, b};
  const Loop L = make_loop(rank, shape, ops, 4);
  run(L, [&](std::int64_t s, std::int64_t e) { KILN_DISPATCH(ew_where_block, L, cond.dtype, a.dtype, s, e); });
}

}  // namespace kiln::elementwise
