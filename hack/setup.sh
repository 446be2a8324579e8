#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the benchmarks need.
# Idempotent and quiet when everything is already present. Needs root (or sudo).
set -o errexit -o nounset -o pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  clang clang-14 clang-format libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev libcli11-dev
  libcpprest-dev libssl-dev openssl prometheus-cpp-dev prometheus
  libprotobuf-dev protobuf-compiler
  # etcd, and gRPC for its native API (the store benchmark's etcd client)
  etcd-server etcd-client curl libgrpc++-dev protobuf-compiler-grpc
  # builds: buildah (chroot isolation), the embedded registry, the offline
  # base image, and skopeo to inspect pushed images in tests
  buildah runc uidmap fuse-overlayfs golang-github-containers-common
  netavark aardvark-dns containernetworking-plugins iptables
  docker-registry busybox-static skopeo
  # tests kill builders with pkill; build_bench.sh picks ports with python3
  procps python3
  # qemu builder VMs: hack/build-guest-image.sh (Debian cloud kernel fetched
  # with apt-get download, modules.dep from depmod, rootfs by debootstrap)
  qemu-system-x86 debootstrap kmod cpio e2fsprogs
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
