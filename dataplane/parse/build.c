/* GTP-U encapsulation, Ethernet and TTL builders (see build.h). */
#include "build.h"

#include <errno.h>
#include <string.h>

#include "pkt.h"

uint64_t corridor_csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        sum += (uint64_t)corridor_rd16(p + i) + corridor_rd16(p + i + 2);
    for (; i + 2 <= n; i += 2)
        sum += corridor_rd16(p + i);
    if (i < n)
        sum += (uint64_t)p[i] << 8;
    return sum;
}

uint16_t corridor_csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

size_t corridor_eth_write(uint8_t *out, const uint8_t dst[6], const uint8_t src[6],
                          bool has_vlan, uint16_t vlan_tci, uint16_t ethertype)
{
    memcpy(out, dst, 6);
    memcpy(out + 6, src, 6);
    size_t off = 12;
    if (has_vlan) {
        corridor_wr16(out + off, 0x8100);
        corridor_wr16(out + off + 2, vlan_tci);
        off += 4;
    }
    corridor_wr16(out + off, ethertype);
    return off + 2;
}

int corridor_gtpu_tmpl_init(corridor_gtpu_tmpl *t, const corridor_gtpu_encap *e)
{
    memset(t, 0, sizeof *t);
    if ((e->family != 4 && e->family != 6) || e->qfi > 63 || e->pdu_type > 15)
        return -EINVAL;
    uint8_t *h = t->hdr;
    size_t off = corridor_eth_write(h, e->dst_mac, e->src_mac, e->has_vlan, e->vlan_tci,
                                    e->family == 4 ? 0x0800 : 0x86dd);
    t->l3_off = (uint8_t)off;
    uint64_t sum;
    uint8_t ttl = e->ttl ? e->ttl : 64;
    if (e->family == 4) {
        uint8_t *ip = h + off;
        ip[0] = 0x45;
        ip[1] = (uint8_t)(e->dscp << 2);
        /* total length (2..3) written per packet; id 0 with DF: GTP-U is never fragmented
         * by us, an oversize packet is refused instead */
        corridor_wr16(ip + 6, 0x4000);
        ip[8] = ttl;
        ip[9] = 17;
        memcpy(ip + 12, e->src, 4);
        memcpy(ip + 16, e->dst, 4);
        sum = corridor_csum_add(0, ip, 20);
        off += 20;
    } else {
        uint8_t *ip = h + off;
        corridor_wr32(ip, 0x60000000u | (uint32_t)e->dscp << 22);
        ip[6] = 17;
        ip[7] = ttl;
        memcpy(ip + 8, e->src, 16);
        memcpy(ip + 24, e->dst, 16);
        /* pseudo-header: addresses and next header; the length is added per packet */
        sum = corridor_csum_add(0, ip + 8, 32) + 17;
        off += 40;
    }
    t->l4_off = (uint8_t)off;
    corridor_wr16(h + off, e->sport ? e->sport : CORRIDOR_GTPU_PORT);
    corridor_wr16(h + off + 2, CORRIDOR_GTPU_PORT);
    off += 8;
    uint8_t *g = h + off;
    g[0] = 0x30;              /* version 1, PT = GTP */
    g[1] = CORRIDOR_GTPU_GPDU;
    corridor_wr32(g + 4, e->teid);
    off += 8;
    t->len = (uint8_t)off;
    if (e->family == 6)       /* ports and the GTP-U header (its length field still 0) */
        sum = corridor_csum_add(sum, h + t->l4_off, off - t->l4_off);
    t->sum = (uint16_t)~corridor_csum_fold(sum);
    return 0;
}

bool corridor_gtpu_fits(const corridor_gtpu_tmpl *t, size_t inner_len, int qfi)
{
    return corridor_gtpu_tmpl_len(t, qfi) + inner_len <= 65535;
}

_Static_assert(CORRIDOR_GTPU_TMPL_MAX <= 48 + 32, "two copies cover the largest template");

void corridor_gtpu_tmpl_write(const corridor_gtpu_tmpl *t, uint8_t *out, const uint8_t *inner,
                              size_t inner_len, int qfi, uint8_t pdu_type)
{
    /* Two fixed-size copies, not a memcpy of variable length (a libc call per packet): the
     * head's 48 bytes and the tail's 32 cover every template, 50 to 76 bytes. */
    memcpy(out, t->hdr, 48);
    memcpy(out + t->len - 32, t->hdr + t->len - 32, 32);
    size_t hlen = t->len;
    size_t gtp_off = (size_t)t->l4_off + 8;
    uint64_t extra = 0;       /* IPv6: checksum words the container adds */
    if (qfi >= 0) {
        uint8_t *c = out + hlen;
        out[gtp_off] |= 0x04;      /* E: extension headers follow */
        c[0] = c[1] = c[2] = 0;    /* sequence number, N-PDU number */
        c[3] = CORRIDOR_GTPU_EXT_PDU_SESSION;
        c[4] = 1;                  /* length: one 4-octet unit */
        c[5] = (uint8_t)((pdu_type & 0x0f) << 4);
        c[6] = (uint8_t)(qfi & 0x3f);
        c[7] = 0;                  /* no next extension header */
        hlen += CORRIDOR_GTPU_PSC_LEN;
        /* all at even offsets from the UDP header: flags word, then the container words */
        extra = 0x0400u + corridor_csum_add(0, c, CORRIDOR_GTPU_PSC_LEN);
    }
    uint16_t gtp_len = (uint16_t)(hlen - gtp_off - 8 + inner_len);
    uint16_t udp_len = (uint16_t)(hlen - t->l4_off + inner_len);
    corridor_wr16(out + gtp_off + 2, gtp_len);
    corridor_wr16(out + t->l4_off + 4, udp_len);
    uint8_t *ip = out + t->l3_off;
    if (corridor_gtpu_tmpl_family(t) == 4) {
        uint16_t tot = (uint16_t)(udp_len + 20);
        corridor_wr16(ip + 2, tot);
        corridor_wr16(ip + 10, corridor_csum_fold((uint64_t)t->sum + tot));
    } else {
        corridor_wr16(ip + 4, udp_len);
        /* pseudo-header length + UDP length field + GTP-U length field + payload */
        uint64_t s = (uint64_t)t->sum + extra + 2u * udp_len + gtp_len;
        s = corridor_csum_add(s, inner, inner_len);
        uint16_t c = corridor_csum_fold(s);
        corridor_wr16(out + t->l4_off + 6, c ? c : 0xffff);
    }
}

int corridor_gtpu_encap_write(const corridor_gtpu_encap *e, uint8_t *out, size_t cap,
                              const uint8_t *inner, size_t inner_len)
{
    corridor_gtpu_tmpl t;
    int rc = corridor_gtpu_tmpl_init(&t, e);
    if (rc < 0)
        return rc;
    int qfi = e->has_qfi ? e->qfi : -1;
    size_t hlen = corridor_gtpu_tmpl_len(&t, qfi);
    if (cap < hlen || !corridor_gtpu_fits(&t, inner_len, qfi))
        return -ENOSPC;
    corridor_gtpu_tmpl_write(&t, out, inner, inner_len, qfi, e->pdu_type);
    return (int)hlen;
}

uint8_t corridor_ip_dec_ttl(uint8_t *ip, uint8_t family)
{
    if (family == 6) {
        uint8_t hl = ip[7];
        if (hl > 1)
            ip[7] = (uint8_t)(hl - 1);
        return hl;
    }
    uint8_t ttl = ip[8];
    if (ttl <= 1)
        return ttl;
    /* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m the 16-bit word holding TTL and protocol */
    uint16_t m = corridor_rd16(ip + 8);
    ip[8] = (uint8_t)(ttl - 1);
    uint16_t m2 = corridor_rd16(ip + 8);
    uint64_t s = (uint16_t)~corridor_rd16(ip + 10);
    s += (uint16_t)~m;
    s += m2;
    corridor_wr16(ip + 10, corridor_csum_fold(s));
    return ttl;
}
