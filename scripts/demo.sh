#!/usr/bin/env bash
# Installs what is missing, builds wskemu and runs the demo driver.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scripts/install-deps.sh
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSKEMU_BUILD_TESTS=OFF >/dev/null
cmake --build build/demo -j "$(nproc)" --target wskemu_kernel_tour
exec build/demo/examples/kernel_tour/wskemu_kernel_tour
