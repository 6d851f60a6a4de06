// AVX2 build of the random fills' leaf code (random_fill.h), auto-vectorized under -mavx2.
// Leaf code only: no thread pool, no calls into the portable files.
#define KILN_RANDOM_ISA avx2
#include "kernels/random/random_fill.h"
