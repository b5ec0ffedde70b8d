#!/usr/bin/env bash
# The soak run (docs/testing.md, "Soak"): 1,000 concurrent loopback
# connections of 1 MiB each through the echo server example driver, under a
# seeded random completion policy and random send failures. Builds
# wskemu_echo_soak in the gcc preset's tree and runs it.
#
#   scripts/soak.sh [--short] [wskemu_echo_soak options...]
#
#   --short   the CI budget: 200 connections of 256 KiB, 3 faults
#   options   --connections N --bytes N --faults N --seed N --timeout S
#             (a failing run prints its seed; pass it to replay the faults)
# Ends with "soak: N passed, N failed" for scripts/test.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

args=()
if [[ "${1:-}" == --short ]]; then
  shift
  args=(--connections 200 --bytes 262144 --faults 3 --timeout 300)
fi

if [[ ! -f build/gcc/CMakeCache.txt ]]; then
  cmake --preset gcc >/dev/null
fi
cmake --build build/gcc -j "$(nproc)" --target wskemu_echo_soak
if build/gcc/examples/echo_server/wskemu_echo_soak "${args[@]}" "$@"; then
  echo "soak: 1 passed, 0 failed"
else
  echo "soak: 0 passed, 1 failed"
  exit 1
fi
