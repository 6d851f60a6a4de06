// Binding of the reductions: reduce(op, shape, axes|null, x, out, outIndex|null), plus the op
// codes as the constant object reduceOps (name -> code). Validation only; arithmetic in
// kernels/reduce.
#include <cstdint>
#include <limits>
#include <iterator>
#include <string>
#include <vector>

#include "addon/args.h"
#include "addon/bindings.h"
#include "kernels/reduce/reduce.h"

namespace kiln::addon {
namespace {

struct OpName {
  const char* name;
  ReduceOp op;
};
constexpr OpName kOps[] = {{"sum", ReduceOp::Sum},     {"mean", ReduceOp::Mean},   {"max", ReduceOp::Max},
                           {"min", ReduceOp::Min},     {"norm2", ReduceOp::Norm2}, {"sumSquares", ReduceOp::SumSquares}};

// Bit mask of the reduced axes; null means all axes. Negative axes count from the end.
std::uint32_t axes_mask(const Napi::CallbackInfo& info, const Args& args, std::size_t i, int rank) {
  if (info[i].IsNull()) return (1u << rank) - 1u;  // rank <= 8
  std::uint32_t mask = 0;
  for (std::int64_t a : args.int_list(i, "axes", kReduceMaxRank, true)) {
    if (a < -rank || a >= rank)
      args.range_error("argument 'axes' has axis " + std::to_string(a) + ", out of range for rank " + std::to_string(rank));
    const int axis = static_cast<int>(a < 0 ? a + rank : a);
    if (mask & (1u << axis)) args.range_error("argument 'axes' repeats axis " + std::to_string(axis));
    mask |= 1u << axis;
  }
  return mask;
}

Napi::Value reduce_binding(const Napi::CallbackInfo& info) {
  Args args(info, "reduce", 6);
  const std::int64_t code = args.integer(0, "op");
  if (code < 0 || code >= static_cast<std::int64_t>(std::size(kOps)))
    args.range_error("argument 'op' must be a code from reduceOps (0.." + std::to_string(std::size(kOps) - 1) +
                     "), got " + std::to_string(code));
  const ReduceOp op = kOps[code].op;
  const std::vector<std::int64_t> shape = args.int_list(1, "shape", kReduceMaxRank);
  const int rank = static_cast<int>(shape.size());
  const std::uint32_t mask = axes_mask(info, args, 2, rank);
  std::int64_t total = 1, outputs = 1, reduced = 1;
  for (int a = 0; a < rank; ++a) {
    total = checked_mul(args, total, shape[a], "shape size");
    if ((mask >> a) & 1u) reduced = checked_mul(args, reduced, shape[a], "reduced size");
    else outputs = checked_mul(args, outputs, shape[a], "output size");
  }
  const bool extreme = op == ReduceOp::Max || op == ReduceOp::Min;
  if (extreme && reduced == 0 && outputs > 0)
    args.range_error(std::string("cannot take the ") + kOps[code].name +
                     " of an empty reduction (a reduced axis has size 0)");
  const bool want_index = !info[5].IsNull();
  if (want_index && !extreme) args.type_error(std::string("argument 'outIndex' must be null for ") + kOps[code].name);
  if (want_index && reduced > std::numeric_limits<std::int32_t>::max())
    args.range_error("argument 'outIndex': the reduction has " + std::to_string(reduced) + " elements, more than int32 holds");
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* x = args.array<T>(3, "x", total).data;
    T* out = args.array<T>(4, "out", outputs).data;
    std::int32_t* index = want_index ? args.array<std::int32_t>(5, "outIndex", outputs).data : nullptr;
    reduce<T>(op, shape.data(), rank, mask, x, out, index);
  };
  with_float_dtype(args, 3, "x", run);
  return info.Env().Undefined();
}

}  // namespace

void register_reduce(Napi::Env env, Napi::Object exports) {
  set_function(env, exports, "reduce", reduce_binding);
  Napi::Object ops = Napi::Object::New(env);
  for (std::size_t k = 0; k < std::size(kOps); ++k) ops.Set(kOps[k].name, static_cast<double>(k));
  exports.Set("reduceOps", ops);
}

}  // namespace kiln::addon
