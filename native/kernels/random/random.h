// Counter-based random fills (Philox4x32-10). Value i of a fill depends only on (seed,
// offset, i): the same numbers at any thread count and however a fill is split. Each fill
// maps one Philox block (four 32-bit words) to a fixed number of values (values_per_block)
// and returns the blocks it consumed, ceil(n / values_per_block); a generator that adds that
// to its offset continues the stream on its next fill.
#pragma once

#include <cstdint>

#include "kernels/random/philox.h"

namespace kiln::random {

enum class Distribution { Uniform, Normal, Bernoulli, Randint };

// 4 for 32-bit draws (fp32 uniform/normal/bernoulli), 2 when a value takes 64 bits
// (fp64 values, randint). `static`: this header reaches the AVX2 TU too (see cpu/isa.h).
template <class T>
static constexpr int values_per_block(Distribution d) {
  return d == Distribution::Randint || sizeof(T) == 8 ? 2 : 4;
}

// Uniform in [low, high), never high (values rounding up to high are moved just below it).
// Requires finite low < high.
template <class T>
std::uint64_t uniform_fill(T* out, std::int64_t n, std::uint64_t seed, std::uint64_t offset,
                           double low, double high);
// mean + std * N(0, 1) by Box-Muller (both outputs of each pair used). Requires std >= 0.
template <class T>
std::uint64_t normal_fill(T* out, std::int64_t n, std::uint64_t seed, std::uint64_t offset,
                          double mean, double std);
// 1 with probability p, else 0. Requires 0 <= p <= 1.
template <class T>
std::uint64_t bernoulli_fill(T* out, std::int64_t n, std::uint64_t seed, std::uint64_t offset,
                             double p);
// Integers in [low, high) from 64 random bits each by multiply-shift; the bias is below
// (high - low) / 2^64 <= 2^-32 per outcome. Requires low < high, both within int32.
std::uint64_t randint_fill(std::int32_t* out, std::int64_t n, std::uint64_t seed,
                           std::uint64_t offset, std::int64_t low, std::int64_t high);

}  // namespace kiln::random
