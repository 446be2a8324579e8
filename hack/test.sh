#!/usr/bin/env bash
# Installs dependencies, builds, and runs the tests with ctest.
#   hack/test.sh             g++ build, every test
#   hack/test.sh --sanitize  clang ASan + UBSan (+ -Wthread-safety -Werror)
#                            build, every test
#   hack/test.sh --tsan      clang ThreadSanitizer build of the concurrency
#                            tests only (tests/CMakeLists.txt lists them)
# Further arguments go to ctest, e.g. `-L unit`, `-LE slow`, `-R Store`.
# Test labels: unit, integration, slow (needs buildah, the registry or VMs),
# qemu (builder VMs), chaos (hack/chaos.sh --short).
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

mode=()
targets=()
case "${1:-}" in
  --sanitize) mode=(--sanitize); shift ;;
  --tsan) mode=(--tsan); targets=(kiln_tsan_tests); shift ;;
  --thread-safety) mode=(--sanitize); shift ;;  # merged into --sanitize
esac

hack/setup.sh
dir="$(hack/build.sh "${mode[@]}" "${targets[@]}" | tail -n 1)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
ctest --test-dir "$dir" --output-on-failure -j "${KILN_TEST_JOBS:-2}" \
  --timeout 600 "$@"
