// Placeholder until the random kernels land.
#include "addon/bindings.h"

namespace kiln::addon {
void register_random(Napi::Env, Napi::Object) {}
}  // namespace kiln::addon
