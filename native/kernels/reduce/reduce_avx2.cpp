// The AVX2+FMA build of the reduction leaves (same source, compiled with -mavx2 -mfma).
#define KILN_ISA_NS avx2
#include "kernels/reduce/reduce_leaf_impl.h"
