#!/usr/bin/env bash
# Benchmark (not a test): session bytes per captured syscall, in one run, on
#   - the syscall storm: dd if=/dev/zero of=/dev/null bs=1 count=COUNT
#   - the mixed workload: provscope-mixed-workload SCRATCH ROUNDS (processes, pipes,
#     files, sockets)
# each recorded with `provscope-capture -o FILE -- COMMAND` (the command's tree).
# Bytes per captured syscall = finished file size / sum of the events' counts
# (a coalesced event stands for `count` syscalls). Target (DESIGN.md): at most 64.
#   tests/bench/session_size.sh [BIN_DIR] [COUNT] [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/build/bin}"
count="${2:-300000}"
rounds="${3:-200}"
[ "$(id -u)" = 0 ] || { echo "session_size.sh: needs root (loads eBPF programs)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/scratch"

measure() { # NAME SESSION
    local size
    size=$(stat -c %s "$2")
    "$bin/provscope-cli" events "$2" | python3 -c '
import json, sys
name, size = sys.argv[1], int(sys.argv[2])
events = syscalls = 0
for line in sys.stdin:
    events += 1
    syscalls += json.loads(line).get("count", 1)
print(f"{name:8} {size:>10} bytes  {events:>8} events  {syscalls:>8} syscalls  "
      f"{size / max(syscalls, 1):7.2f} bytes/syscall  {size / max(events, 1):7.1f} bytes/event")
' "$1" "$size"
}

"$bin/provscope-capture" -o "$work/storm.provscope" -- \
    dd if=/dev/zero of=/dev/null bs=1 count="$count" status=none 2>"$work/storm.log" >/dev/null
"$bin/provscope-capture" -o "$work/mixed.provscope" -- \
    "$bin/provscope-mixed-workload" "$work/scratch" "$rounds" 2>"$work/mixed.log" >/dev/null
echo "session size per captured syscall (target <= 64 bytes)"
measure storm "$work/storm.provscope"
measure mixed "$work/mixed.provscope"
