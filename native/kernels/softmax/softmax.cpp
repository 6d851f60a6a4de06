// Softmax along an axis: threading and ISA dispatch around the leaves of softmax_leaf_impl.h.
// Work units are rows (inner == 1) or (outer index, column tile) pairs; blocks are cut from the
// shape only and each unit's arithmetic is independent of the others, so the output does not
// depend on the thread count.
#include <algorithm>

#include "cpu/isa.h"
#include "cpu/thread_pool.h"
#include "kernels/softmax/softmax.h"
#include "kernels/softmax/softmax_leaf.h"
#include "kernels/softmax/row_blocks.h"

namespace kiln {
namespace {

using softmax_detail::grain_for;

// Calls rows_fn(first_row, rows) for inner == 1, else cols_fn(offset, width) per column tile.
template <class RowsFn, class ColsFn>
void for_each_unit(std::int64_t outer, std::int64_t dim, std::int64_t inner, RowsFn rows_fn, ColsFn cols_fn) {
  if (outer == 0 || dim == 0 || inner == 0) return;
  if (inner == 1) {
    cpu::parallel_range(outer, grain_for(dim), [&](std::int64_t b, std::int64_t e) { rows_fn(b, e - b); });
    return;
  }
  const std::int64_t tiles = (inner + kSoftmaxTile - 1) / kSoftmaxTile;
  const std::int64_t width0 = std::min(inner, kSoftmaxTile);
  cpu::parallel_range(outer * tiles, grain_for(dim * width0), [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t u = b; u < e; ++u) {
      const std::int64_t o = u / tiles, c0 = (u % tiles) * kSoftmaxTile;
      cols_fn(o * dim * inner + c0, std::min(kSoftmaxTile, inner - c0));
    }
  });
}

}  // namespace

template <class T>
void softmax_forward(bool log, std::int64_t outer, std::int64_t dim, std::int64_t inner, const T* x, T* y) {
  for_each_unit(
      outer, dim, inner,
      [&](std::int64_t r, std::int64_t rows) { KILN_DISPATCH(softmax_rows<T>, log, x + r * dim, y + r * dim, rows, dim); },
      [&](std::int64_t off, std::int64_t width) {
        KILN_DISPATCH(softmax_cols<T>, log, x + off, y + off, dim, inner, width);
      });
}

template <class T>
void softmax_backward(bool log, std::int64_t outer, std::int64_t dim, std::int64_t inner, const T* y,
                      const T* dy, T* dx) {
  for_each_unit(
      outer, dim, inner,
      [&](std::int64_t r, std::int64_t rows) {
        const std::int64_t off = r * dim;
        KILN_DISPATCH(softmax_backward_rows<T>, log, y + off, dy + off, dx + off, rows, dim);
      },
      [&](std::int64_t off, std::int64_t width) {
        KILN_DISPATCH(softmax_backward_cols<T>, log, y + off, dy + off, dx + off, dim, inner, width);
      });
}

template void softmax_forward<float>(bool, std::int64_t, std::int64_t, std::int64_t, const float*, float*);
template void softmax_forward<double>(bool, std::int64_t, std::int64_t, std::int64_t, const double*, double*);
template void softmax_backward<float>(bool, std::int64_t, std::int64_t, std::int64_t, const float*, const float*,
                                      float*);
template void softmax_backward<double>(bool, std::int64_t, std::int64_t, std::int64_t, const double*,
                                       const double*, double*);

}  // namespace kiln
