#!/usr/bin/env bash
# Builder VM driver benchmark: the same Dockerfile (FROM kiln/busybox:1,
# RUN echo hi) built through two kilnd at once, one with `--driver process`
# and one with `--driver qemu`, runs interleaved, and then several QEMU
# builds at once. Measures, per driver:
#   - create -> agent start: from the POST until the first byte of the build
#     log, which kiln-agent writes as it starts (in the qemu driver QEMU
#     appends the guest's log port to the same host file): boot-to-agent;
#   - create -> Ready: the whole build, pushed;
# and for QEMU the peak RSS (VmHWM) of each VM, alone and with --concurrent
# VMs running together, from which it derives how many VMs 24 GiB holds.
# Prints Markdown; --record writes it as the "Builder VM drivers" section
# of docs/benchmarks.md.
#
# A benchmark, not a test: never run by ctest or CI. Needs root (the guest
# image build). About 5 minutes under TCG once built.
set -o errexit -o nounset -o pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=hack/bench/bench_lib.sh
. "$root/hack/bench/bench_lib.sh"
build_dir="$root/build-buildbench"
data_parent="$root/.cache/driver-bench"
runs=5
concurrent=3

usage() {
  cat <<EOF
usage: hack/bench/driver_bench.sh [--record] [--build-dir DIR] [--dir DIR]
                                  [--quiet-wait SECONDS] [--runs N]
                                  [--concurrent N]
  --record       write the results into the "Builder VM drivers" section of
                 docs/benchmarks.md
  --build-dir    build directory (default: build-buildbench)
  --dir          scratch parent for kilnd's data dirs and the guest image
                 cache (default: .cache/driver-bench)
  --quiet-wait   wait up to this long for other processes to go quiet (60)
  --runs         builds per driver, interleaved (5)
  --concurrent   QEMU builds run at once in the memory phase (3)
EOF
}

# bench_option ARG [VALUE]: this driver's own options (bench_parse_args).
bench_option() {
  case "$1" in
    --runs) runs="${2:?$1 needs a value}" ;;
    --concurrent) concurrent="${2:?$1 needs a value}" ;;
    *) return 1 ;;
  esac
}
bench_parse_args "$@"

log() { echo "driver_bench.sh: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { log "needs root (hack/build-guest-image.sh)"; exit 1; }
for tool in docker-registry buildah qemu-system-x86_64 curl python3; do
  command -v "$tool" >/dev/null || { log "no $tool (hack/setup.sh installs it)"; exit 1; }
done

log "building kilnd kiln-agent (Release) in $build_dir"
bench_build "$build_dir" kilnd kiln-agent || { log "build failed"; exit 1; }
kilnd="$build_dir/cmd/kilnd/kilnd"
mkdir -p "$data_parent"
image="$("$root/hack/build-guest-image.sh" "$data_parent/images" \
  --agent "$build_dir/cmd/kiln-agent/kiln-agent" | tail -n 1)"
log "guest image $image"

work="$(mktemp -d "$data_parent/run-XXXXXX")"
declare -A kilnd_pid=() kilnd_url=() kilnd_data=()
cleanup() {
  local d
  for d in "${!kilnd_pid[@]}"; do bench_stop "${kilnd_pid[$d]}" || true; done
  pkill -9 -f "qemu-system-x86_64 .*$work/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_begin "$data_parent" "$quiet_wait"

# start_kilnd DRIVER ARGS...: kilnd with plain HTTP on loopback.
start_kilnd() {
  local d="$1" port ok=0
  shift
  port="$(bench_free_port)"
  kilnd_data[$d]="$work/$d"
  kilnd_url[$d]="http://127.0.0.1:$port/apis/kiln.dev/v1/namespaces/default/builds"
  bench_start_kilnd "$kilnd" "$work/$d.log" --data-dir "${kilnd_data[$d]}" \
    --listen "127.0.0.1:$port" --insecure-dev --driver "$d" \
    --embedded-registry "127.0.0.1:$(bench_free_port)" "$@" || ok=$?
  kilnd_pid[$d]="$bench_kilnd_pid"
  [ "$ok" -eq 0 ] || { log "kilnd --driver $d did not become ready"; exit 1; }
}
start_kilnd process --capacity-cpus 2 --capacity-memory 8Gi --max-builds 2
start_kilnd qemu --guest-image "$image" --capacity-cpus 16 --capacity-memory 24Gi \
  --max-builds "$concurrent"

now_us() { echo "${EPOCHREALTIME/./}"; }
mem_avail_kib() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
mem_low_kib=0
# create DRIVER NAME: POSTs the Build; prints its uid.
create() {
  local body resp
  body="$(printf '{"apiVersion":"kiln.dev/v1","kind":"Build","metadata":{"name":"%s"},"spec":{"source":{"inline":{"files":{"Dockerfile":"FROM kiln/busybox:1\\nRUN echo hi\\n"}}},"resources":{"cpus":2,"memoryMiB":1024},"timeoutSeconds":900}}' "$2")"
  resp="$(curl -sS -X POST -H 'Content-Type: application/json' --data "$body" "${kilnd_url[$1]}")"
  grep -o '"uid":"[^"]*"' <<<"$resp" | head -n 1 | cut -d'"' -f4 | grep . ||
    { log "create $2 on $1 failed: $resp"; exit 1; }
}
phase() {
  curl -sS "${kilnd_url[$1]}/$2" | grep -o '"phase":"[^"]*"' | head -n 1 | cut -d'"' -f4
}
# hwm_kib PID: the process's peak RSS in KiB (0 once it is gone).
hwm_kib() { awk '/^VmHWM:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# time_builds DRIVER NAME...: creates the Builds at once and waits until all
# are Ready; appends "NAME AGENT_MS READY_MS HWM_KIB" per Build to
# $work/DRIVER.times (HWM only for qemu: the VM's QEMU process).
time_builds() {
  local d="$1" n t0 now p pid h deadline
  shift
  local -A uid=() agent=() ready=() hwm=() qpid=()
  t0="$(now_us)"
  for n in "$@"; do
    uid[$n]="$(create "$d" "$n")"
    [ -n "${uid[$n]}" ] || exit 1
  done
  deadline=$((t0 + 900000000))
  local next_poll=0 left=$#
  while [ "$left" -gt 0 ]; do
    now="$(now_us)"
    [ "$now" -lt "$deadline" ] || { log "$d builds did not finish in 900 s"; exit 1; }
    for n in "$@"; do
      if [ -z "${agent[$n]:-}" ] && [ -s "${kilnd_data[$d]}/logs/${uid[$n]}.log" ]; then
        agent[$n]=$(((now - t0) / 1000))
      fi
    done
    if [ "$now" -ge "$next_poll" ]; then
      next_poll=$((now + 100000))
      for n in "$@"; do
        [ -z "${ready[$n]:-}" ] || continue
        if [ "$d" = qemu ]; then
          h="$(mem_avail_kib)"
          [ "$mem_low_kib" -gt 0 ] && [ "$h" -ge "$mem_low_kib" ] || mem_low_kib="$h"
          [ -n "${qpid[$n]:-}" ] || qpid[$n]="$(pgrep -f "qemu-system-x86_64 .*${kilnd_data[$d]}/vms/kiln-${uid[$n]//-/}/" | head -n 1 || true)"
          if [ -n "${qpid[$n]}" ]; then
            h="$(hwm_kib "${qpid[$n]}")"
            [ "$h" -le "${hwm[$n]:-0}" ] || hwm[$n]="$h"
          fi
        fi
        p="$(phase "$d" "$n")"
        case "$p" in
          Ready) ready[$n]=$((($(now_us) - t0) / 1000)); left=$((left - 1)) ;;
          Failed|Cancelled) log "$d build $n ended $p"; cat "${kilnd_data[$d]}/logs/${uid[$n]}.log" >&2; exit 1 ;;
        esac
      done
    fi
    sleep 0.01
  done
  for n in "$@"; do
    echo "$n ${agent[$n]:-0} ${ready[$n]} ${hwm[$n]:-0}" >>"$work/$d.times"
  done
}

log "$runs builds per driver, interleaved"
for i in $(seq 1 "$runs"); do
  for d in process qemu; do
    time_builds "$d" "run-$i"
    log "$d run $i: $(tail -n 1 "$work/$d.times")"
  done
done
log "$concurrent QEMU builds at once"
mem_before_kib="$(mem_avail_kib)"
mem_low_kib="$mem_before_kib"
names=()
for i in $(seq 1 "$concurrent"); do names+=("together-$i"); done
mv "$work/qemu.times" "$work/qemu.single"
time_builds qemu "${names[@]}"
mv "$work/qemu.times" "$work/together.times"
mv "$work/qemu.single" "$work/qemu.times"

# --- report ---------------------------------------------------------------------
# col_stats FILE COLUMN: "p50 min max" of a column, in the column's unit.
col_stats() {
  awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '
    { v[NR] = $1 } END { printf "%d %d %d", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
ms() { awk -v v="$1" 'BEGIN { printf "%.2f s", v / 1000 }'; }
read -r pa pa_min pa_max <<<"$(col_stats "$work/process.times" 2)"
read -r pr pr_min pr_max <<<"$(col_stats "$work/process.times" 3)"
read -r qa qa_min qa_max <<<"$(col_stats "$work/qemu.times" 2)"
read -r qr qr_min qr_max <<<"$(col_stats "$work/qemu.times" 3)"
read -r qh qh_min qh_max <<<"$(col_stats "$work/qemu.times" 4)"
read -r th th_min th_max <<<"$(col_stats "$work/together.times" 4)"
read -r tr tr_min tr_max <<<"$(col_stats "$work/together.times" 3)"
peak_mib=$(( (qh_max > th_max ? qh_max : th_max) / 1024 ))
host_mib=24576
reserve_mib=1024
per_24g=$(( (host_mib - reserve_mib) / peak_mib ))
accel="$(sed -n 's/.*qemu driver: .* accel \([a-z]*\).*/\1/p' "$work/qemu.log" | head -n 1)"
busy_after="$(bench_cpu_busy_pct)"
date_now="$(date -u +%Y-%m-%d)"
report="$work/report.md"
{
  echo "## Builder VM drivers"
  echo
  echo "\`hack/bench/driver_bench.sh\` — $date_now, $machine; QEMU accelerator: **${accel:-unknown}**"
  echo "(this host's /dev/kvm is kvm_pvm, so TCG: every guest instruction is translated; with"
  echo "kvm_intel/kvm_amd the same command runs with \`-accel kvm\`). CPU busy before/after: ${busy_before}% / ${busy_after}%."
  echo "Same Dockerfile (\`FROM kiln/busybox:1\` + \`RUN echo hi\`, pushed to the embedded registry),"
  echo "cpus 2 / memoryMiB 1024, $runs builds per driver, interleaved, two kilnd side by side."
  echo
  echo "| | process | qemu | qemu ÷ process |"
  echo "|---|---|---|---|"
  echo "| create → agent start, p50 (min–max) | $(ms "$pa") ($(ms "$pa_min")–$(ms "$pa_max")) | $(ms "$qa") ($(ms "$qa_min")–$(ms "$qa_max")) | $(awk -v a="$qa" -v b="$pa" 'BEGIN { printf "%.0f×", (b > 0 ? a / b : 0) }') |"
  echo "| create → Ready, p50 (min–max) | $(ms "$pr") ($(ms "$pr_min")–$(ms "$pr_max")) | $(ms "$qr") ($(ms "$qr_min")–$(ms "$qr_max")) | $(awk -v a="$qr" -v b="$pr" 'BEGIN { printf "%.1f×", (b > 0 ? a / b : 0) }') |"
  echo
  echo "QEMU peak RSS (VmHWM) per VM (\`-m 1024\`, TCG translation cache 128 MiB): alone p50 $((qh / 1024)) MiB"
  echo "(max $((qh_max / 1024)) MiB); $concurrent VMs at once: p50 $((th / 1024)) MiB (max $((th_max / 1024)) MiB),"
  echo "all $concurrent Ready in $(ms "$tr_max") (the 2 cores shared by the translators)."
  echo "The host's MemAvailable fell by $(((mem_before_kib - mem_low_kib) / 1024)) MiB at the lowest during that phase."
  echo "**VMs in 24 GiB**: (24,576 MiB − $reserve_mib MiB for the host and kilnd) ÷ $peak_mib MiB ="
  echo "**$per_24g** VMs of this build by memory. The bound is the guest's use: a build that fills"
  echo "its 1024 MiB adds up to that much more per VM (about 1,200 MiB each, 19 VMs), so admission"
  echo "counts \`memoryMiB\` per build against \`--capacity-memory\`. Under TCG the CPU, not memory,"
  echo "limits concurrency on this 2-core machine (each VM's vCPUs are translator threads)."
} >"$report"
cat "$report"
if [ "$record" = 1 ]; then
  bench_record_section "Builder VM drivers" "$report"
  log "recorded in docs/benchmarks.md"
fi
