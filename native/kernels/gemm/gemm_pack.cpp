#include "kernels/gemm/gemm_pack.h"

namespace kiln::gemm_internal {
namespace {

// Gathers a width-wide strip: out[p * width + r] = src[r * row_stride + p * col_stride] for
// r < valid, zero for valid <= r < width. The two layouts of op(X) differ only in which of
// the strides is 1, so one loop nest serves both; the inner loop runs along contiguous
// memory in each case so the compiler can vectorize the copy.
template <class T>
void pack_strip(const T* src, std::int64_t row_stride, std::int64_t col_stride,
                std::int64_t valid, std::int64_t kc, int width, T* out) {
  if (col_stride == 1) {
    // Each strip row is contiguous along p: read row by row, write with stride `width`.
    for (std::int64_t r = 0; r < valid; ++r) {
      const T* s = src + r * row_stride;
      for (std::int64_t p = 0; p < kc; ++p) out[p * width + r] = s[p];
    }
  } else {
    // Each p is a contiguous run of `valid` values: a straight copy per p.
    for (std::int64_t p = 0; p < kc; ++p) {
      const T* s = src + p * col_stride;
      T* o = out + p * width;
      for (std::int64_t r = 0; r < valid; ++r) o[r] = s[r];
    }
  }
  if (valid < width) {
    for (std::int64_t p = 0; p < kc; ++p) {
      for (int r = static_cast<int>(valid); r < width; ++r) out[p * width + r] = T(0);
    }
  }
}

}  // namespace

template <class T>
void pack_a_panel(bool trans, const T* a, std::int64_t lda, std::int64_t i0, std::int64_t rows,
                  std::int64_t p0, std::int64_t kc, int mr, T* out) {
  if (trans) {
    pack_strip(a + p0 * lda + i0, std::int64_t{1}, lda, rows, kc, mr, out);
  } else {
    pack_strip(a + i0 * lda + p0, lda, std::int64_t{1}, rows, kc, mr, out);
  }
}

template <class T>
void pack_b_panel(bool trans, const T* b, std::int64_t ldb, std::int64_t p0, std::int64_t kc,
                  std::int64_t j0, std::int64_t cols, int nr, T* out) {
  if (trans) {
    pack_strip(b + j0 * ldb + p0, ldb, std::int64_t{1}, cols, kc, nr, out);
  } else {
    pack_strip(b + p0 * ldb + j0, std::int64_t{1}, ldb, cols, kc, nr, out);
  }
}

template void pack_a_panel<float>(bool, const float*, std::int64_t, std::int64_t, std::int64_t,
                                  std::int64_t, std::int64_t, int, float*);
template void pack_a_panel<double>(bool, const double*, std::int64_t, std::int64_t, std::int64_t,
                                   std::int64_t, std::int64_t, int, double*);
template void pack_b_panel<float>(bool, const float*, std::int64_t, std::int64_t, std::int64_t,
                                  std::int64_t, std::int64_t, int, float*);
template void pack_b_panel<double>(bool, const double*, std::int64_t, std::int64_t, std::int64_t,
                                   std::int64_t, std::int64_t, int, double*);

}  // namespace kiln::gemm_internal
