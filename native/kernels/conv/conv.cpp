// The portable convolution driver: im2col + GEMM per (image, group), in column chunks, and
// the threading. See docs/conv.md.
//
// For one image b and group g, with K = cin/groups * kh * kw and P = oh * ow:
//   forward          Y[b,g] (mg x P) = W[g] (mg x K) . col(x[b,g]) (K x P)
//   backward-data    col(dx[b,g])    = W[g]^T . dY[b,g], then col2im adds it into dx
//   backward-weight  dW[g]          += dY[b,g] . col(x[b,g])^T, summed over b
// col is built for a chunk of P columns at a time (bounded memory, stays in L2); a 1x1,
// stride-1, unpadded convolution needs no im2col: x[b,g] is already the K x P matrix.
//
// Threading: blocks of whole (image, group) units, sized from the problem only; inside a
// pool block the GEMMs run inline (the pool is busy), a single-unit problem lets the GEMM
// thread its own tiles. The weight gradient sums over the batch in fixed chunks of images,
// each into its own buffer, added in chunk order: bit-identical at any thread count.
#include "kernels/conv/conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "cpu/isa.h"
#include "cpu/thread_pool.h"
#include "kernels/conv/conv_leaf.h"
#include "kernels/gemm/gemm.h"

namespace kiln {
namespace {

using std::int64_t;

// Elements of one im2col chunk (4 MiB in fp32): bounds the scratch for large images while
// keeping the GEMMs wide (the GEMM packs its B blocks from it anyway).
constexpr int64_t kColBudget = int64_t{1} << 20;
// Fewest columns per chunk when K is so large the budget would give fewer (bounds the
// buffer by 64 * K, which the weight's size bounds).
constexpr int64_t kMinChunkCols = 64;
// Columns a forward GEMM should have at least: small images share one GEMM up to this.
constexpr int64_t kWideColumns = 768;
// Multiply-adds a thread block should hold at least (smaller problems run inline).
constexpr double kBlockVolume = 64.0 * 64.0 * 64.0;
// The weight gradient's batch chunks: at most this many, and their partial sums at most this
// many elements in all.
constexpr int64_t kMaxWeightChunks = 8;
constexpr int64_t kPartialBudget = int64_t{1} << 22;
// Elements summed per block of the bias gradient and of the partial-sum combination.
constexpr int64_t kSumGrain = int64_t{1} << 16;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct Free {
  void operator()(void* p) const { std::free(p); }
};

// Scratch buffers, 64-byte aligned, per thread and kept between calls: one for im2col chunks
// (or transposed tiles), one for padded planes, one for offset tables.
enum Slot { kColumns = 0, kPlanes = 1, kOffsets = 2 };

template <class T>
T* scratch(Slot slot, int64_t elems) {
  thread_local std::unique_ptr<void, Free> data[3];
  thread_local std::size_t size[3] = {0, 0, 0};
  const std::size_t bytes = sizeof(T) * static_cast<std::size_t>(elems);
  if (bytes > size[slot]) {
    data[slot].reset(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
    if (!data[slot]) {
      size[slot] = 0;
      throw std::bad_alloc();
    }
    size[slot] = bytes;
  }
  return static_cast<T*>(data[slot].get());
}

// Sizes derived from the shape, shared by the three passes.
struct Plan {
  int64_t cg, mg;   // input and output channels per group
  int64_t k, p;     // GEMM depth (cg * kh * kw) and columns (oh * ow)
  int64_t chunk;    // columns of col built at a time
  bool direct;      // 1x1, stride 1, no padding: col is x itself
  int64_t planes;   // > 0: sw == 1, im2col copies rows of padded planes of this many elements

  explicit Plan(const Conv2dShape& s)
      : cg(s.cin / s.groups), mg(s.cout / s.groups), k(cg * s.kh * s.kw), p(s.oh() * s.ow()) {
    direct = s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.pt == 0 && s.pb == 0 &&
             s.pl == 0 && s.pr == 0;
    // Equal chunks (no thin last chunk), multiples of 16 columns.
    const int64_t chunks = direct ? 1 : ceil_div(p, std::max(kMinChunkCols, kColBudget / k));
    chunk = std::min(p, ceil_div(ceil_div(p, chunks), 16) * 16);
    // Padded planes pay when no larger than a column chunk (huge padding takes the general path).
    const double padded = static_cast<double>(cg) * (s.h + s.pt + s.pb) * (s.w + s.pl + s.pr);
    planes = !direct && s.sw == 1 && padded <= static_cast<double>(k) * chunk ? static_cast<int64_t>(padded) : 0;
  }
  int64_t col_elems(int64_t cols) const { return k * cols + kConvSlack; }
  // Multiply-adds of one (image, group) unit.
  double unit_volume() const { return static_cast<double>(mg) * k * p; }
};

// Runs f(unit) for units [0, units) in blocks of whole units holding >= kBlockVolume each.
template <class F>
void for_units(int64_t units, double unit_volume, F&& f) {
  const int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(kBlockVolume / std::max(unit_volume, 1.0)));
  cpu::parallel_range(units, grain, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) f(u);
  });
}

// The source of one image's group's columns: x itself (direct), its padded planes, or x read
// through the general im2col.
template <class T>
struct ColumnSource {
  const T* x;       // the group's first input channel
  const T* planes;  // padded planes, or null
};

template <class T>
ColumnSource<T> column_source(const Conv2dShape& s, const Plan& pl, const T* x) {
  if (pl.planes == 0) return {x, nullptr};
  T* planes = scratch<T>(kPlanes, pl.planes + kConvSlack);
  KILN_DISPATCH(pad_planes<T>, s, x, planes);
  return {x, planes};
}

// The K x (p1 - p0) column chunk and its leading dimension.
template <class T>
const T* columns(const Conv2dShape& s, const Plan& pl, const ColumnSource<T>& src, int64_t p0, int64_t p1,
                 int64_t* ld) {
  if (pl.direct) {
    *ld = pl.p;
    return src.x + p0;
  }
  T* col = scratch<T>(kColumns, pl.col_elems(p1 - p0));
  if (src.planes) {
    KILN_DISPATCH(im2col_padded<T>, s, src.planes, p0, p1, col);
  } else {
    KILN_DISPATCH(im2col<T>, s, src.x, p0, p1, col);
  }
  *ld = p1 - p0;
  return col;
}

// The GEMM packs its B panels straight from padded planes (gemm_pack_b): the im2col matrix is
// never written out.
template <class T>
struct PanelSource {
  const Conv2dShape* s;
  const T* planes;  // consecutive images' padded planes, image_stride elements apart
  int64_t image_stride;
  const int64_t* row_offset;
};

template <class T>
void pack_panel(const void* ctx, int64_t p0, int64_t kc, int64_t j0, int64_t cols, int nr, T* out) {
  const auto* src = static_cast<const PanelSource<T>*>(ctx);
  KILN_DISPATCH(pack_im2col_panel<T>, *src->s, src->planes, src->image_stride, src->row_offset, p0, kc, j0, cols,
                nr, out);
}

// Where row r = (c * kh + i) * kw + j of the im2col matrix starts in the padded planes.
std::vector<int64_t> im2col_row_offsets(const Conv2dShape& s, const Plan& pl) {
  std::vector<int64_t> offset(static_cast<std::size_t>(pl.planes ? pl.k : 0));
  const int64_t hp = s.h + s.pt + s.pb, wp = s.w + s.pl + s.pr;
  for (int64_t r = 0; r < static_cast<int64_t>(offset.size()); ++r) {
    const int64_t c = r / (s.kh * s.kw), i = r / s.kw % s.kh, j = r % s.kw;
    offset[r] = (c * hp + i * s.dh) * wp + j * s.dw;
  }
  return offset;
}

// The indirect path (docs/conv.md): kConvTileRows x conv_tile_cols<T> tiles whose A operand
// is the im2col matrix read in place from padded planes, one pointer per tile row. The
// forward computes Y^T (positions x output channels, so every tile row is used whatever the
// channel count), the weight gradient dW^T (taps x output channels).
// Depth of one tile call: its B slice (kDepthBlock x 16 fp32 = 16 KiB) stays in L1.
constexpr int64_t kDepthBlock = 256;
// Forward positions per block (16 tiles), transposed into y at the end of the block.
constexpr int64_t kPositionBlock = 16 * kConvTileRows;
// Weight-gradient tiles per thread block (when an image's taps are split across threads).
constexpr int64_t kTapTileGrain = 16;

// The forward's shallowest indirect depth (K): below it, writing Y^T back into y's rows costs
// more than the tile fill gains (W3's first layer, K = 25, ran 2x slower).
constexpr int64_t kMinForwardDepth = 64;

// Output channels rounded up to whole tile columns (the leading dimension of the B and C
// operands).
template <class T>
int64_t padded_channels(const Plan& pl) {
  return ceil_div(pl.mg, conv_tile_cols<T>) * conv_tile_cols<T>;
}

// The indirect path pays where its tile columns (output channels) are filled at least as well
// as the GEMM's tile rows (the same channels, 6 at a time): 16, 32, 64 channels, not 1-12.
template <class T>
bool use_indirect(const Plan& pl) {
  const double columns = static_cast<double>(pl.mg) / padded_channels<T>(pl);
  const double rows = static_cast<double>(pl.mg) / (ceil_div(pl.mg, kConvTileRows) * kConvTileRows);
  return pl.planes > 0 && columns >= rows;
}

template <class T>
bool use_indirect_forward(const Plan& pl) {
  return use_indirect<T>(pl) && pl.k >= kMinForwardDepth;
}

// A 64-byte-aligned array shared by the threads of one call.
template <class T>
std::unique_ptr<T, Free> aligned_array(int64_t elems) {
  T* p = static_cast<T*>(std::aligned_alloc(64, (sizeof(T) * static_cast<std::size_t>(elems) + 63) / 64 * 64));
  if (!p) throw std::bad_alloc();
  return std::unique_ptr<T, Free>(p);
}

// weight [cout, K] as W^T per group: [groups, K, padded_channels], zero past the channels.
template <class T>
std::unique_ptr<T, Free> transposed_weight(const Conv2dShape& s, const Plan& pl, const T* weight) {
  const int64_t ld = padded_channels<T>(pl);
  auto wt = aligned_array<T>(s.groups * pl.k * ld);
  std::fill(wt.get(), wt.get() + s.groups * pl.k * ld, T(0));
  for (int64_t g = 0; g < s.groups; ++g)
    for (int64_t o = 0; o < pl.mg; ++o)
      for (int64_t r = 0; r < pl.k; ++r) wt.get()[(g * pl.k + r) * ld + o] = weight[(g * pl.mg + o) * pl.k + r];
  return wt;
}

// Offset in an image's padded planes of output position q's window (its first tap).
int64_t window_offset(const Conv2dShape& s, int64_t ow, int64_t q) {
  const int64_t oh = q / ow;
  return oh * s.sh * (s.w + s.pl + s.pr) + (q - oh * ow) * s.sw;
}

// Y^T of `images` consecutive images of one group from their padded planes (image_stride
// apart): positions in blocks (threads may take them: a block's results do not depend on
// who computes it), each block's tiles over the taps in kDepthBlock slices, then written into
// y's rows (image i's channel o at y + i * y_image_stride + o * P), bias added.
template <class T>
void forward_indirect(const Conv2dShape& s, const Plan& pl, const int64_t* row_offset, const T* planes,
                      int64_t images, const T* wt, const T* bias, T* y, int64_t y_image_stride) {
  constexpr int64_t nr = conv_tile_cols<T>;
  const int64_t ld = padded_channels<T>(pl), positions = images * pl.p;
  const int64_t depth = ceil_div(pl.k, ceil_div(pl.k, kDepthBlock)), ow = s.ow();
  cpu::parallel_range(positions, kPositionBlock, [&](int64_t q0, int64_t q1) {
    T* yt = scratch<T>(kColumns, kPositionBlock * ld);
    const T* base[kPositionBlock + kConvTileRows];
    for (int64_t q = q0; q < q1 + kConvTileRows; ++q) {
      const int64_t at = std::min(q, q1 - 1), image = at / pl.p;
      base[q - q0] = planes + image * pl.planes + window_offset(s, ow, at - image * pl.p);
    }
    for (int64_t k0 = 0; k0 < pl.k; k0 += depth)
      for (int64_t j = 0; j < ld; j += nr)
        for (int64_t q = q0; q < q1; q += kConvTileRows)
          KILN_DISPATCH(indirect_tile<T>, std::min(depth, pl.k - k0), base + (q - q0), row_offset + k0,
                        wt + k0 * ld + j, ld, yt + (q - q0) * ld + j, ld,
                        static_cast<int>(std::min<int64_t>(kConvTileRows, q1 - q)), k0 > 0);
    for (int64_t q = q0; q < q1;) {
      const int64_t image = q / pl.p, pos = q - image * pl.p, run = std::min(q1 - q, pl.p - pos);
      KILN_DISPATCH(transpose_add<T>, yt + (q - q0) * ld, ld, run, pl.mg, bias, y + image * y_image_stride + pos,
                    pl.p);
      q += run;
    }
  });
}

// Forward of images [b0, b1) in group g. With padded planes, small images share one GEMM
// (their columns side by side: a wider GEMM, the weights packed once), written to scratch
// and then to each image's rows of y.
template <class T>
void forward_images(const Conv2dShape& s, const Plan& pl, const int64_t* row_offset, const T* x, const T* weight,
                    const T* wt, const T* bias, T* y, int64_t b0, int64_t b1, int64_t g) {
  const T* wg = weight + g * pl.mg * pl.k;
  const T* bg = bias ? bias + g * pl.mg : nullptr;
  auto x_at = [&](int64_t b) { return x + (b * s.cin + g * pl.cg) * s.h * s.w; };
  auto y_at = [&](int64_t b) { return y + (b * s.cout + g * pl.mg) * pl.p; };
  if (pl.planes) {
    const int64_t images = b1 - b0, width = images * pl.p;
    T* planes = scratch<T>(kPlanes, images * pl.planes + kConvSlack);
    for (int64_t b = b0; b < b1; ++b) KILN_DISPATCH(pad_planes<T>, s, x_at(b), planes + (b - b0) * pl.planes);
    if (wt) {
      forward_indirect(s, pl, row_offset, planes, images, wt + g * pl.k * padded_channels<T>(pl), bg, y_at(b0),
                       s.cout * pl.p);
      return;
    }
    const PanelSource<T> panels{&s, planes, pl.planes, row_offset};
    T* out = images == 1 ? y_at(b0) : scratch<T>(kColumns, pl.mg * width);
    gemm_pack_b(false, pl.mg, width, pl.k, T(1), wg, pl.k, PackB<T>{&pack_panel<T>, &panels}, T(0), out, width);
    for (int64_t b = b0; b < b1; ++b) {
      T* yb = y_at(b);
      if (images > 1)
        for (int64_t o = 0; o < pl.mg; ++o)
          std::memcpy(yb + o * pl.p, out + o * width + (b - b0) * pl.p, sizeof(T) * pl.p);
      if (bg) KILN_DISPATCH(add_bias_rows<T>, yb, pl.p, pl.mg, pl.p, bg);
    }
    return;
  }
  for (int64_t b = b0; b < b1; ++b) {
    const ColumnSource<T> src = column_source(s, pl, x_at(b));
    for (int64_t p0 = 0; p0 < pl.p; p0 += pl.chunk) {
      const int64_t p1 = std::min(pl.p, p0 + pl.chunk);
      int64_t ld;
      const T* col = columns(s, pl, src, p0, p1, &ld);
      gemm(false, false, pl.mg, p1 - p0, pl.k, T(1), wg, pl.k, col, ld, T(0), y_at(b) + p0, pl.p);
      if (bg) KILN_DISPATCH(add_bias_rows<T>, y_at(b) + p0, pl.p, pl.mg, p1 - p0, bg);
    }
  }
}

template <class T>
void backward_data_unit(const Conv2dShape& s, const Plan& pl, const T* dy, const T* weight, T* dx, int64_t b,
                        int64_t g) {
  const T* dyg = dy + (b * s.cout + g * pl.mg) * pl.p;
  const T* wg = weight + g * pl.mg * pl.k;
  T* dxg = dx + (b * s.cin + g * pl.cg) * s.h * s.w;
  if (pl.direct) {
    gemm(true, false, pl.k, pl.p, pl.mg, T(1), wg, pl.k, dyg, pl.p, T(0), dxg, pl.p);
    return;
  }
  // Accumulate into padded planes (then crop) or straight into dx.
  T* planes = pl.planes ? scratch<T>(kPlanes, pl.planes + kConvSlack) : nullptr;
  std::memset(planes ? planes : dxg, 0, sizeof(T) * (planes ? pl.planes : pl.cg * s.h * s.w));
  for (int64_t p0 = 0; p0 < pl.p; p0 += pl.chunk) {
    const int64_t p1 = std::min(pl.p, p0 + pl.chunk);
    T* col = scratch<T>(kColumns, pl.col_elems(p1 - p0));
    gemm(true, false, pl.k, p1 - p0, pl.mg, T(1), wg, pl.k, dyg + p0, pl.p, T(0), col, p1 - p0);
    if (planes) {
      KILN_DISPATCH(col2im_padded<T>, s, col, p0, p1, planes);
    } else {
      KILN_DISPATCH(col2im<T>, s, col, p0, p1, dxg);
    }
  }
  if (planes) KILN_DISPATCH(crop_planes<T>, s, planes, dxg);
}

// dweight (all groups) = the sum over images [b0, b1) of their contributions, in image order.
template <class T>
void backward_weight_images(const Conv2dShape& s, const Plan& pl, bool transposed, const T* x, const T* dy,
                            int64_t b0, int64_t b1, T* dweight) {
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t g = 0; g < s.groups; ++g) {
      const T* xg = x + (b * s.cin + g * pl.cg) * s.h * s.w;
      const T* dyg = dy + (b * s.cout + g * pl.mg) * pl.p;
      T* dwg = dweight + g * pl.mg * pl.k;
      const ColumnSource<T> src = column_source(s, pl, xg);
      for (int64_t p0 = 0; p0 < pl.p; p0 += pl.chunk) {
        const int64_t p1 = std::min(pl.p, p0 + pl.chunk);
        int64_t ld;
        const T* col = columns(s, pl, src, p0, p1, &ld);
        const T beta = b == b0 && p0 == 0 ? T(0) : T(1);
        if (transposed) {
          gemm(false, true, pl.k, pl.mg, p1 - p0, T(1), col, ld, dyg + p0, pl.p, beta, dwg, pl.mg);
        } else {
          gemm(false, true, pl.mg, pl.k, p1 - p0, T(1), dyg + p0, pl.p, col, ld, beta, dwg, pl.k);
        }
      }
    }
}

// dW^T of one chunk of images [b0, b1), all groups, into out ([groups, K, padded_channels]):
// per group, images in sub-batches of wide enough depth (their padded planes side by side,
// dY transposed to positions x channels), each tile of 6 taps x 16 channels summing the
// sub-batch's positions in kDepthBlock slices, in order. Threads may split the taps.
template <class T>
void backward_weight_indirect(const Conv2dShape& s, const Plan& pl, const int64_t* row_offset, const T* x,
                              const T* dy, int64_t b0, int64_t b1, T* out) {
  constexpr int64_t nr = conv_tile_cols<T>;
  const int64_t ld = padded_channels<T>(pl), per = std::min(b1 - b0, ceil_div(kWideColumns, pl.p));
  const int64_t tiles = ceil_div(pl.k, kConvTileRows), ow = s.ow();
  for (int64_t g = 0; g < s.groups; ++g)
    for (int64_t sb = b0; sb < b1; sb += per) {
      const int64_t images = std::min(per, b1 - sb), positions = images * pl.p;
      T* planes = scratch<T>(kPlanes, images * pl.planes + kConvSlack);
      T* dyt = scratch<T>(kColumns, positions * ld);
      int64_t* offset = scratch<int64_t>(kOffsets, positions);
      for (int64_t i = 0; i < images; ++i) {
        const int64_t b = sb + i;
        KILN_DISPATCH(pad_planes<T>, s, x + (b * s.cin + g * pl.cg) * s.h * s.w, planes + i * pl.planes);
        for (int64_t q = 0; q < pl.p; ++q) offset[i * pl.p + q] = i * pl.planes + window_offset(s, ow, q);
        const T* dyb = dy + (b * s.cout + g * pl.mg) * pl.p;
        T* rows = dyt + i * pl.p * ld;
        KILN_DISPATCH(transpose_add<T>, dyb, pl.p, pl.mg, pl.p, static_cast<const T*>(nullptr), rows, ld);
        if (pl.mg < ld)
          for (int64_t q = 0; q < pl.p; ++q) std::fill(rows + q * ld + pl.mg, rows + (q + 1) * ld, T(0));
      }
      const int64_t depth = ceil_div(positions, ceil_div(positions, kDepthBlock));
      T* dwg = out + g * pl.k * ld;
      cpu::parallel_range(tiles, kTapTileGrain, [&](int64_t t0, int64_t t1) {
        for (int64_t q0 = 0; q0 < positions; q0 += depth)
          for (int64_t j = 0; j < ld; j += nr)
            for (int64_t t = t0; t < t1; ++t) {
              const int64_t r = t * kConvTileRows;
              const T* base[kConvTileRows];
              for (int64_t i = 0; i < kConvTileRows; ++i) base[i] = planes + row_offset[std::min(r + i, pl.k - 1)];
              KILN_DISPATCH(indirect_tile<T>, std::min(depth, positions - q0), base, offset + q0, dyt + q0 * ld + j,
                            ld, dwg + r * ld + j, ld, static_cast<int>(std::min<int64_t>(kConvTileRows, pl.k - r)),
                            sb > b0 || q0 > 0);
            }
      });
    }
}

// The share of a rows x cols GEMM output's micro-tiles that holds results, with the AVX2
// fp32 tile (6 x 16). Fixed numbers, not the active kernel's: choices made from it must
// depend on the shape only.
double tile_use(int64_t rows, int64_t cols) {
  return static_cast<double>(rows) / (ceil_div(rows, 6) * 6) * static_cast<double>(cols) / (ceil_div(cols, 16) * 16);
}

bool is_depthwise(const Conv2dShape& s) { return s.groups == s.cin && s.cout == s.cin; }

// With stride 1 and padding within the dilated kernel's reach, dx is the forward convolution
// of dy with the kernel rotated by 180 degrees and its channel axes swapped, padded by
// dilation * (k - 1) - pad: the forward's fused packing instead of a col2im scatter, and a
// GEMM of depth cout/groups*kh*kw instead of cout/groups. This is that convolution's shape.
Conv2dShape data_gradient_shape(const Conv2dShape& s) {
  const int64_t reach_h = s.dh * (s.kh - 1), reach_w = s.dw * (s.kw - 1);
  Conv2dShape t = s;
  t.cin = s.cout, t.h = s.oh(), t.w = s.ow(), t.cout = s.cin;
  t.pt = reach_h - s.pt, t.pb = reach_h - s.pb, t.pl = reach_w - s.pl, t.pr = reach_w - s.pr;
  return t;
}

template <class T>
bool data_gradient_as_forward(const Conv2dShape& s) {
  const int64_t reach_h = s.dh * (s.kh - 1), reach_w = s.dw * (s.kw - 1);
  const Plan pl(s);
  // Measured: pays when the new convolution's output channels (cin/groups) are not few (one
  // input channel makes a 1-row GEMM) and, on the GEMM path, at least as many as its depth
  // factor (cout/groups); the indirect path's tiles do not mind the depth factor.
  return s.sh == 1 && s.sw == 1 && s.pt <= reach_h && s.pb <= reach_h && s.pl <= reach_w && s.pr <= reach_w &&
         !pl.direct && pl.cg >= 16 && (pl.cg >= pl.mg || use_indirect_forward<T>(Plan(data_gradient_shape(s))));
}

template <class T>
void backward_data_as_forward(const Conv2dShape& s, const T* dy, const T* weight, T* dx) {
  const int64_t cg = s.cin / s.groups, mg = s.cout / s.groups, taps = s.kh * s.kw;
  std::vector<T> rotated(static_cast<std::size_t>(s.cout * cg * taps));
  for (int64_t g = 0; g < s.groups; ++g)
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t o = 0; o < mg; ++o) {
        const T* from = weight + ((g * mg + o) * cg + c) * taps;
        T* to = rotated.data() + ((g * cg + c) * mg + o) * taps;
        for (int64_t t = 0; t < taps; ++t) to[t] = from[taps - 1 - t];
      }
  conv2d_forward(data_gradient_shape(s), dy, rotated.data(), static_cast<const T*>(nullptr), dx);
}

}  // namespace

int64_t Conv2dShape::oh() const { return conv2d_output_size(h, kh, sh, pt, pb, dh); }
int64_t Conv2dShape::ow() const { return conv2d_output_size(w, kw, sw, pl, pr, dw); }

int64_t conv2d_output_size(int64_t in, int64_t k, int64_t stride, int64_t pad_lo, int64_t pad_hi,
                           int64_t dilation) {
  const int64_t span = in + pad_lo + pad_hi - dilation * (k - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

template <class T>
void conv2d_forward(const Conv2dShape& s, const T* x, const T* weight, const T* bias, T* y) {
  const Plan pl(s);
  if (is_depthwise(s)) {
    // One multiply-add per tap and output: a direct loop beats a GEMM with one row.
    const int64_t plane = s.oh() * s.ow();
    for_units(s.n * s.cin, static_cast<double>(plane) * s.kh * s.kw, [&](int64_t u) {
      const int64_t b = u / s.cin, c = u % s.cin;
      KILN_DISPATCH(depthwise_forward<T>, s, x + b * s.cin * s.h * s.w, weight, bias, c, c + 1,
                    y + b * s.cout * plane);
    });
    return;
  }
  const std::vector<int64_t> row_offset = im2col_row_offsets(s, pl);
  const auto wt = use_indirect_forward<T>(pl) ? transposed_weight(s, pl, weight) : nullptr;
  // Images per GEMM: enough columns for wide GEMMs (>= kWideColumns) when packing from planes.
  const int64_t per = pl.planes ? std::min(std::max<int64_t>(s.n, 1), ceil_div(kWideColumns, pl.p)) : 1;
  const int64_t image_chunks = ceil_div(s.n, per);
  for_units(image_chunks * s.groups, pl.unit_volume() * per, [&](int64_t u) {
    const int64_t c = u / s.groups;
    forward_images(s, pl, row_offset.data(), x, weight, wt.get(), bias, y, c * per, std::min(s.n, (c + 1) * per),
                   u % s.groups);
  });
}

template <class T>
void conv2d_backward_data(const Conv2dShape& s, const T* dy, const T* weight, T* dx) {
  if (data_gradient_as_forward<T>(s)) return backward_data_as_forward(s, dy, weight, dx);
  const Plan pl(s);
  for_units(s.n * s.groups, pl.unit_volume(),
            [&](int64_t u) { backward_data_unit(s, pl, dy, weight, dx, u / s.groups, u % s.groups); });
}

template <class T>
void conv2d_backward_weight(const Conv2dShape& s, const T* x, const T* dy, T* dweight) {
  const Plan pl(s);
  const int64_t wsize = s.cout * pl.k;
  if (s.n == 0) {
    std::fill(dweight, dweight + wsize, T(0));
    return;
  }
  // Fixed chunks of images (from the shape only), each summed into its own buffer.
  const double image_volume = pl.unit_volume() * s.groups;
  const int64_t max_chunks = std::clamp<int64_t>(kPartialBudget / std::max<int64_t>(wsize, 1), 1, kMaxWeightChunks);
  const int64_t per_chunk = std::max(ceil_div(s.n, max_chunks),
                                     static_cast<int64_t>(kBlockVolume / std::max(image_volume, 1.0)));
  const int64_t chunks = ceil_div(s.n, std::max<int64_t>(per_chunk, 1));
  const int64_t images = ceil_div(s.n, chunks);
  // The output orientation: dW^T (K x channels per group, transposed at the end) on the
  // indirect path, or for the GEMM when that fills its micro-tiles better (one input channel:
  // K = 25, mg = 16; or 32 output channels).
  const bool indirect = use_indirect<T>(pl);
  const bool transposed = indirect || tile_use(pl.k, pl.mg) > tile_use(pl.mg, pl.k);
  const int64_t ld = indirect ? padded_channels<T>(pl) : pl.mg;  // of dW^T
  const int64_t part = transposed ? s.groups * pl.k * ld : wsize;
  const std::vector<int64_t> row_offset = im2col_row_offsets(s, pl);
  std::vector<T> partial(static_cast<std::size_t>((transposed ? chunks : chunks - 1) * part));
  T* sum = transposed ? partial.data() : dweight;
  auto chunk_out = [&](int64_t c) { return c == 0 ? sum : partial.data() + (transposed ? c : c - 1) * part; };
  cpu::parallel_for(chunks, [&](int64_t c) {
    const int64_t b0 = c * images, b1 = std::min(s.n, (c + 1) * images);
    if (indirect) {
      backward_weight_indirect(s, pl, row_offset.data(), x, dy, b0, b1, chunk_out(c));
    } else {
      backward_weight_images(s, pl, transposed, x, dy, b0, b1, chunk_out(c));
    }
  });
  cpu::parallel_range(part, kSumGrain, [&](int64_t begin, int64_t end) {
    for (int64_t c = 1; c < chunks; ++c) KILN_DISPATCH(add_values<T>, sum + begin, chunk_out(c) + begin, end - begin);
  });
  if (!transposed) return;
  for (int64_t g = 0; g < s.groups; ++g)
    for (int64_t o = 0; o < pl.mg; ++o)
      for (int64_t r = 0; r < pl.k; ++r) dweight[(g * pl.mg + o) * pl.k + r] = sum[(g * pl.k + r) * ld + o];
}

template <class T>
void conv2d_backward_bias(int64_t n, int64_t channels, int64_t spatial, const T* dy, T* dbias) {
  const int64_t grain = std::max<int64_t>(1, kSumGrain / std::max<int64_t>(n * spatial, 1));
  cpu::parallel_range(channels, grain, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      T acc = T(0);
      for (int64_t b = 0; b < n; ++b) acc += KILN_DISPATCH(sum_values<T>, dy + (b * channels + c) * spatial, spatial);
      dbias[c] = acc;
    }
  });
}

#define KILN_CONV_INSTANTIATE(T)                                                                      \
  template void conv2d_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*);              \
  template void conv2d_backward_data<T>(const Conv2dShape&, const T*, const T*, T*);                  \
  template void conv2d_backward_weight<T>(const Conv2dShape&, const T*, const T*, T*);                \
  template void conv2d_backward_bias<T>(int64_t, int64_t, int64_t, const T*, T*);
KILN_CONV_INSTANTIATE(float)
KILN_CONV_INSTANTIATE(double)
#undef KILN_CONV_INSTANTIATE

}  // namespace kiln
