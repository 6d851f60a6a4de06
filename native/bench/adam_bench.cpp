// W5 of BENCH.md: one fp32 Adam step over 1e6 and 1e7 parameters against a STREAM-like triad
// measured in the same run, at 1 and 2 threads. Prints one JSON line per measurement
// (bench/adam.ts parses them and prints the table with the verdict).
//   triad: a[i] = b[i] + s * c[i], counted at 12 bytes per element (STREAM convention)
//   adam:  reads p, g, m, v and writes p, m, v: 28 bytes per parameter
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "cpu/thread_pool.h"
#include "kernels/optim/optim.h"

namespace {

template <class F>
double median_seconds(F&& f, int reps, int warmup = 2) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Same fixed-block split as the optimizer kernels, so both see the same threading.
constexpr std::int64_t kGrain = 32768;

void triad(float* a, const float* b, const float* c, float s, std::int64_t n) {
  kiln::cpu::parallel_range(n, kGrain, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) a[i] = b[i] + s * c[i];
  });
}

}  // namespace

int main() {
  // 3 x 96 MiB: far beyond the 32 MiB L3, so the triad measures DRAM bandwidth.
  const std::int64_t triad_n = 25'165'824;
  std::vector<float> a(triad_n, 0.f), b(triad_n, 1.f), c(triad_n, 2.f);
  std::vector<double> triad_gbps(3);
  for (int threads : {1, 2}) {
    kiln::cpu::set_num_threads(threads);
    const double s = median_seconds([&] { triad(a.data(), b.data(), c.data(), 0.5f, triad_n); }, 10);
    triad_gbps[threads] = 12.0 * triad_n / s / 1e9;
    std::printf("{\"kind\":\"triad\",\"threads\":%d,\"n\":%lld,\"ms\":%.4f,\"gbps\":%.3f}\n", threads,
                static_cast<long long>(triad_n), s * 1e3, triad_gbps[threads]);
  }
  a = b = c = std::vector<float>();

  kiln::optim::AdamOptions o;
  o.lr = 1e-3;
  o.weight_decay = 0.01;
  o.decoupled = true;
  for (std::int64_t n : {1'000'000LL, 10'000'000LL}) {
    std::vector<float> p(n, 0.5f), g(n, 0.01f), m(n, 0.f), v(n, 0.f);
    for (int threads : {1, 2}) {
      kiln::cpu::set_num_threads(threads);
      const double s = median_seconds(
          [&] {
            ++o.step;
            kiln::optim::adam_step(p.data(), g.data(), m.data(), v.data(), static_cast<float*>(nullptr), n, o);
          },
          n >= 10'000'000 ? 15 : 40);
      const double gbps = 28.0 * n / s / 1e9;
      std::printf("{\"kind\":\"adam\",\"threads\":%d,\"n\":%lld,\"ms\":%.4f,\"gbps\":%.3f,\"ratio\":%.3f}\n",
                  threads, static_cast<long long>(n), s * 1e3, gbps, gbps / triad_gbps[threads]);
    }
  }
  // Per-call cost on a small parameter (runs inline, one block): what the JS binding adds to
  // this is its whole overhead.
  {
    const std::int64_t n = 1000;
    std::vector<float> p(n, 0.5f), g(n, 0.01f), m(n, 0.f), v(n, 0.f);
    kiln::cpu::set_num_threads(1);
    const double s = median_seconds(
        [&] {
          ++o.step;
          kiln::optim::adam_step(p.data(), g.data(), m.data(), v.data(), static_cast<float*>(nullptr), n, o);
        },
        2001, 100);
    std::printf("{\"kind\":\"adam_small\",\"threads\":1,\"n\":%lld,\"ms\":%.6f,\"gbps\":%.3f}\n",
                static_cast<long long>(n), s * 1e3, 28.0 * n / s / 1e9);
  }
  return 0;
}
