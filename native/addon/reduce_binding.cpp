// Placeholder until the reduce kernels land.
#include "addon/bindings.h"

namespace kiln::addon {
void register_reduce(Napi::Env, Napi::Object) {}
}  // namespace kiln::addon
