#!/usr/bin/python3
"""corridor-dataplane end to end on pcap vdevs (no NIC, no hugepages).

Writes an input pcap with scapy (uplink GTP-U with and without extension headers, downlink
IPv4/IPv6, VLAN-tagged, unknown TEID, unknown UE, every header cut short, fragments, TTL 1),
runs the dataplane with --idle-exit, checks the output pcap field by field with scapy, has
tshark dissect it (no malformed packet, no error-level expert info) and checks the counters.
Usage: pcap_test.py CORRIDOR_DATAPLANE   (exit 77 = skipped)
"""
import os
import shutil
import subprocess
import sys
import tempfile

try:
    from scapy.all import Ether, Dot1Q, IP, IPv6, UDP, ARP, Raw, raw, wrpcap, rdpcap, conf
    from scapy.layers.inet6 import IPv6ExtHdrFragment
    from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
except ImportError:
    print("SKIP: python3-scapy is not installed (deploy/quickstart.sh installs it)")
    sys.exit(77)
conf.verb = 0

if not shutil.which("tshark"):
    print("SKIP: tshark is not installed (deploy/quickstart.sh installs it)")
    sys.exit(77)

BIN = sys.argv[1]
US4, US6 = "198.51.100.2", "fd00::2"
GNB4, GNB6 = "198.51.100.1", "fd00::1"
NODE_A4, NODE_B6 = "203.0.113.9", "fd00::9"
UE4, UE6, DN4, DN6 = "10.45.0.7", "2001:db8:45::7", "192.0.2.10", "2001:db8:ff::1"
MAC_US, MAC_GW, MAC_PEER = "02:00:00:00:01:01", "02:00:00:00:01:fe", "02:00:00:00:00:02"

CONFIG = f"""
dataplane: {{id: dp-test, sessions: 1024, mbufs: 2047, mbuf_cache: 32, stats_interval_ms: 0}}
ports:
  - {{name: net_pcap0, mac: "{MAC_US}", gateway_mac: "{MAC_GW}", address4: {US4}, address6: "{US6}"}}
rules:
  - {{id: 1, session: ue-1, uplink_teid: 4097, uplink_address: {US4}, ue_address: {UE4},
      action: forward, target_node: node-a, target_address: {NODE_A4}, target_teid: 8193}}
  - {{id: 2, session: ue-2, uplink_teid: 4098, uplink_address: {US4}, action: breakout}}
  - {{id: 3, session: ue-3, uplink_teid: 4099, uplink_address: "{US6}", ue_address: "{UE6}",
      action: forward, target_node: node-b, target_address: "{NODE_B6}", target_teid: 12291, qfi: 9}}
  - {{id: 4, ue_address: 10.45.0.66, action: drop}}
log: {{level: warn}}
"""

E = Ether(src=MAC_PEER, dst=MAC_US)
def inner4(ttl=64):
    return IP(src=UE4, dst=DN4, ttl=ttl) / UDP(sport=40000, dport=5001) / Raw(b"u" * 24)
def inner6():
    return IPv6(src=UE6, dst=DN6) / UDP(sport=40000, dport=5001) / Raw(b"v" * 40)
def gtp4(teid, payload, **kw):
    return E / IP(src=GNB4, dst=US4) / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid, **kw) / payload
def dl4(dst=UE4, ttl=64, **kw):
    return E / IP(src=DN4, dst=dst, ttl=ttl, **kw) / UDP(sport=5001, dport=40000) / Raw(b"d" * 30)

# (name, packet, expected: None = dropped with that reason, else a checker name)
cases = []
def case(name, pkt, expect):
    cases.append((name, pkt, expect))

case("ul_plain", gtp4(4097, inner4()), "fwd_a")
case("ul_psc", gtp4(4097, GTPPDUSessionContainer(type=1, QFI=5) / inner4(), E=1, next_ex=0x85), "fwd_a_qfi5")
case("ul_seq", gtp4(4097, inner4(), S=1, seq=77), "fwd_a")
case("ul_vlan", Ether(src=MAC_PEER, dst=MAC_US) / Dot1Q(vlan=100) / IP(src=GNB4, dst=US4)
     / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=4097) / inner4(), "fwd_a")
case("ul_v6_outer", E / IPv6(src=GNB6, dst=US6) / UDP(sport=2152, dport=2152)
     / GTP_U_Header(teid=4099) / inner6(), "fwd_b")
case("dl_ipv4", dl4(), "fwd_a_dl")
case("dl_ipv6", E / IPv6(src=DN6, dst=UE6, hlim=30) / UDP(sport=5001, dport=40000) / Raw(b"e" * 20), "fwd_b_dl")
case("dl_fragment", dl4(flags="MF"), "fwd_a_dl")
case("ul_breakout", gtp4(4098, inner4(ttl=20)), "breakout")
case("unknown_teid", gtp4(5555, inner4()), "no_session_ul")
case("unknown_ue", dl4(dst="10.45.9.9"), "no_session_dl")
case("rule_drop", dl4(dst="10.45.0.66"), "rule")
case("dl_ttl1", dl4(ttl=1), "ttl_expired")
case("ul_outer_fragment", E / IP(src=GNB4, dst=US4, flags="MF") / UDP(sport=2152, dport=2152) / Raw(b"f" * 40), "fragment")
case("v6_fragment_to_us", E / IPv6(src=GNB6, dst=US6) / IPv6ExtHdrFragment(m=1) / UDP(dport=2152) / Raw(b"g" * 16), "fragment")
case("arp", E / ARP(psrc=GNB4, pdst=US4), "not_ip")
case("gtp_echo", gtp4(0, Raw(b""), gtp_type=1, S=1, seq=1), "gtpu_ctrl")
# every header cut short
full = raw(gtp4(4097, GTPPDUSessionContainer(type=1, QFI=5) / inner4(), E=1, next_ex=0x85))
vl = raw(Ether(src=MAC_PEER, dst=MAC_US) / Dot1Q(vlan=100) / IP(src=GNB4, dst=US4) / UDP() )
v6 = raw(E / IPv6(src=GNB6, dst=US6) / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=4099) / inner6())
case("cut_eth", Raw(full[:10]), "trunc_eth")
case("cut_vlan", Raw(vl[:16]), "trunc_vlan")
case("cut_ipv4_header", Raw(full[:14 + 12]), "trunc_ipv4")
case("cut_ipv4_payload", Raw(full[:14 + 20 + 4]), "bad_ipv4_len")
case("cut_ipv6_header", Raw(v6[:14 + 30]), "trunc_ipv6")
case("cut_ipv6_payload", Raw(v6[:14 + 40 + 4]), "bad_ipv6_len")
bad_udp = bytearray(full); bad_udp[14 + 20 + 4:14 + 20 + 6] = (3).to_bytes(2, "big")
case("bad_udp_len", Raw(bytes(bad_udp)), "bad_udp_len")
def cut_ip(b, keep):   # an IPv4 GTP-U frame whose IP/UDP lengths agree with a cut GTP-U part
    b = bytearray(b[:keep]); ip_len = keep - 14
    b[16:18] = ip_len.to_bytes(2, "big"); b[24:26] = b"\0\0"
    b[14 + 20 + 4:14 + 20 + 6] = (ip_len - 20).to_bytes(2, "big")
    return bytes(b)
case("cut_gtpu", Raw(cut_ip(full, 14 + 20 + 8 + 5)), "trunc_gtpu")
case("cut_gtpu_ext", Raw(cut_ip(full, 14 + 20 + 8 + 10)), "bad_gtpu_len")
case("cut_inner", Raw(cut_ip(full, 14 + 20 + 8 + 16 + 10)), "bad_gtpu_len")
g = bytearray(cut_ip(full, 14 + 20 + 8 + 16 + 10)); g[14 + 20 + 8 + 2:14 + 20 + 8 + 4] = (8 + 10).to_bytes(2, "big")
case("cut_inner_consistent", Raw(bytes(g)), "trunc_inner")

failures = []
def check(cond, what):
    if not cond:
        failures.append(what)

def run():
    tmp = tempfile.mkdtemp(prefix="cdp-pcap-")
    try:
        inp, outp = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "out.pcap")
        cfg, stats = os.path.join(tmp, "dp.yaml"), os.path.join(tmp, "stats.txt")
        wrpcap(inp, [c[1] for c in cases])
        open(cfg, "w").write(CONFIG)
        cmd = [BIN, "--no-huge", "--no-pci", "-m", "512", "-l", "0,1",
               f"--file-prefix=cdp-pcap-{os.getpid()}", "--log-level=*:error", "--no-telemetry",
               f"--vdev=net_pcap0,rx_pcap={inp},tx_pcap={outp}",
               "--", "--config", cfg, "--idle-exit", "300", "--stats-file", stats]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        sys.stdout.write(p.stderr[-3000:])
        if p.returncode != 0:
            print(f"FAIL: corridor-dataplane exited {p.returncode}")
            return 1
        st = dict(l.split() for l in open(stats))
        st = {k: int(v) for k, v in st.items()}
        out = rdpcap(outp)
        forwarded = [c for c in cases if c[2].startswith("fwd") or c[2] == "breakout"]
        check(len(out) == len(forwarded), f"output has {len(out)} packets, expected {len(forwarded)}")
        for (name, pkt, exp), o in zip(forwarded, out):
            check_out(name, pkt, exp, o)
        # counters match the cases
        want = {}
        for _, _, exp in cases:
            key = "forwarded" if exp.startswith("fwd") else "breakout" if exp == "breakout" else "drops_" + exp
            want[key] = want.get(key, 0) + 1
        for k, v in want.items():
            check(st.get(k) == v, f"counter {k} = {st.get(k)}, expected {v}")
        check(st["rx_packets"] == len(cases), f"rx_packets {st['rx_packets']} != {len(cases)}")
        check(st["tx_packets"] == len(out), "tx_packets != packets in the output")
        check(st["drops"] == len(cases) - len(forwarded), "drops total")
        # tshark: every packet dissects, nothing malformed
        t = subprocess.run(["tshark", "-n", "-r", outp, "-V", "-o", "udp.check_checksum:TRUE"],
                           capture_output=True, text=True, timeout=60)
        check(t.returncode == 0, f"tshark failed: {t.stderr[-500:]}")
        check("Malformed" not in t.stdout, "tshark: malformed packet in the output")
        check("[Expert Info (Error" not in t.stdout, "tshark: error-level expert info")
        check(t.stdout.count("GPRS Tunneling Protocol") == len(forwarded) - 1, "tshark: GTP-U count")
        check("Bad checksum" not in t.stdout and "[incorrect" not in t.stdout.lower(), "tshark: bad checksum")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    print(f"{len(cases)} cases, {len(failures)} failures")
    return 1 if failures else 0

def check_out(name, pkt, exp, o):
    w = f"{name}: "
    check(o[Ether].src == MAC_US and o[Ether].dst == MAC_GW, w + "MACs")
    if exp == "breakout":
        check(IP in o and GTP_U_Header not in o, w + "not decapsulated")
        check(o[IP].ttl == 19 and o[IP].dst == DN4, w + "TTL/dst")
        check(raw(o[IP]) [20:] == raw(pkt[GTP_U_Header].payload)[20:], w + "payload changed")
        return
    check(GTP_U_Header in o, w + "no GTP-U")
    if GTP_U_Header not in o:
        return
    g = o[GTP_U_Header]
    if exp.startswith("fwd_a"):
        check(o[IP].src == US4 and o[IP].dst == NODE_A4, w + "outer addresses")
        check(g.teid == 8193, w + f"teid {g.teid}")
        check(o[IP].chksum == IP(raw(o[IP])).__class__(raw(o[IP])).chksum, w + "ip checksum")
    else:
        check(o[IPv6].src == US6 and o[IPv6].dst == NODE_B6, w + "outer v6 addresses")
        check(g.teid == 12291, w + f"teid {g.teid}")
        u = o[UDP]; c = u.chksum; u2 = UDP(raw(u)); del u2.chksum
        check(c != 0, w + "IPv6 UDP checksum is zero")
    check(o[UDP].dport == 2152, w + "dport")
    check(g.length == len(raw(g)) - 8, w + "GTP-U length")
    if exp.endswith("_dl"):
        src = pkt[IP] if IP in pkt else pkt[IPv6]
        inner = g.payload if not isinstance(g.payload, GTPPDUSessionContainer) else g.payload.payload
        ib = raw(inner)
        if IP in src.__class__(raw(src)) and exp == "fwd_a_dl":
            check(ib[8] == src.ttl - 1, w + "inner TTL not decremented")
        if exp == "fwd_b_dl":
            check(isinstance(g.payload, GTPPDUSessionContainer) and g.payload.QFI == 9 and g.payload.type == 0, w + "PSC QFI 9 DL")
    elif exp == "fwd_a_qfi5":
        check(isinstance(g.payload, GTPPDUSessionContainer) and g.payload.QFI == 5 and g.payload.type == 1, w + "PSC kept")
        check(raw(g.payload.payload) == raw(pkt[GTPPDUSessionContainer].payload), w + "inner changed")
    elif exp == "fwd_b":
        check(isinstance(g.payload, GTPPDUSessionContainer) and g.payload.QFI == 9, w + "rule QFI 9 set")
        check(raw(g.payload.payload) == raw(pkt[GTP_U_Header].payload), w + "inner changed")
    else:
        check(not isinstance(g.payload, GTPPDUSessionContainer), w + "unexpected PSC")
        check(raw(g.payload) == raw(pkt[GTP_U_Header].payload), w + "inner changed")

sys.exit(run())
