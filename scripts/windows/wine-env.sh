# shellcheck shell=bash
# Headless Wine for the MinGW test build. Source this file, then:
#   wskemu_wine_env PREFIX_DIR   export WINEPREFIX=PREFIX_DIR and the quiet settings
#   wskemu_wine_start            create the prefix if new, start a warm persistent wineserver
#   wskemu_wine_stop             stop that wineserver and everything it runs
#   wskemu_wine_running          true when the server started here still runs
#
# Why a warm server: a cold start of a Wine program costs ~3 s, and a wineserver
# (or the services wineboot starts) first launched by a test inherits ctest's
# output pipe, so ctest waits for it forever. Starting both here, detached and
# with stdio on /dev/null, avoids both problems.

WSKEMU_WINE_LOADER=${WSKEMU_WINE_LOADER:-/usr/lib/wine/wine64}
# Debian's /usr/lib/wine/wineserver wrapper forces -p0 (exit at once when idle);
# call the real server so -p (persistent) is honoured.
WSKEMU_WINESERVER=${WSKEMU_WINESERVER:-/usr/lib/wine/wineserver64}

wskemu_wine_env() {
    local dir=$1
    mkdir -p "$dir"
    WINEPREFIX=$(cd "$dir" && pwd)
    export WINEPREFIX
    export WINEARCH=win64
    export WINEDEBUG=-all
    # No Mono/Gecko install prompts, no desktop menu entries.
    export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
    export WINESERVER=$WSKEMU_WINESERVER
    export WINELOADER=$WSKEMU_WINE_LOADER
    # Headless: console programs need no display; do not let Wine try one.
    unset DISPLAY WAYLAND_DISPLAY
}

# The persistent server runs in the foreground of its own session (setsid -f),
# so its pid is known; it is kept in the prefix directory.
wskemu_wine_running() {
    local pid
    pid=$(cat "$WINEPREFIX/.wskemu-wineserver.pid" 2>/dev/null) || return 1
    [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == wineserver* ]]
}

wskemu_wine_start() {
    : "${WINEPREFIX:?call wskemu_wine_env first}"
    if [[ ! -f $WINEPREFIX/system.reg ]]; then
        # First use of this prefix: create it, then wait until every process
        # of that session has ended.
        "$WSKEMU_WINE_LOADER" wineboot -i </dev/null >/dev/null 2>&1
        "$WSKEMU_WINESERVER" -w
    fi
    if ! wskemu_wine_running; then
        # Persistent server in a session of its own, detached from our stdio
        # (and from any pipe ctest reads).
        setsid "$WSKEMU_WINESERVER" -f -p </dev/null >/dev/null 2>&1 &
        echo $! >"$WINEPREFIX/.wskemu-wineserver.pid"
        disown
        # Wait (up to 10 s) for its socket, so the wineboot below connects to it
        # instead of racing to start a server of its own.
        local dev ino i
        read -r dev ino < <(stat -c '%d %i' "$WINEPREFIX")
        for ((i = 0; i < 100; i++)); do
            compgen -G "/tmp/*wine*/$(printf 'server-%x-%x' "$dev" "$ino")/socket" >/dev/null && break
            sleep 0.1
        done
    fi
    # Start the session's services (winedevice, plugplay...) now, not from
    # inside the first test.
    "$WSKEMU_WINE_LOADER" wineboot </dev/null >/dev/null 2>&1
}

wskemu_wine_stop() {
    [[ -n ${WINEPREFIX:-} ]] || return 0
    "$WSKEMU_WINESERVER" -k >/dev/null 2>&1 || true
    rm -f "$WINEPREFIX/.wskemu-wineserver.pid"
}
