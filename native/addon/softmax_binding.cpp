// Placeholder until the softmax kernels land.
#include "addon/bindings.h"

namespace kiln::addon {
void register_softmax(Napi::Env, Napi::Object) {}
}  // namespace kiln::addon
