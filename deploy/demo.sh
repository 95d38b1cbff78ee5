#!/usr/bin/env bash
# The walking skeleton on loopback: one orchestrator, three agents of three operators in three
# countries and three tiers (Munich far edge, Innsbruck near edge, Verona metro edge).
# usage: deploy/demo.sh BUILD_DIR
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"
EX="$ROOT/deploy/examples"
LOGS="$BUILD/demo"
CTL="$BUILD/orchestrator/ctl/corridorctl"
AGENTS=(agent-de-muc agent-at-ibk agent-it-vr)
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

if [ -t 1 ]; then
    say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
else
    say() { printf '\n==> %s\n' "$*"; }
fi

if command -v ss >/dev/null && ss -ltn | grep -qE '127\.0\.0\.1:(7700|7701|7710)\b'; then
    echo "ports 7700/7701/7710 on 127.0.0.1 are in use (another demo running?): stop it first" >&2
    exit 1
fi

# The DPDK dataplane part runs where it was built (libdpdk found) and scapy can write its input.
DP="$BUILD/dataplane/corridor-dataplane"
HAVE_DP=0
if [ -x "$DP" ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null; then HAVE_DP=1; fi

say "checking configuration files"
"$BUILD/orchestrator/corridor-orchestrator" --check-config --config "$EX/orchestrator.yaml"
for a in "${AGENTS[@]}"; do "$BUILD/agent/corridor-agent" --check-config --config "$EX/$a.yaml"; done

say "starting corridor-orchestrator (agents on tcp://127.0.0.1:7700, control on :7701)"
"$BUILD/orchestrator/corridor-orchestrator" --config "$EX/orchestrator.yaml" >"$LOGS/orchestrator.log" 2>&1 &
pids+=($!)
sleep 0.3

say "starting 3 agents: ${AGENTS[*]}"
agent_pid=()
for a in "${AGENTS[@]}"; do
    # the demo keeps workload state and logs under build/demo, not /var/lib/corridor
    sed "s|^  state_dir: \"\"|  state_dir: \"$LOGS/state-$a\"|" "$EX/$a.yaml" >"$LOGS/$a.yaml"
    if [ "$a" = agent-de-muc ] && [ "$HAVE_DP" = 1 ]; then
        # Munich runs the dataplane of deploy/examples/dataplane.yaml: report its counters
        printf 'dataplane:\n  endpoint: "tcp://127.0.0.1:7710"\n  interval_ms: 500\n' >>"$LOGS/$a.yaml"
    fi
    "$BUILD/agent/corridor-agent" --config "$LOGS/$a.yaml" >"$LOGS/$a.log" 2>&1 &
    pids+=($!)
    agent_pid+=($!)
done

alive() { "$CTL" nodes --json 2>/dev/null | grep -c '"state": "alive"' || true; }
for _ in $(seq 1 100); do
    [ "$(alive)" -ge 3 ] && break
    sleep 0.1
done
if [ "$(alive)" -lt 3 ]; then
    echo "agents did not come up; logs in $LOGS" >&2
    tail -n 20 "$LOGS"/*.log >&2
    exit 1
fi

say "corridorctl nodes"
"$CTL" nodes

say "corridorctl node de-muc-far-01"
"$CTL" node de-muc-far-01

if [ "$HAVE_DP" = 1 ]; then
    say "corridor-dataplane on de-muc-far-01 (DPDK on virtual devices, deploy/examples/dataplane.yaml)"
    echo "replaying GTP-U uplink and IP downlink for its static rules: a session served by"
    echo "Innsbruck (forward), a local breakout, a drop rule and an unknown TEID"
    /usr/bin/python3 - "$LOGS/dp-in.pcap" <<'PYEOF'
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
from scapy.contrib.gtp import GTP_U_Header
E = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:01:01")
def up(teid):
    inner = IP(src="10.45.0.7", dst="192.0.2.10") / UDP(sport=40000, dport=5001) / Raw(b"adas" * 16)
    return E / IP(src="198.51.100.1", dst="198.51.100.2") / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid) / inner
def down(ue):
    return E / IP(src="192.0.2.10", dst=ue) / UDP(sport=5001, dport=40000) / Raw(b"map" * 20)
wrpcap(sys.argv[1], [up(4097), down("10.45.0.7"), up(4098), down("10.45.0.66"), up(4099)])
PYEOF
    "$DP" --no-huge --no-pci -m 512 -l 0,1 --file-prefix=corridor-demo --log-level='*:error' \
        --no-telemetry --vdev "net_pcap0,rx_pcap=$LOGS/dp-in.pcap,infinite_rx=1" -- \
        --config "$EX/dataplane.yaml" >"$LOGS/dataplane.log" 2>&1 &
    dp_pid=$!
    pids+=("$dp_pid")
    for _ in $(seq 1 100); do
        "$CTL" node de-muc-far-01 --json 2>/dev/null | grep -q '"reachable": true' && break
        sleep 0.1
    done
    sleep 1
    say "corridorctl node de-muc-far-01 (the agent reports its dataplane's counters)"
    "$CTL" node de-muc-far-01 | sed -n '/^dataplane:/,/^routes:/p' | sed '$d'
    kill -TERM "$dp_pid"
    wait "$dp_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        "$CTL" node de-muc-far-01 --json 2>/dev/null | grep -q '"reachable": false' && break
        sleep 0.1
    done
    say "dataplane stopped (SIGTERM): its last stats line, and the node now"
    grep ' summary ' "$LOGS/dataplane.log" | tail -n 1
    "$CTL" node de-muc-far-01 | grep '^dataplane:'
fi

say "corridorctl deploy deploy/examples/workloads/adas-fusion.yaml"
echo "ADAS sensor fusion anchored at Innsbruck: far-edge latency (5 ms), 1 GPU with 8 GiB"
echo "free, data only in DE or AT (so never on the Verona node)"
"$CTL" deploy "$ROOT/deploy/examples/workloads/adas-fusion.yaml" >/dev/null
for _ in $(seq 1 100); do
    "$CTL" workload adas-fusion --json 2>/dev/null | grep -q '"phase": "running"' && break
    sleep 0.1
done
"$CTL" workloads
say "corridorctl explain adas-fusion"
"$CTL" explain adas-fusion
say "corridorctl delete adas-fusion (the agent stops the process)"
"$CTL" delete adas-fusion

say "kill -9 the Innsbruck agent: the orchestrator marks it suspect, then dead"
disown "${agent_pid[1]}" 2>/dev/null || true   # no "Killed" line from the shell
kill -KILL "${agent_pid[1]}"
for state in suspect dead; do
    for _ in $(seq 1 100); do
        "$CTL" node at-ibk-near-01 --json 2>/dev/null | grep -q "\"state\": \"$state\"" && break
        sleep 0.1
    done
    echo "at-ibk-near-01 is now $state"
done
"$CTL" nodes

say "orchestrator log (transitions are logged once each)"
grep -E 'registered|state changed' "$LOGS/orchestrator.log" | tail -n 10

say "stopping everything (SIGTERM)"
cleanup
pids=()
echo "done; logs in $LOGS"

say "corridor-sim: 12 simulated minutes of the Brenner corridor (Munich - Innsbruck - Verona)"
echo "3 countries, 3 operators, ~13,700 vehicles, the orchestrator core placing their ADAS"
echo "sessions; at 10 min the Innsbruck near-edge node fails (sim/scenarios/brenner.yaml)"
"$BUILD/sim/corridor-sim" "$ROOT/sim/scenarios/brenner.yaml" --duration 720 --no-progress \
    --log-level error --out "$LOGS/sim"
