/*
 * libFuzzer target for dataplane/parse (built with -Dfuzzing=true and clang; the same
 * function is replayed over the corpus by the dataplane-fuzz-corpus test on every build).
 *
 * Besides "no crash, no read past the end" (ASan), it checks invariants: what the parser
 * accounts for lies inside the input, and a G-PDU re-encapsulated by the builders over IPv4
 * and IPv6 parses back to the same TEID, QFI and inner packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

static void reencap(const uint8_t *data, const corridor_pkt *p, int family)
{
    static uint8_t out[65536 + CORRIDOR_GTPU_HDR_MAX];
    corridor_gtpu_encap e;
    memset(&e, 0, sizeof e);
    e.family = (uint8_t)family;
    e.src[0] = 10, e.src[3] = 1;
    e.dst[0] = 10, e.dst[3] = 2;
    e.teid = p->teid ^ 0x5a5a5a5au;
    corridor_gtpu_tmpl t;
    FUZZ_ASSERT(corridor_gtpu_tmpl_init(&t, &e) == 0);
    int qfi = p->has_qfi ? p->qfi : -1;
    size_t ilen = p->inner.total_len;
    if (!corridor_gtpu_fits(&t, ilen, qfi))
        return;
    size_t h = corridor_gtpu_tmpl_len(&t, qfi);
    const uint8_t *inner = data + p->inner.off;
    corridor_gtpu_tmpl_write(&t, out, inner, ilen, qfi, p->pdu_type);
    memcpy(out + h, inner, ilen);
    corridor_pkt q;
    FUZZ_ASSERT(corridor_pkt_parse(out, h + ilen, &q) == CORRIDOR_PKT_OK);
    FUZZ_ASSERT(q.kind == CORRIDOR_PKT_KIND_GTPU);
    FUZZ_ASSERT(q.teid == e.teid);
    FUZZ_ASSERT(q.has_qfi == p->has_qfi && (!q.has_qfi || q.qfi == p->qfi));
    FUZZ_ASSERT(q.inner.total_len == ilen && q.inner.off == h);
    FUZZ_ASSERT(q.inner.family == p->inner.family);
    /* the TTL decrement stays inside the inner header */
    corridor_ip_dec_ttl(out + q.inner.off, q.inner.family);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    corridor_pkt p;
    corridor_pkt_reason r = corridor_pkt_parse(data, size, &p);
    FUZZ_ASSERT((unsigned)r < CORRIDOR_PKT_REASON_COUNT);
    if (r != CORRIDOR_PKT_OK)
        return 0;
    FUZZ_ASSERT(p.len <= size);
    FUZZ_ASSERT(p.outer.off + p.outer.total_len <= size);
    if (p.kind == CORRIDOR_PKT_KIND_GTPU) {
        FUZZ_ASSERT(p.inner.off + p.inner.total_len <= p.len);
        FUZZ_ASSERT(p.gtp_off + p.gtp_hdr_len == p.inner.off);
        reencap(data, &p, 4);
        reencap(data, &p, 6);
    }
    return 0;
}
