// The activation leaf code, compiled once per ISA path (activation_scalar.cpp,
// activation_avx2.cpp). Each kind is a functor with fwd(x) and grad(x, y) = f'(x) (or
// back(x, y, dy) = dy f'(x) where that is a select between branches), templated
// on the element type; one loop template fuses it over the arrays so the compiler
// vectorizes what it can (float32 exp and tanh come from vec_math.h; erf, expm1 and log1p
// are libm calls).
#pragma once

#ifndef KILN_ISA_NS
#error "define KILN_ISA_NS (scalar or avx2) before including activation_impl.h"
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "kernels/activation/activation.h"
#include "kernels/elementwise/vec_math.h"

#if defined(__clang__)
#define KILN_ACT_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define KILN_ACT_IVDEP _Pragma("GCC ivdep")
#else
#define KILN_ACT_IVDEP
#endif

namespace kiln::KILN_ISA_NS {
namespace {

using activation::Kind;
using std::int64_t;

// float32 uses the vectorizable versions from vec_math.h, float64 libm.
template <class T>
T exp_t(T x) {
  if constexpr (std::is_same_v<T, float>) return exp_scalar(x);
  else return std::exp(x);
}
template <class T>
T tanh_t(T x) {
  if constexpr (std::is_same_v<T, float>) return tanh_f32(x);
  else return std::tanh(x);
}

// c ? a : b as bit masks, for float and double (vec_math.h's select_f32 explains why: a plain
// ?: with a float operation on one side stays a branch per element).
template <class T>
T select_t(bool c, T a, T b) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  U ua, ub;
  std::memcpy(&ua, &a, sizeof a);
  std::memcpy(&ub, &b, sizeof b);
  const U mask = U(0) - static_cast<U>(c);
  const U r = (ua & mask) | (ub & ~mask);
  T out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}

struct Relu {
  template <class T> T fwd(T x) const { return (x > T(0) || x != x) ? x : T(0); }
  template <class T> T back(T x, T, T dy) const { return x > T(0) ? dy : T(0); }
};

template <class T>
struct LeakyRelu {
  T slope;
  T fwd(T x) const { return select_t(x > T(0), x, x * slope); }
  T back(T x, T, T dy) const { return select_t(x > T(0), dy, dy * slope); }
};

template <class T>
struct Elu {
  T alpha;
  T fwd(T x) const { return x > T(0) ? x : alpha * std::expm1(x); }
  // From x, not as y + alpha: that cancels for very negative x (relative error e^-x ulp).
  T back(T x, T, T dy) const { return select_t(x > T(0), dy, dy * (alpha * exp_t(x))); }
};

// 0.5 x (1 + tanh(k0 (x + k1 x^3))).
struct GeluTanh {
  static constexpr double k0 = 0.7978845608028654;  // sqrt(2 / pi)
  static constexpr double k1 = 0.044715;
  template <class T> T fwd(T x) const {
    const T t = tanh_t(T(k0) * (x + T(k1) * x * x * x));
    return T(0.5) * x * (T(1) + t);
  }
  template <class T> T grad(T x, T) const {
    const T x2 = x * x;
    const T t = tanh_t(T(k0) * (x + T(k1) * x2 * x));
    return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * T(k0) * (T(1) + T(3 * k1) * x2);
  }
};

// 0.5 x (1 + erf(x / sqrt 2)).
struct GeluErf {
  static constexpr double inv_sqrt2 = 0.7071067811865476;
  static constexpr double inv_sqrt_2pi = 0.3989422804014327;
  template <class T> T fwd(T x) const { return T(0.5) * x * (T(1) + std::erf(x * T(inv_sqrt2))); }
  template <class T> T grad(T x, T) const {
    return T(0.5) * (T(1) + std::erf(x * T(inv_sqrt2))) + x * T(inv_sqrt_2pi) * std::exp(T(-0.5) * x * x);
  }
};

struct Sigmoid {
  template <class T> T fwd(T x) const { return T(1) / (T(1) + exp_t(-x)); }
  template <class T> T grad(T, T y) const { return y * (T(1) - y); }
};

struct Tanh {
  template <class T> T fwd(T x) const { return tanh_t(x); }
  template <class T> T grad(T, T y) const { return T(1) - y * y; }
};

// log(1 + e^(beta x)) / beta, linear above the threshold like PyTorch. Written as
// max(z, 0) + log1p(e^-|z|) so it never overflows; the gradient is sigmoid(beta x).
template <class T>
struct Softplus {
  T beta, threshold;
  T fwd(T x) const {
    const T z = x * beta;
    if (z > threshold) return x;
    return ((z > T(0) ? z : T(0)) + std::log1p(std::exp(-std::fabs(z)))) / beta;
  }
  T grad(T x, T) const {
    const T z = x * beta;
    return z > threshold ? T(1) : T(1) / (T(1) + exp_t(-z));
  }
};

// PyTorch's heaviside(x, value): value at 0, else (x > 0); NaN gives 0 there too.
template <class T>
struct Heaviside {
  T at_zero;
  T fwd(T x) const { return x == T(0) ? at_zero : (x > T(0) ? T(1) : T(0)); }
  T grad(T, T) const { return T(0); }
};

template <class T, class F>
void forward_loop(F f, const T* x, T* y, int64_t n) {
  KILN_ACT_IVDEP for (int64_t i = 0; i < n; ++i) y[i] = f.fwd(x[i]);
}

// A functor may define back(x, y, dy) = dy f'(x) itself. ReLU's is a select: GCC keeps
// `dy * (x > 0 ? 1 : 0)` a branch per element under -ftrapping-math (a mispredict at every
// sign change: ~10x slower than the forward) but vectorizes `x > 0 ? dy : 0`, which also
// gives PyTorch's +0 (not dy * 0 = -0) where x <= 0. LeakyReLU and ELU pick with select_t.
template <class F, class T, class = void>
struct has_back : std::false_type {};
template <class F, class T>
struct has_back<F, T, std::void_t<decltype(std::declval<F>().back(T(), T(), T()))>> : std::true_type {};

template <class T, class F>
void backward_loop(F f, const T* x, const T* y, const T* dy, T* dx, int64_t n) {
  if constexpr (has_back<F, T>::value) {
    KILN_ACT_IVDEP for (int64_t i = 0; i < n; ++i) dx[i] = f.back(x[i], y[i], dy[i]);
  } else {
    KILN_ACT_IVDEP for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * f.grad(x[i], y[i]);
  }
}

// Calls g(functor) with the kind's functor for element type T.
template <class T, class G>
void with_kind(Kind kind, double p0, double p1, G&& g) {
  switch (kind) {
    case Kind::Relu: g(Relu{}); break;
    case Kind::LeakyRelu: g(LeakyRelu<T>{T(p0)}); break;
    case Kind::Elu: g(Elu<T>{T(p0)}); break;
    case Kind::GeluTanh: g(GeluTanh{}); break;
    case Kind::GeluErf: g(GeluErf{}); break;
    case Kind::Sigmoid: g(Sigmoid{}); break;
    case Kind::Tanh: g(Tanh{}); break;
    case Kind::Softplus: g(Softplus<T>{T(p0), T(p1)}); break;
    case Kind::Heaviside: g(Heaviside<T>{T(p0)}); break;
    case Kind::Count: break;
  }
}

template <class T>
void forward_impl(Kind kind, const T* x, T* y, int64_t n, double p0, double p1) {
  with_kind<T>(kind, p0, p1, [&](auto f) { forward_loop<T>(f, x, y, n); });
}

template <class T>
void backward_impl(Kind kind, const T* x, const T* y, const T* dy, T* dx, int64_t n, double p0, double p1) {
  with_kind<T>(kind, p0, p1, [&](auto f) { backward_loop<T>(f, x, y, dy, dx, n); });
}

}  // namespace

void act_forward(Kind kind, const float* x, float* y, int64_t n, double p0, double p1) { forward_impl(kind, x, y, n, p0, p1); }
void act_forward(Kind kind, const double* x, double* y, int64_t n, double p0, double p1) { forward_impl(kind, x, y, n, p0, p1); }
void act_backward(Kind kind, const float* x, const float* y, const float* dy, float* dx, int64_t n, double p0, double p1) {
  backward_impl(kind, x, y, dy, dx, n, p0, p1);
}
void act_backward(Kind kind, const double* x, const double* y, const double* dy, double* dx, int64_t n, double p0, double p1) {
  backward_impl(kind, x, y, dy, dx, n, p0, p1);
}

}  // namespace kiln::KILN_ISA_NS
