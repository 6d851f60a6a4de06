// Branch-free float32 log and tanh that the compiler vectorizes (std::logf/tanhf are library
// calls it cannot); exp is the library's shared one (kernels/math/exp.h). Cephes-style:
// Cody-Waite range reduction plus a minimax polynomial; log's measured max error is 1 ulp over
// the whole float range against a float64 reference (native/tests/elementwise_test.cpp checks
// <= 2 ulp), with IEEE special values: log(0) = -inf, log(x < 0) = NaN, log(+inf) = +inf,
// NaN -> NaN.
//
// Included by an ISA translation unit after it defines KILN_ISA_NS; everything here lives
// in that ISA's namespace so the scalar and AVX2 copies never collide (ODR).
#pragma once

#ifndef KILN_ISA_NS
#error "define KILN_ISA_NS (scalar or avx2) before including vec_math.h"
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/math/exp.h"

namespace kiln::KILN_ISA_NS {

// a * b + c, fused where the ISA has FMA so the polynomial loses no precision.
#if defined(__FMA__)
#define KILN_MADD(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define KILN_MADD(a, b, c) ((a) * (b) + (c))
#endif

static inline std::uint32_t float_bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

static inline float bits_float(std::uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// c ? a : b as bit masks. A plain ?: lets the compiler sink the computation of the unused
// side into a branch; a float operation there may trap, so it would neither if-convert nor
// vectorize the loop.
static inline float select_f32(bool c, float a, float b) {
  const std::uint32_t mask = 0u - static_cast<std::uint32_t>(c);
  return bits_float((float_bits(a) & mask) | (float_bits(b) & ~mask));
}

static inline float log_f32(float x) {
  // A subnormal x is M * 2^-149 with M its mantissa field: take log(M) - 149 ln2, converting
  // M exactly to float so the exponent field is meaningful.
  const std::uint32_t raw = float_bits(x);
  const bool subnormal = x < 1.17549435e-38f;
  const float mantissa_value = static_cast<float>(static_cast<std::int32_t>(raw & 0x007fffffu));
  const std::uint32_t bits = float_bits(select_f32(subnormal, mantissa_value, x));
  std::int32_t e = static_cast<std::int32_t>((bits >> 23) & 0xffu) - 126 - (subnormal ? 149 : 0);
  float m = bits_float((bits & 0x007fffffu) | 0x3f000000u);  // mantissa in [0.5, 1)
  const bool low = m < 0.707106781186547524f;
  e = low ? e - 1 : e;
  const float m_low = m + m - 1.0f, m_high = m - 1.0f;
  m = select_f32(low, m_low, m_high);  // m in [sqrt(1/2) - 1, sqrt(2) - 1)
  const float z = m * m;
  float p = 7.0376836292e-2f;
  p = KILN_MADD(p, m, -1.1514610310e-1f);
  p = KILN_MADD(p, m, 1.1676998740e-1f);
  p = KILN_MADD(p, m, -1.2420140846e-1f);
  p = KILN_MADD(p, m, 1.4249322787e-1f);
  p = KILN_MADD(p, m, -1.6668057665e-1f);
  p = KILN_MADD(p, m, 2.0000714765e-1f);
  p = KILN_MADD(p, m, -2.4999993993e-1f);
  p = KILN_MADD(p, m, 3.3333331174e-1f);
  const float fe = static_cast<float>(e);
  float y = p * m * z;
  y = KILN_MADD(fe, -2.12194440e-4f, y);
  y = KILN_MADD(z, -0.5f, y);
  float r = m + y;
  r = KILN_MADD(fe, 0.693359375f, r);
  constexpr float inf = std::numeric_limits<float>::infinity();
  r = select_f32(x == inf, inf, r);
  r = select_f32(x < 0.0f, std::numeric_limits<float>::quiet_NaN(), r);
  r = select_f32(x == 0.0f, -inf, r);
  return select_f32(x != x, x, r);
}

// tanh: an odd polynomial below |x| = 0.625 (where 1 - 2/(e^2x + 1) would cancel), else
// 1 - 2 / (e^(2|x|) + 1) with the sign restored; saturates to +-1, NaN propagates.
static inline float tanh_f32(float x) {
  const float ax = std::fabs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = KILN_MADD(p, z, 2.06390887954e-2f);
  p = KILN_MADD(p, z, -5.37397155531e-2f);
  p = KILN_MADD(p, z, 1.33314422036e-1f);
  p = KILN_MADD(p, z, -3.33332819422e-1f);
  const float small = KILN_MADD(p * z, x, x);
  const float large = 1.0f - 2.0f / (exp_scalar(ax + ax) + 1.0f);
  return std::copysign(select_f32(ax < 0.625f, std::fabs(small), large), x);  // keeps tanh(-0) = -0
}

}  // namespace kiln::KILN_ISA_NS
