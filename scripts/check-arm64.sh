#!/usr/bin/env bash
# Compiles the portable kernels for arm64 (the scalar path; the AVX2 group is x86-64 only) so
# the build is known to work there without an arm64 machine. Needs g++-aarch64-linux-gnu.
set -euo pipefail
cd "$(dirname "$0")/.."
cxx=${CXX_ARM64:-aarch64-linux-gnu-g++}
if ! command -v "$cxx" >/dev/null; then
  echo "check-arm64: $cxx not found (apt-get install g++-aarch64-linux-gnu)" >&2
  exit 1
fi
count=0
for src in $(node scripts/sources.cjs kernels); do
  "$cxx" -std=c++17 -O2 -Inative -c -o /dev/null "$src"
  count=$((count + 1))
done
echo "check-arm64: $count portable sources compile for arm64"
