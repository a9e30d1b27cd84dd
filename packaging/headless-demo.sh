#!/usr/bin/env bash
# The main job without a display: record this machine for 10 seconds while the scripted
# attack chain (a loopback download, execute, read a fake ssh key, archive, send it to
# 127.0.0.3) runs beside unrelated activity, then backtrack from the exfiltration
# connection: a report page (PNG) of the provenance graph and the chain in plain language.
set -euo pipefail
bin="$1"
out_dir="${PROVSCOPE_OUTPUT_DIR:-$PWD}"
stamp="$(date +%Y%m%d-%H%M%S)"
session="$out_dir/provscope-$stamp.provscope"
report="$out_dir/provscope-$stamp-report.png"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

run_root=()
[ "$(id -u)" -eq 0 ] || run_root=(sudo)
echo "provscope: recording this machine for 10 seconds into $session"
"${run_root[@]}" "$bin/provscope-capture" -o "$session" --duration 10 >/dev/null &
capture=$!
sleep 2
"$bin/provscope-attack-chain" --unrelated 4 > "$scratch/chain.jsonl"
wait "$capture"

send_line="$(grep '"step":"send"' "$scratch/chain.jsonl")"
addr="$(sed -n 's/.*"addr":"\([^"]*\)".*/\1/p' <<<"$send_line")"
port="$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' <<<"$send_line")"
poi="net:$addr:$port"

"$bin/provscope-cli" info "$session" >/dev/null
echo "provscope: backtracking from the exfiltration connection ($poi)"
"$bin/provscope-cli" graph "$session" --poi "$poi" --direction backward --hide-noise \
    --format png --report --title "How did data reach $addr:$port?" -o "$report"
"$bin/provscope-cli" summary "$session" --poi "$poi" --direction backward --hide-noise
echo "provscope: the network flow of that connection, as libpcap saw it and joined to its processes"
"$bin/provscope-cli" flows "$session" | grep -F "\"dst\":\"$addr\",\"dport\":$port," || echo "(no flow captured)"
echo "session: $session"
echo "report:  $report"
