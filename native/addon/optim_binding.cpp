// Placeholder until the optim kernels land.
#include "addon/bindings.h"

namespace kiln::addon {
void register_optim(Napi::Env, Napi::Object) {}
}  // namespace kiln::addon
