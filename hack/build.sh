#!/usr/bin/env bash
# Configures and builds Kiln.
# Usage: hack/build.sh [--sanitize|--tsan|--fuzz-campaign] [TARGET...]
#   (default)    build/       g++, RelWithDebInfo (the benchmarks build in
#                             their own Release dirs: hack/bench/*.sh)
#   --sanitize   build-asan/  clang, ASan + UBSan, and -Wthread-safety -Werror,
#                             plus the libFuzzer targets (tests/fuzz)
#   --tsan       build-tsan/  clang, ThreadSanitizer
#   --fuzz-campaign build-fuzz/ as --sanitize at -O1 (long fuzz runs:
#                             hack/fuzz.sh --campaign)
# TARGETs are ninja targets (default: all of them), e.g. `kilnd kilnctl`.
# Uses ccache when it is installed (hack/setup.sh installs it), keyed on
# paths relative to the checkout, so a clone in another folder reuses the
# objects this one compiled. Prints the build directory on the last line of
# stdout.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

mode=""
case "${1:-}" in
  --sanitize | --tsan | --fuzz-campaign) mode="$1"; shift ;;
  --thread-safety) mode=--sanitize; shift ;;  # merged into --sanitize
  -*) echo "usage: hack/build.sh [--sanitize|--tsan|--fuzz-campaign] [TARGET...]" >&2; exit 2 ;;
esac

args=(-G Ninja)
case "$mode" in
  "") dir=build ;;
  --sanitize)
    dir=build-asan
    args+=(-DKILN_SANITIZE=address -DKILN_THREAD_SAFETY=ON -DKILN_FUZZ=ON
           -DCMAKE_CXX_COMPILER=clang++ -DKILN_BUILD_BENCH=OFF) ;;
  --fuzz-campaign)
    dir=build-fuzz
    args+=(-DKILN_SANITIZE=address -DKILN_SANITIZE_OPT=-O1 -DKILN_FUZZ=ON
           -DCMAKE_CXX_COMPILER=clang++ -DKILN_BUILD_BENCH=OFF) ;;
  --tsan)
    dir=build-tsan
    args+=(-DKILN_SANITIZE=thread -DCMAKE_CXX_COMPILER=clang++
           -DKILN_BUILD_BENCH=OFF) ;;
esac

if command -v ccache >/dev/null 2>&1; then
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-20G}"
fi

jobs="${KILN_JOBS:-$(nproc)}"
cmake -S . -B "$dir" "${args[@]}" >/dev/null
ninja -C "$dir" -j "$jobs" "$@" >&2
echo "$dir"
