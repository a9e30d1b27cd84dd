#!/usr/bin/env bash
# Benchmark (not a test) of issue 6: `provscope-cli import --pcap` throughput on a synthetic
# classic pcap of PACKETS packets where no 5-tuple is reused (provscope-bench-pcapgen), so
# tshark's conversations and provscope's flows are the same thing.
#   - generates the pcap once (kept while it exists: delete it to regenerate);
#   - baselines on the same warm file: `tcpdump -r FILE -w /dev/null` (reading and writing
#     every packet, median of RUNS) and `tshark -q -z conv,tcp -z conv,udp` (once: slow);
#   - the import's first half alone (provscope-bench-pcapread: readCaptureFile + FlowAggregator,
#     no session), so the store's share is the rest;
#   - RUNS imports into a new session each: wall time (median), packets/s, CPU time and peak
#     RSS (/usr/bin/time -v);
#   - checks the imported session against tshark's conversation tables: TCP and UDP flow
#     counts and frame totals, then every conversation's frames in each direction (exact) and
#     bytes in each direction (exact below 10 kB, where tshark 4.0 prints "N bytes"; above,
#     the same "N kB" / "N MB" figure tshark prints), and byte totals against
#     `tshark -z io,stat` sums of frame.len; also against the generator's own ground truth.
# Prints PASS or FAIL (exit status 1 on FAIL) and the figures, with the import's time as a
# ratio of tcpdump's and tshark's. Wall and CPU times both: on a shared machine wall time
# includes waiting for a core.
#   tests/bench/import_bench.sh [BIN_DIR] [PACKETS=1000000] [RUNS=5] [WORK_DIR=/tmp/provscope-bench-import]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/build/bin}"
packets="${2:-1000000}"
runs="${3:-5}"
work="${4:-/tmp/provscope-bench-import}"
seed="${PROVSCOPE_BENCH_SEED:-1}"
mkdir -p "$work"
pcap="$work/synth-$packets-s$seed.pcap"
truth="$pcap.truth.json"
session="$work/import.provscope"

for tool in "$bin/provscope-bench-pcapgen" "$bin/provscope-cli" /usr/bin/time python3 awk; do
    [ -x "$tool" ] || command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
for tool in tshark tcpdump; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install $tool" >&2; exit 2; }
done

if [ ! -s "$pcap" ] || [ ! -s "$truth" ]; then
    echo "generating $packets packets (seed $seed) into $pcap (once; delete it to regenerate)"
    rm -f "$pcap" "$truth"
    "$bin/provscope-bench-pcapgen" --packets "$packets" --seed "$seed" -o "$pcap" >"$truth.part"
    mv "$truth.part" "$truth"
fi
echo "capture: $pcap ($(stat -c %s "$pcap") bytes); generator: $(cat "$truth")"
cat "$pcap" >/dev/null # warm: every run reads from the page cache

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f", b - a }'; } # seconds since $1
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Baseline 1: libpcap reading (and writing) every packet, what any import must at least do.
tcpdump_times="" ; tcpdump_cpu=""
for i in $(seq "$runs"); do
    t0=$(now)
    /usr/bin/time -f '%U %S' -o "$work/tcpdump-time-$i.txt" tcpdump -r "$pcap" -w /dev/null 2>/dev/null
    tcpdump_times="$tcpdump_times $(since "$t0")"
    tcpdump_cpu="$tcpdump_cpu $(awk '{print $1 + $2}' "$work/tcpdump-time-$i.txt")"
done
tcpdump_s=$(echo "$tcpdump_times" | median)
tcpdump_cpu_s=$(echo "$tcpdump_cpu" | median)

# The import's first half alone (readCaptureFile + FlowAggregator, no session): what the
# store adds is the import's time minus this. CPU time too: wall time on a shared machine
# includes waiting for a core.
read_times="" ; read_cpu=""
if [ -x "$bin/provscope-bench-pcapread" ]; then
    for i in $(seq "$runs"); do
        /usr/bin/time -f '%U %S' -o "$work/read-time-$i.txt" "$bin/provscope-bench-pcapread" "$pcap" >"$work/read-$i.json"
        read_times="$read_times $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$work/read-$i.json")"
        read_cpu="$read_cpu $(awk '{print $1 + $2}' "$work/read-time-$i.txt")"
    done
fi
read_s=$(echo "${read_times:-0}" | median)
read_cpu_s=$(echo "${read_cpu:-0}" | median)

# Baseline 2 and the reference counts: tshark's conversation tables.
t0=$(now)
/usr/bin/time -f '%U %S' -o "$work/tshark-time.txt" tshark -q -z conv,tcp -z conv,udp -r "$pcap" \
    >"$work/tshark-conv.txt" 2>"$work/tshark-conv.err"
tshark_s=$(since "$t0")
tshark_cpu_s=$(awk '{print $1 + $2}' "$work/tshark-time.txt")
tshark -q -r "$pcap" -z 'io,stat,0,SUM(frame.len)frame.len && tcp,SUM(frame.len)frame.len && udp' \
    >"$work/tshark-io.txt" 2>"$work/tshark-io.err"

# The imports: each into a new session.
import_times="" ; import_cpu="" ; import_rss=""
for i in $(seq "$runs"); do
    rm -f "$session" "$session-wal" "$session-shm" "$session-journal"
    t0=$(now)
    /usr/bin/time -v -o "$work/time-$i.txt" "$bin/provscope-cli" import --pcap "$pcap" -o "$session" \
        >"$work/import-$i.out" 2>"$work/import-$i.err" || {
        echo "import run $i failed (exit $?):" >&2
        cat "$work/import-$i.err" >&2
        exit 1
    }
    wall=$(since "$t0")
    import_times="$import_times $wall"
    cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u + s}' "$work/time-$i.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$i.txt")
    import_cpu="$import_cpu $cpu"
    import_rss="$import_rss $rss"
    echo "import run $i: ${wall} s wall, ${cpu} s CPU, peak RSS ${rss} kB"
done
import_s=$(echo "$import_times" | median)
cpu_s=$(echo "$import_cpu" | median)
rss_kb=$(echo "$import_rss" | tr ' ' '\n' | sort -n | tail -n 1)
echo "import output (last run):"
sed 's/^/  /' "$work/import-$runs.out" "$work/import-$runs.err"

"$bin/provscope-cli" flows "$session" >"$work/flows.jsonl"
"$bin/provscope-cli" info "$session" >"$work/info.txt" 2>&1 || true

cat >"$work/figures.json" <<JSON
{"import_s": $import_s, "cpu_s": $cpu_s, "rss_kb": $rss_kb, "read_s": $read_s, "read_cpu_s": $read_cpu_s,
 "tcpdump_s": $tcpdump_s, "tcpdump_cpu_s": $tcpdump_cpu_s, "tshark_s": $tshark_s, "tshark_cpu_s": $tshark_cpu_s}
JSON
python3 "$root/tests/bench/flow_conv_check.py" --conv "$work/tshark-conv.txt" --io "$work/tshark-io.txt" \
    --flows "$work/flows.jsonl" --truth "$truth" --figures "$work/figures.json"
