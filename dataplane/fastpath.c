/* The per-lcore fast path (see fastpath.h). */
#include "fastpath.h"

#include <string.h>

#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "build.h"

static const char *const dp_drop_names[] = {
    "no_session_ul", "no_session_dl", "rule", "ttl_expired", "gtpu_ctrl",
    "no_headroom", "segmented", "tx",
};

const char *corridor_dp_drop_name(unsigned reason)
{
    if (reason < CORRIDOR_PKT_REASON_COUNT)
        return corridor_pkt_reason_name((corridor_pkt_reason)reason);
    if (reason < CORRIDOR_DP_DROP_COUNT)
        return dp_drop_names[reason - CORRIDOR_PKT_REASON_COUNT];
    return "unknown";
}

static inline void drop(corridor_dp_worker *w, struct rte_mbuf *m, unsigned reason)
{
    w->st.drops[reason]++;
    rte_pktmbuf_free(m);
}

static inline void enqueue(corridor_dp_worker *w, unsigned slot, struct rte_mbuf *m)
{
    w->txb[slot][w->n_txb[slot]++] = m;
}

/* Exception path: the kernel when there is one (it answers ARP, ICMP, GTP-U echo,
 * reassembles fragments), else a counted drop. */
static inline void to_kernel(corridor_dp_worker *w, struct rte_mbuf *m, unsigned reason)
{
    if (!w->has_kernel) {
        drop(w, m, reason);
        return;
    }
    w->st.to_kernel++;
    w->st.kernel[reason]++;
    enqueue(w, CORRIDOR_DP_KERNEL_SLOT, m);
}

static bool to_us(const corridor_dp_worker *w, const uint8_t *dst, int family)
{
    for (unsigned i = 0; i < w->n_ports; i++) {
        const corridor_ipaddr *a = family == 4 ? &w->ports[i].addr4 : &w->ports[i].addr6;
        if (a->family && memcmp(a->a, dst, family == 4 ? 4 : 16) == 0)
            return true;
    }
    return false;
}

/* Move the packet's start so that `hlen` bytes of new headers end where the IP packet at
 * data+ip_off begins, and cut it to hlen + ip_len. NULL if the headroom is too small. */
static inline uint8_t *reframe(struct rte_mbuf *m, size_t ip_off, size_t hlen, size_t ip_len)
{
    if (hlen > ip_off + rte_pktmbuf_headroom(m))
        return NULL;
    m->data_off = (uint16_t)(m->data_off + ip_off - hlen);
    m->data_len = (uint16_t)(hlen + ip_len);
    m->pkt_len = m->data_len;
    return rte_pktmbuf_mtod(m, uint8_t *);
}

static inline void act(corridor_dp_worker *w, struct rte_mbuf *m, const corridor_pkt *p,
                       const corridor_dpt_entry *e, corridor_dpt_ctr *c, bool uplink)
{
    c->pkts++;
    c->bytes += m->pkt_len;
    uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
    const corridor_pkt_ip *ip = uplink ? &p->inner : &p->outer;
    size_t ip_off = ip->off, ip_len = ip->total_len;
    switch (e->action) {
    case CORRIDOR_DP_ACTION_FORWARD: {
        int qfi;
        uint8_t pdu;
        if (uplink) {   /* a tunnel relay: the inner packet is not routed, TTL untouched */
            qfi = e->qfi ? e->qfi : (p->has_qfi ? p->qfi : -1);
            pdu = p->has_qfi ? p->pdu_type : 1;
        } else {        /* routed into the tunnel */
            if (ip->ttl <= 1) {
                to_kernel(w, m, CORRIDOR_DP_DROP_TTL);
                return;
            }
            corridor_ip_dec_ttl(data + ip_off, ip->family);
            qfi = e->qfi ? e->qfi : -1;
            pdu = 0;
        }
        size_t h = corridor_gtpu_tmpl_len(&e->tmpl, qfi);
        uint8_t *out;
        if (!corridor_gtpu_fits(&e->tmpl, ip_len, qfi) || !(out = reframe(m, ip_off, h, ip_len))) {
            drop(w, m, CORRIDOR_DP_DROP_NO_HEADROOM);
            return;
        }
        corridor_gtpu_tmpl_write(&e->tmpl, out, out + h, ip_len, qfi, pdu);
        w->st.forwarded++;
        enqueue(w, e->out_port, m);
        return;
    }
    case CORRIDOR_DP_ACTION_BREAKOUT: {
        if (ip->ttl <= 1) {
            to_kernel(w, m, CORRIDOR_DP_DROP_TTL);
            return;
        }
        corridor_ip_dec_ttl(data + ip_off, ip->family);
        uint8_t *out = reframe(m, ip_off, e->eth_len, ip_len);
        if (!out) {
            drop(w, m, CORRIDOR_DP_DROP_NO_HEADROOM);
            return;
        }
        memcpy(out, e->eth, e->eth_len);
        corridor_wr16(out + e->eth_len - 2, ip->family == 4 ? 0x0800 : 0x86dd);
        w->st.breakout++;
        enqueue(w, e->out_port, m);
        return;
    }
    case CORRIDOR_DP_ACTION_KERNEL:
        to_kernel(w, m, CORRIDOR_DP_DROP_RULE);
        return;
    case CORRIDOR_DP_ACTION_DROP:
    default:
        drop(w, m, CORRIDOR_DP_DROP_RULE);
        return;
    }
}

void corridor_dp_process(corridor_dp_worker *w, struct rte_mbuf **pkts, unsigned n)
{
    corridor_pkt p[CORRIDOR_DP_BURST_MAX];
    corridor_dpt_key keys[CORRIDOR_DP_BURST_MAX];
    const corridor_dpt_key *kp[CORRIDOR_DP_BURST_MAX];
    const corridor_dpt_entry *ent[CORRIDOR_DP_BURST_MAX];
    uint8_t which[CORRIDOR_DP_BURST_MAX];   /* packet index of each key */
    unsigned nk = 0;

    for (unsigned i = 0; i < n && i < 4; i++)
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
    for (unsigned i = 0; i < n; i++) {
        if (i + 4 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
        struct rte_mbuf *m = pkts[i];
        if (m->nb_segs != 1) {
            drop(w, m, CORRIDOR_DP_DROP_SEGMENTED);
            continue;
        }
        const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
        corridor_pkt_reason r = corridor_pkt_parse(data, m->data_len, &p[i]);
        switch (p[i].kind) {
        case CORRIDOR_PKT_KIND_GTPU:
            corridor_dpt_key_set(&keys[nk], p[i].outer.family == 4 ? CORRIDOR_DPT_KEY_UL4
                                                                   : CORRIDOR_DPT_KEY_UL6,
                                 p[i].teid, corridor_pkt_ip_dst(data, &p[i].outer),
                                 p[i].outer.family);
            break;
        case CORRIDOR_PKT_KIND_IP:  /* downlink, fragments included (every one has the UE) */
            corridor_dpt_key_set(&keys[nk], p[i].outer.family == 4 ? CORRIDOR_DPT_KEY_DL4
                                                                   : CORRIDOR_DPT_KEY_DL6,
                                 0, corridor_pkt_ip_dst(data, &p[i].outer), p[i].outer.family);
            break;
        case CORRIDOR_PKT_KIND_GTPU_CTRL:
            to_kernel(w, m, CORRIDOR_DP_DROP_GTPU_CTRL);
            continue;
        default:
            if (r == CORRIDOR_PKT_NOT_IP)
                to_kernel(w, m, r);
            else
                drop(w, m, r);
            continue;
        }
        kp[nk] = &keys[nk];
        which[nk++] = (uint8_t)i;
    }
    corridor_dpt_lookup_bulk(w->t, kp, nk, ent);
    /* Fetch what acting reads for the whole burst at once (each rule's entry line and the
     * line of this worker's counter, which follows the entry), so that their cache misses
     * overlap instead of being taken one packet after the other. */
    corridor_dpt_ctr *ctr[CORRIDOR_DP_BURST_MAX];
    for (unsigned k = 0; k < nk; k++) {
        if (!ent[k])
            continue;
        ctr[k] = corridor_dpt_entry_ctr(ent[k], w->id);
        rte_prefetch0(ent[k]);
        __builtin_prefetch(ctr[k], 1, 3);
    }
    for (unsigned k = 0; k < nk; k++) {
        unsigned i = which[k];
        struct rte_mbuf *m = pkts[i];
        bool uplink = p[i].kind == CORRIDOR_PKT_KIND_GTPU;
        if (ent[k]) {
            act(w, m, &p[i], ent[k], ctr[k], uplink);
            continue;
        }
        if (uplink) {
            drop(w, m, CORRIDOR_DP_DROP_NO_SESSION_UL);
        } else if (p[i].reason == CORRIDOR_PKT_FRAGMENT) {
            to_kernel(w, m, CORRIDOR_PKT_FRAGMENT);   /* GTP-U fragments: reassembly */
        } else if (to_us(w, keys[k].addr, p[i].outer.family)) {
            to_kernel(w, m, CORRIDOR_DP_DROP_NO_SESSION_DL);
        } else {
            drop(w, m, CORRIDOR_DP_DROP_NO_SESSION_DL);
        }
    }
}

void corridor_dp_flush(corridor_dp_worker *w)
{
    for (unsigned s = 0; s <= CORRIDOR_DPT_MAX_PORTS; s++) {
        uint16_t n = w->n_txb[s];
        if (!n)
            continue;
        uint16_t sent = 0;
        for (int tries = 0; tries < 4 && sent < n; tries++)
            sent = (uint16_t)(sent + rte_eth_tx_burst(w->port_id[s], (uint16_t)w->id,
                                                      w->txb[s] + sent, (uint16_t)(n - sent)));
        if (sent < n) {
            rte_pktmbuf_free_bulk(w->txb[s] + sent, n - sent);
            w->st.drops[CORRIDOR_DP_DROP_TX] += n - sent;
        }
        w->st.port_tx[s] += sent;
        w->n_txb[s] = 0;
    }
}

/* What the kernel sends leaves by the return port unchanged. The kernel spreads its packets
 * over the exception device's queues: each worker reads its own (queue = worker id). */
static void poll_kernel(corridor_dp_worker *w)
{
    struct rte_mbuf *pkts[CORRIDOR_DP_BURST_MAX];
    uint16_t n = rte_eth_rx_burst(w->port_id[CORRIDOR_DP_KERNEL_SLOT], (uint16_t)w->id, pkts,
                                  w->burst);
    w->st.from_kernel += n;
    for (uint16_t i = 0; i < n; i++)
        enqueue(w, w->kernel_return, pkts[i]);
}

int corridor_dp_worker_main(void *arg)
{
    corridor_dp_worker *w = arg;
    struct rte_mbuf *pkts[CORRIDOR_DP_BURST_MAX];
    if (corridor_dpt_reader_online(w->t, w->id) < 0)
        return -1;
    __atomic_store_n(&w->st.last_rx_tsc, rte_get_tsc_cycles(), __ATOMIC_RELAXED);
    while (!*w->stop) {
        for (unsigned q = 0; q < w->n_rxq; q++) {
            uint16_t n = rte_eth_rx_burst(w->port_id[w->rxq[q].idx], w->rxq[q].queue, pkts,
                                          w->burst);
            if (!n)
                continue;
            w->st.rx += n;
            w->st.port_rx[w->rxq[q].idx] += n;
            __atomic_store_n(&w->st.last_rx_tsc, rte_get_tsc_cycles(), __ATOMIC_RELAXED);
            corridor_dp_process(w, pkts, n);
            corridor_dp_flush(w);
        }
        if (w->poll_kernel) {
            poll_kernel(w);
            corridor_dp_flush(w);
        }
        corridor_dpt_quiescent(w->qsbr, w->id);
    }
    corridor_dp_flush(w);
    corridor_dpt_reader_offline(w->t, w->id);
    return 0;
}
