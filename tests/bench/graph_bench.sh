#!/usr/bin/env bash
# Benchmark (not a test): the provenance graph of issue 5 on the synthetic 10-million-event
# session (provscope-bench-gensession --graph-rich; generated once and reused while it exists).
# Each measurement runs in a process of its own (provscope-bench-graph MODE), so its peak
# memory (VmHWM) is its own:
#   - SessionGraph::build() with CPR and without (--reduce none): wall and CPU time, the
#     builder's read+map / reduce split, nodes, raw and kept edges, reduction ratio, peak memory;
#   - CPR alone (reduceCausalityPreserving) on the first 1,000,000 raw edges (target < 2 s);
#   - analyzeProvenance() (resolve + track + cut) from 20 points of interest, backward,
#     backward with hideNoise, both directions, with the default limits (target < 1 s each),
#     and backward without limits from 5 of them; on the CPR graph and on the raw one;
#   - layout time (provscope-bench-layout) for views of 100, 1,000 and 5,000 nodes cut from
#     the session (as the graph tab shows them: noise hidden) and for generated ones of that
#     shape, offscreen; also without edge labels and with the engine Auto did not pick.
# Wall times on a busy machine include waiting for the CPU: CPU times are printed beside them.
#   tests/bench/graph_bench.sh [BIN_DIR] [SESSION=/tmp/provscope-bench-10M-graph.provscope] [EVENTS=10000000]
# PROVSCOPE_BENCH_NO_LAYOUT=1 skips the layout runs; PROVSCOPE_BENCH_JSON=DIR keeps every JSON line.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/build/bin}"
session="${2:-/tmp/provscope-bench-10M-graph.provscope}"
events="${3:-10000000}"
out="${PROVSCOPE_BENCH_JSON:-$(mktemp -d)}"
mkdir -p "$out"

if [ ! -s "$session" ]; then
    echo "generating $events events (--graph-rich) into $session (once; delete it to regenerate)"
    rm -f "$session" "$session.part"
    "$bin/provscope-bench-gensession" --graph-rich "$session.part" "$events"
    mv "$session.part" "$session"
fi
echo "session: $session ($(stat -c %s "$session") bytes)"
# Warm the page cache: an investigator opens a session that is on their disk.
cat "$session" >/dev/null

run() { # NAME ARGS...: one measurement, its JSON line kept as $out/NAME.json
    local name="$1"
    shift
    "$@" 2>"$out/$name.err" | tail -n 1 >"$out/$name.json" || echo "$name: exit status $? (see $out/$name.err)" >&2
}
run build_cpr "$bin/provscope-bench-graph" build "$session" --reduce cpr
run build_none "$bin/provscope-bench-graph" build "$session" --reduce none
run cpr_1m "$bin/provscope-bench-graph" cpr "$session" 1000000
run track_cpr "$bin/provscope-bench-graph" track "$session" --reduce cpr
run track_none "$bin/provscope-bench-graph" track "$session" --reduce none
if [ -z "${PROVSCOPE_BENCH_NO_LAYOUT:-}" ]; then
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
    run layout_session "$bin/provscope-bench-layout" "$session" --compare-engines
    run layout_synthetic "$bin/provscope-bench-layout" --synthetic --compare-engines
fi

python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
def load(name):
    path = os.path.join(out, name + ".json")
    try:
        with open(path) as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        err = os.path.join(out, name + ".err")
        print(f"{name}: FAILED ({open(err).read().strip()[-300:] if os.path.exists(err) else 'no output'})")
        return None
def verdict(value, target):
    return "ok" if value < target else "MISSED"

print()
for name, label in (("build_cpr", "build, CPR"), ("build_none", "build, --reduce none")):
    r = load(name)
    if r:
        print(f"{label:22} {r['seconds']:7.2f} s wall {r['cpu_seconds']:7.2f} s cpu  "
              f"(read+map {r['build_seconds']:.2f} s, reduce {r['reduce_seconds']:.2f} s)  "
              f"{r['events']:,} events -> {r['nodes']:,} nodes, {r['raw_edges']:,} raw edges -> "
              f"{r['edges']:,} edges (ratio {r['ratio']:.2f})  peak {r['peak_rss_mb']:.0f} MB")
r = load("cpr_1m")
if r:
    print(f"{'CPR alone, 1M edges':22} {r['seconds']:7.2f} s wall {r['cpu_seconds']:7.2f} s cpu  "
          f"{r['edges_in']:,} -> {r['edges_out']:,} (ratio {r['ratio']:.2f})  target < 2 s "
          f"{verdict(r['seconds'], 2.0)}")
for name, graph in (("track_cpr", "CPR graph"), ("track_none", "--reduce none")):
    r = load(name)
    if r:
        print()
        print(f"analyzeProvenance from {r['points']} points of interest ({graph}; target < 1 s each)")
        for m in r["modes"]:
            runs = m["runs"]
            cut = sum(1 for x in runs if x.get("cut"))
            errors = [x for x in runs if "error" in x]
            nodes = sorted(x.get("nodes", 0) for x in runs)
            edges = sorted(x.get("edges", 0) for x in runs)
            target = "" if m["name"].endswith("unlimited") else f"  {verdict(m['max_ms'], 1000.0)}"
            print(f"  {m['name']:22} median {m['median_ms']:9.1f} ms  max {m['max_ms']:9.1f} ms  "
                  f"mean cpu {m['mean_cpu_ms']:8.1f} ms  ({len(runs)} runs, {cut} cut, "
                  f"median view {nodes[len(nodes) // 2]:,} nodes / {edges[len(edges) // 2]:,} edges){target}")
            for x in errors:
                print(f"      {x['poi']}: {x['error']}")
        print(f"  peak memory {r['peak_rss_mb']:.0f} MB")
for name in ("layout_session", "layout_synthetic"):
    r = load(name) if os.path.exists(os.path.join(out, name + ".json")) else None
    if r:
        print()
        print(f"layout ({r['source']} views): GraphPainter::layout, Graphviz")
        for v in r["views"]:
            line = f"  {v['target']:5} -> {v['nodes']:5} nodes {v['edges']:7,} edges: "
            a = v["auto"]
            line += f"{a.get('engine', '?'):5} {a['ms']:9.1f} ms wall {a['cpu_ms']:9.1f} ms cpu"
            if "no_labels" in v:
                n = v["no_labels"]
                line += f"   (no edge labels: {n['ms']:.1f} ms wall)"
            if "other" in v:
                o = v["other"]
                line += f"   ({o.get('engine', '?')}: {o['ms']:.1f} ms wall, {o['cpu_ms']:.1f} ms cpu)"
            print(line)
PY
