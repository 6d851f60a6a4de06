// The portable GEMM driver: BLIS's five loops around the active ISA's micro-kernel.
//
//   jc: columns of C in blocks of nc          B block (kc x nc) packed once, shared
//    pc: the k dimension in blocks of kc      (never split across threads)
//     ic: rows of C in chunks                 A chunk packed once, shared
//      tiles of (tile_rows x tile_cols)       <- threads claim these
//       jr: nr-wide B micro-panels            (in L1 while the ir loop runs)
//        ir: mr-high A micro-panels           (the tile's A rows stay in L2)
//
// Determinism: every element of C is the micro-kernel's sum over each kc block, added in
// pc order; tiles only decide which thread computes it, and tile edges are multiples of
// mr/nr, so the output is bit-identical for any thread count (and any tiling).
#include "kernels/gemm/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>

#include "cpu/isa.h"
#include "cpu/thread_pool.h"
#include "kernels/gemm/gemm_pack.h"
#include "kernels/gemm/gemm_ukernel.h"

namespace kiln {
namespace {

using std::int64_t;
using gemm_internal::MicroKernel;

// Problems below this many multiply-adds run inline on the calling thread.
constexpr double kInlineVolume = 64.0 * 64.0 * 64.0;
// Threaded problems are cut into at least this many output tiles (an even count when the
// rows alone are split), so two threads get balanced shares. A property of the problem,
// never of the thread count.
constexpr int64_t kMinTiles = 4;
// Row tiles per packed A chunk: bounds the A buffer for very tall matrices.
constexpr int64_t kRowTilesPerChunk = 32;
// Micro-panels per packing block when packing runs on the pool.
constexpr int64_t kPanelsPerPackBlock = 4;
constexpr int kMaxTile = 128;  // mr * nr of every micro-kernel fits the edge buffer

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

template <class T> MicroKernel<T> micro_kernel();
template <> MicroKernel<float> micro_kernel<float>() { return KILN_DISPATCH(sgemm_micro_kernel); }
template <> MicroKernel<double> micro_kernel<double>() { return KILN_DISPATCH(dgemm_micro_kernel); }

// Packing buffers, 64-byte aligned, owned by the calling thread and grown on demand: a
// call touches only its own thread's buffers, so concurrent callers (worker_threads) never
// share them, and back-to-back calls do not pay page faults for fresh allocations.
class Buffer {
 public:
  void* get(std::size_t bytes) {
    if (bytes > size_) {
      data_.reset(static_cast<unsigned char*>(std::aligned_alloc(64, round_up(bytes, 64))));
      if (!data_) {
        size_ = 0;
        throw std::bad_alloc();
      }
      size_ = bytes;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(unsigned char* p) const { std::free(p); }
  };
  std::unique_ptr<unsigned char[], Free> data_;
  std::size_t size_ = 0;
};

struct Workspace {
  Buffer a, b;
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

template <class T>
struct Call {
  bool trans_a, trans_b;
  int64_t m, n, k;
  T alpha;
  const T* a;
  int64_t lda;
  const T* b;
  int64_t ldb;
  T beta;
  T* c;
  int64_t ldc;
};

template <class F>
void for_blocks(bool threaded, int64_t n_blocks, F&& f) {
  if (threaded) {
    cpu::parallel_for(n_blocks, f);
  } else {
    for (int64_t i = 0; i < n_blocks; ++i) f(i);
  }
}

// C = beta * C, without reading C when beta == 0.
template <class T>
void scale_c(const Call<T>& g) {
  if (g.beta == T(1)) return;
  for (int64_t i = 0; i < g.m; ++i) {
    T* row = g.c + i * g.ldc;
    if (g.beta == T(0)) {
      std::fill(row, row + g.n, T(0));
    } else {
      for (int64_t j = 0; j < g.n; ++j) row[j] *= g.beta;
    }
  }
}

// One edge tile: the micro-kernel writes alpha * A * B into a small buffer, then the valid
// part is merged into C with beta.
template <class T>
void edge_tile(const MicroKernel<T>& uk, int64_t kc, const T* ap, const T* bp, T* c, int64_t ldc,
               int64_t rows, int64_t cols, T alpha, T beta) {
  alignas(64) T tile[kMaxTile];
  uk.run(kc, ap, bp, tile, uk.nr, alpha, T(0));
  for (int64_t i = 0; i < rows; ++i) {
    T* row = c + i * ldc;
    const T* t = tile + i * uk.nr;
    if (beta == T(0)) {
      for (int64_t j = 0; j < cols; ++j) row[j] = t[j];
    } else {
      for (int64_t j = 0; j < cols; ++j) row[j] = t[j] + beta * row[j];
    }
  }
}

template <class T>
void gemm_driver(const Call<T>& g, bool may_thread) {
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0 || g.alpha == T(0)) {
    scale_c(g);
    return;
  }
  const MicroKernel<T> uk = micro_kernel<T>();
  const int64_t mr = uk.mr, nr = uk.nr;
  const bool small = static_cast<double>(g.m) * g.n * g.k < kInlineVolume;
  const bool threaded = may_thread && !small && cpu::num_threads() > 1;

  // Equal-sized blocks along k and n avoid a thin last block.
  const int64_t kc = ceil_div(g.k, ceil_div(g.k, uk.kc));
  const int64_t nc = round_up(ceil_div(g.n, ceil_div(g.n, uk.nc)), nr);

  // Row tiles of at most mc rows, an even count when there are several.
  int64_t row_tiles = ceil_div(g.m, uk.mc);
  if (row_tiles > 1 && row_tiles % 2) ++row_tiles;
  const int64_t tile_rows = round_up(ceil_div(g.m, row_tiles), mr);
  row_tiles = ceil_div(g.m, tile_rows);
  const int64_t chunk_rows = tile_rows * kRowTilesPerChunk;

  Workspace& ws = workspace();
  T* b_pack = static_cast<T*>(ws.b.get(sizeof(T) * kc * nc));
  T* a_pack = static_cast<T*>(ws.a.get(sizeof(T) * kc * std::min(round_up(g.m, mr), chunk_rows)));

  for (int64_t jc = 0; jc < g.n; jc += nc) {
    const int64_t ncur = std::min(nc, g.n - jc);
    const int64_t b_panels = ceil_div(ncur, nr);
    // Column tiles: enough for kMinTiles in all when the problem is worth threading.
    int64_t col_tiles = small ? 1 : std::min(b_panels, ceil_div(kMinTiles, row_tiles));
    const int64_t tile_cols = nr * ceil_div(b_panels, col_tiles);
    col_tiles = ceil_div(b_panels * nr, tile_cols);

    for (int64_t pc = 0; pc < g.k; pc += kc) {
      const int64_t kcur = std::min(kc, g.k - pc);
      const T beta = pc == 0 ? g.beta : T(1);  // later k blocks accumulate onto C

      for_blocks(threaded, ceil_div(b_panels, kPanelsPerPackBlock), [&](int64_t blk) {
        const int64_t end = std::min(b_panels, (blk + 1) * kPanelsPerPackBlock);
        for (int64_t q = blk * kPanelsPerPackBlock; q < end; ++q) {
          gemm_internal::pack_b_panel(g.trans_b, g.b, g.ldb, pc, kcur, jc + q * nr,
                             std::min(nr, ncur - q * nr), static_cast<int>(nr),
                             b_pack + q * nr * kcur);
        }
      });

      for (int64_t ic = 0; ic < g.m; ic += chunk_rows) {
        const int64_t mcur = std::min(chunk_rows, g.m - ic);
        const int64_t a_panels = ceil_div(mcur, mr);
        for_blocks(threaded, ceil_div(a_panels, kPanelsPerPackBlock), [&](int64_t blk) {
          const int64_t end = std::min(a_panels, (blk + 1) * kPanelsPerPackBlock);
          for (int64_t q = blk * kPanelsPerPackBlock; q < end; ++q) {
            gemm_internal::pack_a_panel(g.trans_a, g.a, g.lda, ic + q * mr, std::min(mr, mcur - q * mr),
                               pc, kcur, static_cast<int>(mr), a_pack + q * mr * kcur);
          }
        });

        const int64_t chunk_row_tiles = ceil_div(mcur, tile_rows);
        for_blocks(threaded, chunk_row_tiles * col_tiles, [&](int64_t t) {
          const int64_t i_begin = (t / col_tiles) * tile_rows;
          const int64_t i_end = std::min(mcur, i_begin + tile_rows);
          const int64_t j_begin = (t % col_tiles) * tile_cols;
          const int64_t j_end = std::min(ncur, j_begin + tile_cols);
          for (int64_t jr = j_begin; jr < j_end; jr += nr) {
            const T* bp = b_pack + jr * kcur;  // panel jr / nr starts at (jr / nr) * nr * kcur
            const int64_t cols = std::min(nr, j_end - jr);
            for (int64_t ir = i_begin; ir < i_end; ir += mr) {
              const T* ap = a_pack + ir * kcur;
              const int64_t rows = std::min(mr, i_end - ir);
              T* c = g.c + (ic + ir) * g.ldc + jc + jr;
              if (rows == mr && cols == nr) {
                uk.run(kcur, ap, bp, c, g.ldc, g.alpha, beta);
              } else {
                edge_tile(uk, kcur, ap, bp, c, g.ldc, rows, cols, g.alpha, beta);
              }
            }
          }
        });
      }
    }
  }
}

template <class T>
void gemm_batched_impl(const Call<T>& g, int64_t stride_a, int64_t stride_b, int64_t stride_c,
                       int64_t batch) {
  if (g.m == 0 || g.n == 0) return;
  // A and B are not touched (nor offset: they may be empty) when the product vanishes.
  const bool reads_ab = g.k > 0 && g.alpha != T(0);
  auto entry = [&](int64_t i) {
    Call<T> e = g;
    if (reads_ab) {
      e.a += i * stride_a;
      e.b += i * stride_b;
    }
    e.c += i * stride_c;
    return e;
  };
  const double volume = static_cast<double>(g.m) * g.n * g.k;
  if (volume >= kInlineVolume || batch == 1) {
    for (int64_t i = 0; i < batch; ++i) gemm_driver(entry(i), true);
    return;
  }
  // Small entries: threads take whole groups of entries, each computed inline. An entry's
  // result does not depend on who computes it, so this is deterministic too.
  const int64_t grain =
      std::max<int64_t>(1, static_cast<int64_t>(kInlineVolume / std::max(volume, 1.0)));
  cpu::parallel_range(batch, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) gemm_driver(entry(i), false);
  });
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc) {
  gemm_driver(Call<float>{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc}, true);
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc) {
  gemm_driver(Call<double>{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc}, true);
}

void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
                  int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c,
                  int64_t batch) {
  gemm_batched_impl(Call<float>{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc},
                    stride_a, stride_b, stride_c, batch);
}

void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                  const double* a, int64_t lda, int64_t stride_a, const double* b, int64_t ldb,
                  int64_t stride_b, double beta, double* c, int64_t ldc, int64_t stride_c,
                  int64_t batch) {
  gemm_batched_impl(Call<double>{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc},
                    stride_a, stride_b, stride_c, batch);
}

}  // namespace kiln
