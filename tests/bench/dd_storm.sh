#!/usr/bin/env bash
# Benchmark (not a test): a syscall storm, untraced and under provscope-capture, in one run.
#   tests/bench/dd_storm.sh [BIN_DIR] [COUNT]
# Reports the time ratio, how many of dd's reads and writes the session holds, lost
# events, the helper's event rate and the session's bytes per event.
set -euo pipefail
bin="${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}"
count="${2:-200000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
storm=(dd if=/dev/zero of=/dev/null bs=1 count="$count" status=none)

calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }
seconds() { local start; start=$(date +%s.%N); "$@"; calc "$(date +%s.%N) - $start"; }

untraced=$(seconds "${storm[@]}")
session="$work/storm.provscope"
"$bin/provscope-capture" -o "$session" 2>"$work/capture.log" >/dev/null &
capture=$!
sleep 2 # programs loaded and attached
traced=$(seconds "${storm[@]}")
sleep 0.5
kill -TERM "$capture"
wait "$capture"

dd_pid=$("$bin/provscope-cli" events "$session" --syscall execve | grep '"path":"/usr/bin/dd"' | sed -n 's/.*"pid":\([0-9]*\).*/\1/p' | head -n1)
reads=$("$bin/provscope-cli" events "$session" --pid "$dd_pid" --syscall read | sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{s+=$1} END {print s+0}')
writes=$("$bin/provscope-cli" events "$session" --pid "$dd_pid" --syscall write | sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{s+=$1} END {print s+0}')
info=$("$bin/provscope-cli" info "$session")
events=$(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' <<<"$info" | head -n1)
lost=$(sed -n 's/.*"lost_events": *\([0-9]*\).*/\1/p' <<<"$info" | head -n1)
size=$(stat -c %s "$session")

echo "dd bs=1 count=$count: $((2 * count)) syscalls expected (plus start-up)"
echo "untraced:        ${untraced} s"
echo "under capture:   ${traced} s"
echo "ratio:           $(calc "$traced / $untraced" 2)x"
echo "dd reads/writes: $reads / $writes in the session"
echo "session events:  $events, lost: $lost"
echo "helper rate:     $(calc "($reads + $writes) / $traced" 0) events/s during the storm"
echo "session size:    $size bytes, $(calc "$size / $events" 1) bytes/event"
cat "$work/capture.log"
