# Shell helpers for the benchmark drivers in hack/bench (sourced, not run):
# the Release build, the machine's description, waiting for a quiet
# machine, stopping a process, and replacing one section of
# docs/benchmarks.md. Callers set `root` and define `log`.

# bench_build BUILD_DIR TARGET...: configures a Release build and builds the
# targets with -j1 (the machine is shared); prints the log on failure.
# -Wno-error=restrict: g++ 12 reports a false -Wrestrict at -O3 on
# `"literal" + std::string` (GCC bug 105329).
bench_build() {
  local dir="$1" out
  shift
  out="$(mktemp)"
  if ! { cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
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

# bench_record_section TITLE FILE: replaces the "## TITLE" section of
# docs/benchmarks.md (up to the next "## " heading) with FILE, or appends
# it; everything else in the document is kept as it is.
bench_record_section() {
  local title="$1" section="$2" doc="$root/docs/benchmarks.md" tmp
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
