// The scalar path of the activation kernels (the shared code is in activation_impl.h).
#define KILN_ISA_NS scalar
#include "kernels/activation/activation_impl.h"
