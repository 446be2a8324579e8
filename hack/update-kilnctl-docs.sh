#!/usr/bin/env bash
# Regenerates the command reference in docs/kilnctl.md from kilnctl's own
# --help, between the BEGIN/END GENERATED markers.
#   hack/update-kilnctl-docs.sh [KILNCTL]            rewrite docs/kilnctl.md
#   hack/update-kilnctl-docs.sh --verify [KILNCTL]   exit 1 if it is stale
# KILNCTL defaults to build/cmd/kilnctl/kilnctl.
set -o errexit -o nounset -o pipefail
cd "$(dirname "$0")/.."
verify=0
if [[ "${1:-}" == "--verify" ]]; then verify=1; shift; fi
kilnctl="${1:-build/cmd/kilnctl/kilnctl}"
doc=docs/kilnctl.md
begin='<!-- BEGIN GENERATED: hack/update-kilnctl-docs.sh -->'
end='<!-- END GENERATED -->'

generated() {
  echo "$begin"
  echo
  echo '### kilnctl'
  echo
  echo '```text'
  "$kilnctl" --help
  echo '```'
  for cmd in apply build get describe logs cancel delete wait version config completion; do
    echo
    echo "### kilnctl $cmd"
    echo
    echo '```text'
    "$kilnctl" "$cmd" --help
    echo '```'
  done
  echo
  echo "$end"
}

new="$(mktemp)"
trap 'rm -f "$new"' EXIT
{
  awk -v b="$begin" '$0 == b {exit} {print}' "$doc"
  generated
  awk -v e="$end" 'found {print} $0 == e {found=1}' "$doc"
} > "$new"
if (( verify )); then
  if ! cmp -s "$new" "$doc"; then
    diff "$new" "$doc" || true
    echo "$doc is out of date with kilnctl --help: run hack/update-kilnctl-docs.sh" >&2
    exit 1
  fi
  exit 0
fi
cp "$new" "$doc"
