// Optimizer steps against float64 transcriptions of PyTorch's documented algorithms
// (torch.optim.SGD / Adam / AdamW), step by step over 30 steps of varying gradients, for
// every option combination, fp32 and fp64, on every ISA path (the runner repeats the file).
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/thread_pool.h"
#include "harness.h"
#include "kernels/optim/optim.h"

using kiln::optim::AdamOptions;
using kiln::optim::SgdOptions;

namespace {

constexpr int kSteps = 30;

double grad_value(std::int64_t i, int step) {
  return std::sin(0.37 * static_cast<double>(i) + 1.3 * step) * (1.0 + 0.5 * std::cos(0.7 * step)) +
         0.05 * ((i % 3) - 1);
}

// One element of torch.optim.SGD, in double.
void sgd_reference(double& p, double g, double& buf, const SgdOptions& o) {
  if (o.maximize) g = -g;
  if (o.weight_decay != 0) g += o.weight_decay * p;
  if (o.momentum != 0) {
    buf = o.first_step ? g : o.momentum * buf + (1 - o.dampening) * g;
    g = o.nesterov ? g + o.momentum * buf : buf;
  }
  p -= o.lr * g;
}

// One element of torch.optim.Adam (decoupled = false) / AdamW (true), in double.
void adam_reference(double& p, double g, double& m, double& v, double& vmax, const AdamOptions& o) {
  if (o.maximize) g = -g;
  if (o.weight_decay != 0) {
    if (o.decoupled) p *= 1 - o.lr * o.weight_decay;
    else g += o.weight_decay * p;
  }
  m = o.beta1 * m + (1 - o.beta1) * g;
  v = o.beta2 * v + (1 - o.beta2) * g * g;
  const double bc1 = 1 - std::pow(o.beta1, static_cast<double>(o.step));
  const double bc2 = 1 - std::pow(o.beta2, static_cast<double>(o.step));
  if (o.amsgrad) vmax = std::max(vmax, v);
  const double denom = std::sqrt(o.amsgrad ? vmax : v) / std::sqrt(bc2) + o.eps;
  p -= o.lr / bc1 * (m / denom);
}

template <class T> constexpr double kRtol = 2e-6;
template <> constexpr double kRtol<double> = 1e-12;

std::vector<SgdOptions> sgd_cases() {
  std::vector<SgdOptions> out;
  for (double momentum : {0.0, 0.9})
    for (double dampening : {0.0, 0.5})
      for (bool nesterov : {false, true})
        for (double wd : {0.0, 0.01})
          for (bool maximize : {false, true}) {
            if (nesterov && (momentum == 0 || dampening != 0)) continue;  // PyTorch refuses these
            SgdOptions o;
            o.lr = 0.05;
            o.momentum = momentum;
            o.dampening = dampening;
            o.nesterov = nesterov;
            o.weight_decay = wd;
            o.maximize = maximize;
            out.push_back(o);
          }
  return out;
}

std::vector<AdamOptions> adam_cases() {
  std::vector<AdamOptions> out;
  for (bool decoupled : {false, true})
    for (bool amsgrad : {false, true})
      for (double wd : {0.0, 0.1})
        for (bool maximize : {false, true}) {
          AdamOptions o;
          o.lr = 0.01;
          o.decoupled = decoupled;
          o.amsgrad = amsgrad;
          o.weight_decay = wd;
          o.maximize = maximize;
          out.push_back(o);
        }
  return out;
}

// Runs kSteps SGD steps of n elements; each step is checked against the reference applied to
// the kernel's own state before the step (so the tolerance is per step, not accumulated).
template <class T>
void check_sgd(std::int64_t n, SgdOptions o) {
  std::vector<T> p(n), g(n), buf(n, T(7));  // buf garbage: the first step must overwrite it
  for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(2 * std::cos(0.11 * i));
  for (int step = 1; step <= kSteps; ++step) {
    for (std::int64_t i = 0; i < n; ++i) g[i] = static_cast<T>(grad_value(i, step));
    std::vector<double> rp(p.begin(), p.end()), rb(buf.begin(), buf.end());
    o.first_step = step == 1;
    kiln::optim::sgd_step(p.data(), g.data(), o.momentum != 0 ? buf.data() : nullptr, n, o);
    for (std::int64_t i = 0; i < n; ++i) {
      sgd_reference(rp[i], g[i], rb[i], o);
      CHECK_CLOSE(p[i], rp[i], kRtol<T>, kRtol<T>);
      if (o.momentum != 0) CHECK_CLOSE(buf[i], rb[i], kRtol<T>, kRtol<T>);
    }
  }
}

template <class T>
void check_adam(std::int64_t n, AdamOptions o) {
  std::vector<T> p(n), g(n), m(n, T(0)), v(n, T(0)), vmax(n, T(0));
  for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(2 * std::cos(0.11 * i));
  for (int step = 1; step <= kSteps; ++step) {
    for (std::int64_t i = 0; i < n; ++i) g[i] = static_cast<T>(grad_value(i, step));
    std::vector<double> rp(p.begin(), p.end()), rm(m.begin(), m.end()), rv(v.begin(), v.end()),
        rvmax(vmax.begin(), vmax.end());
    o.step = step;
    kiln::optim::adam_step(p.data(), g.data(), m.data(), v.data(), o.amsgrad ? vmax.data() : nullptr, n, o);
    for (std::int64_t i = 0; i < n; ++i) {
      adam_reference(rp[i], g[i], rm[i], rv[i], rvmax[i], o);
      CHECK_CLOSE(p[i], rp[i], kRtol<T>, kRtol<T>);
      CHECK_CLOSE(m[i], rm[i], kRtol<T>, kRtol<T>);
      CHECK_CLOSE(v[i], rv[i], kRtol<T>, kRtol<T>);
      if (o.amsgrad) CHECK_CLOSE(vmax[i], rvmax[i], kRtol<T>, kRtol<T>);
    }
  }
}

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Three steps of n elements, as one call or as calls on consecutive pieces of `piece`
// elements (0 = one call). Returns param followed by the state arrays.
template <class T>
std::vector<T> run_adam(std::int64_t n, AdamOptions o, std::int64_t piece) {
  std::vector<T> s(4 * n);
  T *p = s.data(), *m = p + n, *v = m + n, *vmax = v + n;
  for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(std::cos(0.11 * i));
  std::vector<T> g(n);
  for (int step = 1; step <= 3; ++step) {
    for (std::int64_t i = 0; i < n; ++i) g[i] = static_cast<T>(grad_value(i, step));
    o.step = step;
    const std::int64_t len = piece ? piece : n;
    for (std::int64_t b = 0; b < n; b += len) {
      const std::int64_t k = std::min(len, n - b);
      kiln::optim::adam_step(p + b, g.data() + b, m + b, v + b, vmax + b, k, o);
    }
  }
  return s;
}

template <class T>
std::vector<T> run_sgd(std::int64_t n, SgdOptions o, std::int64_t piece) {
  std::vector<T> s(2 * n);
  T *p = s.data(), *buf = p + n;
  for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(std::cos(0.11 * i));
  std::vector<T> g(n);
  for (int step = 1; step <= 3; ++step) {
    for (std::int64_t i = 0; i < n; ++i) g[i] = static_cast<T>(grad_value(i, step));
    o.first_step = step == 1;
    const std::int64_t len = piece ? piece : n;
    for (std::int64_t b = 0; b < n; b += len) {
      const std::int64_t k = std::min(len, n - b);
      kiln::optim::sgd_step(p + b, g.data() + b, buf + b, k, o);
    }
  }
  return s;
}

}  // namespace

TEST(optim_sgd_matches_pytorch_reference) {
  for (const SgdOptions& o : sgd_cases()) {
    for (std::int64_t n : {0, 1, 7, 17, 1023}) {
      check_sgd<float>(n, o);
      check_sgd<double>(n, o);
    }
  }
  check_sgd<float>(100000, sgd_cases().back());
}

TEST(optim_adam_and_adamw_match_pytorch_reference) {
  for (const AdamOptions& o : adam_cases()) {
    for (std::int64_t n : {0, 1, 7, 17, 1023}) {
      check_adam<float>(n, o);
      check_adam<double>(n, o);
    }
  }
  for (const AdamOptions& o : adam_cases()) check_adam<float>(100000, o);
}

TEST(optim_bit_identical_at_any_thread_count) {
  const std::int64_t n = 100000;  // several blocks, and a scalar tail in the last one
  for (const AdamOptions& o : adam_cases()) {
    kiln::cpu::set_num_threads(1);
    const auto a1 = run_adam<float>(n, o, 0);
    const auto d1 = run_adam<double>(n, o, 0);
    kiln::cpu::set_num_threads(2);
    CHECK(same_bytes(a1, run_adam<float>(n, o, 0)));
    CHECK(same_bytes(d1, run_adam<double>(n, o, 0)));
  }
  for (const SgdOptions& o : sgd_cases()) {
    kiln::cpu::set_num_threads(1);
    const auto a1 = run_sgd<float>(n, o, 0);
    kiln::cpu::set_num_threads(2);
    CHECK(same_bytes(a1, run_sgd<float>(n, o, 0)));
  }
}

// An element's result must not depend on whether it fell in the vector body or the scalar
// tail: stepping pieces of odd length moves every element across that boundary.
TEST(optim_result_independent_of_vector_tail_split) {
  for (const AdamOptions& o : adam_cases()) {
    CHECK(same_bytes(run_adam<float>(1023, o, 0), run_adam<float>(1023, o, 5)));
    CHECK(same_bytes(run_adam<double>(1023, o, 0), run_adam<double>(1023, o, 3)));
  }
  for (const SgdOptions& o : sgd_cases()) {
    CHECK(same_bytes(run_sgd<float>(1023, o, 0), run_sgd<float>(1023, o, 5)));
    CHECK(same_bytes(run_sgd<double>(1023, o, 0), run_sgd<double>(1023, o, 3)));
  }
}
