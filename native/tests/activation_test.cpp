// Activation forward/backward against float64 reference formulas and float64 central
// differences. Tolerances (|dy| <= 1): float64 rtol 1e-13 + atol 1e-14 (1 + tanh, 1 - t^2 and
// GELU's two derivative terms cancel); float32 forward rtol 2e-6 + atol 1e-7 (GELU loses
// relative precision where 1 + tanh cancels), float32 backward rtol 1e-5 + atol 2e-6 (the
// same cancellations in float32, and sigmoid/tanh read the float32 output y).
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "cpu/thread_pool.h"
#include "harness.h"
#include "ulp.h"
#include "kernels/activation/activation.h"

namespace act = kiln::activation;
using act::Kind;
using std::int64_t;

namespace {

struct Case {
  Kind kind;
  double p0, p1;
};
const Case kCases[] = {{Kind::Relu, 0, 0},     {Kind::LeakyRelu, 0.01, 0}, {Kind::LeakyRelu, -0.3, 0},
                       {Kind::Elu, 1.0, 0},    {Kind::Elu, 0.5, 0},        {Kind::GeluTanh, 0, 0},
                       {Kind::GeluErf, 0, 0},  {Kind::Sigmoid, 0, 0},      {Kind::Tanh, 0, 0},
                       {Kind::Softplus, 1, 20}, {Kind::Softplus, 2.5, 3},  {Kind::Heaviside, 0.5, 0}};

double ref_forward(const Case& c, double x) {
  switch (c.kind) {
    case Kind::Relu: return x > 0 ? x : 0;
    case Kind::LeakyRelu: return x > 0 ? x : c.p0 * x;
    case Kind::Elu: return x > 0 ? x : c.p0 * std::expm1(x);
    case Kind::GeluTanh: return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    case Kind::GeluErf: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case Kind::Sigmoid: return 1 / (1 + std::exp(-x));
    case Kind::Tanh: return std::tanh(x);
    case Kind::Softplus: return c.p0 * x > c.p1 ? x : std::log1p(std::exp(c.p0 * x)) / c.p0;
    case Kind::Heaviside: return x == 0 ? c.p0 : x > 0 ? 1 : 0;
    default: return NAN;
  }
}

// The textbook derivatives (the seed's table), with PyTorch's values at the kinks.
double ref_derivative(const Case& c, double x) {
  switch (c.kind) {
    case Kind::Relu: return x > 0 ? 1 : 0;
    case Kind::LeakyRelu: return x > 0 ? 1 : c.p0;
    case Kind::Elu: return x > 0 ? 1 : c.p0 * std::exp(x);
    case Kind::GeluTanh: {
      const double u = std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x), t = std::tanh(u);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * std::sqrt(2 / M_PI) * (1 + 3 * 0.044715 * x * x);
    }
    case Kind::GeluErf: return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    case Kind::Sigmoid: { const double s = 1 / (1 + std::exp(-x)); return s * (1 - s); }
    case Kind::Tanh: { const double t = std::tanh(x); return 1 - t * t; }
    case Kind::Softplus: return c.p0 * x > c.p1 ? 1 : 1 / (1 + std::exp(-c.p0 * x));
    case Kind::Heaviside: return 0;
    default: return NAN;
  }
}

void forward(Kind k, const float* x, float* y, int64_t n, double p0, double p1) { act::forward_f32(k, x, y, n, p0, p1); }
void forward(Kind k, const double* x, double* y, int64_t n, double p0, double p1) { act::forward_f64(k, x, y, n, p0, p1); }
void backward(Kind k, const float* x, const float* y, const float* dy, float* dx, int64_t n, double p0, double p1) {
  act::backward_f32(k, x, y, dy, dx, n, p0, p1);
}
void backward(Kind k, const double* x, const double* y, const double* dy, double* dx, int64_t n, double p0, double p1) {
  act::backward_f64(k, x, y, dy, dx, n, p0, p1);
}

template <class T>
void check_against_reference(double fwd_rtol, double fwd_atol, double bwd_rtol, double bwd_atol) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(-8, 8);
  for (const Case& c : kCases) {
    for (int64_t n : {0, 1, 7, 17, 129, 1023, 100000}) {
      std::vector<T> x(n), y(n), dy(n), dx(n);
      for (auto& v : x) v = T(u(rng));
      for (auto& v : dy) v = T(u(rng) / 8);
      if (n > 3) x[1] = 0, x[2] = T(-0.0);
      forward(c.kind, x.data(), y.data(), n, c.p0, c.p1);
      backward(c.kind, x.data(), y.data(), dy.data(), dx.data(), n, c.p0, c.p1);
      for (int64_t i = 0; i < n; ++i) {
        CHECK_CLOSE(double(y[i]), ref_forward(c, double(x[i])), fwd_rtol, fwd_atol);
        CHECK_CLOSE(double(dx[i]), double(dy[i]) * ref_derivative(c, double(x[i])), bwd_rtol, bwd_atol);
      }
    }
  }
}

}  // namespace

TEST(activation_float64_matches_reference_formulas) { check_against_reference<double>(1e-13, 1e-14, 1e-13, 1e-14); }
TEST(activation_float32_matches_float64_reference) { check_against_reference<float>(2e-6, 1e-7, 1e-5, 2e-6); }

TEST(activation_backward_matches_central_differences) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> u(-6, 6);
  const double h = 1e-6;
  for (const Case& c : kCases) {
    const int64_t n = 1000;
    std::vector<double> x(n), y(n), ones(n, 1.0), dx(n), xp(n), xm(n), yp(n), ym(n);
    for (int64_t i = 0; i < n; ++i) {
      x[i] = u(rng);
      // Stay away from kinks (0, and softplus's threshold) where the difference is one-sided.
      if (std::fabs(x[i]) < 1e-3 || std::fabs(c.p0 * x[i] - c.p1) < 1e-3 * std::fabs(c.p0)) x[i] += 0.01;
      xp[i] = x[i] + h;
      xm[i] = x[i] - h;
    }
    forward(c.kind, x.data(), y.data(), n, c.p0, c.p1);
    forward(c.kind, xp.data(), yp.data(), n, c.p0, c.p1);
    forward(c.kind, xm.data(), ym.data(), n, c.p0, c.p1);
    backward(c.kind, x.data(), y.data(), ones.data(), dx.data(), n, c.p0, c.p1);
    for (int64_t i = 0; i < n; ++i) CHECK_CLOSE(dx[i], (yp[i] - ym[i]) / (2 * h), 1e-6, 1e-8);
  }
}

TEST(activation_kinks_follow_pytorch) {
  const double x[] = {0.0, -0.0};
  double y[2], dx[2];
  const double dy[] = {1, 1};
  auto grad_at_zero = [&](Kind k, double p0) {
    act::forward_f64(k, x, y, 2, p0, 0);
    act::backward_f64(k, x, y, dy, dx, 2, p0, 0);
    CHECK(dx[0] == dx[1]);
    return dx[0];
  };
  CHECK(grad_at_zero(Kind::Relu, 0) == 0);
  CHECK(grad_at_zero(Kind::LeakyRelu, 0.2) == 0.2);
  CHECK(grad_at_zero(Kind::Elu, 0.7) == 0.7);
  CHECK(grad_at_zero(Kind::GeluTanh, 0) == 0.5);
  CHECK(grad_at_zero(Kind::GeluErf, 0) == 0.5);
  CHECK(grad_at_zero(Kind::Heaviside, 0.5) == 0);
  CHECK(y[0] == 0.5 && y[1] == 0.5);  // heaviside's value at 0, for both zeros
}

TEST(activation_special_values_saturate_like_pytorch) {
  const float inf = std::numeric_limits<float>::infinity();
  const float x[] = {-inf, inf, NAN, -100.0f, 100.0f, 1e-30f};
  float y[6], dx[6];
  const float dy[] = {1, 1, 1, 1, 1, 1};
  auto run = [&](Kind k, double p0, double p1) {
    act::forward_f32(k, x, y, 6, p0, p1);
    act::backward_f32(k, x, y, dy, dx, 6, p0, p1);
  };
  run(Kind::Sigmoid, 0, 0);
  CHECK(y[0] == 0 && y[1] == 1 && std::isnan(y[2]) && y[3] < 1e-40f && y[4] == 1 && y[5] == 0.5f);
  CHECK(dx[0] == 0 && dx[1] == 0 && dx[4] == 0);
  run(Kind::Tanh, 0, 0);
  CHECK(y[0] == -1 && y[1] == 1 && std::isnan(y[2]) && y[3] == -1 && y[4] == 1 && y[5] == 1e-30f);
  CHECK(dx[0] == 0 && dx[1] == 0 && dx[5] == 1);
  run(Kind::Softplus, 1, 20);
  CHECK(y[0] == 0 && y[1] == inf && std::isnan(y[2]) && y[3] < 1e-40f && y[4] == 100 && std::fabs(y[5] - std::log(2.0f)) < 1e-7f);
  CHECK(dx[0] == 0 && dx[1] == 1 && dx[4] == 1 && dx[5] == 0.5f);
  run(Kind::Softplus, 1, 1000);  // no threshold: still no overflow
  CHECK(y[4] == 100 && y[1] == inf && dx[4] == 1);
  run(Kind::Relu, 0, 0);
  CHECK(y[0] == 0 && y[1] == inf && std::isnan(y[2]) && y[3] == 0);
  run(Kind::Elu, 1, 0);
  CHECK(y[0] == -1 && y[1] == inf && std::isnan(y[2]) && y[3] == -1 && dx[0] == 0 && dx[3] < 1e-40f);
  run(Kind::GeluErf, 0, 0);  // -inf * (1 + erf(-inf)) is NaN, as in PyTorch's formula
  CHECK(std::isnan(y[0]) && y[1] == inf && std::isnan(y[2]) && y[3] == 0 && y[4] == 100);
  run(Kind::Heaviside, 0, 0);
  CHECK(y[0] == 0 && y[1] == 1 && y[2] == 0 && y[3] == 0 && y[4] == 1);
}

TEST(activation_results_are_bit_identical_at_any_thread_count) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(-10, 10);
  const int64_t n = 100003;
  std::vector<float> x(n), dy(n);
  for (auto& v : x) v = u(rng);
  for (auto& v : dy) v = u(rng);
  for (const Case& c : kCases) {
    std::vector<float> y1(n), y2(n), dx1(n), dx2(n);
    kiln::cpu::set_num_threads(1);
    act::forward_f32(c.kind, x.data(), y1.data(), n, c.p0, c.p1);
    act::backward_f32(c.kind, x.data(), y1.data(), dy.data(), dx1.data(), n, c.p0, c.p1);
    kiln::cpu::set_num_threads(2);
    act::forward_f32(c.kind, x.data(), y2.data(), n, c.p0, c.p1);
    act::backward_f32(c.kind, x.data(), y2.data(), dy.data(), dx2.data(), n, c.p0, c.p1);
    CHECK(std::memcmp(y1.data(), y2.data(), n * 4) == 0);
    CHECK(std::memcmp(dx1.data(), dx2.data(), n * 4) == 0);
  }
}

TEST(activation_float32_tanh_is_within_two_ulp) {
  std::vector<float> x;
  for (float v = -12.0f; v < 12.0f; v += 0.000377f) x.push_back(v);
  for (float v = 1e-30f; v < 1.0f; v *= 1.01f) x.push_back(v), x.push_back(-v);
  const float inf = std::numeric_limits<float>::infinity();
  for (float v : {0.0f, -0.0f, inf, -inf, NAN, 0.625f, -0.625f, 1e-45f, 1e30f}) x.push_back(v);
  std::vector<float> y(x.size());
  act::forward_f32(Kind::Tanh, x.data(), y.data(), int64_t(x.size()), 0, 0);
  int64_t worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    worst = std::max(worst, kiln::test::ulp_distance(y[i], float(std::tanh(double(x[i])))));
  }
  CHECK(worst <= 2);
  CHECK(std::signbit(y[x.size() - 8]));  // tanh(-0) = -0
  std::printf("    [%s] float32 tanh max error %lld ulp\n", kiln::test::current_isa(), (long long)worst);
}
