// Placeholder until the activation kernels land.
#include "addon/bindings.h"

namespace kiln::addon {
void register_activation(Napi::Env, Napi::Object) {}
}  // namespace kiln::addon
