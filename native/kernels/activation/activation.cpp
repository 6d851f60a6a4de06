// The portable driver: fixed ranges on the thread pool, each handed to the active ISA path.
#include "kernels/activation/activation.h"

#include "cpu/isa.h"
#include "cpu/thread_pool.h"

namespace kiln::activation {
namespace {

// Multiples of 64, cut from n only: bit-identical at any thread count, small arrays inline.
constexpr std::int64_t kGrain = 16384;

template <class T>
void forward_any(Kind kind, const T* x, T* y, std::int64_t n, double p0, double p1) {
  cpu::parallel_range(n, kGrain, [&](std::int64_t b, std::int64_t e) {
    KILN_DISPATCH(act_forward, kind, x + b, y + b, e - b, p0, p1);
  });
}

template <class T>
void backward_any(Kind kind, const T* x, const T* y, const T* dy, T* dx, std::int64_t n, double p0, double p1) {
  cpu::parallel_range(n, kGrain, [&](std::int64_t b, std::int64_t e) {
    KILN_DISPATCH(act_backward, kind, x + b, y + b, dy + b, dx + b, e - b, p0, p1);
  });
}

}  // namespace

void forward_f32(Kind kind, const float* x, float* y, std::int64_t n, double p0, double p1) {
  forward_any(kind, x, y, n, p0, p1);
}
void forward_f64(Kind kind, const double* x, double* y, std::int64_t n, double p0, double p1) {
  forward_any(kind, x, y, n, p0, p1);
}
void backward_f32(Kind kind, const float* x, const float* y, const float* dy, float* dx, std::int64_t n,
                  double p0, double p1) {
  backward_any(kind, x, y, dy, dx, n, p0, p1);
}
void backward_f64(Kind kind, const double* x, const double* y, const double* dy, double* dx,
                  std::int64_t n, double p0, double p1) {
  backward_any(kind, x, y, dy, dx, n, p0, p1);
}

}  // namespace kiln::activation
