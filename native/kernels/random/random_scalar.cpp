// Portable leaf kernels of the random fills (the code is in random_fill.h).
#define KILN_RANDOM_ISA scalar
#include "kernels/random/random_fill.h"
