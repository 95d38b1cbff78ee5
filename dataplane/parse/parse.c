/*
 * The dataplane's packet parser (see pkt.h). Every read is preceded by a bounds check
 * against the end the enclosing header allows, so lengths claimed by one header can only
 * shrink what the next may read, never grow it.
 */
#include "pkt.h"

#include <string.h>

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define IPPROTO_UDP_ 17

static const char *const reason_names[CORRIDOR_PKT_REASON_COUNT] = {
    [CORRIDOR_PKT_OK] = "ok",
    [CORRIDOR_PKT_NOT_IP] = "not_ip",
    [CORRIDOR_PKT_FRAGMENT] = "fragment",
    [CORRIDOR_PKT_TRUNC_ETH] = "trunc_eth",
    [CORRIDOR_PKT_TRUNC_VLAN] = "trunc_vlan",
    [CORRIDOR_PKT_TOO_MANY_VLANS] = "too_many_vlans",
    [CORRIDOR_PKT_TRUNC_IPV4] = "trunc_ipv4",
    [CORRIDOR_PKT_BAD_IPV4] = "bad_ipv4",
    [CORRIDOR_PKT_BAD_IPV4_LEN] = "bad_ipv4_len",
    [CORRIDOR_PKT_TRUNC_IPV6] = "trunc_ipv6",
    [CORRIDOR_PKT_BAD_IPV6] = "bad_ipv6",
    [CORRIDOR_PKT_BAD_IPV6_LEN] = "bad_ipv6_len",
    [CORRIDOR_PKT_BAD_IPV6_EXT] = "bad_ipv6_ext",
    [CORRIDOR_PKT_TOO_MANY_EXT] = "too_many_ext",
    [CORRIDOR_PKT_TRUNC_UDP] = "trunc_udp",
    [CORRIDOR_PKT_BAD_UDP_LEN] = "bad_udp_len",
    [CORRIDOR_PKT_TRUNC_GTPU] = "trunc_gtpu",
    [CORRIDOR_PKT_BAD_GTPU] = "bad_gtpu",
    [CORRIDOR_PKT_BAD_GTPU_LEN] = "bad_gtpu_len",
    [CORRIDOR_PKT_BAD_GTPU_EXT] = "bad_gtpu_ext",
    [CORRIDOR_PKT_TRUNC_INNER] = "trunc_inner",
    [CORRIDOR_PKT_BAD_INNER] = "bad_inner",
};

const char *corridor_pkt_reason_name(corridor_pkt_reason r)
{
    return (unsigned)r < CORRIDOR_PKT_REASON_COUNT ? reason_names[r] : "unknown";
}

const char *corridor_pkt_kind_name(corridor_pkt_kind k)
{
    switch (k) {
    case CORRIDOR_PKT_KIND_IP: return "ip";
    case CORRIDOR_PKT_KIND_GTPU: return "gtpu";
    case CORRIDOR_PKT_KIND_GTPU_CTRL: return "gtpu_ctrl";
    case CORRIDOR_PKT_KIND_NONE:
    default: return "none";
    }
}

static corridor_pkt_reason parse_ipv4(const uint8_t *buf, size_t off, size_t avail,
                                      corridor_pkt_ip *ip, bool inner)
{
    if (avail < 1)
        return inner ? CORRIDOR_PKT_TRUNC_INNER : CORRIDOR_PKT_TRUNC_IPV4;
    const uint8_t *h = buf + off;
    size_t ihl = (size_t)(h[0] & 0x0f) * 4;
    if ((h[0] >> 4) != 4 || ihl < 20)
        return inner ? CORRIDOR_PKT_BAD_INNER : CORRIDOR_PKT_BAD_IPV4;
    if (avail < ihl)
        return inner ? CORRIDOR_PKT_TRUNC_INNER : CORRIDOR_PKT_TRUNC_IPV4;
    size_t tot = corridor_rd16(h + 2);
    if (tot < ihl || tot > avail)
        return inner ? CORRIDOR_PKT_BAD_INNER : CORRIDOR_PKT_BAD_IPV4_LEN;
    uint16_t frag = corridor_rd16(h + 6);
    ip->off = (uint16_t)off;
    ip->hdr_len = (uint16_t)ihl;
    ip->total_len = (uint16_t)tot;
    ip->family = 4;
    ip->proto = h[9];
    ip->ttl = h[8];
    ip->frag = (frag & 0x3fff) != 0; /* MF set or a non-zero offset */
    return CORRIDOR_PKT_OK;
}

/* Extension headers that may precede the transport header (RFC 8200 section 4). ESP (50)
 * is not walked: what follows it is encrypted, so it counts as the transport protocol. */
static bool ipv6_is_ext(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60 || nh == 135 ||
           nh == 139 || nh == 140;
}

static corridor_pkt_reason parse_ipv6(const uint8_t *buf, size_t off, size_t avail,
                                      corridor_pkt_ip *ip, bool inner)
{
    if (avail < 40)
        return inner ? CORRIDOR_PKT_TRUNC_INNER : CORRIDOR_PKT_TRUNC_IPV6;
    const uint8_t *h = buf + off;
    if ((h[0] >> 4) != 6)
        return inner ? CORRIDOR_PKT_BAD_INNER : CORRIDOR_PKT_BAD_IPV6;
    size_t tot = 40 + (size_t)corridor_rd16(h + 4);
    if (tot > avail)
        return inner ? CORRIDOR_PKT_BAD_INNER : CORRIDOR_PKT_BAD_IPV6_LEN;
    uint8_t nh = h[6];
    size_t pos = 40;
    bool frag = false;
    int n_ext = 0;
    while (ipv6_is_ext(nh)) {
        if (++n_ext > CORRIDOR_PKT_MAX_EXT)
            return inner ? CORRIDOR_PKT_BAD_INNER : CORRIDOR_PKT_TOO_MANY_EXT;
        if (pos + 8 > tot)  /* every extension header is at least 8 bytes */
            return inner ? CORRIDOR_PKT_BAD_INNER : CORRIDOR_PKT_BAD_IPV6_EXT;
        const uint8_t *e = h + pos;
        size_t elen;
        if (nh == 44) {            /* fragment header: fixed 8 bytes */
            elen = 8;
            if ((corridor_rd16(e + 2) & 0xfff9) != 0)  /* offset != 0 or M set */
                frag = true;
        } else if (nh == 51) {     /* AH: length in 4-octet units, minus 2 */
            elen = ((size_t)e[1] + 2) * 4;
        } else {
            elen = ((size_t)e[1] + 1) * 8;
        }
        if (pos + elen > tot)
            return inner ? CORRIDOR_PKT_BAD_INNER : CORRIDOR_PKT_BAD_IPV6_EXT;
        nh = e[0];
        pos += elen;
        if (frag)   /* what follows a non-first fragment is payload, not headers */
            break;
    }
    ip->off = (uint16_t)off;
    ip->hdr_len = (uint16_t)pos;
    ip->total_len = (uint16_t)tot;
    ip->family = 6;
    ip->proto = nh;
    ip->ttl = h[7];
    ip->frag = frag;
    return CORRIDOR_PKT_OK;
}

corridor_pkt_reason corridor_pkt_parse_ip(const uint8_t *buf, size_t off, size_t len,
                                          corridor_pkt_ip *ip, bool inner)
{
    memset(ip, 0, sizeof *ip);
    if (len > UINT16_MAX)
        len = UINT16_MAX;
    if (len == 0)
        return inner ? CORRIDOR_PKT_TRUNC_INNER : CORRIDOR_PKT_TRUNC_IPV4;
    switch (buf[off] >> 4) {
    case 4: return parse_ipv4(buf, off, len, ip, inner);
    case 6: return parse_ipv6(buf, off, len, ip, inner);
    default: return inner ? CORRIDOR_PKT_BAD_INNER : CORRIDOR_PKT_BAD_IPV4;
    }
}

/* The GTP-U header at buf[off..end) (end: the UDP payload's end). TS 29.281 section 5. */
static corridor_pkt_reason parse_gtpu(const uint8_t *buf, size_t off, size_t end,
                                      corridor_pkt *p)
{
    if (end - off < 8)
        return CORRIDOR_PKT_TRUNC_GTPU;
    const uint8_t *g = buf + off;
    /* version 1 (bits 8-6) and protocol type 1 = GTP (bit 5) */
    if ((g[0] & 0xf0) != 0x30)
        return CORRIDOR_PKT_BAD_GTPU;
    p->gtp_off = (uint16_t)off;
    p->gtp_flags = g[0];
    p->gtp_type = g[1];
    p->teid = corridor_rd32(g + 4);
    /* Length: octets after the mandatory 8. Trailing bytes past it (padding) are ignored. */
    size_t gend = off + 8 + corridor_rd16(g + 2);
    if (gend > end)
        return CORRIDOR_PKT_BAD_GTPU_LEN;
    size_t pos = off + 8;
    if (g[0] & 0x07) {   /* E, S or PN: the optional 4-octet word is present */
        if (gend - pos < 4)
            return CORRIDOR_PKT_TRUNC_GTPU;
        p->gtp_seq = corridor_rd16(buf + pos);
        uint8_t next = buf[pos + 3];
        pos += 4;
        if (!(g[0] & 0x04))
            next = 0;    /* the next-type octet is meaningful only with E set */
        while (next != 0) {
            if (++p->n_gtp_ext > CORRIDOR_PKT_MAX_EXT)
                return CORRIDOR_PKT_BAD_GTPU_EXT;
            if (gend - pos < 4)
                return CORRIDOR_PKT_BAD_GTPU_EXT;
            size_t elen = (size_t)buf[pos] * 4;   /* in 4-octet units, incl. length + next */
            if (elen == 0 || elen > gend - pos)
                return CORRIDOR_PKT_BAD_GTPU_EXT;
            if (next == CORRIDOR_GTPU_EXT_PDU_SESSION) {
                /* content: PDU type (high nibble) + flags, then QFI in the low 6 bits */
                p->pdu_type = buf[pos + 1] >> 4;
                p->qfi = buf[pos + 2] & 0x3f;
                p->has_qfi = true;
            }
            next = buf[pos + elen - 1];
            pos += elen;
        }
    }
    p->gtp_hdr_len = (uint16_t)(pos - off);
    if (p->gtp_type != CORRIDOR_GTPU_GPDU) {
        p->kind = CORRIDOR_PKT_KIND_GTPU_CTRL;
        return CORRIDOR_PKT_OK;
    }
    corridor_pkt_reason r = corridor_pkt_parse_ip(buf, pos, gend - pos, &p->inner, true);
    if (r != CORRIDOR_PKT_OK)
        return r;
    p->kind = CORRIDOR_PKT_KIND_GTPU;
    return CORRIDOR_PKT_OK;
}

static corridor_pkt_reason parse(const uint8_t *buf, size_t len, corridor_pkt *p)
{
    if (len < ETH_HLEN)
        return CORRIDOR_PKT_TRUNC_ETH;
    size_t off = 12;
    uint16_t et = corridor_rd16(buf + off);
    while (et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ) {
        if (p->n_vlans == CORRIDOR_PKT_MAX_VLANS)
            return CORRIDOR_PKT_TOO_MANY_VLANS;
        if (len < off + 6)
            return CORRIDOR_PKT_TRUNC_VLAN;
        if (p->n_vlans++ == 0)
            p->vlan_tci = corridor_rd16(buf + off + 2);
        off += 4;
        et = corridor_rd16(buf + off);
    }
    off += 2;
    p->ethertype = et;
    p->l2_len = (uint16_t)off;
    corridor_pkt_reason r;
    if (et == ETHERTYPE_IPV4)
        r = parse_ipv4(buf, off, len - off, &p->outer, false);
    else if (et == ETHERTYPE_IPV6)
        r = parse_ipv6(buf, off, len - off, &p->outer, false);
    else
        return CORRIDOR_PKT_NOT_IP;
    if (r != CORRIDOR_PKT_OK)
        return r;
    size_t ip_end = off + p->outer.total_len;
    p->len = (uint16_t)ip_end;
    p->kind = CORRIDOR_PKT_KIND_IP;
    if (p->outer.frag) {
        /* A fragment cannot be GTP-U-parsed, but a downlink fragment towards a UE is still an
         * IP packet with the UE's address: the kind stays IP, the reason says fragment. */
        return CORRIDOR_PKT_FRAGMENT;
    }
    if (p->outer.proto != IPPROTO_UDP_)
        return CORRIDOR_PKT_OK;
    size_t l4 = off + p->outer.hdr_len;
    if (ip_end - l4 < 8) {
        p->kind = CORRIDOR_PKT_KIND_NONE;
        return CORRIDOR_PKT_TRUNC_UDP;
    }
    p->l4_off = (uint16_t)l4;
    p->sport = corridor_rd16(buf + l4);
    p->dport = corridor_rd16(buf + l4 + 2);
    size_t ulen = corridor_rd16(buf + l4 + 4);
    if (ulen < 8 || ulen > ip_end - l4) {
        p->kind = CORRIDOR_PKT_KIND_NONE;
        return CORRIDOR_PKT_BAD_UDP_LEN;
    }
    if (p->dport != CORRIDOR_GTPU_PORT)
        return CORRIDOR_PKT_OK;
    p->kind = CORRIDOR_PKT_KIND_NONE;
    return parse_gtpu(buf, l4 + 8, l4 + ulen, p);
}

corridor_pkt_reason corridor_pkt_parse(const uint8_t *buf, size_t len, corridor_pkt *p)
{
    memset(p, 0, sizeof *p);
    if (len > UINT16_MAX)
        len = UINT16_MAX;
    p->reason = parse(buf, len, p);
    if (p->reason != CORRIDOR_PKT_OK && p->reason != CORRIDOR_PKT_FRAGMENT)
        p->kind = CORRIDOR_PKT_KIND_NONE;
    return p->reason;
}
