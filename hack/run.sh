#!/usr/bin/env bash
# Installs dependencies, builds, and starts kilnd on its embedded defaults
# (data in ./.kiln). Extra arguments are passed to kilnd.
#
# With `--driver qemu` (or `--driver auto` on a host with hardware KVM) and
# no `--guest-image`, the builder VMs' guest image is built first (cached by
# content hash under DATA_DIR/images; a few minutes the first time, about a
# second afterwards) and passed to kilnd.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
hack/setup.sh
# Only what it runs: the tests and benchmarks are hack/test.sh's.
dir="$(hack/build.sh kilnd kiln-agent kilnctl | tail -n 1)"

driver=auto data_dir=.kiln has_image=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  next="${args[i + 1]:-}"
  case "${args[i]}" in
    --driver) driver="$next" ;;
    --driver=*) driver="${args[i]#--driver=}" ;;
    --data-dir) data_dir="$next" ;;
    --data-dir=*) data_dir="${args[i]#--data-dir=}" ;;
    --guest-image | --guest-image=*) has_image=1 ;;
  esac
done
wants_qemu=0
case "$driver" in
  qemu) wants_qemu=1 ;;
  auto) [ -e /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; } && wants_qemu=1 ;;
esac
if [ "$wants_qemu" = 1 ] && [ "$has_image" = 0 ]; then
  image="$(hack/build-guest-image.sh "$data_dir/images" --agent "$dir/cmd/kiln-agent/kiln-agent" | tail -n 1)"
  args+=(--guest-image "$image")
fi
exec "$dir/cmd/kilnd/kilnd" "${args[@]}"
