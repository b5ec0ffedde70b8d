#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset "fuzz": clang, ASan+UBSan) and
# runs each for a bounded time, starting from its seed corpus in
# tests/fuzz/corpus/<target>/. A crash, a hang (an input running over 30 s),
# a sanitizer report, a leak at exit or a failed property fails the target.
#
#   scripts/fuzz.sh [--seconds N] [--merge] [TARGET...]
#
#   --seconds N  time per target (default: $WSKEMU_FUZZ_SECONDS, else 25)
#   --merge      afterwards, add the new inputs that reach new code to the
#                seed corpus (libFuzzer -merge=1, by edge coverage only, which
#                keeps the corpus small)
#   TARGET       wsk_buf, sockaddr, control_socket, control_client,
#                rtl_ip_address, address_info_names, connection_sequence
#                (default: all)
#
# Prints the executions per target and ends with "fuzz: N passed, N failed".
# Inputs found during the run go to build/fuzz/corpus/<target>/, crashes to
# build/fuzz/artifacts/, logs to build/test-logs/fuzz-<target>.log.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

seconds=${WSKEMU_FUZZ_SECONDS:-25}
merge=0
targets=()
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  targets=(wsk_buf sockaddr control_socket control_client rtl_ip_address address_info_names connection_sequence)
fi

logs=build/test-logs
mkdir -p "$logs" build/fuzz/artifacts
echo "== fuzz: building (preset fuzz)"
cmake --preset fuzz >"$logs/fuzz-configure.log"
cmake --build --preset fuzz -j "$(nproc)"

passed=0
failed=0
total=0
for target in "${targets[@]}"; do
  binary=build/fuzz/tests/fuzz/fuzz_$target
  seeds=tests/fuzz/corpus/$target
  found=build/fuzz/corpus/$target
  log=$logs/fuzz-$target.log
  if [[ ! -x $binary || ! -d $seeds ]]; then
    echo "fuzz_$target: no such target (or no seed corpus in $seeds)"
    failed=$((failed + 1))
    continue
  fi
  mkdir -p "$found"
  start=$SECONDS
  status=0
  # -detect_leaks=0: per-input leak checks rerun LeakSanitizer after every
  # input, because the pool's quarantine keeps freed blocks; each target
  # checks kernel objects per input itself, and LeakSanitizer still checks
  # the heap at exit.
  WSKEMU_LOG=off "$binary" "$found" "$seeds" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
    -detect_leaks=0 -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$target-" >"$log" 2>&1 ||
    status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  runs=${runs:-0}
  total=$((total + runs))
  if ((status == 0)); then
    passed=$((passed + 1))
    echo "fuzz_$target: $runs executions in $((SECONDS - start)) s, corpus $(find "$seeds" -type f | wc -l) seeds"
  else
    failed=$((failed + 1))
    echo "fuzz_$target: FAILED (exit status $status) after $runs executions; the end of $log:"
    tail -n 60 "$log"
  fi
  if ((merge)); then
    WSKEMU_LOG=off "$binary" -merge=1 -use_counters=0 -detect_leaks=0 "$seeds" "$found" >>"$log" 2>&1
  fi
done

echo
echo "fuzz: $total executions in all"
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
