#!/usr/bin/env bash
# The Windows test run, from Linux: cross compile wskemu and its tests with
# MinGW-w64 and run them under headless Wine. One command:
#
#   scripts/windows/run-tests.sh [extra ctest arguments...]
#
# Environment (all optional):
#   WSKEMU_MINGW_BUILD_DIR   build tree            (default: build/mingw)
#   WSKEMU_MINGW_DEPS        dependency prefix     (default: build/mingw-deps; built if missing)
#   WSKEMU_MINGW_BUILD_TYPE  CMAKE_BUILD_TYPE      (default: Debug)
#   WSKEMU_JOBS              parallel jobs         (default: 2)
# Exits with ctest's status (or the failing step's). docs/windows.md has the details.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${WSKEMU_MINGW_BUILD_DIR:-$repo/build/mingw}
deps=${WSKEMU_MINGW_DEPS:-$repo/build/mingw-deps}
build_type=${WSKEMU_MINGW_BUILD_TYPE:-Debug}
jobs=${WSKEMU_JOBS:-2}
export WSKEMU_JOBS=$jobs

# shellcheck source=wine-env.sh
source "$repo/scripts/windows/wine-env.sh"

step() { printf '\n=== %s (%ds)\n' "$*" "$SECONDS"; }

if [[ ! -f $deps/lib/cmake/spdlog/spdlogConfig.cmake || ! -f $deps/lib/libgtest.a ]]; then
    step "building the MinGW dependency prefix in $deps"
    "$repo/scripts/windows/build-deps.sh" "$deps"
fi

# The configure settings are the "mingw" preset's (CMakePresets.json); the
# knobs above may move the build tree and the prefix.
step "configuring $build"
(cd "$repo" && cmake --preset mingw -B "$build" -DWSKEMU_MINGW_DEPS="$deps" -DCMAKE_BUILD_TYPE="$build_type")

step "building"
cmake --build "$build" -j "$jobs"

# Warm Wine for the whole run; stop it however we leave.
wskemu_wine_env "$build/wine-prefix"
trap wskemu_wine_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
step "starting Wine (prefix $WINEPREFIX)"
wskemu_wine_start

step "running the tests under Wine"
status=0
# A test whose Wine process dies before it prints anything (seen about once in
# 500 launches) gets one more run; a real failure fails both.
(cd "$build" && ctest --output-on-failure --repeat until-pass:2 -j "$jobs" "$@") || status=$?
step "done, ctest exit status $status"
exit "$status"
