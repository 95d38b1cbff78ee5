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

if command -v ss >/dev/null && ss -ltn | grep -qE '127\.0\.0\.1:(7700|7701)\b'; then
    echo "ports 7700/7701 on 127.0.0.1 are in use (another orchestrator running?): stop it first" >&2
    exit 1
fi

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
