// Units-in-the-last-place distance between floats, for the accuracy tests of the
// vectorized math (exp, log, tanh).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace kiln::test {

// NaN == NaN (distance 0), a NaN against a number is "infinitely" far; +0 and -0 are 0 apart.
// F is float or double.
template <class F>
std::int64_t ulp_distance(F a, F b) {
  using I = std::conditional_t<sizeof(F) == 4, std::int32_t, std::int64_t>;
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  I ia, ib;
  std::memcpy(&ia, &a, sizeof ia);
  std::memcpy(&ib, &b, sizeof ib);
  if (ia < 0) ia = std::numeric_limits<I>::min() - ia;
  if (ib < 0) ib = std::numeric_limits<I>::min() - ib;
  const __int128 d = static_cast<__int128>(ia) - ib;  // exceeds int64 for far-apart doubles
  const __int128 ad = d < 0 ? -d : d;
  return ad > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(ad);
}

}  // namespace kiln::test
