#!/usr/bin/env bash
# Build the dependency prefix for the MinGW-w64 (Windows x86_64) build, from
# Debian packages only:
#   googletest       -> GoogleTest/GoogleMock compiled from /usr/src/googletest
#   libfmt-dev       -> fmt headers copied, used header-only (FMT_HEADER_ONLY)
#   libspdlog-dev    -> spdlog headers copied, compiled into one static library
#   libboost-dev     -> a symlink to /usr/include/boost (Asio is header-only)
# plus CMake config files giving the target names the project uses:
# fmt::fmt, spdlog::spdlog, Boost::headers, GTest::gtest/gtest_main/gmock.
#
# Usage: scripts/windows/build-deps.sh [PREFIX]     (default build/mingw-deps)
#
# Why spdlog is compiled, not header-only: header-only spdlog includes
# <windows.h> from almost every header (details/os-inl.h), and driver-side
# files include both log.hpp and our include/wdk headers, which must never meet
# the SDK's. In compiled mode (SPDLOG_COMPILED_LIB) the public headers stay
# free of <windows.h>; only the library's own translation unit sees it.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
prefix=${1:-$repo/build/mingw-deps}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
toolchain=$repo/cmake/toolchains/mingw-w64-x86_64.cmake
jobs=${WSKEMU_JOBS:-2}
work=$prefix/_build
cxx=x86_64-w64-mingw32-g++-posix
ar=x86_64-w64-mingw32-gcc-ar-posix

for f in /usr/src/googletest/CMakeLists.txt /usr/include/fmt/format.h /usr/include/spdlog/spdlog.h \
         /usr/include/boost/asio.hpp; do
    [[ -e $f ]] || { echo "build-deps: missing $f (install googletest libfmt-dev libspdlog-dev libboost-dev)" >&2; exit 1; }
done
command -v "$cxx" >/dev/null || { echo "build-deps: $cxx not found (install g++-mingw-w64-x86-64-posix)" >&2; exit 1; }

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

# ---- headers -----------------------------------------------------------------
mkdir -p "$prefix/include" "$prefix/lib/cmake"
rm -rf "$prefix/include/fmt" "$prefix/include/spdlog" "$prefix/include/boost"
cp -r /usr/include/fmt "$prefix/include/fmt"
cp -r /usr/include/spdlog "$prefix/include/spdlog"
# Boost is ~150 MB of headers; a link to the one directory keeps the rest of
# /usr/include off the MinGW include path.
ln -s /usr/include/boost "$prefix/include/boost"

# ---- GoogleTest / GoogleMock -----------------------------------------------------
# Static libraries; gtest uses std::thread-compatible winpthreads (the -posix
# compiler), so its thread-safety is on as on Linux.
cmake -S /usr/src/googletest -B "$work/googletest" "${generator[@]}" \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DWSKEMU_MINGW_DEPS="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DBUILD_GMOCK=ON -DINSTALL_GTEST=ON -DBUILD_SHARED_LIBS=OFF >/dev/null
cmake --build "$work/googletest" -j "$jobs"
cmake --install "$work/googletest" >/dev/null

# ---- spdlog, compiled ------------------------------------------------------------
# One translation unit with every -inl.h file and the explicit instantiations of
# the sink and factory templates that the headers declare but, in compiled mode,
# do not define.
mkdir -p "$work/spdlog"
cat >"$work/spdlog/spdlog_lib.cpp" <<'CPP'
// wskemu MinGW build: spdlog as a compiled library (SPDLOG_COMPILED_LIB).
#include <spdlog/async.h>
#include <spdlog/async_logger-inl.h>
#include <spdlog/cfg/helpers-inl.h>
#include <spdlog/common-inl.h>
#include <spdlog/details/backtracer-inl.h>
#include <spdlog/details/file_helper-inl.h>
#include <spdlog/details/log_msg-inl.h>
#include <spdlog/details/log_msg_buffer-inl.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/details/os-inl.h>
#include <spdlog/details/periodic_worker-inl.h>
#include <spdlog/details/registry-inl.h>
#include <spdlog/details/thread_pool-inl.h>
#include <spdlog/logger-inl.h>
#include <spdlog/pattern_formatter-inl.h>
#include <spdlog/sinks/base_sink-inl.h>
#include <spdlog/sinks/basic_file_sink-inl.h>
#include <spdlog/sinks/rotating_file_sink-inl.h>
#include <spdlog/sinks/sink-inl.h>
#include <spdlog/sinks/stdout_color_sinks-inl.h>
#include <spdlog/sinks/stdout_sinks-inl.h>
#include <spdlog/sinks/wincolor_sink-inl.h>
#include <spdlog/spdlog-inl.h>

#include <mutex>

namespace spdlog {
template logger::logger(std::string, sinks_init_list::iterator, sinks_init_list::iterator);

namespace sinks {
template class base_sink<std::mutex>;
template class base_sink<details::null_mutex>;
template class basic_file_sink<std::mutex>;
template class basic_file_sink<details::null_mutex>;
template class rotating_file_sink<std::mutex>;
template class rotating_file_sink<details::null_mutex>;
template class stdout_sink_base<details::console_mutex>;
template class stdout_sink_base<details::console_nullmutex>;
template class stdout_sink<details::console_mutex>;
template class stdout_sink<details::console_nullmutex>;
template class stderr_sink<details::console_mutex>;
template class stderr_sink<details::console_nullmutex>;
template class wincolor_sink<details::console_mutex>;
template class wincolor_sink<details::console_nullmutex>;
template class wincolor_stdout_sink<details::console_mutex>;
template class wincolor_stdout_sink<details::console_nullmutex>;
template class wincolor_stderr_sink<details::console_mutex>;
template class wincolor_stderr_sink<details::console_nullmutex>;
}  // namespace sinks

#define WSKEMU_SPDLOG_FACTORIES(F)                                                              \
    template std::shared_ptr<logger> stdout_color_mt<F>(const std::string &, color_mode);      \
    template std::shared_ptr<logger> stdout_color_st<F>(const std::string &, color_mode);      \
    template std::shared_ptr<logger> stderr_color_mt<F>(const std::string &, color_mode);      \
    template std::shared_ptr<logger> stderr_color_st<F>(const std::string &, color_mode);      \
    template std::shared_ptr<logger> stdout_logger_mt<F>(const std::string &);                 \
    template std::shared_ptr<logger> stdout_logger_st<F>(const std::string &);                 \
    template std::shared_ptr<logger> stderr_logger_mt<F>(const std::string &);                 \
    template std::shared_ptr<logger> stderr_logger_st<F>(const std::string &);
WSKEMU_SPDLOG_FACTORIES(synchronous_factory)
WSKEMU_SPDLOG_FACTORIES(async_factory)
WSKEMU_SPDLOG_FACTORIES(async_factory_nonblock)
}  // namespace spdlog
CPP
"$cxx" -std=c++20 -O2 -g0 -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL -DFMT_HEADER_ONLY \
    -D_WIN32_WINNT=0x0A00 -DWIN32_LEAN_AND_MEAN -DNOMINMAX \
    -I"$prefix/include" -c "$work/spdlog/spdlog_lib.cpp" -o "$work/spdlog/spdlog_lib.o"
rm -f "$prefix/lib/libspdlog.a"
"$ar" rcs "$prefix/lib/libspdlog.a" "$work/spdlog/spdlog_lib.o"

# ---- CMake config files ------------------------------------------------------------
# Same target names as Debian's packages, so the project's find_package calls
# work unchanged.
mkdir -p "$prefix/lib/cmake/fmt" "$prefix/lib/cmake/spdlog" "$prefix/lib/cmake/Boost"
fmt_version=$(sed -n 's/^#define FMT_VERSION \([0-9]*\)$/\1/p' /usr/include/fmt/core.h)
fmt_version=$((fmt_version / 10000)).$((fmt_version / 100 % 100)).$((fmt_version % 100))
spdlog_version=$(awk '/#define SPDLOG_VER_(MAJOR|MINOR|PATCH)/ {v = v (v ? "." : "") $3} END {print v}' \
    /usr/include/spdlog/version.h)
boost_version=$(sed -n 's/^#define BOOST_LIB_VERSION "\(.*\)"$/\1/p' /usr/include/boost/version.hpp | tr _ .)

write_version_file() {  # name version
    cat >"$prefix/lib/cmake/$1/$1ConfigVersion.cmake" <<EOF
# wskemu MinGW prefix: version check for $1 ($2); any same-or-newer major.minor request matches.
set(PACKAGE_VERSION "$2")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
EOF
}

cat >"$prefix/lib/cmake/fmt/fmtConfig.cmake" <<'EOF'
# wskemu MinGW prefix: fmt from Debian's headers, header-only.
get_filename_component(_fmt_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET fmt::fmt)
  add_library(fmt::fmt INTERFACE IMPORTED)
  set_target_properties(fmt::fmt PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_fmt_prefix}/include"
    INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY=1")
  add_library(fmt::fmt-header-only ALIAS fmt::fmt)
endif()
set(fmt_FOUND TRUE)
EOF
write_version_file fmt "$fmt_version"

cat >"$prefix/lib/cmake/spdlog/spdlogConfig.cmake" <<'EOF'
# wskemu MinGW prefix: spdlog from Debian's headers, compiled into
# lib/libspdlog.a (see scripts/windows/build-deps.sh for why not header-only).
include(CMakeFindDependencyMacro)
find_dependency(fmt)
find_dependency(Threads)
get_filename_component(_spdlog_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET spdlog::spdlog)
  add_library(spdlog::spdlog STATIC IMPORTED)
  set_target_properties(spdlog::spdlog PROPERTIES
    IMPORTED_LOCATION "${_spdlog_prefix}/lib/libspdlog.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_spdlog_prefix}/include"
    INTERFACE_COMPILE_DEFINITIONS "SPDLOG_COMPILED_LIB;SPDLOG_FMT_EXTERNAL"
    INTERFACE_LINK_LIBRARIES "fmt::fmt;Threads::Threads")
endif()
set(spdlog_FOUND TRUE)
EOF
write_version_file spdlog "$spdlog_version"

cat >"$prefix/lib/cmake/Boost/BoostConfig.cmake" <<'EOF'
# wskemu MinGW prefix: Boost headers only (Asio needs nothing compiled).
get_filename_component(_boost_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET Boost::headers)
  add_library(Boost::headers INTERFACE IMPORTED)
  set_target_properties(Boost::headers PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_boost_prefix}/include"
    INTERFACE_LINK_LIBRARIES "ws2_32;mswsock")
  add_library(Boost::boost ALIAS Boost::headers)
endif()
set(Boost_FOUND TRUE)
set(Boost_INCLUDE_DIRS "${_boost_prefix}/include")
EOF
write_version_file Boost "$boost_version"
# Record the version components find_package(Boost) users sometimes read.
echo "set(Boost_VERSION \"$boost_version\")" >>"$prefix/lib/cmake/Boost/BoostConfig.cmake"

echo "build-deps: prefix ready at $prefix (fmt $fmt_version, spdlog $spdlog_version, Boost $boost_version," \
     "googletest from /usr/src/googletest)"
