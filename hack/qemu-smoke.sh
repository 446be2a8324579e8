#!/usr/bin/env bash
# Runs one build in a qemu builder VM by hand, the way the qemu driver will
# (docs/qemu.md): guest image from hack/build-guest-image.sh, a registry
# seeded with kiln/busybox:1 (kilnd --embedded-registry), a job disk with
# job.json and an inline Dockerfile, QEMU -M microvm under TCG, then
# result.json read back from the job disk with debugfs. Prints the log, the
# result and the figures (boot -> agent start, total, QEMU peak RSS).
#
# Usage: hack/qemu-smoke.sh [WORK_DIR]    (default /tmp/kiln-qemu-smoke)
#   KILN_QEMU_ACCEL=tcg|kvm (default tcg), KILN_QEMU_MEMORY_MIB (1024),
#   KILN_QEMU_CPUS (2), KILN_QEMU_TB_MIB (TCG translation cache, 128),
#   KILN_SMOKE_DOCKERFILE (JSON-escaped, default "FROM kiln/busybox:1\nRUN echo hi\n"),
#   KILN_SMOKE_CANCEL_AFTER (send "cancel" on kiln.cmd N s after agent start),
#   KILN_GUEST_IMAGES (WORK_DIR/../kiln-qemu/images)
# Needs root (the guest image build); build kilnd and kiln-agent first.
set -o errexit -o nounset -o pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/kiln-qemu-smoke}"
accel="${KILN_QEMU_ACCEL:-tcg}"
memory="${KILN_QEMU_MEMORY_MIB:-1024}"
cpus="${KILN_QEMU_CPUS:-2}"
images="${KILN_GUEST_IMAGES:-/tmp/kiln-qemu/images}"
cancel_after="${KILN_SMOKE_CANCEL_AFTER:-}"
kilnd="$repo/build/cmd/kilnd/kilnd"
# The guest reaches the registry through this address only (a QEMU guestfwd);
# hack/guest/kiln-guest-run relays the host's registry address to it.
registry_via=10.0.2.100:5000

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
say() { echo "qemu-smoke: $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rm -rf "$work"
mkdir -p "$work/job" "$work/kilnd"
image="$("$repo/hack/build-guest-image.sh" "$images" | tail -n 1)"

# --- registry (kilnd runs docker-registry and seeds kiln/busybox:1) ----------
reg_port="$(free_port)"
api_port="$(free_port)"
kilnd_pid=""
qemu_pid=""
cleanup() {
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
  if [ -n "$kilnd_pid" ]; then
    kill "$kilnd_pid" 2>/dev/null
    wait "$kilnd_pid" 2>/dev/null
  fi
  # kilnd leaves its supervised registry running by design (it is found
  # again on restart): stop the one this script started.
  local pid_file="$work/kilnd/registry/registry.pid"
  [ -f "$pid_file" ] && kill "$(cat "$pid_file")" 2>/dev/null
  true
}
trap cleanup EXIT
"$kilnd" --data-dir "$work/kilnd" --listen "127.0.0.1:$api_port" \
  --embedded-registry "127.0.0.1:$reg_port" --insecure-dev --driver process \
  >"$work/kilnd.log" 2>&1 &
kilnd_pid=$!
manifest="http://127.0.0.1:$reg_port/v2/kiln/busybox/manifests/1"
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "$manifest" 2>/dev/null && break
  kill -0 "$kilnd_pid" 2>/dev/null || { tail "$work/kilnd.log" >&2; exit 1; }
  sleep 0.2
done
say "registry 127.0.0.1:$reg_port serves kiln/busybox:1"

# --- disks ---------------------------------------------------------------------
dockerfile="${KILN_SMOKE_DOCKERFILE:-FROM kiln/busybox:1\nRUN echo hi\n}"
cat >"$work/job/job.json" <<EOF
{
  "buildKey": "smoke/hello",
  "buildUID": "00000000-0000-4000-8000-000000000001",
  "inlineFiles": {"Dockerfile": "$dockerfile"},
  "dockerfile": "Dockerfile",
  "image": "127.0.0.1:$reg_port/smoke/hello:1",
  "registry": "127.0.0.1:$reg_port",
  "logPath": "/run/kiln/build.log",
  "logMaxBytes": 0,
  "storageRoot": "/scratch/storage",
  "runRoot": "/run/containers",
  "cpus": $cpus,
  "memoryMiB": $memory
}
EOF
t=$(now)
# No journal: the host reads them with debugfs, which does not replay one.
# The agent keeps buildah's TMPDIR (pulled and pushed blobs) and its config
# in its work dir, here the job disk: sparse, so 4 GiB cost what is written.
truncate -s 4G "$work/job.img"
mkfs.ext4 -q -F -L kiln-job -O ^has_journal -d "$work/job" "$work/job.img"
truncate -s 8G "$work/scratch.img"
mkfs.ext4 -q -F -L kiln-scratch -O ^has_journal -E lazy_itable_init=1 "$work/scratch.img"
say "disks: $(elapsed "$t" "$(now)") s"

# --- the VM --------------------------------------------------------------------
# Under TCG the guest's TSC ticks at the host's rate. Telling the kernel that
# rate skips its PIT calibration, which fails when the vCPU threads are
# descheduled and then hangs the boot for good at "tsc: Marking TSC unstable
# due to could not calculate TSC khz" (docs/qemu.md, pitfalls).
# TCG's translation cache defaults to 1 GiB and is part of QEMU's RSS as it
# fills: bound it (MiB).
accel_opts="$accel"
[ "$accel" = tcg ] && accel_opts="tcg,tb-size=${KILN_QEMU_TB_MIB:-128}"
tsc_khz="$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)"
: >"$work/build.log"
t_start=$(now)
qemu-system-x86_64 -M microvm -accel "$accel_opts" -cpu max -m "$memory" -smp "$cpus" \
  -nographic -no-reboot -nodefaults -serial "file:$work/console.log" \
  -kernel "$image/vmlinuz" -initrd "$image/initramfs.cpio.gz" \
  -append "console=ttyS0 reboot=t panic=-1 tsc_early_khz=$tsc_khz tsc=reliable kiln.registry=127.0.0.1:$reg_port kiln.registry_via=$registry_via" \
  -drive "id=root,file=$image/root.img,format=raw,if=none,readonly=on" \
  -device virtio-blk-device,drive=root \
  -drive "id=scratch,file=$work/scratch.img,format=raw,if=none,discard=unmap" \
  -device virtio-blk-device,drive=scratch \
  -drive "id=job,file=$work/job.img,format=raw,if=none" \
  -device virtio-blk-device,drive=job \
  -netdev "user,id=net0,restrict=on,guestfwd=tcp:$registry_via-cmd:/bin/busybox nc 127.0.0.1 $reg_port" \
  -device virtio-net-device,netdev=net0 \
  -device virtio-serial-device \
  -chardev "file,id=log,path=$work/build.log,append=on" \
  -device virtserialport,chardev=log,name=kiln.log \
  -chardev "file,id=ctl,path=$work/ctl.log" \
  -device virtserialport,chardev=ctl,name=kiln.ctl \
  -chardev "socket,id=cmd,path=$work/cmd.sock,server=on,wait=off" \
  -device virtserialport,chardev=cmd,name=kiln.cmd \
  -qmp "unix:$work/qmp.sock,server=on,wait=off" \
  </dev/null >"$work/qemu.log" 2>&1 &
qemu_pid=$!
t_agent=""
t_first_log=""
peak_kib=0
t_cancel=""
while kill -0 "$qemu_pid" 2>/dev/null; do
  [ -z "$t_agent" ] && grep -q '^agent-start' "$work/ctl.log" 2>/dev/null && t_agent=$(now)
  if [ -n "$cancel_after" ] && [ -z "$t_cancel" ] && [ -n "$t_agent" ] &&
    [ "$(elapsed "$t_agent" "$(now)" | cut -d. -f1)" -ge "$cancel_after" ]; then
    t_cancel=$(now)
    say "cancel (kiln.cmd)"
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"cancel\n"); s.close()' "$work/cmd.sock"
  fi
  [ -z "$t_first_log" ] && [ -s "$work/build.log" ] && t_first_log=$(now)
  hwm="$(awk '/^VmHWM:/ { print $2 }' "/proc/$qemu_pid/status" 2>/dev/null || true)"
  [ -n "$hwm" ] && [ "$hwm" -gt "$peak_kib" ] && peak_kib=$hwm
  sleep 0.1
done
wait "$qemu_pid" || say "qemu exited with $?"
qemu_pid=""
t_end=$(now)

echo "=== console (serial) ==="; cat "$work/console.log"
echo "=== build.log (virtio-serial kiln.log, written live by QEMU) ==="; cat "$work/build.log"
echo "=== ctl (virtio-serial kiln.ctl) ==="; cat "$work/ctl.log"
echo "=== result.json (debugfs, job disk) ==="
debugfs -R 'cat /result.json' "$work/job.img" 2>/dev/null | tee "$work/result.json"
echo
echo "=== figures ==="
echo "accel $accel_opts, -m $memory -smp $cpus, $(nproc) host cores, $(date -u +%Y-%m-%d)"
[ -n "$t_agent" ] && echo "qemu start -> agent start: $(elapsed "$t_start" "$t_agent") s" \
  "(guest uptime $(awk '/^agent-start/ { sub("uptime=", "", $2); print $2 }' "$work/ctl.log") s)"
[ -n "$t_first_log" ] && echo "qemu start -> first log byte on host: $(elapsed "$t_start" "$t_first_log") s"
[ -n "$t_cancel" ] && echo "cancel -> qemu exit: $(elapsed "$t_cancel" "$t_end") s"
echo "qemu start -> qemu exit: $(elapsed "$t_start" "$t_end") s"
echo "qemu peak RSS (VmHWM): $((peak_kib / 1024)) MiB"
digest="$(sed -n 's/.*"imageDigest": *"\([^"]*\)".*/\1/p' "$work/result.json")"
if [ -n "$digest" ]; then
  # The pushed manifest, asked of the registry on the host by digest.
  curl -fsS -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://127.0.0.1:$reg_port/v2/smoke/hello/manifests/$digest" &&
    echo "registry on the host has smoke/hello@$digest"
fi
grep -q '"succeeded": *true' "$work/result.json"
