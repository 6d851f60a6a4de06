#!/usr/bin/env bash
# Builds the native C++ tests with AddressSanitizer and UBSan and runs them on every ISA path.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KILN_NATIVE_BUILD_DIR:-build-asan}
cmake -S . -B "$build" -DKILN_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target kiln_native_tests -j 2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$build/kiln_native_tests" "$@"
