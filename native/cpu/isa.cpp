#include "cpu/isa.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace kiln::cpu {
namespace {

bool cpu_has_avx2_fma() {
#if defined(KILN_HAVE_AVX2) && (defined(__x86_64__) || defined(_M_X64))
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool fma = ecx & (1u << 12);
  const bool osxsave = ecx & (1u << 27);
  const bool avx = ecx & (1u << 28);
  if (!(fma && osxsave && avx)) return false;
  // The OS must save the YMM state (XCR0 bits 1 and 2).
  unsigned xcr0_lo, xcr0_hi;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0x6) != 0x6) return false;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return ebx & (1u << 5);
#else
  return false;
#endif
}

Isa initial_isa() {
  Isa best = cpu_has_avx2_fma() ? Isa::Avx2 : Isa::Scalar;
  const char* forced = std::getenv("KILN_ISA");
  Isa wanted;
  if (forced && *forced && parse_isa(forced, &wanted) && isa_supported(wanted)) return wanted;
  return best;
}

std::atomic<Isa>& active() {
  static std::atomic<Isa> isa{initial_isa()};
  return isa;
}

}  // namespace

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return true;
    case Isa::Avx2: {
      static const bool ok = cpu_has_avx2_fma();
      return ok;
    }
  }
  return false;
}

Isa active_isa() { return active().load(std::memory_order_relaxed); }

bool set_active_isa(Isa isa) {
  if (!isa_supported(isa)) return false;
  active().store(isa, std::memory_order_relaxed);
  return true;
}

const char* isa_name(Isa isa) { return isa == Isa::Avx2 ? "avx2" : "scalar"; }

bool parse_isa(const char* name, Isa* out) {
  if (std::strcmp(name, "scalar") == 0) { *out = Isa::Scalar; return true; }
  if (std::strcmp(name, "avx2") == 0) { *out = Isa::Avx2; return true; }
  return false;
}

}  // namespace kiln::cpu
