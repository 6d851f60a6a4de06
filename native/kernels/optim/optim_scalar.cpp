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

KILN_OPTIM_DEFINE_LEAVES(float)
KILN_OPTIM_DEFINE_LEAVES(double)

}  // namespace kiln::scalar
