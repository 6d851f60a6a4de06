// The elementwise leaf code, compiled once per ISA path: elementwise_scalar.cpp and
// elementwise_avx2.cpp define KILN_ISA_NS and include this file, and the compiler vectorizes
// the contiguous inner loops with each TU's flags. Every op is a functor templated on the
// element type, so float32, float64 and int32 come from one definition.
#pragma once

#ifndef KILN_ISA_NS
#error "define KILN_ISA_NS (scalar or avx2) before including elementwise_impl.h"
#endif

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/elementwise/strided_loop.h"
#include "kernels/elementwise/vec_math.h"

// Contiguous loops may run with the output exactly aliasing an input (in-place ops): that is
// no loop-carried dependence, so tell the compiler not to fall back to scalar code for it.
#if defined(__clang__)
#define KILN_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define KILN_IVDEP _Pragma("GCC ivdep")
#else
#define KILN_IVDEP
#endif

namespace kiln::KILN_ISA_NS {
namespace {

using std::int32_t;
using std::int64_t;
using std::uint32_t;

// ---- dtype dispatch -------------------------------------------------------------------
template <class F>
void with_dtype(DType d, F&& f) {
  switch (d) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    case DType::I32: f(int32_t{}); break;
  }
}

template <class F>
void with_float_dtype(DType d, F&& f) {
  if (d == DType::F32) f(float{});
  else if (d == DType::F64) f(double{});
}

// ---- ops ------------------------------------------------------------------------------
// int32 arithmetic wraps (two's complement) like PyTorch instead of being undefined.
template <class T>
constexpr bool is_int = std::is_integral_v<T>;
inline int32_t wrap(uint32_t u) { return static_cast<int32_t>(u); }

struct Add { template <class T> T operator()(T a, T b) const { if constexpr (is_int<T>) return wrap(uint32_t(a) + uint32_t(b)); else return a + b; } };
struct Sub { template <class T> T operator()(T a, T b) const { if constexpr (is_int<T>) return wrap(uint32_t(a) - uint32_t(b)); else return a - b; } };
struct Mul { template <class T> T operator()(T a, T b) const { if constexpr (is_int<T>) return wrap(uint32_t(a) * uint32_t(b)); else return a * b; } };
struct Div { template <class T> T operator()(T a, T b) const { return a / b; } };
struct Pow { template <class T> T operator()(T a, T b) const { return std::pow(a, b); } };
// NaN-propagating like torch.maximum / torch.minimum.
struct Maximum { template <class T> T operator()(T a, T b) const { return (a > b || a != a) ? a : b; } };
struct Minimum { template <class T> T operator()(T a, T b) const { return (a < b || a != a) ? a : b; } };
struct Eq { template <class T> bool operator()(T a, T b) const { return a == b; } };
struct Ne { template <class T> bool operator()(T a, T b) const { return a != b; } };
struct Lt { template <class T> bool operator()(T a, T b) const { return a < b; } };
struct Le { template <class T> bool operator()(T a, T b) const { return a <= b; } };
struct Gt { template <class T> bool operator()(T a, T b) const { return a > b; } };
struct Ge { template <class T> bool operator()(T a, T b) const { return a >= b; } };

struct Neg { template <class T> T operator()(T a) const { if constexpr (is_int<T>) return wrap(0u - uint32_t(a)); else return -a; } };
struct Abs { template <class T> T operator()(T a) const { if constexpr (is_int<T>) return a < 0 ? wrap(0u - uint32_t(a)) : a; else return std::fabs(a); } };
struct Exp { template <class T> T operator()(T a) const { if constexpr (std::is_same_v<T, float>) return exp_scalar(a); else return std::exp(a); } };
struct Log { template <class T> T operator()(T a) const { if constexpr (std::is_same_v<T, float>) return log_f32(a); else return std::log(a); } };
struct Sqrt { template <class T> T operator()(T a) const { return std::sqrt(a); } };
struct Rsqrt { template <class T> T operator()(T a) const { return T(1) / std::sqrt(a); } };

template <class T>
struct Clamp {
  T lo, hi;
  T operator()(T a) const {
    const T r = a < lo ? lo : a;
    return r > hi ? hi : r;
  }
};

// Conversion for copy: float -> int32 truncates, saturates and maps NaN to 0 (a plain cast
// would be undefined behaviour out of range).
template <class O, class T>
O convert(T v) {
  if constexpr (is_int<O> && !is_int<T>) {
    if (v != v) return 0;
    if (v >= T(2147483648.0)) return std::numeric_limits<int32_t>::max();
    if (v <= T(-2147483648.0)) return std::numeric_limits<int32_t>::min();
    return static_cast<O>(v);
  } else {
    return static_cast<O>(v);
  }
}

// ---- the strided walk -----------------------------------------------------------------
// Calls inner(offsets, n) for each run of the innermost dimension that [begin, end) covers;
// offsets[k] is operand k's element offset at the run's start.
template <int N, class Inner>
void walk(const Loop& L, int64_t begin, int64_t end, Inner&& inner) {
  const int last = L.rank - 1;
  int64_t idx[elementwise::kMaxRank];
  int64_t off[N] = {};
  int64_t rem = begin;
  for (int d = last; d >= 0; --d) {
    idx[d] = rem % L.shape[d];
    rem /= L.shape[d];
    for (int k = 0; k < N; ++k) off[k] += idx[d] * L.strides[k][d];
  }
  int64_t todo = end - begin;
  while (true) {
    const int64_t n = L.shape[last] - idx[last] < todo ? L.shape[last] - idx[last] : todo;
    inner(static_cast<const int64_t*>(off), n);
    todo -= n;
    if (todo == 0) return;
    // The run ended at the end of the innermost dimension: carry into the outer ones.
    for (int k = 0; k < N; ++k) off[k] += (n - L.shape[last]) * L.strides[k][last];
    idx[last] = 0;
    for (int d = last - 1; d >= 0; --d) {
      ++idx[d];
      for (int k = 0; k < N; ++k) off[k] += L.strides[k][d];
      if (idx[d] < L.shape[d]) break;
      for (int k = 0; k < N; ++k) off[k] -= L.shape[d] * L.strides[k][d];
      idx[d] = 0;
    }
  }
}

template <class T>
T* operand(const Loop& L, int k) { return static_cast<T*>(L.data[k]); }

// ---- inner loops: contiguous and scalar-broadcast cases are separate so they vectorize --
template <class O, class T, class Op>
void binary_inner(O* o, int64_t so, const T* a, int64_t sa, const T* b, int64_t sb, int64_t n, Op op) {
  if (so == 1 && sa == 1 && sb == 1) {
    KILN_IVDEP for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(op(a[i], b[i]));
  } else if (so == 1 && sa == 1 && sb == 0) {
    const T bv = *b;
    KILN_IVDEP for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(op(a[i], bv));
  } else if (so == 1 && sa == 0 && sb == 1) {
    const T av = *a;
    KILN_IVDEP for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(op(av, b[i]));
  } else {
    for (int64_t i = 0; i < n; ++i) o[i * so] = static_cast<O>(op(a[i * sa], b[i * sb]));
  }
}

// f(a) for a unary elementwise map, with out and in of (possibly) different types.
template <class O, class T, class F>
void map_inner(O* o, int64_t so, const T* a, int64_t sa, int64_t n, F f) {
  if (so == 1 && sa == 1) {
    KILN_IVDEP for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
  } else if (so == 1 && sa == 0) {
    const O v = f(*a);
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  } else {
    for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * sa]);
  }
}

template <class O, class T, class F>
void map_block(const Loop& L, int64_t begin, int64_t end, F f) {
  O* o = operand<O>(L, 0);
  const T* a = operand<const T>(L, 1);
  const int last = L.rank - 1;
  const int64_t so = L.strides[0][last], sa = L.strides[1][last];
  walk<2>(L, begin, end, [&](const int64_t* off, int64_t n) { map_inner(o + off[0], so, a + off[1], sa, n, f); });
}

template <class Op>
void binary_typed(const Loop& L, Op op, DType in, DType out, int64_t begin, int64_t end) {
  const int last = L.rank - 1;
  const int64_t so = L.strides[0][last], sa = L.strides[1][last], sb = L.strides[2][last];
  with_dtype(in, [&](auto tin) {
    using T = decltype(tin);
    with_dtype(out, [&](auto tout) {
      using O = decltype(tout);
      // Arithmetic ops return T; only comparisons may write another dtype.
      if constexpr (std::is_same_v<decltype(op(T{}, T{})), bool> || std::is_same_v<O, T>) {
        O* o = operand<O>(L, 0);
        const T* a = operand<const T>(L, 1);
        const T* b = operand<const T>(L, 2);
        walk<3>(L, begin, end, [&](const int64_t* off, int64_t n) {
          binary_inner(o + off[0], so, a + off[1], sa, b + off[2], sb, n, op);
        });
      }
    });
  });
}

template <class Op>
void binary_float_typed(const Loop& L, Op op, DType in, int64_t begin, int64_t end) {
  if (in != DType::I32) binary_typed(L, op, in, in, begin, end);
}

}  // namespace

void ew_binary_block(const Loop& L, BinaryOp op, DType in, DType out, int64_t begin, int64_t end) {
  switch (op) {
    case BinaryOp::Add: binary_typed(L, Add{}, in, out, begin, end); break;
    case BinaryOp::Sub: binary_typed(L, Sub{}, in, out, begin, end); break;
    case BinaryOp::Mul: binary_typed(L, Mul{}, in, out, begin, end); break;
    case BinaryOp::Div: binary_float_typed(L, Div{}, in, begin, end); break;
    case BinaryOp::Pow: binary_float_typed(L, Pow{}, in, begin, end); break;
    case BinaryOp::Maximum: binary_typed(L, Maximum{}, in, out, begin, end); break;
    case BinaryOp::Minimum: binary_typed(L, Minimum{}, in, out, begin, end); break;
    case BinaryOp::Eq: binary_typed(L, Eq{}, in, out, begin, end); break;
    case BinaryOp::Ne: binary_typed(L, Ne{}, in, out, begin, end); break;
    case BinaryOp::Lt: binary_typed(L, Lt{}, in, out, begin, end); break;
    case BinaryOp::Le: binary_typed(L, Le{}, in, out, begin, end); break;
    case BinaryOp::Gt: binary_typed(L, Gt{}, in, out, begin, end); break;
    case BinaryOp::Ge: binary_typed(L, Ge{}, in, out, begin, end); break;
    case BinaryOp::Count: break;
  }
}

void ew_unary_block(const Loop& L, UnaryOp op, DType dtype, int64_t begin, int64_t end) {
  with_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    auto run = [&](auto f) { map_block<T, T>(L, begin, end, f); };
    switch (op) {
      case UnaryOp::Neg: run(Neg{}); return;
      case UnaryOp::Abs: run(Abs{}); return;
      default: break;
    }
    if constexpr (!is_int<T>) {
      switch (op) {
        case UnaryOp::Exp: run(Exp{}); break;
        case UnaryOp::Log: run(Log{}); break;
        case UnaryOp::Sqrt: run(Sqrt{}); break;
        case UnaryOp::Rsqrt: run(Rsqrt{}); break;
        default: break;
      }
    }
  });
}

void ew_clamp_block(const Loop& L, DType dtype, double lo, double hi, int64_t begin, int64_t end) {
  with_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    map_block<T, T>(L, begin, end, Clamp<T>{convert<T>(lo), convert<T>(hi)});
  });
}

void ew_copy_block(const Loop& L, DType out, DType in, int64_t begin, int64_t end) {
  with_dtype(out, [&](auto tout) {
    with_dtype(in, [&](auto tin) {
      using O = decltype(tout);
      using T = decltype(tin);
      map_block<O, T>(L, begin, end, [](T v) { return convert<O>(v); });
    });
  });
}

void ew_fill_block(const Loop& L, DType dtype, double value, int64_t begin, int64_t end) {
  with_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* o = operand<T>(L, 0);
    const T v = convert<T>(value);
    const int64_t so = L.strides[0][L.rank - 1];
    walk<1>(L, begin, end, [&](const int64_t* off, int64_t n) {
      T* p = o + off[0];
      if (so == 1) {
        for (int64_t i = 0; i < n; ++i) p[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) p[i * so] = v;
      }
    });
  });
}

void ew_where_block(const Loop& L, DType cond, DType dtype, int64_t begin, int64_t end) {
  const int last = L.rank - 1;
  const int64_t so = L.strides[0][last], sc = L.strides[1][last], sa = L.strides[2][last],
                sb = L.strides[3][last];
  with_dtype(cond, [&](auto tc) {
    with_dtype(dtype, [&](auto tv) {
      using C = decltype(tc);
      using T = decltype(tv);
      T* o = operand<T>(L, 0);
      const C* c = operand<const C>(L, 1);
      const T* a = operand<const T>(L, 2);
      const T* b = operand<const T>(L, 3);
      walk<4>(L, begin, end, [&](const int64_t* off, int64_t n) {
        T* po = o + off[0];
        const C* pc = c + off[1];
        const T* pa = a + off[2];
        const T* pb = b + off[3];
        if (so == 1 && sc == 1 && sa == 1 && sb == 1) {
          KILN_IVDEP for (int64_t i = 0; i < n; ++i) po[i] = pc[i] != C(0) ? pa[i] : pb[i];
        } else {
          for (int64_t i = 0; i < n; ++i) po[i * so] = pc[i * sc] != C(0) ? pa[i * sa] : pb[i * sb];
        }
      });
    });
  });
}

}  // namespace kiln::KILN_ISA_NS
