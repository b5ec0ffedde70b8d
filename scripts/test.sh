#!/usr/bin/env bash
# Installs what is missing, builds wskemu and runs the whole test suite:
#   1. g++, Debug
#   2. clang++ with AddressSanitizer and UndefinedBehaviorSanitizer
#   3. the Windows build (MinGW-w64), run under Wine
# Set WSKEMU_SKIP_WINDOWS=1 to skip step 3. Ends with "N passed, N failed".
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [[ "${WSKEMU_SKIP_WINDOWS:-0}" == 1 ]]; then
  scripts/install-deps.sh
else
  scripts/install-deps.sh --windows
fi

jobs=$(nproc)
logs=build/test-logs
mkdir -p "$logs"
passed=0
failed=0

# Adds one ctest log's counts to the totals.
count() {
  local line
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$1" | tail -n 1 || true)
  if [[ -z "$line" ]]; then
    failed=$((failed + 1))
    return
  fi
  local total failures
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  failures=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - failures))
  failed=$((failed + failures))
}

# Configures, builds and tests one native configuration.
run_native() {
  local name=$1
  shift
  echo "== $name"
  cmake -S . -B "build/$name" -G Ninja "$@" >"$logs/$name-configure.log"
  cmake --build "build/$name" -j "$jobs"
  ctest --test-dir "build/$name" --output-on-failure -j "$jobs" 2>&1 | tee "$logs/$name-ctest.log" || true
  count "$logs/$name-ctest.log"
}

run_native gcc -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++
run_native clang-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DWSKEMU_SANITIZE=address,undefined -DWSKEMU_TEST_INSTALL=OFF

if [[ "${WSKEMU_SKIP_WINDOWS:-0}" != 1 ]]; then
  echo "== mingw (Wine)"
  scripts/windows/run-tests.sh 2>&1 | tee "$logs/mingw-ctest.log" || true
  count "$logs/mingw-ctest.log"
fi

echo
echo "wskemu: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
