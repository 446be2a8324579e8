#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test with ctest.
#   hack/test.sh                  g++ build, all tests
#   hack/test.sh --sanitize       ASan + UBSan build, all tests
#   hack/test.sh --thread-safety  clang -Wthread-safety build, all tests
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
hack/setup.sh
dir="$(hack/build.sh "$@" | tail -n 1)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$dir" --output-on-failure -j "${KILN_TEST_JOBS:-2}" \
  --timeout 600
