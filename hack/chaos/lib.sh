# Functions of hack/chaos.sh (sourced; uses its variables: run, data, state,
# ns, builds_path, url, curl_args, kilnd_bin, kilnd_args, check_bin, short).
# The load and the watcher run as background subshells and write their
# records under $state (hack/chaos/load_records.h describes them).

kilnd_pid=""
load_pid=""
watcher_pid=""
kilnd_kills=0
checks=0
check_runs=0

# A loopback port nothing listens on (not $1).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    [[ "$p" != "${1:-}" ]] || continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}

# A random number of seconds in [0, $1 ms), for sleep.
rand_seconds() {
  local ms=$(((RANDOM * 32768 + RANDOM) % $1))
  printf '%d.%03d\n' $((ms / 1000)) $((ms % 1000))
}

violation() {
  echo "VIOLATION $*" | tee -a "$run/violations.txt"
}

# Starts kilnd (log $run/kilnd-$1.log) and waits for its ready line.
start_kilnd() {
  local log="$run/kilnd-$1.log" deadline=$((SECONDS + 90))
  "$kilnd_bin" "${kilnd_args[@]}" >"$log" 2>&1 &
  kilnd_pid=$!
  until grep -q "kilnd ready on " "$log"; do
    if ! kill -0 "$kilnd_pid" 2>/dev/null || ((SECONDS > deadline)); then
      violation "kilnd-start: kilnd did not become ready (start $1, log $log)"
      tail -n 30 "$log" >&2
      exit 1
    fi
    sleep 0.05
  done
  if grep -q "allocation repaired" "$log"; then
    violation "allocation-repair: $(grep -m1 'allocation repaired' "$log")"
  fi
}

stop_kilnd() {
  [[ -n "$kilnd_pid" ]] || return 0
  kill -TERM "$kilnd_pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$kilnd_pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.1
  done
  kill -KILL "$kilnd_pid" 2>/dev/null || true
  wait "$kilnd_pid" 2>/dev/null || true
  kilnd_pid=""
}

# Runs the checker once ($1 names the run in messages, $2 is how long
# leftovers may take to go; more args go to it).
run_check() {
  local tag="$1" settle="$2" rc=0 n
  shift 2
  "$check_bin" check --data-dir "$data" --state-dir "$state" --namespace "$ns" \
    --settle-seconds "$settle" "$@" >"$state/check.out" 2>"$state/check.err" || rc=$?
  if [[ -s "$state/check.out" ]]; then
    sed "s/\$/ [check $tag]/" "$state/check.out" | tee -a "$run/violations.raw"
    cat "$state/check.out" >>"$run/violations.txt"
  fi
  n="$(sed -n 's/^chaos_check: \([0-9]*\) checks.*/\1/p' "$state/check.err")"
  checks=$((checks + ${n:-0}))
  check_runs=$((check_runs + 1))
  if ((rc > 1)); then
    violation "check-error: check $tag could not run (exit $rc): $(tail -n 1 "$state/check.err")"
  fi
  echo "chaos: check $tag: $(tail -n 1 "$state/check.err")"
}

# The watch the checker verifies: lists when there is no resume point,
# else watches from the last resourceVersion received; one segment file per
# list or watch (hack/chaos/watch_replay.h).
watcher() {
  local seg=0 point f code
  while [[ ! -e "$state/stop-watch" ]]; do
    while [[ -e "$state/pause-watch" && ! -e "$state/stop-watch" ]]; do
      sleep 0.2
    done
    point="$("$check_bin" resume-point --watch-dir "$state/watch")" || point=""
    if [[ "$point" != list && "$point" != watch\ [0-9]* ]]; then
      sleep 0.2
      continue
    fi
    f="$(printf '%s/watch/%05d' "$state" $((seg + 1)))"
    if [[ "$point" == list ]]; then
      code="$(curl "${curl_args[@]}" --max-time 20 -o "$f.tmp" -w '%{http_code}' \
        "$url$builds_path" 2>/dev/null)" || true
      if [[ "$code" == 200 ]]; then
        mv "$f.tmp" "$f.list.json"
        seg=$((seg + 1))
        continue
      fi
      rm -f "$f.tmp"
    else
      echo "${point#watch }" >"$f.from"
      curl "${curl_args[@]}" -N --max-time 60 -o "$f.watch.jsonl" \
        "$url$builds_path?watch=true&allowWatchBookmarks=true&resourceVersion=${point#watch }" \
        2>/dev/null || true
      if [[ -s "$f.watch.jsonl" ]]; then
        seg=$((seg + 1))
        continue
      fi
      rm -f "$f.from" "$f.watch.jsonl"
    fi
    sleep 0.2
  done
}

# A Build name the load created and kilnd acknowledged; among the last $1
# when given.
pick_acked() {
  [[ -s "$state/creates.log" ]] || return 0
  if [[ -n "${1:-}" ]]; then
    awk '$2 == 201 {print $1}' "$state/creates.log" | tail -n "$1" | shuf -n 1
  else
    awk '$2 == 201 {print $1}' "$state/creates.log" | shuf -n 1
  fi
}

anomaly() {
  echo "load-answer: $*" >>"$state/anomalies.log"
  echo "VIOLATION load-answer: $*" | tee -a "$run/violations.txt"
}

# create_build KIND NAME "EXPECTED CODES": small (1 cpu, fits while there is
# room), big (3 cpus: fits only on an almost idle node), huge (64 cpus: never
# fits, 422), real (kiln-agent + buildah).
create_build() {
  local kind="$1" name="$2" expect="$3" cpus=1 mem=256 code retry uid
  local sleep_ms=$((200 + RANDOM % 5800)) result=ok
  ((RANDOM % 10)) || result=fail
  local args="\"FAKE_SLEEP_MS\":\"$sleep_ms\",\"FAKE_RESULT\":\"$result\""
  args+=",\"FAKE_LOG_LINES\":\"20\",\"FAKE_LOG_INTERVAL_MS\":\"20\""
  case "$kind" in
    big) cpus=3 ;;
    huge) cpus=64 ;;
    real) args='"CHAOS_REAL_AGENT":"1"'; mem=512 ;;
  esac
  local body="{\"apiVersion\":\"kiln.dev/v1\",\"kind\":\"Build\","
  body+="\"metadata\":{\"name\":\"$name\",\"namespace\":\"$ns\"},\"spec\":{"
  body+="\"source\":{\"inline\":{\"files\":{\"Dockerfile\":"
  body+="\"FROM kiln/busybox:1\\nRUN echo $name > /chaos\\n\"}}},"
  body+="\"buildArgs\":{$args},\"resources\":{\"cpus\":$cpus,\"memoryMiB\":$mem},"
  body+="\"timeoutSeconds\":180}}"
  local out="$state/create.$BASHPID"
  rm -f "$out.body" "$out.headers"
  code="$(curl "${curl_args[@]}" --max-time 10 -o "$out.body" -D "$out.headers" \
    -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "$body" "$url$builds_path" 2>/dev/null)" || true
  code="${code:-000}"
  retry="$(tr -d '\r' <"$out.headers" 2>/dev/null |
    awk 'tolower($1) == "retry-after:" {print $2}')" || true
  uid=""
  if [[ "$code" == 201 ]]; then
    uid="$(grep -o '"uid":"[^"]*"' "$out.body" | head -n 1 | cut -d'"' -f4)" || true
  fi
  echo "$name $code ${retry:--} ${uid:--}" >>"$state/creates.log"
  [[ " $expect 000 " == *" $code "* ]] ||
    anomaly "create $name ($kind): HTTP $code $(head -c 300 "$out.body" 2>/dev/null)"
}

cancel_build() {
  local name code
  name="$(pick_acked 12)"
  [[ -n "$name" ]] || return 0
  code="$(curl "${curl_args[@]}" --max-time 10 -o /dev/null -w '%{http_code}' \
    -X PATCH -H 'Content-Type: application/merge-patch+json' \
    --data '{"spec":{"cancel":true}}' "$url$builds_path/$name" 2>/dev/null)" || true
  echo "$name ${code:-000}" >>"$state/cancels.log"
  # 409: the Build had already finished (docs/design.md "Error mapping").
  [[ " 200 404 409 000 " == *" ${code:-000} "* ]] || anomaly "cancel $name: HTTP $code"
}

delete_build() {
  local name code
  if ((RANDOM % 2)); then name="$(pick_acked 12)"; else name="$(pick_acked)"; fi
  [[ -n "$name" ]] || return 0
  echo "$name" >>"$state/deletes.log"  # before: the answer may be lost
  code="$(curl "${curl_args[@]}" --max-time 10 -o /dev/null -w '%{http_code}' \
    -X DELETE "$url$builds_path/$name" 2>/dev/null)" || true
  [[ " 200 202 404 000 " == *" ${code:-000} "* ]] || anomaly "delete $name: HTTP $code"
}

follow_log() {
  local name
  name="$(pick_acked 8)"
  [[ -n "$name" ]] || return 0
  (
    timeout 10 curl "${curl_args[@]}" -N -o /dev/null \
      "$url$builds_path/$name/log?follow=true" 2>/dev/null
    echo "$name $?" >>"$state/follows.log"
  ) &
}

watch_kubectl() {
  (
    timeout 8 kubectl --kubeconfig "$data/kubeconfig" --cache-dir "$run/kube-cache" \
      get builds -n "$ns" -w >/dev/null 2>&1
    echo "$?" >>"$state/watches.log"
  ) &
}

# The mixed load, until $state/stop-load exists. Runs across kills: requests
# made while kilnd is down fail (code 000) and count for nothing.
load() {
  local n=0 r
  while [[ ! -e "$state/stop-load" ]]; do
    r=$((RANDOM % 100))
    if ((r < 45)); then
      n=$((n + 1)); create_build small "s$n" "201 503"
    elif ((r < 55)); then
      n=$((n + 1)); create_build big "b$n" "201 503"
    elif ((r < 58)); then
      n=$((n + 1)); create_build huge "h$n" "422"
    elif ((r < 66)); then
      cancel_build
    elif ((r < 77)); then
      delete_build
    elif ((r < 83)); then
      (($(jobs -rp | wc -l) > 6)) || follow_log
    elif ((r < 88)); then
      (($(jobs -rp | wc -l) > 6)) || watch_kubectl
    fi
    sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
  done
  wait
}

kill_registry() {
  local pid
  pid="$(cat "$data/registry/registry.pid" 2>/dev/null)" || return 0
  [[ -n "$pid" ]] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$data/registry"; then
    kill -KILL "$pid" 2>/dev/null && echo "$pid" >>"$state/registry-kills.log"
  fi
  return 0
}

kill_builder() {
  local pid
  pid="$(pgrep -f -- "--work-dir $data/vms/" | shuf -n 1)" || true
  [[ -n "$pid" ]] || return 0
  kill -KILL "$pid" 2>/dev/null && echo "$pid" >>"$state/builder-kills.log"
  return 0
}

lines() { if [[ -f "$1" ]]; then wc -l <"$1"; else echo 0; fi; }
codes() { awk -v c="$1" '$2 == c' "$state/creates.log" | wc -l; }

report() {
  local unique=0 phases
  [[ -f "$run/violations.txt" ]] && unique="$(sort -u "$run/violations.txt" | wc -l)"
  phases="$(curl "${curl_args[@]}" --max-time 20 "$url$builds_path" 2>/dev/null |
    grep -o '"phase":"[A-Za-z]*"' | sort | uniq -c | tr -s ' \n' ' ')" || true
  echo "chaos: done in $1 s: kilnd kills $kilnd_kills, registry kills" \
    "$(lines "$state/registry-kills.log"), builder kills $(lines "$state/builder-kills.log")"
  echo "chaos: creates $(lines "$state/creates.log"): admitted (201) $(codes 201)," \
    "refused 503 $(codes 503), refused 422 $(codes 422), answer lost $(codes 000);" \
    "real buildah builds admitted $(awk '$2 == 201 && $1 ~ /^r/' "$state/creates.log" | wc -l)"
  echo "chaos: cancels $(lines "$state/cancels.log"), deletes $(lines "$state/deletes.log")," \
    "log follows $(lines "$state/follows.log"), kubectl watches $(lines "$state/watches.log")"
  echo "chaos: builds left at the end by phase:${phases:- none}"
  echo "chaos: recorded $(grep -o 'watch: .*' "$state/check.err" | tail -n 1)"
  echo "chaos: checker runs $check_runs, checks $checks, violations $unique (unique)"
  final_violations="$unique"
}

cleanup() {
  local rc=$?
  touch "$state/stop-load" "$state/stop-watch" 2>/dev/null || true
  stop_kilnd
  [[ -z "$load_pid" ]] || wait "$load_pid" 2>/dev/null || true
  [[ -z "$watcher_pid" ]] || kill "$watcher_pid" 2>/dev/null || true
  [[ -z "$watcher_pid" ]] || wait "$watcher_pid" 2>/dev/null || true
  # Whatever still runs from this data dir (builders, the registry) is ours.
  local pid
  for pid in $(pgrep -f -- "$data/" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  if ((rc == 0 && ${final_violations:-1} == 0 && !keep)); then
    rm -rf "$run"
  else
    echo "chaos: run dir kept: $run" >&2
  fi
  if ((rc == 0 && ${final_violations:-1} != 0)); then exit 1; fi
}
