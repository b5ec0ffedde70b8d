#!/usr/bin/env bash
# Installs what is missing, builds wskemu and runs the demo: the echo client
# driver (examples/echo_client) talking through WskSend/WskReceive to a real
# echo server on loopback, the echo server driver (examples/echo_server)
# serving eight loopback clients from its accept and receive callbacks, the UDP request/response driver
# (examples/udp_request_response) retrying through WskSendTo/WskReceiveFrom,
# the HTTP client driver (examples/http_client) resolving "localhost" and
# fetching a page from a loopback HTTP server, then the kernel tour
# (examples/kernel_tour).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scripts/install-deps.sh
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSKEMU_BUILD_TESTS=OFF >/dev/null
cmake --build build/demo -j "$(nproc)" --target wskemu_echo_client wskemu_echo_server wskemu_udp_request_response \
    wskemu_http_client wskemu_kernel_tour
build/demo/examples/echo_client/wskemu_echo_client
echo
build/demo/examples/echo_server/wskemu_echo_server
echo
build/demo/examples/udp_request_response/wskemu_udp_request_response
echo
build/demo/examples/http_client/wskemu_http_client
echo
exec build/demo/examples/kernel_tour/wskemu_kernel_tour
