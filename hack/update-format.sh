#!/usr/bin/env bash
# Rewrites every C++ file with clang-format.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
git ls-files '*.h' '*.cc' | xargs -r clang-format -i
