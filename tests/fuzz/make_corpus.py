#!/usr/bin/python3
"""Seed corpus for the dataplane parser fuzz target (tests/fuzz/corpus/parse/).

Written with scapy (Debian's python3-scapy): one file per frame, raw bytes. Re-run after
changing the seeds:  /usr/bin/python3 tests/fuzz/make_corpus.py tests/fuzz/corpus/parse
"""
import os
import sys

from scapy.all import Ether, Dot1Q, IP, IPv6, UDP, TCP, ARP, Raw, raw
from scapy.layers.inet6 import IPv6ExtHdrHopByHop, IPv6ExtHdrFragment, IPv6ExtHdrDestOpt
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer

E = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
inner4 = IP(src="10.45.0.7", dst="192.0.2.10") / UDP(sport=40000, dport=5001) / Raw(b"x" * 18)
inner6 = IPv6(src="2001:db8:0:45::7", dst="2001:db8:ff::1") / UDP(sport=40000, dport=5001) / Raw(b"y" * 30)

seeds = {
    "gtpu4_plain": E / IP(src="198.51.100.1", dst="198.51.100.2") / UDP(sport=2152, dport=2152)
                   / GTP_U_Header(teid=0x1001) / inner4,
    "gtpu4_seq": E / IP(src="198.51.100.1", dst="198.51.100.2") / UDP(sport=2152, dport=2152)
                 / GTP_U_Header(teid=0x1002, S=1, seq=7) / inner4,
    "gtpu4_psc_ul": E / IP(src="198.51.100.1", dst="198.51.100.2") / UDP(sport=2152, dport=2152)
                    / GTP_U_Header(teid=0x1003, E=1, next_ex=0x85)
                    / GTPPDUSessionContainer(type=1, QFI=9) / inner4,
    "gtpu6_psc_dl_inner6": E / IPv6(src="fd00::1", dst="fd00::2") / UDP(sport=2152, dport=2152)
                           / GTP_U_Header(teid=0x1004, E=1, next_ex=0x85)
                           / GTPPDUSessionContainer(type=0, QFI=5) / inner6,
    "gtpu4_vlan": E / Dot1Q(vlan=100) / IP(src="198.51.100.1", dst="198.51.100.2")
                  / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x1005) / inner6,
    "gtpu_echo": E / IP(src="198.51.100.1", dst="198.51.100.2") / UDP(sport=2152, dport=2152)
                 / GTP_U_Header(gtp_type=1, teid=0, S=1, seq=1),
    "dl_ipv4": E / IP(src="192.0.2.10", dst="10.45.0.7", ttl=1) / UDP() / Raw(b"z" * 10),
    "dl_ipv6_ext": E / IPv6(src="2001:db8:ff::1", dst="2001:db8:0:45::7") / IPv6ExtHdrHopByHop()
                   / IPv6ExtHdrDestOpt() / UDP() / Raw(b"w" * 8),
    "dl_ipv6_frag": E / IPv6(src="2001:db8:ff::1", dst="2001:db8:0:45::7")
                    / IPv6ExtHdrFragment(m=1, id=5) / UDP() / Raw(b"f" * 16),
    "ipv4_frag": E / IP(src="198.51.100.1", dst="198.51.100.2", flags="MF") / UDP(dport=2152)
                 / Raw(b"g" * 20),
    "ipv4_options": E / IP(src="192.0.2.10", dst="10.45.0.7", options=b"\x01\x01\x01\x00")
                    / TCP() / Raw(b"t" * 4),
    "arp": E / ARP(),
    "qinq": Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01", type=0x88a8)
            / Dot1Q(vlan=10) / Dot1Q(vlan=20) / IP(dst="10.45.0.7") / UDP(),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "parse")
os.makedirs(out, exist_ok=True)
for name, pkt in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(raw(pkt))
print(f"wrote {len(seeds)} seeds to {out}")
