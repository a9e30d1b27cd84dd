#!/usr/bin/env bash
# Benchmark (not a test): completeness against strace, in one run.
#   tests/bench/completeness.sh [BIN_DIR] [ROUNDS]
# A mixed workload (processes, pipes, files, sockets: provscope-mixed-workload)
# runs under `strace -f -c` inside a system-wide provscope capture. For every
# syscall provscope captures, the session's count for the workload's process
# tree (sum of event counts: coalesced runs count every call) must equal
# strace's. Prints the table, then "all equal" or the differences (exit 1).
# Needs root and strace (apt-get install strace).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/build/bin}"
rounds="${2:-20}"
command -v strace >/dev/null || { echo "completeness.sh: strace is not installed (apt-get install strace)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "completeness.sh: needs root (loads eBPF programs)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/scratch"

session="$work/mixed.provscope"
# --system-wide: the whole machine is recorded while the command runs; the
# analysis below keeps only the workload's tree (strace itself is excluded).
"$bin/provscope-capture" -o "$session" --system-wide -- \
    strace -f -c -o "$work/strace.txt" "$bin/provscope-mixed-workload" "$work/scratch" "$rounds" \
    2>"$work/capture.log" >/dev/null || { cat "$work/capture.log" >&2; exit 1; }
"$bin/provscope-cli" events "$session" >"$work/events.jsonl"
"$bin/provscope-cli" info "$session" >"$work/info.json"

python3 - "$work/events.jsonl" "$work/strace.txt" "$root/models/syscall_names.cpp" "$work/info.json" <<'EOF'
import json, re, sys
events_path, strace_path, names_path, info_path = sys.argv[1:5]

# The syscalls provscope records (models/syscall_names.cpp), minus what is not a
# syscall count: process exit, and mmap/mprotect, recorded only when
# file-backed or executable by design (anonymous mappings are noise).
names_src = open(names_path).read()
table = names_src[names_src.index('kNames[]'):names_src.index('};', names_src.index('kNames[]'))]
captured = [n for n in re.findall(r'"([a-z0-9_]+)"', table)]
by_design = {'mmap': 'only file-backed or PROT_EXEC mappings are recorded',
             'mprotect': 'only changes adding PROT_EXEC are recorded'}
skip = {'unknown', 'exit'} | set(by_design)
compared = [n for n in captured if n not in skip and not n.startswith('snapshot')]

# strace -c: "% time seconds usecs/call calls [errors] syscall"
strace = {}
for line in open(strace_path):
    parts = line.split()
    if len(parts) >= 5 and re.match(r'^[\d.]+$', parts[0]) and parts[-1] != 'total':
        strace[parts[-1]] = int(parts[3])

# The workload's tree: its root is the process that exec'd provscope-mixed-workload
# (strace's child); from its exec on, it and its descendants (by ppid, in order).
events = [json.loads(l) for l in open(events_path) if l.strip()]
root = None
for e in events:
    if e['syscall'] == 'execve' and e.get('ret') == 0 and e.get('path', '').endswith('/provscope-mixed-workload'):
        root = e
        break
if root is None:
    sys.exit('completeness.sh: no exec of provscope-mixed-workload in the session')
tree = {root['pid']}
session = {}
for e in events:
    if e['id'] < root['id']:
        continue
    if e['pid'] not in tree and e['ppid'] in tree:
        tree.add(e['pid'])
    if e['pid'] in tree:
        session[e['syscall']] = session.get(e['syscall'], 0) + e['count']

info = json.load(open(info_path))
print(f"workload tree: {len(tree)} processes; session lost_events: {info['counts']['lost_events']}")
print(f"{'syscall':<18} {'strace':>8} {'provscope':>10}  ")
diffs = []
quiet = 0
for name in compared:
    s, p = strace.get(name, 0), session.get(name, 0)
    if s == 0 and p == 0:
        quiet += 1
        continue
    mark = '' if s == p else '  <-- differs'
    if s != p:
        diffs.append(f"{name}: strace {s}, provscope {p}")
    print(f"{name:<18} {s:>8} {p:>10}{mark}")
print(f"({quiet} more captured syscalls not made by the workload: 0 = 0)")
for name, why in by_design.items():
    print(f"{name:<18} {strace.get(name, 0):>8} {session.get(name, 0):>10}  not compared: {why}")
others = sorted(n for n in strace if n not in captured)
print(f"not captured by provscope (strace only): {', '.join(others)}")
if diffs:
    print("DIFFERENCES:\n  " + "\n  ".join(diffs))
    sys.exit(1)
print("all equal")
EOF
