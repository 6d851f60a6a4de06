// AVX2 build of the random fills (random_fill.h) with Philox4x32-10 on eight counters at once:
// each 256-bit register holds one word of eight blocks, and _mm256_mul_epu32 forms the
// 32x32->64 products of the even and odd lanes. Integer-exact, so the values are the same as
// the portable path's. Leaf code only: no thread pool, no calls into the portable files.
#include <immintrin.h>

#include <cstdint>

#include "kernels/random/philox.h"

namespace kiln::avx2 {
namespace {

// hi and lo 32-bit halves of m * x for the eight lanes of x.
inline void mulhilo8(__m256i x, __m256i m, __m256i* hi, __m256i* lo) {
  const __m256i even = _mm256_mul_epu32(x, m);                         // lanes 0,2,4,6 (64-bit)
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);   // lanes 1,3,5,7
  *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
  *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

// Blocks first .. first + 7 of the stream keyed by seed (same layout as philox_block).
void philox8(std::uint64_t seed, std::uint64_t first, random::PhiloxBlock out[8]) {
  alignas(32) std::uint32_t lo[8], hi[8];
  for (int j = 0; j < 8; ++j) {
    const std::uint64_t c = first + static_cast<std::uint64_t>(j);
    lo[j] = static_cast<std::uint32_t>(c);
    hi[j] = static_cast<std::uint32_t>(c >> 32);
  }
  __m256i c0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(lo));
  __m256i c1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(hi));
  __m256i c2 = _mm256_setzero_si256(), c3 = _mm256_setzero_si256();
  std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    __m256i hi0, lo0, hi1, lo1;
    mulhilo8(c0, m0, &hi0, &lo0);
    mulhilo8(c2, m1, &hi1, &lo1);
    c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
    c1 = lo1;
    c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
    c3 = lo0;
  }
  alignas(32) std::uint32_t w[4][8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(w[0]), c0);
  _mm256_store_si256(reinterpret_cast<__m256i*>(w[1]), c1);
  _mm256_store_si256(reinterpret_cast<__m256i*>(w[2]), c2);
  _mm256_store_si256(reinterpret_cast<__m256i*>(w[3]), c3);
  for (int j = 0; j < 8; ++j) out[j] = random::PhiloxBlock{{w[0][j], w[1][j], w[2][j], w[3][j]}};
}

}  // namespace
}  // namespace kiln::avx2

#define KILN_RANDOM_PHILOX8
#define KILN_RANDOM_ISA avx2
#include "kernels/random/random_fill.h"
