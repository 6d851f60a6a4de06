// A branch-free exp the compiler can vectorize (no libm call, no float->int conversion: the
// rounding and the 2^n scale use the "magic shift" trick on the bit pattern). Private to the
// softmax family. Include it only from inside `namespace kiln::KILN_ISA_NS` so each ISA
// translation unit gets its own copy (ODR rule of native/cpu/isa.h).
//
// Accuracy: float ~1 ulp (Cephes expf polynomial), double ~1 ulp (degree-13 Taylor on
// |r| <= ln2/2). Range: results below the smallest normal flush to 0 (x < -87.33 float,
// x < -708.39 double); x above 88 (float) / 709 (double) gives +inf. NaN gives NaN.
// The softmax kernels only call it with x <= ~0. Works on scalars and on the Simd vector
// types of kernels/reduce/simd_types.h (include that first).

template <class T> struct ExpTraits;
template <> struct ExpTraits<float> {
  using Bits = std::uint32_t;
  static constexpr float kLo = -87.3365447505531f, kHi = 88.0f;
  static constexpr float kShift = 12582912.0f;  // 0x1.8p23: adding it rounds to an integer
  static constexpr int kMantissa = 23;
  static constexpr Bits kBias = 127;
  static constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
};
template <> struct ExpTraits<double> {
  using Bits = std::uint64_t;
  static constexpr double kLo = -708.39, kHi = 709.0;
  static constexpr double kShift = 6755399441055744.0;  // 0x1.8p52
  static constexpr int kMantissa = 52;
  static constexpr Bits kBias = 1023;
  static constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
};

template <class V>
static inline V exp_poly_f(V r) {
  V p = V{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

template <class V>
static inline V exp_poly_d(V r) {
  // Taylor coefficients 1/k!, k = 13 .. 2, Horner form.
  V p = V{} + 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  return p * r * r + r + 1.0;
}


// V is T itself or Simd<T>::V (U the matching unsigned bits); the same code serves both.
template <class T, class V, class U>
static inline V exp_impl(V x) {
  using E = ExpTraits<T>;
  const V lo = V{} + E::kLo, hi = V{} + E::kHi, inf = V{} + T(INFINITY);  // V{} + s broadcasts s
  V xc = x < lo ? lo : x;  // NaN passes through
  xc = xc > hi ? hi : xc;
  const V shifted = xc * T(1.4426950408889634) + E::kShift;
  const V n = shifted - E::kShift;
  const V r = (xc - n * E::kLn2Hi) - n * E::kLn2Lo;
  U bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  // The low mantissa bits of `shifted` hold n in two's complement; move them to the exponent.
  const U scale_bits = (bits << E::kMantissa) + (E::kBias << E::kMantissa);
  V scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  V p;
  if constexpr (std::is_same<T, float>::value) p = exp_poly_f(r); else p = exp_poly_d(r);
  V y = p * scale;
  y = x < lo ? V{} : y;
  y = x > hi ? inf : y;
  return y;
}

template <class T>
static inline T vec_exp(T x) {
  return exp_impl<T, T, typename ExpTraits<T>::Bits>(x);
}

template <class T>
static inline typename Simd<T>::V vec_exp(typename Simd<T>::V x) {
  return exp_impl<T, typename Simd<T>::V, typename Simd<T>::U>(x);
}
