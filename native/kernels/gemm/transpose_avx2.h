// The 8 x 8 fp32 register transpose shared by AVX2 leaf code (the GEMM's packing gather, the
// convolution's tile transposes). Include from AVX2 translation units only.
#pragma once

#include <immintrin.h>

namespace kiln::avx2 {

// Transposes 8 rows of 8 floats: on return r[j] holds column j (r0[j], ..., r7[j]).
inline __attribute__((always_inline)) void transpose_8x8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {  // rows 0-3 and rows 4-7
    __m256* tt = t + 4 * h;
    u[4 * h + 0] = _mm256_shuffle_ps(tt[0], tt[2], 0x44);
    u[4 * h + 1] = _mm256_shuffle_ps(tt[0], tt[2], 0xEE);
    u[4 * h + 2] = _mm256_shuffle_ps(tt[1], tt[3], 0x44);
    u[4 * h + 3] = _mm256_shuffle_ps(tt[1], tt[3], 0xEE);
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
    r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
  }
}

}  // namespace kiln::avx2
