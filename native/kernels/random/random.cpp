// Portable half of the random fills: parameters, fixed-range threading, ISA dispatch.
#include "kernels/random/random.h"

#include <cmath>
#include <limits>

#include "cpu/isa.h"
#include "cpu/thread_pool.h"
#include "kernels/random/random_leaf.h"

namespace kiln::random {
namespace {

// Values per range: a multiple of every values_per_block, so ranges start on block
// boundaries; large enough (0.1-0.5 ms of work) to amortize a block claim, small enough
// that 1e6 values make 16 ranges to share.
constexpr std::int64_t kGrain = 65536;

std::uint64_t blocks_for(std::int64_t n, int per_block) {
  return static_cast<std::uint64_t>((n + per_block - 1) / per_block);
}

// The largest T whose value is below high, so a rounded-up low + scale * u can be clamped.
template <class T>
T largest_below(double high) {
  T t = static_cast<T>(high);
  while (static_cast<double>(t) >= high) t = std::nextafter(t, -std::numeric_limits<T>::infinity());
  return t;
}

}  // namespace

template <class T>
std::uint64_t uniform_fill(T* out, std::int64_t n, std::uint64_t seed, std::uint64_t offset,
                           double low, double high) {
  const UniformParams<T> p{{seed, offset}, low, high - low, largest_below<T>(high)};
  cpu::parallel_range(n, kGrain, [&](std::int64_t b, std::int64_t e) { KILN_DISPATCH(uniform_range, p, out, b, e); });
  return blocks_for(n, values_per_block<T>(Distribution::Uniform));
}

template <class T>
std::uint64_t normal_fill(T* out, std::int64_t n, std::uint64_t seed, std::uint64_t offset,
                          double mean, double std) {
  const NormalParams<T> p{{seed, offset}, mean, std};
  cpu::parallel_range(n, kGrain, [&](std::int64_t b, std::int64_t e) { KILN_DISPATCH(normal_range, p, out, b, e); });
  return blocks_for(n, values_per_block<T>(Distribution::Normal));
}

template <class T>
std::uint64_t bernoulli_fill(T* out, std::int64_t n, std::uint64_t seed, std::uint64_t offset,
                             double prob) {
  const BernoulliParams<T> p{{seed, offset}, prob};
  cpu::parallel_range(n, kGrain, [&](std::int64_t b, std::int64_t e) { KILN_DISPATCH(bernoulli_range, p, out, b, e); });
  return blocks_for(n, values_per_block<T>(Distribution::Bernoulli));
}

std::uint64_t randint_fill(std::int32_t* out, std::int64_t n, std::uint64_t seed,
                           std::uint64_t offset, std::int64_t low, std::int64_t high) {
  const RandintParams p{{seed, offset}, low, static_cast<std::uint64_t>(high - low)};
  cpu::parallel_range(n, kGrain, [&](std::int64_t b, std::int64_t e) { KILN_DISPATCH(randint_range, p, out, b, e); });
  return blocks_for(n, values_per_block<std::int32_t>(Distribution::Randint));
}

#define KILN_RANDOM_INSTANTIATE(T)                                                                     \
  template std::uint64_t uniform_fill<T>(T*, std::int64_t, std::uint64_t, std::uint64_t, double, double); \
  template std::uint64_t normal_fill<T>(T*, std::int64_t, std::uint64_t, std::uint64_t, double, double);  \
  template std::uint64_t bernoulli_fill<T>(T*, std::int64_t, std::uint64_t, std::uint64_t, double);
KILN_RANDOM_INSTANTIATE(float)
KILN_RANDOM_INSTANTIATE(double)
#undef KILN_RANDOM_INSTANTIATE

}  // namespace kiln::random
