// The portable (SSE2 baseline) build of the reduction leaves.
#define KILN_ISA_NS scalar
#include "kernels/reduce/reduce_leaf_impl.h"
