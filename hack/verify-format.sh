#!/usr/bin/env bash
# Fails when any C++ file differs from what clang-format makes of it.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc')
[ ${#files[@]} -eq 0 ] && exit 0
clang-format --dry-run --Werror "${files[@]}"
