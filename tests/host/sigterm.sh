#!/usr/bin/env bash
# Starts `wskemu run MODULE` with no time limit, sends it SIGTERM once it
# runs, and checks that it unloads the driver, reports the signal and exits 0.
#   sigterm.sh WSKEMU MODULE
set -euo pipefail
wskemu=$1
module=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$wskemu" run "$module" >"$out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
    grep -q "wskemu: running" "$out" && break
    sleep 0.05
done
grep -q "wskemu: running" "$out" || { cat "$out"; echo "never started"; kill -KILL "$pid"; exit 1; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
cat "$out"
[[ $status -eq 0 ]] || { echo "exit status $status, expected 0"; exit 1; }
grep -q "stopped by SIGTERM" "$out" || { echo "no 'stopped by SIGTERM'"; exit 1; }
grep -Eq "DriverUnload +called" "$out" || { echo "DriverUnload not called"; exit 1; }
grep -q "wskemu: nothing reported" "$out" || { echo "something reported"; exit 1; }
