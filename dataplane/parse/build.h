/*
 * Header builders for the dataplane: GTP-U encapsulation with correct lengths and
 * checksums, Ethernet headers for decapsulated (breakout) packets, TTL decrement. Pure C.
 *
 * Encapsulation is split in two so the fast path does the least work per packet: a
 * template (corridor_gtpu_tmpl_init, once per rule) holds the finished headers with their
 * length fields zero and the checksum partial sums; corridor_gtpu_tmpl_write copies it and
 * patches the lengths, the IPv4 header checksum and (IPv6) the UDP checksum. Over IPv4 the
 * UDP checksum is 0, which RFC 768 allows and TS 29.281 does not forbid; over IPv6 it is
 * mandatory (RFC 8200) and computed over the inner packet.
 */
#ifndef CORRIDOR_DP_BUILD_H
#define CORRIDOR_DP_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ethernet 14 + VLAN 4 + IPv6 40 + UDP 8 + GTP-U 8 = 74; the PDU Session Container (the
 * optional word 4 + the extension 4) is added per packet. */
#define CORRIDOR_GTPU_TMPL_MAX 76
#define CORRIDOR_GTPU_PSC_LEN 8
#define CORRIDOR_GTPU_HDR_MAX (CORRIDOR_GTPU_TMPL_MAX + CORRIDOR_GTPU_PSC_LEN)

typedef struct {
    uint8_t dst_mac[6], src_mac[6];
    bool has_vlan;
    uint16_t vlan_tci;
    uint8_t family;          /* outer IP: 4 or 6 */
    uint8_t src[16], dst[16];/* outer addresses (IPv4: first 4 bytes) */
    uint16_t sport;          /* UDP source port; 0 = 2152 */
    uint8_t ttl;             /* outer TTL / hop limit; 0 = 64 */
    uint8_t dscp;            /* outer DSCP (6 bits) */
    uint32_t teid;
    bool has_qfi;            /* corridor_gtpu_encap_write: add a PDU Session Container */
    uint8_t qfi;             /* 6 bits */
    uint8_t pdu_type;        /* 0 = DL PDU SESSION INFORMATION, 1 = UL */
} corridor_gtpu_encap;

/* Small fields first and nothing derivable stored (the family is told by the IP header's
 * length, GTP-U follows UDP): the dataplane keeps a template inside a rule entry so that an
 * untagged IPv4 template (50 bytes of hdr) ends within the entry's first cache line. */
typedef struct {
    uint16_t sum;            /* folded: IPv4 header sum without total length; IPv6: UDP
                              * partial sum (one's-complement sums survive folding) */
    uint8_t len;             /* bytes of hdr in use */
    uint8_t l3_off, l4_off;
    uint8_t hdr[CORRIDOR_GTPU_TMPL_MAX];
} corridor_gtpu_tmpl;

static inline uint8_t corridor_gtpu_tmpl_family(const corridor_gtpu_tmpl *t)
{
    return t->l4_off - t->l3_off == 20 ? 4 : 6;
}

/* 0, or -EINVAL (family not 4/6, QFI over 63, PDU type over 15). has_qfi is ignored: the
 * container is chosen per packet by corridor_gtpu_tmpl_write. */
int corridor_gtpu_tmpl_init(corridor_gtpu_tmpl *t, const corridor_gtpu_encap *e);

/* Bytes of headers corridor_gtpu_tmpl_write writes: with a PDU Session Container when
 * qfi >= 0. */
static inline size_t corridor_gtpu_tmpl_len(const corridor_gtpu_tmpl *t, int qfi)
{
    return t->len + (qfi >= 0 ? CORRIDOR_GTPU_PSC_LEN : 0);
}

/* Write corridor_gtpu_tmpl_len(t, qfi) bytes of headers at out for the inner packet
 * inner[0..inner_len) that follows them; inner is read only for the IPv6 UDP checksum.
 * qfi 0..63 adds a PDU Session Container of pdu_type (0 DL, 1 UL) with that QFI; -1 none.
 * The frame must fit (corridor_gtpu_fits). */
void corridor_gtpu_tmpl_write(const corridor_gtpu_tmpl *t, uint8_t *out, const uint8_t *inner,
                              size_t inner_len, int qfi, uint8_t pdu_type);
/* Whether headers + inner_len stay within 65535 bytes (the IP length fields). */
bool corridor_gtpu_fits(const corridor_gtpu_tmpl *t, size_t inner_len, int qfi);

/* One-shot: template + write into out[0..cap); returns the header length or -EINVAL /
 * -ENOSPC. For tests and tools. */
int corridor_gtpu_encap_write(const corridor_gtpu_encap *e, uint8_t *out, size_t cap,
                              const uint8_t *inner, size_t inner_len);

/* Ethernet header (with an 802.1Q tag when has_vlan) at out; returns its length (14 or 18). */
size_t corridor_eth_write(uint8_t *out, const uint8_t dst[6], const uint8_t src[6],
                          bool has_vlan, uint16_t vlan_tci, uint16_t ethertype);

/* Decrement the TTL / hop limit of the IP header at ip (family 4 or 6), updating the IPv4
 * header checksum incrementally (RFC 1624). Returns the TTL before the decrement; a header
 * whose TTL is 0 or 1 is left unchanged (the caller drops it or hands it to the kernel). */
uint8_t corridor_ip_dec_ttl(uint8_t *ip, uint8_t family);

/* Internet checksum helpers (RFC 1071): add bytes to a running sum; fold and complement. */
uint64_t corridor_csum_add(uint64_t sum, const uint8_t *p, size_t n);
uint16_t corridor_csum_fold(uint64_t sum);

#endif
