#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages wskemu needs that are not there yet.
#   scripts/install-deps.sh            native build (g++, clang, Boost, fmt, spdlog, GoogleTest, Google Benchmark)
#   scripts/install-deps.sh --windows  also the MinGW-w64 cross compiler and Wine
set -euo pipefail

packages=(cmake ninja-build g++ clang libboost-dev libfmt-dev libspdlog-dev libgtest-dev libgmock-dev googletest
          libbenchmark-dev)
if [[ "${1:-}" == "--windows" ]]; then
  packages+=(g++-mingw-w64-x86-64-posix mingw-w64-x86-64-dev wine64)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "wskemu: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
