#!/usr/bin/env bash
# Builds the guest image of the qemu builder VMs (docs/qemu.md), offline
# from the Debian mirror apt uses:
#   vmlinuz            the Debian cloud kernel (linux-image-cloud-amd64)
#   initramfs.cpio.gz  static busybox + the virtio/overlay modules + hack/guest/init
#   root.img           ext4, read-only and shared by every VM: debootstrap
#                      --variant=minbase bookworm + buildah & co + kiln-agent
#                      + hack/guest/kiln-guest-run
#   manifest.txt       what went in (versions, hash), sizes and timings
#
# Usage: hack/build-guest-image.sh OUT_DIR [--agent PATH]
#   --agent   the kiln-agent binary (default build/cmd/kiln-agent/kiln-agent)
# The output goes to OUT_DIR/guest-<hash>/, named by a content hash of this
# script, hack/guest/*, the agent binary, the mirror and the candidate
# versions of every package used; when that directory exists the run is
# instant (~1.5 s, mostly apt-cache). Builds are serialized by a lock on
# OUT_DIR/.lock; images older than the previous one are removed after a
# build. Prints the directory on the last line of stdout. Needs root
# (debootstrap, chroot); installs its host packages when missing.
set -o errexit -o nounset -o pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

usage() { echo "usage: hack/build-guest-image.sh OUT_DIR [--agent PATH]" >&2; exit 2; }
[ $# -ge 1 ] || usage
out_dir="$1"; shift
agent="$repo/build/cmd/kiln-agent/kiln-agent"
while [ $# -gt 0 ]; do
  case "$1" in
    --agent) [ $# -ge 2 ] || usage; agent="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "build-guest-image: needs root (debootstrap, chroot)" >&2; exit 1; }
[ -x "$agent" ] || { echo "build-guest-image: no kiln-agent at $agent (run hack/build.sh)" >&2; exit 1; }

t0=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
step() { echo "build-guest-image: $*" >&2; }

# --- host packages -----------------------------------------------------------
host_packages=(qemu-system-x86 debootstrap e2fsprogs busybox-static kmod cpio gzip)
missing=()
for p in "${host_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- inputs --------------------------------------------------------------------
suite=bookworm
# The mirror apt uses for the main archive (deb822 .sources or one-line lists).
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '
      /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) hit = 1 }
      /^$/ { if (hit && uri) print uri; uri = ""; hit = 0 }
      END { if (hit && uri) print uri }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '$1 == "deb" && $3 == s { print $2 }' "$f"
  done
}
mirror="${KILN_DEBIAN_MIRROR:-$(debian_mirror | grep -v -m 1 security || true)}"
[ -n "$mirror" ] || { echo "build-guest-image: no $suite mirror in /etc/apt (set KILN_DEBIAN_MIRROR)" >&2; exit 1; }

# The kernel: the package linux-image-cloud-amd64 points at.
kernel_pkg="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
  awk '/Depends: linux-image-[0-9]/ { print $2; exit }')"
[ -n "$kernel_pkg" ] || { echo "build-guest-image: cannot resolve linux-image-cloud-amd64 (apt-get update?)" >&2; exit 1; }
kernel_release="${kernel_pkg#linux-image-}"

# The Debian packages holding kiln-agent's shared libraries on this host
# (ldd + dpkg -S), so any build of the agent (release, ASan/UBSan) runs in the
# guest. Fails when a library does not come from a package.
agent_lib_packages() {
  local libs lib real pkg
  libs="$(ldd "$agent" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')"
  for lib in $libs; do
    real="$(realpath "$lib")"
    pkg="$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null ||
      dpkg -S "${real#/usr}" 2>/dev/null || dpkg -S "/usr$real" 2>/dev/null)" ||
      { echo "build-guest-image: $lib (needed by $agent) is not from a Debian package" >&2; return 1; }
    echo "${pkg%%:*}"  # the first package (a path may be diverted)
  done | sort -u
}
agent_packages=()
mapfile -t agent_packages < <(agent_lib_packages)
[ "${#agent_packages[@]}" -gt 0 ] || exit 1
# Into the root image: buildah with what it needs for --isolation chroot,
# plus the runtime libraries of the (dynamically linked) kiln-agent.
rootfs_packages=(buildah runc uidmap fuse-overlayfs golang-github-containers-common
  ca-certificates "${agent_packages[@]}")
# Modules the initramfs loads (with their dependencies, from modules.dep).
modules=(virtio_mmio virtio_blk virtio_net virtio_console overlay fuse)

# "PACKAGE VERSION" per line, from one apt-cache call (each call costs ~0.5 s).
versions="$(apt-cache policy "$kernel_pkg" busybox-static "${rootfs_packages[@]}" |
  awk '/^[^ ]/ { sub(":$", ""); p = $0 } /Candidate:/ { print p, $2 }')"
if echo "$versions" | grep -q -E ' (\(none\))?$'; then
  echo "build-guest-image: packages without a candidate version:" >&2
  echo "$versions" | grep -E ' (\(none\))?$' >&2
  exit 1
fi
hash="$( {
  sha256sum "$0" "$repo"/hack/guest/* "$agent" | awk '{ print $1 }'
  echo "$mirror $suite"; echo "$versions"; echo "${modules[*]}"
} | sha256sum | cut -c1-16)"
final="$out_dir/guest-$hash"
if [ -f "$final/manifest.txt" ]; then
  step "cached: $final ($(since "$t0") s)"
  echo "$final"
  exit 0
fi

mkdir -p "$out_dir"
exec 9>"$out_dir/.lock"
flock 9
if [ -f "$final/manifest.txt" ]; then  # built while we waited for the lock
  step "cached: $final ($(since "$t0") s)"
  echo "$final"
  exit 0
fi
work="$(mktemp -d "$out_dir/.guest-$hash.XXXXXX")"
# Unmounts whatever debootstrap or we left mounted below $work (deepest
# first) before removing it, so rm never walks into /proc, /sys or /dev.
cleanup() {
  awk -v w="$(realpath "$work")/" 'index($2, w) == 1 { print $2 }' /proc/mounts |
    sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
step "building $final (mirror $mirror, kernel $kernel_pkg)"

# --- kernel and modules --------------------------------------------------------
t=$(date +%s.%N)
mkdir -p "$work/dl" "$work/kernel"
(cd "$work/dl" && apt-get download -qq -o APT::Sandbox::User=root "$kernel_pkg" >/dev/null)
dpkg-deb -x "$work"/dl/"$kernel_pkg"_*.deb "$work/kernel"
depmod -b "$work/kernel" "$kernel_release"
cp "$work/kernel/boot/vmlinuz-$kernel_release" "$work/vmlinuz"
step "kernel: $(since "$t") s"

# --- initramfs -----------------------------------------------------------------
t=$(date +%s.%N)
moddir="$work/kernel/lib/modules/$kernel_release"
initramfs="$work/initramfs"
mkdir -p "$initramfs/bin" "$initramfs/lib/modules"
cp /bin/busybox "$initramfs/bin/busybox"
cp "$repo/hack/guest/init" "$initramfs/init"
chmod 0755 "$initramfs/init"
# modules.dep lists a module's dependencies transitively, to be loaded last
# to first (as modprobe does); keep the first occurrence of each.
for m in "${modules[@]}"; do
  line="$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$moddir/modules.dep")" ||
    { echo "build-guest-image: module $m not in $kernel_release" >&2; exit 1; }
  deps=(${line#*:})
  for ((i = ${#deps[@]} - 1; i >= 0; i--)); do echo "${deps[$i]}"; done
  echo "${line%%:*}"
done | awk '!seen[$0]++' >"$work/modules.list"
while read -r path; do
  cp "$moddir/$path" "$initramfs/lib/modules/"
  basename "$path"
done <"$work/modules.list" >"$initramfs/modules.order"
(cd "$initramfs" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$work/initramfs.cpio.gz"
step "initramfs: $(since "$t") s ($(tr '\n' ' ' <"$initramfs/modules.order"))"

# --- root image ----------------------------------------------------------------
t=$(date +%s.%N)
rootfs="$work/rootfs"
mkdir -p "$out_dir/.debs"
debootstrap --variant=minbase --cache-dir="$(cd "$out_dir/.debs" && pwd)" \
  "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
step "debootstrap: $(since "$t") s"
t=$(date +%s.%N)
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
mount -t proc proc "$rootfs/proc"
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive sh -c \
  "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${rootfs_packages[*]}" \
  >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; exit 1; }
chroot "$rootfs" apt-get clean
builder_versions="$(chroot "$rootfs" buildah --version 2>/dev/null) / $(chroot "$rootfs" dpkg-query -W -f='fuse-overlayfs ${Version}' fuse-overlayfs)"
umount "$rootfs/proc"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs/usr/sbin/policy-rc.d" \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
install -D -m 0755 "$agent" "$rootfs/usr/local/bin/kiln-agent"
install -D -m 0755 "$repo/hack/guest/kiln-guest-run" "$rootfs/usr/local/sbin/kiln-guest-run"
install -D -m 0755 /bin/busybox "$rootfs/usr/local/lib/kiln/busybox"
: >"$rootfs/etc/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$rootfs/etc/hosts"
echo kiln-builder >"$rootfs/etc/hostname"
if chroot "$rootfs" ldd /usr/local/bin/kiln-agent | grep 'not found' >&2; then
  echo "build-guest-image: kiln-agent misses libraries in the root image" >&2
  exit 1
fi
step "packages: $(since "$t") s"
t=$(date +%s.%N)
# Size: used + 25% + 64 MiB of slack for metadata; no journal (read-only).
used_kib="$(du -s -k "$rootfs" | cut -f1)"
size_mib=$(( used_kib * 5 / 4 / 1024 + 64 ))
truncate -s "${size_mib}M" "$work/root.img"
mkfs.ext4 -q -F -L kiln-root -O ^has_journal -d "$rootfs" "$work/root.img"
step "root.img: $(since "$t") s (${size_mib} MiB)"

{
  echo "hash $hash"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(since "$t0") s"
  echo "mirror $mirror $suite"
  echo "kernel_release $kernel_release"
  echo "agent $(sha256sum "$agent" | cut -d' ' -f1)"
  echo "builder $builder_versions"
  echo "modules $(tr '\n' ' ' <"$initramfs/modules.order")"
  echo "$versions"
  for f in vmlinuz initramfs.cpio.gz root.img; do echo "size $f $(stat -c %s "$work/$f")"; done
} >"$work/manifest.txt"
mkdir -p "$work/out"
mv "$work/vmlinuz" "$work/initramfs.cpio.gz" "$work/root.img" "$work/manifest.txt" "$work/out/"
rm -rf "$final"
mv "$work/out" "$final"
# Keep this image and the one before it (VMs started from it may still
# start); a running VM keeps its open root.img even when the file is gone.
ls -1dt "$out_dir"/guest-* | tail -n +3 | while read -r old; do
  step "removing old image $old"
  rm -rf --one-file-system "$old"
done
step "done: $final ($(since "$t0") s)"
echo "$final"
