#!/usr/bin/env bash
# Installs what is missing, builds wskemu and runs the whole test suite. The
# builds are the CMake presets of CMakePresets.json (docs/ci.md):
#   1. gcc    g++, Debug (with the install + find_package consumer check),
#             then the short soak run (scripts/soak.sh --short)
#   2. asan   clang++ with AddressSanitizer and UndefinedBehaviorSanitizer
#   3. tsan   clang++ with ThreadSanitizer
#   4. fuzz   each libFuzzer target for WSKEMU_FUZZ_SECONDS (default 25) s
#   5. mingw  the Windows build (MinGW-w64), run under Wine
# Set WSKEMU_SKIP_WINDOWS=1 to skip step 5. With WSKEMU_DISCARD_BUILDS=1 (as
# .ci/run sets it) each step's build tree is deleted once its tests have run,
# so the run needs the disk of one build tree at a time, not of all five; each
# step prints the disk free before it starts and the size of what it deletes.
# Ends with the time each step took, then, when something failed, each failed
# test with the first lines of its failure, and last "N passed, N failed" (a
# fuzz target counts as one test): a CI that keeps only the tail of the output
# still names the culprit.
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
timings=()
failures=()

# Adds the counts of one step's log to the totals: ctest's summary line, or
# the "name: N passed, N failed" line of the fuzz script.
count() {
  local line total failures
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$1" | tail -n 1 || true)
  if [[ -n "$line" ]]; then
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    failures=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    passed=$((passed + total - failures))
    failed=$((failed + failures))
    return
  fi
  line=$(grep -E "^[a-z]+: [0-9]+ passed, [0-9]+ failed$" "$1" | tail -n 1 || true)
  if [[ -n "$line" ]]; then
    passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
    failed=$((failed + $(sed -E 's/.*, ([0-9]+) failed$/\1/' <<<"$line")))
    return
  fi
  failed=$((failed + 1))  # the step died before it could report
  failures+=("$(basename "$1" .log): the step ended without a summary line")
}

# Collects one ctest log's failed tests, each with the lines of its output that
# say why (gtest's failures, sanitizer and verifier reports), at most 6.
collect_ctest_failures() {
  local step=$1 log=$2 block
  while IFS= read -r block; do
    if [[ -n "$block" ]]; then failures+=("$step: $block"); fi
  done < <(awk '
    function flush() { if (name != "") print name (why != "" ? " |" why : ""); name = ""; why = ""; n = 0 }
    / Test +#[0-9]+: .*\*\*\*(Failed|Timeout|Exception)/ {
      flush(); name = $0; sub(/^.*Test +#[0-9]+: /, "", name); sub(/ \.\.\.+.*/, "", name); sub(/ +# GetParam.*/, "", name); next }
    / Test +#[0-9]+: | Start +[0-9]+: |^The following tests/ { flush(); next }
    name != "" && n < 6 && /Failure|Expected|Which is|actual|ERROR|error:|SUMMARY|rule|Value of|timed out|Timeout/ {
      line = $0; gsub(/^[ \t]+/, "", line); why = why " " substr(line, 1, 200); n++ }
    END { flush() }' "$log")
}

# Prints the space free where the build trees go: a step that runs out of disk
# fails with a compiler or linker message that does not say how short it was.
show_disk() {
  echo "disk: $(df -h --output=avail . | tail -n 1 | tr -d ' ') free before $1"
}

# Deletes build trees that no later step needs, if asked to (see above).
discard() {
  local dir
  if [[ "${WSKEMU_DISCARD_BUILDS:-0}" != 1 ]]; then return; fi
  for dir in "$@"; do
    if [[ -d "$dir" ]]; then
      echo "disk: deleting $dir ($(du -sh "$dir" | cut -f 1))"
      rm -rf "$dir"
    fi
  done
}

# Configures, builds and tests one preset.
run_preset() {
  local preset=$1 start=$SECONDS
  echo "== $preset"
  show_disk "$preset"
  if cmake --preset "$preset" >"$logs/$preset-configure.log" && cmake --build --preset "$preset" -j "$jobs"; then
    ctest --preset "$preset" -j "$jobs" 2>&1 | tee "$logs/$preset-ctest.log" || true
  else
    echo "$preset: configure or build failed" | tee "$logs/$preset-ctest.log"
  fi
  count "$logs/$preset-ctest.log"
  collect_ctest_failures "$preset" "$logs/$preset-ctest.log"
  timings+=("$preset $((SECONDS - start)) s")
}

run_preset gcc

echo "== soak (short)"
start=$SECONDS
scripts/soak.sh --short 2>&1 | tee "$logs/soak.log" || true
count "$logs/soak.log"
if ! grep -qE "^soak: [0-9]+ passed, 0 failed" "$logs/soak.log"; then
  failures+=("soak: $(grep -E "FAIL|[Ee]rror|lost|mismatch" "$logs/soak.log" | head -n 3 | tr '\n' ' ' || true)")
fi
timings+=("soak $((SECONDS - start)) s")
discard build/gcc

run_preset asan
discard build/asan
run_preset tsan
discard build/tsan

echo "== fuzz"
show_disk fuzz
start=$SECONDS
scripts/fuzz.sh 2>&1 | tee "$logs/fuzz.log" || true
count "$logs/fuzz.log"
while IFS= read -r line; do failures+=("fuzz: $line"); done < <(grep -E "^fuzz_[a-z0-9_]+: (FAILED|no such target)" "$logs/fuzz.log")
timings+=("fuzz $((SECONDS - start)) s")
discard build/fuzz

if [[ "${WSKEMU_SKIP_WINDOWS:-0}" != 1 ]]; then
  echo "== mingw (Wine)"
  show_disk mingw
  start=$SECONDS
  scripts/windows/run-tests.sh 2>&1 | tee "$logs/mingw-ctest.log" || true
  count "$logs/mingw-ctest.log"
  collect_ctest_failures mingw "$logs/mingw-ctest.log"
  timings+=("mingw $((SECONDS - start)) s")
  discard build/mingw build/mingw-deps
fi

echo
printf 'time: %s\n' "${timings[@]}"
if ((${#failures[@]} > 0)); then
  echo "failed:"
  printf '  %s\n' "${failures[@]}"
fi
echo "wskemu: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
