#!/usr/bin/python3
"""corridor-dataplane with two forwarding workers on one port with two receive queues.

net_pcap gives a receive queue per rx_pcap= and a transmit queue per tx_pcap=, so the port
has queues 0 and 1 both ways: worker 0 reads queue 0 (file A) and sends on its own transmit
queue 0 (file out0), worker 1 the same with queue 1. scapy writes A and B (uplink forwards
over IPv4 and IPv6, with a rule QFI, downlink forwards, breakout, unknown TEID, unknown UE,
a drop rule), every packet tagged; the test then checks that every packet that should be
forwarded left exactly once, from the worker that read it, in its input order, rewritten
correctly, and that the totals, the per-worker counters (worker<w>_rx/tx_packets) and the
per-rule counters (rule<id>_packets/bytes) add up exactly.
Usage: multiworker_test.py CORRIDOR_DATAPLANE   (exit 77 = skipped)
"""
import os
import shutil
import subprocess
import sys
import tempfile

try:
    from scapy.all import Ether, IP, IPv6, UDP, Raw, raw, wrpcap, rdpcap, conf
    from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
except ImportError:
    print("SKIP: python3-scapy is not installed (deploy/quickstart.sh installs it)")
    sys.exit(77)
conf.verb = 0

BIN = sys.argv[1]
PER_FILE = 450
US4, US6, GNB4, GNB6 = "198.51.100.2", "fd00::2", "198.51.100.1", "fd00::1"
NODE_A4, NODE_B4, NODE_C6 = "203.0.113.9", "203.0.113.10", "fd00::9"
UE1, UE6, DN4, DN6 = "10.45.0.7", "2001:db8:45::7", "192.0.2.10", "2001:db8:ff::1"
MAC_US, MAC_GW, MAC_PEER = "02:00:00:00:01:01", "02:00:00:00:01:fe", "02:00:00:00:00:02"

CONFIG = f"""
dataplane: {{id: dp-mw, sessions: 1024, mbufs: 4095, mbuf_cache: 64, stats_interval_ms: 0}}
ports:
  - {{name: net_pcap0, rx_queues: 2, mac: "{MAC_US}", gateway_mac: "{MAC_GW}",
      address4: {US4}, address6: "{US6}"}}
rules:
  - {{id: 1, uplink_teid: 4097, uplink_address: {US4}, ue_address: {UE1},
      action: forward, target_address: {NODE_A4}, target_teid: 8193}}
  - {{id: 2, uplink_teid: 4098, uplink_address: {US4}, action: forward,
      target_address: {NODE_B4}, target_teid: 8194, qfi: 9}}
  - {{id: 3, uplink_teid: 4099, uplink_address: "{US6}", ue_address: "{UE6}",
      action: forward, target_address: "{NODE_C6}", target_teid: 12291}}
  - {{id: 4, uplink_teid: 4100, uplink_address: {US4}, action: breakout}}
  - {{id: 5, ue_address: 10.45.0.66, action: drop}}
log: {{level: warn}}
"""

E = Ether(src=MAC_PEER, dst=MAC_US)
def tagged(tag):
    return Raw(b"TAG:" + tag.encode() + b"." * 12)
def inner4(tag, sport, ttl=64):
    return IP(src=UE1, dst=DN4, ttl=ttl) / UDP(sport=sport, dport=5001) / tagged(tag)
def inner6(tag, sport):
    return IPv6(src=UE6, dst=DN6, hlim=50) / UDP(sport=sport, dport=5001) / tagged(tag)
def gtp4(teid, inner):
    return E / IP(src=GNB4, dst=US4) / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid) / inner

# kind -> (builder(tag, i), rule id or None, expected outcome)
KINDS = [
    ("ul_a", lambda t, i: gtp4(4097, inner4(t, 40000 + i)), 1, "forwarded"),
    ("ul_b_qfi", lambda t, i: gtp4(4098, inner4(t, 40000 + i)), 2, "forwarded"),
    ("ul_c_v6", lambda t, i: E / IPv6(src=GNB6, dst=US6) / UDP(sport=2152, dport=2152)
        / GTP_U_Header(teid=4099) / inner6(t, 40000 + i), 3, "forwarded"),
    ("dl_a", lambda t, i: E / IP(src=DN4, dst=UE1, ttl=33) / UDP(sport=5001, dport=40000 + i)
        / tagged(t), 1, "forwarded"),
    ("dl_c_v6", lambda t, i: E / IPv6(src=DN6, dst=UE6, hlim=20) / UDP(sport=5001, dport=i)
        / tagged(t), 3, "forwarded"),
    ("breakout", lambda t, i: gtp4(4100, inner4(t, 40000 + i, ttl=20)), 4, "breakout"),
    ("unknown_teid", lambda t, i: gtp4(7777, inner4(t, i)), None, "drops_no_session_ul"),
    ("unknown_ue", lambda t, i: E / IP(src=DN4, dst="10.45.9.9") / UDP(dport=i) / tagged(t),
        None, "drops_no_session_dl"),
    ("rule_drop", lambda t, i: E / IP(src=DN4, dst="10.45.0.66") / UDP(dport=i) / tagged(t),
        5, "drops_rule"),
]

failures = []
def check(cond, what):
    if not cond and len(failures) < 40:
        failures.append(what)
    return cond


def make_file(letter):
    """[(tag, kind index, frame bytes)] for one input file: the kinds interleaved."""
    out = []
    for i in range(PER_FILE):
        k = i % len(KINDS)
        tag = f"{letter}{i:05d}"
        out.append((tag, k, raw(KINDS[k][1](tag, i))))
    return out


def tag_of(b):
    j = b.find(b"TAG:")
    return b[j + 4:j + 10].decode() if j >= 0 else None


def check_rewrite(tag, kind, src, out):
    w = f"{tag} ({KINDS[kind][0]}): "
    o, s = Ether(out), Ether(src)
    check(o.src == MAC_US and o.dst == MAC_GW, w + "MACs")
    name = KINDS[kind][0]
    if name == "breakout":
        want = s[GTP_U_Header].payload.copy()
        want.ttl -= 1
        del want.chksum
        check(IP in o and GTP_U_Header not in o and raw(o[IP]) == raw(IP(raw(want))),
              w + "not decapsulated with TTL - 1")
        return
    if not check(GTP_U_Header in o, w + "no GTP-U"):
        return
    g = o[GTP_U_Header]
    node, teid = {"ul_a": (NODE_A4, 8193), "dl_a": (NODE_A4, 8193), "ul_b_qfi": (NODE_B4, 8194),
                  "ul_c_v6": (NODE_C6, 12291), "dl_c_v6": (NODE_C6, 12291)}[name]
    outer = o[IPv6] if ":" in node else o[IP]
    check(outer.src == (US6 if ":" in node else US4) and outer.dst == node,
          w + f"outer {outer.src} -> {outer.dst}")
    check(g.teid == teid and g.length == len(raw(g)) - 8, w + f"TEID {g.teid} / GTP-U length")
    inner = g.payload
    if name == "ul_b_qfi":
        check(isinstance(inner, GTPPDUSessionContainer) and inner.QFI == 9, w + "QFI 9")
        inner = inner.payload
    if name.startswith("ul"):   # a relay: the inner packet unchanged
        check(raw(inner) == raw(s[GTP_U_Header].payload), w + "inner packet changed")
    else:                       # routed into the tunnel: TTL / hop limit - 1
        want = (s[IP] if IP in s else s[IPv6]).copy()
        if IP in s:
            want.ttl -= 1
            del want.chksum
            want = IP(raw(want))
        else:
            want.hlim -= 1
        check(raw(inner) == raw(want), w + "inner packet is not the input with TTL - 1")


def run(tmp):
    files = {"A": make_file("A"), "B": make_file("B")}
    paths = {l: os.path.join(tmp, f"in{l}.pcap") for l in files}
    for l, pk in files.items():
        wrpcap(paths[l], [Ether(b) for _, _, b in pk])
    outs = [os.path.join(tmp, f"out{w}.pcap") for w in range(2)]
    cfg, stats = os.path.join(tmp, "dp.yaml"), os.path.join(tmp, "stats.txt")
    open(cfg, "w").write(CONFIG)
    # two workers (lcores 1 and 2) on whichever of the CPUs are free: a functional test,
    # oversubscribing a 2-core machine is fine
    cmd = [BIN, "--no-huge", "--no-pci", "-m", "512", "--lcores", "0@0,(1-2)@(0-%d)"
           % (max(os.cpu_count(), 2) - 1), f"--file-prefix=cdp-mw-{os.getpid()}",
           "--log-level=*:error", "--no-telemetry",
           f"--vdev=net_pcap0,rx_pcap={paths['A']},rx_pcap={paths['B']},"
           f"tx_pcap={outs[0]},tx_pcap={outs[1]}",
           "--", "--config", cfg, "--idle-exit", "500", "--stats-file", stats]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if not check(p.returncode == 0, f"corridor-dataplane exited {p.returncode}"):
        sys.stdout.write(p.stderr[-3000:])
        return
    st = {k: int(v) for k, v in (l.split() for l in open(stats))}
    out = [[raw(x) for x in rdpcap(o)] for o in outs]

    # every packet that should leave left exactly once, from the worker that read its file,
    # in that file's order, rewritten as its rule says
    srcs = {tag: (k, b) for pk in files.values() for tag, k, b in pk}
    seen = {}
    for w, letter in enumerate("AB"):
        want = [tag for tag, k, _ in files[letter] if KINDS[k][3] in ("forwarded", "breakout")]
        got = [tag_of(b) for b in out[w]]
        check(got == want, f"worker {w}'s output (out{w}) is not file {letter}'s forwarded "
              f"packets in order: {len(got)} packets, {len(want)} expected")
        for b in out[w]:
            t = tag_of(b)
            seen[t] = seen.get(t, 0) + 1
            if check(t in srcs, f"out{w}: a packet without a known tag"):
                check_rewrite(t, srcs[t][0], srcs[t][1], b)
    check(all(v == 1 for v in seen.values()),
          f"duplicated: {[t for t, v in seen.items() if v > 1][:5]}")

    # counters: totals, per worker, per reason, per rule
    want = {"rx_packets": 2 * PER_FILE, "port0_rx_packets": 2 * PER_FILE,
            "tx_packets": len(out[0]) + len(out[1]), "port0_tx_packets": len(out[0]) + len(out[1]),
            "worker0_rx_packets": PER_FILE, "worker1_rx_packets": PER_FILE,
            "worker0_tx_packets": len(out[0]), "worker1_tx_packets": len(out[1]),
            "to_kernel": 0, "from_kernel": 0}
    rule_pk, rule_by = {}, {}
    for pk in files.values():
        for _, k, b in pk:
            key = KINDS[k][3]
            want[key] = want.get(key, 0) + 1
            if key.startswith("drops_"):
                want["drops"] = want.get("drops", 0) + 1
            r = KINDS[k][2]
            if r:
                rule_pk[r] = rule_pk.get(r, 0) + 1
                rule_by[r] = rule_by.get(r, 0) + len(b)
    for r in rule_pk:
        want[f"rule{r}_packets"], want[f"rule{r}_bytes"] = rule_pk[r], rule_by[r]
    for k, v in want.items():
        check(st.get(k) == v, f"counter {k} = {st.get(k)}, expected {v}")
    for k, v in st.items():
        if k.startswith("drops_") and k not in want:
            check(v == 0, f"counter {k} = {v}, expected 0")
    check(st["worker0_rx_packets"] + st["worker1_rx_packets"] == st["rx_packets"]
          and st["worker0_tx_packets"] + st["worker1_tx_packets"] == st["tx_packets"],
          "per-worker counters do not add up to the totals")
    check(st["forwarded"] + st["breakout"] + st["drops"] == st["rx_packets"],
          "forwarded + breakout + drops != rx")
    print(f"worker 0: rx {st['worker0_rx_packets']} tx {st['worker0_tx_packets']}; worker 1: "
          f"rx {st['worker1_rx_packets']} tx {st['worker1_tx_packets']}; forwarded "
          f"{st['forwarded']} breakout {st['breakout']} drops {st['drops']}")


def main():
    tmp = tempfile.mkdtemp(prefix="cdp-mw-")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(f"/var/run/dpdk/cdp-mw-{os.getpid()}", ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    print(f"two workers: 2 x {PER_FILE} packets, {len(failures)} failures")
    return 1 if failures else 0


sys.exit(main())
