#!/usr/bin/env python3
"""Checks flows (JSON lines as `provscope-cli flows` prints them) against tshark's
conversation tables (`tshark -q -z conv,tcp -z conv,udp`), tshark's byte sums
(`-z io,stat,0,SUM(frame.len)frame.len && tcp,SUM(frame.len)frame.len && udp`) and the
generator's ground truth (provscope-bench-pcapgen's JSON line): flow counts and frame
totals per protocol, then every conversation's frames in each direction (exact) and bytes
in each direction (exact below 10 kB, where tshark 4.0 prints "N bytes"; above, the same
"N kB" figure tshark prints). With --figures (import_bench.sh's timings) it prints them
first. Prints PASS or FAIL (exit status 1).
  flow_conv_check.py --conv FILE --io FILE --flows FILE --truth FILE [--figures FILE]
"""
import argparse
import json
import re
import sys

ap = argparse.ArgumentParser()
for name in ("conv", "io", "flows", "truth"):
    ap.add_argument("--" + name, required=True)
ap.add_argument("--figures")
args = ap.parse_args()
truth = json.load(open(args.truth))
packets = truth["packets"]
figures = json.load(open(args.figures)) if args.figures else None
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
for line in open(args.conv):
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

io_sums = re.findall(r"\|\s*[\d.]+\s*<>\s*(?:[\d.]+|Dur)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", open(args.io).read())

flows = {}
proto_name = {6: "tcp", 17: "udp", "6": "tcp", "17": "udp", "tcp": "tcp", "udp": "udp", "TCP": "tcp", "UDP": "udp"}
for line in open(args.flows):
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
elif "Duration: 0.000 secs" in open(args.io).read():
    print("note: tshark prints no io,stat row for a capture of zero duration: byte totals checked against the generator only")
else:
    failures.append("could not read tshark's io,stat byte sums (see %s)" % args.io)
provscope_bytes = report["tcp"]["provscope_bytes"] + report["udp"]["provscope_bytes"]
if provscope_bytes != truth["bytes"]:
    failures.append("provscope counts %d bytes, the generator wrote %d" % (provscope_bytes, truth["bytes"]))

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

print()
print("packets:                 %d (%d TCP conversations, %d UDP)" % (packets, report["tcp"]["tshark_conversations"], report["udp"]["tshark_conversations"]))
if figures:
    f = figures
    cpu_s, import_s = f["cpu_s"], f["import_s"]
    print("import (median wall):    %.3f s  -> %.0f packets/s  (CPU %.3f s: %.0f packets per CPU second)"
          % (import_s, packets / import_s, cpu_s, packets / cpu_s if cpu_s > 0 else 0))
    print("import peak RSS:         %.1f MB" % (f["rss_kb"] / 1024))
    if f["read_s"] > 0:
        print("read+aggregate alone:    %.3f s  -> %.0f packets/s  (CPU %.3f s): the store takes the other %.0f%% of the import's CPU"
              % (f["read_s"], packets / f["read_s"], f["read_cpu_s"], 100 * max(cpu_s - f["read_cpu_s"], 0) / cpu_s if cpu_s > 0 else 0))
    print("tcpdump -r -w /dev/null: %.3f s  -> %.0f packets/s  (CPU %.3f s); import takes %.2fx its wall time, %.2fx its CPU"
          % (f["tcpdump_s"], packets / f["tcpdump_s"], f["tcpdump_cpu_s"], import_s / f["tcpdump_s"],
             cpu_s / f["tcpdump_cpu_s"] if f["tcpdump_cpu_s"] > 0 else 0))
    print("tshark -z conv,tcp/udp:  %.3f s  -> %.0f packets/s  (CPU %.3f s); import takes %.3fx its wall time (%.1fx faster), %.3fx its CPU"
          % (f["tshark_s"], packets / f["tshark_s"], f["tshark_cpu_s"], import_s / f["tshark_s"], f["tshark_s"] / import_s,
             cpu_s / f["tshark_cpu_s"] if f["tshark_cpu_s"] > 0 else 0))
for proto in ("tcp", "udp"):
    print("%s: %s" % (proto, json.dumps(report[proto])))
print("per-direction check:     %d conversations, %d directions differ" % (len(conv), len(mismatched)))
summary = dict(bench="import", packets=packets, counts=report, direction_mismatches=len(mismatched), passed=not failures)
if figures:
    summary.update(figures, packets_per_s=round(packets / figures["import_s"]))
print(json.dumps(summary))
if failures:
    print("FAIL")
    for f in failures:
        print("  " + f)
    sys.exit(1)
print("PASS: flow and packet counts equal tshark's conversations (and per-direction frames and bytes)")
