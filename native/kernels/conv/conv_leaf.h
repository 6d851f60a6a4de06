// Per-ISA leaf loops of the convolution family: single-threaded, on one image (and one group).
// conv.cpp does the blocking, the GEMMs and the threading, and picks the ISA with
// KILN_DISPATCH. Defined once in conv_leaf_impl.h and compiled per ISA.
#pragma once

#include <cstdint>

#include "kernels/conv/conv.h"

#define KILN_CONV_LEAF_DECLS                                                                     \
  /* Columns [p0, p1) of one group's im2col matrix: col[r * (p1 - p0) + (p - p0)] =        */   \
  /* x[c, oh*sh - pt + i*dh, ow*sw - pl + j*dw] (0 in the padding), r = (c*kh + i)*kw + j, */   \
  /* p = oh*ow_count + ow; x points at the group's first input channel.                   */   \
  template <class T>                                                                             \
  void im2col(const Conv2dShape& s, const T* x, std::int64_t p0, std::int64_t p1, T* col);      \
  /* The adjoint of im2col: dx[c, ih, iw] += col entries of the same layout. */                 \
  template <class T>                                                                             \
  void col2im(const Conv2dShape& s, const T* col, std::int64_t p0, std::int64_t p1, T* dx);     \
  /* Stride-1 (sw == 1) forms through zero-padded planes [cg, hp, wp] (hp = h + pt + pb,  */   \
  /* wp = w + pl + pr): rows are then plain copies. pad_planes writes them from x (and     */   \
  /* kConvSlack zeros after), crop_planes writes their interior to dx. im2col_padded       */   \
  /* and col2im_padded read and write up to kConvSlack elements past the planes' and the   */   \
  /* chunk's ends (col2im_padded adds into planes zeroed before, so with no -0 in them).   */   \
  template <class T> void pad_planes(const Conv2dShape& s, const T* x, T* padded);               \
  template <class T> void crop_planes(const Conv2dShape& s, const T* padded, T* dx);             \
  template <class T>                                                                             \
  void im2col_padded(const Conv2dShape& s, const T* padded, std::int64_t p0, std::int64_t p1, T* col); \
  template <class T>                                                                             \
  void col2im_padded(const Conv2dShape& s, const T* col, std::int64_t p0, std::int64_t p1, T* padded); \
  /* One GEMM B micro-panel of the stride-1 im2col matrix of consecutive images read from */   \
  /* their padded planes, image_stride elements apart (the gemm_pack_b contract): rows     */   \
  /* [p0, p0 + kc), columns [j0, j0 + cols), column q = image * oh * ow + position. Row r  */   \
  /* of an image's matrix starts at its planes + row_offset[r] (im2col_row_offsets).       */   \
  template <class T>                                                                             \
  void pack_im2col_panel(const Conv2dShape& s, const T* padded, std::int64_t image_stride,       \
                         const std::int64_t* row_offset, std::int64_t p0, std::int64_t kc, std::int64_t j0, \
                         std::int64_t cols, int nr, T* out);                                     \
  /* One tile of an indirect GEMM (no packed A): for i < rows (<= kConvTileRows),          */   \
  /* j < conv_tile_cols<T>: c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0) +           */   \
  /*   sum over p < depth, in order, of a_base[i][a_off[p]] * b[p * ldb + j].              */   \
  /* a_base holds kConvTileRows readable pointers (rows past `rows` are computed, not      */   \
  /* stored). The convolution's A is an im2col matrix read in place from padded planes.    */   \
  template <class T>                                                                             \
  void indirect_tile(std::int64_t depth, const T* const* a_base, const std::int64_t* a_off, const T* b, \
                     std::int64_t ldb, T* c, std::int64_t ldc, int rows, bool accumulate);       \
  /* out[j * ld_out + i] = in[i * ld_in + j] (+ bias[j] when bias is not null), i < rows,  */   \
  /* j < cols: Y^T tiles into y's rows, dY's rows into positions x channels.               */   \
  template <class T>                                                                             \
  void transpose_add(const T* in, std::int64_t ld_in, std::int64_t rows, std::int64_t cols, const T* bias, \
                     T* out, std::int64_t ld_out);                                               \
  /* y[r * ld + j] += bias[r] for r < rows, j < cols. */                                         \
  template <class T>                                                                             \
  void add_bias_rows(T* y, std::int64_t ld, std::int64_t rows, std::int64_t cols, const T* bias); \
  /* Sum of n values, in a fixed lane layout (the same at any thread count). */                 \
  template <class T> T sum_values(const T* x, std::int64_t n);                                   \
  /* dst[i] += src[i]. */                                                                        \
  template <class T> void add_values(T* dst, const T* src, std::int64_t n);                      \
  /* Depthwise (cin == cout == groups) forward of channels [c0, c1) of one image, direct.  */   \
  template <class T>                                                                             \
  void depthwise_forward(const Conv2dShape& s, const T* x, const T* weight, const T* bias,       \
                         std::int64_t c0, std::int64_t c1, T* y);

namespace kiln {
// Elements a stride-1 im2col may write past its chunk (and read past its padded planes).
constexpr std::int64_t kConvSlack = 8;
// The indirect tile: kConvTileRows rows by two 32-byte vectors of columns.
constexpr int kConvTileRows = 6;
template <class T>
constexpr std::int64_t conv_tile_cols = 64 / sizeof(T);
namespace scalar { KILN_CONV_LEAF_DECLS }
namespace avx2 { KILN_CONV_LEAF_DECLS }
}  // namespace kiln
