// Portable half of the optimizer steps: per-call scalars, fixed-block threading, ISA dispatch.
#include "kernels/optim/optim.h"

#include <cmath>

#include "cpu/isa.h"
#include "cpu/thread_pool.h"
#include "kernels/optim/optim_leaf.h"

namespace kiln::optim {
namespace {

// Elements per block: 32K floats is 896 KiB of traffic per Adam block, enough to amortize a
// block claim, while 1e6 parameters still make ~30 blocks to share. A multiple of every
// vector width, so only the array's last block has a scalar tail. Smaller arrays run inline.
constexpr std::int64_t kGrain = 32768;

// Offsets a state pointer that may be null (optional state arrays).
template <class T>
T* at(T* base, std::int64_t i) {
  return base ? base + i : nullptr;
}

}  // namespace

template <class T>
void sgd_step(T* param, const T* grad, T* momentum_buf, std::int64_t n, const SgdOptions& o) {
  SgdScalars<T> s;
  s.neg_lr = static_cast<T>(-o.lr);
  s.momentum = static_cast<T>(o.momentum);
  s.keep = static_cast<T>(1.0 - o.dampening);
  s.weight_decay = static_cast<T>(o.weight_decay);
  s.grad_sign = o.maximize ? T(-1) : T(1);
  s.l2 = o.weight_decay != 0;
  s.use_momentum = o.momentum != 0;
  s.first_step = o.first_step;
  s.nesterov = o.nesterov;
  cpu::parallel_range(n, kGrain, [&](std::int64_t b, std::int64_t e) {
    KILN_DISPATCH(sgd_block, s, param + b, grad + b, at(momentum_buf, b), e - b);
  });
}

template <class T>
void adam_step(T* param, const T* grad, T* m, T* v, T* vmax, std::int64_t n, const AdamOptions& o) {
  // PyTorch's scalars, in double, then rounded once to the array's precision.
  const double t = static_cast<double>(o.step);
  const double bias_correction1 = 1.0 - std::pow(o.beta1, t);
  const double bias_correction2 = 1.0 - std::pow(o.beta2, t);
  AdamScalars<T> s;
  s.beta1 = static_cast<T>(o.beta1);
  s.one_minus_beta1 = static_cast<T>(1.0 - o.beta1);
  s.beta2 = static_cast<T>(o.beta2);
  s.one_minus_beta2 = static_cast<T>(1.0 - o.beta2);
  s.eps = static_cast<T>(o.eps);
  s.weight_decay = static_cast<T>(o.weight_decay);
  s.decay = static_cast<T>(o.decoupled ? 1.0 - o.lr * o.weight_decay : 1.0);
  s.neg_step_size = static_cast<T>(-(o.lr / bias_correction1));
  s.bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  s.grad_sign = o.maximize ? T(-1) : T(1);
  s.l2 = !o.decoupled && o.weight_decay != 0;
  s.amsgrad = o.amsgrad;
  cpu::parallel_range(n, kGrain, [&](std::int64_t b, std::int64_t e) {
    KILN_DISPATCH(adam_block, s, param + b, grad + b, m + b, v + b, at(vmax, b), e - b);
  });
}

template void sgd_step<float>(float*, const float*, float*, std::int64_t, const SgdOptions&);
template void sgd_step<double>(double*, const double*, double*, std::int64_t, const SgdOptions&);
template void adam_step<float>(float*, const float*, float*, float*, float*, std::int64_t, const AdamOptions&);
template void adam_step<double>(double*, const double*, double*, double*, double*, std::int64_t,
                                const AdamOptions&);

}  // namespace kiln::optim
