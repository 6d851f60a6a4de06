// Per-ISA leaf kernels of the optimizer steps and the per-call scalars they take. The portable
// optim.cpp computes the scalars once per call, splits the array into fixed blocks and calls
// the active ISA's leaf on each block; every element's update is independent.
#pragma once

#include <cstdint>

namespace kiln::optim {

// SGD hyperparameters in the array's precision, with the options resolved to flags.
template <class T>
struct SgdScalars {
  T neg_lr, momentum, keep /* 1 - dampening */, weight_decay, grad_sign /* -1 if maximize */;
  bool l2, use_momentum, first_step, nesterov;
};

// Adam hyperparameters with the bias corrections folded in (computed once per call).
template <class T>
struct AdamScalars {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay;
  T decay;          // AdamW's 1 - lr * wd (1 for Adam)
  T neg_step_size;  // -lr / (1 - beta1^t)
  T bc2_sqrt;       // sqrt(1 - beta2^t)
  T grad_sign;
  bool l2, amsgrad;
};

}  // namespace kiln::optim

#define KILN_OPTIM_DECLARE_LEAVES                                                                   \
  void sgd_block(const optim::SgdScalars<float>& s, float* p, const float* g, float* buf,         \
                 std::int64_t n);                                                                  \
  void sgd_block(const optim::SgdScalars<double>& s, double* p, const double* g, double* buf,     \
                 std::int64_t n);                                                                  \
  void adam_block(const optim::AdamScalars<float>& s, float* p, const float* g, float* m,         \
                  float* v, float* vmax, std::int64_t n);                                          \
  void adam_block(const optim::AdamScalars<double>& s, double* p, const double* g, double* m,     \
                  double* v, double* vmax, std::int64_t n);

namespace kiln::scalar {
KILN_OPTIM_DECLARE_LEAVES
}  // namespace kiln::scalar
namespace kiln::avx2 {
KILN_OPTIM_DECLARE_LEAVES
}  // namespace kiln::avx2

#undef KILN_OPTIM_DECLARE_LEAVES
