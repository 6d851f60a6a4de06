// Elementwise kernels against float64 reference loops over strided, broadcast views.
// Tolerances: float32 arithmetic rtol 1e-6, float32 exp/log <= 2 ulp, float64 rtol 1e-14;
// comparisons, where, copy, fill, clamp and int32 ops exact.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "cpu/thread_pool.h"
#include "harness.h"
#include "ulp.h"
#include "kernels/elementwise/elementwise.h"

namespace ew = kiln::elementwise;
using std::int64_t;

namespace {

template <class T> constexpr ew::DType dtype_of();
template <> constexpr ew::DType dtype_of<float>() { return ew::DType::F32; }
template <> constexpr ew::DType dtype_of<double>() { return ew::DType::F64; }
template <> constexpr ew::DType dtype_of<std::int32_t>() { return ew::DType::I32; }

// A view over its own buffer: strides, offset and data sized to what the view reaches.
template <class T>
struct TestView {
  std::vector<int64_t> strides;
  int64_t offset = 0;
  std::vector<T> data;
  ew::Operand op() { return ew::Operand{data.data() + offset, dtype_of<T>(), strides.data()}; }
  const T& at(const std::vector<int64_t>& idx) const {
    int64_t o = offset;
    for (size_t d = 0; d < idx.size(); ++d) o += idx[d] * strides[d];
    return data[o];
  }
};

enum class Layout { Contiguous, Transposed, Stepped, BroadcastRow, BroadcastCol, Scalar };

template <class T>
TestView<T> make_view(const std::vector<int64_t>& shape, Layout layout, std::mt19937& rng, double lo, double hi) {
  TestView<T> v;
  const size_t r = shape.size();
  v.strides.assign(r, 0);
  int64_t s = layout == Layout::Stepped ? 2 : 1;
  auto assign = [&](size_t d) {
    const bool broadcast = layout == Layout::Scalar || (layout == Layout::BroadcastRow && d + 2 == r) ||
                           (layout == Layout::BroadcastCol && d + 1 == r);
    if (broadcast) return;
    v.strides[d] = s;
    s *= shape[d] + (layout == Layout::Stepped ? 1 : 0);
  };
  if (layout == Layout::Transposed) for (size_t d = 0; d < r; ++d) assign(d);
  else for (size_t d = r; d-- > 0;) assign(d);
  v.offset = layout == Layout::Stepped ? 3 : 0;
  int64_t extent = v.offset + 1;
  for (size_t d = 0; d < r; ++d) extent += (shape[d] > 0 ? shape[d] - 1 : 0) * v.strides[d];
  v.data.resize(extent);
  std::uniform_real_distribution<double> u(lo, hi);
  for (auto& x : v.data) x = static_cast<T>(std::is_integral_v<T> ? std::round(u(rng)) : u(rng));
  return v;
}

// Calls f(idx) for every multi-index of shape in row-major order.
template <class F>
void for_each_index(const std::vector<int64_t>& shape, F&& f) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(idx);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

double ref_binary(ew::BinaryOp op, double a, double b) {
  switch (op) {
    case ew::BinaryOp::Add: return a + b;
    case ew::BinaryOp::Sub: return a - b;
    case ew::BinaryOp::Mul: return a * b;
    case ew::BinaryOp::Div: return a / b;
    case ew::BinaryOp::Pow: return std::pow(a, b);
    case ew::BinaryOp::Maximum: return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
    case ew::BinaryOp::Minimum: return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
    case ew::BinaryOp::Eq: return a == b;
    case ew::BinaryOp::Ne: return a != b;
    case ew::BinaryOp::Lt: return a < b;
    case ew::BinaryOp::Le: return a <= b;
    case ew::BinaryOp::Gt: return a > b;
    case ew::BinaryOp::Ge: return a >= b;
    default: return NAN;
  }
}

template <class T> double rtol_of() { return std::is_same_v<T, float> ? 1e-6 : std::is_same_v<T, double> ? 1e-14 : 0; }

const std::vector<std::vector<int64_t>> kShapes = {
    {}, {0}, {1}, {7}, {17}, {129}, {1023}, {3, 0}, {5, 7}, {33, 17}, {2, 3, 4}, {2, 1, 3, 5}, {2, 3, 1, 2, 3, 2}, {100000}};
const Layout kLayouts[] = {Layout::Contiguous, Layout::Transposed, Layout::Stepped,
                           Layout::BroadcastRow, Layout::BroadcastCol, Layout::Scalar};

template <class T, class O>
void check_binary_all_layouts(ew::BinaryOp op, double lo, double hi) {
  std::mt19937 rng(42);
  for (const auto& shape : kShapes) {
    for (Layout la : kLayouts) {
      for (Layout lb : {Layout::Contiguous, Layout::Stepped, Layout::BroadcastRow, Layout::BroadcastCol, Layout::Scalar}) {
        if (shape.size() > 0 && shape[0] == 100000 && la != Layout::Contiguous) continue;
        auto a = make_view<T>(shape, la, rng, lo, hi);
        auto b = make_view<T>(shape, lb, rng, lo, hi);
        auto out = make_view<O>(shape, la == Layout::Transposed ? Layout::Transposed : Layout::Stepped, rng, 0, 0);
        ew::binary(op, int(shape.size()), shape.data(), out.op(), a.op(), b.op());
        for_each_index(shape, [&](const std::vector<int64_t>& idx) {
          const double want = ref_binary(op, double(a.at(idx)), double(b.at(idx)));
          CHECK_CLOSE(double(out.at(idx)), double(O(want)), rtol_of<O>(), 0);
        });
      }
    }
  }
}

}  // namespace

TEST(elementwise_binary_arithmetic_matches_reference_on_strided_broadcast_views) {
  for (auto op : {ew::BinaryOp::Add, ew::BinaryOp::Sub, ew::BinaryOp::Mul, ew::BinaryOp::Div, ew::BinaryOp::Pow,
                  ew::BinaryOp::Maximum, ew::BinaryOp::Minimum}) {
    const double lo = op == ew::BinaryOp::Pow ? 0.1 : -10, hi = op == ew::BinaryOp::Pow ? 3 : 10;
    check_binary_all_layouts<float, float>(op, lo, hi);
    check_binary_all_layouts<double, double>(op, lo, hi);
    if (op != ew::BinaryOp::Div && op != ew::BinaryOp::Pow) check_binary_all_layouts<std::int32_t, std::int32_t>(op, -1000, 1000);
  }
}

TEST(elementwise_comparisons_write_one_or_zero_in_any_output_dtype) {
  for (auto op : {ew::BinaryOp::Eq, ew::BinaryOp::Ne, ew::BinaryOp::Lt, ew::BinaryOp::Le, ew::BinaryOp::Gt, ew::BinaryOp::Ge}) {
    check_binary_all_layouts<float, std::int32_t>(op, -3, 3);  // small integers: many ties
    check_binary_all_layouts<double, float>(op, -3, 3);
    check_binary_all_layouts<std::int32_t, double>(op, -3, 3);
    check_binary_all_layouts<float, float>(op, -3, 3);
  }
}

TEST(elementwise_int32_arithmetic_wraps_like_twos_complement) {
  const int64_t shape[] = {3};
  const int64_t one[] = {1};
  std::int32_t a[] = {2147483647, -2147483647 - 1, 65536}, b[] = {1, 1, 65536}, o[3];
  ew::binary(ew::BinaryOp::Add, 1, shape, {o, ew::DType::I32, one}, {a, ew::DType::I32, one}, {b, ew::DType::I32, one});
  CHECK(o[0] == -2147483647 - 1);
  ew::binary(ew::BinaryOp::Sub, 1, shape, {o, ew::DType::I32, one}, {a, ew::DType::I32, one}, {b, ew::DType::I32, one});
  CHECK(o[1] == 2147483647);
  ew::binary(ew::BinaryOp::Mul, 1, shape, {o, ew::DType::I32, one}, {a, ew::DType::I32, one}, {b, ew::DType::I32, one});
  CHECK(o[2] == 0);
  ew::unary(ew::UnaryOp::Abs, 1, shape, {o, ew::DType::I32, one}, {a, ew::DType::I32, one});
  CHECK(o[0] == 2147483647 && o[1] == -2147483647 - 1 && o[2] == 65536);
}

TEST(elementwise_scalar_forms_and_in_place) {
  std::mt19937 rng(7);
  for (const auto& shape : kShapes) {
    for (bool first : {false, true}) {
      for (auto op : {ew::BinaryOp::Sub, ew::BinaryOp::Div, ew::BinaryOp::Pow, ew::BinaryOp::Lt}) {
        auto a = make_view<float>(shape, Layout::Stepped, rng, 0.5, 2);
        const auto original = a;
        // In place: out is exactly a's view.
        ew::binary_scalar(op, int(shape.size()), shape.data(), a.op(), a.op(), 1.7, first);
        for_each_index(shape, [&](const std::vector<int64_t>& idx) {
          const double x = original.at(idx), s = double(1.7f);
          CHECK_CLOSE(double(a.at(idx)), double(float(first ? ref_binary(op, s, x) : ref_binary(op, x, s))), 1e-6, 0);
        });
      }
    }
  }
}

TEST(elementwise_max_min_propagate_nan_and_arithmetic_keeps_special_values) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> xs = {NAN, inf, -inf, 0.0f, -0.0f, 1e38f, -1e38f, 1e-45f, 3.0f};
  const int64_t n = int64_t(xs.size() * xs.size());
  std::vector<float> a(n), b(n), o(n);
  for (size_t i = 0; i < xs.size(); ++i)
    for (size_t j = 0; j < xs.size(); ++j) a[i * xs.size() + j] = xs[i], b[i * xs.size() + j] = xs[j];
  const int64_t one[] = {1};
  for (auto op : {ew::BinaryOp::Add, ew::BinaryOp::Mul, ew::BinaryOp::Div, ew::BinaryOp::Pow, ew::BinaryOp::Maximum,
                  ew::BinaryOp::Minimum, ew::BinaryOp::Eq, ew::BinaryOp::Lt}) {
    ew::binary(op, 1, &n, {o.data(), ew::DType::F32, one}, {a.data(), ew::DType::F32, one}, {b.data(), ew::DType::F32, one});
    for (int64_t i = 0; i < n; ++i) {
      const double want = op == ew::BinaryOp::Pow ? double(std::pow(a[i], b[i]))
                                                                                  : double(float(ref_binary(op, a[i], b[i])));
      CHECK_CLOSE(double(o[i]), want, 1e-6, 0);
    }
  }
}

namespace {

int64_t max_ulp(ew::UnaryOp op, const std::vector<float>& x, double (*ref)(double)) {
  std::vector<float> y(x.size());
  const int64_t n = int64_t(x.size());
  const int64_t one[] = {1};
  ew::unary(op, 1, &n, {y.data(), ew::DType::F32, one}, {const_cast<float*>(x.data()), ew::DType::F32, one});
  int64_t worst = 0;
  for (int64_t i = 0; i < n; ++i) worst = std::max(worst, kiln::test::ulp_distance(y[i], float(ref(double(x[i])))));
  return worst;
}

double ref_exp(double x) { return std::exp(x); }
double ref_log(double x) { return std::log(x); }

}  // namespace

TEST(elementwise_float32_exp_and_log_are_within_two_ulp_over_the_whole_range) {
  std::vector<float> xs;
  for (float x = -110.0f; x < 90.0f; x += 0.000731f) xs.push_back(x);
  const float inf = std::numeric_limits<float>::infinity();
  for (float x : {-inf, inf, NAN, 0.0f, -0.0f, 88.72f, 88.7229f, -87.3f, -103.9f, -104.5f, 1e-30f}) xs.push_back(x);
  const int64_t exp_ulp = max_ulp(ew::UnaryOp::Exp, xs, ref_exp);
  CHECK(exp_ulp <= 2);

  std::vector<float> ls;
  for (std::uint32_t bits = 1; bits < 0x7f800000u; bits += 1021) {
    float x;
    std::memcpy(&x, &bits, 4);
    ls.push_back(x);
  }
  for (float x : {inf, -inf, NAN, 0.0f, -0.0f, -1.0f, 1.0f, std::numeric_limits<float>::denorm_min()}) ls.push_back(x);
  const int64_t log_ulp = max_ulp(ew::UnaryOp::Log, ls, ref_log);
  CHECK(log_ulp <= 2);
  std::printf("    [%s] float32 exp max error %lld ulp, log max error %lld ulp\n", kiln::test::current_isa(),
              (long long)exp_ulp, (long long)log_ulp);
}

TEST(elementwise_unary_ops_match_reference_on_strided_views) {
  std::mt19937 rng(3);
  const ew::UnaryOp ops[] = {ew::UnaryOp::Neg, ew::UnaryOp::Abs, ew::UnaryOp::Exp, ew::UnaryOp::Log, ew::UnaryOp::Sqrt, ew::UnaryOp::Rsqrt};
  double (*refs[])(double) = {[](double x) { return -x; }, [](double x) { return std::fabs(x); }, ref_exp, ref_log,
                              [](double x) { return std::sqrt(x); }, [](double x) { return 1 / std::sqrt(x); }};
  for (const auto& shape : kShapes) {
    for (Layout layout : {Layout::Contiguous, Layout::Transposed, Layout::Stepped, Layout::BroadcastCol}) {
      for (int k = 0; k < 6; ++k) {
        const double lo = k >= 3 ? 0.01 : -20;
        auto af = make_view<float>(shape, layout, rng, lo, 20);
        auto of = make_view<float>(shape, Layout::Stepped, rng, 0, 0);
        ew::unary(ops[k], int(shape.size()), shape.data(), of.op(), af.op());
        auto ad = make_view<double>(shape, layout, rng, lo, 20);
        auto od = make_view<double>(shape, Layout::Transposed, rng, 0, 0);
        ew::unary(ops[k], int(shape.size()), shape.data(), od.op(), ad.op());
        for_each_index(shape, [&](const std::vector<int64_t>& idx) {
          CHECK_CLOSE(double(of.at(idx)), double(float(refs[k](af.at(idx)))), 2.5e-7, 0);
          CHECK_CLOSE(od.at(idx), refs[k](ad.at(idx)), 1e-15, 0);
        });
      }
    }
  }
}

TEST(elementwise_copy_converts_fill_and_clamp) {
  std::mt19937 rng(5);
  for (const auto& shape : kShapes) {
    auto a = make_view<double>(shape, Layout::Transposed, rng, -5, 5);
    auto f = make_view<float>(shape, Layout::Contiguous, rng, 0, 0);
    auto i = make_view<std::int32_t>(shape, Layout::Stepped, rng, 0, 0);
    ew::copy(int(shape.size()), shape.data(), f.op(), a.op());
    ew::copy(int(shape.size()), shape.data(), i.op(), a.op());
    for_each_index(shape, [&](const std::vector<int64_t>& idx) {
      CHECK(f.at(idx) == float(a.at(idx)));
      CHECK(i.at(idx) == std::int32_t(std::trunc(a.at(idx))));
    });
    ew::clamp(int(shape.size()), shape.data(), f.op(), f.op(), -1.5, INFINITY);
    for_each_index(shape, [&](const std::vector<int64_t>& idx) { CHECK(f.at(idx) == std::max(float(a.at(idx)), -1.5f)); });
    ew::clamp(int(shape.size()), shape.data(), i.op(), i.op(), -INFINITY, 2);
    for_each_index(shape, [&](const std::vector<int64_t>& idx) { CHECK(i.at(idx) == std::min<std::int32_t>(std::int32_t(std::trunc(a.at(idx))), 2)); });
    ew::fill(int(shape.size()), shape.data(), f.op(), 2.5);
    for_each_index(shape, [&](const std::vector<int64_t>& idx) { CHECK(f.at(idx) == 2.5f); });
  }
  // float -> int32 saturates and maps NaN to 0; clamp propagates NaN and max wins over min.
  const int64_t n = 4, one[] = {1};
  float src[] = {NAN, 3e9f, -3e9f, -2.7f};
  std::int32_t dst[4];
  ew::copy(1, &n, {dst, ew::DType::I32, one}, {src, ew::DType::F32, one});
  CHECK(dst[0] == 0 && dst[1] == 2147483647 && dst[2] == -2147483647 - 1 && dst[3] == -2);
  float c[4];
  ew::clamp(1, &n, {c, ew::DType::F32, one}, {src, ew::DType::F32, one}, 1, 0);
  CHECK(std::isnan(c[0]) && c[1] == 0 && c[2] == 0 && c[3] == 0);
}

TEST(elementwise_where_selects_with_any_condition_dtype) {
  std::mt19937 rng(9);
  for (const auto& shape : kShapes) {
    auto cond = make_view<std::int32_t>(shape, Layout::BroadcastRow, rng, -1, 1);
    auto condf = make_view<float>(shape, Layout::Stepped, rng, -1, 1);
    for (auto& x : condf.data) x = std::round(x);
    auto a = make_view<double>(shape, Layout::Transposed, rng, -5, 5);
    auto b = make_view<double>(shape, Layout::Scalar, rng, -5, 5);
    auto o = make_view<double>(shape, Layout::Contiguous, rng, 0, 0);
    ew::where(int(shape.size()), shape.data(), o.op(), cond.op(), a.op(), b.op());
    for_each_index(shape, [&](const std::vector<int64_t>& idx) { CHECK(o.at(idx) == (cond.at(idx) != 0 ? a.at(idx) : b.at(idx))); });
    ew::where(int(shape.size()), shape.data(), o.op(), condf.op(), a.op(), b.op());
    for_each_index(shape, [&](const std::vector<int64_t>& idx) { CHECK(o.at(idx) == (condf.at(idx) != 0 ? a.at(idx) : b.at(idx))); });
  }
}

TEST(elementwise_results_are_bit_identical_at_any_thread_count) {
  std::mt19937 rng(11);
  const std::vector<int64_t> shape = {3, 70001};
  auto a = make_view<float>(shape, Layout::Stepped, rng, -80, 80);
  auto b = make_view<float>(shape, Layout::BroadcastRow, rng, -80, 80);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 3}) {
    kiln::cpu::set_num_threads(threads);
    auto o = make_view<float>(shape, Layout::Contiguous, rng, 0, 0);
    ew::binary(ew::BinaryOp::Mul, 2, shape.data(), o.op(), a.op(), b.op());
    ew::unary(ew::UnaryOp::Exp, 2, shape.data(), o.op(), o.op());
    results.push_back(o.data);
  }
  kiln::cpu::set_num_threads(2);
  CHECK(std::memcmp(results[0].data(), results[1].data(), results[0].size() * 4) == 0);
  CHECK(std::memcmp(results[0].data(), results[2].data(), results[0].size() * 4) == 0);
}

TEST(elementwise_large_transposing_copy_with_padded_output_matches_reference) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<double> u(-100, 100);
  // [batch, rows, cols] read from [batch, cols, rows] storage, written with padded rows.
  for (const auto& dims : std::vector<std::vector<int64_t>>{{1, 64, 64}, {1, 70, 130}, {3, 200, 65}, {2, 129, 1000}}) {
    const int64_t B = dims[0], R = dims[1], C = dims[2];
    std::vector<double> src(B * R * C);
    for (auto& v : src) v = u(rng);
    const int64_t shape[] = {B, R, C};
    const int64_t in_strides[] = {R * C, 1, R};
    const int64_t out_strides[] = {R * (C + 3), C + 3, 1};
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2}) {
      kiln::cpu::set_num_threads(threads);
      std::vector<float> dst(B * R * (C + 3), -1.0f);
      ew::copy(3, shape, {dst.data(), ew::DType::F32, out_strides}, {src.data(), ew::DType::F64, in_strides});
      for (int64_t b = 0; b < B; ++b)
        for (int64_t r = 0; r < R; ++r)
          for (int64_t c = 0; c < C + 3; ++c) {
            const float got = dst[b * R * (C + 3) + r * (C + 3) + c];
            CHECK(got == (c < C ? float(src[b * R * C + c * R + r]) : -1.0f));
          }
      results.push_back(dst);
    }
    CHECK(results[0] == results[1]);
  }
  kiln::cpu::set_num_threads(2);
}

TEST(elementwise_empty_views_with_huge_strides_do_nothing) {
  // The binding bounds strides only for non-empty views; the kernel must not multiply them.
  const int64_t shape[] = {0, int64_t(1) << 40, 3};
  const int64_t strides[] = {int64_t(1) << 50, int64_t(1) << 50, int64_t(1) << 50};
  float x = 1.0f;
  ew::binary(ew::BinaryOp::Add, 3, shape, {&x, ew::DType::F32, strides}, {&x, ew::DType::F32, strides},
             {&x, ew::DType::F32, strides});
  ew::fill(3, shape, {&x, ew::DType::F32, strides}, 5.0);
  CHECK(x == 1.0f);
}
