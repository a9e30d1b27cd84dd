#!/usr/bin/env bash
# Benchmark (not a test; run as root): how much Causality-Preserving Reduction shrinks the
# graph of real captures. Records the activity generator (tests/workloads, provscope-activity)
# with the real eBPF capture, headless, for DURATION seconds per workload:
#   normal      provscope-activity --only normal      (file I/O, network, processes, system)
#   suspicious  provscope-activity --only suspicious  (recon, lateral movement, persistence, ...)
#   mixed       provscope-activity                    (both, interleaved)
# then builds each session's graph (provscope-bench-graph build: SessionGraph::build with CPR)
# and prints events, raw edges, CPR edges and the ratio raw / CPR. Sessions are kept in OUT_DIR.
# The capture already coalesces runs of reads and writes in the kernel (one event with a count),
# so the system calls the events stand for are printed too: CPR works on what is left. Each
# workload is also recorded with --raw (one event per system call, nothing coalesced), where
# CPR alone does the merging (PROVSCOPE_BENCH_NO_RAW=1 skips those runs).
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

captures=(coalesced)
[ -z "${PROVSCOPE_BENCH_NO_RAW:-}" ] && captures+=(raw)
results=()
for capture in "${captures[@]}"; do
    for workload in normal suspicious mixed; do
        name="$workload"
        flags=()
        [ "$capture" = raw ] && { name="$workload-raw"; flags=(--raw); }
        session="$out/$name.provscope"
        rm -f "$session"
        only=()
        [ "$workload" != mixed ] && only=(--only "$workload")
        echo "recording $name for ${duration} s into $session"
        "$bin/provscope-capture" "${flags[@]}" -o "$session" -- \
            "$bin/provscope-activity" --duration "$duration" "${only[@]}" \
            >"$out/$name.activity.jsonl" 2>"$out/$name.capture.err" ||
            { echo "capture of $name failed:" >&2; tail -n 5 "$out/$name.capture.err" >&2; exit 1; }
        "$bin/provscope-bench-graph" build "$session" --reduce cpr 2>/dev/null | tail -n 1 >"$out/$name.graph.json"
        results+=("$name=$out/$name.graph.json")
    done
done

python3 - "${results[@]}" <<'PY'
import json, sqlite3, sys
print()
print(f"{'workload':16} {'syscalls':>10} {'events':>10} {'nodes':>8} {'raw edges':>10} {'CPR edges':>10} {'ratio':>7}")
for arg in sys.argv[1:]:
    name, path = arg.split("=", 1)
    r = json.load(open(path))
    db = sqlite3.connect(f"file:{path[:-len('.graph.json')]}.provscope?mode=ro", uri=True)
    syscalls = db.execute("SELECT sum(count) FROM events").fetchone()[0] or 0
    print(f"{name:16} {syscalls:>10,} {r['events']:>10,} {r['nodes']:>8,} {r['raw_edges']:>10,} "
          f"{r['edges']:>10,} {r['ratio']:>7.2f}")
PY
