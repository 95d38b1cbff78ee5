/*
 * Packet parsing for the dataplane: pure C, no DPDK, so it can be fuzzed and unit-tested
 * without hugepages.
 *
 * corridor_pkt_parse() walks Ethernet (+802.1Q/802.1ad tags), IPv4 (options; fragments
 * flagged) or IPv6 (extension headers walked), UDP, GTP-U v1 (TS 29.281: flags, sequence
 * number, extension header chain with the PDU Session Container and its QFI) and the inner
 * IPv4/IPv6 packet. It never reads outside buf[0..len): every field is bounds-checked first,
 * and every malformed or truncated input gets a reason. The result holds offsets into the
 * buffer, not copies, so the fast path pays for nothing it does not read.
 */
#ifndef CORRIDOR_DP_PKT_H
#define CORRIDOR_DP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORRIDOR_GTPU_PORT 2152
#define CORRIDOR_GTPU_GPDU 255          /* message type of a G-PDU (user data) */
#define CORRIDOR_GTPU_EXT_PDU_SESSION 0x85
#define CORRIDOR_PKT_MAX_VLANS 2        /* 802.1ad + 802.1Q */
#define CORRIDOR_PKT_MAX_EXT 8          /* IPv6 extension headers / GTP-U extension headers */

/* What the packet is. */
typedef enum {
    CORRIDOR_PKT_KIND_NONE = 0,   /* not parsed to the end: see the reason */
    CORRIDOR_PKT_KIND_IP,         /* plain IPv4/IPv6 (downlink towards a UE, or anything) */
    CORRIDOR_PKT_KIND_GTPU,       /* GTP-U G-PDU carrying an inner IP packet (uplink) */
    CORRIDOR_PKT_KIND_GTPU_CTRL,  /* GTP-U signalling: echo, error indication, end marker */
} corridor_pkt_kind;

/* Why a packet is not a well-formed IP or GTP-U packet. OK for the kinds above. Not every
 * reason means "malformed": NOT_IP (ARP, LLDP) and FRAGMENT are classifications. Names in
 * corridor_pkt_reason_name() are the counter names (drops_<name>). */
typedef enum {
    CORRIDOR_PKT_OK = 0,
    CORRIDOR_PKT_NOT_IP,            /* ethertype not IPv4/IPv6 after the VLAN tags */
    CORRIDOR_PKT_FRAGMENT,          /* outer IP fragment: no transport header to read */
    CORRIDOR_PKT_TRUNC_ETH,         /* shorter than an Ethernet header */
    CORRIDOR_PKT_TRUNC_VLAN,        /* cut inside an 802.1Q tag */
    CORRIDOR_PKT_TOO_MANY_VLANS,    /* more than CORRIDOR_PKT_MAX_VLANS tags */
    CORRIDOR_PKT_TRUNC_IPV4,        /* cut inside the IPv4 header (or its options) */
    CORRIDOR_PKT_BAD_IPV4,          /* version or IHL wrong */
    CORRIDOR_PKT_BAD_IPV4_LEN,      /* total length shorter than the header or past the end */
    CORRIDOR_PKT_TRUNC_IPV6,        /* cut inside the IPv6 header */
    CORRIDOR_PKT_BAD_IPV6,          /* version not 6 */
    CORRIDOR_PKT_BAD_IPV6_LEN,      /* payload length past the end */
    CORRIDOR_PKT_BAD_IPV6_EXT,      /* extension header cut short or past the payload */
    CORRIDOR_PKT_TOO_MANY_EXT,      /* more than CORRIDOR_PKT_MAX_EXT extension headers */
    CORRIDOR_PKT_TRUNC_UDP,         /* cut inside the UDP header */
    CORRIDOR_PKT_BAD_UDP_LEN,       /* UDP length below 8 or past the IP payload */
    CORRIDOR_PKT_TRUNC_GTPU,        /* cut inside the GTP-U header */
    CORRIDOR_PKT_BAD_GTPU,          /* version not 1 or protocol type not GTP */
    CORRIDOR_PKT_BAD_GTPU_LEN,      /* GTP-U length past the UDP payload */
    CORRIDOR_PKT_BAD_GTPU_EXT,      /* extension header of length 0 or past the end */
    CORRIDOR_PKT_TRUNC_INNER,       /* G-PDU without a whole inner IP header */
    CORRIDOR_PKT_BAD_INNER,         /* inner packet not IPv4/IPv6 or its lengths wrong */
    CORRIDOR_PKT_REASON_COUNT
} corridor_pkt_reason;

/* One parsed IP header (outer or inner). Addresses are at buf + off + addr_off. */
typedef struct {
    uint16_t off;         /* start of the IP header */
    uint16_t hdr_len;     /* IPv4: IHL*4; IPv6: 40 + extension headers walked */
    uint16_t total_len;   /* header + payload, as the header says */
    uint8_t family;       /* 4 or 6; 0 when not parsed */
    uint8_t proto;        /* transport protocol after extension headers */
    uint8_t ttl;          /* TTL / hop limit */
    bool frag;            /* a fragment (first or not) */
} corridor_pkt_ip;

typedef struct {
    corridor_pkt_kind kind;
    corridor_pkt_reason reason;
    uint16_t len;          /* bytes of the frame the headers account for (<= buffer) */
    uint16_t l2_len;       /* Ethernet + VLAN tags */
    uint16_t ethertype;    /* after the tags */
    uint8_t n_vlans;
    uint16_t vlan_tci;     /* the outermost tag's TCI, when n_vlans > 0 */
    corridor_pkt_ip outer; /* the (outer) IP header */
    uint16_t l4_off;       /* UDP header, when outer.proto is UDP and not a fragment */
    uint16_t sport, dport;
    /* GTP-U (kind GTPU or GTPU_CTRL) */
    uint16_t gtp_off;
    uint16_t gtp_hdr_len;  /* mandatory + optional + extension headers */
    uint8_t gtp_flags;     /* first octet */
    uint8_t gtp_type;      /* message type, 255 = G-PDU */
    uint32_t teid;
    uint16_t gtp_seq;      /* valid when the S flag is set */
    bool has_qfi;          /* a PDU Session Container was present */
    uint8_t qfi;           /* QoS Flow Identifier, 6 bits */
    uint8_t pdu_type;      /* PDU Session Container: 0 downlink, 1 uplink */
    uint8_t n_gtp_ext;
    corridor_pkt_ip inner; /* inner packet of a G-PDU */
} corridor_pkt;

/* Parse one frame. Returns p->reason (CORRIDOR_PKT_OK when p->kind is IP/GTPU/GTPU_CTRL). */
corridor_pkt_reason corridor_pkt_parse(const uint8_t *buf, size_t len, corridor_pkt *p);
/* Parse an IP packet (no Ethernet) at buf[off..off+len): the inner packet of a tunnel. */
corridor_pkt_reason corridor_pkt_parse_ip(const uint8_t *buf, size_t off, size_t len,
                                          corridor_pkt_ip *ip, bool inner);

const char *corridor_pkt_reason_name(corridor_pkt_reason r);   /* "trunc_ipv4", ... */
const char *corridor_pkt_kind_name(corridor_pkt_kind k);       /* "gtpu", ... */

/* Address helpers: where the source/destination address of a parsed IP header starts
 * (4 bytes for IPv4, 16 for IPv6). */
static inline const uint8_t *corridor_pkt_ip_src(const uint8_t *buf, const corridor_pkt_ip *ip)
{
    return buf + ip->off + (ip->family == 4 ? 12 : 8);
}
static inline const uint8_t *corridor_pkt_ip_dst(const uint8_t *buf, const corridor_pkt_ip *ip)
{
    return buf + ip->off + (ip->family == 4 ? 16 : 24);
}

/* Big-endian reads and writes that need no alignment. */
static inline uint16_t corridor_rd16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t corridor_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void corridor_wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void corridor_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
