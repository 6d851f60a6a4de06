// Per-ISA leaf kernels of the random fills and the per-call parameters they take. The
// portable random.cpp validates nothing (the bindings do), prepares these, splits [0, n) into
// fixed ranges and calls the active ISA's leaf per range. A leaf writes out[i] for i in
// [begin, end) of the whole fill (out is the fill's base pointer), so any range split gives
// the same values.
#pragma once

#include <cstdint>

namespace kiln::random {

struct Stream {
  std::uint64_t seed, offset;  // key, and the counter of the fill's first block
};

template <class T>
struct UniformParams {
  Stream stream;
  double low, scale;  // low + scale * u, u in [0, 1)
  T top;              // the largest T below high: results are clamped to it
};

template <class T>
struct NormalParams {
  Stream stream;
  double mean, std;
};

template <class T>
struct BernoulliParams {
  Stream stream;
  double p;
};

struct RandintParams {
  Stream stream;
  std::int64_t low;
  std::uint64_t range;  // high - low, at most 2^32
};

}  // namespace kiln::random

#define KILN_RANDOM_DECLARE_LEAVES(T)                                                           \
  void uniform_range(const random::UniformParams<T>& p, T* out, std::int64_t begin,            \
                     std::int64_t end);                                                         \
  void normal_range(const random::NormalParams<T>& p, T* out, std::int64_t begin,              \
                    std::int64_t end);                                                          \
  void bernoulli_range(const random::BernoulliParams<T>& p, T* out, std::int64_t begin,        \
                       std::int64_t end);

namespace kiln::scalar {
KILN_RANDOM_DECLARE_LEAVES(float)
KILN_RANDOM_DECLARE_LEAVES(double)
void randint_range(const random::RandintParams& p, std::int32_t* out, std::int64_t begin, std::int64_t end);
}  // namespace kiln::scalar
namespace kiln::avx2 {
KILN_RANDOM_DECLARE_LEAVES(float)
KILN_RANDOM_DECLARE_LEAVES(double)
void randint_range(const random::RandintParams& p, std::int32_t* out, std::int64_t begin, std::int64_t end);
}  // namespace kiln::avx2

#undef KILN_RANDOM_DECLARE_LEAVES
