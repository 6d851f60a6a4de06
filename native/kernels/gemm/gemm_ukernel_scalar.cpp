// The portable micro-kernels: plain C++ the compiler may vectorize for the baseline target
// (SSE2 on x86-64). 4 x 8 keeps 32 accumulators, which fit the 16 SSE registers for fp32.
#include "kernels/gemm/gemm_ukernel.h"

namespace kiln::scalar {
namespace {

template <class T, int MR, int NR>
void gemm_generic(std::int64_t kc, const T* a, const T* b, T* c, std::int64_t ldc, T alpha,
                  T beta) {
  T acc[MR][NR] = {};
  for (std::int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < MR; ++i) {
      for (int j = 0; j < NR; ++j) acc[i][j] += a[p * MR + i] * b[p * NR + j];
    }
  }
  for (int i = 0; i < MR; ++i) {
    T* row = c + i * ldc;
    if (beta == T(0)) {
      for (int j = 0; j < NR; ++j) row[j] = alpha * acc[i][j];
    } else {
      for (int j = 0; j < NR; ++j) row[j] = alpha * acc[i][j] + beta * row[j];
    }
  }
}

}  // namespace

gemm_internal::MicroKernel<float> sgemm_micro_kernel() {
  return {gemm_generic<float, 4, 8>, 4, 8, 256, 128, 1024, "sgemm_4x8_scalar", nullptr, nullptr, nullptr};
}

gemm_internal::MicroKernel<double> dgemm_micro_kernel() {
  return {gemm_generic<double, 4, 8>, 4, 8, 256, 64, 1024, "dgemm_4x8_scalar", nullptr, nullptr, nullptr};
}

}  // namespace kiln::scalar
