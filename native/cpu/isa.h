// Instruction-set paths and run-time dispatch.
//
// Every kernel family has one implementation per ISA, in namespaces kiln::scalar (portable,
// always built) and kiln::avx2 (files named *_avx2.cpp, compiled with -mavx2 -mfma on x86-64
// only). The active path is chosen once at load from CPUID, can be forced with
// KILN_ISA=scalar|avx2, and can be switched at run time (tests run every path).
#pragma once

namespace kiln::cpu {

enum class Isa { Scalar = 0, Avx2 = 1 };

// True when this build contains the path and this CPU (and OS) can run it.
bool isa_supported(Isa isa);
// The path kernels use now.
Isa active_isa();
// Switch paths; returns false (and changes nothing) when the path is not supported.
bool set_active_isa(Isa isa);
const char* isa_name(Isa isa);
// Parses "scalar" / "avx2"; returns false for anything else.
bool parse_isa(const char* name, Isa* out);

}  // namespace kiln::cpu

// KILN_DISPATCH(fn, args...) calls kiln::avx2::fn or kiln::scalar::fn by the active path.
#if defined(KILN_HAVE_AVX2)
#define KILN_DISPATCH(fn, ...)                                         \
  (::kiln::cpu::active_isa() == ::kiln::cpu::Isa::Avx2 ? ::kiln::avx2::fn(__VA_ARGS__) \
                                                       : ::kiln::scalar::fn(__VA_ARGS__))
#else
#define KILN_DISPATCH(fn, ...) (::kiln::scalar::fn(__VA_ARGS__))
#endif
