// The GEMM micro-kernel interface between the portable driver (gemm.cpp: loops, packing,
// threading) and each ISA's leaf code.
//
// A micro-kernel computes one MR x NR tile of C from a packed A micro-panel (kc columns of MR
// values: a[p * MR + i]) and a packed B micro-panel (kc rows of NR values: b[p * NR + j],
// 64-byte aligned), and applies the epilogue while writing:
//   C = alpha * (A * B) + beta * C,   with C not read when beta == 0.
// Only full tiles reach it; the driver routes edge tiles through `run_rows` (bottom edge,
// full width) or a small buffer (right edge).
// Packing is portable (gemm_pack.cpp) except the transposing gather, which an ISA may supply.
#pragma once

#include <cstdint>

namespace kiln::gemm_internal {

template <class T>
using MicroKernelFn = void (*)(std::int64_t kc, const T* a, const T* b, T* c, std::int64_t ldc,
                               T alpha, T beta);

// Optional ISA packing of one full strip in the transposing direction: out[p * W + r] =
// src[r * row_stride + p] for r < W (W = mr for A, nr for B), p < kc. Null: portable code.
template <class T>
using GatherFn = void (*)(const T* src, std::int64_t row_stride, std::int64_t kc, T* out);

// Optional: the first `rows` (< mr) rows of a tile, same contract as MicroKernelFn
// otherwise. Null: the driver runs the full tile into a buffer.
template <class T>
using PartialRowsFn = void (*)(int rows, std::int64_t kc, const T* a, const T* b, T* c,
                               std::int64_t ldc, T alpha, T beta);

// A micro-kernel with the cache blocking tuned for it, and its packing helpers.
template <class T>
struct MicroKernel {
  MicroKernelFn<T> run;
  int mr;  // rows of a tile (and of a packed A micro-panel)
  int nr;  // columns of a tile (and of a packed B micro-panel)
  int kc;  // depth of one packed block: a B micro-panel (kc x nr) stays in L1
  int mc;  // most rows of A packed for one tile: an A block (mc x kc) stays in L2
  int nc;  // most columns of B packed at once: the B block (kc x nc) stays in L3
  const char* name;
  GatherFn<T> gather_a;  // A not transposed
  GatherFn<T> gather_b;  // B transposed
  PartialRowsFn<T> run_rows;
};

}  // namespace kiln::gemm_internal

namespace kiln::scalar {
gemm_internal::MicroKernel<float> sgemm_micro_kernel();
gemm_internal::MicroKernel<double> dgemm_micro_kernel();
}  // namespace kiln::scalar

#if defined(KILN_HAVE_AVX2)
namespace kiln::avx2 {
gemm_internal::MicroKernel<float> sgemm_micro_kernel();
gemm_internal::MicroKernel<double> dgemm_micro_kernel();
}  // namespace kiln::avx2
#endif
