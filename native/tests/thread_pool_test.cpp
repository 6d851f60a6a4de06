#include <atomic>
#include <vector>

#include "cpu/thread_pool.h"
#include "harness.h"

using kiln::cpu::num_threads;
using kiln::cpu::parallel_for;
using kiln::cpu::parallel_range;
using kiln::cpu::set_num_threads;

TEST(thread_pool_runs_every_block_once) {
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    CHECK(num_threads() == threads);
    for (int n : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      parallel_for(n, [&](std::int64_t b) { hits[b].fetch_add(1); });
      for (int i = 0; i < n; ++i) CHECK(hits[i].load() == 1);
    }
  }
  set_num_threads(2);
}

TEST(thread_pool_ranges_cover_and_do_not_overlap) {
  set_num_threads(2);
  for (std::int64_t n : {1, 5, 64, 1001}) {
    for (std::int64_t grain : {1, 3, 64, 5000}) {
      std::vector<std::atomic<int>> hits(n);
      parallel_range(n, grain, [&](std::int64_t b, std::int64_t e) {
        CHECK(e - b <= grain);
        CHECK(b % grain == 0);
        for (std::int64_t i = b; i < e; ++i) hits[i].fetch_add(1);
      });
      for (std::int64_t i = 0; i < n; ++i) CHECK(hits[i].load() == 1);
    }
  }
}

TEST(thread_pool_survives_many_back_to_back_jobs) {
  set_num_threads(2);
  std::atomic<std::int64_t> sum{0};
  for (int rep = 0; rep < 20000; ++rep) {
    parallel_for(3, [&](std::int64_t b) { sum.fetch_add(b + 1); });
  }
  CHECK(sum.load() == 20000 * 6);
}
