// The AVX2+FMA build of the softmax leaves (same source, compiled with -mavx2 -mfma).
#define KILN_ISA_NS avx2
#include "kernels/softmax/softmax_leaf_impl.h"
