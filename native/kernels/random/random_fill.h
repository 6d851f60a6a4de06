// The random fills' leaf code, written once and compiled per ISA: random_scalar.cpp and
// random_avx2.cpp include it with KILN_RANDOM_ISA naming their namespace. Multiply-adds are
// explicit std::fma (exactly specified), so no compiler contraction differs between the two
// builds: every ISA path produces the same values, bit for bit. Each distribution maps one Philox block (four 32-bit
// words) to kPerBlock values; fill() runs the blocks that cover [begin, end).
#ifndef KILN_RANDOM_ISA
#error "define KILN_RANDOM_ISA (scalar or avx2) before including random_fill.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/random/philox.h"
#include "kernels/random/random.h"
#include "kernels/random/random_leaf.h"

namespace kiln::KILN_RANDOM_ISA {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

// [0, 1) from the top 24 bits of a word: exact in float, never 1.
inline double unit24(std::uint32_t w) { return static_cast<double>(w >> 8) * 0x1p-24; }
// (0, 1]: for the logarithm of Box-Muller, which must never see 0.
inline double unit24_open0(std::uint32_t w) { return static_cast<double>((w >> 8) + 1) * 0x1p-24; }
inline std::uint64_t bits53(std::uint32_t hi, std::uint32_t lo) {
  return ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;
}
inline double unit53(std::uint32_t hi, std::uint32_t lo) { return static_cast<double>(bits53(hi, lo)) * 0x1p-53; }
inline double unit53_open0(std::uint32_t hi, std::uint32_t lo) {
  return static_cast<double>(bits53(hi, lo) + 1) * 0x1p-53;
}

// Uniforms per value: one word for float (24 bits), two for double (53 bits).
template <class T>
inline double unit(const std::uint32_t* w, int k) {
  if constexpr (sizeof(T) == 4) return unit24(w[k]);
  else return unit53(w[2 * k], w[2 * k + 1]);
}

template <class T>
struct Uniform {
  static constexpr int kPerBlock = random::values_per_block<T>(random::Distribution::Uniform);
  const random::UniformParams<T>& p;
  void operator()(const std::uint32_t* w, T* out) const {
    for (int k = 0; k < kPerBlock; ++k) {
      out[k] = std::min(static_cast<T>(std::fma(p.scale, unit<T>(w, k), p.low)), p.top);
    }
  }
};

// Box-Muller: each pair of uniforms (u1 in (0, 1], u2 in [0, 1)) gives two normals,
// r cos(2 pi u2) and r sin(2 pi u2). Float: words (0,1) -> values 0,1 and (2,3) -> 2,3.
// Double: 53-bit u1 from words 0,1 and u2 from words 2,3 -> values 0,1.
template <class T>
struct Normal {
  static constexpr int kPerBlock = random::values_per_block<T>(random::Distribution::Normal);
  const random::NormalParams<T>& p;
  void pair(double u1, double u2, T* out) const {
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = kTwoPi * u2;
    out[0] = static_cast<T>(std::fma(p.std, r * std::cos(theta), p.mean));
    out[1] = static_cast<T>(std::fma(p.std, r * std::sin(theta), p.mean));
  }
  void operator()(const std::uint32_t* w, T* out) const {
    if constexpr (sizeof(T) == 4) {
      pair(unit24_open0(w[0]), unit24(w[1]), out);
      pair(unit24_open0(w[2]), unit24(w[3]), out + 2);
    } else {
      pair(unit53_open0(w[0], w[1]), unit53(w[2], w[3]), out);
    }
  }
};

template <class T>
struct Bernoulli {
  static constexpr int kPerBlock = random::values_per_block<T>(random::Distribution::Bernoulli);
  const random::BernoulliParams<T>& p;
  void operator()(const std::uint32_t* w, T* out) const {
    for (int k = 0; k < kPerBlock; ++k) out[k] = unit<T>(w, k) < p.p ? T(1) : T(0);
  }
};

// floor(r * range / 2^64) for a 64-bit r = (hi, lo) and range <= 2^32, exactly, without a
// 128-bit type: (hi * range + (lo * range >> 32)) >> 32.
struct Randint {
  static constexpr int kPerBlock = random::values_per_block<std::int32_t>(random::Distribution::Randint);
  const random::RandintParams& p;
  void operator()(const std::uint32_t* w, std::int32_t* out) const {
    for (int k = 0; k < kPerBlock; ++k) {
      const std::uint64_t hi = w[2 * k], lo = w[2 * k + 1];
      const std::uint64_t scaled = (hi * p.range + ((lo * p.range) >> 32)) >> 32;
      out[k] = static_cast<std::int32_t>(p.low + static_cast<std::int64_t>(scaled));
    }
  }
};

// Writes out[i] for i in [begin, end): value i comes from block offset + i / K, slot i % K.
// A TU that defines KILN_RANDOM_PHILOX8 supplies philox8(seed, first, out[8]), eight
// consecutive blocks at once (bit-identical to philox_block), used for runs of whole blocks.
template <class T, class D>
void fill(const D& d, const random::Stream& s, T* out, std::int64_t begin, std::int64_t end) {
  constexpr std::int64_t K = D::kPerBlock;
  T vals[K];
  std::int64_t i = begin;
  while (i < end) {
    const std::int64_t b = i / K;
    const std::uint64_t block = s.offset + static_cast<std::uint64_t>(b);
    if (i == b * K) {
#if defined(KILN_RANDOM_PHILOX8)
      if (i + 8 * K <= end) {
        random::PhiloxBlock w8[8];
        philox8(s.seed, block, w8);
        for (int j = 0; j < 8; ++j) d(w8[j].w, out + i + j * K);
        i += 8 * K;
        continue;
      }
#endif
      if (i + K <= end) {
        d(random::philox_block(s.seed, block).w, out + i);  // whole block
        i += K;
        continue;
      }
    }
    d(random::philox_block(s.seed, block).w, vals);  // a block cut by begin or end
    const std::int64_t stop = std::min(end, (b + 1) * K);
    for (; i < stop; ++i) out[i] = vals[i - b * K];
  }
}

}  // namespace

#define KILN_RANDOM_DEFINE_LEAVES(T)                                                            \
  void uniform_range(const random::UniformParams<T>& p, T* out, std::int64_t begin,            \
                     std::int64_t end) {                                                        \
    fill(Uniform<T>{p}, p.stream, out, begin, end);                                             \
  }                                                                                             \
  void normal_range(const random::NormalParams<T>& p, T* out, std::int64_t begin,              \
                    std::int64_t end) {                                                         \
    fill(Normal<T>{p}, p.stream, out, begin, end);                                              \
  }                                                                                             \
  void bernoulli_range(const random::BernoulliParams<T>& p, T* out, std::int64_t begin,        \
                       std::int64_t end) {                                                      \
    fill(Bernoulli<T>{p}, p.stream, out, begin, end);                                           \
  }

KILN_RANDOM_DEFINE_LEAVES(float)
KILN_RANDOM_DEFINE_LEAVES(double)
#undef KILN_RANDOM_DEFINE_LEAVES

void randint_range(const random::RandintParams& p, std::int32_t* out, std::int64_t begin, std::int64_t end) {
  fill(Randint{p}, p.stream, out, begin, end);
}

}  // namespace kiln::KILN_RANDOM_ISA
