// AVX2+FMA micro-kernels, BLIS/XNNPACK "broadcast" style: 6 rows x 2 vectors of C live in 12
// ymm accumulators; per k, two aligned loads of the packed B row and 6 broadcasts of A feed
// 12 FMAs (the two FMA pipes of Zen 3 / Haswell stay busy with 3 registers to spare).
// sgemm_6x16_avx2 and dgemm_6x8_avx2 come from one template over the vector type.
#include <immintrin.h>

#include "kernels/gemm/gemm_ukernel.h"
#include "kernels/gemm/transpose_avx2.h"

namespace kiln::avx2 {
namespace {

template <class T> struct Vec;

template <> struct Vec<float> {
  using V = __m256;
  static constexpr int kLanes = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V load(const float* p) { return _mm256_load_ps(p); }
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
};

template <> struct Vec<double> {
  using V = __m256d;
  static constexpr int kLanes = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V set1(double x) { return _mm256_set1_pd(x); }
  static V load(const double* p) { return _mm256_load_pd(p); }
  static V loadu(const double* p) { return _mm256_loadu_pd(p); }
  static void storeu(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V broadcast(const double* p) { return _mm256_broadcast_sd(p); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
};

constexpr int kRows = 6;

// The first `Rows` rows of a 6-row tile (the A micro-panel keeps its 6-row stride): Rows == 6
// is the full micro-kernel; fewer rows serve the bottom edge without wasted FMAs.
template <class T, int Rows>
void gemm_rows_2v(std::int64_t kc, const T* a, const T* b, T* c, std::int64_t ldc, T alpha,
                  T beta) {
  using W = Vec<T>;
  using V = typename W::V;
  constexpr int L = W::kLanes;
  constexpr int NR = 2 * L;

  // The C tile is written at the end; start pulling its lines in now.
  for (int i = 0; i < Rows; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
  }

  V acc[Rows][2];
#pragma GCC unroll 6
  for (int i = 0; i < Rows; ++i) acc[i][0] = acc[i][1] = W::zero();

  // The packed B micro-panel stays in L1 across the tiles of a column; the A micro-panel
  // streams from L2, so it is the one prefetched ahead.
#pragma GCC unroll 4
  for (std::int64_t p = 0; p < kc; ++p) {
    _mm_prefetch(reinterpret_cast<const char*>(a + 8 * kRows * 4), _MM_HINT_T0);
    const V b0 = W::load(b);
    const V b1 = W::load(b + L);
#pragma GCC unroll 6
    for (int i = 0; i < Rows; ++i) {
      const V ai = W::broadcast(a + i);
      acc[i][0] = W::fmadd(ai, b0, acc[i][0]);
      acc[i][1] = W::fmadd(ai, b1, acc[i][1]);
    }
    a += kRows;
    b += NR;
  }

  // Fused epilogue: alpha (and beta, reading C only when beta != 0) applied on the store.
  const V valpha = W::set1(alpha);
  if (beta == T(0)) {
#pragma GCC unroll 6
    for (int i = 0; i < Rows; ++i) {
      W::storeu(c + i * ldc, W::mul(valpha, acc[i][0]));
      W::storeu(c + i * ldc + L, W::mul(valpha, acc[i][1]));
    }
  } else {
    const V vbeta = W::set1(beta);
#pragma GCC unroll 6
    for (int i = 0; i < Rows; ++i) {
      T* row = c + i * ldc;
      W::storeu(row, W::fmadd(vbeta, W::loadu(row), W::mul(valpha, acc[i][0])));
      W::storeu(row + L, W::fmadd(vbeta, W::loadu(row + L), W::mul(valpha, acc[i][1])));
    }
  }
}

void sgemm_6x16_avx2(std::int64_t kc, const float* a, const float* b, float* c, std::int64_t ldc,
                     float alpha, float beta) {
  gemm_rows_2v<float, kRows>(kc, a, b, c, ldc, alpha, beta);
}

void dgemm_6x8_avx2(std::int64_t kc, const double* a, const double* b, double* c,
                    std::int64_t ldc, double alpha, double beta) {
  gemm_rows_2v<double, kRows>(kc, a, b, c, ldc, alpha, beta);
}

template <class T>
void gemm_partial_rows_avx2(int rows, std::int64_t kc, const T* a, const T* b, T* c,
                            std::int64_t ldc, T alpha, T beta) {
  switch (rows) {
    case 1: return gemm_rows_2v<T, 1>(kc, a, b, c, ldc, alpha, beta);
    case 2: return gemm_rows_2v<T, 2>(kc, a, b, c, ldc, alpha, beta);
    case 3: return gemm_rows_2v<T, 3>(kc, a, b, c, ldc, alpha, beta);
    case 4: return gemm_rows_2v<T, 4>(kc, a, b, c, ldc, alpha, beta);
    case 5: return gemm_rows_2v<T, 5>(kc, a, b, c, ldc, alpha, beta);
    default: return gemm_rows_2v<T, kRows>(kc, a, b, c, ldc, alpha, beta);
  }
}

// Packs a full W-row strip (W = 6 for A, 16 for B) from rows contiguous along p: eight
// values of p per row are loaded, transposed in registers (rows past W are zero), and
// stored as eight W-wide groups, instead of one scalar load and store per element.
template <int W>
void sgemm_gather_avx2(const float* src, std::int64_t row_stride, std::int64_t kc, float* out) {
  constexpr int kBlocks = (W + 7) / 8;
  std::int64_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    __m256 r[kBlocks][8];
    for (int b = 0; b < kBlocks; ++b) {
      for (int i = 0; i < 8; ++i) {
        const int row = 8 * b + i;
        r[b][i] = row < W ? _mm256_loadu_ps(src + row * row_stride + p) : _mm256_setzero_ps();
      }
      transpose_8x8(r[b]);
    }
    for (int j = 0; j < 8; ++j) {
      float* o = out + (p + j) * W;
      if (W % 8 == 0) {
        for (int b = 0; b < kBlocks; ++b) _mm256_storeu_ps(o + 8 * b, r[b][j]);
      } else {  // W == 6: four values, then two
        _mm_storeu_ps(o, _mm256_castps256_ps128(r[0][j]));
        _mm_storel_pi(reinterpret_cast<__m64*>(o + 4), _mm256_extractf128_ps(r[0][j], 1));
      }
    }
  }
  for (; p < kc; ++p) {
    for (int i = 0; i < W; ++i) out[p * W + i] = src[i * row_stride + p];
  }
}

}  // namespace

// Blocking for Zen 3 (L1d 32 KiB, L2 512 KiB): a B micro-panel kc x nr = 256 x 16 fp32 is
// 16 KiB (half of L1); an A block mc x kc = 144 x 256 fp32 is 144 KiB (L2, leaving room for
// B lines passing through); the B block kc x nc = 256 x 2048 fp32 is 2 MiB (L3, twice
// over with double buffering).
gemm_internal::MicroKernel<float> sgemm_micro_kernel() {
  return {sgemm_6x16_avx2, kRows, 16, 256, 144, 2048, "sgemm_6x16_avx2",
          sgemm_gather_avx2<kRows>, sgemm_gather_avx2<16>, gemm_partial_rows_avx2<float>};
}

gemm_internal::MicroKernel<double> dgemm_micro_kernel() {
  return {dgemm_6x8_avx2, kRows, 8, 256, 72, 1024, "dgemm_6x8_avx2", nullptr, nullptr,
          gemm_partial_rows_avx2<double>};
}

}  // namespace kiln::avx2
