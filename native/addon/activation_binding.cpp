// Bindings for the fused activation kernels over contiguous float32/float64 arrays.
#include <cmath>
#include <string>
#include <type_traits>

#include "addon/args.h"
#include "addon/bindings.h"
#include "kernels/activation/activation.h"

namespace kiln::addon {
namespace {

using activation::Kind;

const char* const kKindNames[] = {"relu", "leakyRelu", "elu", "geluTanh", "geluErf",
                                  "sigmoid", "tanh", "softplus", "heaviside"};
static_assert(sizeof(kKindNames) / sizeof(*kKindNames) == int(Kind::Count));

Kind read_kind(const Args& args) {
  const std::int64_t code = args.integer(0, "kind");
  if (code < 0 || code >= int(Kind::Count)) {
    args.range_error("argument 'kind' must be an activation kind code (0.." + std::to_string(int(Kind::Count) - 1) +
                     "), got " + std::to_string(code));
  }
  return static_cast<Kind>(code);
}

struct Params {
  double p0, p1;
};

// p0/p1 are numbers for every kind; the kinds that use them need finite values (and a
// nonzero softplus beta). heaviside's value at 0 may be anything, NaN included.
Params read_params(const Args& args, Kind kind, std::size_t i) {
  const double p0 = args.number(i, "p0");
  const double p1 = args.number(i + 1, "p1");
  const char* kind_name = kKindNames[int(kind)];
  const bool uses_p0 = kind == Kind::LeakyRelu || kind == Kind::Elu || kind == Kind::Softplus;
  if (uses_p0 && !std::isfinite(p0)) {
    args.range_error(std::string("argument 'p0' must be finite for ") + kind_name + ", got " + std::to_string(p0));
  }
  if (kind == Kind::Softplus) {
    if (p0 == 0) args.range_error("argument 'p0' (softplus beta) must be nonzero");
    if (std::isnan(p1)) args.range_error("argument 'p1' (softplus threshold) must not be NaN");
  }
  return {p0, p1};
}

template <class T>
void forward_typed(const Args& args, Kind kind, std::int64_t n, double p0, double p1) {
  const Span<T> x = args.array<T>(1, "x", n);
  const Span<T> y = args.array<T>(2, "y", n);
  if constexpr (std::is_same_v<T, float>) activation::forward_f32(kind, x.data, y.data, n, p0, p1);
  else activation::forward_f64(kind, x.data, y.data, n, p0, p1);
}

template <class T>
void backward_typed(const Args& args, Kind kind, std::int64_t n, double p0, double p1) {
  const Span<T> x = args.array<T>(1, "x", n);
  const Span<T> y = args.array<T>(2, "y", n);
  const Span<T> dy = args.array<T>(3, "dy", n);
  const Span<T> dx = args.array<T>(4, "dx", n);
  if constexpr (std::is_same_v<T, float>) activation::backward_f32(kind, x.data, y.data, dy.data, dx.data, n, p0, p1);
  else activation::backward_f64(kind, x.data, y.data, dy.data, dx.data, n, p0, p1);
}

// activationForward(kind, x, y, n, p0, p1)
Napi::Value forward(const Napi::CallbackInfo& info) {
  Args args(info, "activationForward", 6);
  const Kind kind = read_kind(args);
  const DType dt = args.float_dtype(1, "x");
  const std::int64_t n = args.size(3, "n");
  const Params p = read_params(args, kind, 4);
  if (dt == DType::Float32) forward_typed<float>(args, kind, n, p.p0, p.p1);
  else forward_typed<double>(args, kind, n, p.p0, p.p1);
  return info.Env().Undefined();
}

// activationBackward(kind, x, y, dy, dx, n, p0, p1)
Napi::Value backward(const Napi::CallbackInfo& info) {
  Args args(info, "activationBackward", 8);
  const Kind kind = read_kind(args);
  const DType dt = args.float_dtype(1, "x");
  const std::int64_t n = args.size(5, "n");
  const Params p = read_params(args, kind, 6);
  if (dt == DType::Float32) backward_typed<float>(args, kind, n, p.p0, p.p1);
  else backward_typed<double>(args, kind, n, p.p0, p.p1);
  return info.Env().Undefined();
}

}  // namespace

void register_activation(Napi::Env env, Napi::Object exports) {
  set_function(env, exports, "activationForward", forward);
  set_function(env, exports, "activationBackward", backward);
  Napi::Object kinds = Napi::Object::New(env);
  for (int k = 0; k < int(Kind::Count); ++k) kinds.Set(kKindNames[k], k);
  kinds.Freeze();
  exports.Set("activationKinds", kinds);
}

}  // namespace kiln::addon
