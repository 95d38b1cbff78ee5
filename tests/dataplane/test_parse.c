/* dataplane/parse: the parser on well-formed, cut-short and malformed frames, and the
 * builders' lengths and checksums. Runs without DPDK. Every parse of a cut-short frame runs
 * on a heap copy of exactly that length, so ASan catches any read past the end. */
#include <stdlib.h>

#include "build.h"
#include "pktgen.h"
#include "pkt.h"
#include "testutil.h"

static const uint8_t ue4[4] = {10, 45, 0, 7}, dn4[4] = {192, 0, 2, 10};
static const uint8_t gnb4[4] = {198, 51, 100, 1}, upf4[4] = {198, 51, 100, 2};
static const uint8_t ue6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x45, [15] = 7};
static const uint8_t dn6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, [15] = 1};
static const uint8_t gnb6[16] = {0xfd, 0, [15] = 1}, upf6[16] = {0xfd, 0, [15] = 2};

static corridor_pkt_reason parse_copy(const uint8_t *buf, size_t len, corridor_pkt *p)
{
    uint8_t *c = malloc(len ? len : 1);
    memcpy(c, buf, len);
    corridor_pkt_reason r = corridor_pkt_parse(c, len, p);
    free(c);
    return r;
}

/* Every proper prefix of a frame is refused with a reason and never read past its end. */
static void check_all_cuts(const uint8_t *f, size_t n)
{
    corridor_pkt p;
    int ok = 0;
    for (size_t cut = 0; cut < n; cut++) {
        corridor_pkt_reason r = parse_copy(f, cut, &p);
        if (r == CORRIDOR_PKT_OK)
            ok++;
        CHECK(corridor_pkt_reason_name(r)[0] != 'u');  /* a named reason */
    }
    CHECK_EQ_INT(ok, 0);
}

static void test_gtpu_ipv4_plain(void)
{
    uint8_t ip[128], f[256];
    size_t n = pg_ip_udp(ip, 4, ue4, dn4, 64, 22);
    size_t fl = pg_gtpu(f, 4, gnb4, upf4, 0x1234abcd, -1, ip, n, 0);
    corridor_pkt p;
    CHECK_EQ_INT(corridor_pkt_parse(f, fl, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.kind, CORRIDOR_PKT_KIND_GTPU);
    CHECK_EQ_INT(p.l2_len, 14);
    CHECK_EQ_INT(p.outer.family, 4);
    CHECK_EQ_INT(p.dport, 2152);
    CHECK_EQ_INT(p.teid, 0x1234abcd);
    CHECK_EQ_INT(p.gtp_hdr_len, 8);
    CHECK(!p.has_qfi);
    CHECK_EQ_INT(p.inner.family, 4);
    CHECK_EQ_INT(p.inner.off, 14 + 20 + 8 + 8);
    CHECK_EQ_INT(p.inner.total_len, n);
    CHECK(memcmp(corridor_pkt_ip_dst(f, &p.outer), upf4, 4) == 0);
    CHECK(memcmp(corridor_pkt_ip_src(f, &p.inner), ue4, 4) == 0);
    CHECK_EQ_INT(p.len, fl);
    /* the outer IPv4 header checksum verifies */
    CHECK_EQ_INT(corridor_csum_fold(corridor_csum_add(0, f + 14, 20)), 0);
    check_all_cuts(f, fl);
}

static void test_gtpu_ipv6_psc_vlan(void)
{
    uint8_t ip[256], f[512];
    size_t n = pg_ip_udp(ip, 6, ue6, dn6, 64, 100);
    size_t fl = pg_gtpu(f, 6, gnb6, upf6, 77, 9, ip, n, 100);
    corridor_pkt p;
    CHECK_EQ_INT(corridor_pkt_parse(f, fl, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.kind, CORRIDOR_PKT_KIND_GTPU);
    CHECK_EQ_INT(p.n_vlans, 1);
    CHECK_EQ_INT(p.vlan_tci, 100);
    CHECK_EQ_INT(p.l2_len, 18);
    CHECK_EQ_INT(p.outer.family, 6);
    CHECK_EQ_INT(p.teid, 77);
    CHECK(p.has_qfi);
    CHECK_EQ_INT(p.qfi, 9);
    CHECK_EQ_INT(p.pdu_type, 1);
    CHECK_EQ_INT(p.n_gtp_ext, 1);
    CHECK_EQ_INT(p.gtp_hdr_len, 16);
    CHECK_EQ_INT(p.inner.family, 6);
    CHECK(memcmp(corridor_pkt_ip_dst(f, &p.inner), dn6, 16) == 0);
    /* IPv6 UDP checksum over pseudo-header + UDP datagram verifies to 0 */
    size_t l4 = p.l4_off, ulen = corridor_rd16(f + l4 + 4);
    uint64_t s = corridor_csum_add(0, f + p.outer.off + 8, 32) + 17 + ulen;
    s = corridor_csum_add(s, f + l4, ulen);
    CHECK_EQ_INT(corridor_csum_fold(s), 0);
    check_all_cuts(f, fl);
}

static void test_downlink_plain(void)
{
    uint8_t ip[256], f[512];
    corridor_pkt p;
    size_t n = pg_ip_udp(ip, 4, dn4, ue4, 1, 18);
    size_t fl = pg_eth(f, ip, n, 0);
    CHECK_EQ_INT(corridor_pkt_parse(f, fl, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.kind, CORRIDOR_PKT_KIND_IP);
    CHECK_EQ_INT(p.outer.ttl, 1);
    CHECK(memcmp(corridor_pkt_ip_dst(f, &p.outer), ue4, 4) == 0);
    check_all_cuts(f, fl);
    /* Ethernet padding after the IP packet is not counted */
    uint8_t pad[64] = {0};
    memcpy(pad, f, fl < 60 ? fl : 60);
    n = pg_ip_udp(ip, 6, dn6, ue6, 64, 0);
    fl = pg_eth(f, ip, n, 5);
    CHECK_EQ_INT(corridor_pkt_parse(f, fl, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.kind, CORRIDOR_PKT_KIND_IP);
    CHECK_EQ_INT(p.outer.family, 6);
    check_all_cuts(f, fl);
}

static void test_fragments(void)
{
    uint8_t ip[256], f[512];
    corridor_pkt p;
    size_t n = pg_ip_udp(ip, 4, gnb4, upf4, 64, 40);
    corridor_wr16(ip + 6, 0x2000);  /* MF */
    size_t fl = pg_eth(f, ip, n, 0);
    CHECK_EQ_INT(corridor_pkt_parse(f, fl, &p), CORRIDOR_PKT_FRAGMENT);
    CHECK_EQ_INT(p.kind, CORRIDOR_PKT_KIND_IP);
    CHECK(p.outer.frag);
    corridor_wr16(ip + 6, 0x0010);  /* offset 128 */
    fl = pg_eth(f, ip, n, 0);
    CHECK_EQ_INT(corridor_pkt_parse(f, fl, &p), CORRIDOR_PKT_FRAGMENT);

    /* IPv6: hop-by-hop (8) + fragment header (offset 0, M set) */
    size_t base = pg_ip_udp(ip, 6, gnb6, upf6, 64, 16);
    uint8_t v6[256];
    memcpy(v6, ip, 40);
    v6[6] = 0;                       /* hop-by-hop */
    uint8_t *e = v6 + 40;
    memset(e, 0, 16);
    e[0] = 44; e[1] = 0;             /* next: fragment, 8 bytes */
    e[8] = 17; corridor_wr16(e + 10, 0x0001); /* M set */
    memcpy(v6 + 56, ip + 40, base - 40);
    corridor_wr16(v6 + 4, (uint16_t)(base - 40 + 16));
    fl = pg_eth(f, v6, base + 16, 0);
    CHECK_EQ_INT(corridor_pkt_parse(f, fl, &p), CORRIDOR_PKT_FRAGMENT);
    CHECK_EQ_INT(p.outer.hdr_len, 56);
    check_all_cuts(f, fl);
    /* without the M flag the same chain is walked through to UDP */
    corridor_wr16(f + 14 + 48 + 2, 0);
    CHECK_EQ_INT(corridor_pkt_parse(f, fl, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.outer.proto, 17);
    CHECK_EQ_INT(p.l4_off, 14 + 56);
}

static void test_malformed(void)
{
    uint8_t ip[128], f[256];
    corridor_pkt p;
    size_t n = pg_ip_udp(ip, 4, ue4, dn4, 64, 10);
    size_t fl = pg_gtpu(f, 4, gnb4, upf4, 5, 3, ip, n, 0);
    size_t g = 14 + 20 + 8;
    uint8_t c[256];

    memcpy(c, f, fl); c[g] = 0x50;                 /* GTP version 2 */
    CHECK_EQ_INT(corridor_pkt_parse(c, fl, &p), CORRIDOR_PKT_BAD_GTPU);
    memcpy(c, f, fl); c[g + 12] = 0;               /* extension length 0 */
    CHECK_EQ_INT(corridor_pkt_parse(c, fl, &p), CORRIDOR_PKT_BAD_GTPU_EXT);
    memcpy(c, f, fl); c[g + 12] = 40;              /* extension past the end */
    CHECK_EQ_INT(corridor_pkt_parse(c, fl, &p), CORRIDOR_PKT_BAD_GTPU_EXT);
    memcpy(c, f, fl); corridor_wr16(c + g + 2, 500); /* GTP length past UDP */
    CHECK_EQ_INT(corridor_pkt_parse(c, fl, &p), CORRIDOR_PKT_BAD_GTPU_LEN);
    memcpy(c, f, fl); corridor_wr16(c + 14 + 20 + 4, 4); /* UDP length < 8 */
    CHECK_EQ_INT(corridor_pkt_parse(c, fl, &p), CORRIDOR_PKT_BAD_UDP_LEN);
    memcpy(c, f, fl); c[14] = 0x44;                /* IHL 4 */
    CHECK_EQ_INT(corridor_pkt_parse(c, fl, &p), CORRIDOR_PKT_BAD_IPV4);
    memcpy(c, f, fl); c[g + 16] = 0x75;            /* inner version 7 */
    CHECK_EQ_INT(corridor_pkt_parse(c, fl, &p), CORRIDOR_PKT_BAD_INNER);
    memcpy(c, f, fl); c[g + 1] = 1;                /* echo request: signalling */
    CHECK_EQ_INT(corridor_pkt_parse(c, fl, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.kind, CORRIDOR_PKT_KIND_GTPU_CTRL);
    memcpy(c, f, fl); corridor_wr16(c + 12, 0x0806); /* ARP */
    CHECK_EQ_INT(corridor_pkt_parse(c, fl, &p), CORRIDOR_PKT_NOT_IP);
    /* three VLAN tags */
    uint8_t v[64] = {0};
    corridor_wr16(v + 12, 0x88a8); corridor_wr16(v + 16, 0x8100); corridor_wr16(v + 20, 0x8100);
    CHECK_EQ_INT(corridor_pkt_parse(v, sizeof v, &p), CORRIDOR_PKT_TOO_MANY_VLANS);
    /* extension chain of 9 headers */
    uint8_t big[256];
    size_t gl = 14 + 20 + 8;
    memcpy(big, f, gl + 8);
    big[gl] |= 0x04;
    memset(big + gl + 8, 0, 4);
    big[gl + 11] = 0x40;
    size_t pos = gl + 12;
    for (int i = 0; i < 9; i++, pos += 4) {
        big[pos] = 1; big[pos + 1] = 0; big[pos + 2] = 0; big[pos + 3] = (uint8_t)(i < 8 ? 0x40 : 0);
    }
    corridor_wr16(big + gl + 2, (uint16_t)(pos - gl - 8));
    corridor_wr16(big + 14 + 20 + 4, (uint16_t)(pos - 14 - 20));
    corridor_wr16(big + 14 + 2, (uint16_t)(pos - 14));
    CHECK_EQ_INT(corridor_pkt_parse(big, pos, &p), CORRIDOR_PKT_BAD_GTPU_EXT);
}

static void test_builders(void)
{
    uint8_t ip[128];
    size_t n = pg_ip_udp(ip, 4, ue4, dn4, 64, 10);
    /* TTL decrement keeps the header checksum valid */
    CHECK_EQ_INT(corridor_ip_dec_ttl(ip, 4), 64);
    CHECK_EQ_INT(ip[8], 63);
    CHECK_EQ_INT(corridor_csum_fold(corridor_csum_add(0, ip, 20)), 0);
    ip[8] = 1;
    CHECK_EQ_INT(corridor_ip_dec_ttl(ip, 4), 1);
    CHECK_EQ_INT(ip[8], 1);
    /* template + container vs. the one-shot builder */
    corridor_gtpu_encap e;
    memset(&e, 0, sizeof e);
    e.family = 6;
    memcpy(e.src, upf6, 16);
    memcpy(e.dst, gnb6, 16);
    e.teid = 99;
    corridor_gtpu_tmpl t;
    CHECK_EQ_INT(corridor_gtpu_tmpl_init(&t, &e), 0);
    uint8_t out[256];
    corridor_gtpu_tmpl_write(&t, out, ip, n, 33, 0);
    size_t h = corridor_gtpu_tmpl_len(&t, 33);
    memcpy(out + h, ip, n);
    corridor_pkt p;
    CHECK_EQ_INT(corridor_pkt_parse(out, h + n, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.qfi, 33);
    CHECK_EQ_INT(p.pdu_type, 0);
    CHECK_EQ_INT(p.teid, 99);
    uint64_t s = corridor_csum_add(0, out + 14 + 8, 32) + 17 + corridor_rd16(out + 54 + 4);
    s = corridor_csum_add(s, out + 54, corridor_rd16(out + 54 + 4));
    CHECK_EQ_INT(corridor_csum_fold(s), 0);
    e.qfi = 64;
    CHECK_EQ_INT(corridor_gtpu_tmpl_init(&t, &e), -22);
    e.qfi = 0;
    e.family = 5;
    CHECK_EQ_INT(corridor_gtpu_tmpl_init(&t, &e), -22);
}

int main(void)
{
    RUN(test_gtpu_ipv4_plain);
    RUN(test_gtpu_ipv6_psc_vlan);
    RUN(test_downlink_plain);
    RUN(test_fragments);
    RUN(test_malformed);
    RUN(test_builders);
    return TEST_SUMMARY();
}
