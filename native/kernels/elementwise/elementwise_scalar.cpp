// The scalar path of the elementwise kernels (the shared code is in elementwise_impl.h).
#define KILN_ISA_NS scalar
#include "kernels/elementwise/elementwise_impl.h"
