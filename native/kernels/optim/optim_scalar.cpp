// Portable leaf kernels of the optimizer steps (see optim_math.h for the arithmetic).
#define KILN_OPTIM_ISA scalar
#include "kernels/optim/optim_math.h"

namespace kiln::scalar {
namespace {

template <class T>
void sgd_leaf(const optim::SgdScalars<T>& s, T* p, const T* g, T* buf, std::int64_t n) {
  with_sgd_flags(s, [&](auto... flag) {
    sgd_span<ScalarOps<T>, decltype(flag)::value...>(s, p, g, buf, 0, n);
  });
}

template <class T>
void adam_leaf(const optim::AdamScalars<T>& s, T* p, const T* g, T* m, T* v, T* vmax,
               std::int64_t n) {
  with_adam_flags(s, [&](auto... flag) {
    adam_span<ScalarOps<T>, decltype(flag)::value...>(s, p, g, m, v, vmax, 0, n);
  });
}

}  // namespace

void sgd_block(const optim::SgdScalars<float>& s, float* p, const float* g, float* buf, std::int64_t n) {
  sgd_leaf(s, p, g, buf, n);
}
void sgd_block(const optim::SgdScalars<double>& s, double* p, const double* g, double* buf, std::int64_t n) {
  sgd_leaf(s, p, g, buf, n);
}
void adam_block(const optim::AdamScalars<float>& s, float* p, const float* g, float* m, float* v,
                float* vmax, std::int64_t n) {
  adam_leaf(s, p, g, m, v, vmax, n);
}
void adam_block(const optim::AdamScalars<double>& s, double* p, const double* g, double* m, double* v,
                double* vmax, std::int64_t n) {
  adam_leaf(s, p, g, m, v, vmax, n);
}

}  // namespace kiln::scalar
