#!/usr/bin/env bash
# The two set-up commands of the README:
#   packaging/setup.sh run    install dependencies, build, run the main job
#   packaging/setup.sh test   install dependencies, build, run the whole test suite
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-}"
case "$mode" in run|test) ;; *) echo "usage: $0 run|test" >&2; exit 2 ;; esac

bash "$root/packaging/install-deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)"

if [ "$mode" = test ]; then
    cd "$root/build"
    exec ctest --output-on-failure --timeout 600
fi

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "provscope: opening the workstation, recording a live capture of this machine"
    exec "$root/build/bin/provscope" --capture
fi
exec bash "$root/packaging/headless-demo.sh" "$root/build/bin"
