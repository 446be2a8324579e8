# Shell helpers for the benchmark drivers in hack/bench (sourced, not run):
# the Release build, the machine's description, waiting for a quiet
# machine, starting kilnd, stopping a process, a free port, and replacing
# one section of docs/benchmarks.md. Callers set `root` and define `log`.

# The options every driver takes (bench_parse_args); a driver sets its own
# build_dir and data_parent defaults.
record=0
quiet_wait=60

# bench_parse_args ARGS...: parses the driver's command line. --record,
# --build-dir DIR, --dir DIR (data_parent), --quiet-wait SECONDS and
# -h/--help (the driver's `usage`) are handled here; any other option goes
# to the driver's `bench_option ARG [VALUE]`, if it defines one, which sets
# what it names and sets bench_shift=1 when it takes no value, or returns 1
# for an option it does not know (then: usage, exit 2).
bench_parse_args() {
  while [ $# -gt 0 ]; do
    bench_shift=2
    case "$1" in
      --record) record=1; bench_shift=1 ;;
      --build-dir) build_dir="${2:?$1 needs a value}" ;;
      --dir) data_parent="${2:?$1 needs a value}" ;;
      --quiet-wait) quiet_wait="${2:?$1 needs a value}" ;;
      -h|--help) usage; exit 0 ;;
      *)
        if ! declare -F bench_option >/dev/null || ! bench_option "$@"; then
          usage >&2
          exit 2
        fi
        ;;
    esac
    shift "$bench_shift"
  done
}

# bench_build BUILD_DIR TARGET...: configures a Release build and builds the
# targets with -j1 (the machine is shared); prints the log on failure.
# -Wno-error=restrict: g++ 12 reports a false -Wrestrict at -O3 on
# `"literal" + std::string` (GCC bug 105329).
bench_build() {
  local dir="$1" out
  shift
  out="$(mktemp)"
  if ! { cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
           -DKILN_BUILD_BENCH=ON \
           -DCMAKE_CXX_FLAGS=-Wno-error=restrict &&
         ninja -C "$dir" -j1 "$@"; } >"$out" 2>&1; then
    cat "$out" >&2
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
}

# bench_machine DIR: "2 × CPU, N GiB RAM, Linux X, data dir on FS (DEV)".
bench_machine() {
  local model ram fs src
  model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
  ram="$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"
  fs="$(df --output=fstype "$1" | tail -n1 | tr -d ' ')"
  src="$(df --output=source "$1" | tail -n1 | tr -d ' ')"
  echo "$(nproc) × ${model:-unknown CPU}, ${ram} GiB RAM, Linux $(uname -r), data dir on $fs ($src)"
}

# bench_cpu_busy_pct: busy share of all CPUs over one second, in percent.
bench_cpu_busy_pct() {
  local -a a b
  local busy=0 total=0 i d
  read -r -a a </proc/stat; sleep 1; read -r -a b </proc/stat
  for i in 1 2 3 4 5 6 7 8; do
    d=$((b[i] - a[i])); total=$((total + d))
    if [ "$i" -ne 4 ] && [ "$i" -ne 5 ]; then busy=$((busy + d)); fi
  done
  echo $((total > 0 ? 100 * busy / total : 0))
}

# bench_wait_quiet SECONDS: waits up to SECONDS for the machine to drop
# below 25% busy (other work on the machine); prints the last busy share.
bench_wait_quiet() {
  local waited=0 busy
  busy="$(bench_cpu_busy_pct)"
  while [ "$busy" -gt 25 ] && [ "$waited" -lt "$1" ]; do
    if [ "$waited" -eq 0 ]; then
      log "machine busy (${busy}% CPU); waiting up to ${1}s for quiet"
    fi
    sleep 4; waited=$((waited + 5))
    busy="$(bench_cpu_busy_pct)"
  done
  echo "$busy"
}

# bench_stop PID: SIGTERM, up to 10 s, then SIGKILL. Sets bench_stop_status
# to the exit status (only for a child of this shell); fails if KILL was
# needed.
bench_stop_status=0
bench_stop() {
  local pid="$1" i
  bench_stop_status=0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || bench_stop_status=$?
      return 0
    fi
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || bench_stop_status=$?
  return 1
}

# bench_start_kilnd KILND LOG ARGS...: starts `KILND ARGS...` in the
# background with stdout and stderr appended to LOG and waits up to 30 s for
# a new "kilnd ready" line in LOG (LOG may hold earlier runs). Sets
# bench_kilnd_pid. Fails, after printing LOG's last lines, when kilnd exits
# or is not ready by then.
bench_kilnd_pid=""
bench_start_kilnd() {
  local kilnd="$1" log_file="$2" before i
  shift 2
  touch "$log_file"
  before="$(grep -c 'kilnd ready' "$log_file" || true)"
  "$kilnd" "$@" >>"$log_file" 2>&1 &
  bench_kilnd_pid=$!
  for i in $(seq 1 300); do
    if [ "$(grep -c 'kilnd ready' "$log_file" || true)" -gt "$before" ]; then
      return 0
    fi
    kill -0 "$bench_kilnd_pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 5 "$log_file" >&2
  return 1
}

# bench_record_section TITLE FILE: replaces the "## TITLE" section of
# docs/benchmarks.md (up to the next "## " heading) with FILE, or appends
# it; everything else in the document is kept as it is. Creates the
# document when it is missing.
bench_record_section() {
  local title="$1" section="$2" doc="$root/docs/benchmarks.md" tmp
  if [ ! -f "$doc" ]; then
    mkdir -p "$(dirname "$doc")"
    cat >"$doc" <<'EOF'
# Benchmarks

Measured figures, with the machine they were measured on. Each section is
produced by a script under `hack/bench/`; rerun it to refresh the section
(benchmarks are not tests: ctest and CI never run them).
EOF
  fi
  tmp="$(mktemp)"
  awk -v title="## $title" -v section="$section" '
    function emit(   line) {
      while ((getline line < section) > 0) { print line; last = line }
      close(section); done = 1
    }
    /^## / { if (skipping) { skipping = 0; print "" } }
    $0 == title { emit(); skipping = 1; next }
    !skipping { print; last = $0 }
    END { if (!done) { if (last != "") print ""; emit() } }
  ' "$doc" >"$tmp"
  cat "$tmp" >"$doc"
  rm -f "$tmp"
}

# bench_setup_work PARENT PID_VAR...: creates a fresh scratch directory
# under PARENT, sets `work` to it, and traps EXIT to stop (bench_stop) the
# processes whose pids the variables PID_VAR... hold at that time and then
# remove `work`; INT and TERM exit 130 (running that trap).
bench_pid_vars=()
bench_setup_work() {
  mkdir -p "$1"
  work="$(mktemp -d "$1/run-XXXXXX")"
  shift
  bench_pid_vars=("$@")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  local var pid
  for var in "${bench_pid_vars[@]}"; do
    pid="${!var:-}"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then bench_stop "$pid" || true; fi
  done
  rm -rf "$work"
}

# bench_print_notes FILE: "What happened during the run:" and FILE, for a
# recorded section, when FILE is not empty.
bench_print_notes() {
  if [ -s "$1" ]; then
    echo
    echo "What happened during the run:"
    echo
    cat "$1"
  fi
}

# bench_begin DIR QUIET_WAIT: sets `machine` (bench_machine DIR) and
# `busy_before` (bench_wait_quiet QUIET_WAIT) and logs both.
bench_begin() {
  machine="$(bench_machine "$1")"
  log "machine: $machine"
  busy_before="$(bench_wait_quiet "$2")"
  log "CPU busy before the run: ${busy_before}%"
}

# bench_free_port: a loopback TCP port that was free a moment ago.
bench_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
