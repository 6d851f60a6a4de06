// Philox4x32-10 known answers, fill determinism (thread count, splitting), distribution
// statistics, on every ISA path (the runner repeats the file per path).
#include <climits>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/isa.h"
#include "cpu/thread_pool.h"
#include "harness.h"
#include "kernels/random/random.h"

namespace rnd = kiln::random;

namespace {

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class T>
void mean_var(const std::vector<T>& x, double* mean, double* var) {
  double s = 0, s2 = 0;
  for (T v : x) s += v;
  *mean = s / x.size();
  for (T v : x) s2 += (v - *mean) * (v - *mean);
  *var = s2 / (x.size() - 1);
}

// Every fill kind, as one call on [0, n) with the given seed and offset; the values of all
// kinds concatenated as doubles (exact for float and int32) plus the block counts returned.
std::vector<double> all_fills(std::int64_t n, std::uint64_t seed, std::uint64_t offset,
                              std::int64_t split = -1) {
  std::vector<double> out;
  auto run = [&](auto* tag, auto fillfn) {
    using T = std::remove_pointer_t<decltype(tag)>;
    std::vector<T> v(n);
    if (split < 0) {
      out.push_back(static_cast<double>(fillfn(v.data(), n, offset)));
    } else {
      const std::uint64_t used = fillfn(v.data(), split, offset);
      const std::uint64_t rest = fillfn(v.data() + split, n - split, offset + used);
      out.push_back(static_cast<double>(used + rest));
    }
    out.insert(out.end(), v.begin(), v.end());
  };
  auto uniform = [&](auto* out_, std::int64_t k, std::uint64_t off) { return rnd::uniform_fill(out_, k, seed, off, -1.0, 2.0); };
  auto normal = [&](auto* out_, std::int64_t k, std::uint64_t off) { return rnd::normal_fill(out_, k, seed, off, 1.0, 3.0); };
  auto bern = [&](auto* out_, std::int64_t k, std::uint64_t off) { return rnd::bernoulli_fill(out_, k, seed, off, 0.3); };
  auto randint = [&](std::int32_t* out_, std::int64_t k, std::uint64_t off) { return rnd::randint_fill(out_, k, seed, off, -5, 1000); };
  run(static_cast<float*>(nullptr), uniform);
  run(static_cast<double*>(nullptr), uniform);
  run(static_cast<float*>(nullptr), normal);
  run(static_cast<double*>(nullptr), normal);
  run(static_cast<float*>(nullptr), bern);
  run(static_cast<double*>(nullptr), bern);
  run(static_cast<std::int32_t*>(nullptr), randint);
  return out;
}

}  // namespace

// Random123's tests/kat_vectors ("philox4x32 10" lines), the reference implementation's
// known answers: counter words 0-3, key words 0-1 -> output words 0-3.
TEST(random_philox4x32_10_known_answers) {
  struct Kat {
    std::uint32_t ctr[4], key[2], out[4];
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    const rnd::PhiloxBlock b = rnd::philox4x32_10(k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3], k.key[0], k.key[1]);
    for (int i = 0; i < 4; ++i) CHECK(b.w[i] == k.out[i]);
  }
  // The stream layout: seed -> key (low word first), block index -> counter words 0, 1.
  const rnd::PhiloxBlock s = rnd::philox_block(0x299f31d0a4093822ull, 0x85a308d3243f6a88ull);
  const rnd::PhiloxBlock r = rnd::philox4x32_10(0x243f6a88, 0x85a308d3, 0, 0, 0xa4093822, 0x299f31d0);
  for (int i = 0; i < 4; ++i) CHECK(s.w[i] == r.w[i]);
}

TEST(random_fills_identical_at_any_thread_count_and_split) {
  const std::int64_t n = 300001;  // several 64K ranges and a partial last block
  kiln::cpu::set_num_threads(1);
  const auto one = all_fills(n, 42, 7);
  kiln::cpu::set_num_threads(2);
  CHECK(same_bytes(one, all_fills(n, 42, 7)));
  // A later fill continues the stream: two fills whose offsets advance by the returned block
  // counts equal one fill (splits on a block boundary: a multiple of 4 values).
  for (std::int64_t split : {0LL, 4LL, 1000LL, 65536LL * 2 + 12})
    CHECK(same_bytes(one, all_fills(n, 42, 7, split)));
  CHECK(!same_bytes(one, all_fills(n, 43, 7)));
  CHECK(!same_bytes(one, all_fills(n, 42, 8)));
  // Block counts: ceil(n / 4) for float draws, ceil(n / 2) for double and int32.
  std::vector<float> f(5);
  std::vector<double> d(5);
  std::vector<std::int32_t> k(5);
  CHECK(rnd::uniform_fill(f.data(), 5, 1, 0, 0.0, 1.0) == 2);
  CHECK(rnd::normal_fill(d.data(), 5, 1, 0, 0.0, 1.0) == 3);
  CHECK(rnd::randint_fill(k.data(), 5, 1, 0, 0, 3) == 3);
  CHECK(rnd::bernoulli_fill(f.data(), 0, 1, 0, 0.5) == 0);
}

// The same seed gives the same numbers on every ISA path (a model initialized on a machine
// without AVX2 matches one initialized with it): the AVX2 Philox is integer-exact and the
// mapping's multiply-adds are explicit fma.
TEST(random_fills_identical_on_every_isa_path) {
  using kiln::cpu::Isa;
  const Isa active = kiln::cpu::active_isa();
  const std::int64_t n = 70001;  // whole 8-block runs, single blocks and a cut block
  CHECK(kiln::cpu::set_active_isa(Isa::Scalar));
  const auto reference = all_fills(n, 77, 3, 12);
  for (Isa isa : {Isa::Scalar, Isa::Avx2}) {
    if (!kiln::cpu::set_active_isa(isa)) continue;
    CHECK(same_bytes(reference, all_fills(n, 77, 3)));
  }
  kiln::cpu::set_active_isa(active);
}

TEST(random_values_depend_on_seed_offset_and_index_only) {
  // A fill started mid-stream (offset + 3 blocks) equals the tail of a fill from the start.
  std::vector<double> full(40), tail(28);
  rnd::normal_fill(full.data(), 40, 99, 1000, 0.0, 1.0);
  rnd::normal_fill(tail.data(), 28, 99, 1006, 0.0, 1.0);
  for (int i = 0; i < 28; ++i) CHECK(tail[i] == full[12 + i]);
  // The 64-bit counter carries into its high word.
  std::vector<float> a(8), b(4);
  rnd::uniform_fill(a.data(), 8, 5, 0xffffffffull, 0.0, 1.0);
  rnd::uniform_fill(b.data(), 4, 5, 0x100000000ull, 0.0, 1.0);
  for (int i = 0; i < 4; ++i) CHECK(a[4 + i] == b[i]);
}

TEST(random_uniform_statistics_and_range) {
  const std::int64_t n = 1000000;
  std::vector<float> f(n);
  std::vector<double> d(n);
  rnd::uniform_fill(f.data(), n, 1, 0, -2.0, 3.0);
  rnd::uniform_fill(d.data(), n, 2, 0, -2.0, 3.0);
  const double sd = 5 / std::sqrt(12.0), se = sd / std::sqrt(double(n));
  double mean, var;
  mean_var(f, &mean, &var);
  CHECK_CLOSE(mean, 0.5, 0, 5 * se);
  CHECK_CLOSE(var, sd * sd, 0.01, 0);
  mean_var(d, &mean, &var);
  CHECK_CLOSE(mean, 0.5, 0, 5 * se);
  CHECK_CLOSE(var, sd * sd, 0.01, 0);
  for (float x : f) CHECK(x >= -2.0f && x < 3.0f);
  for (double x : d) CHECK(x >= -2.0 && x < 3.0);
  // A range a few float ulps wide: low + scale * u often rounds to high and must be clamped.
  const double low = 1.0, high = 1.0 + 0x1p-21;
  rnd::uniform_fill(f.data(), n, 3, 0, low, high);
  bool saw_top = false;
  for (float x : f) {
    CHECK(x >= low && x < high);
    saw_top |= x == static_cast<float>(1.0 + 0x1p-22 * 1.5);  // 1 + 3 ulps: the largest below high
  }
  CHECK(saw_top);
  // [0, 1) exactly: the fp32 values are k * 2^-24, never 1.
  rnd::uniform_fill(f.data(), n, 4, 0, 0.0, 1.0);
  for (float x : f) CHECK(x >= 0.0f && x < 1.0f && x * 16777216.0f == std::floor(x * 16777216.0f));
}

TEST(random_normal_statistics) {
  const std::int64_t n = 1000000;
  std::vector<float> f(n);
  std::vector<double> d(n);
  rnd::normal_fill(f.data(), n, 11, 0, 2.0, 3.0);
  rnd::normal_fill(d.data(), n, 12, 0, -1.0, 0.5);
  double mean, var;
  mean_var(f, &mean, &var);
  CHECK_CLOSE(mean, 2.0, 0, 5 * 3.0 / 1000);
  CHECK_CLOSE(var, 9.0, 0.01, 0);  // se of the variance: sqrt(2/n) ~ 0.14%
  mean_var(d, &mean, &var);
  CHECK_CLOSE(mean, -1.0, 0, 5 * 0.5 / 1000);
  CHECK_CLOSE(var, 0.25, 0.01, 0);
  std::int64_t beyond2 = 0;
  for (double x : d) {
    CHECK(std::isfinite(x));
    beyond2 += std::fabs(x + 1.0) > 1.0;  // |z| > 2: P = 0.0455
  }
  CHECK_CLOSE(beyond2 / double(n), 0.0455, 0, 5 * std::sqrt(0.0455 * 0.9545 / n));
  for (float x : f) CHECK(std::isfinite(x));
  rnd::normal_fill(f.data(), 100, 13, 0, 4.0, 0.0);  // std 0 is a constant
  for (int i = 0; i < 100; ++i) CHECK(f[i] == 4.0f);
}

TEST(random_bernoulli_frequency) {
  const std::int64_t n = 1000000;
  std::vector<float> f(n);
  std::vector<double> d(n);
  for (double p : {0.0, 0.3, 0.999, 1.0}) {
    rnd::bernoulli_fill(f.data(), n, 21, 0, p);
    rnd::bernoulli_fill(d.data(), n, 22, 0, p);
    double sf = 0, sd = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      CHECK(f[i] == 0.0f || f[i] == 1.0f);
      sf += f[i];
      sd += d[i];
    }
    const double se = std::sqrt(p * (1 - p) / n);
    CHECK_CLOSE(sf / n, p, 0, 5 * se);
    CHECK_CLOSE(sd / n, p, 0, 5 * se);
  }
}

TEST(random_randint_buckets_and_extremes) {
  const std::int64_t n = 1000000;
  std::vector<std::int32_t> k(n);
  rnd::randint_fill(k.data(), n, 31, 0, -3, 7);
  std::vector<std::int64_t> count(10, 0);
  for (std::int32_t x : k) {
    CHECK(x >= -3 && x < 7);
    if (x >= -3 && x < 7) ++count[x + 3];
  }
  const double expect = n / 10.0, sd = std::sqrt(n * 0.1 * 0.9);
  for (std::int64_t c : count) CHECK_CLOSE(static_cast<double>(c), expect, 0, 5 * sd);
  // The widest range the int32 output allows, and a one-value range.
  rnd::randint_fill(k.data(), n, 32, 0, INT_MIN, INT_MAX);
  std::int64_t negative = 0;
  for (std::int32_t x : k) {
    CHECK(x < INT_MAX);
    negative += x < 0;
  }
  CHECK_CLOSE(negative / double(n), 0.5, 0, 5 * 0.5 / 1000);
  rnd::randint_fill(k.data(), 1000, 33, 0, 12, 13);
  for (int i = 0; i < 1000; ++i) CHECK(k[i] == 12);
}
