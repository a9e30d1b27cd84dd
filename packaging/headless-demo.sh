#!/usr/bin/env bash
# The main job without a display: record this machine for 10 seconds while a small
# activity generator runs, then draw the provenance graph of that activity.
set -euo pipefail
bin="$1"
out_dir="${PROVSCOPE_OUTPUT_DIR:-$PWD}"
stamp="$(date +%Y%m%d-%H%M%S)"
session="$out_dir/provscope-$stamp.provscope"
graph="$out_dir/provscope-$stamp-graph.png"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

run_root=()
[ "$(id -u)" -eq 0 ] || run_root=(sudo)
echo "provscope: recording this machine for 10 seconds into $session"
"${run_root[@]}" "$bin/provscope-capture" -o "$session" --duration 10 >/dev/null &
capture=$!
sleep 2
workload_report="$("$bin/provscope-workload" "$scratch")"
workload_pid="$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' <<<"$workload_report" | head -n1)"
wait "$capture"

"$bin/provscope-cli" info "$session"
"$bin/provscope-cli" graph "$session" --poi "proc:$workload_pid" --format png -o "$graph"
echo "session: $session"
echo "graph:   $graph"
