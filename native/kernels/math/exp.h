// The library's one exp: branch-free, no libm call and no float->int conversion (the rounding
// to n and the 2^n scale use the "magic shift" trick on the bit pattern), so it vectorizes.
// One template serves scalars (float/double, which loops auto-vectorize: elementwise,
// activations) and GNU vector types (explicit SIMD: the softmax leaves).
//
// exp(x) = 2^n e^r, n = round(x / ln2), |r| <= ln2/2 (Cody-Waite split of ln2).
// float: Cephes minimax polynomial; double: degree-13 Taylor. Measured max error 1 ulp against
// a float64 / long double reference over the whole range (native/tests/elementwise_test.cpp
// and math_exp_test.cpp check <= 2 ulp). Gradual underflow: 2^n is applied as two normal
// factors, so results in the subnormal range are right down to the smallest subnormal and
// round to 0 below it; exp(-inf) = 0, exp(+inf) = +inf, overflow gives +inf, NaN gives NaN.
//
// Included by an ISA translation unit after it defines KILN_ISA_NS; everything here lives in
// that ISA's namespace so the scalar and AVX2 copies never collide (ODR).
#pragma once

#ifndef KILN_ISA_NS
#error "define KILN_ISA_NS (scalar or avx2) before including kernels/math/exp.h"
#endif

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace kiln::KILN_ISA_NS {

template <class T> struct ExpTraits;
template <> struct ExpTraits<float> {
  using Bits = std::uint32_t;
  // Below kLo every result rounds to 0, above kHi to +inf; clamping there keeps n's exponent
  // arithmetic in range and lets the final multiplications produce 0 and +inf themselves.
  static constexpr float kLo = -104.0f, kHi = 88.8f;
  static constexpr float kShift = 12582912.0f;  // 0x1.8p23: adding it rounds to an integer
  static constexpr int kMantissa = 23;
  static constexpr Bits kBias = 127;
  static constexpr Bits kOffset = 256;  // > -n for every clamped x (n >= -150)
  static constexpr float kNegLn2Hi = -0.693359375f, kNegLn2Lo = 2.12194440e-4f;
};
template <> struct ExpTraits<double> {
  using Bits = std::uint64_t;
  static constexpr double kLo = -746.0, kHi = 709.8;
  static constexpr double kShift = 6755399441055744.0;  // 0x1.8p52
  static constexpr int kMantissa = 52;
  static constexpr Bits kBias = 1023;
  static constexpr Bits kOffset = 2048;  // n >= -1076
  static constexpr double kNegLn2Hi = -6.93147180369123816490e-01, kNegLn2Lo = -1.90821492927058770002e-10;
};

// a * b + c (c a V or a broadcast T), fused where the ISA has FMA so the polynomial loses no
// precision.
template <class T, class V, class C>
static inline V exp_madd(V a, V b, C c) {
  // Broadcast only a T: `V{} + v` is not a no-op for a V (0 + -0 = +0), the compiler keeps it.
  V cv;
  if constexpr (std::is_same_v<C, V>) cv = c; else cv = V{} + c;
#if defined(__FMA__)
  if constexpr (std::is_same_v<V, float>) return __builtin_fmaf(a, b, cv);
  else if constexpr (std::is_same_v<V, double>) return __builtin_fma(a, b, cv);
  else if constexpr (sizeof(V) == 32 && std::is_same_v<T, float>) return __builtin_ia32_vfmaddps256(a, b, cv);
  else if constexpr (sizeof(V) == 32 && std::is_same_v<T, double>) return __builtin_ia32_vfmaddpd256(a, b, cv);
  else return a * b + cv;
#else
  return a * b + cv;
#endif
}

// c ? a : b. On vectors `?:` is a lane blend. On scalars it is done on bit masks: under
// -ftrapping-math (the default) GCC will not if-convert a float compare-and-select, so a plain
// ?: would leave a branch in the loop and block its vectorization.
template <class T, class V, class C>
static inline V exp_select(C c, V a, V b) {
  if constexpr (std::is_same_v<V, T>) {
    using Bits = typename ExpTraits<T>::Bits;
    const Bits mask = Bits{0} - static_cast<Bits>(c);
    Bits ab, bb;
    std::memcpy(&ab, &a, sizeof ab);
    std::memcpy(&bb, &b, sizeof bb);
    const Bits r = (ab & mask) | (bb & ~mask);
    V out;
    std::memcpy(&out, &r, sizeof out);
    return out;
  } else {
    return c ? a : b;
  }
}

template <class V>
static inline V exp_poly(V r, float) {
  V p = V{} + 1.9875691500e-4f;
  p = exp_madd<float>(p, r, 1.3981999507e-3f);
  p = exp_madd<float>(p, r, 8.3334519073e-3f);
  p = exp_madd<float>(p, r, 4.1665795894e-2f);
  p = exp_madd<float>(p, r, 1.6666665459e-1f);
  p = exp_madd<float>(p, r, 5.0000001201e-1f);
  return exp_madd<float>(p, r * r, r) + 1.0f;
}

template <class V>
static inline V exp_poly(V r, double) {
  // Taylor coefficients 1/k!, k = 13 .. 2, Horner form.
  V p = V{} + 1.0 / 6227020800.0;
  p = exp_madd<double>(p, r, 1.0 / 479001600.0);
  p = exp_madd<double>(p, r, 1.0 / 39916800.0);
  p = exp_madd<double>(p, r, 1.0 / 3628800.0);
  p = exp_madd<double>(p, r, 1.0 / 362880.0);
  p = exp_madd<double>(p, r, 1.0 / 40320.0);
  p = exp_madd<double>(p, r, 1.0 / 5040.0);
  p = exp_madd<double>(p, r, 1.0 / 720.0);
  p = exp_madd<double>(p, r, 1.0 / 120.0);
  p = exp_madd<double>(p, r, 1.0 / 24.0);
  p = exp_madd<double>(p, r, 1.0 / 6.0);
  p = exp_madd<double>(p, r, 0.5);
  return exp_madd<double>(p, r * r, r) + 1.0;
}

// V is T itself or a GNU vector of T, U the unsigned integer (vector) of V's size.
template <class T, class V, class U>
static inline V exp_vec(V x) {
  using E = ExpTraits<T>;
  const V lo = V{} + E::kLo, hi = V{} + E::kHi;
  V xc = exp_select<T>(x < lo, lo, x);  // NaN passes both clamps
  xc = exp_select<T>(xc > hi, hi, xc);
  const V shifted = exp_madd<T>(xc, V{} + T(1.4426950408889634), E::kShift);
  const V n = shifted - E::kShift;
  V r = exp_madd<T>(n, V{} + E::kNegLn2Hi, xc);
  r = exp_madd<T>(n, V{} + E::kNegLn2Lo, r);
  const V y = exp_poly(r, T{});
  // The low mantissa bits of `shifted` hold n: subtracting the bits of (shift - kOffset) leaves
  // t = n + kOffset. 2^n = 2^n1 * 2^n2 with n1 = floor(n / 2): both factors stay normal for every
  // clamped x, so a subnormal result comes from one correctly rounded multiplication. Offsetting
  // n by kOffset (even, > -n) makes the halving a logical shift:
  // h = t >> 1 = n1 + kOffset / 2, n2 = n - n1 = t - h - kOffset / 2.
  U sb, kb;
  const V shift = V{} + (E::kShift - T(E::kOffset));
  std::memcpy(&sb, &shifted, sizeof sb);
  std::memcpy(&kb, &shift, sizeof kb);
  const U t = sb - kb, h = t >> 1;
  constexpr auto kExp = E::kBias - E::kOffset / 2;
  const U b1 = (h + kExp) << E::kMantissa, b2 = (t - h + kExp) << E::kMantissa;
  V s1, s2;
  std::memcpy(&s1, &b1, sizeof s1);
  std::memcpy(&s2, &b2, sizeof s2);
  return y * s1 * s2;
}

// exp of one float or double.
template <class T>
static inline T exp_scalar(T x) {
  return exp_vec<T, T, typename ExpTraits<T>::Bits>(x);
}

}  // namespace kiln::KILN_ISA_NS
