// The per-element arithmetic of the optimizer steps, written once over an "ops" type so the
// same expression runs on scalars (ScalarOps) and on AVX2 registers (VecOps in
// optim_avx2.cpp). Every multiply-add is an explicit fma() so the compiler has nothing left to
// contract: within one ISA, the vector body and the scalar tail compute bit-identical values
// and an element's result does not depend on where a block boundary falls.
//
// Included by optim_scalar.cpp and optim_avx2.cpp with KILN_OPTIM_ISA set to the namespace
// (scalar / avx2), so each TU gets its own copies (no ODR clash between ISA flags).
#ifndef KILN_OPTIM_ISA
#error "define KILN_OPTIM_ISA (scalar or avx2) before including optim_math.h"
#endif

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/optim/optim_leaf.h"

namespace kiln::KILN_OPTIM_ISA {
namespace {

template <class T>
struct ScalarOps {
  using R = T;
  static constexpr int W = 1;
  static R load(const T* p) { return *p; }
  static void store(T* p, R x) { *p = x; }
  static R set1(T x) { return x; }
  static R add(R a, R b) { return a + b; }
  static R mul(R a, R b) { return a * b; }
  static R div(R a, R b) { return a / b; }
  static R sqrt(R a) { return std::sqrt(a); }
  // Same NaN rule as _mm256_max_ps: the second operand when unordered.
  static R max(R a, R b) { return a > b ? a : b; }
#if defined(__FMA__)
  static R fma(R a, R b, R c) { return std::fma(a, b, c); }  // one vfmadd, as in the vector body
#else
  static R fma(R a, R b, R c) { return a * b + c; }  // no FMA unit on the portable path
#endif
};

template <class O, class T>
struct SgdRegs {
  typename O::R neg_lr, momentum, keep, weight_decay, grad_sign;
  explicit SgdRegs(const optim::SgdScalars<T>& s)
      : neg_lr(O::set1(s.neg_lr)), momentum(O::set1(s.momentum)), keep(O::set1(s.keep)),
        weight_decay(O::set1(s.weight_decay)), grad_sign(O::set1(s.grad_sign)) {}
};

// torch.optim.SGD, one element (or one register of elements) at index i.
template <class O, bool kL2, bool kMomentum, bool kFirst, bool kNesterov, class T>
inline void sgd_at(const SgdRegs<O, T>& c, T* p, const T* g, T* buf, std::int64_t i) {
  using R = typename O::R;
  R x = O::load(p + i);
  R d = O::mul(O::load(g + i), c.grad_sign);
  if constexpr (kL2) d = O::fma(c.weight_decay, x, d);
  if constexpr (kMomentum) {
    R b = kFirst ? d : O::fma(c.momentum, O::load(buf + i), O::mul(c.keep, d));
    O::store(buf + i, b);
    d = kNesterov ? O::fma(c.momentum, b, d) : b;
  }
  O::store(p + i, O::fma(c.neg_lr, d, x));
}

// Processes whole registers of O from begin while they fit before end; returns where it stopped.
template <class O, bool kL2, bool kMomentum, bool kFirst, bool kNesterov, class T>
std::int64_t sgd_span(const optim::SgdScalars<T>& s, T* p, const T* g, T* buf,
                      std::int64_t begin, std::int64_t end) {
  const SgdRegs<O, T> c(s);
  std::int64_t i = begin;
  for (; i + O::W <= end; i += O::W) sgd_at<O, kL2, kMomentum, kFirst, kNesterov>(c, p, g, buf, i);
  return i;
}

template <class O, class T>
struct AdamRegs {
  typename O::R beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay,
      neg_step_size, bc2_sqrt, grad_sign;
  explicit AdamRegs(const optim::AdamScalars<T>& s)
      : beta1(O::set1(s.beta1)), one_minus_beta1(O::set1(s.one_minus_beta1)),
        beta2(O::set1(s.beta2)), one_minus_beta2(O::set1(s.one_minus_beta2)), eps(O::set1(s.eps)),
        weight_decay(O::set1(s.weight_decay)), decay(O::set1(s.decay)),
        neg_step_size(O::set1(s.neg_step_size)), bc2_sqrt(O::set1(s.bc2_sqrt)),
        grad_sign(O::set1(s.grad_sign)) {}
};

// torch.optim.Adam / AdamW (PyTorch's bias-correction form: denom = sqrt(v) / sqrt(bc2) + eps,
// step = lr / bc1), one element (or register) at index i.
template <class O, bool kL2, bool kAmsgrad, class T>
inline void adam_at(const AdamRegs<O, T>& c, T* p, const T* g, T* m, T* v, T* vmax,
                    std::int64_t i) {
  using R = typename O::R;
  R x = O::load(p + i);
  R d = O::mul(O::load(g + i), c.grad_sign);
  if constexpr (kL2) d = O::fma(c.weight_decay, x, d);
  const R m1 = O::fma(c.beta1, O::load(m + i), O::mul(c.one_minus_beta1, d));
  const R v1 = O::fma(c.beta2, O::load(v + i), O::mul(c.one_minus_beta2, O::mul(d, d)));
  O::store(m + i, m1);
  O::store(v + i, v1);
  R vd = v1;
  if constexpr (kAmsgrad) {
    vd = O::max(O::load(vmax + i), v1);
    O::store(vmax + i, vd);
  }
  const R denom = O::add(O::div(O::sqrt(vd), c.bc2_sqrt), c.eps);
  O::store(p + i, O::fma(c.neg_step_size, O::div(m1, denom), O::mul(x, c.decay)));
}

template <class O, bool kL2, bool kAmsgrad, class T>
std::int64_t adam_span(const optim::AdamScalars<T>& s, T* p, const T* g, T* m, T* v, T* vmax,
                       std::int64_t begin, std::int64_t end) {
  const AdamRegs<O, T> c(s);
  std::int64_t i = begin;
  for (; i + O::W <= end; i += O::W) adam_at<O, kL2, kAmsgrad>(c, p, g, m, v, vmax, i);
  return i;
}

// Calls f(std::bool_constant<flag>...) with the step's options as compile-time flags, so
// the hot loop has no branches: SGD's (l2, momentum, first step, nesterov) and Adam's
// (l2, amsgrad) - the template arguments of sgd_span / adam_span after O.
template <class T, class F>
void with_sgd_flags(const optim::SgdScalars<T>& s, F&& f) {
  using Y = std::true_type;
  using N = std::false_type;
  auto momentum = [&](auto l2) {
    if (!s.use_momentum) return f(l2, N{}, N{}, N{});
    if (s.first_step) return s.nesterov ? f(l2, Y{}, Y{}, Y{}) : f(l2, Y{}, Y{}, N{});
    return s.nesterov ? f(l2, Y{}, N{}, Y{}) : f(l2, Y{}, N{}, N{});
  };
  if (s.l2) momentum(Y{}); else momentum(N{});
}

template <class T, class F>
void with_adam_flags(const optim::AdamScalars<T>& s, F&& f) {
  using Y = std::true_type;
  using N = std::false_type;
  if (s.l2) {
    if (s.amsgrad) f(Y{}, Y{}); else f(Y{}, N{});
  } else {
    if (s.amsgrad) f(N{}, Y{}); else f(N{}, N{});
  }
}

}  // namespace
}  // namespace kiln::KILN_OPTIM_ISA

// Defines the four leaf entry points of optim_leaf.h in the including TU's namespace, by
// forwarding to that TU's sgd_leaf / adam_leaf templates.
#define KILN_OPTIM_DEFINE_LEAVES(T)                                                               \
  void sgd_block(const optim::SgdScalars<T>& s, T* p, const T* g, T* buf, std::int64_t n) {      \
    sgd_leaf(s, p, g, buf, n);                                                                    \
  }                                                                                               \
  void adam_block(const optim::AdamScalars<T>& s, T* p, const T* g, T* m, T* v, T* vmax,         \
                  std::int64_t n) {                                                               \
    adam_leaf(s, p, g, m, v, vmax, n);                                                            \
  }
