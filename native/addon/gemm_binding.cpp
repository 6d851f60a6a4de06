// Placeholder until the gemm kernels land.
#include "addon/bindings.h"

namespace kiln::addon {
void register_gemm(Napi::Env, Napi::Object) {}
}  // namespace kiln::addon
