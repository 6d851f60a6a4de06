// Softmax family against float64 reference loops, on every ISA path (the harness runs each
// test per path): softmax/log-softmax forward and backward, cross-entropy with every target /
// weight / ignore / smoothing / reduction combination, multi-margin; gradients against
// central differences; bit-identical results at 1 and 2 threads.
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "cpu/thread_pool.h"
#include "harness.h"
#include "kernels/softmax/softmax.h"

using namespace kiln;

namespace {

std::vector<double> random_vec(std::size_t n, std::uint32_t seed, double lo = -5, double hi = 5) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = u(g);
  return v;
}

template <class T, class U>
std::vector<T> cast(const std::vector<U>& v) {
  return std::vector<T>(v.begin(), v.end());
}

template <class T> double rtol() { return std::is_same<T, float>::value ? 2e-5 : 1e-12; }

// Reference softmax in float64 on [outer, dim, inner].
std::vector<double> ref_softmax(bool log, const std::vector<double>& x, std::int64_t outer, std::int64_t dim,
                                std::int64_t inner) {
  std::vector<double> y(x.size());
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i) {
      auto at = [&](std::int64_t d) { return (o * dim + d) * inner + i; };
      double m = -INFINITY, s = 0;
      for (std::int64_t d = 0; d < dim; ++d) m = std::max(m, x[at(d)]);
      for (std::int64_t d = 0; d < dim; ++d) s += std::exp(x[at(d)] - m);
      for (std::int64_t d = 0; d < dim; ++d) y[at(d)] = log ? x[at(d)] - m - std::log(s) : std::exp(x[at(d)] - m) / s;
    }
  return y;
}

struct Shape3 { std::int64_t outer, dim, inner; };
const Shape3 kShapes[] = {{1, 1, 1}, {3, 7, 1}, {2, 17, 5}, {1, 129, 3}, {4, 1023, 1}, {2, 5, 129},
                          {0, 3, 2}, {2, 0, 3}, {5, 1, 7}, {1, 100000, 1}};

template <class T>
void check_softmax_forward_backward() {
  std::uint32_t seed = 1;
  for (const Shape3& s : kShapes)
    for (bool log : {false, true}) {
      const std::size_t n = static_cast<std::size_t>(s.outer * s.dim * s.inner);
      const std::vector<double> xd = random_vec(n, seed++), dyd = random_vec(n, seed++);
      const std::vector<T> x = cast<T>(xd), dy = cast<T>(dyd);
      std::vector<T> y(n), dx(n);
      softmax_forward<T>(log, s.outer, s.dim, s.inner, x.data(), y.data());
      const std::vector<double> ref = ref_softmax(log, cast<double>(cast<T>(xd)), s.outer, s.dim, s.inner);
      for (std::size_t k = 0; k < n; ++k) CHECK_CLOSE(y[k], ref[k], rtol<T>(), rtol<T>() * 0.1);
      // Backward against the formulas evaluated in float64 on the kernel's own y.
      softmax_backward<T>(log, s.outer, s.dim, s.inner, y.data(), dy.data(), dx.data());
      for (std::int64_t o = 0; o < s.outer; ++o)
        for (std::int64_t i = 0; i < s.inner; ++i) {
          auto at = [&](std::int64_t d) { return static_cast<std::size_t>((o * s.dim + d) * s.inner + i); };
          double sum = 0;
          for (std::int64_t d = 0; d < s.dim; ++d) sum += log ? dy[at(d)] : double(dy[at(d)]) * y[at(d)];
          for (std::int64_t d = 0; d < s.dim; ++d) {
            const double want = log ? dy[at(d)] - std::exp(double(y[at(d)])) * sum : y[at(d)] * (dy[at(d)] - sum);
            CHECK_CLOSE(dx[at(d)], want, rtol<T>() * 10, rtol<T>() * 10);
          }
        }
    }
}

}  // namespace

TEST(softmax_forward_backward_match_reference_fp32) { check_softmax_forward_backward<float>(); }
TEST(softmax_forward_backward_match_reference_fp64) { check_softmax_forward_backward<double>(); }

TEST(softmax_handles_extreme_and_infinite_logits) {
  for (bool log : {false, true}) {
    const std::vector<double> x = {1e4, -1e4, 0, -INFINITY, 1e4 - 1, -INFINITY, 5, 3, 2};
    std::vector<float> xf = cast<float>(x), yf(x.size());
    std::vector<double> yd(x.size());
    softmax_forward<float>(log, 1, 9, 1, xf.data(), yf.data());
    softmax_forward<double>(log, 1, 9, 1, x.data(), yd.data());
    const std::vector<double> ref = ref_softmax(log, x, 1, 9, 1);
    for (std::size_t k = 0; k < x.size(); ++k) {
      CHECK_CLOSE(yd[k], ref[k], 1e-12, 1e-300);
      CHECK_CLOSE(yf[k], ref[k], 1e-5, 1e-30);
    }
    if (!log) CHECK(yd[3] == 0 && yf[3] == 0);
    if (log) CHECK(std::isinf(yd[3]) && yd[3] < 0 && std::isinf(yf[3]));
  }
  // NaN anywhere in a row makes the row NaN, like PyTorch.
  std::vector<double> x = {1, NAN, 2}, y(3);
  softmax_forward<double>(false, 1, 3, 1, x.data(), y.data());
  CHECK(std::isnan(y[0]) && std::isnan(y[2]));
}

TEST(softmax_backward_matches_numerical_gradient) {
  for (bool log : {false, true})
    for (const Shape3 s : {Shape3{2, 7, 1}, Shape3{2, 5, 3}}) {
      const std::size_t n = static_cast<std::size_t>(s.outer * s.dim * s.inner);
      std::vector<double> x = random_vec(n, 7), dy = random_vec(n, 8), y(n), dx(n);
      softmax_forward<double>(log, s.outer, s.dim, s.inner, x.data(), y.data());
      softmax_backward<double>(log, s.outer, s.dim, s.inner, y.data(), dy.data(), dx.data());
      auto loss = [&]() {
        std::vector<double> yy(n);
        softmax_forward<double>(log, s.outer, s.dim, s.inner, x.data(), yy.data());
        double l = 0;
        for (std::size_t k = 0; k < n; ++k) l += dy[k] * yy[k];
        return l;
      };
      for (std::size_t k = 0; k < n; ++k) {
        CHECK_CLOSE(dx[k], kiln::test::central_difference(x, k, 1e-6, loss), 1e-6, 1e-7);
      }
    }
}

TEST(softmax_is_bit_identical_at_one_and_two_threads) {
  for (const Shape3 s : {Shape3{300, 1000, 1}, Shape3{4, 100, 300}}) {
    const std::size_t n = static_cast<std::size_t>(s.outer * s.dim * s.inner);
    const std::vector<float> x = cast<float>(random_vec(n, 3)), dy = cast<float>(random_vec(n, 4));
    std::vector<float> y[2], dx[2];
    for (int t : {1, 2}) {
      cpu::set_num_threads(t);
      y[t - 1].resize(n);
      dx[t - 1].resize(n);
      softmax_forward<float>(false, s.outer, s.dim, s.inner, x.data(), y[t - 1].data());
      softmax_backward<float>(true, s.outer, s.dim, s.inner, y[t - 1].data(), dy.data(), dx[t - 1].data());
    }
    CHECK(std::memcmp(y[0].data(), y[1].data(), n * sizeof(float)) == 0);
    CHECK(std::memcmp(dx[0].data(), dx[1].data(), n * sizeof(float)) == 0);
  }
  cpu::set_num_threads(2);
}

namespace {

// PyTorch's cross_entropy in float64 (LossNLL.cpp, cross_entropy_loss_label_smoothing).
struct CeCase {
  std::int64_t n, c;
  bool prob, weighted;
  double eps;
  LossReduction red;
  bool with_ignored;
};

struct CeRef {
  std::vector<double> losses;
  double reduced;
};

CeRef ref_cross_entropy(const std::vector<double>& x, const std::vector<std::int32_t>& idx,
                        const std::vector<double>& prob, const std::vector<double>* w, const CeCase& k) {
  CeRef r{std::vector<double>(static_cast<std::size_t>(k.n), 0.0), 0};
  double denom = 0, sum = 0;
  for (std::int64_t i = 0; i < k.n; ++i) {
    double m = -INFINITY, s = 0;
    for (std::int64_t j = 0; j < k.c; ++j) m = std::max(m, x[i * k.c + j]);
    for (std::int64_t j = 0; j < k.c; ++j) s += std::exp(x[i * k.c + j] - m);
    auto logp = [&](std::int64_t j) { return x[i * k.c + j] - m - std::log(s); };
    auto wt = [&](std::int64_t j) { return w ? (*w)[j] : 1.0; };
    double loss = 0;
    if (k.prob) {
      for (std::int64_t j = 0; j < k.c; ++j)
        loss -= wt(j) * ((1 - k.eps) * prob[i * k.c + j] + k.eps / k.c) * logp(j);
      denom += 1;
    } else if (idx[i] != -100) {
      const std::int32_t y = idx[i];
      double smooth = 0;
      for (std::int64_t j = 0; j < k.c; ++j) smooth -= wt(j) * logp(j);
      loss = -(1 - k.eps) * wt(y) * logp(y) + k.eps / k.c * smooth;
      denom += wt(y);
    }
    r.losses[i] = loss;
    sum += loss;
  }
  r.reduced = k.red == LossReduction::Mean ? sum / denom : sum;
  return r;
}

template <class T>
void check_cross_entropy(const CeCase& k, std::uint32_t seed) {
  const std::size_t nc = static_cast<std::size_t>(k.n * k.c);
  std::vector<double> xd = random_vec(nc, seed, -4, 4);
  if (nc > 3) { xd[1] = 1e4; xd[2] = -1e4; }  // extreme logits in the first row
  std::mt19937 g(seed);
  std::vector<std::int32_t> idx(static_cast<std::size_t>(k.n));
  for (std::int64_t i = 0; i < k.n; ++i) idx[i] = static_cast<std::int32_t>(g() % k.c);
  if (k.with_ignored) for (std::int64_t i = 0; i < k.n; i += 3) idx[i] = -100;
  std::vector<double> prob = random_vec(nc, seed + 1, 0, 1);
  for (std::int64_t i = 0; i < k.n; ++i) {
    double s = 0;
    for (std::int64_t j = 0; j < k.c; ++j) s += prob[i * k.c + j];
    for (std::int64_t j = 0; j < k.c; ++j) prob[i * k.c + j] /= s;
  }
  const std::vector<double> wd = random_vec(static_cast<std::size_t>(k.c), seed + 2, 0.2, 2);
  const std::vector<T> x = cast<T>(xd), pt = cast<T>(prob), wt = cast<T>(wd);
  ClassTargets<T> tg;
  if (k.prob) tg.prob = pt.data(); else tg.index = idx.data();
  if (k.weighted) tg.weight = wt.data();
  CrossEntropyOptions opt;
  opt.label_smoothing = k.eps;
  opt.reduction = k.red;
  std::vector<T> losses(static_cast<std::size_t>(k.n)), lse(static_cast<std::size_t>(k.n));
  const double got = cross_entropy_forward<T>(x.data(), k.n, k.c, tg, opt, losses.data(), lse.data());
  const std::vector<double> wr = cast<double>(wt), pr = cast<double>(pt);
  const CeRef ref = ref_cross_entropy(cast<double>(x), idx, pr, k.weighted ? &wr : nullptr, k);
  const double tol = rtol<T>() * 10;
  for (std::int64_t i = 0; i < k.n; ++i) CHECK_CLOSE(losses[i], ref.losses[i], tol, tol);
  CHECK_CLOSE(got, ref.reduced, tol, tol);

  // Backward: with and without the saved lse, against central differences of the reference.
  const std::vector<double> gd = random_vec(static_cast<std::size_t>(k.n), seed + 3);
  const std::vector<T> grad = cast<T>(gd);
  std::vector<T> dx(nc), dx2(nc);
  cross_entropy_backward<T>(x.data(), k.n, k.c, tg, opt, lse.data(), grad.data(), dx.data());
  cross_entropy_backward<T>(x.data(), k.n, k.c, tg, opt, nullptr, grad.data(), dx2.data());
  for (std::size_t q = 0; q < nc; ++q) CHECK_CLOSE(dx2[q], dx[q], rtol<T>(), rtol<T>());
  std::vector<double> xr = cast<double>(x);
  auto objective = [&]() {
    const CeRef r = ref_cross_entropy(xr, idx, pr, k.weighted ? &wr : nullptr, k);
    if (k.red != LossReduction::None) return double(grad[0]) * r.reduced;
    double s = 0;
    for (std::int64_t i = 0; i < k.n; ++i) s += double(grad[i]) * r.losses[i];
    return s;
  };
  const double grad_tol = std::is_same<T, float>::value ? 1e-4 : 1e-6;
  for (std::size_t q = 0; q < nc; q += std::max<std::size_t>(1, nc / 40)) {
    const double numeric = kiln::test::central_difference(xr, q, 1e-5, objective);
    if (std::isnan(numeric)) continue;  // every sample ignored: 'mean' is NaN, the kernel's gradient 0
    CHECK_CLOSE(dx[q], numeric, grad_tol, grad_tol);
  }
}

}  // namespace

TEST(cross_entropy_matches_pytorch_formula_and_numerical_gradient) {
  std::uint32_t seed = 100;
  const std::pair<std::int64_t, std::int64_t> sizes[] = {{1, 1}, {7, 3}, {17, 129}, {5, 1023}};
  for (auto size : sizes)
    for (bool prob : {false, true})
      for (bool weighted : {false, true})
        for (double eps : {0.0, 0.1})
          for (LossReduction red : {LossReduction::None, LossReduction::Sum, LossReduction::Mean})
            for (bool ignored : {false, true}) {
              if (prob && ignored) continue;
              const CeCase k{size.first, size.second, prob, weighted, eps, red, ignored};
              check_cross_entropy<float>(k, seed);
              check_cross_entropy<double>(k, seed++);
            }
}

TEST(cross_entropy_edge_cases) {
  // -inf logits on non-target classes: finite loss without smoothing, +inf with it (PyTorch).
  const std::vector<double> x = {0, -INFINITY, 2, -INFINITY};
  const std::vector<std::int32_t> y = {0, 0};
  ClassTargets<double> tg;
  tg.index = y.data();
  CrossEntropyOptions opt;
  opt.reduction = LossReduction::Sum;
  std::vector<double> losses(2);
  CHECK_CLOSE(cross_entropy_forward<double>(x.data(), 2, 2, tg, opt, losses.data(), nullptr), 0.0, 0, 1e-15);
  opt.label_smoothing = 0.5;
  CHECK(std::isinf(cross_entropy_forward<double>(x.data(), 2, 2, tg, opt, losses.data(), nullptr)));
  // Every sample ignored: 'mean' is 0/0 = NaN, the gradient is zero.
  const std::vector<std::int32_t> ign = {-100, -100};
  tg.index = ign.data();
  opt.label_smoothing = 0;
  opt.reduction = LossReduction::Mean;
  CHECK(std::isnan(cross_entropy_forward<double>(x.data(), 2, 2, tg, opt, nullptr, nullptr)));
  std::vector<double> dx(4, 7.0);
  const double g = 1;
  cross_entropy_backward<double>(x.data(), 2, 2, tg, opt, nullptr, &g, dx.data());
  for (double v : dx) CHECK(v == 0);
  // Target validation names the first bad sample.
  const std::vector<std::int32_t> bad = {0, -100, 5, -1};
  CHECK(find_invalid_target(bad.data(), 4, 3, -100) == 2);
  CHECK(find_invalid_target(bad.data(), 2, 3, -100) == -1);
  CHECK(find_invalid_target(bad.data(), 2, 3, 7) == 1);
}

TEST(cross_entropy_is_bit_identical_at_one_and_two_threads) {
  const std::int64_t n = 3000, c = 100;
  const std::vector<float> x = cast<float>(random_vec(static_cast<std::size_t>(n * c), 5));
  std::vector<std::int32_t> y(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) y[i] = static_cast<std::int32_t>((i * 7) % c);
  ClassTargets<float> tg;
  tg.index = y.data();
  CrossEntropyOptions opt;
  opt.label_smoothing = 0.1;
  float loss[2];
  std::vector<float> dx[2];
  for (int t : {1, 2}) {
    cpu::set_num_threads(t);
    loss[t - 1] = static_cast<float>(cross_entropy_forward<float>(x.data(), n, c, tg, opt, nullptr, nullptr));
    dx[t - 1].resize(static_cast<std::size_t>(n * c));
    const float g = 1;
    cross_entropy_backward<float>(x.data(), n, c, tg, opt, nullptr, &g, dx[t - 1].data());
  }
  CHECK(std::memcmp(&loss[0], &loss[1], sizeof(float)) == 0);
  CHECK(std::memcmp(dx[0].data(), dx[1].data(), dx[0].size() * sizeof(float)) == 0);
  cpu::set_num_threads(2);
}

namespace {

double ref_multi_margin(const std::vector<double>& x, const std::vector<std::int32_t>& y, const double* w,
                        std::int64_t n, std::int64_t c, int p, double margin, std::vector<double>* losses) {
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::int64_t j = 0; j < c; ++j)
      if (j != y[i]) s += std::pow(std::max(0.0, margin - x[i * c + y[i]] + x[i * c + j]), p);
    const double l = (w ? w[y[i]] : 1.0) * s / c;
    if (losses) (*losses)[i] = l;
    sum += l;
  }
  return sum;
}

}  // namespace

TEST(multi_margin_matches_reference_and_numerical_gradient) {
  const std::pair<std::int64_t, std::int64_t> sizes[] = {{1, 1}, {7, 3}, {17, 10}, {4, 129}};
  for (auto size : sizes)
    for (int p : {1, 2})
      for (bool weighted : {false, true})
        for (LossReduction red : {LossReduction::None, LossReduction::Sum, LossReduction::Mean}) {
          const auto [n, c] = size;
          const std::vector<double> x = random_vec(static_cast<std::size_t>(n * c), 11, -2, 2);
          const std::vector<double> w = random_vec(static_cast<std::size_t>(c), 12, 0.5, 2);
          std::vector<std::int32_t> y(static_cast<std::size_t>(n));
          for (std::int64_t i = 0; i < n; ++i) y[i] = static_cast<std::int32_t>((i * 5 + 1) % c);
          MultiMarginOptions opt;
          opt.p = p;
          opt.margin = 0.7;
          opt.reduction = red;
          const double* wp = weighted ? w.data() : nullptr;
          std::vector<double> losses(static_cast<std::size_t>(n)), ref_losses(static_cast<std::size_t>(n));
          const double got = multi_margin_forward<double>(x.data(), n, c, y.data(), wp, opt, losses.data());
          const double ref_sum = ref_multi_margin(x, y, wp, n, c, p, 0.7, &ref_losses);
          CHECK_CLOSE(got, red == LossReduction::Mean ? ref_sum / n : ref_sum, 1e-12, 1e-14);
          for (std::int64_t i = 0; i < n; ++i) CHECK_CLOSE(losses[i], ref_losses[i], 1e-12, 1e-14);
          std::vector<float> lf(static_cast<std::size_t>(n));
          const std::vector<float> xf = cast<float>(x), wf = cast<float>(w);
          const double gotf = multi_margin_forward<float>(xf.data(), n, c, y.data(), weighted ? wf.data() : nullptr,
                                                          opt, lf.data());
          CHECK_CLOSE(gotf, got, 1e-5, 1e-5);

          const std::vector<double> g = random_vec(static_cast<std::size_t>(n), 13);
          std::vector<double> dx(static_cast<std::size_t>(n * c)), xr = x;
          multi_margin_backward<double>(x.data(), n, c, y.data(), wp, opt, g.data(), dx.data());
          auto objective = [&]() {
            std::vector<double> l(static_cast<std::size_t>(n));
            const double s = ref_multi_margin(xr, y, wp, n, c, p, 0.7, &l);
            if (red == LossReduction::None) {
              double t = 0;
              for (std::int64_t i = 0; i < n; ++i) t += g[i] * l[i];
              return t;
            }
            return g[0] * (red == LossReduction::Mean ? s / n : s);
          };
          for (std::size_t q = 0; q < xr.size(); ++q) {
            CHECK_CLOSE(dx[q], kiln::test::central_difference(xr, q, 1e-7, objective), 1e-5, 1e-6);
          }
        }
}

TEST(multi_margin_times_c_is_the_cs231n_svm_loss) {
  // cs231n's worked example: scores (3.2, 5.1, -1.7), correct class 0, delta 1 -> 2.9.
  const std::vector<double> x = {3.2, 5.1, -1.7};
  const std::int32_t y = 0;
  MultiMarginOptions opt;
  opt.reduction = LossReduction::Sum;
  CHECK_CLOSE(3 * multi_margin_forward<double>(x.data(), 1, 3, &y, nullptr, opt, nullptr), 2.9, 1e-12, 0);
}
