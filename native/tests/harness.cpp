#include "harness.h"

#include <cstring>

#include "cpu/isa.h"
#include "cpu/thread_pool.h"

namespace kiln::test {
namespace {
int failures_in_case = 0;
const char* isa_now = "scalar";
}  // namespace

std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

void fail(const char* file, int line, const std::string& what) {
  if (failures_in_case < 10) std::fprintf(stderr, "    %s:%d: %s\n", file, line, what.c_str());
  ++failures_in_case;
}

const char* current_isa() { return isa_now; }

}  // namespace kiln::test

// Usage: kiln_native_tests [substring]  runs the cases whose name contains substring.
int main(int argc, char** argv) {
  using namespace kiln;
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (cpu::Isa isa : {cpu::Isa::Scalar, cpu::Isa::Avx2}) {
    if (!cpu::set_active_isa(isa)) continue;
    test::isa_now = cpu::isa_name(isa);
    for (const test::Case& c : test::registry()) {
      if (filter && !std::strstr(c.name, filter)) continue;
      test::failures_in_case = 0;
      c.fn();
      const bool ok = test::failures_in_case == 0;
      std::printf("%s %s [%s]\n", ok ? "ok  " : "FAIL", c.name, test::isa_now);
      (ok ? passed : failed)++;
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
