#!/usr/bin/env bash
# Store benchmark driver: builds store_bench (Release), measures the Kiln
# SQLite store (raw fsync rate, creates/s at 1/8/64 writers, watch delivery),
# starts a throwaway single-member etcd on loopback and runs the same writes
# against it, and prints a Markdown table. With --record it (re)writes the
# "Store" section of docs/benchmarks.md.
#
# A benchmark, not a test: never run by ctest or CI. Takes about 1-2 minutes
# once store_bench is built (plus up to 60 s waiting for a quiet machine).
set -o errexit -o nounset -o pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="$root/build-bench"
data_dir="$root/.cache/store-bench"
record=0
etcd_port=23790
peer_port=23800
quiet_wait=60

usage() {
  cat <<EOF
usage: hack/bench/store_bench.sh [--record] [--build-dir DIR] [--dir DIR]
                                 [--etcd-port PORT] [--quiet-wait SECONDS]
  --record        write the results into the "Store" section of docs/benchmarks.md
  --build-dir     build directory (default: build-bench)
  --dir           scratch parent for the Kiln and etcd data; must be on the
                  disk under test, not tmpfs (default: .cache/store-bench)
  --etcd-port     etcd client port (peer port = client port + 10)
  --quiet-wait    wait up to this long for other processes to go quiet (60)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --record) record=1 ;;
    --build-dir) build_dir="$2"; shift ;;
    --dir) data_dir="$2"; shift ;;
    --etcd-port) etcd_port="$2"; peer_port=$((etcd_port + 10)); shift ;;
    --quiet-wait) quiet_wait="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

log() { echo "store_bench.sh: $*" >&2; }

# --- build ------------------------------------------------------------------
# -Wno-error=restrict: g++ 12 reports a false -Wrestrict at -O3 on
# `"literal" + std::string` (GCC bug 105329), which -Werror turns into a
# failed Release build of api_types/image_reference.cc.
log "building store_bench (Release) in $build_dir"
build_log="$(mktemp)"
if ! { cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
         -DCMAKE_CXX_FLAGS=-Wno-error=restrict &&
       ninja -C "$build_dir" -j1 store_bench; } >"$build_log" 2>&1; then
  cat "$build_log" >&2
  rm -f "$build_log"
  log "build failed"
  exit 1
fi
rm -f "$build_log"
bench="$build_dir/hack/bench/store_bench"

mkdir -p "$data_dir"
work="$(mktemp -d "$data_dir/run-XXXXXX")"
etcd_pid=""
bench_pid=""
cleanup() {
  if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
    kill "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  if [ -n "$etcd_pid" ] && kill -0 "$etcd_pid" 2>/dev/null; then
    kill "$etcd_pid" 2>/dev/null || true
    wait "$etcd_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- machine ----------------------------------------------------------------
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
ram_gib="$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
fs_type="$(df --output=fstype "$data_dir" | tail -n1 | tr -d ' ')"
fs_source="$(df --output=source "$data_dir" | tail -n1 | tr -d ' ')"
machine="$(nproc) × ${cpu_model:-unknown CPU}, ${ram_gib} GiB RAM, Linux $(uname -r), data dir on $fs_type ($fs_source)"
case "$fs_type" in
  tmpfs|ramfs) log "WARNING: $data_dir is on $fs_type: fsync is free there; use --dir on a disk" ;;
esac
log "machine: $machine"

# Busy share of all CPUs over one second, in percent.
cpu_busy_pct() {
  local a b
  a=($(head -n1 /proc/stat)); sleep 1; b=($(head -n1 /proc/stat))
  local busy=0 total=0 i d
  for i in 1 2 3 4 5 6 7 8; do
    d=$((b[i] - a[i])); total=$((total + d))
    [ "$i" -ne 4 ] && [ "$i" -ne 5 ] && busy=$((busy + d))
  done
  echo $((total > 0 ? 100 * busy / total : 0))
}

# Other engineers share this machine: give their builds a chance to finish.
waited=0
busy="$(cpu_busy_pct)"
while [ "$busy" -gt 25 ] && [ "$waited" -lt "$quiet_wait" ]; do
  [ "$waited" -eq 0 ] && log "machine busy (${busy}% CPU); waiting up to ${quiet_wait}s for quiet"
  sleep 4; waited=$((waited + 5))
  busy="$(cpu_busy_pct)"
done
log "CPU busy before the run: ${busy}%"
busy_before="$busy"

# --- etcd -------------------------------------------------------------------
# A throwaway single-member etcd on loopback, data on the same filesystem as
# the Kiln store. store_bench runs its put load right after each Kiln level.
etcd_note=""
etcd_version=""
endpoint="http://127.0.0.1:$etcd_port"
start_etcd() {
  if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
    etcd_note="etcd/etcdctl not installed (hack/setup.sh installs etcd-server, etcd-client)"
    return 1
  fi
  etcd_version="$(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')"
  if (exec 3<>"/dev/tcp/127.0.0.1/$etcd_port") 2>/dev/null; then
    etcd_note="port $etcd_port is already in use (not benchmarking someone else's server; try --etcd-port)"
    return 1
  fi
  log "starting etcd $etcd_version on $endpoint"
  etcd --name store-bench --data-dir "$work/etcd" \
    --listen-client-urls "$endpoint" --advertise-client-urls "$endpoint" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "store-bench=http://127.0.0.1:$peer_port" \
    --initial-cluster-state new --log-level error \
    >"$work/etcd.log" 2>&1 &
  etcd_pid=$!
  local i healthy=0
  for i in $(seq 1 40); do
    if ETCDCTL_API=3 etcdctl --endpoints="$endpoint" --dial-timeout=1s \
        endpoint health >/dev/null 2>&1; then
      healthy=1
      break
    fi
    if ! kill -0 "$etcd_pid" 2>/dev/null; then
      etcd_note="etcd exited at start: $(tail -n 3 "$work/etcd.log" | tr '\n' ' ')"
      return 1
    fi
    sleep 0.5
  done
  if [ "$healthy" -eq 0 ]; then
    etcd_note="etcd did not become healthy within 20 s: $(tail -n 3 "$work/etcd.log" | tr '\n' ' ')"
    return 1
  fi
}
loud() {
  log "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  log "!!! etcd NOT MEASURED: $*"
  log "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
}
kiln_args=(kiln --dir "$work" --json)
if start_etcd; then
  kiln_args+=(--etcd-endpoint "$endpoint")
else
  loud "$etcd_note"
fi

# --- run --------------------------------------------------------------------
# In the background and waited for, so that a signal runs the cleanup trap
# (stopping etcd) at once rather than after the benchmark.
"$bench" "${kiln_args[@]}" >"$work/kiln.json" &
bench_pid=$!
wait "$bench_pid"
bench_pid=""
if [ -n "$etcd_pid" ]; then
  kill "$etcd_pid" 2>/dev/null || true
  wait "$etcd_pid" 2>/dev/null || true
  etcd_pid=""
fi
if [ -z "$etcd_note" ] && grep -q '"error"' "$work/kiln.json"; then
  etcd_note="etcd load failed mid-run (see the table)"
  loud "$etcd_note"
fi

# --- report -----------------------------------------------------------------
md_args=(markdown --kiln "$work/kiln.json")
[ -n "$etcd_note" ] && md_args+=(--etcd-note "$etcd_note")
"$bench" "${md_args[@]}" >"$work/table.md"
echo
cat "$work/table.md"

[ "$record" -eq 1 ] || exit 0

section="$work/section.md"
{
  echo "## Store"
  echo
  echo "Recorded $(date -u +%F) by \`hack/bench/store_bench.sh --record\`."
  echo "Machine: $machine; etcd ${etcd_version:-not measured}."
  echo "CPU busy (all processes) just before the run: ${busy_before}%."
  echo
  cat "$work/table.md"
  echo
  cat <<'EOF'
How to read it:

- The raw fsync rate is the ceiling for one writer that syncs every write;
  group commit is what lets the store go past it. "creates per commit" is
  measured (fdatasync calls on the WAL counted in-process), not assumed.
  "Kiln ÷ raw fsync/s" uses the probe taken just before that row.
- This is a shared 2-core VM and other engineers' builds run at the same
  time; "others' CPU" says how much of the machine they took during each
  row. On this kernel (PREEMPT_NONE, HZ=250) a woken normal-priority thread
  waits for the next 4 ms tick when both CPUs are busy with other work, so
  every sleep/wake hand-off (fsync completion, writer → caller) costs up
  to 4 ms: the raw fsync rate drops from ~10,000/s on a quiet machine to
  ~250/s on a saturated one (under SCHED_FIFO it stays at ~10,000/s: it is
  scheduling, not the disk). Rows with high "others' CPU" are therefore not
  comparable with quiet ones. etcd suffered less from it than Kiln in our
  busy runs (1 writer: ~0.5 ms vs ~4 ms p50), probably because Go's runtime
  keeps threads spinning briefly instead of sleeping. Rerun when in doubt;
  expect ±30 % between quiet runs.
- etcd is driven through its JSON gateway (`/v3/kv/put`, base64 bodies, one
  keep-alive HTTP/1.1 connection per writer), which costs etcd some CPU that
  a native gRPC client would not; etcd runs as a separate process on the
  same 2 cores as the load generator.
EOF
} >"$section"

doc="$root/docs/benchmarks.md"
if [ ! -f "$doc" ]; then
  mkdir -p "$(dirname "$doc")"
  cat >"$doc" <<'EOF'
# Benchmarks

Measured figures, with the machine they were measured on. Each section is
produced by a script under `hack/bench/`; rerun it to refresh the section
(benchmarks are not tests: ctest and CI never run them).

To reproduce the store figures: `hack/bench/store_bench.sh` (prints the
tables), `hack/bench/store_bench.sh --record` (rewrites the "Store" section
below).

EOF
fi
# Replace the "## Store" section (up to the next "## " heading) or append it;
# everything else in the file is copied unchanged.
awk -v section="$section" '
  function emit(   line) {
    while ((getline line < section) > 0) { print line; last = line }
    close(section); done = 1
  }
  /^## / { if (skipping) { skipping = 0; print "" } }
  /^## Store[[:space:]]*$/ { emit(); skipping = 1; next }
  !skipping { print; last = $0 }
  END { if (!done) { if (last != "") print ""; emit() } }
' "$doc" >"$work/benchmarks.md"
cp "$work/benchmarks.md" "$doc"
log "recorded the Store section in docs/benchmarks.md"
