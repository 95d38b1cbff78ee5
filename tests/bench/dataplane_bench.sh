#!/usr/bin/env bash
# Dataplane throughput: corridor-dataplane beside dpdk-testpmd (5tswap and io) on the same
# vdevs: net_pcap with infinite_rx (an in-memory pcap replayed forever) into net_null.
# One worker lcore each, the same mbuf pool, mbuf cache, burst and descriptor counts.
# For 64-byte inner packets and an IMIX, with SESSIONS rules keyed uniformly at random, it
# runs corridor, testpmd 5tswap and testpmd io one after the other, ROUNDS times (the order
# rotates each round, so a neighbour's load does not always land on the same one), takes
# the median of each run's per-second rates, and prints the median over the rounds with
# the lowest and highest round beside it. cycles/packet = TSC Hz / rate (the whole loop).
# Usage: dataplane_bench.sh CORRIDOR_DATAPLANE DATAPLANE_LOOKUP [SECONDS] [SESSIONS] [ROUNDS]
# BENCH_TRAFFIC="p64 imix" picks the traffic; BENCH_ONLY=corridor skips testpmd.
# Memory: BENCH_MEM=huge runs both on 2 MB hugepages (reserved here for the run, on a private
# hugetlbfs mount, and given back at the end; needs root), BENCH_MEM=nohuge on --no-huge
# memory as the tests run. The default is huge where it can be set up, else nohuge.
# BENCH_WORKERS=2: two forwarding lcores each (ours: two workers on two rx queues; testpmd:
# --nb-cores=2 with two queues), on two CPUs; the main lcore shares CPU 0 (it only sleeps in
# poll between stats lines).
set -u
DP="$1"; HASHB="$2"; SECS="${3:-4}"; SESSIONS="${4:-1000000}"; ROUNDS="${5:-3}"
TRAFFIC="${BENCH_TRAFFIC:-p64 imix}"
TESTPMD="$(command -v dpdk-testpmd || true)"
[ "${BENCH_ONLY:-}" = corridor ] && TESTPMD=""
PY=/usr/bin/python3
if ! $PY -c 'import scapy' 2>/dev/null; then echo "SKIP: python3-scapy missing"; exit 77; fi
TMP="$(mktemp -d /tmp/cdp-bench-XXXXXX)"; trap 'rm -rf "$TMP"' EXIT
BURST=32; MBUFS=65535; MBCACHE=256; DESC=1024

# input pcaps and the config (the table is filled by --bench-fill: the config holds at most
# 4096 static rules)
WORKERS="${BENCH_WORKERS:-1}"
case "$WORKERS" in 1|2) ;; *) echo "BENCH_WORKERS: 1 or 2"; exit 2 ;; esac
$PY - "$TMP" "$SESSIONS" "$BURST" "$MBUFS" "$MBCACHE" "$DESC" "$WORKERS" <<'PYEOF'
import random, sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
from scapy.contrib.gtp import GTP_U_Header
tmp, sessions, burst, mbufs, mbcache, desc, workers = sys.argv[1], *map(int, sys.argv[2:])
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
    f.write("dataplane: {id: bench, sessions: %d, burst: %d, mbufs: %d, mbuf_cache: %d, stats_interval_ms: 1000}\n"
            % (sessions, burst, mbufs, mbcache))
    f.write("ports:\n  - {name: net_pcap0, rx_queues: %d, address4: 198.51.100.2, rx_desc: %d, tx_desc: %d}\n" % (workers, desc, desc))
    f.write("  - {name: net_null0, address4: 198.51.100.2, gateway_mac: \"02:00:00:00:00:fe\", rx_desc: %d, tx_desc: %d}\n" % (desc, desc))
    f.write("log: {level: info}\n")
PYEOF

MEM="${BENCH_MEM:-huge}"; HUGE_SAVED=""
hugepages_setup() { # 600 free 2 MB pages (1 GB for -m 1024 and slack) on a mount of our own
    local f=/proc/sys/vm/nr_hugepages free
    [ -w "$f" ] || return 1
    free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
    HUGE_SAVED=$(cat "$f")
    [ "${free:-0}" -ge 600 ] || echo $(( HUGE_SAVED + 600 - ${free:-0} )) >"$f" 2>/dev/null
    free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
    mkdir -p "$TMP/huge" && [ "${free:-0}" -ge 600 ] && mount -t hugetlbfs nodev "$TMP/huge" 2>/dev/null
}
hugepages_teardown() {
    mountpoint -q "$TMP/huge" 2>/dev/null && umount "$TMP/huge"
    [ -n "$HUGE_SAVED" ] && echo "$HUGE_SAVED" >/proc/sys/vm/nr_hugepages
    rm -rf "$TMP"
}
trap hugepages_teardown EXIT
if [ "$MEM" = huge ] && ! hugepages_setup; then
    [ -n "${BENCH_MEM:-}" ] && { echo "BENCH_MEM=huge: cannot reserve hugepages here"; exit 1; }
    MEM=nohuge
fi
if [ "$MEM" = huge ]; then
    MEMARGS="-m 1024 --huge-dir $TMP/huge --huge-unlink"
else
    MEMARGS="--no-huge -m $(( SESSIONS > 100000 ? 3072 : 1024 ))"
fi
LCORES="-l 0,1"; RXPCAP() { echo "rx_pcap=$1"; }
if [ "$WORKERS" = 2 ]; then
    LCORES="--lcores 0@0,1@0,2@1"; RXPCAP() { echo "rx_pcap=$1,rx_pcap=$1"; }
fi
EAL="$MEMARGS --no-pci $LCORES --log-level=*:error --no-telemetry"
median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print 0}'; }
run_dp() { # PCAP -> Mpps: the median of the per-second stats lines (the first is cut short)
    local log="$TMP/dp.log"
    timeout $((SECS + 120)) "$DP" $EAL --file-prefix=cdpb$$ \
        --vdev "net_pcap0,$(RXPCAP "$1"),infinite_rx=1" --vdev net_null0,no-rx=1 -- \
        --config "$TMP/dp.yaml" --bench-fill "$SESSIONS" --bench-seconds "$((SECS + 1))" >"$log" 2>&1
    grep ' stats ' "$log" | grep -o 'rx_mpps=[0-9.]*' | sed 1d | cut -d= -f2 | median
}
run_testpmd() { # PCAP MODE -> Mpps: the median of testpmd's per-second Rx-pps on port 0
    [ -n "$TESTPMD" ] || { echo 0; return; }
    timeout -s INT $((SECS + 20)) "$TESTPMD" $EAL --file-prefix=tpmd$$ \
        --vdev "net_pcap0,$(RXPCAP "$1"),infinite_rx=1" --vdev net_null0,no-rx=1 -- \
        --forward-mode="$2" --port-topology=paired --nb-cores=$WORKERS --rxq=$WORKERS \
        --txq=$WORKERS --stats-period 1 \
        --burst=$BURST --rxd=$DESC --txd=$DESC --mbcache=$MBCACHE --total-num-mbufs=$MBUFS \
        2>&1 </dev/null |
        awk '/statistics for port 0/ {p=1} /statistics for port 1/ {p=0} p && /Rx-pps:/ {print $2}' |
        awk '$1 > 0' | sed 1d | awk '{printf "%.3f\n", $1 / 1e6}' | median
}
# "median (min-max)" of a list of numbers
summary() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {if (!NR) {print "0 0 0"; exit}
    printf "%s %s %s\n", v[int((NR+1)/2)], v[1], v[NR]}'; }
echo "$ROUNDS rounds of ${SECS} s per run, $SESSIONS sessions, $WORKERS forwarding core(s), memory: $MEM ($MEMARGS); Mpps as median (lowest-highest round)"
printf "%-6s %-22s %-22s %-22s %-18s %s\n" traffic "corridor Mpps" "testpmd 5tswap" "testpmd io" "ratio to 5tswap" "cycles/packet (ours, 5tswap)"
for t in $TRAFFIC; do
    o_all=""; s_all=""; i_all=""; r_all=""
    for r in $(seq 1 "$ROUNDS"); do
        o=""; s=""; i=""
        for k in $(seq 0 2); do   # rotate the order: round 1 ours first, round 2 5tswap, ...
            case $(( (k + r - 1) % 3 )) in
            0) o=$(run_dp "$TMP/$t.pcap") ;;
            1) s=$(run_testpmd "$TMP/$t.pcap" 5tswap) ;;
            2) i=$(run_testpmd "$TMP/$t.pcap" io) ;;
            esac
        done
        o_all="$o_all $o"; s_all="$s_all $s"; i_all="$i_all $i"
        r_all="$r_all $(awk -v o="$o" -v s="$s" 'BEGIN {printf "%.3f", (s > 0 ? o / s : 0)}')"
        echo "  round $r $t: corridor $o, 5tswap $s, io $i Mpps" >&2
    done
    TSC_HZ=$(grep -o 'tsc_hz=[0-9]*' "$TMP/dp.log" | head -1 | cut -d= -f2)
    read -r om olo ohi <<<"$(echo "$o_all" | summary)"
    read -r sm slo shi <<<"$(echo "$s_all" | summary)"
    read -r im ilo ihi <<<"$(echo "$i_all" | summary)"
    read -r rm rlo rhi <<<"$(echo "$r_all" | summary)"
    awk -v om="$om" -v olo="$olo" -v ohi="$ohi" -v sm="$sm" -v slo="$slo" -v shi="$shi" \
        -v im="$im" -v ilo="$ilo" -v ihi="$ihi" -v rm="$rm" -v rlo="$rlo" -v rhi="$rhi" \
        -v hz="${TSC_HZ:-0}" -v t="$t" -v w="$WORKERS" 'BEGIN {
        printf "%-6s %-22s %-22s %-22s %-18s %.0f, %.0f\n", t,
            sprintf("%.2f (%.2f-%.2f)", om, olo, ohi), sprintf("%.2f (%.2f-%.2f)", sm, slo, shi),
            sprintf("%.2f (%.2f-%.2f)", im, ilo, ihi), sprintf("%.2f (%.2f-%.2f)", rm, rlo, rhi),
            (om > 0 ? w * hz / om / 1e6 : 0), (sm > 0 ? w * hz / sm / 1e6 : 0) }'
done
echo "(ratio: per round, ours / 5tswap of the same round; TSC ${TSC_HZ:-?} Hz; cycles per packet per forwarding core, net_pcap's copy of every packet included)"
echo "--- session table lookup vs rte_hash on plain keys"
"$HASHB" "$SESSIONS"
# DPDK's own hash benchmark (dpdk-test hash_perf_autotest: 524,288 keys, extendable buckets,
# 8-byte data, bursts, jhash): its lookup_bulk for 16- and 32-byte keys (ours are 24), beside
# our table at the same size. BENCH_HASH_PERF=0 skips it (it runs about two minutes).
DPDK_TEST="$(command -v dpdk-test || true)"
if [ "${BENCH_HASH_PERF:-1}" != 0 ] && [ -n "$DPDK_TEST" ]; then
    echo "--- DPDK's hash_perf_autotest (extendable buckets, 8-byte data, no precomputed hash)"
    echo quit | DPDK_TEST=hash_perf_autotest timeout 600 "$DPDK_TEST" $MEMARGS --no-pci -l 1 \
        --no-telemetry --log-level='*:error' --file-prefix=hpt$$ >"$TMP/hash_perf.txt" 2>&1
    awk '/EXTENDABLE BUCKETS/ {x=1} x && /Operations with 8-byte data/ {d=1}
         d && /With pre-computed/ {d=0; x=0}
         d && NF == 5 && ($1 == 16 || $1 == 32) {
             printf "  rte_hash, %2d-byte keys: lookup_bulk %s cycles/key\n", $1, $4 }' "$TMP/hash_perf.txt"
    grep -q 'Test OK' "$TMP/hash_perf.txt" || echo "  (hash_perf_autotest did not finish: see its output above)"
    "$HASHB" 524288 | grep -E 'corridor table|lookup,'
fi
