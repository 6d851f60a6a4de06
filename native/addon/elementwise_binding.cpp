// Placeholder until the elementwise kernels land.
#include "addon/bindings.h"

namespace kiln::addon {
void register_elementwise(Napi::Env, Napi::Object) {}
}  // namespace kiln::addon
