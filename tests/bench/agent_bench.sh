#!/usr/bin/env bash
# Agent cost with the file GPU source and 10,000 routes in the watched table, in a network
# namespace this benchmark creates:
#   - CPU time per second and per report, and RSS (VmRSS, VmHWM) of the agent, against a
#     reference agent in the same run that watches nothing (routing off, GPU none): the ratio
#     is what the collectors cost;
#   - delay from `ip route add` to the orchestrator's view (route_count in
#     `corridorctl nodes --json`), against the floor of that measurement: one corridorctl
#     round trip when nothing changes.
# Goals (issue): < 1 % of one core at a 1 s interval, < 20 MB RSS, change-to-orchestrator
# < 50 ms. Prints figures; never fails on them (machines differ). Root: namespaces.
# usage: agent_bench.sh ORCHESTRATOR AGENT CORRIDORCTL [ROUTES] [SECONDS]
set -u
ORCH=$1 AGENT=$2 CTL=$3 ROUTES=${4:-10000} SECS=${5:-10}
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root for a network namespace"; exit 77; fi
NS=corr-bench-$$
ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
DIR=$(mktemp -d /tmp/corridor-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    rm -rf "$DIR"
}
trap cleanup EXIT
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up
nsx ip link add veth0 type veth peer name veth1
nsx ip addr add 10.200.0.1/16 dev veth0
nsx ip link set veth0 up; nsx ip link set veth1 up
echo "adding $ROUTES routes to table 254 ..."
python3 -c "
for i in range($ROUTES):
    print('route add 10.%d.%d.0/24 via 10.200.0.2 dev veth0' % (64 + i // 256, i % 256))
" > "$DIR/routes.batch"
nsx ip -batch "$DIR/routes.batch"
echo "table 254 holds $(nsx ip route show table 254 | wc -l) routes"

cat > "$DIR/gpus.yaml" <<'YAML'
# SIMULATED GPU readings for the benchmark
gpus:
  - {index: 0, name: "L40S (simulated)", uuid: GPU-sim-0, util_pct: 35, mem_used_mb: 12000, mem_total_mb: 46068}
  - {index: 1, name: "L40S (simulated)", uuid: GPU-sim-1, util_pct: 70, mem_used_mb: 30000, mem_total_mb: 46068}
YAML
cat > "$DIR/orch.yaml" <<'YAML'
orchestrator: {id: orch-bench, region: eu-central}
agents: {endpoint: "tcp://127.0.0.1:7700", report_interval_ms: 1000}
control: {endpoint: "tcp://127.0.0.1:7701"}
log: {level: warn}
YAML
agent_cfg() { # NAME EXTRA
    cat > "$DIR/$1.yaml" <<YAML
node: {id: $1, operator: "262-01", country: DE, region: eu-central, tier: far-edge,
       location: {lat: 48.1, lon: 11.5}}
orchestrator: {endpoint: "tcp://127.0.0.1:7700"}
workloads: {state_dir: "$DIR/$1"}
$2
YAML
    grep -q '^log:' "$DIR/$1.yaml" || echo "log: {level: warn}" >> "$DIR/$1.yaml"
}
agent_cfg bench-full "gpu: {source: file, file: $DIR/gpus.yaml}
log: {level: debug}
routing: {tables: [254], interfaces: [veth0]}"
agent_cfg bench-ref "gpu: {source: none}
routing: {enabled: false}"
ip netns exec "$NS" "$ORCH" --config "$DIR/orch.yaml" >"$DIR/orch.log" 2>&1 &
PIDS+=($!)
ip netns exec "$NS" "$AGENT" --config "$DIR/bench-full.yaml" >"$DIR/full.log" 2>&1 &
FULL=$!; PIDS+=($FULL)
ip netns exec "$NS" "$AGENT" --config "$DIR/bench-ref.yaml" >"$DIR/ref.log" 2>&1 &
REF=$!; PIDS+=($REF)
ctl() { nsx "$CTL" --endpoint tcp://127.0.0.1:7701 "$@"; }
route_count() { # no python here: interpreter start-up would swamp the delay measured
    ctl nodes --json | awk '/"id": "bench-full"/ { mine = 1 }
        mine && /"route_count":/ { gsub(/[^0-9]/, ""); print; exit }'
}
for _ in $(seq 200); do [ "$(route_count 2>/dev/null)" -ge "$ROUTES" ] 2>/dev/null && break; sleep 0.05; done
BASE=$(route_count)
echo "orchestrator sees $BASE routes from bench-full (the $ROUTES plus connected ones)"

cpu_ticks() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
rss_kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
HZ=$(getconf CLK_TCK)
f0=$(cpu_ticks $FULL); r0=$(cpu_ticks $REF); t0=$(date +%s%N)
sleep "$SECS"
f1=$(cpu_ticks $FULL); r1=$(cpu_ticks $REF); t1=$(date +%s%N)
python3 - "$f0" "$f1" "$r0" "$r1" "$t0" "$t1" "$HZ" "$(rss_kb $FULL VmRSS)" \
    "$(rss_kb $FULL VmHWM)" "$(rss_kb $REF VmRSS)" "$SECS" <<'PY'
import sys
f0, f1, r0, r1, t0, t1, hz, rss, hwm, rrss, secs = map(float, sys.argv[1:])
wall = (t1 - t0) / 1e9
full = (f1 - f0) / hz / wall * 100
ref = (r1 - r0) / hz / wall * 100
reports = wall  # one report per second at report_interval_ms 1000
print(f"cpu, 10k routes + file GPU : {full:.3f} % of one core  ({(f1 - f0) / hz * 1000 / reports:.2f} ms CPU per report)  [goal < 1 %]")
print(f"cpu, reference (nothing)   : {ref:.3f} % of one core")
print(f"cpu ratio full/reference   : {full / ref:.1f}x" if ref > 0 else "cpu ratio: reference used no measurable CPU")
print(f"rss, full                  : {rss / 1024:.1f} MB (peak {hwm / 1024:.1f} MB)  [goal < 20 MB]")
print(f"rss, reference             : {rrss / 1024:.1f} MB  (ratio {rss / rrss:.2f}x)")
print(f"(CPU measured over {wall:.1f} s from /proc/PID/stat, {int(hz)} ticks/s resolution)")
PY

# change -> orchestrator: 20 samples of ip route add, polled through corridorctl
floor=() delay=() adds=() ipfloor=()
for i in $(seq 20); do
    a=$(date +%s%N); route_count >/dev/null; b=$(date +%s%N); floor+=($(((b - a) / 1000)))
    a=$(date +%s%N); nsx ip route show table 250 >/dev/null 2>&1; b=$(date +%s%N)
    ipfloor+=($(((b - a) / 1000)))
    want=$((BASE + 1))
    a=$(date +%s%N)
    adds+=($a)
    nsx ip route add 10.250.$i.0/24 via 10.200.0.2 dev veth0
    while [ "$(route_count)" != "$want" ]; do [ $(( $(date +%s%N) - a )) -gt 5000000000 ] && break; done
    b=$(date +%s%N); delay+=($(((b - a) / 1000)))
    nsx ip route del 10.250.$i.0/24 via 10.200.0.2 dev veth0
    while [ "$(route_count)" != "$BASE" ]; do [ $(( $(date +%s%N) - a )) -gt 10000000000 ] && break; done
done
python3 - "${delay[*]}" "${floor[*]}" "${adds[*]}" "$DIR/full.log" "${ipfloor[*]}" <<'PY'
import datetime, statistics, sys
d = [int(x) / 1000 for x in sys.argv[1].split()]
f = [int(x) / 1000 for x in sys.argv[2].split()]
adds = [int(x) / 1e6 for x in sys.argv[3].split()]  # ms since the epoch
sent = []
for line in open(sys.argv[4]):
    if "change reported" in line:
        ts = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        sent.append(ts.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
agent = []
for t in adds:
    later = [s - t for s in sent if s >= t - 1]
    if later:
        agent.append(max(min(later), 0))
if agent:
    print(f"ip route add -> agent sent its report: median {statistics.median(agent):.1f} ms, "
          f"max {max(agent):.1f} ms  (agent log, 1 ms resolution; {len(agent)} samples)")
    ipf = [int(x) / 1000 for x in sys.argv[5].split()]
    print(f"  of which starting 'ip netns exec ip ...' itself: median {statistics.median(ipf):.1f} ms"
          f" -> kernel change to report sent: about "
          f"{statistics.median(agent) - statistics.median(ipf):.1f} ms")
print(f"ip route add -> orchestrator view: median {statistics.median(d):.1f} ms, max {max(d):.1f} ms  [goal < 50 ms]")
print(f"  measurement floor (one corridorctl nodes --json, no change): median {statistics.median(f):.1f} ms")
print(f"  delay net of the floor: median {statistics.median(d) - statistics.median(f):.1f} ms ({len(d)} samples)")
PY
