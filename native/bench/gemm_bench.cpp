// W1 of BENCH.md: kiln's sgemm beside OpenBLAS's cblas_sgemm, 1 and 2 threads, measured
// alternately (in blocks) in one run, median of repeats after warm-up. Also the micro-kernel alone on
// packed data. Prints JSON lines for bench/gemm.ts:
//   {"kind":"info",...}  {"kind":"ukernel",...}  {"kind":"gemm",...}
// Usage: gemm_bench [max_n]   (default 2048)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cpu/isa.h"
#include "cpu/thread_pool.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/gemm_ukernel.h"

#if defined(KILN_WITH_OPENBLAS)
#include <cblas.h>
#endif

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::vector<float> random_vector(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

template <class F>
void time_block(F&& f, int reps, std::vector<double>& times) {
  f();
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    f();
    times.push_back(now() - t0);
  }
}

struct Case {
  const char* op;  // NN, TN (A transposed), NT (B transposed)
  long m, n, k;
};

// The active micro-kernel on one packed A panel and one packed B panel (both in L1), the
// kernel's own ceiling without any memory traffic.
void bench_micro_kernel() {
  const auto uk = KILN_DISPATCH(sgemm_micro_kernel);
  const long kc = uk.kc;
  std::vector<float> a = random_vector(uk.mr * kc, 1);
  float* b = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * uk.nr * kc));
  for (long i = 0; i < uk.nr * kc; ++i) b[i] = 0.001f * static_cast<float>(i % 7);
  std::vector<float> c(uk.mr * uk.nr);
  const long calls = 200000;
  std::vector<double> times;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = now();
    for (long i = 0; i < calls; ++i) uk.run(kc, a.data(), b, c.data(), uk.nr, 1.f, 1.f);
    times.push_back(now() - t0);
  }
  std::free(b);
  const double flops = 2.0 * uk.mr * uk.nr * kc * calls;
  std::printf("{\"kind\":\"ukernel\",\"name\":\"%s\",\"gflops\":%.2f}\n", uk.name, flops / median(times) / 1e9);
}

void bench_case(const Case& cs, int threads) {
  const bool ta = cs.op[0] == 'T', tb = cs.op[1] == 'T';
  const long lda = ta ? cs.m : cs.k, ldb = tb ? cs.k : cs.n, ldc = cs.n;
  const auto a = random_vector(cs.m * cs.k, 2), b = random_vector(cs.k * cs.n, 3);
  std::vector<float> c(cs.m * cs.n);
  const double flops = 2.0 * cs.m * cs.n * cs.k;
  // About 0.25 s of kiln work per shape, at least 2 timed calls per block.
  const int reps = std::max(10, std::min(150, static_cast<int>(0.25 / (flops / (threads * 80e9)))));
  kiln::cpu::set_num_threads(threads);
  auto run_kiln = [&] {
    kiln::gemm(ta, tb, cs.m, cs.n, cs.k, 1.f, a.data(), lda, b.data(), ldb, 0.f, c.data(), ldc);
  };
#if defined(KILN_WITH_OPENBLAS)
  openblas_set_num_threads(threads);
  auto run_blas = [&] {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                cs.m, cs.n, cs.k, 1.f, a.data(), lda, b.data(), ldb, 0.f, c.data(), ldc);
  };
#endif
  // Alternate in blocks rather than call by call: each library's idle workers spin for a
  // while after a call (OpenBLAS's for up to ~2^28 cycles), and would otherwise steal a core
  // from the other library's next call. Each block starts with an untimed warm-up call.
  std::vector<double> tk, tb_;
  constexpr int kRounds = 5;
  const int per_round = (reps + kRounds - 1) / kRounds;
  for (int round = 0; round < kRounds; ++round) {
    time_block(run_kiln, per_round, tk);
    std::this_thread::sleep_for(std::chrono::milliseconds(threads > 1 ? 5 : 0));
#if defined(KILN_WITH_OPENBLAS)
    time_block(run_blas, per_round, tb_);
    std::this_thread::sleep_for(std::chrono::milliseconds(threads > 1 ? 150 : 0));
#endif
  }
  const double kiln_gf = flops / median(tk) / 1e9;
  const double blas_gf = tb_.empty() ? 0.0 : flops / median(tb_) / 1e9;
  std::printf("{\"kind\":\"gemm\",\"op\":\"%s\",\"m\":%ld,\"n\":%ld,\"k\":%ld,\"threads\":%d,"
              "\"reps\":%d,\"kiln\":%.2f,\"openblas\":%.2f}\n",
              cs.op, cs.m, cs.n, cs.k, threads, reps, kiln_gf, blas_gf);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const long max_n = argc > 1 ? std::atol(argv[1]) : 2048;
  const auto isa = kiln::cpu::active_isa();
#if defined(KILN_WITH_OPENBLAS)
  const bool openblas = true;
#else
  const bool openblas = false;
#endif
  std::printf("{\"kind\":\"info\",\"isa\":\"%s\",\"kernel\":\"%s\",\"openblas\":%s}\n",
              kiln::cpu::isa_name(isa), KILN_DISPATCH(sgemm_micro_kernel).name,
              openblas ? "true" : "false");
  bench_micro_kernel();
  std::vector<Case> cases;
  for (long n = 64; n <= max_n; n *= 2) cases.push_back({"NN", n, n, n});
  cases.push_back({"NN", 128, 256, 784});
  cases.push_back({"TN", 128, 256, 784});
  cases.push_back({"NT", 128, 256, 784});
  for (const Case& cs : cases) {
    for (int threads : {1, 2}) bench_case(cs, threads);
  }
  return 0;
}
