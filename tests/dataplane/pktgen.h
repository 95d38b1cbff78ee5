/* Test packet construction shared by the dataplane tests: inner IP packets and whole
 * frames, written with the dataplane's own builders plus plain byte writes. */
#ifndef CORRIDOR_TEST_PKTGEN_H
#define CORRIDOR_TEST_PKTGEN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "build.h"
#include "pkt.h"

/* An IPv4 (family 4) or IPv6 UDP packet src -> dst with payload_len bytes of payload;
 * returns its length. Header checksum set; UDP checksum 0 (IPv4) or computed (IPv6). */
static inline size_t pg_ip_udp(uint8_t *out, int family, const uint8_t *src,
                               const uint8_t *dst, uint8_t ttl, size_t payload_len)
{
    size_t ih = family == 4 ? 20 : 40;
    size_t ulen = 8 + payload_len;
    memset(out, 0, ih + ulen);
    if (family == 4) {
        out[0] = 0x45;
        corridor_wr16(out + 2, (uint16_t)(ih + ulen));
        out[8] = ttl;
        out[9] = 17;
        memcpy(out + 12, src, 4);
        memcpy(out + 16, dst, 4);
        corridor_wr16(out + 10, corridor_csum_fold(corridor_csum_add(0, out, 20)));
    } else {
        out[0] = 0x60;
        corridor_wr16(out + 4, (uint16_t)ulen);
        out[6] = 17;
        out[7] = ttl;
        memcpy(out + 8, src, 16);
        memcpy(out + 24, dst, 16);
    }
    uint8_t *u = out + ih;
    corridor_wr16(u, 40000);
    corridor_wr16(u + 2, 5001);
    corridor_wr16(u + 4, (uint16_t)ulen);
    for (size_t i = 0; i < payload_len; i++)
        u[8 + i] = (uint8_t)(i * 7 + 1);
    if (family == 6) {
        uint64_t s = corridor_csum_add(0, out + 8, 32) + 17 + ulen;
        s = corridor_csum_add(s, u, ulen);
        uint16_t c = corridor_csum_fold(s);
        corridor_wr16(u + 6, c ? c : 0xffff);
    }
    return ih + ulen;
}

/* Ethernet (optionally VLAN-tagged) + the IP packet ip[0..n). */
static inline size_t pg_eth(uint8_t *out, const uint8_t *ip, size_t n, int vlan)
{
    static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x01}, smac[6] = {0x02, 0, 0, 0, 0, 0x02};
    size_t h = corridor_eth_write(out, dmac, smac, vlan > 0, (uint16_t)(vlan > 0 ? vlan : 0),
                                  (ip[0] >> 4) == 4 ? 0x0800 : 0x86dd);
    memcpy(out + h, ip, n);
    return h + n;
}

/* A GTP-U frame (outer family ofam) carrying ip[0..n) with teid; qfi < 0: no container. */
static inline size_t pg_gtpu(uint8_t *out, int ofam, const uint8_t *osrc, const uint8_t *odst,
                             uint32_t teid, int qfi, const uint8_t *ip, size_t n, int vlan)
{
    corridor_gtpu_encap e;
    memset(&e, 0, sizeof e);
    e.dst_mac[0] = 0x02, e.dst_mac[5] = 0x01;
    e.src_mac[0] = 0x02, e.src_mac[5] = 0x02;
    e.has_vlan = vlan > 0;
    e.vlan_tci = (uint16_t)(vlan > 0 ? vlan : 0);
    e.family = (uint8_t)ofam;
    memcpy(e.src, osrc, ofam == 4 ? 4 : 16);
    memcpy(e.dst, odst, ofam == 4 ? 4 : 16);
    e.teid = teid;
    e.has_qfi = qfi >= 0;
    e.qfi = (uint8_t)(qfi >= 0 ? qfi : 0);
    e.pdu_type = 1;
    int h = corridor_gtpu_encap_write(&e, out, CORRIDOR_GTPU_HDR_MAX, ip, n);
    if (h < 0)
        return 0;
    memcpy(out + h, ip, n);
    return (size_t)h + n;
}

#endif
