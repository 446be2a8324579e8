#!/usr/bin/env bash
# Chaos run (docs/reliability.md "Chaos"): kilnd with the process driver on a
# fresh data dir, under a mixed load (creates that fit and that do not,
# cancels, deletes, watches, log follows), is killed with SIGKILL at random
# moments; the embedded registry and builder processes are killed too now
# and then. After every restart hack/chaos/chaos_check checks the invariants
# through the API and the data dir; a final check runs once the load stopped
# and every Build finished.
#
# Usage: hack/chaos.sh [--kills N] [--short] [--build-dir DIR] [--keep]
#   --kills N        kilnd kills (default 100; --short: 5)
#   --short          stand-in agent only, short pauses (CI: ctest Chaos.Short)
#   --build-dir DIR  use these binaries (release build dir); default: build
#                    them with hack/build.sh
#   --keep           keep the run dir (data dir, logs, records) afterwards
# Most builds run tests/controller/vm/fake_agent (the agent contract, no
# buildah); a Build with the build arg CHAOS_REAL_AGENT runs the real
# kiln-agent + buildah (a few per full run). The agent is chosen per build by
# a wrapper given to kilnd as --agent-path.
# Prints one "VIOLATION ..." line per violation and a summary; exit status 0
# when there were none, 1 otherwise.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
root=$PWD

kills=100
kills_set=0
short=0
build_dir=""
keep=0
while (($#)); do
  case "$1" in
    --kills) kills="$2"; kills_set=1; shift 2 ;;
    --short) short=1; shift ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: hack/chaos.sh [--kills N] [--short] [--build-dir DIR] [--keep]" >&2
       exit 2 ;;
  esac
done
((short && !kills_set)) && kills=5

if [[ -z "$build_dir" ]]; then
  build_dir="$root/$(hack/build.sh kilnd kiln-agent kilnctl fake_agent chaos_check |
    tail -n 1)"
fi
build_dir="$(cd "$build_dir" && pwd)"
kilnd_bin="$build_dir/cmd/kilnd/kilnd"
agent_bin="$build_dir/cmd/kiln-agent/kiln-agent"
fake_bin="$build_dir/tests/controller/vm/fake_agent"
check_bin="$build_dir/hack/chaos/chaos_check"
for b in "$kilnd_bin" "$agent_bin" "$fake_bin" "$check_bin"; do
  [[ -x "$b" ]] || { echo "chaos: missing $b (build it first)" >&2; exit 2; }
done

run="$(mktemp -d /tmp/kiln-chaos.XXXXXX)"
# Builders run in a user namespace as unprivileged host ids: they must pass
# through the run dir to their data dir and agent wrapper.
chmod 711 "$run"
data="$run/data"
state="$run/state"
mkdir -p "$state/watch" "$run/home"
export HOME="$run/home"
ns=chaos
builds_path="/apis/kiln.dev/v1/namespaces/$ns/builds"
source "$root/hack/chaos/lib.sh"

# The agent, chosen per Build: the real one when its job asks for it.
cat >"$run/agent.sh" <<EOF
#!/bin/sh
if grep -q '"CHAOS_REAL_AGENT"' "\$2/job.json"; then exec "$agent_bin" "\$@"; fi
exec "$fake_bin" "\$@"
EOF
chmod +x "$run/agent.sh"

api_port="$(free_port)"
registry_port="$(free_port "$api_port")"
kilnd_args=(--data-dir "$data" --listen "127.0.0.1:$api_port"
  --embedded-registry "127.0.0.1:$registry_port" --driver process
  --agent-path "$run/agent.sh" --node-name chaos --capacity-cpus 4
  --capacity-memory 4Gi --max-builds 4 --gc-interval-seconds 1
  --vm-delete-grace-seconds 1 --workers 4 --retained-revisions 32)

trap cleanup EXIT
started=$(date +%s)
echo "chaos: run dir $run, kills $kills, short $short, api 127.0.0.1:$api_port, registry 127.0.0.1:$registry_port"
for ((i = 1; i <= kills; i++)); do
  start_kilnd "$i"
  if ((i == 1)); then
    read -r url token < <("$check_bin" endpoint --data-dir "$data")
    curl_args=(-sS --cacert "$data/pki/ca.crt" -H "Authorization: Bearer $token")
    watcher & watcher_pid=$!
    load & load_pid=$!
  fi
  ((short || i % 5 != 3)) || create_build real "r$i" "201 503"
  if [[ -e "$state/pause-watch" ]]; then
    # The watch was left behind for a while: more revisions than kilnd
    # retains go by, so it resumes with a 410 (and a list) or in order.
    sleep 8
    rm -f "$state/pause-watch"
  fi
  run_check "$i" 8
  # A random moment: while builds start, run, finish and are recovered.
  sleep "$(rand_seconds $((short ? 3000 : 3500)))"
  ((i % 7 != 4)) || touch "$state/pause-watch"
  ((RANDOM % 8)) || kill_registry
  ((RANDOM % 6)) || kill_builder
  if ! kill -0 "$kilnd_pid" 2>/dev/null; then
    violation "kilnd-alive: kilnd exited by itself before kill $i (log $run/kilnd-$i.log)"
    tail -n 20 "$run/kilnd-$i.log" >&2
  fi
  kill -KILL "$kilnd_pid" 2>/dev/null || true
  wait "$kilnd_pid" 2>/dev/null || true
  kilnd_kills=$((kilnd_kills + 1))
  sleep "$(rand_seconds 800)"
done

# The end: no more load; every Build finishes; nothing may be left.
start_kilnd final
touch "$state/stop-load"
wait "$load_pid" || true
"$check_bin" wait-terminal --data-dir "$data" --state-dir "$state" \
  --timeout-seconds 300 || violation "terminal: builds still running 300 s after the load stopped"
run_check final 20 --final
report $(($(date +%s) - started))
touch "$state/stop-watch"
stop_kilnd
