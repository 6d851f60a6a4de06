#include "kernels/gemm/gemm_pack.h"

namespace kiln::gemm_internal {
namespace {

// A full strip of compile-time width W (the micro-kernel's mr or nr): fixed trip counts let
// the compiler unroll the gather and vectorize the copy.
template <class T, int W>
void pack_full_strip(const T* src, std::int64_t row_stride, std::int64_t col_stride,
                     std::int64_t kc, T* out) {
  if (col_stride == 1) {
    // Transposing gather: W sequential read streams, one contiguous W-wide write per p.
    const T* rows[W];
    for (int r = 0; r < W; ++r) rows[r] = src + r * row_stride;
    for (std::int64_t p = 0; p < kc; ++p) {
      for (int r = 0; r < W; ++r) out[p * W + r] = rows[r][p];
    }
  } else {
    // Each p is a contiguous run of W values: a straight copy.
    for (std::int64_t p = 0; p < kc; ++p) {
      for (int r = 0; r < W; ++r) out[p * W + r] = src[p * col_stride + r];
    }
  }
}

// Gathers a width-wide strip: out[p * width + r] = src[r * row_stride + p * col_stride] for
// r < valid, zero for valid <= r < width. The two layouts of op(X) differ only in which of
// the strides is 1, so one routine serves both.
template <class T>
void pack_strip(const T* src, std::int64_t row_stride, std::int64_t col_stride,
                std::int64_t valid, std::int64_t kc, int width, GatherFn<T> gather, T* out) {
  if (valid == width && col_stride == 1 && gather) return gather(src, row_stride, kc, out);
  if (valid == width) {
    switch (width) {
      case 4: return pack_full_strip<T, 4>(src, row_stride, col_stride, kc, out);
      case 6: return pack_full_strip<T, 6>(src, row_stride, col_stride, kc, out);
      case 8: return pack_full_strip<T, 8>(src, row_stride, col_stride, kc, out);
      case 16: return pack_full_strip<T, 16>(src, row_stride, col_stride, kc, out);
      default: break;
    }
  }
  // Edge strips (and unusual widths): the generic loop, zero-padding rows valid..width.
  for (std::int64_t p = 0; p < kc; ++p) {
    for (int r = 0; r < width; ++r) {
      out[p * width + r] = r < valid ? src[r * row_stride + p * col_stride] : T(0);
    }
  }
}

}  // namespace

template <class T>
void pack_a_panel(bool trans, const T* a, std::int64_t lda, std::int64_t i0, std::int64_t rows,
                  std::int64_t p0, std::int64_t kc, int mr, GatherFn<T> gather, T* out) {
  if (trans) {
    pack_strip(a + p0 * lda + i0, std::int64_t{1}, lda, rows, kc, mr, gather, out);
  } else {
    pack_strip(a + i0 * lda + p0, lda, std::int64_t{1}, rows, kc, mr, gather, out);
  }
}

template <class T>
void pack_b_panel(bool trans, const T* b, std::int64_t ldb, std::int64_t p0, std::int64_t kc,
                  std::int64_t j0, std::int64_t cols, int nr, GatherFn<T> gather, T* out) {
  if (trans) {
    pack_strip(b + j0 * ldb + p0, ldb, std::int64_t{1}, cols, kc, nr, gather, out);
  } else {
    pack_strip(b + p0 * ldb + j0, std::int64_t{1}, ldb, cols, kc, nr, gather, out);
  }
}

template void pack_a_panel<float>(bool, const float*, std::int64_t, std::int64_t, std::int64_t,
                                  std::int64_t, std::int64_t, int, GatherFn<float>, float*);
template void pack_a_panel<double>(bool, const double*, std::int64_t, std::int64_t, std::int64_t,
                                   std::int64_t, std::int64_t, int, GatherFn<double>, double*);
template void pack_b_panel<float>(bool, const float*, std::int64_t, std::int64_t, std::int64_t,
                                  std::int64_t, std::int64_t, int, GatherFn<float>, float*);
template void pack_b_panel<double>(bool, const double*, std::int64_t, std::int64_t, std::int64_t,
                                   std::int64_t, std::int64_t, int, GatherFn<double>, double*);

}  // namespace kiln::gemm_internal
