// Reductions: the shape is collapsed (size-1 axes dropped, adjacent axes of the same kind
// merged) into kept and reduced dims, then one of two loop nests runs:
//   innermost dim reduced -> each output reduces contiguous rows (vectorized along the row);
//   innermost dim kept    -> column tiles of outputs accumulate whole input rows (vectorized
//                            across the outputs), walking the reduced positions in order.
// The arithmetic of every output is fixed by the shape and data; threads only claim outputs,
// tiles or (for a few long rows) fixed chunks whose partials are combined pairwise in order.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "cpu/isa.h"
#include "cpu/thread_pool.h"
#include "kernels/reduce/reduce.h"
#include "kernels/reduce/reduce_leaf.h"

namespace kiln {
namespace {

constexpr std::int64_t kBlockElems = 32768;  // work per parallel block; smaller runs inline
constexpr std::int64_t kTile = 256;          // output columns per tile (innermost kept)
constexpr std::int64_t kTileChunk = 1024;    // reduced positions folded into a tile's total at once
constexpr std::int64_t kChunksPerBlock = 8;
constexpr std::int64_t kExtremeChunk = 65536;  // row chunk of a parallel max/min

struct Dims {
  int n = 0;
  std::int64_t size[kReduceMaxRank];
  std::int64_t stride[kReduceMaxRank];
  std::int64_t count() const {
    std::int64_t c = 1;
    for (int d = 0; d < n; ++d) c *= size[d];
    return c;
  }
  // Input offset of the flat (row-major) index i over these dims.
  std::int64_t offset_of(std::int64_t i) const {
    std::int64_t off = 0;
    for (int d = n - 1; d >= 0; --d) {
      off += (i % size[d]) * stride[d];
      i /= size[d];
    }
    return off;
  }
};

struct Plan {
  Dims kept, reduced;
  bool inner_reduced = true;
  std::int64_t outputs = 1, length = 1;
};

Plan make_plan(const std::int64_t* shape, int rank, std::uint32_t axes_mask) {
  std::int64_t size[kReduceMaxRank + 1];
  bool red[kReduceMaxRank + 1];
  int n = 0;
  for (int a = 0; a < rank; ++a) {
    const bool r = (axes_mask >> a) & 1u;
    if (shape[a] == 1) continue;
    if (n > 0 && red[n - 1] == r) {
      size[n - 1] *= shape[a];
    } else {
      size[n] = shape[a];
      red[n++] = r;
    }
  }
  if (n == 0) { size[0] = 1; red[n++] = true; }
  Plan p;
  std::int64_t stride = 1;
  for (int d = n - 1; d >= 0; --d) {
    Dims& dims = red[d] ? p.reduced : p.kept;
    dims.size[dims.n] = size[d];
    dims.stride[dims.n++] = stride;
    stride *= size[d];
  }
  for (Dims* dims : {&p.kept, &p.reduced}) {  // collected innermost first: reverse to row-major
    std::reverse(dims->size, dims->size + dims->n);
    std::reverse(dims->stride, dims->stride + dims->n);
  }
  p.inner_reduced = red[n - 1];
  p.outputs = p.kept.count();
  p.length = p.reduced.count();
  return p;
}

// Walks the positions of some dims in row-major order, tracking the input offset.
struct Odometer {
  const Dims& dims;
  std::int64_t idx[kReduceMaxRank] = {};
  std::int64_t offset = 0;
  explicit Odometer(const Dims& d) : dims(d) {}
  // Jumps to the flat row-major position q.
  void seek(std::int64_t q) {
    offset = 0;
    for (int d = dims.n - 1; d >= 0; --d) {
      idx[d] = q % dims.size[d];
      offset += idx[d] * dims.stride[d];
      q /= dims.size[d];
    }
  }
  void next() {
    for (int d = dims.n - 1; d >= 0; --d) {
      offset += dims.stride[d];
      if (++idx[d] < dims.size[d]) return;
      offset -= dims.stride[d] * dims.size[d];
      idx[d] = 0;
    }
  }
};

// Dims without their innermost entry.
Dims outer_part(const Dims& d) {
  Dims o = d;
  o.n = d.n > 0 ? d.n - 1 : 0;
  return o;
}

double pairwise(const double* v, std::int64_t n) {
  if (n == 1) return v[0];
  const std::int64_t h = n / 2;
  return pairwise(v, h) + pairwise(v + h, n - h);
}

template <class T>
double row_sum(const T* x, std::int64_t n, bool square, bool parallel) {
  const std::int64_t chunks = (n + kSumChunk - 1) / kSumChunk;
  if (chunks <= 1) return KILN_DISPATCH(sum_chunk<T>, x, n, square);
  std::vector<double> partial(static_cast<std::size_t>(chunks));
  auto run = [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t k = b; k < e; ++k)
      partial[k] = KILN_DISPATCH(sum_chunk<T>, x + k * kSumChunk, std::min(kSumChunk, n - k * kSumChunk), square);
  };
  if (parallel) cpu::parallel_range(chunks, kChunksPerBlock, run); else run(0, chunks);
  return pairwise(partial.data(), chunks);
}

// Extreme of a row and its first position. Long rows are cut into chunks whose (value,
// position) partials merge in order: max/min with first-position ties is exact, so the result
// is the same however the row is cut or threaded. Chunks also keep extreme_row's lane
// positions within int32.
template <class T>
void row_extreme(const T* x, std::int64_t n, bool is_max, bool parallel, T* best, std::int64_t* index) {
  const std::int64_t chunks = (n + kExtremeChunk - 1) / kExtremeChunk;
  if (chunks <= 1) { KILN_DISPATCH(extreme_row<T>, x, n, is_max, best, index); return; }
  std::vector<T> value(static_cast<std::size_t>(chunks));
  std::vector<std::int64_t> pos(static_cast<std::size_t>(chunks));
  auto run = [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t k = b; k < e; ++k) {
      KILN_DISPATCH(extreme_row<T>, x + k * kExtremeChunk, std::min(kExtremeChunk, n - k * kExtremeChunk), is_max,
                    &value[k], &pos[k]);
      pos[k] += k * kExtremeChunk;
    }
  };
  if (parallel) cpu::parallel_range(chunks, 1, run); else run(0, chunks);
  *best = value[0];
  *index = pos[0];
  for (std::int64_t k = 1; k < chunks; ++k) KILN_DISPATCH(extreme_tile<T>, best, index, &value[k], 1, pos[k], is_max);
}

bool is_sum_like(ReduceOp op) { return op != ReduceOp::Max && op != ReduceOp::Min; }
bool squares(ReduceOp op) { return op == ReduceOp::Norm2 || op == ReduceOp::SumSquares; }

// L2 norm of output o's values with scaling, for fp64 sums of squares that overflowed or lost
// precision to underflow: norm = m * sqrt(sum (x/m)^2) with m = max |x| as a power of two.
template <class T>
double scaled_norm(const Plan& p, const T* x, std::int64_t o) {
  const T* base = x + p.kept.offset_of(o);
  double m = 0;
  Odometer a(p.reduced);
  for (std::int64_t q = 0; q < p.length; ++q, a.next()) {
    const double v = std::fabs(static_cast<double>(base[a.offset]));
    if (v != v) return v;
    m = std::max(m, v);
  }
  if (m == 0 || std::isinf(m)) return m;
  // ldexp rather than a multiply: 2^-e itself overflows when m is subnormal.
  const int e = std::ilogb(m);
  double s = 0;
  Odometer b(p.reduced);
  for (std::int64_t q = 0; q < p.length; ++q, b.next()) {
    const double v = std::ldexp(static_cast<double>(base[b.offset]), -e);
    s += v * v;
  }
  return std::ldexp(std::sqrt(s), e);
}

template <class T>
T finish_sum(ReduceOp op, double s, const Plan& p, const T* x, std::int64_t o) {
  switch (op) {
    case ReduceOp::Mean: return static_cast<T>(s / static_cast<double>(p.length));
    case ReduceOp::Norm2:
      if (std::is_same<T, double>::value && (std::isinf(s) || s < 0x1p-969)) return static_cast<T>(scaled_norm(p, x, o));
      return static_cast<T>(std::sqrt(s));
    default: return static_cast<T>(s);
  }
}

// Innermost dim reduced: output o reduces rows of length r (contiguous) in order.
template <class T>
void reduce_rows(ReduceOp op, const Plan& p, const T* x, T* out, std::int32_t* out_index) {
  const std::int64_t r = p.reduced.size[p.reduced.n - 1];
  const std::int64_t rows = p.length / r;
  const Dims row_dims = outer_part(p.reduced);
  const bool is_max = op == ReduceOp::Max;
  // Few outputs: run them one after the other and split long rows into parallel chunks.
  const bool per_output = p.outputs >= 8;
  auto one = [&](std::int64_t o) {
    const T* base = x + p.kept.offset_of(o);
    Odometer row(row_dims);
    if (is_sum_like(op)) {
      double s = 0;
      for (std::int64_t q = 0; q < rows; ++q, row.next()) s += row_sum(base + row.offset, r, squares(op), !per_output);
      out[o] = finish_sum(op, s, p, x, o);
      return;
    }
    T best{};
    std::int64_t at = 0;
    for (std::int64_t q = 0; q < rows; ++q, row.next()) {
      T v;
      std::int64_t i;
      row_extreme(base + row.offset, r, is_max, !per_output, &v, &i);
      if (q == 0) { best = v; at = i; } else KILN_DISPATCH(extreme_tile<T>, &best, &at, &v, 1, q * r + i, is_max);
    }
    out[o] = best;
    if (out_index) out_index[o] = static_cast<std::int32_t>(at);
  };
  if (per_output) {
    cpu::parallel_range(p.outputs, std::max<std::int64_t>(1, kBlockElems / p.length), [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t o = b; o < e; ++o) one(o);
    });
  } else {
    for (std::int64_t o = 0; o < p.outputs; ++o) one(o);
  }
}

// Innermost dim kept: tiles of up to kTile adjacent outputs accumulate whole rows, the reduced
// positions cut into chunks of kTileChunk. A tile's result is chunk 0 merged with chunks 1, 2,
// ... in order (sums: total += chunk; extremes: first-position merge), whether the chunks run
// one after another (many tiles: threads take tiles) or in parallel (few tiles).
template <class T>
void reduce_cols(ReduceOp op, const Plan& p, const T* x, T* out, std::int32_t* out_index) {
  const std::int64_t inner = p.kept.size[p.kept.n - 1];
  const Dims outer = outer_part(p.kept);
  const std::int64_t tiles = (inner + kTile - 1) / kTile;
  const std::int64_t units = outer.count() * tiles;
  const std::int64_t width0 = std::min(inner, kTile);
  const std::int64_t chunks = (p.length + kTileChunk - 1) / kTileChunk;
  const bool split = units < 8 && chunks > 1;
  const bool sums = is_sum_like(op), is_max = op == ReduceOp::Max;

  // Partial result of one chunk of one tile: acc (sums, zeroed here) or best/at (extremes).
  auto scan = [&](const T* base, std::int64_t width, std::int64_t c, double* acc, T* best, std::int64_t* at) {
    const std::int64_t q0 = c * kTileChunk, q1 = std::min(p.length, q0 + kTileChunk);
    Odometer pos(p.reduced);
    pos.seek(q0);
    if (sums) {
      std::fill(acc, acc + width, 0.0);
      for (std::int64_t q = q0; q < q1; ++q, pos.next()) KILN_DISPATCH(sum_tile<T>, acc, base + pos.offset, width, squares(op));
      return;
    }
    for (std::int64_t k = 0; k < width; ++k) { best[k] = base[pos.offset + k]; at[k] = q0; }
    pos.next();
    for (std::int64_t q = q0 + 1; q < q1; ++q, pos.next())
      KILN_DISPATCH(extreme_tile<T>, best, at, base + pos.offset, width, q, is_max);
  };
  // Merges chunk c's partial into the running tile result.
  auto fold = [&](std::int64_t width, std::int64_t c, double* total, const double* acc, T* best, std::int64_t* at,
                  const T* cbest, const std::int64_t* cat) {
    for (std::int64_t k = 0; k < width; ++k) {
      if (sums) total[k] = c == 0 ? acc[k] : total[k] + acc[k];
      else if (c == 0) { best[k] = cbest[k]; at[k] = cat[k]; }
      else KILN_DISPATCH(extreme_tile<T>, &best[k], &at[k], &cbest[k], 1, cat[k], is_max);
    }
  };
  auto unit = [&](std::int64_t u) {
    const std::int64_t ko = u / tiles, c0 = (u % tiles) * kTile, width = std::min(kTile, inner - c0);
    const T* base = x + outer.offset_of(ko) + c0;
    const std::int64_t o0 = ko * inner + c0;
    double total[kTile];
    T best[kTile];
    std::int64_t at[kTile];
    if (split) {
      const std::size_t slots = static_cast<std::size_t>(chunks * width);
      std::vector<double> acc(sums ? slots : 0);
      std::vector<T> cbest(sums ? 0 : slots);
      std::vector<std::int64_t> cat(sums ? 0 : slots);
      cpu::parallel_range(chunks, 1, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t c = b; c < e; ++c)
          scan(base, width, c, sums ? &acc[c * width] : nullptr, sums ? nullptr : &cbest[c * width],
               sums ? nullptr : &cat[c * width]);
      });
      for (std::int64_t c = 0; c < chunks; ++c)
        fold(width, c, total, sums ? &acc[c * width] : nullptr, best, at, sums ? nullptr : &cbest[c * width],
             sums ? nullptr : &cat[c * width]);
    } else {
      double acc[kTile];
      T cbest[kTile];
      std::int64_t cat[kTile];
      for (std::int64_t c = 0; c < chunks; ++c) {
        scan(base, width, c, acc, cbest, cat);
        fold(width, c, total, acc, best, at, cbest, cat);
      }
    }
    for (std::int64_t k = 0; k < width; ++k) {
      if (sums) {
        out[o0 + k] = finish_sum(op, total[k], p, x, o0 + k);
      } else {
        out[o0 + k] = best[k];
        if (out_index) out_index[o0 + k] = static_cast<std::int32_t>(at[k]);
      }
    }
  };
  if (split) {
    for (std::int64_t u = 0; u < units; ++u) unit(u);
  } else {
    cpu::parallel_range(units, std::max<std::int64_t>(1, kBlockElems / std::max<std::int64_t>(1, p.length * width0)),
                        [&](std::int64_t b, std::int64_t e) {
                          for (std::int64_t u = b; u < e; ++u) unit(u);
                        });
  }
}

}  // namespace

template <class T>
void reduce(ReduceOp op, const std::int64_t* shape, int rank, std::uint32_t axes_mask, const T* x, T* out,
            std::int32_t* out_index) {
  const Plan p = make_plan(shape, rank, axes_mask);
  if (p.outputs == 0) return;
  if (p.length == 0) {  // sum of nothing is 0, the mean NaN; Max/Min never get here
    const T fill = op == ReduceOp::Mean ? std::numeric_limits<T>::quiet_NaN() : T(0);
    std::fill(out, out + p.outputs, fill);
    return;
  }
  if (p.inner_reduced) reduce_rows(op, p, x, out, out_index); else reduce_cols(op, p, x, out, out_index);
}

template <class T>
double sum_contiguous(const T* x, std::int64_t n, bool square) {
  return n == 0 ? 0.0 : row_sum(x, n, square, true);
}

template void reduce<float>(ReduceOp, const std::int64_t*, int, std::uint32_t, const float*, float*, std::int32_t*);
template void reduce<double>(ReduceOp, const std::int64_t*, int, std::uint32_t, const double*, double*,
                             std::int32_t*);
template double sum_contiguous<float>(const float*, std::int64_t, bool);
template double sum_contiguous<double>(const double*, std::int64_t, bool);

}  // namespace kiln
