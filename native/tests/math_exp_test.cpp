// kernels/math/exp.h used directly: float and double accuracy over the whole range (subnormal
// results included), special values, and the GNU-vector form agreeing bit for bit with the
// scalar form. This TU compiles its own copy with the baseline flags; the AVX2+FMA float copy
// is swept through the elementwise exp kernel (elementwise_test.cpp), the vector use through
// the softmax tests.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "harness.h"
#include "ulp.h"

#define KILN_ISA_NS exp_test
#include "kernels/math/exp.h"

namespace kiln::exp_test {
#include "kernels/reduce/simd_types.h"
}  // namespace kiln::exp_test

namespace {

using kiln::exp_test::exp_scalar;

// Inputs from below the underflow threshold to above the overflow one, on a fine grid.
template <class T>
std::vector<T> sweep(T lo, T hi, T step) {
  std::vector<T> xs;
  for (T x = lo; x < hi; x += step) xs.push_back(x);
  return xs;
}

template <class T>
std::int64_t max_ulp(const std::vector<T>& xs) {
  std::int64_t worst = 0;
  for (T x : xs) {
    const T want = static_cast<T>(std::exp(static_cast<long double>(x)));
    worst = std::max(worst, kiln::test::ulp_distance(exp_scalar(x), want));
  }
  return worst;
}

template <class T>
void check_special_values() {
  const T inf = std::numeric_limits<T>::infinity();
  CHECK(exp_scalar(-inf) == T(0));
  CHECK(exp_scalar(inf) == inf);
  CHECK(std::isnan(exp_scalar(std::numeric_limits<T>::quiet_NaN())));
  CHECK(exp_scalar(T(0)) == T(1));
  CHECK(exp_scalar(T(-0.0)) == T(1));
  CHECK(exp_scalar(std::log(std::numeric_limits<T>::max()) * T(1.0001)) == inf);
  // The smallest subnormal is reached (not flushed), and below half of it the result is 0.
  const T tiny = std::numeric_limits<T>::denorm_min();
  CHECK(exp_scalar(std::log(tiny)) == tiny);
  CHECK(exp_scalar(std::log(tiny) - T(1)) == T(0));
}

template <class T>
void check_vector_matches_scalar(const std::vector<T>& xs) {
  using S = kiln::exp_test::Simd<T>;
  bool same = true;
  for (std::size_t i = 0; i + S::N <= xs.size(); i += S::N) {
    typename S::V v;
    std::memcpy(&v, &xs[i], sizeof v);
    const typename S::V e = kiln::exp_test::exp_vec<T, typename S::V, typename S::U>(v);
    for (int l = 0; l < S::N; ++l) {
      const T s = exp_scalar(xs[i + l]);
      same = same && std::memcmp(&s, &e[l], sizeof s) == 0;
    }
  }
  CHECK(same);
}

// Accuracy over [lo, hi), special values and vector == scalar for one T.
template <class T>
void check_exp(const char* name, T lo, T hi, T step) {
  const std::vector<T> xs = sweep(lo, hi, step);
  const std::int64_t worst = max_ulp(xs);
  CHECK(worst <= 2);
  std::printf("    %s exp max error %lld ulp over [%g, %g]\n", name, (long long)worst, double(lo), double(hi));
  check_special_values<T>();
  check_vector_matches_scalar(xs);
}

}  // namespace

TEST(math_exp_float_is_within_two_ulp_down_to_the_subnormals) { check_exp<float>("float", -106.0f, 90.0f, 0.000731f); }

TEST(math_exp_double_is_within_two_ulp_down_to_the_subnormals) { check_exp<double>("double", -746.0, 710.0, 0.000977); }
