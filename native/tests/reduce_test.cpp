// Reductions against a float64 reference loop, on every ISA path: every op, every axis subset
// of several shapes (1, odd sizes, empty), NaN and tie semantics of max/min, fp64 norm range,
// long rows, and bit-identical results at 1 and 2 threads.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "cpu/thread_pool.h"
#include "harness.h"
#include "kernels/reduce/reduce.h"

using namespace kiln;

namespace {

std::vector<double> random_vec(std::size_t n, std::uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> u(-3, 3);
  std::vector<double> v(n);
  for (double& x : v) x = u(g);
  return v;
}

struct RefOut {
  std::vector<double> value;
  std::vector<std::int32_t> index;
};

// Direct definition: every input element is mapped to its output and to its row-major
// position within the reduced axes.
RefOut ref_reduce(ReduceOp op, const std::vector<std::int64_t>& shape, std::uint32_t mask, const std::vector<double>& x) {
  const int rank = static_cast<int>(shape.size());
  std::int64_t outputs = 1, length = 1;
  for (int a = 0; a < rank; ++a) ((mask >> a) & 1u ? length : outputs) *= shape[a];
  RefOut r;
  const bool extreme = op == ReduceOp::Max || op == ReduceOp::Min;
  r.value.assign(static_cast<std::size_t>(outputs), extreme ? NAN : 0.0);
  r.index.assign(static_cast<std::size_t>(outputs), -1);
  std::vector<std::int64_t> idx(rank, 0);
  for (std::size_t k = 0; k < x.size(); ++k) {
    std::int64_t o = 0, q = 0;
    for (int a = 0; a < rank; ++a) {
      if ((mask >> a) & 1u) q = q * shape[a] + idx[a]; else o = o * shape[a] + idx[a];
    }
    const double v = x[k];
    double& acc = r.value[o];
    if (extreme) {
      const bool first = r.index[o] < 0;
      const bool better = op == ReduceOp::Max ? v > acc : v < acc;
      if (first || (!std::isnan(acc) && (std::isnan(v) || better))) { acc = v; r.index[o] = static_cast<std::int32_t>(q); }
    } else {
      acc += (op == ReduceOp::Norm2 || op == ReduceOp::SumSquares) ? v * v : v;
    }
    for (int a = rank - 1; a >= 0; --a) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  for (double& v : r.value) {
    if (op == ReduceOp::Mean) v /= static_cast<double>(length);
    if (op == ReduceOp::Norm2) v = std::sqrt(v);
  }
  return r;
}

const ReduceOp kOps[] = {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max, ReduceOp::Min, ReduceOp::Norm2, ReduceOp::SumSquares};

template <class T>
void check_all_axis_sets(const std::vector<std::int64_t>& shape, std::uint32_t seed) {
  std::int64_t total = 1;
  for (std::int64_t s : shape) total *= s;
  std::vector<double> xd = random_vec(static_cast<std::size_t>(total), seed);
  // Repeated values so ties and first-occurrence indices are exercised.
  for (std::size_t k = 0; k < xd.size(); k += 5) xd[k] = 2.5;
  const std::vector<T> x(xd.begin(), xd.end());
  const std::vector<double> xr(x.begin(), x.end());
  const int rank = static_cast<int>(shape.size());
  for (std::uint32_t mask = 0; mask < (1u << rank); ++mask)
    for (ReduceOp op : kOps) {
      std::int64_t outputs = 1, length = 1;
      for (int a = 0; a < rank; ++a) ((mask >> a) & 1u ? length : outputs) *= shape[a];
      const bool extreme = op == ReduceOp::Max || op == ReduceOp::Min;
      if (extreme && length == 0 && outputs > 0) continue;  // an error, checked by the binding
      std::vector<T> out(static_cast<std::size_t>(outputs) + 1, T(-77));
      std::vector<std::int32_t> index(static_cast<std::size_t>(outputs) + 1, -77);
      reduce<T>(op, shape.data(), rank, mask, x.data(), out.data(), extreme ? index.data() : nullptr);
      const RefOut ref = ref_reduce(op, shape, mask, xr);
      const double tol = std::is_same<T, float>::value ? 1e-6 : 1e-13;
      for (std::int64_t o = 0; o < outputs; ++o) {
        if (length == 0 && op == ReduceOp::Mean) { CHECK(std::isnan(out[o])); continue; }
        CHECK_CLOSE(out[o], ref.value[o], tol, tol);
        if (extreme) CHECK(index[o] == ref.index[o]);
      }
      CHECK(out[outputs] == T(-77));  // nothing written past the end
    }
}

}  // namespace

TEST(reduce_every_axis_set_matches_reference) {
  const std::vector<std::vector<std::int64_t>> shapes = {
      {}, {1}, {7}, {1023}, {17, 3}, {1, 129}, {2, 129, 3}, {3, 0, 2}, {0}, {2, 3, 4, 5}, {3, 1, 5, 1, 7}, {2, 2, 2, 2, 2, 2, 2, 3}};
  std::uint32_t seed = 1;
  for (const auto& shape : shapes) {
    check_all_axis_sets<float>(shape, seed);
    check_all_axis_sets<double>(shape, seed++);
  }
}

TEST(reduce_long_rows_and_columns_match_reference) {
  for (const std::vector<std::int64_t>& shape :
       {std::vector<std::int64_t>{100000}, {3, 100000}, {100000, 3}, {300, 1000}, {20, 700, 9}})
    for (std::uint32_t mask = 1; mask < (1u << shape.size()); ++mask) {
      std::int64_t total = 1;
      for (std::int64_t s : shape) total *= s;
      const std::vector<double> xd = random_vec(static_cast<std::size_t>(total), 9);
      const std::vector<float> x(xd.begin(), xd.end());
      for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Norm2}) {
        const RefOut ref = ref_reduce(op, shape, mask, std::vector<double>(x.begin(), x.end()));
        std::vector<float> out(ref.value.size());
        std::vector<std::int32_t> index(ref.value.size());
        reduce<float>(op, shape.data(), static_cast<int>(shape.size()), mask, x.data(), out.data(),
                      op == ReduceOp::Max ? index.data() : nullptr);
        for (std::size_t o = 0; o < out.size(); ++o) {
          // Double accumulation: fp32 sums are correctly rounded up to cancellation.
          CHECK_CLOSE(out[o], ref.value[o], 1e-6, 1e-4);
          if (op == ReduceOp::Max) CHECK(index[o] == ref.index[o]);
        }
      }
    }
}

TEST(reduce_max_min_nan_and_ties_follow_pytorch) {
  const std::vector<std::int64_t> shape = {2, 11};
  std::vector<double> x(22, 1.0);
  x[3] = 5;
  x[9] = 5;                     // tie: first occurrence (3) wins
  x[11 + 4] = NAN;
  x[11 + 7] = NAN;              // first NaN (4) wins
  x[11 + 9] = INFINITY;
  std::vector<double> out(2);
  std::vector<std::int32_t> index(2);
  for (ReduceOp op : {ReduceOp::Max, ReduceOp::Min}) {
    reduce<double>(op, shape.data(), 2, 2u, x.data(), out.data(), index.data());
    CHECK(out[0] == (op == ReduceOp::Max ? 5.0 : 1.0));
    CHECK(index[0] == (op == ReduceOp::Max ? 3 : 0));
    CHECK(std::isnan(out[1]) && index[1] == 4);
  }
  // A NaN in a long row, also in the vector lanes and the tail.
  std::vector<float> row(1000, 0.f);
  row[997] = NAN;
  row[500] = NAN;
  const std::int64_t n = 1000;
  float m;
  std::int32_t at;
  reduce<float>(ReduceOp::Max, &n, 1, 1u, row.data(), &m, &at);
  CHECK(std::isnan(m) && at == 500);
  // Ties in different vector lanes and in the tail: the smallest position wins.
  std::vector<float> ties(1001, 0.f);
  for (std::size_t k : {900, 13, 501, 1000}) ties[k] = 7.f;
  const std::int64_t nt = 1001;
  for (ReduceOp op : {ReduceOp::Max, ReduceOp::Min}) {
    if (op == ReduceOp::Min) for (float& v : ties) v = -v;
    reduce<float>(op, &nt, 1, 1u, ties.data(), &m, &at);
    CHECK(m == (op == ReduceOp::Max ? 7.f : -7.f) && at == 13);
  }
  std::vector<double> s(2);
  reduce<double>(ReduceOp::Sum, shape.data(), 2, 2u, x.data(), s.data(), nullptr);
  CHECK(std::isnan(s[1]));
}

TEST(reduce_norm2_fp64_survives_overflow_and_underflow) {
  for (double scale : {1e200, 1e-200, 1e-310}) {
    const std::vector<double> x = {3 * scale, 4 * scale, 0, -12 * scale};
    const std::int64_t n = 4;
    double out;
    reduce<double>(ReduceOp::Norm2, &n, 1, 1u, x.data(), &out, nullptr);
    CHECK_CLOSE(out, 13 * scale, 1e-14, 0);
    const std::vector<std::int64_t> shape = {4, 1};
    reduce<double>(ReduceOp::Norm2, shape.data(), 2, 1u, x.data(), &out, nullptr);
    CHECK_CLOSE(out, 13 * scale, 1e-14, 0);
  }
  const std::vector<double> x = {1.0, INFINITY}, y = {1.0, NAN};
  const std::int64_t n = 2;
  double out;
  reduce<double>(ReduceOp::Norm2, &n, 1, 1u, x.data(), &out, nullptr);
  CHECK(std::isinf(out));
  reduce<double>(ReduceOp::Norm2, &n, 1, 1u, y.data(), &out, nullptr);
  CHECK(std::isnan(out));
  // fp32 accumulates squares in double: no overflow for large floats.
  const std::vector<float> f = {3e30f, 4e30f};
  float fo;
  reduce<float>(ReduceOp::Norm2, &n, 1, 1u, f.data(), &fo, nullptr);
  CHECK_CLOSE(fo, 5e30, 1e-6, 0);
}

TEST(reduce_is_bit_identical_at_one_and_two_threads) {
  for (const std::vector<std::int64_t>& shape :
       {std::vector<std::int64_t>{1000000}, {2, 300000}, {3000, 300}, {300000, 3}, {40, 50, 600}})
    for (std::uint32_t mask = 1; mask < (1u << shape.size()); ++mask)
      for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Norm2}) {
        std::int64_t total = 1, outputs = 1;
        for (std::size_t a = 0; a < shape.size(); ++a) {
          total *= shape[a];
          if (!((mask >> a) & 1u)) outputs *= shape[a];
        }
        const std::vector<double> xd = random_vec(static_cast<std::size_t>(total), 21);
        const std::vector<float> x(xd.begin(), xd.end());
        std::vector<float> out[2];
        std::vector<std::int32_t> index[2];
        for (int t : {1, 2}) {
          cpu::set_num_threads(t);
          out[t - 1].resize(static_cast<std::size_t>(outputs));
          index[t - 1].resize(static_cast<std::size_t>(outputs));
          reduce<float>(op, shape.data(), static_cast<int>(shape.size()), mask, x.data(), out[t - 1].data(),
                        op == ReduceOp::Max ? index[t - 1].data() : nullptr);
        }
        CHECK(std::memcmp(out[0].data(), out[1].data(), out[0].size() * sizeof(float)) == 0);
        CHECK(index[0] == index[1]);
        const double s1 = sum_contiguous(xd.data(), total, false);
        cpu::set_num_threads(1);
        CHECK(s1 == sum_contiguous(xd.data(), total, false));
      }
  cpu::set_num_threads(2);
}
