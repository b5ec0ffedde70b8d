#!/usr/bin/env bash
# CMAKE_CROSSCOMPILING_EMULATOR for the MinGW build: run a Windows program
# under headless Wine.
#   wine-run.sh --prefix WINEPREFIX_DIR program.exe [args...]
# Starts a warm, detached wineserver first when none serves the prefix (so a
# plain `ctest` works), then runs the program with its exit status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=wine-env.sh
source "$here/wine-env.sh"

prefix_dir=${WINEPREFIX:-}
if [[ ${1:-} == --prefix ]]; then
    # run-tests.sh exports WINEPREFIX; when it is set it wins, so the server it
    # keeps warm is the one used.
    [[ -n $prefix_dir ]] || prefix_dir=$2
    shift 2
fi
: "${prefix_dir:?usage: wine-run.sh --prefix DIR program.exe [args...]}"
wskemu_wine_env "$prefix_dir"

if ! wskemu_wine_running; then
    # Serialise concurrent first starts (ctest -j).
    exec 9>"$WINEPREFIX.lock"
    flock 9
    wskemu_wine_running || wskemu_wine_start 9>&-
    flock -u 9
    exec 9>&-
fi

exec "$WSKEMU_WINE_LOADER" "$@"
