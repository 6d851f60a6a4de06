// One persistent pool of native threads shared by every kernel in the process.
//
// Determinism rule: work is cut into blocks whose boundaries depend only on the problem,
// never on the thread count; threads merely claim blocks. A kernel whose block results
// depend only on the block index therefore gives bit-identical output at any thread count.
// Reductions are never split across blocks in a thread-count-dependent way.
#pragma once

#include <cstdint>
#include <utility>

namespace kiln::cpu {

// Threads kernels may use (the caller counts as one). Default: physical cores, or
// KILN_NUM_THREADS when set.
int num_threads();
// Resizes the pool; n is clamped to [1, 1024].
void set_num_threads(int n);
int default_num_threads();

using BlockFn = void (*)(void* ctx, std::int64_t block);

// Runs fn(ctx, b) for every b in [0, n_blocks), on the pool and the calling thread.
// Runs inline when n_blocks <= 1, the pool has one thread, or another caller (another
// worker_thread's kernel) holds the pool at that moment.
void run_blocks(std::int64_t n_blocks, BlockFn fn, void* ctx);

// parallel_for(n_blocks, f): f(block) for each block index, on the pool.
template <class F>
void parallel_for(std::int64_t n_blocks, F&& f) {
  if (n_blocks <= 0) return;
  if (n_blocks == 1) { f(std::int64_t{0}); return; }
  using Fn = std::remove_reference_t<F>;
  run_blocks(n_blocks, [](void* ctx, std::int64_t b) { (*static_cast<Fn*>(ctx))(b); },
             const_cast<void*>(static_cast<const void*>(&f)));
}

// parallel_range(n, grain, f): splits [0, n) into fixed ranges of `grain` items and calls
// f(begin, end) for each. Ranges depend on n and grain only, so small n runs inline.
template <class F>
void parallel_range(std::int64_t n, std::int64_t grain, F&& f) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const std::int64_t blocks = (n + grain - 1) / grain;
  parallel_for(blocks, [&](std::int64_t b) {
    const std::int64_t begin = b * grain;
    const std::int64_t end = begin + grain < n ? begin + grain : n;
    f(begin, end);
  });
}

}  // namespace kiln::cpu
