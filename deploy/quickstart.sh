#!/usr/bin/env bash
# Corridor quick start.
#   deploy/quickstart.sh demo   install what is missing, build, run the demo
#   deploy/quickstart.sh test   install what is missing, build, run the test suite
# Options (after the command): --no-install (never call apt-get), --build DIR (default build/)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CMD="${1:-}"
shift || true
BUILD="$ROOT/build"
INSTALL=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-install) INSTALL=0 ;;
        --build) BUILD="$2"; shift ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

# Debian 12 packages the project needs to build, test and run (DPDK for the dataplane).
PACKAGES=(
    build-essential meson ninja-build pkg-config python3
    libzmq3-dev libprotobuf-c-dev protobuf-c-compiler libyaml-dev
    libnl-3-dev libnl-route-3-dev libnl-genl-3-dev
    libdpdk-dev
    dpdk dpdk-dev python3-scapy tshark clang   # dataplane: testpmd, pcap tests, fuzzer
    iproute2 procps
    sumo
)

usage() {
    echo "usage: $0 demo|test [--no-install] [--build DIR]" >&2
    exit 2
}

ensure_packages() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$INSTALL" -eq 0 ]; then
        echo "missing packages: ${missing[*]}" >&2
        echo "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: ${missing[*]}" >&2
        echo "run as root, or install them first:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    echo "==> installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
    if [ -f "$BUILD/build.ninja" ]; then
        meson setup --reconfigure "$BUILD" "$ROOT" >/dev/null
    else
        echo "==> configuring $BUILD"
        meson setup "$BUILD" "$ROOT"
    fi
    echo "==> building"
    ninja -C "$BUILD"
}

case "$CMD" in
    demo)
        ensure_packages
        build
        exec "$ROOT/deploy/demo.sh" "$BUILD"
        ;;
    test)
        ensure_packages
        build
        echo "==> testing"
        rc=0
        meson test -C "$BUILD" --print-errorlogs --num-processes 2 || rc=$?
        python3 "$ROOT/tests/summarize.py" "$BUILD/meson-logs/testlog.json" || true
        exit $rc
        ;;
    *) usage ;;
esac
