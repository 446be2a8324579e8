#!/usr/bin/env bash
# Runs one libFuzzer target from tests/fuzz for a bounded time or number of
# executions, from its seed corpus and with its dictionary.
# Usage: run_fuzzer.sh BINARY WORK_DIR (--seconds N | --runs N) [-- FLAG...]
#   BINARY    a fuzz_<target> executable (the target name is taken from it)
#   WORK_DIR  gets <target>/corpus (inputs found, kept across runs: the seeds
#             in the repository are never written) and <target>/artifacts
#             (crash-*, leak-*, timeout-*, oom-* reproducers)
#   FLAG      further libFuzzer flags, e.g. -max_len=65536
# Exits non-zero on a finding, after naming the reproducer and the command
# that replays it. Used by the fuzz ctests and hack/fuzz.sh.
set -o errexit -o nounset -o pipefail

usage() {
  echo "usage: run_fuzzer.sh BINARY WORK_DIR (--seconds N | --runs N) [-- FLAG...]" >&2
  exit 2
}
[[ $# -ge 4 ]] || usage
binary="$1" work="$2" bound="$3" count="$4"
shift 4
[[ "${1:-}" == "--" ]] && shift
case "$bound" in
  --seconds) limit=(-max_total_time="$count") ;;
  --runs) limit=(-runs="$count") ;;
  *) usage ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
name="$(basename "$binary")"
name="${name#fuzz_}"
seeds="$here/corpus/$name"
dict=()
[[ -f "$here/dicts/$name.dict" ]] && dict=(-dict="$here/dicts/$name.dict")
mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
artifacts="$work/$name/artifacts"

# detect_leaks: libFuzzer reports a leaking input as a finding too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=1"
rc=0
"$binary" "${limit[@]}" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "${dict[@]}" "$@" \
  "$work/$name/corpus" "$seeds" || rc=$?
if [[ $rc -ne 0 ]]; then
  echo "fuzz: $name: finding (exit $rc); reproducers:" >&2
  ls -l "$artifacts" >&2
  echo "fuzz: replay with: $binary $artifacts/<file>" >&2
fi
exit "$rc"
