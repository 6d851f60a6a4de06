// backendInfo, thread count and ISA selection.
#include <cstdlib>
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "cpu/isa.h"
#include "cpu/thread_pool.h"

namespace kiln::addon {
namespace {

Napi::Value backend_info(const Napi::CallbackInfo& info) {
  Args args(info, "backendInfo", 0);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("isa", cpu::isa_name(cpu::active_isa()));
  out.Set("threads", cpu::num_threads());
  out.Set("blas", "kiln");
  Napi::Array isas = Napi::Array::New(info.Env());
  uint32_t k = 0;
  for (cpu::Isa isa : {cpu::Isa::Scalar, cpu::Isa::Avx2}) {
    if (cpu::isa_supported(isa)) isas.Set(k++, cpu::isa_name(isa));
  }
  out.Set("supportedIsas", isas);
  return out;
}

Napi::Value set_num_threads(const Napi::CallbackInfo& info) {
  Args args(info, "setNumThreads", 1);
  const std::int64_t n = args.size(0, "n");
  if (n < 1 || n > 1024) args.range_error("argument 'n' must be between 1 and 1024, got " + std::to_string(n));
  cpu::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value set_isa(const Napi::CallbackInfo& info) {
  Args args(info, "setIsa", 1);
  const std::string name = args.string(0, "isa");
  cpu::Isa isa;
  if (!cpu::parse_isa(name.c_str(), &isa)) args.range_error("unknown ISA '" + name + "' (expected scalar or avx2)");
  if (!cpu::set_active_isa(isa)) args.range_error("ISA '" + name + "' is not supported by this CPU or build");
  return info.Env().Undefined();
}

// KILN_ISA is read when the kernels load; a value that cannot be honoured is an error the
// user should see rather than a silent fallback.
void check_isa_env(Napi::Env env) {
  const char* forced = std::getenv("KILN_ISA");
  if (!forced || !*forced) return;
  cpu::Isa isa;
  if (!cpu::parse_isa(forced, &isa)) {
    throw Napi::Error::New(env, std::string("kiln: KILN_ISA='") + forced + "' is not a known ISA path (scalar, avx2)");
  }
  if (!cpu::isa_supported(isa)) {
    throw Napi::Error::New(env, std::string("kiln: KILN_ISA='") + forced + "' is not supported by this CPU or build");
  }
}

}  // namespace

void register_backend(Napi::Env env, Napi::Object exports) {
  check_isa_env(env);
  set_function(env, exports, "backendInfo", backend_info);
  set_function(env, exports, "setNumThreads", set_num_threads);
  set_function(env, exports, "setIsa", set_isa);
}

}  // namespace kiln::addon
