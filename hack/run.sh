#!/usr/bin/env bash
# Installs dependencies, builds, and starts kilnd on its embedded defaults
# (data in ./.kiln). Extra arguments are passed to kilnd.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
hack/setup.sh
dir="$(hack/build.sh | tail -n 1)"
exec "$dir/cmd/kilnd/kilnd" "$@"
