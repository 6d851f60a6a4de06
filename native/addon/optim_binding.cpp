// sgdStep / adamStep: fused optimizer steps over Float32Array or Float64Array parameters.
// Positional arguments (no options objects) keep the per-call cost low; the JS optimizer
// classes resolve their options once and call these per parameter per step.
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "kernels/optim/optim.h"

namespace kiln::addon {
namespace {

double non_negative(const Args& args, std::size_t i, const char* name) {
  const double x = args.finite_number(i, name);
  if (x < 0) args.range_error(std::string("argument '") + name + "' must be >= 0, got " + format_number(x));
  return x;
}

// A decay rate in [0, 1).
double beta(const Args& args, std::size_t i, const char* name) {
  const double x = args.finite_number(i, name);
  if (x < 0 || x >= 1) args.range_error(std::string("argument '") + name + "' must be in [0, 1), got " + format_number(x));
  return x;
}

// A state array of the parameter's type and exact length.
template <class T>
T* state_array(const Args& args, std::size_t i, const char* name, std::int64_t n) {
  const Span<T> s = args.array<T>(i, name);
  if (s.length != n) {
    args.range_error(std::string("argument '") + name + "' has " + std::to_string(s.length) +
                     " elements, expected " + std::to_string(n) + " (the length of 'param')");
  }
  return s.data;
}

// An optional state array: null or undefined means absent (a present empty array may still
// have a null data pointer, so presence is decided by the JS value).
bool is_absent(const Napi::CallbackInfo& info, std::size_t i) { return info[i].IsNull() || info[i].IsUndefined(); }

// sgdStep(param, grad, momentumBuf | null, lr, momentum, dampening, weightDecay, nesterov,
//         maximize, firstStep)
template <class T>
void sgd(const Napi::CallbackInfo& info, const Args& args) {
  const Span<T> param = args.array<T>(0, "param");
  const std::int64_t n = param.length;
  const T* grad = state_array<T>(args, 1, "grad", n);
  optim::SgdOptions o;
  o.lr = non_negative(args, 3, "lr");
  o.momentum = non_negative(args, 4, "momentum");
  o.dampening = args.finite_number(5, "dampening");
  o.weight_decay = non_negative(args, 6, "weightDecay");
  o.nesterov = args.boolean(7, "nesterov");
  o.maximize = args.boolean(8, "maximize");
  o.first_step = args.boolean(9, "firstStep");
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
    args.range_error("nesterov momentum requires momentum > 0 and dampening = 0, got momentum " +
                     format_number(o.momentum) + " and dampening " + format_number(o.dampening));
  }
  if (o.momentum != 0 && is_absent(info, 2)) args.type_error("argument 'momentumBuf' is required when momentum != 0");
  T* buf = is_absent(info, 2) ? nullptr : state_array<T>(args, 2, "momentumBuf", n);
  optim::sgd_step(param.data, grad, buf, n, o);
}

// adamStep(param, grad, m, v, vmax | null, lr, beta1, beta2, eps, weightDecay, decoupled,
//          amsgrad, maximize, step)
template <class T>
void adam(const Napi::CallbackInfo& info, const Args& args) {
  const Span<T> param = args.array<T>(0, "param");
  const std::int64_t n = param.length;
  const T* grad = state_array<T>(args, 1, "grad", n);
  T* m = state_array<T>(args, 2, "m", n);
  T* v = state_array<T>(args, 3, "v", n);
  optim::AdamOptions o;
  o.lr = non_negative(args, 5, "lr");
  o.beta1 = beta(args, 6, "beta1");
  o.beta2 = beta(args, 7, "beta2");
  o.eps = non_negative(args, 8, "eps");
  o.weight_decay = non_negative(args, 9, "weightDecay");
  o.decoupled = args.boolean(10, "decoupled");
  o.amsgrad = args.boolean(11, "amsgrad");
  o.maximize = args.boolean(12, "maximize");
  o.step = args.size(13, "step");
  if (o.step < 1) args.range_error("argument 'step' must be >= 1, got " + std::to_string(o.step));
  if (o.amsgrad && is_absent(info, 4)) args.type_error("argument 'vmax' is required when amsgrad is true");
  T* vmax = is_absent(info, 4) ? nullptr : state_array<T>(args, 4, "vmax", n);
  optim::adam_step(param.data, grad, m, v, vmax, n, o);
}

Napi::Value sgd_step(const Napi::CallbackInfo& info) {
  Args args(info, "sgdStep", 10);
  if (args.float_dtype(0, "param") == DType::Float32) sgd<float>(info, args); else sgd<double>(info, args);
  return info.Env().Undefined();
}

Napi::Value adam_step(const Napi::CallbackInfo& info) {
  Args args(info, "adamStep", 14);
  if (args.float_dtype(0, "param") == DType::Float32) adam<float>(info, args); else adam<double>(info, args);
  return info.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  set_function(env, exports, "sgdStep", sgd_step);
  set_function(env, exports, "adamStep", adam_step);
}

}  // namespace kiln::addon
