#!/usr/bin/python3
"""corridor-dataplane's kernel exception path through a real net_tap device, end to end.

Everything runs in a network namespace this test creates: the tap interface is created
inside it (a persistent multi-queue tap that DPDK's net_tap attaches to, so the test can
give it its address and routes before the dataplane starts), the dataplane runs inside it
(`ip netns exec`), the kernel that answers is the namespace's, and dumpcap captures the tap
there. No packet touches the host's interfaces. The input is a FIFO, written once the
dataplane is up and the gNB's neighbour entry added (see run()).

scapy writes the input frames (net_pcap0 rx_pcap): ARP for our address, GTP-U echo requests
(one whole, one in IP fragments), a ping to our address (no UE has it), a TTL-1 downlink and
a TTL-1 breakout uplink, a `kernel` rule's packet, and packets that are forwarded or dropped.
The kernel side has our address on the tap, a GTP-U echo responder on UDP 2152 (this script,
--gtp-responder), IPv4 forwarding (so a TTL-1 packet gets an ICMP time exceeded), and
then the test injects two frames of its own into the tap. Checked:
  - the tap saw exactly the kernel-bound input frames, byte for byte, in order;
  - every frame the kernel (or the test) sent into the tap left by the return port
    unchanged (the output pcap), and nothing else left but the forwarded packet;
  - the answers are there: ARP reply, echo responses for both requests (the fragmented one
    reassembled by the kernel), ICMP echo reply, ICMP time exceeded;
  - counters: to_kernel, from_kernel, forwarded, every drops_<reason>, rx/tx, exactly.
Usage: exception_test.py CORRIDOR_DATAPLANE [WORKERS]   (exit 77 = skipped)
       WORKERS (default 1): forwarding lcores; the EAL gets --lcores with one more.
"""
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time


def gtp_responder(addr):
    """Runs inside the namespace: answer GTP-U echo requests on addr:2152 (TS 29.281 7.2.2),
    count every message; at SIGTERM print what arrived (type:seq,...)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 2152))
    seen = []
    def bye(*_):
        print(" ".join(seen), flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, bye)
    print("ready", flush=True)
    while True:
        data, peer = s.recvfrom(65535)
        if len(data) < 8:
            seen.append("short")
            continue
        flags, mtype = data[0], data[1]
        seq = struct.unpack("!H", data[8:10])[0] if flags & 0x02 and len(data) >= 12 else -1
        seen.append(f"{mtype}:{seq}:{len(data)}")
        if mtype == 1:   # echo request -> echo response with a Recovery IE (type 14)
            ies = bytes([14, 0])
            s.sendto(struct.pack("!BBHIHBB", 0x32, 2, 4 + len(ies), 0, max(seq, 0), 0, 0) + ies,
                     peer)


def inject(iface, hexframes):
    """Runs inside the namespace: send raw frames into the tap (towards the dataplane)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for h in hexframes:
        s.send(bytes.fromhex(h))


if len(sys.argv) >= 3 and sys.argv[1] == "--gtp-responder":
    gtp_responder(sys.argv[2])
    sys.exit(0)
if len(sys.argv) >= 3 and sys.argv[1] == "--inject":
    inject(sys.argv[2], sys.argv[3:])
    sys.exit(0)

try:
    from scapy.all import (Ether, IP, UDP, ARP, ICMP, Raw, raw, wrpcap, rdpcap, conf,
                           fragment)
    from scapy.layers.inet import IPerror
    from scapy.contrib.gtp import GTP_U_Header
except ImportError:
    print("SKIP: python3-scapy is not installed (deploy/quickstart.sh installs it)")
    sys.exit(77)
conf.verb = 0

if len(sys.argv) < 2:
    print(__doc__)
    sys.exit(2)
BIN = os.path.abspath(sys.argv[1])
WORKERS = int(sys.argv[2]) if len(sys.argv) > 2 else 1
SELF = os.path.abspath(__file__)
PY = sys.executable or "/usr/bin/python3"


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


if os.geteuid() != 0:
    skip("needs root (a network namespace and a tap device)")
if not os.path.exists("/dev/net/tun"):
    skip("no /dev/net/tun on this machine (the tun module is not loaded)")
for tool in ("ip", "dumpcap"):
    if not shutil.which(tool):
        skip(f"{tool} is not installed (deploy/quickstart.sh installs iproute2 and tshark)")

NS = f"cdp-exc-{os.getpid()}"
TAP = f"cdpx{os.getpid() % 100000}"
US4, GNB4, DN4 = "198.51.100.2", "198.51.100.1", "192.0.2.10"
NODE_A4, UE4, UE_KERNEL, UE_DROP = "203.0.113.9", "10.45.0.7", "10.45.0.50", "10.45.0.66"
MAC_US, MAC_GW, MAC_PEER = "02:00:00:00:01:01", "02:00:00:00:01:fe", "02:00:00:00:00:02"

CONFIG = f"""
dataplane: {{id: dp-exc, sessions: 1024, mbufs: 2047, mbuf_cache: 32, stats_interval_ms: 100}}
ports:
  - {{name: net_pcap0, mac: "{MAC_US}", gateway_mac: "{MAC_GW}", address4: {US4}}}
exception: {{port: net_tap0, return_port: 0}}
rules:
  - {{id: 1, uplink_teid: 4097, uplink_address: {US4}, ue_address: {UE4},
      action: forward, target_node: node-a, target_address: {NODE_A4}, target_teid: 8193}}
  - {{id: 2, uplink_teid: 4098, uplink_address: {US4}, action: breakout}}
  - {{id: 4, ue_address: {UE_DROP}, action: drop}}
  - {{id: 5, ue_address: {UE_KERNEL}, action: kernel}}
log: {{level: info}}
"""

E = Ether(src=MAC_PEER, dst=MAC_US)
def inner4(ttl=64):
    return IP(src=UE4, dst=DN4, ttl=ttl) / UDP(sport=40000, dport=5001) / Raw(b"u" * 24)
def gtp4(teid, payload, **kw):
    return E / IP(src=GNB4, dst=US4) / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid, **kw) / payload
def dl4(dst=UE4, ttl=64, src=DN4):
    return E / IP(src=src, dst=dst, ttl=ttl) / UDP(sport=5001, dport=40000) / Raw(b"d" * 30)

# (name, frame, where it goes: "kernel", "forward" or a drop reason)
cases = [
    ("arp", Ether(src=MAC_PEER, dst="ff:ff:ff:ff:ff:ff")
        / ARP(op=1, hwsrc=MAC_PEER, psrc=GNB4, pdst=US4), "kernel"),
    ("gtp_echo", gtp4(0, Raw(b""), gtp_type=1, S=1, seq=1), "kernel"),
]
# a GTP-U echo request in three IP fragments: the kernel reassembles it, the responder answers
big = IP(src=GNB4, dst=US4, id=0x4242) / UDP(sport=2152, dport=2152) / GTP_U_Header(
    teid=0, gtp_type=1, S=1, seq=2) / Raw(b"\xff\x00\x04" + b"x" * 1200)
for i, f in enumerate(fragment(big, fragsize=480)):
    cases.append((f"gtp_echo_frag{i}", E / f, "kernel"))
N_FRAGS = sum(1 for c in cases if c[0].startswith("gtp_echo_frag"))
cases += [
    ("ping_us", E / IP(src=DN4, dst=US4) / ICMP(id=0x77, seq=3) / Raw(b"ping" * 8), "kernel"),
    ("dl_ttl1", dl4(ttl=1), "kernel"),
    ("ul_breakout_ttl1", gtp4(4098, inner4(ttl=1)), "kernel"),
    ("kernel_rule", dl4(dst=UE_KERNEL), "kernel"),
    ("ul_forward", gtp4(4097, inner4()), "forward"),
    ("unknown_teid", gtp4(5555, inner4()), "no_session_ul"),
    ("unknown_ue", dl4(dst="10.45.9.9"), "no_session_dl"),
    ("rule_drop", dl4(dst=UE_DROP), "rule"),
]
TO_KERNEL = [c for c in cases if c[2] == "kernel"]
# injected into the tap from inside the namespace: an IP packet and a non-IP frame
INJECTED = [
    Ether(src=MAC_US, dst=MAC_PEER) / IP(src=US4, dst=GNB4, ttl=7)
        / UDP(sport=7777, dport=7778) / Raw(b"injected from the namespace"),
    Ether(src=MAC_US, dst="01:80:c2:00:00:0e", type=0x88cc) / Raw(b"\x02\x07\x04" + b"z" * 40),
]
KERNEL_ANSWERS = 5   # ARP reply, 2 echo responses, ICMP echo reply, ICMP time exceeded

failures = []
def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def sh(*args, check_rc=True):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=30)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {p.stderr.strip()}")
    return p


def nsx(*args):
    return ["ip", "netns", "exec", NS] + list(args)


def setup_ns():
    """The namespace, its tap (persistent, multi-queue: what net_tap asks for) and the
    kernel side's configuration, all before the dataplane starts."""
    if sh("ip", "netns", "add", NS, check_rc=False).returncode != 0:
        skip(f"cannot create a network namespace (ip netns add {NS}): no permission?")
    # no IPv6 on the tap: the kernel would send its own ND/MLD packets through the dataplane
    for k in ("all", "default"):
        sh(*nsx("sysctl", "-qw", f"net.ipv6.conf.{k}.disable_ipv6=1",
                f"net.ipv4.conf.{k}.send_redirects=0"))
    sh(*nsx("sysctl", "-qw", "net.ipv4.ip_forward=1"))   # TTL-1 packets get an ICMP
    sh(*nsx("ip", "link", "set", "lo", "up"))
    p = sh(*nsx("ip", "tuntap", "add", "dev", TAP, "mode", "tap", "multi_queue"), check_rc=False)
    if p.returncode != 0:
        skip(f"cannot create a tap device in the namespace: {p.stderr.strip()}")
    sh(*nsx("ip", "addr", "add", f"{US4}/24", "dev", TAP))
    sh(*nsx("ip", "link", "set", TAP, "up"))   # no carrier until net_tap attaches
    sh(*nsx("ip", "route", "add", "default", "via", GNB4, "dev", TAP, "onlink"))
    sh(*nsx("ip", "route", "add", "blackhole", f"{UE_KERNEL}/32"))


def wait_line(proc, pattern, timeout):
    """Read proc's output (stdout, stderr merged) until a line has pattern; returns the
    lines read and whether it came."""
    fd, buf, end = proc.stdout.fileno(), b"", time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if not r:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
        if pattern.encode() in buf:
            return buf.decode(errors="replace").splitlines(), True
    return buf.decode(errors="replace").splitlines(), False


def last_stats(logpath):
    """tx and rx of the dataplane's latest stats line."""
    rx = tx = -1
    with open(logpath, errors="replace") as f:
        for l in f:
            if "dataplane stats " in l:
                m = re.search(r" rx=(\d+) tx=(\d+)", l)
                if m:
                    rx, tx = int(m.group(1)), int(m.group(2))
    return rx, tx


def wait_tx(logpath, rx_want, tx_want, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        rx, tx = last_stats(logpath)
        if rx >= rx_want and tx >= tx_want:
            return rx, tx
        time.sleep(0.05)
    return last_stats(logpath)


def stop(proc, sig=signal.SIGTERM, timeout=15):
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def open_fifo(path, proc, timeout):
    """Open the dataplane's input FIFO for writing once net_pcap has opened it to read."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:   # ENXIO: no reader yet
            time.sleep(0.02)
    return -1


def run(tmp):
    """The input is a FIFO: net_pcap opens it (and reads the pcap header) while the EAL
    probes; the frames are written only once the dataplane is ready and the kernel side is
    configured. DPDK sets the tap's MAC when it attaches, and a MAC change flushes the
    kernel's neighbour table, permanent entries included: the gNB's entry is added after."""
    inp, outp = os.path.join(tmp, "in.fifo"), os.path.join(tmp, "out.pcap")
    pcap, cap = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "tap.pcap")
    cfg, stats, log = (os.path.join(tmp, n) for n in ("dp.yaml", "stats.txt", "dp.log"))
    wrpcap(pcap, [c[1] for c in cases])
    frames = open(pcap, "rb").read()
    os.mkfifo(inp)
    open(cfg, "w").write(CONFIG)
    setup_ns()
    procs, fifo = {}, -1
    try:
        procs["responder"] = subprocess.Popen(nsx(PY, SELF, "--gtp-responder", US4),
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _, ok = wait_line(procs["responder"], "ready", 15)
        if not check(ok, "the GTP-U echo responder did not start in the namespace"):
            return
        procs["dumpcap"] = subprocess.Popen(nsx("dumpcap", "-q", "-P", "-i", TAP, "-w", cap),
                                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines, ok = wait_line(procs["dumpcap"], "Capturing on", 15)
        if not check(ok, "dumpcap did not start on the tap: " + " | ".join(lines[-3:])):
            return
        lcores = f"0@0,(1-{WORKERS})@(0-{os.cpu_count() - 1})" if WORKERS > 1 else "0,1"
        cmd = nsx(BIN, "--no-huge", "--no-pci", "-m", "512", "--lcores", lcores,
                  f"--file-prefix={NS}", "--log-level=*:error", "--no-telemetry",
                  f"--vdev=net_pcap0,rx_pcap={inp}," + ",".join(
                      f"tx_pcap={outp}.{w}" for w in range(WORKERS)),   # a tx queue each
                  f"--vdev=net_tap0,iface={TAP},mac={MAC_US}",
                  "--", "--config", cfg, "--stats-file", stats)
        logf = open(log, "w")
        procs["dataplane"] = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        fifo = open_fifo(inp, procs["dataplane"], 20)
        if not check(fifo >= 0, "net_pcap did not open the input FIFO"):
            return
        procs["started"] = True
        os.write(fifo, frames[:24])   # the pcap header: the EAL's probe waits for it
        end = time.monotonic() + 20
        while "dataplane ready" not in open(log, errors="replace").read():
            if not check(time.monotonic() < end and procs["dataplane"].poll() is None,
                         "the dataplane did not get ready"):
                del procs["started"]
                return
            time.sleep(0.05)
        mac = sh(*nsx("cat", f"/sys/class/net/{TAP}/address")).stdout.strip()
        check(mac == MAC_US, f"the tap's MAC is {mac}, expected {MAC_US} (net_tap mac=)")
        sh(*nsx("ip", "neigh", "replace", GNB4, "lladdr", MAC_PEER, "dev", TAP,
                "nud", "permanent"))
        os.set_blocking(fifo, True)
        os.write(fifo, frames[24:])
        os.close(fifo)   # EOF: the worker stops waiting on the FIFO and polls the tap
        fifo = -1
        n_fwd = sum(1 for c in cases if c[2] == "forward")
        # everything read, forwarded or sent to the kernel, and the kernel's answers back
        want_tx = n_fwd + len(TO_KERNEL) + KERNEL_ANSWERS
        rx, tx = wait_tx(log, len(cases), want_tx, 20)
        check(rx == len(cases) and tx == want_tx,
              f"before injecting: stats line rx={rx} tx={tx}, expected rx={len(cases)} tx={want_tx}")
        sh(*nsx(PY, SELF, "--inject", TAP, *[raw(f).hex() for f in INJECTED]))
        rx, tx = wait_tx(log, len(cases), want_tx + len(INJECTED), 10)
        time.sleep(0.3)   # anything more the kernel would send shows up in the counters
    finally:
        if fifo >= 0:
            os.close(fifo)
        stop(procs.get("dataplane"))
        time.sleep(0.2)
        stop(procs.get("dumpcap"), signal.SIGINT)
        stop(procs.get("responder"))
        sh("ip", "netns", "del", NS, check_rc=False)
    if "started" not in procs or not check(
            procs["dataplane"].returncode == 0,
            f"corridor-dataplane exited {procs['dataplane'].returncode}"):
        return
    responder_saw = procs["responder"].stdout.read().decode(errors="replace").split()
    verify(outp, cap, stats, responder_saw)


def verify(outp, cap, stats, responder_saw):
    st = {k: int(v) for k, v in (l.split() for l in open(stats))}
    out = [raw(p) for w in range(WORKERS) for p in rdpcap(f"{outp}.{w}")]
    tapped = [raw(p) for p in rdpcap(cap)]
    into_kernel = [b for b in tapped if b[6:12] == bytes.fromhex(MAC_PEER.replace(":", ""))]
    from_kernel = [b for b in tapped if b[6:12] != bytes.fromhex(MAC_PEER.replace(":", ""))]

    # 1. the tap saw exactly the kernel-bound frames, unchanged and in order
    want_in = [raw(c[1]) for c in TO_KERNEL]
    check(len(into_kernel) == len(want_in),
          f"the tap saw {len(into_kernel)} frames from the dataplane, expected {len(want_in)}")
    for (name, _, _), want, got in zip(TO_KERNEL, want_in, into_kernel):
        check(got == want, f"{name}: the frame on the tap differs from the input frame")
    check(len(tapped) == len(into_kernel) + len(from_kernel), "capture split")

    # 2. what went into the tap from the kernel side left by the return port, unchanged;
    #    besides it only the forwarded packet left
    forwarded = [b for b in out if b not in from_kernel]
    check(sorted(b for b in out if b in from_kernel) == sorted(from_kernel),
          f"frames the kernel side sent: {len(from_kernel)} on the tap, "
          f"{sum(1 for b in out if b in from_kernel)} of them in the output")
    check(len(forwarded) == 1, f"{len(forwarded)} other frames in the output, expected 1")
    for b in forwarded:
        o = Ether(b)
        check(GTP_U_Header in o and o[IP].dst == NODE_A4 and o[GTP_U_Header].teid == 8193,
              "the forwarded packet is not GTP-U to node A / TEID 8193")
    for f in INJECTED:
        check(raw(f) in out, f"injected {f.summary()} is not in the output unchanged")

    # 3. the kernel's answers
    pk = [Ether(b) for b in from_kernel]
    arp = [p for p in pk if ARP in p and p[ARP].op == 2]
    check(len(arp) == 1 and arp[0][ARP].psrc == US4 and arp[0][ARP].hwsrc == MAC_US
          and arp[0][ARP].pdst == GNB4 and arp[0].dst == MAC_PEER,
          f"ARP reply for {US4}: {[p.summary() for p in arp]}")
    echo = sorted(p[GTP_U_Header].seq for p in pk if GTP_U_Header in p and p[GTP_U_Header].gtp_type == 2
                  and p[IP].src == US4 and p[IP].dst == GNB4)
    check(echo == [1, 2], f"GTP-U echo responses seq {echo}, expected [1, 2] (2 = reassembled)")
    pong = [p for p in pk if ICMP in p and p[ICMP].type == 0]
    check(len(pong) == 1 and pong[0][IP].dst == DN4 and pong[0][ICMP].id == 0x77
          and pong[0][ICMP].seq == 3 and pong[0].dst == MAC_PEER, "ICMP echo reply from our address")
    tex = [p for p in pk if ICMP in p and p[ICMP].type == 11]
    check(len(tex) == 1 and tex[0][IP].dst == DN4 and IPerror in tex[0]
          and tex[0][IPerror].dst == UE4, "ICMP time exceeded for the TTL-1 downlink")
    check(len(from_kernel) == KERNEL_ANSWERS + len(INJECTED),
          f"{len(from_kernel)} frames from the kernel side, expected "
          f"{KERNEL_ANSWERS} answers + {len(INJECTED)} injected: {[p.summary() for p in pk]}")
    # the responder: echo 1, echo 2 (reassembled: full length), the TTL-1 breakout's G-PDU
    types = sorted(s.split(":")[0] + ":" + s.split(":")[1] for s in responder_saw)
    check(types == ["1:1", "1:2", "255:-1"], f"the responder saw {responder_saw}")
    check(any(s.startswith("1:2:") and int(s.split(":")[2]) == len(raw(big[UDP].payload))
              for s in responder_saw), "the fragmented echo request was not reassembled whole")

    # 4. counters, exactly
    want = {"rx_packets": len(cases), "to_kernel": len(TO_KERNEL),
            "from_kernel": KERNEL_ANSWERS + len(INJECTED), "forwarded": 1, "breakout": 0,
            "drops": 3, "drops_no_session_ul": 1, "drops_no_session_dl": 1, "drops_rule": 1,
            "port0_rx_packets": len(cases), "port0_tx_packets": len(out),
            "tx_packets": len(out) + len(TO_KERNEL),
            # why each went to the kernel: ARP, the echo, its fragments, the ping to our
            # address (no session for it), the two TTL-1 packets, the kernel rule
            "to_kernel_not_ip": 1, "to_kernel_gtpu_ctrl": 1, "to_kernel_fragment": N_FRAGS,
            "to_kernel_no_session_dl": 1, "to_kernel_ttl_expired": 2, "to_kernel_rule": 1}
    for k, v in want.items():
        check(st.get(k) == v, f"counter {k} = {st.get(k)}, expected {v}")
    for k, v in st.items():
        if k.startswith("drops_") and k not in want:
            check(v == 0, f"counter {k} = {v}, expected 0")
    check(len(out) == 1 + KERNEL_ANSWERS + len(INJECTED), f"output has {len(out)} frames")


def main():
    tmp = tempfile.mkdtemp(prefix="cdp-exc-")
    try:
        run(tmp)
        log = os.path.join(tmp, "dp.log")
        if failures and os.path.exists(log):
            sys.stdout.write(open(log, errors="replace").read()[-3000:])
    finally:
        sh("ip", "netns", "del", NS, check_rc=False)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(f"/var/run/dpdk/{NS}", ignore_errors=True)   # the EAL's runtime dir
    for f in failures:
        print("FAIL:", f)
    print(f"exception path, {WORKERS} worker(s): {len(cases)} input frames "
          f"({len(TO_KERNEL)} to the kernel), {len(INJECTED)} injected, {len(failures)} failures")
    return 1 if failures else 0


sys.exit(main())
