#!/usr/bin/env bash
# Configures and builds Kiln. Usage: hack/build.sh [--sanitize|--thread-safety]
#   (default)         build/          g++, RelWithDebInfo
#   --sanitize        build-asan/     ASan + UBSan
#   --thread-safety   build-tsa/      clang with -Wthread-safety -Werror
# Prints the build directory on the last line of stdout.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
args=(-G Ninja)
case "$mode" in
  "") dir=build ;;
  --sanitize) dir=build-asan; args+=(-DKILN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
  --thread-safety)
    dir=build-tsa
    args+=(-DKILN_THREAD_SAFETY=ON -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "usage: hack/build.sh [--sanitize|--thread-safety]" >&2; exit 2 ;;
esac

jobs="${KILN_JOBS:-$(nproc)}"
cmake -S . -B "$dir" "${args[@]}" >/dev/null
ninja -C "$dir" -j "$jobs" >&2
echo "$dir"
