#!/usr/bin/env bash
# Benchmark (not a test; run as root): how much Causality-Preserving Reduction shrinks the
# graph of real captures. Records the activity generator (tests/workloads, provscope-activity)
# with the real eBPF capture, headless, for DURATION seconds per workload:
#   normal      provscope-activity --only normal      (file I/O, network, processes, system)
#   suspicious  provscope-activity --only suspicious  (recon, lateral movement, persistence, ...)
#   mixed       provscope-activity                    (both, interleaved)
# then builds each session's graph (provscope-bench-graph build: SessionGraph::build with CPR)
# and prints events, raw edges, CPR edges and the ratio raw / CPR. Sessions are kept in OUT_DIR.
#   sudo tests/bench/reduction_ratio.sh [BIN_DIR] [DURATION=20] [OUT_DIR=/tmp/provscope-reduction]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/build/bin}"
duration="${2:-20}"
out="${3:-/tmp/provscope-reduction}"

if [ "$(id -u)" != 0 ]; then
    echo "reduction_ratio.sh: the capture loads eBPF programs: run as root" >&2
    exit 1
fi
for tool in provscope-capture provscope-activity provscope-bench-graph; do
    [ -x "$bin/$tool" ] || { echo "reduction_ratio.sh: $bin/$tool is missing (build it first)" >&2; exit 1; }
done
mkdir -p "$out"

results=()
for workload in normal suspicious mixed; do
    session="$out/$workload.provscope"
    rm -f "$session"
    only=()
    [ "$workload" != mixed ] && only=(--only "$workload")
    echo "recording $workload for ${duration} s into $session"
    "$bin/provscope-capture" -o "$session" -- "$bin/provscope-activity" --duration "$duration" "${only[@]}" \
        >"$out/$workload.activity.jsonl" 2>"$out/$workload.capture.err" ||
        { echo "capture of $workload failed:" >&2; tail -n 5 "$out/$workload.capture.err" >&2; exit 1; }
    "$bin/provscope-bench-graph" build "$session" --reduce cpr 2>/dev/null | tail -n 1 >"$out/$workload.graph.json"
    results+=("$workload=$out/$workload.graph.json")
done

python3 - "${results[@]}" <<'PY'
import json, sys
print()
print(f"{'workload':12} {'events':>10} {'nodes':>8} {'raw edges':>10} {'CPR edges':>10} {'ratio':>7}")
for arg in sys.argv[1:]:
    name, path = arg.split("=", 1)
    r = json.load(open(path))
    print(f"{name:12} {r['events']:>10,} {r['nodes']:>8,} {r['raw_edges']:>10,} {r['edges']:>10,} {r['ratio']:>7.2f}")
PY
