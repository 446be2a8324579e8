#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, in the clang ASan + UBSan build,
# build-asan/, or build-fuzz/ with --campaign) and runs them, two at a time.
# Usage: hack/fuzz.sh [--campaign] [--seconds N | --runs N] [TARGET...] [-- FLAG...]
#   --campaign   build at -O1 in build-fuzz/ instead (twice the speed; for
#                the long runs docs/reliability.md records)
#   --seconds N  fuzz each target for N seconds (default 60)
#   --runs N     or for N executions
#   TARGET       e.g. build_json patch (default: every target in tests/fuzz)
#   FLAG         further libFuzzer flags, e.g. -max_len=65536
# Inputs found are kept in BUILD_DIR/tests/fuzz/work/<target>/corpus and
# reused by the next run; a finding leaves its reproducer in
# BUILD_DIR/tests/fuzz/work/<target>/artifacts and makes this script fail.
# Each target's output goes to BUILD_DIR/tests/fuzz/work/<target>.log; the
# last lines (executions, coverage) are printed.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."

bound=(--seconds 60)
build_mode=--sanitize
targets=()
flags=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds | --runs) bound=("$1" "$2"); shift 2 ;;
    --campaign) build_mode=--fuzz-campaign; shift ;;
    --) shift; flags=("$@"); break ;;
    -*) echo "usage: hack/fuzz.sh [--campaign] [--seconds N | --runs N] [TARGET...] [-- FLAG...]" >&2
        exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in tests/fuzz/*_fuzz.cc; do
    f="$(basename "$f")"
    targets+=("${f%_fuzz.cc}")
  done
fi

dir="$(hack/build.sh "$build_mode" "${targets[@]/#/fuzz_}" | tail -n 1)"
work="$dir/tests/fuzz/work"
mkdir -p "$work"

run() {
  local target="$1" log="$work/$1.log" rc=0 start
  start=$(date +%s)
  tests/fuzz/run_fuzzer.sh "$dir/tests/fuzz/fuzz_$target" "$work" \
    "${bound[@]}" -- "${flags[@]}" >"$log" 2>&1 || rc=$?
  echo "fuzz: $target: exit $rc in $(($(date +%s) - start))s ($log)"
  grep -E '^(Done|#[0-9]+ *DONE|stat::number_of_executed_units|SUMMARY)' \
    "$log" | sed "s/^/  $target: /" || true
  return "$rc"
}

failed=0
pids=()
# Stopping this script stops the targets it started (and their runners).
descendants() {
  local child
  for child in $(pgrep -P "$1"); do
    descendants "$child"
    echo "$child"
  done
}
stop() {
  local pid
  for pid in "${pids[@]}"; do
    kill $(descendants "$pid") "$pid" 2>/dev/null || true
  done
  exit 130
}
trap stop INT TERM
for target in "${targets[@]}"; do
  run "$target" &
  pids+=($!)
  if [[ ${#pids[@]} -ge "${KILN_FUZZ_JOBS:-2}" ]]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit "$failed"
