// The portable (SSE2 baseline) build of the softmax leaves.
#define KILN_ISA_NS scalar
#include "kernels/softmax/softmax_leaf_impl.h"
