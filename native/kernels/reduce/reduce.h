// Reductions of a contiguous tensor along any set of axes: sum, mean, max/argmax, min/argmin,
// L2 norm and sum of squares, fp32 and fp64. Results depend on the data and shape only (never
// on the thread count): see docs/reduce.md for the summation scheme.
#pragma once

#include <cstdint>

namespace kiln {

enum class ReduceOp { Sum = 0, Mean = 1, Max = 2, Min = 3, Norm2 = 4, SumSquares = 5 };
constexpr int kReduceMaxRank = 8;
// Chunk of a long contiguous sum: chunks are summed with 8 fixed lanes, chunk totals pairwise.
constexpr std::int64_t kSumChunk = 4096;

// shape[rank] (rank <= 8) is reduced over the axes whose bit is set in axes_mask; out holds the
// reduced shape, contiguous. out_index (Max/Min only, may be null) receives the row-major index
// within the reduced axes of the first extreme (first NaN if any). Preconditions (checked by
// the caller): extents fit in int64; a Max/Min with outputs needs a non-empty reduction; the
// reduction length fits int32 when out_index is given.
template <class T>
void reduce(ReduceOp op, const std::int64_t* shape, int rank, std::uint32_t axes_mask, const T* x, T* out,
            std::int32_t* out_index);

// Sum (or sum of squares) of n contiguous values, accumulated in double with the chunked
// scheme above; parallel over chunks for long inputs.
template <class T>
double sum_contiguous(const T* x, std::int64_t n, bool square);

}  // namespace kiln
