#!/usr/bin/env bash
# The routing collector and local steering against the real kernel, in a network namespace
# this test creates (veth pair + dummy "UPF tun" device + routes made with `ip route`):
#  - the agent reports exactly the routes of the watched tables and the watched links;
#  - a route added / deleted from the shell shows in `corridorctl node ID --json` within 1 s;
#  - `corridorctl command NODE steer` creates the route in table 100 and the policy rule,
#    `unsteer` removes them; a bad prefix is refused with the reason;
#  - stale rules of a crashed run are removed at start; SIGTERM removes installed rules.
# usage: test_routing.sh ORCHESTRATOR AGENT CORRIDORCTL
set -u
ORCH=$1 AGENT=$2 CTL=$3
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: network namespaces need root (run as root, as CI does)"; exit 77
fi
NS=corr-rt-$$
if ! err=$(ip netns add "$NS" 2>&1); then
    echo "SKIP: this machine forbids network namespaces: $err"; exit 77
fi
DIR=$(mktemp -d /tmp/corridor-rt.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    if [ "${FAILED:-0}" != 0 ]; then
        echo "--- agent log"; tail -n 40 "$DIR/agent.log"
        echo "--- orchestrator log"; tail -n 20 "$DIR/orch.log"
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT
nsx() { ip netns exec "$NS" "$@"; }
FAILED=0 CHECKS=0
check() { # DESCRIPTION COMMAND...
    CHECKS=$((CHECKS + 1))
    if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; FAILED=$((FAILED + 1)); fi
}

# ---- the namespace: veth0 (N6 side) <-> veth1, upf0 (the UPF's tun device) ----
nsx ip link set lo up
nsx ip link add veth0 type veth peer name veth1
# the UPF's device: a dummy interface; kernels built without dummy get a tun device, which
# is what user-space UPFs (open5gs' ogstun, ...) use anyway; without a reader it has no carrier
UPF_KIND=dummy
if ! nsx ip link add upf0 type dummy 2>/dev/null; then
    UPF_KIND=tun
    echo "note: this kernel has no dummy interfaces; upf0 is a tun device (no carrier)"
    nsx ip tuntap add upf0 mode tun
fi
nsx ip link set upf0 mtu 1400
nsx ip addr add 10.200.0.1/24 dev veth0
nsx ip -6 addr add 2001:db8:200::1/64 dev veth0 nodad
for l in veth0 veth1 upf0; do nsx ip link set "$l" up; done
nsx ip route add 10.45.0.0/16 dev upf0                       # UE pool -> UPF
nsx ip -6 route add 2001:db8:45::/48 dev upf0                # IPv6 UE pool
nsx ip route add 10.46.0.0/16 via 10.200.0.2 dev veth0 table 200  # N9 towards a peer UPF
nsx ip neigh replace 10.200.0.2 lladdr 02:00:00:00:02:02 dev veth0 nud permanent

cat > "$DIR/orch.yaml" <<YAML
orchestrator: {id: orch-rt, region: eu-central}
agents: {endpoint: "tcp://127.0.0.1:7700", report_interval_ms: 1000}
control: {endpoint: "tcp://127.0.0.1:7701"}
YAML
cat > "$DIR/agent.yaml" <<YAML
node:
  id: upf-rt-01
  operator: "262-01"
  country: DE
  region: eu-central
  tier: far-edge
  location: {lat: 48.1, lon: 11.5}
orchestrator: {endpoint: "tcp://127.0.0.1:7700", reconnect_min_ms: 50, register_timeout_ms: 200}
gpu: {source: none}
routing:
  tables: [254, 200]
  interfaces: [veth0, upf0]
  gateways: [10.200.0.2]
workloads: {state_dir: "$DIR/state"}
YAML
# `ip netns exec` execs the daemon, so $! is the daemon itself (a function would fork a shell)
ip netns exec "$NS" "$ORCH" --config "$DIR/orch.yaml" >"$DIR/orch.log" 2>&1 &
PIDS+=($!)
start_agent() {
    ip netns exec "$NS" "$AGENT" --config "$DIR/agent.yaml" >>"$DIR/agent.log" 2>&1 &
    AGENT_PID=$!
    PIDS+=($AGENT_PID)
}
start_agent
ctl() { nsx "$CTL" --endpoint tcp://127.0.0.1:7701 "$@"; }
node_json() { ctl node upf-rt-01 --json 2>/dev/null; }
for _ in $(seq 100); do node_json >/dev/null && break; sleep 0.05; done

# ---- exactly the routes and links of the namespace ----
expected_routes() { # "family dst table" lines from iproute2 itself
    for t in 254 200; do
        for f in 4 6; do
            echo "$t $(nsx ip -$f -d -j route show table $t 2>/dev/null)"
        done
    done | python3 -c '
import json, sys
out = set()
for line in sys.stdin.read().split("\n"):
    table, _, text = line.partition(" ")
    try:
        routes = json.loads(text)
    except ValueError:
        continue  # "FIB table does not exist": nothing in that table for that family
    for r in routes:
        if r.get("type", "unicast") != "unicast":
            continue
        fam = 6 if ":" in r["dst"] else 4
        dst = r["dst"]
        if dst != "default" and "/" not in dst:
            dst += "/128" if fam == 6 else "/32"
        out.add("%d %s %s" % (fam, dst, table))
print("\n".join(sorted(out)))'
}
reported_routes() {
    node_json | python3 -c '
import json, sys
v = json.load(sys.stdin)
print("\n".join(sorted("%d %s %d" % (r["family"], r["dst"], r["table"]) for r in v["routes"])))'
}
check "ip route shows what the test added" \
    bash -c "$(declare -f nsx); NS=$NS; nsx ip route show table 200 | grep -q '10.46.0.0/16 via 10.200.0.2'"
exp=$(expected_routes)
got=$(reported_routes)
check "reported routes are exactly those of tables 254 and 200 ($(echo "$exp" | wc -l) routes)" \
    test "$exp" = "$got"
[ "$exp" = "$got" ] || diff <(echo "$exp") <(echo "$got")
check "links are exactly veth0 and upf0, with state and MTU" bash -c "
    $(declare -f node_json ctl nsx); NS=$NS CTL=$CTL
    node_json | python3 -c '
import json, sys
v = json.load(sys.stdin)
links = {l[\"name\"]: l for l in v[\"links\"]}
assert sorted(links) == [\"upf0\", \"veth0\"], links
# a tun device without a reader has no carrier: reported down, truthfully
assert links[\"upf0\"][\"mtu\"] == 1400 and links[\"upf0\"][\"up\"] == (\"$UPF_KIND\" == \"dummy\"), links[\"upf0\"]
assert links[\"veth0\"][\"mtu\"] == 1500 and links[\"veth0\"][\"up\"], links[\"veth0\"]
'"

check "the gateway's neighbour entry is reported (address, lladdr, dev)" bash -c "
    $(declare -f node_json ctl nsx); NS=$NS CTL=$CTL
    node_json | python3 -c '
import json, sys
v = json.load(sys.stdin)
nb = {n[\"address\"]: n for n in v[\"neighbours\"]}
assert list(nb) == [\"10.200.0.2\"], nb
assert nb[\"10.200.0.2\"][\"lladdr\"] == \"02:00:00:00:02:02\", nb
assert nb[\"10.200.0.2\"][\"dev\"] == \"veth0\", nb
'"

# ---- a route added or deleted from the shell reaches corridorctl within 1 s ----
wait_route() { # PREFIX present|absent -> prints milliseconds taken, fails after 1 s
    local t0 t1 want=$2
    t0=$(date +%s%N)
    while :; do
        if node_json | grep -q "\"dst\": \"$1\""; then have=present; else have=absent; fi
        t1=$(date +%s%N)
        if [ "$have" = "$want" ]; then echo $(((t1 - t0) / 1000000)); return 0; fi
        [ $(((t1 - t0) / 1000000)) -gt 1000 ] && return 1
        sleep 0.01
    done
}
nsx ip route add 10.47.0.0/16 dev upf0
ms=$(wait_route 10.47.0.0/16 present); rc=$?
check "route added with ip route visible within 1 s (${ms:-timeout} ms)" test $rc = 0
nsx ip route del 10.47.0.0/16 dev upf0
ms=$(wait_route 10.47.0.0/16 absent); rc=$?
check "route deleted with ip route gone within 1 s (${ms:-timeout} ms)" test $rc = 0
nsx ip link set upf0 mtu 1380
check "link MTU change reported" bash -c "
    $(declare -f node_json ctl nsx); NS=$NS CTL=$CTL
    for i in \$(seq 100); do
        node_json | python3 -c 'import json,sys; v=json.load(sys.stdin); sys.exit(0 if any(l[\"name\"]==\"upf0\" and l[\"mtu\"]==1380 for l in v[\"links\"]) else 1)' && exit 0
        sleep 0.01
    done; exit 1"

# ---- local steering ----
out=$(ctl command upf-rt-01 steer 10.45.3.0/24 --via 10.200.0.2 2>&1); rc=$?
check "steer answered OK ($out)" test $rc = 0
check "route in table 100" bash -c "$(declare -f nsx); NS=$NS; nsx ip route show table 100 | grep -q '^10.45.3.0/24 via 10.200.0.2 dev veth0'"
check "policy rule to the prefix" bash -c "$(declare -f nsx); NS=$NS; nsx ip rule show | grep -q 'to 10.45.3.0/24 lookup 100'"
out=$(ctl command upf-rt-01 steer 2001:db8:45:1::/64 --dev upf0 2>&1); rc=$?
check "IPv6 steer answered OK" test $rc = 0
check "IPv6 route in table 100" bash -c "$(declare -f nsx); NS=$NS; nsx ip -6 route show table 100 | grep -q '^2001:db8:45:1::/64 dev upf0'"
out=$(ctl command upf-rt-01 steer 10.45.3.7/24 --via 10.200.0.2 2>&1); rc=$?
check "a prefix with host bits is refused with the reason" \
    bash -c "[ $rc != 0 ] && grep -q 'host bits' <<<'$out'"
out=$(ctl command upf-rt-01 steer 10.45.9.0/24 --dev nosuch0 2>&1); rc=$?
check "a missing interface is refused with the reason" \
    bash -c "[ $rc != 0 ] && grep -q 'nosuch0' <<<'$out'"
out=$(ctl command upf-rt-01 unsteer 10.45.3.0/24 2>&1); rc=$?
check "unsteer answered OK" test $rc = 0
check "route gone from table 100" bash -c "$(declare -f nsx); NS=$NS; ! nsx ip route show table 100 | grep -q '10.45.3.0/24'"
check "rule gone" bash -c "$(declare -f nsx); NS=$NS; ! nsx ip rule show | grep -q 'to 10.45.3.0/24'"

# ---- crash: kept rules survive, stale ones are reconciled away ----
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
nsx ip route add 10.99.0.0/24 dev upf0 table 100 proto 193
nsx ip rule add to 10.99.0.0/24 lookup 100 prio 1000 proto 193
start_agent
for _ in $(seq 100); do grep -q "steering reconciled" "$DIR/agent.log" && break; sleep 0.05; done
check "stale route of a crashed run removed at start" bash -c "$(declare -f nsx); NS=$NS; ! nsx ip route show table 100 | grep -q 10.99.0.0"
check "stale rule of a crashed run removed at start" bash -c "$(declare -f nsx); NS=$NS; ! nsx ip rule show | grep -q 10.99.0.0"
check "the installed IPv6 rule survived the crash" bash -c "$(declare -f nsx); NS=$NS; nsx ip -6 route show table 100 | grep -q '2001:db8:45:1::/64'"

# ---- clean shutdown removes the rules ----
kill -TERM "$AGENT_PID"; wait "$AGENT_PID"; rc=$?
check "agent exits 0 on SIGTERM" test $rc = 0
check "SIGTERM removed the steering routes" bash -c "$(declare -f nsx); NS=$NS; [ -z \"\$(nsx ip -6 route show table 100)\" ] && [ -z \"\$(nsx ip route show table 100)\" ]"
check "the GPU-less agent logged its GPU situation once" \
    test "$(grep -c 'no GPU source\|GPU source unavailable' "$DIR/agent.log")" -le 2

echo "$CHECKS checks, $FAILED failed"
[ "$FAILED" = 0 ]
