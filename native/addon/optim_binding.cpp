// sgdStep / adamStep: fused optimizer steps over Float32Array or Float64Array parameters.
// Positional arguments (no options objects) keep the per-call cost low; the JS optimizer
// classes resolve their options once and call these per parameter per step.
#include <cmath>
#include <cstdio>
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "kernels/optim/optim.h"

namespace kiln::addon {
namespace {

std::string fmt(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

// A finite number in [lo, hi] (hi_open: [lo, hi)); the message names the argument and value.
double number_in(const Args& args, std::size_t i, const char* name, double lo, double hi,
                 bool hi_open = false) {
  const double x = args.finite_number(i, name);
  if (x < lo || x > hi || (hi_open && x == hi)) {
    args.range_error(std::string("argument '") + name + "' must be in [" + fmt(lo) + ", " + fmt(hi) +
                     (hi_open ? ")" : "]") + ", got " + fmt(x));
  }
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

// An optional state array: null or undefined gives nullptr.
template <class T>
T* optional_state_array(const Napi::CallbackInfo& info, const Args& args, std::size_t i,
                        const char* name, std::int64_t n) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  return state_array<T>(args, i, name, n);
}

DType float_dtype(const Args& args) {
  const DType d = args.dtype(0, "param");
  if (d == DType::Int32) args.type_error("argument 'param' must be a Float32Array or Float64Array, got Int32Array");
  return d;
}

// sgdStep(param, grad, momentumBuf | null, lr, momentum, dampening, weightDecay, nesterov,
//         maximize, firstStep)
template <class T>
void sgd(const Napi::CallbackInfo& info, const Args& args) {
  const Span<T> param = args.array<T>(0, "param");
  const std::int64_t n = param.length;
  const T* grad = state_array<T>(args, 1, "grad", n);
  optim::SgdOptions o;
  o.lr = number_in(args, 3, "lr", 0, HUGE_VAL);
  o.momentum = number_in(args, 4, "momentum", 0, HUGE_VAL);
  o.dampening = args.finite_number(5, "dampening");
  o.weight_decay = number_in(args, 6, "weightDecay", 0, HUGE_VAL);
  o.nesterov = args.boolean(7, "nesterov");
  o.maximize = args.boolean(8, "maximize");
  o.first_step = args.boolean(9, "firstStep");
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
    args.range_error("nesterov momentum requires momentum > 0 and dampening = 0, got momentum " +
                     fmt(o.momentum) + " and dampening " + fmt(o.dampening));
  }
  T* buf = optional_state_array<T>(info, args, 2, "momentumBuf", n);
  if (o.momentum != 0 && !buf) args.type_error("argument 'momentumBuf' is required when momentum != 0");
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
  o.lr = number_in(args, 5, "lr", 0, HUGE_VAL);
  o.beta1 = number_in(args, 6, "beta1", 0, 1, true);
  o.beta2 = number_in(args, 7, "beta2", 0, 1, true);
  o.eps = number_in(args, 8, "eps", 0, HUGE_VAL);
  o.weight_decay = number_in(args, 9, "weightDecay", 0, HUGE_VAL);
  o.decoupled = args.boolean(10, "decoupled");
  o.amsgrad = args.boolean(11, "amsgrad");
  o.maximize = args.boolean(12, "maximize");
  o.step = args.size(13, "step");
  if (o.step < 1) args.range_error("argument 'step' must be >= 1, got " + std::to_string(o.step));
  T* vmax = optional_state_array<T>(info, args, 4, "vmax", n);
  if (o.amsgrad && !vmax) args.type_error("argument 'vmax' is required when amsgrad is true");
  optim::adam_step(param.data, grad, m, v, vmax, n, o);
}

Napi::Value sgd_step(const Napi::CallbackInfo& info) {
  Args args(info, "sgdStep", 10);
  if (float_dtype(args) == DType::Float32) sgd<float>(info, args); else sgd<double>(info, args);
  return info.Env().Undefined();
}

Napi::Value adam_step(const Napi::CallbackInfo& info) {
  Args args(info, "adamStep", 14);
  if (float_dtype(args) == DType::Float32) adam<float>(info, args); else adam<double>(info, args);
  return info.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  set_function(env, exports, "sgdStep", sgd_step);
  set_function(env, exports, "adamStep", adam_step);
}

}  // namespace kiln::addon
