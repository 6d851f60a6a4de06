#include "cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define KILN_PAUSE() _mm_pause()
#else
#define KILN_PAUSE() std::this_thread::yield()
#endif

namespace kiln::cpu {
namespace {

// Physical cores from Linux's topology files (SMT siblings counted once); elsewhere the
// hardware thread count.
int physical_cores() {
  const unsigned logical = std::max(1u, std::thread::hardware_concurrency());
  std::set<std::pair<std::string, std::string>> cores;
  for (unsigned cpu = 0; cpu < logical; ++cpu) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream package(base + "physical_package_id"), core(base + "core_id");
    std::string p, c;
    if (!(package >> p) || !(core >> c)) return static_cast<int>(logical);
    cores.emplace(p, c);
  }
  return cores.empty() ? static_cast<int>(logical) : static_cast<int>(cores.size());
}

class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }

  int size() const { return size_; }

  void resize(int threads) {
    threads = std::clamp(threads, 1, 1024);
    std::lock_guard<std::mutex> submit(submit_mutex_);
    stop_workers();
    size_ = threads;
    stopping_ = false;
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
  }

  void run(std::int64_t n_blocks, BlockFn fn, void* ctx) {
    std::unique_lock<std::mutex> submit(submit_mutex_, std::try_to_lock);
    if (!submit.owns_lock() || workers_.empty()) {
      for (std::int64_t b = 0; b < n_blocks; ++b) fn(ctx, b);
      return;
    }
    {
      // A worker still inside the previous job's claim loop must leave it before the
      // counters are reset, or it could claim a block of this job with the old function.
      std::unique_lock<std::mutex> lock(mutex_);
      while (active_.load(std::memory_order_acquire) != 0) {
        lock.unlock();
        KILN_PAUSE();
        lock.lock();
      }
      fn_ = fn;
      ctx_ = ctx;
      n_blocks_ = n_blocks;
      next_.store(0, std::memory_order_relaxed);
      done_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    work(fn, ctx, n_blocks);
    while (done_.load(std::memory_order_acquire) < n_blocks) KILN_PAUSE();
  }

 private:
  void work(BlockFn fn, void* ctx, std::int64_t n_blocks) {
    for (;;) {
      const std::int64_t b = next_.fetch_add(1, std::memory_order_relaxed);
      if (b >= n_blocks) return;
      fn(ctx, b);
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void worker_loop() {
    std::uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      // Spin briefly so back-to-back kernels do not pay a futex wake-up, then sleep.
      for (int spin = 0; spin < 20000 && generation_.load(std::memory_order_acquire) == seen &&
                         !stopping_.load(std::memory_order_relaxed);
           ++spin) {
        KILN_PAUSE();
      }
      BlockFn fn;
      void* ctx;
      std::int64_t n_blocks;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] {
          return stopping_.load(std::memory_order_relaxed) ||
                 generation_.load(std::memory_order_acquire) != seen;
        });
        if (stopping_.load(std::memory_order_relaxed)) return;
        seen = generation_.load(std::memory_order_acquire);
        active_.fetch_add(1, std::memory_order_acq_rel);
        fn = fn_;
        ctx = ctx_;
        n_blocks = n_blocks_;
      }
      work(fn, ctx, n_blocks);
      active_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex submit_mutex_;  // one parallel job at a time
  std::mutex mutex_;         // guards the job description below
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> generation_{0};
  BlockFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::int64_t n_blocks_ = 0;
  std::atomic<std::int64_t> next_{0};
  std::atomic<std::int64_t> done_{0};
  std::atomic<int> active_{0};  // workers between reading a job and leaving its claim loop
};

int env_threads() {
  const char* s = std::getenv("KILN_NUM_THREADS");
  if (!s || !*s) return 0;
  char* end = nullptr;
  const long n = std::strtol(s, &end, 10);
  return (end && *end == '\0' && n >= 1 && n <= 1024) ? static_cast<int>(n) : 0;
}

// Deliberately never destroyed: worker threads must outlive every static destructor that
// might still run a kernel, and the OS reclaims them at exit.
Pool& pool() {
  static Pool* p = new Pool(default_num_threads());
  return *p;
}

}  // namespace

int default_num_threads() {
  const int from_env = env_threads();
  return from_env > 0 ? from_env : physical_cores();
}

int num_threads() { return pool().size(); }

void set_num_threads(int n) { pool().resize(n); }

void run_blocks(std::int64_t n_blocks, BlockFn fn, void* ctx) {
  if (n_blocks <= 0) return;
  Pool& p = pool();
  if (n_blocks == 1 || p.size() == 1) {
    for (std::int64_t b = 0; b < n_blocks; ++b) fn(ctx, b);
    return;
  }
  p.run(n_blocks, fn, ctx);
}

}  // namespace kiln::cpu
