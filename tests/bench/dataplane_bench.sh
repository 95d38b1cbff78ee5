#!/usr/bin/env bash
# Dataplane throughput: corridor-dataplane beside dpdk-testpmd (5tswap and io) on the same
# vdevs: net_pcap with infinite_rx (an in-memory pcap replayed forever) into net_null.
# One worker lcore each. Prints Mpps, the ratio to testpmd and cycles per packet, for 64-byte
# inner packets and an IMIX, with SESSIONS rules in the table keyed uniformly at random.
# Usage: dataplane_bench.sh CORRIDOR_DATAPLANE TEST_DP_TABLE_BENCH [SECONDS] [SESSIONS]
set -u
DP="$1"; HASHB="$2"; SECS="${3:-4}"; SESSIONS="${4:-1000000}"
TESTPMD="$(command -v dpdk-testpmd || true)"
PY=/usr/bin/python3
if ! $PY -c 'import scapy' 2>/dev/null; then echo "SKIP: python3-scapy missing"; exit 77; fi
TMP="$(mktemp -d /tmp/cdp-bench-XXXXXX)"; trap 'rm -rf "$TMP"' EXIT
GHZ=$(awk '/cpu MHz/ {print $4/1000; exit}' /proc/cpuinfo)

# input pcaps and the config with SESSIONS static-less rules (installed through the config
# file would be slow to parse: the script writes YAML flow lines, the loader reads them)
$PY - "$TMP" "$SESSIONS" <<'PYEOF'
import random, struct, sys
sys.path.insert(0, ".")
from scapy.all import Ether, IP, UDP, Raw, raw, wrpcap
from scapy.contrib.gtp import GTP_U_Header
tmp, sessions = sys.argv[1], int(sys.argv[2])
random.seed(7)
def frame(teid, inner_len):
    pad = max(0, inner_len - 28)
    inner = IP(src="10.45.%d.%d" % (teid >> 8 & 255, teid & 255), dst="192.0.2.10") / UDP(sport=40000, dport=5001) / Raw(b"x" * pad)
    return Ether(src="02:00:00:00:00:02", dst="02:00:00:00:01:01") / IP(src="198.51.100.1", dst="198.51.100.2") / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid) / inner
keys = [random.randrange(sessions) for _ in range(4096)]   # uniform random over the table
wrpcap(tmp + "/p64.pcap", [frame(0x100000 + k, 64 - 18) for k in keys])  # 64-byte inner frame
imix = [64 - 18] * 7 + [576 - 18] * 4 + [1500 - 18 - 36]                   # 7:4:1
wrpcap(tmp + "/imix.pcap", [frame(0x100000 + k, imix[i % 12]) for i, k in enumerate(keys)])
with open(tmp + "/dp.yaml", "w") as f:
    f.write("dataplane: {id: bench, sessions: %d, mbufs: 65535, stats_interval_ms: 1000}\n" % sessions)
    f.write("ports:\n  - {name: net_pcap0, address4: 198.51.100.2}\n")
    f.write("  - {name: net_null0, address4: 198.51.100.2, gateway_mac: \"02:00:00:00:00:fe\"}\n")
    f.write("log: {level: info}\nrules:\n")
    # the config holds at most 4096 static rules: the rest of the table is filled by
    # --bench-fill (below), which adds SESSIONS rules before forwarding starts
PYEOF

EAL="--no-huge --no-pci -m $(( SESSIONS > 100000 ? 3072 : 1024 )) -l 0,1 --log-level=*:error --no-telemetry"
# median of a column of numbers (the per-second rates once forwarding runs)
median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print 0}'; }
run_dp() { # PCAP -> Mpps: the median of the per-second stats lines (the first is cut short)
    timeout $((SECS + 120)) "$DP" $EAL --file-prefix=cdpb$$ \
        --vdev "net_pcap0,rx_pcap=$1,infinite_rx=1" --vdev net_null0,no-rx=1 -- \
        --config "$TMP/dp.yaml" --bench-fill "$SESSIONS" --bench-seconds "$((SECS + 1))" 2>&1 |
        grep ' stats ' | grep -o 'rx_mpps=[0-9.]*' | sed 1d | cut -d= -f2 | median
}
run_testpmd() { # PCAP MODE -> Mpps: the median of testpmd's per-second Rx-pps on port 0
    [ -n "$TESTPMD" ] || { echo 0; return; }
    timeout -s INT $((SECS + 20)) "$TESTPMD" $EAL --file-prefix=tpmd$$ \
        --vdev "net_pcap0,rx_pcap=$1,infinite_rx=1" --vdev net_null0,no-rx=1 -- \
        --forward-mode="$2" --port-topology=paired --nb-cores=1 --stats-period 1 2>&1 </dev/null |
        awk '/statistics for port 0/ {p=1} /statistics for port 1/ {p=0} p && /Rx-pps:/ {print $2}' |
        awk '$1 > 0' | sed 1d | awk '{printf "%.3f\n", $1 / 1e6}' | median
}
printf "%-8s %12s %16s %13s %12s %14s %12s\n" traffic "corridor Mpps" "testpmd 5tswap" "testpmd io" "ratio 5tswap" "cycles/packet" "sessions"
for t in p64 imix; do
    ours=$(run_dp "$TMP/$t.pcap"); swap=$(run_testpmd "$TMP/$t.pcap" 5tswap); io=$(run_testpmd "$TMP/$t.pcap" io)
    awk -v o="${ours:-0}" -v s="$swap" -v i="$io" -v g="$GHZ" -v t="$t" -v n="$SESSIONS" 'BEGIN {
        printf "%-8s %12.3f %16.3f %13.3f %12.2f %14.0f %12d\n", t, o, s, i, (s > 0 ? o / s : 0), (o > 0 ? g * 1000 / o : 0), n }'
done
echo "(cycles/packet = core GHz ${GHZ} / Mpps: the whole loop, including net_pcap's copy of each packet)"
echo "--- session table lookup vs rte_hash on plain keys"
"$HASHB" "$SESSIONS"
