// Packing for the GEMM driver: copies a block of op(A) or op(B) into the contiguous,
// zero-padded micro-panel layout the micro-kernels read (see gemm_ukernel.h). Packing is
// where the transposes and leading dimensions are absorbed, so the micro-kernel sees one
// layout only.
#pragma once

#include <cstdint>

#include "kernels/gemm/gemm_ukernel.h"

namespace kiln::gemm_internal {

// Packs rows [i0, i0 + rows) x columns [p0, p0 + kc) of op(A) (op(A)(i, p) = trans ?
// a[p * lda + i] : a[i * lda + p]) into one MR-row micro-panel: out[p * mr + r], rows
// beyond `rows` (< mr at the bottom edge) are zero. `gather` (may be null) packs full strips
// of A not transposed.
template <class T>
void pack_a_panel(bool trans, const T* a, std::int64_t lda, std::int64_t i0, std::int64_t rows,
                  std::int64_t p0, std::int64_t kc, int mr, GatherFn<T> gather, T* out);

// Packs rows [p0, p0 + kc) x columns [j0, j0 + cols) of op(B) (op(B)(p, j) = trans ?
// b[j * ldb + p] : b[p * ldb + j]) into one NR-column micro-panel: out[p * nr + c], columns
// beyond `cols` are zero. `gather` (may be null) packs full strips of B transposed.
template <class T>
void pack_b_panel(bool trans, const T* b, std::int64_t ldb, std::int64_t p0, std::int64_t kc,
                  std::int64_t j0, std::int64_t cols, int nr, GatherFn<T> gather, T* out);

}  // namespace kiln::gemm_internal
