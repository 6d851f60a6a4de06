// Bindings for the strided elementwise kernels. Every view is passed as
// (typedArray, strides: number[], offset: number) over a shared shape: number[].
// Validation: rank <= 8, one non-negative stride per dimension, every reachable element
// inside its array (checked arithmetic), dtypes per op, and an output that cannot write one
// element twice.
#include <utility>
#include <cmath>
#include <string>
#include <vector>

#include "addon/args.h"
#include "addon/bindings.h"
#include "kernels/elementwise/elementwise.h"

namespace kiln::addon {
namespace {

namespace ew = kiln::elementwise;

const char* const kBinaryNames[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum",
                                    "eq",  "ne",  "lt",  "le",  "gt",  "ge"};
const char* const kUnaryNames[] = {"neg", "abs", "exp", "log", "sqrt", "rsqrt"};
static_assert(sizeof(kBinaryNames) / sizeof(*kBinaryNames) == int(ew::BinaryOp::Count));
static_assert(sizeof(kUnaryNames) / sizeof(*kUnaryNames) == int(ew::UnaryOp::Count));

ew::DType to_kernel(DType d) {
  switch (d) {
    case DType::Float32: return ew::DType::F32;
    case DType::Float64: return ew::DType::F64;
    case DType::Int32: return ew::DType::I32;
  }
  return ew::DType::F32;
}

const char* name_of(ew::DType d) {
  return d == ew::DType::F32 ? "float32" : d == ew::DType::F64 ? "float64" : "int32";
}

struct Shape {
  std::vector<std::int64_t> dims;
  std::int64_t numel = 1;
};

Shape read_shape(const Args& args, std::size_t i) {
  Shape s;
  s.dims = args.int_list(i, "shape", ew::kMaxRank);
  for (std::int64_t d : s.dims) s.numel = checked_mul(args, s.numel, d, "shape's element count");
  return s;
}

struct View {
  ew::Operand op;
  std::vector<std::int64_t> strides;
};

// Reads the view at (i, i + 1, i + 2) and checks it stays inside its array.
View read_view(const Args& args, std::size_t i, const Shape& shape, const char* name,
               const char* strides_name, const char* offset_name) {
  View v;
  const DType dt = args.dtype(i, name);
  void* base = nullptr;
  std::int64_t length = 0;
  auto take = [&](auto span, std::size_t elem) {
    base = span.data;
    length = span.length;
    return elem;
  };
  const std::size_t elem = dt == DType::Float32   ? take(args.array<float>(i, name), 4)
                           : dt == DType::Float64 ? take(args.array<double>(i, name), 8)
                                                  : take(args.array<std::int32_t>(i, name), 4);
  v.strides = args.int_list(i + 1, strides_name, ew::kMaxRank);
  if (v.strides.size() != shape.dims.size()) {
    args.range_error(std::string("argument '") + strides_name + "' has " + std::to_string(v.strides.size()) +
                     " items but the shape has rank " + std::to_string(shape.dims.size()));
  }
  const std::int64_t offset = args.size(i + 2, offset_name);
  if (shape.numel == 0) {
    if (offset > length) {
      args.range_error(std::string("argument '") + offset_name + "' (" + std::to_string(offset) +
                       ") is past the end of '" + name + "' (" + std::to_string(length) + " elements)");
    }
  } else {
    std::int64_t last = offset;
    for (std::size_t d = 0; d < shape.dims.size(); ++d) {
      last = checked_add(args, last, checked_mul(args, shape.dims[d] - 1, v.strides[d], strides_name), strides_name);
    }
    if (last >= length) {
      args.range_error(std::string("argument '") + name + "' has " + std::to_string(length) +
                       " elements but its view (offset " + std::to_string(offset) + ", '" + strides_name +
                       "') reaches element " + std::to_string(last));
    }
  }
  v.op = ew::Operand{base ? static_cast<char*>(base) + offset * static_cast<std::int64_t>(elem) : nullptr,
                     to_kernel(dt), v.strides.data()};
  return v;
}

// The output must not write one element twice (stride 0 on a broadcast dimension, or
// dimensions that interleave): a sufficient check is that, ordered by stride, each
// dimension's stride passes the furthest element the smaller ones reach.
void check_output_layout(const Args& args, const Shape& shape, const View& out) {
  std::int64_t order[ew::kMaxRank];
  int n = 0;
  for (std::size_t d = 0; d < shape.dims.size(); ++d) {
    if (shape.dims[d] > 1) order[n++] = static_cast<std::int64_t>(d);
  }
  for (int k = 1; k < n; ++k) {  // insertion sort by stride: at most 8 items
    for (int j = k; j > 0 && out.strides[order[j]] < out.strides[order[j - 1]]; --j) std::swap(order[j], order[j - 1]);
  }
  std::int64_t reach = 0;
  for (int k = 0; k < n; ++k) {
    const std::int64_t d = order[k];
    if (out.strides[d] <= reach) {
      args.range_error("argument 'outStrides' makes the output write some elements more than once (dimension " +
                       std::to_string(d) + ", stride " + std::to_string(out.strides[d]) + ")");
    }
    reach += (shape.dims[d] - 1) * out.strides[d];
  }
}

View read_output(const Args& args, std::size_t i, const Shape& shape) {
  View out = read_view(args, i, shape, "out", "outStrides", "outOffset");
  if (shape.numel > 0) check_output_layout(args, shape, out);
  return out;
}

void require_same_dtype(const Args& args, const View& v, const char* name, const View& ref, const char* ref_name) {
  if (v.op.dtype != ref.op.dtype) {
    args.type_error(std::string("argument '") + name + "' must have the dtype of '" + ref_name + "' (" +
                    name_of(ref.op.dtype) + "), got " + name_of(v.op.dtype));
  }
}

int read_code(const Args& args, std::size_t i, const char* what, int count) {
  const std::int64_t code = args.integer(i, "op");
  if (code < 0 || code >= count) {
    args.range_error(std::string("argument 'op' must be a ") + what + " op code (0.." + std::to_string(count - 1) +
                     "), got " + std::to_string(code));
  }
  return static_cast<int>(code);
}

// A number to be stored in `dtype`: int32 takes integers in range only.
double read_value(const Args& args, std::size_t i, const char* name, ew::DType dtype, bool allow_infinite = false) {
  const double v = args.number(i, name);
  if (dtype == ew::DType::I32 && !(allow_infinite && std::isinf(v))) {
    if (!(v == std::floor(v) && v >= -2147483648.0 && v <= 2147483647.0)) {
      args.range_error(std::string("argument '") + name + "' must be an int32 integer for an int32 tensor, got " +
                       std::to_string(v));
    }
  }
  return v;
}

void check_binary_dtypes(const Args& args, ew::BinaryOp op, const View& out, const View& a) {
  const int code = static_cast<int>(op);
  if (!ew::binary_supported(op, a.op.dtype, out.op.dtype)) {
    if (!ew::is_comparison(op) && out.op.dtype != a.op.dtype) require_same_dtype(args, out, "out", a, "a");
    args.type_error(std::string("op '") + kBinaryNames[code] + "' does not support " + name_of(a.op.dtype));
  }
}

const std::int64_t* dims(const Shape& s) { return s.dims.data(); }
int rank(const Shape& s) { return static_cast<int>(s.dims.size()); }

// binary(op, shape, out, outStrides, outOffset, a, aStrides, aOffset, b, bStrides, bOffset)
Napi::Value binary(const Napi::CallbackInfo& info) {
  Args args(info, "binary", 11);
  const auto op = static_cast<ew::BinaryOp>(read_code(args, 0, "binary", int(ew::BinaryOp::Count)));
  const Shape shape = read_shape(args, 1);
  const View out = read_output(args, 2, shape);
  const View a = read_view(args, 5, shape, "a", "aStrides", "aOffset");
  const View b = read_view(args, 8, shape, "b", "bStrides", "bOffset");
  require_same_dtype(args, b, "b", a, "a");
  check_binary_dtypes(args, op, out, a);
  ew::binary(op, rank(shape), dims(shape), out.op, a.op, b.op);
  return info.Env().Undefined();
}

// binaryScalar(op, shape, out, outStrides, outOffset, a, aStrides, aOffset, scalar, scalarFirst)
Napi::Value binary_scalar(const Napi::CallbackInfo& info) {
  Args args(info, "binaryScalar", 10);
  const auto op = static_cast<ew::BinaryOp>(read_code(args, 0, "binary", int(ew::BinaryOp::Count)));
  const Shape shape = read_shape(args, 1);
  const View out = read_output(args, 2, shape);
  const View a = read_view(args, 5, shape, "a", "aStrides", "aOffset");
  const double scalar = read_value(args, 8, "scalar", a.op.dtype);
  const bool scalar_first = args.boolean(9, "scalarFirst");
  check_binary_dtypes(args, op, out, a);
  ew::binary_scalar(op, rank(shape), dims(shape), out.op, a.op, scalar, scalar_first);
  return info.Env().Undefined();
}

// unary(op, shape, out, outStrides, outOffset, a, aStrides, aOffset)
Napi::Value unary(const Napi::CallbackInfo& info) {
  Args args(info, "unary", 8);
  const auto op = static_cast<ew::UnaryOp>(read_code(args, 0, "unary", int(ew::UnaryOp::Count)));
  const Shape shape = read_shape(args, 1);
  const View out = read_output(args, 2, shape);
  const View a = read_view(args, 5, shape, "a", "aStrides", "aOffset");
  require_same_dtype(args, out, "out", a, "a");
  if (!ew::unary_supported(op, a.op.dtype)) {
    args.type_error(std::string("op '") + kUnaryNames[int(op)] + "' does not support " + name_of(a.op.dtype));
  }
  ew::unary(op, rank(shape), dims(shape), out.op, a.op);
  return info.Env().Undefined();
}

// clamp(shape, out, outStrides, outOffset, a, aStrides, aOffset, min, max); +-Infinity = no bound.
Napi::Value clamp(const Napi::CallbackInfo& info) {
  Args args(info, "clamp", 9);
  const Shape shape = read_shape(args, 0);
  const View out = read_output(args, 1, shape);
  const View a = read_view(args, 4, shape, "a", "aStrides", "aOffset");
  require_same_dtype(args, out, "out", a, "a");
  const double lo = read_value(args, 7, "min", a.op.dtype, true);
  const double hi = read_value(args, 8, "max", a.op.dtype, true);
  if (std::isnan(lo)) args.range_error("argument 'min' must not be NaN");
  if (std::isnan(hi)) args.range_error("argument 'max' must not be NaN");
  ew::clamp(rank(shape), dims(shape), out.op, a.op, lo, hi);
  return info.Env().Undefined();
}

// copy(shape, out, outStrides, outOffset, a, aStrides, aOffset): converts between dtypes.
Napi::Value copy(const Napi::CallbackInfo& info) {
  Args args(info, "copy", 7);
  const Shape shape = read_shape(args, 0);
  const View out = read_output(args, 1, shape);
  const View a = read_view(args, 4, shape, "a", "aStrides", "aOffset");
  ew::copy(rank(shape), dims(shape), out.op, a.op);
  return info.Env().Undefined();
}

// fill(shape, out, outStrides, outOffset, value)
Napi::Value fill(const Napi::CallbackInfo& info) {
  Args args(info, "fill", 5);
  const Shape shape = read_shape(args, 0);
  const View out = read_output(args, 1, shape);
  const double value = read_value(args, 4, "value", out.op.dtype);
  ew::fill(rank(shape), dims(shape), out.op, value);
  return info.Env().Undefined();
}

// where(shape, out, outStrides, outOffset, cond, condStrides, condOffset, a, aStrides, aOffset,
//       b, bStrides, bOffset)
Napi::Value where(const Napi::CallbackInfo& info) {
  Args args(info, "where", 13);
  const Shape shape = read_shape(args, 0);
  const View out = read_output(args, 1, shape);
  const View cond = read_view(args, 4, shape, "cond", "condStrides", "condOffset");
  const View a = read_view(args, 7, shape, "a", "aStrides", "aOffset");
  const View b = read_view(args, 10, shape, "b", "bStrides", "bOffset");
  require_same_dtype(args, b, "b", a, "a");
  require_same_dtype(args, out, "out", a, "a");
  ew::where(rank(shape), dims(shape), out.op, cond.op, a.op, b.op);
  return info.Env().Undefined();
}

Napi::Object code_table(Napi::Env env, const char* const* names, int count) {
  Napi::Object table = Napi::Object::New(env);
  for (int k = 0; k < count; ++k) table.Set(names[k], k);
  table.Freeze();
  return table;
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  set_function(env, exports, "binary", binary);
  set_function(env, exports, "binaryScalar", binary_scalar);
  set_function(env, exports, "unary", unary);
  set_function(env, exports, "clamp", clamp);
  set_function(env, exports, "copy", copy);
  set_function(env, exports, "fill", fill);
  set_function(env, exports, "where", where);
  exports.Set("binaryOps", code_table(env, kBinaryNames, int(ew::BinaryOp::Count)));
  exports.Set("unaryOps", code_table(env, kUnaryNames, int(ew::UnaryOp::Count)));
}

}  // namespace kiln::addon
