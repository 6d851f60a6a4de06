// The convolution leaves, written once and compiled per ISA: included by conv_scalar.cpp and
// conv_avx2.cpp with KILN_ISA_NS set to the namespace (the compiler vectorizes the inner
// loops for each target).
#include <cstdint>

#if defined(__FMA__)
#include <immintrin.h>
#endif
#if defined(__AVX2__)
#include "kernels/gemm/transpose_avx2.h"
#endif

#include "kernels/conv/conv_leaf.h"

#ifndef KILN_ISA_NS
#error "define KILN_ISA_NS (scalar or avx2) before including conv_leaf_impl.h"
#endif

namespace kiln {
namespace KILN_ISA_NS {
namespace {

using std::int64_t;

// Local helpers rather than <algorithm>'s templates: a template instantiated in both ISA
// translation units could be merged by the linker into the AVX2 copy (ODR).
int64_t clamp_i(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }
int64_t min_i(int64_t a, int64_t b) { return a < b ? a : b; }

// Output sizes computed here rather than by Conv2dShape::oh/ow (defined in the portable
// library, which leaf code must not call).
int64_t out_h(const Conv2dShape& s) { return (s.h + s.pt + s.pb - s.dh * (s.kh - 1) - 1) / s.sh + 1; }
int64_t out_w(const Conv2dShape& s) { return (s.w + s.pl + s.pr - s.dw * (s.kw - 1) - 1) / s.sw + 1; }

template <class T>
void fill(T* begin, T* end, T value) {
  for (T* p = begin; p < end; ++p) *p = value;
}

// ceil(a / b) for b > 0 and any sign of a.
int64_t ceil_div_signed(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Unaligned moves of N elements, at most 32 bytes at a time. Not __builtin_memcpy:
// GCC's generic tuning expands a 32-byte memcpy as two 16-byte moves, which made the fused
// panel packer and the padded im2col about 20% slower on AVX2. A vector type of
// element alignment gets one full-width move instead (fp64 moves 32 bytes per piece).
template <class T, int N>
struct Piece {
  static constexpr int kWidth = N * sizeof(T) > 32 ? 32 / sizeof(T) : N;
  typedef T V __attribute__((vector_size(kWidth * sizeof(T)), aligned(sizeof(T)), may_alias));
};

template <int N, class T>
inline void move_n(T* to, const T* from) {
  typedef typename Piece<T, N>::V V;
  for (int e = 0; e < N; e += Piece<T, N>::kWidth)
    *reinterpret_cast<V*>(to + e) = *reinterpret_cast<const V*>(from + e);
}

// Copies n elements with vector-sized moves and no overshoot: pieces of 8 (the last one ending
// exactly at n, overlapping the previous), or two overlapping pieces of 4 or 2 for short runs.
template <class T>
static inline void copy_exact(T* to, const T* from, int64_t n) {
  if (n >= 8) {
    for (int64_t e = 0; e + 8 < n; e += 8) move_n<8>(to + e, from + e);
    move_n<8>(to + n - 8, from + n - 8);
  } else if (n >= 4) {
    move_n<4>(to, from);
    move_n<4>(to + n - 4, from + n - 4);
  } else if (n >= 2) {
    move_n<2>(to, from);
    move_n<2>(to + n - 2, from + n - 2);
  } else if (n == 1) {
    to[0] = from[0];
  }
}

// Output columns [lo, hi) whose input column ow*sw - pl + j*dw lies inside [0, w).
struct ColumnRange {
  int64_t lo, hi;
};

ColumnRange valid_columns(const Conv2dShape& s, int64_t ow_count, int64_t j) {
  const int64_t off = j * s.dw - s.pl;  // input column of output column 0
  const int64_t lo = clamp_i(ceil_div_signed(-off, s.sw), 0, ow_count);
  const int64_t hi = clamp_i(ceil_div_signed(s.w - off, s.sw), lo, ow_count);
  return {lo, hi};
}

// Walks the im2col matrix's columns [p0, p1) row by row, one output row (oh) at a time:
// f(r, c, base, ow0, ow1, lo, hi, ih) for row r (input channel c) covering output columns
// [ow0, ow1) at offset base + ow of the chunk's row, of which [lo, hi) read input row ih
// (when inside [0, h); the rest is padding).
template <class F>
void for_each_segment(const Conv2dShape& s, int64_t p0, int64_t p1, F&& f) {
  const int64_t cg = s.cin / s.groups, ow_count = out_w(s), width = p1 - p0;
  const int64_t oh_first = p0 / ow_count, ow_first = p0 - oh_first * ow_count;
  for (int64_t c = 0; c < cg; ++c)
    for (int64_t i = 0; i < s.kh; ++i)
      for (int64_t j = 0; j < s.kw; ++j) {
        const int64_t r = (c * s.kh + i) * s.kw + j;
        const ColumnRange v = valid_columns(s, ow_count, j);
        int64_t ih = oh_first * s.sh - s.pt + i * s.dh;
        for (int64_t seg = 0, ow0 = ow_first; seg < width; ow0 = 0, ih += s.sh) {
          const int64_t ow1 = min_i(ow_count, ow0 + (width - seg));
          const int64_t lo = clamp_i(v.lo, ow0, ow1), hi = clamp_i(v.hi, lo, ow1);
          f(r, c, j, seg - ow0, ow0, ow1, lo, hi, ih);
          seg += ow1 - ow0;
        }
      }
}

}  // namespace

template <class T>
void im2col(const Conv2dShape& s, const T* x, int64_t p0, int64_t p1, T* col) {
  const int64_t width = p1 - p0;
  for_each_segment(s, p0, p1, [&](int64_t r, int64_t c, int64_t j, int64_t base, int64_t ow0, int64_t ow1,
                                  int64_t lo, int64_t hi, int64_t ih) {
    T* out = col + r * width + base;  // out[ow]
    if (ih < 0 || ih >= s.h) {
      fill(out + ow0, out + ow1, T(0));
      return;
    }
    fill(out + ow0, out + lo, T(0));
    const T* in = x + (c * s.h + ih) * s.w + j * s.dw - s.pl;  // in[ow * sw]
    if (s.sw == 1) {
      for (int64_t ow = lo; ow < hi; ++ow) out[ow] = in[ow];
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) out[ow] = in[ow * s.sw];
    }
    fill(out + hi, out + ow1, T(0));
  });
}

template <class T>
void col2im(const Conv2dShape& s, const T* col, int64_t p0, int64_t p1, T* dx) {
  const int64_t width = p1 - p0;
  for_each_segment(s, p0, p1, [&](int64_t r, int64_t c, int64_t j, int64_t base, int64_t, int64_t, int64_t lo,
                                  int64_t hi, int64_t ih) {
    if (ih < 0 || ih >= s.h) return;
    const T* from = col + r * width + base;
    T* out = dx + (c * s.h + ih) * s.w + j * s.dw - s.pl;
    if (s.sw == 1) {
      for (int64_t ow = lo; ow < hi; ++ow) out[ow] += from[ow];
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) out[ow * s.sw] += from[ow];
    }
  });
}

namespace {

// Walks the chunk [p0, p1) of a stride-1 im2col over padded planes: f(r, base, src, ow0, ow1)
// for row r and output row segment [ow0, ow1) at offset base + ow of the chunk's row, reading
// padded[src + ow].
template <class F>
void for_each_padded_segment(const Conv2dShape& s, int64_t p0, int64_t p1, F&& f) {
  const int64_t cg = s.cin / s.groups, ow_count = out_w(s), width = p1 - p0;
  const int64_t hp = s.h + s.pt + s.pb, wp = s.w + s.pl + s.pr;
  const int64_t oh_first = p0 / ow_count, ow_first = p0 - oh_first * ow_count;
  for (int64_t c = 0; c < cg; ++c)
    for (int64_t i = 0; i < s.kh; ++i)
      for (int64_t j = 0; j < s.kw; ++j) {
        const int64_t r = (c * s.kh + i) * s.kw + j;
        int64_t src = (c * hp + oh_first * s.sh + i * s.dh) * wp + j * s.dw;
        for (int64_t seg = 0, ow0 = ow_first; seg < width; ow0 = 0, src += s.sh * wp) {
          const int64_t ow1 = min_i(ow_count, ow0 + (width - seg));
          f(r, seg - ow0, src, ow0, ow1);
          seg += ow1 - ow0;
        }
      }
}

}  // namespace

template <class T>
void pad_planes(const Conv2dShape& s, const T* x, T* padded) {
  const int64_t cg = s.cin / s.groups, wp = s.w + s.pl + s.pr;
  T* out = padded;
  for (int64_t c = 0; c < cg; ++c) {
    fill(out, out + s.pt * wp, T(0));
    out += s.pt * wp;
    for (int64_t ih = 0; ih < s.h; ++ih, out += wp) {
      const T* in = x + (c * s.h + ih) * s.w;
      fill(out, out + s.pl, T(0));
      copy_exact(out + s.pl, in, s.w);
      fill(out + s.pl + s.w, out + wp, T(0));
    }
    fill(out, out + s.pb * wp + (c + 1 == cg ? kConvSlack : 0), T(0));
    out += s.pb * wp;
  }
}

template <class T>
void crop_planes(const Conv2dShape& s, const T* padded, T* dx) {
  const int64_t cg = s.cin / s.groups, hp = s.h + s.pt + s.pb, wp = s.w + s.pl + s.pr;
  for (int64_t c = 0; c < cg; ++c)
    for (int64_t ih = 0; ih < s.h; ++ih) {
      const T* in = padded + (c * hp + s.pt + ih) * wp + s.pl;
      T* out = dx + (c * s.h + ih) * s.w;
      for (int64_t iw = 0; iw < s.w; ++iw) out[iw] = in[iw];
    }
}

// Segments are copied kConvSlack elements at a time (one or two vector moves, no tail loop):
// a segment's overshoot lands where the next segment, or the next row, is written after it.
template <class T>
void im2col_padded(const Conv2dShape& s, const T* padded, int64_t p0, int64_t p1, T* col) {
  const int64_t width = p1 - p0;
  for_each_padded_segment(s, p0, p1, [&](int64_t r, int64_t base, int64_t src, int64_t ow0, int64_t ow1) {
    T* out = col + r * width + base;
    const T* in = padded + src;
    for (int64_t ow = ow0; ow < ow1; ow += kConvSlack) move_n<kConvSlack>(out + ow, in + ow);
  });
}

// dst[e] += src[e] for e < n, in vector pieces of 8: runs are short (an output row), so the
// tail is one piece too, adding zeros past n. It reads up to 7 elements past both runs and
// writes dst's back unchanged: x + 0 == x for every x but -0, which a sum started from +0
// (the zeroed planes) never produces.
template <class T>
static inline void add_run(T* dst, const T* src, int64_t n) {
  typedef T V __attribute__((vector_size(8 * sizeof(T)), aligned(sizeof(T)), may_alias));
  typedef decltype(V{} < V{}) Mask;
  int64_t e = 0;
  for (; e + 8 <= n; e += 8) *reinterpret_cast<V*>(dst + e) += *reinterpret_cast<const V*>(src + e);
  if (e < n) {
    const V lane = {0, 1, 2, 3, 4, 5, 6, 7};
    const Mask keep = lane < V{} + static_cast<T>(n - e);
    *reinterpret_cast<V*>(dst + e) += (V)((Mask) * reinterpret_cast<const V*>(src + e) & keep);
  }
}

template <class T>
void col2im_padded(const Conv2dShape& s, const T* col, int64_t p0, int64_t p1, T* padded) {
  const int64_t width = p1 - p0;
  for_each_padded_segment(s, p0, p1, [&](int64_t r, int64_t base, int64_t src, int64_t ow0, int64_t ow1) {
    add_run(padded + src + ow0, col + r * width + base + ow0, ow1 - ow0);
  });
}

// The panel's columns (output positions) fall into runs of consecutive positions within one
// output row; each run reads consecutive elements of a padded plane row, at an offset that is
// the same for every row of the panel: row p reads from padded + row_offset[p] + that offset.
template <class T>
void pack_im2col_panel(const Conv2dShape& s, const T* padded, int64_t image_stride, const int64_t* row_offset,
                       int64_t p0, int64_t kc, int64_t j0, int64_t cols, int nr, T* out) {
  const int64_t ow_count = out_w(s), wp = s.w + s.pl + s.pr, plane = out_h(s) * ow_count;
  const int64_t* base = row_offset + p0;
  for (int64_t q = j0; q < j0 + cols;) {
    const int64_t image = q / plane, oh = (q - image * plane) / ow_count;
    const int64_t ow = q - image * plane - oh * ow_count;
    const int64_t len = min_i(ow_count - ow, j0 + cols - q);  // a run never crosses an image
    const T* from = padded + image * image_stride + oh * s.sh * wp + ow;
    T* to = out + (q - j0);
    for (int64_t p = 0; p < kc; ++p) copy_exact(to + p * nr, from + base[p], len);
    q += len;
  }
  if (cols < nr)
    for (int64_t p = 0; p < kc; ++p) fill(out + p * nr + cols, out + (p + 1) * nr, T(0));
}

namespace {

// acc += a * b, fused where the ISA has FMA (the ISO -std=c++17 build does not contract).
// References, not values: 32-byte vectors by value change the ABI of the SSE2 build.
template <class V>
inline void madd(V& acc, const V& a, const V& b) {
#if defined(__FMA__)
  if constexpr (sizeof(a[0]) == 4) {
    acc = (V)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)acc);
  } else {
    acc = (V)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)acc);
  }
#else
  acc += a * b;
#endif
}

// v = x in every lane (one broadcast load).
template <class V, class T>
inline void splat(V& v, T x) {
  if constexpr (sizeof(V) / sizeof(T) == 8) {
    v = V{x, x, x, x, x, x, x, x};
  } else {
    v = V{x, x, x, x};
  }
}

}  // namespace

// The 6 x 16 (fp32; 6 x 8 fp64) broadcast micro-kernel of the GEMM, with each row of A read
// through its own pointer plus a per-depth offset instead of from a packed panel: the
// im2col matrix is never written, in either orientation.
template <class T>
void indirect_tile(int64_t depth, const T* const* a_base, const int64_t* a_off, const T* b, int64_t ldb, T* c,
                   int64_t ldc, int rows, bool accumulate) {
  constexpr int L = 32 / sizeof(T);
  typedef T V __attribute__((vector_size(32)));
  typedef T U __attribute__((vector_size(32), aligned(sizeof(T)), may_alias));
  const T* base[kConvTileRows];
#pragma GCC unroll 6
  for (int i = 0; i < kConvTileRows; ++i) base[i] = a_base[i];
  V acc[kConvTileRows][2];
#pragma GCC unroll 6
  for (int i = 0; i < kConvTileRows; ++i) acc[i][0] = acc[i][1] = V{};
#pragma GCC unroll 2
  for (int64_t p = 0; p < depth; ++p) {
    const int64_t off = a_off[p];
    const V b0 = *reinterpret_cast<const U*>(b + p * ldb);
    const V b1 = *reinterpret_cast<const U*>(b + p * ldb + L);
#pragma GCC unroll 6
    for (int i = 0; i < kConvTileRows; ++i) {
      V a;
      splat(a, base[i][off]);
      madd(acc[i][0], a, b0);
      madd(acc[i][1], a, b1);
    }
  }
  for (int i = 0; i < rows; ++i)
    for (int h = 0; h < 2; ++h) {
      U& out = *reinterpret_cast<U*>(c + i * ldc + h * L);
      out = accumulate ? out + acc[i][h] : acc[i][h];
    }
}

template <class T>
void transpose_add(const T* in, int64_t ld_in, int64_t rows, int64_t cols, const T* bias, T* out, int64_t ld_out) {
  int64_t j0 = 0;
#if defined(__AVX2__)
  if constexpr (sizeof(T) == 4) {  // 8 x 8 blocks transposed in registers
    for (; j0 + 8 <= cols; j0 += 8) {
      int64_t i = 0;
      for (; i + 8 <= rows; i += 8) {
        __m256 r[8];
        for (int e = 0; e < 8; ++e) r[e] = _mm256_loadu_ps(in + (i + e) * ld_in + j0);
        transpose_8x8(r);
        for (int e = 0; e < 8; ++e)
          _mm256_storeu_ps(out + (j0 + e) * ld_out + i, bias ? _mm256_add_ps(r[e], _mm256_set1_ps(bias[j0 + e])) : r[e]);
      }
      for (; i < rows; ++i)
        for (int64_t j = j0; j < j0 + 8; ++j) out[j * ld_out + i] = bias ? in[i * ld_in + j] + bias[j] : in[i * ld_in + j];
    }
  }
#endif
  for (int64_t j = j0; j < cols; ++j) {
    T* to = out + j * ld_out;
    if (bias) {
      for (int64_t i = 0; i < rows; ++i) to[i] = in[i * ld_in + j] + bias[j];
    } else {
      for (int64_t i = 0; i < rows; ++i) to[i] = in[i * ld_in + j];
    }
  }
}

template <class T>
void add_bias_rows(T* y, int64_t ld, int64_t rows, int64_t cols, const T* bias) {
  for (int64_t r = 0; r < rows; ++r) {
    T* row = y + r * ld;
    const T b = bias[r];
    for (int64_t j = 0; j < cols; ++j) row[j] += b;
  }
}

template <class T>
T sum_values(const T* x, int64_t n) {
  constexpr int64_t kLanes = 8;  // fixed: the result does not depend on the vector width
  T acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) acc[l] += x[i + l];
  for (int64_t l = 0; i + l < n; ++l) acc[l] += x[i + l];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

template <class T>
void add_values(T* dst, const T* src, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

// One tap (i, j) at a time over whole output rows, so the inner loop is a contiguous AXPY
// when sw == 1; taps are added in a fixed order.
template <class T>
void depthwise_forward(const Conv2dShape& s, const T* x, const T* weight, const T* bias, int64_t c0,
                       int64_t c1, T* y) {
  const int64_t oh_count = out_h(s), ow_count = out_w(s);
  for (int64_t c = c0; c < c1; ++c) {
    const T* xc = x + c * s.h * s.w;
    const T* wc = weight + c * s.kh * s.kw;
    T* yc = y + c * oh_count * ow_count;
    fill(yc, yc + oh_count * ow_count, bias ? bias[c] : T(0));
    for (int64_t oh = 0; oh < oh_count; ++oh) {
      T* out = yc + oh * ow_count;
      for (int64_t i = 0; i < s.kh; ++i) {
        const int64_t ih = oh * s.sh - s.pt + i * s.dh;
        if (ih < 0 || ih >= s.h) continue;
        for (int64_t j = 0; j < s.kw; ++j) {
          const T wv = wc[i * s.kw + j];
          const ColumnRange v = valid_columns(s, ow_count, j);
          const T* in = xc + ih * s.w + j * s.dw - s.pl;
          if (s.sw == 1) {
            for (int64_t ow = v.lo; ow < v.hi; ++ow) out[ow] += wv * in[ow];
          } else {
            for (int64_t ow = v.lo; ow < v.hi; ++ow) out[ow] += wv * in[ow * s.sw];
          }
        }
      }
    }
  }
}

#define KILN_CONV_INSTANTIATE(T)                                                               \
  template void im2col<T>(const Conv2dShape&, const T*, int64_t, int64_t, T*);                 \
  template void col2im<T>(const Conv2dShape&, const T*, int64_t, int64_t, T*);                 \
  template void pad_planes<T>(const Conv2dShape&, const T*, T*);                               \
  template void crop_planes<T>(const Conv2dShape&, const T*, T*);                              \
  template void im2col_padded<T>(const Conv2dShape&, const T*, int64_t, int64_t, T*);          \
  template void col2im_padded<T>(const Conv2dShape&, const T*, int64_t, int64_t, T*);          \
  template void pack_im2col_panel<T>(const Conv2dShape&, const T*, int64_t, const int64_t*, int64_t, int64_t, int64_t, int64_t, int, T*); \
  template void indirect_tile<T>(int64_t, const T* const*, const int64_t*, const T*, int64_t, T*, int64_t, int, \
                                 bool);                                                         \
  template void transpose_add<T>(const T*, int64_t, int64_t, int64_t, const T*, T*, int64_t);   \
  template void add_bias_rows<T>(T*, int64_t, int64_t, int64_t, const T*);                     \
  template T sum_values<T>(const T*, int64_t);                                                 \
  template void add_values<T>(T*, const T*, int64_t);                                          \
  template void depthwise_forward<T>(const Conv2dShape&, const T*, const T*, const T*, int64_t, \
                                     int64_t, T*);
KILN_CONV_INSTANTIATE(float)
KILN_CONV_INSTANTIATE(double)
#undef KILN_CONV_INSTANTIATE

}  // namespace KILN_ISA_NS
}  // namespace kiln
