// Units-in-the-last-place distance between floats, for the accuracy tests of the
// vectorized float32 math (exp, log, tanh).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace kiln::test {

// NaN == NaN (distance 0), a NaN against a number is "infinitely" far; +0 and -0 are 0 apart.
inline std::int64_t ulp_distance(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  std::int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if (ia < 0) ia = std::numeric_limits<std::int32_t>::min() - ia;
  if (ib < 0) ib = std::numeric_limits<std::int32_t>::min() - ib;
  return std::llabs(std::int64_t(ia) - std::int64_t(ib));
}

}  // namespace kiln::test
