#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages wskemu needs that are not there yet.
#   scripts/install-deps.sh            native build (g++, clang and its sanitizer and libFuzzer
#                                      runtimes, Boost, fmt, spdlog, GoogleTest, Google Benchmark)
#   scripts/install-deps.sh --windows  also the MinGW-w64 cross compiler and Wine
set -euo pipefail

packages=(cmake ninja-build g++ clang libboost-dev libfmt-dev libspdlog-dev libgtest-dev libgmock-dev googletest
          libbenchmark-dev)
if [[ "${1:-}" == "--windows" ]]; then
  packages+=(g++-mingw-w64-x86-64-posix mingw-w64-x86-64-dev wine64)
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
updated=0

# Installs those of the given packages that are not installed yet.
install_missing() {
  local package missing=()
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return
  fi
  echo "wskemu: installing ${missing[*]}"
  if ((!updated)); then
    "${sudo[@]}" apt-get update -qq
    updated=1
  fi
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_missing "${packages[@]}"

# clang's sanitizer and libFuzzer runtimes: a package of their own on Debian 12
# (which clang only recommends), part of clang's packages on Ubuntu 22.04.
if ! compgen -G "$(clang -print-runtime-dir)/libclang_rt.fuzzer*.a" >/dev/null; then
  install_missing libclang-rt-dev
fi
