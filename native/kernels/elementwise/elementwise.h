// Elementwise kernels over strided N-d views with broadcasting.
//
// Every operand is a view: a data pointer (already advanced to the view's element offset)
// and one element stride per dimension of the common `shape` (stride 0 = broadcast along
// that dimension). The output is a view too. The caller (the binding) guarantees that every
// reachable element lies inside its buffer, that the output does not overlap itself, and
// that each input is either exactly the output view or does not overlap it.
//
// dtype rules (checked by the *_supported functions, which bindings call first):
//   arithmetic binary ops: a, b and out share one dtype; div and pow are float-only.
//   comparisons: a and b share a dtype; out may be any dtype (1 for true, 0 for false).
//   unary: in and out share a dtype; neg and abs also take int32, the rest are float-only.
//   copy converts between any dtypes (float -> int32 truncates toward zero, saturates,
//   NaN -> 0); where: a, b and out share a dtype, cond may be any dtype (nonzero = true).
#pragma once

#include <cstdint>

namespace kiln::elementwise {

constexpr int kMaxRank = 8;

enum class DType : int { F32 = 0, F64 = 1, I32 = 2 };

enum class BinaryOp : int {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum,  // arithmetic: out has the inputs' dtype
  Eq, Ne, Lt, Le, Gt, Ge,                     // comparisons: out is 1 or 0 in its own dtype
  Count
};

enum class UnaryOp : int { Neg, Abs, Exp, Log, Sqrt, Rsqrt, Count };

struct Operand {
  void* data;                  // element 0 of the view
  DType dtype;
  const std::int64_t* strides; // `rank` element strides
};

bool is_comparison(BinaryOp op);
bool binary_supported(BinaryOp op, DType in, DType out);
bool unary_supported(UnaryOp op, DType dtype);

// out = a op b.
void binary(BinaryOp op, int rank, const std::int64_t* shape, Operand out, Operand a, Operand b);
// out = a op scalar, or scalar op a when scalar_first. The scalar is first converted to a's
// dtype (the binding checks it is representable for int32).
void binary_scalar(BinaryOp op, int rank, const std::int64_t* shape, Operand out, Operand a,
                   double scalar, bool scalar_first);
void unary(UnaryOp op, int rank, const std::int64_t* shape, Operand out, Operand a);
// out = min(max(a, lo), hi) with NaN propagated; pass -inf / +inf for a missing bound.
void clamp(int rank, const std::int64_t* shape, Operand out, Operand a, double lo, double hi);
// out = a converted to out's dtype.
void copy(int rank, const std::int64_t* shape, Operand out, Operand a);
void fill(int rank, const std::int64_t* shape, Operand out, double value);
// out = cond != 0 ? a : b.
void where(int rank, const std::int64_t* shape, Operand out, Operand cond, Operand a, Operand b);

}  // namespace kiln::elementwise
