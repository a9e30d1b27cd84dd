#!/usr/bin/env bash
# Benchmark (not a test): capture overhead, all ratios measured in this one run.
#   tests/bench/overhead.sh [BIN_DIR] [REPS]        (as root)
# For each workload — a syscall storm (dd bs=1, 600,000 syscalls), an exec storm
# (300 x /bin/true from bash) and a file churn (create, write, rename, read,
# unlink 400 files) — times REPS runs untraced, under a system-wide
# `provscope-capture -o` (started before, timed only around the workload), and
# under bpftrace counting raw syscalls per comm (the reference), and prints the
# median ratios. Also the storm session's bytes per captured syscall (sum of the
# records' counts), and how many of dd's reads and writes it holds.
set -uo pipefail
bin="${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin}"
reps="${2:-5}"
work="$(mktemp -d)"
capture_pid=""
trace_pid=""
cleanup() {
    [ -n "$capture_pid" ] && kill -TERM "$capture_pid" 2>/dev/null
    [ -n "$trace_pid" ] && kill -INT "$trace_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
    echo "overhead.sh: run as root (it loads eBPF programs)" >&2
    exit 1
fi
for tool in provscope-capture provscope-cli provscope-file-churn provscope-bench-time; do
    [ -x "$bin/$tool" ] || { echo "overhead.sh: $bin/$tool not built" >&2; exit 1; }
done

storm_count=300000
mkdir -p "$work/churn"
# Each runs as `bash -c` under provscope-bench-time (the same shell start-up in every condition).
storm() { exec dd if=/dev/zero of=/dev/null bs=1 count=300000 status=none; }
exec_storm() { for i in $(seq 300); do /bin/true; done; }
churn() { exec "$CHURN" "$CHURN_DIR" 400; }
export CHURN="$bin/provscope-file-churn" CHURN_DIR="$work/churn"
workloads=(storm exec_storm churn)

# "wall cpu" seconds of one run of a workload: elapsed, and user+system time of
# its processes (which includes the eBPF programs run in their syscalls; on a
# busy machine the CPU time is the steadier figure).
seconds() { "$bin/provscope-bench-time" bash -c "$(declare -f "$1"); $1" 2>/dev/null; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# runs $1 REPS times; appends "wall cpu" lines to file $2
time_runs() { local i; for ((i = 0; i < reps; i++)); do seconds "$1" >>"$2"; echo >>"$2"; done; }
wall_of() { awk 'NF == 2 { print $1 }' "$1" | median; }
cpu_of() { awk 'NF == 2 { print $2 }' "$1" | median; }

# bpftrace needs tracefs for tracepoint:raw_syscalls.
bpftrace_ok=""
if command -v bpftrace >/dev/null; then
    if [ ! -d /sys/kernel/tracing/events ]; then
        mkdir -p /sys/kernel/tracing && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
    fi
    [ -d /sys/kernel/tracing/events/raw_syscalls ] && bpftrace_ok=1
fi
bpftrace_note="bpftrace not installed (apt-get install bpftrace)"
[ -n "$bpftrace_ok" ] || { command -v bpftrace >/dev/null && bpftrace_note="tracefs not mountable: bpftrace cannot use raw_syscalls"; }

start_provscope() { # $1: session file
    "$bin/provscope-capture" -o "$1" 2>"$1.log" >/dev/null &
    capture_pid=$!
    for _ in $(seq 100); do # loaded and attached once the session file exists
        [ -s "$1" ] && break
        sleep 0.1
    done
    sleep 1
}
stop_provscope() { # fails when the helper died before the end of the runs
    local alive=0 rc
    kill -0 "$capture_pid" 2>/dev/null && alive=1
    kill -TERM "$capture_pid" 2>/dev/null
    wait "$capture_pid"
    rc=$?
    capture_pid=""
    [ "$alive" = 1 ] && [ "$rc" = 0 ]
}
start_bpftrace() {
    bpftrace -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }' >"$work/bpftrace.out" 2>&1 &
    trace_pid=$!
    for _ in $(seq 200); do
        grep -q "Attaching" "$work/bpftrace.out" 2>/dev/null && break
        sleep 0.1
    done
    sleep 1
}
stop_bpftrace() {
    kill -INT "$trace_pid"
    wait "$trace_pid" 2>/dev/null
    trace_pid=""
}

for w in "${workloads[@]}"; do
    seconds "$w" >/dev/null # warm the page cache and the binaries
    time_runs "$w" "$work/$w.untraced"
    start_provscope "$work/$w.provscope"
    time_runs "$w" "$work/$w.traced"
    if ! stop_provscope; then
        echo "overhead.sh: provscope-capture failed during the $w runs; its log:" >&2
        cat "$work/$w.provscope.log" >&2
        : >"$work/$w.traced" # not a valid measurement
    fi
    if [ -n "$bpftrace_ok" ]; then
        start_bpftrace
        time_runs "$w" "$work/$w.bpftrace"
        stop_bpftrace
    fi
    time_runs "$w" "$work/$w.untraced" # before and after: drift of a busy machine
done

report() { # $1: wall_of or cpu_of
    local w u p b
    printf "%-12s %11s %11s %11s %10s %10s\n" workload untraced provscope bpftrace provscope bpftrace
    for w in "${workloads[@]}"; do
        u=$($1 "$work/$w.untraced")
        p=""
        [ -s "$work/$w.traced" ] && p=$($1 "$work/$w.traced")
        b=""
        [ -s "$work/$w.bpftrace" ] && b=$($1 "$work/$w.bpftrace")
        printf "%-12s %11s %11s %11s %9sx %9sx\n" "$w" "$u" "${p:-failed}" "${b:-n/a}" \
            "$( [ -n "$p" ] && ratio "$p" "$u" || echo n/a)" \
            "$( [ -n "$b" ] && ratio "$b" "$u" || echo n/a)"
    done
}
echo "capture overhead: medians of $reps runs (untraced: $((2 * reps)), before and after), system-wide capture, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "-- elapsed seconds"
report wall_of
echo "-- CPU seconds of the workload (user+sys, eBPF programs included)"
report cpu_of
[ -n "$bpftrace_ok" ] || echo "bpftrace: $bpftrace_note"
echo "targets: storm <= 1.6x, exec_storm and churn <= 1.15x"

# The storm session: every dd read and write counted, and its size per captured syscall.
session="$work/storm.provscope"
events_json="$work/storm.jsonl"
"$bin/provscope-cli" events "$session" >"$events_json"
syscalls=$(sed -n 's/.*"count":\([0-9]*\).*/\1/p' "$events_json" | awk '{ s += $1 } END { print s + 0 }')
records=$(wc -l <"$events_json")
# our dd runs: exec'd by a provscope-bench-time child (others may run dd meanwhile)
timers=$(grep '"syscall":"execve"' "$events_json" | grep '/provscope-bench-time"' | sed -n 's/.*"pid":\([0-9]*\),.*/\1/p' | sort -u)
dd_pids=""
for t in $timers; do
    dd_pids+=" $(grep '"syscall":"execve"' "$events_json" | grep '"/usr/bin/dd"' | grep "\"ppid\":$t," |
        sed -n 's/.*"pid":\([0-9]*\),.*/\1/p' | sort -u)"
done
dd_io=0
for pid in $dd_pids; do
    n=$(grep "\"pid\":$pid," "$events_json" | grep -E '"syscall":"(read|write)"' | grep -E '"path":"/dev/(zero|null)"' |
        sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    dd_io=$((dd_io + n))
done
size=$(stat -c %s "$session")
lost=$("$bin/provscope-cli" info "$session" | sed -n 's/.*"lost_events": *\([0-9]*\).*/\1/p' | head -n1)
echo "storm session: $size bytes, $records records standing for $syscalls syscalls," \
     "$(awk -v a="$size" -v b="$syscalls" 'BEGIN { printf "%.1f", b ? a / b : 0 }') bytes per captured syscall (target <= 64), lost ${lost:-?}"
echo "dd reads+writes of /dev/zero,/dev/null in the session: $dd_io (expected $((2 * storm_count * reps)) for $reps runs)"
tail -n 2 "$session.log"
