// The avx2 path of the activation kernels (the shared code is in activation_impl.h).
#define KILN_ISA_NS avx2
#include "kernels/activation/activation_impl.h"
