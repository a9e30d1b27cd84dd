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

for tool in "$bin/provscope-bench-pcapgen" "$bin/provscope-cli" /usr/bin/time python3; do
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
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Baseline 1: libpcap reading (and writing) every packet, what any import must at least do.
tcpdump_times="" ; tcpdump_cpu=""
for i in $(seq "$runs"); do
    t0=$(now)
    /usr/bin/time -f '%U %S' -o "$work/tcpdump-time-$i.txt" tcpdump -r "$pcap" -w /dev/null 2>/dev/null
    tcpdump_times="$tcpdump_times $(echo "$(now) - $t0" | bc)"
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
tshark_s=$(echo "$(now) - $t0" | bc)
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
    wall=$(echo "$(now) - $t0" | bc)
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

python3 - "$work" "$truth" "$packets" "$import_s" "$cpu_s" "$rss_kb" "$tcpdump_s" "$tshark_s" "$read_s" "$read_cpu_s" \
    "$tcpdump_cpu_s" "$tshark_cpu_s" <<'PY'
import json, re, sys
work, truth_path = sys.argv[1], sys.argv[2]
packets = int(sys.argv[3])
import_s, cpu_s, rss_kb, tcpdump_s, tshark_s, read_s, read_cpu_s, tcpdump_cpu_s, tshark_cpu_s = map(float, sys.argv[4:13])
truth = json.load(open(truth_path))
failures = []

def tshark_size(n):
    # Wireshark 4.0 format_size(): whole units, truncated, from 10 of them up.
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n // scale >= 10:
            return "%d %s" % (n // scale, unit)
    return "%d bytes" % n

# tshark: "A:pa <-> B:pb  framesBA bytesBA  framesAB bytesAB  frames bytes  start  duration";
# "<-" is B to A, "->" is A to B. Sizes are "N bytes" or "N kB"...
row = re.compile(r"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+(\d+ \w+)\s+(\d+)\s+(\d+ \w+)\s+(\d+)\s+(\d+ \w+)\s")
conv = {}  # (proto, frozenset of endpoints) -> {(addr, port): (frames from it, size text)}
section = None
for line in open(work + "/tshark-conv.txt"):
    if line.startswith("TCP Conversations"):
        section = "tcp"
    elif line.startswith("UDP Conversations"):
        section = "udp"
    m = row.match(line)
    if not m or section is None:
        continue
    a, b = (m.group(1), int(m.group(2))), (m.group(3), int(m.group(4)))
    key = (section, frozenset((a, b)))
    if key in conv:
        failures.append("tshark lists the %s conversation %s twice" % (section, sorted(key[1])))
    conv[key] = {b: (int(m.group(5)), m.group(6)), a: (int(m.group(7)), m.group(8))}

io_sums = re.findall(r"\|\s*[\d.]+\s*<>\s*(?:[\d.]+|Dur)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", open(work + "/tshark-io.txt").read())

flows = {}
proto_name = {6: "tcp", 17: "udp", "6": "tcp", "17": "udp", "tcp": "tcp", "udp": "udp", "TCP": "tcp", "UDP": "udp"}
for line in open(work + "/flows.jsonl"):
    if not line.strip():
        continue
    f = json.loads(line)
    proto = proto_name.get(f["proto"], str(f["proto"]))
    src, dst = (f["src"], int(f["sport"])), (f["dst"], int(f["dport"]))
    key = (proto, frozenset((src, dst)))
    if key in flows:
        failures.append("provscope has the %s flow %s twice (a conversation split)" % (proto, sorted(key[1])))
    flows[key] = {src: (int(f.get("packets_out", 0)), int(f.get("bytes_out", 0))),
                  dst: (int(f.get("packets_in", 0)), int(f.get("bytes_in", 0)))}

def totals(table, proto, frames_at):
    rows = [v for k, v in table.items() if k[0] == proto]
    return len(rows), sum(frames_at(v) for v in rows)

report = {}
for proto in ("tcp", "udp"):
    t_rows, t_frames = totals(conv, proto, lambda v: sum(x[0] for x in v.values()))
    p_rows, p_frames = totals(flows, proto, lambda v: sum(x[0] for x in v.values()))
    p_bytes = sum(sum(x[1] for x in v.values()) for k, v in flows.items() if k[0] == proto)
    g_rows, g_frames = truth[proto + "_flows"], truth[proto + "_frames"]
    report[proto] = dict(tshark_conversations=t_rows, provscope_flows=p_rows, generator_flows=g_rows,
                         tshark_frames=t_frames, provscope_packets=p_frames, generator_frames=g_frames,
                         provscope_bytes=p_bytes)
    if not (t_rows == p_rows == g_rows):
        failures.append("%s: %d tshark conversations, %d provscope flows, %d generated" % (proto, t_rows, p_rows, g_rows))
    if not (t_frames == p_frames == g_frames):
        failures.append("%s: %d tshark frames, %d provscope packets, %d generated" % (proto, t_frames, p_frames, g_frames))
if len(io_sums) == 1:
    t_tcp_bytes, t_udp_bytes = map(int, io_sums[0])
    report["tcp"]["tshark_bytes"], report["udp"]["tshark_bytes"] = t_tcp_bytes, t_udp_bytes
    for proto, t in (("tcp", t_tcp_bytes), ("udp", t_udp_bytes)):
        if t != report[proto]["provscope_bytes"]:
            failures.append("%s: %d bytes by tshark (sum of frame.len), %d by provscope" % (proto, t, report[proto]["provscope_bytes"]))
    if t_tcp_bytes + t_udp_bytes != truth["bytes"]:
        failures.append("tshark sums %d bytes, the generator wrote %d" % (t_tcp_bytes + t_udp_bytes, truth["bytes"]))
else:
    failures.append("could not read tshark's io,stat byte sums (see %s/tshark-io.txt)" % work)

# Every conversation, each direction.
missing = [k for k in conv if k not in flows]
extra = [k for k in flows if k not in conv]
mismatched = []
for key, sides in conv.items():
    mine = flows.get(key)
    if mine is None:
        continue
    for endpoint, (frames, size) in sides.items():
        got = mine.get(endpoint)
        if got is None or got[0] != frames or tshark_size(got[1]) != size:
            mismatched.append((sorted(key[1]), endpoint, (frames, size), got))
if missing:
    failures.append("%d tshark conversations have no provscope flow, e.g. %s" % (len(missing), sorted(missing[0][1])))
if extra:
    failures.append("%d provscope flows are no tshark conversation, e.g. %s" % (len(extra), sorted(extra[0][1])))
if mismatched:
    failures.append("%d conversation directions differ, e.g. %s from %s: tshark (frames, bytes) %s, provscope %s"
                    % ((len(mismatched),) + tuple(map(str, mismatched[0]))))

pps = packets / import_s
print()
print("packets:                 %d (%d TCP conversations, %d UDP)" % (packets, report["tcp"]["tshark_conversations"], report["udp"]["tshark_conversations"]))
print("import (median wall):    %.3f s  -> %.0f packets/s  (CPU %.3f s, %.0f packets per CPU second)" % (import_s, pps, cpu_s, packets / cpu_s if cpu_s > 0 else 0))
print("import peak RSS:         %.1f MB" % (rss_kb / 1024))
if read_s > 0:
    print("read+aggregate alone:    %.3f s  -> %.0f packets/s  (CPU %.3f s): the store takes the other %.0f%% of the import's CPU"
          % (read_s, packets / read_s, read_cpu_s, 100 * max(cpu_s - read_cpu_s, 0) / cpu_s if cpu_s > 0 else 0))
print("tcpdump -r -w /dev/null: %.3f s  -> %.0f packets/s  (CPU %.3f s); import takes %.2fx its wall time, %.2fx its CPU"
      % (tcpdump_s, packets / tcpdump_s, tcpdump_cpu_s, import_s / tcpdump_s, cpu_s / tcpdump_cpu_s if tcpdump_cpu_s > 0 else 0))
print("tshark -z conv,tcp/udp:  %.3f s  -> %.0f packets/s  (CPU %.3f s); import takes %.3fx its wall time (%.1fx faster), %.3fx its CPU"
      % (tshark_s, packets / tshark_s, tshark_cpu_s, import_s / tshark_s, tshark_s / import_s, cpu_s / tshark_cpu_s if tshark_cpu_s > 0 else 0))
for proto in ("tcp", "udp"):
    print("%s: %s" % (proto, json.dumps(report[proto])))
print("per-direction check:     %d conversations, %d directions differ" % (len(conv), len(mismatched)))
print(json.dumps(dict(bench="import", packets=packets, import_s=import_s, packets_per_s=round(pps), cpu_s=cpu_s,
                      peak_rss_kb=int(rss_kb), read_aggregate_s=read_s, read_aggregate_cpu_s=read_cpu_s,
                      tcpdump_s=tcpdump_s, tcpdump_cpu_s=tcpdump_cpu_s, tshark_s=tshark_s, tshark_cpu_s=tshark_cpu_s, counts=report,
                      direction_mismatches=len(mismatched), pass_=not failures)))
if failures:
    print("FAIL")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print("PASS: flow and packet counts equal tshark's conversations (and per-direction frames and bytes)")
PY
