#!/usr/bin/env bash
# Builds wskemu_bench (g++, -O2) and runs every benchmark, wskemu and its
# baseline side by side in one process, then prints the ratio table
# (docs/performance.md). Extra arguments go to Google Benchmark, e.g.
#   scripts/bench.sh --benchmark_filter=ping_pong
# The machine should be quiet: the script says so when the load average is
# above 1.5. WSKEMU_BENCH_REPETITIONS (default 3) and WSKEMU_BENCH_MIN_TIME
# (seconds per repetition, default 0.2) tune the run; the table shows medians.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/install-deps.sh
build=build/bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSKEMU_BUILD_TESTS=OFF \
  -DWSKEMU_BUILD_EXAMPLES=OFF -DWSKEMU_BUILD_HOST=OFF -DWSKEMU_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target wskemu_bench

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v load="$load" 'BEGIN { exit !(load > 1.5) }'; then
  echo "wskemu: warning: load average $load; figures taken on a busy machine are noise" >&2
fi
"$build/bench/wskemu_bench" --benchmark_repetitions="${WSKEMU_BENCH_REPETITIONS:-3}" \
  --benchmark_enable_random_interleaving=true --benchmark_min_time="${WSKEMU_BENCH_MIN_TIME:-0.2}" \
  --benchmark_report_aggregates_only=true "$@" | tee "$build/results.md"
