#include "peers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "msg_send.h"

#define PING_RING 8               /* outstanding pings remembered per peer */
#define PEER_FRAME_MAX 4096       /* a ping is ~100 bytes; the listener may face the network */

typedef struct {
    corridor_agent_peer cfg;
    corridor_sock *sock;
    uint64_t seq;                 /* this connection's message counter */
    struct { uint64_t seq, sent_us; } pings[PING_RING];
    size_t ping_next;
    uint64_t last_ping_seq;       /* 0 after its pong came (or when it could not be sent) */
    uint32_t misses;              /* pings unanswered (or unsendable) in a row */
    uint32_t srtt_us;
    bool reachable;
    bool wrong_node_said;         /* "answered as another node" logged once */
} peer_link;

struct corridor_peers {
    char node_id[CORRIDOR_ID_MAX + 1];
    uint32_t interval_ms, miss_limit;
    corridor_sock *listener;      /* NULL when rtt.listen is empty */
    uint64_t listener_seq;
    peer_link links[CORRIDOR_MAX_PEERS];
    size_t n;
    uint64_t next_ping_ms;
    corridor_peers_stats stats;
};

corridor_peers *corridor_peers_new(corridor_transport *tr, const corridor_agent_config *cfg,
                                   char *err, size_t errlen)
{
    corridor_peers *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(p->node_id, sizeof p->node_id, "%s", cfg->node_id);
    p->interval_ms = cfg->rtt_ping_interval_ms;
    p->miss_limit = cfg->rtt_peer_misses ? cfg->rtt_peer_misses : 3;
    corridor_sock_opts so;
    corridor_sock_opts_default(&so);
    so.max_frame_bytes = PEER_FRAME_MAX;
    so.reconnect_min_ms = cfg->reconnect_min_ms;
    so.reconnect_max_ms = cfg->reconnect_max_ms;
    so.sndhwm = 4; /* a ping that waits longer than an interval is worthless */
    char msg[512];
    if (cfg->rtt_listen[0]) {
        p->listener = corridor_sock_router_bind(tr, cfg->rtt_listen, &cfg->security, &so, msg,
                                                sizeof msg);
        if (!p->listener) {
            snprintf(err, errlen, "rtt.listen: %s", msg);
            corridor_peers_free(&p);
            return NULL;
        }
    }
    for (size_t i = 0; i < cfg->n_rtt_peers && i < CORRIDOR_MAX_PEERS; i++) {
        peer_link *l = &p->links[p->n];
        l->cfg = cfg->rtt_peers[i];
        l->sock = corridor_sock_dealer_connect(tr, l->cfg.endpoint, &cfg->security, &so, msg,
                                               sizeof msg);
        if (!l->sock) {
            snprintf(err, errlen, "rtt.peers[%zu]: %s", i, msg);
            corridor_peers_free(&p);
            return NULL;
        }
        p->n++;
    }
    CLOG_INFO("agent", "peer RTT", "listen=%s peers=%zu interval_ms=%u",
              cfg->rtt_listen[0] ? cfg->rtt_listen : "off", p->n, p->interval_ms);
    return p;
}

void corridor_peers_free(corridor_peers **pp)
{
    if (!pp || !*pp)
        return;
    corridor_peers *p = *pp;
    corridor_sock_free(&p->listener);
    for (size_t i = 0; i < p->n; i++)
        corridor_sock_free(&p->links[i].sock);
    free(p);
    *pp = NULL;
}

static int send_on(corridor_peers *p, corridor_sock *s, const corridor_peer *to, uint64_t *seq,
                   corridor_msg *m, uint64_t correlation_id)
{
    return corridor_msg_send(s, to, m, p->node_id, seq, correlation_id);
}

/* A peer missed one more ping; returns 1 when that made it unreachable. */
static int missed(corridor_peers *p, peer_link *l)
{
    l->misses++;
    if (!l->reachable || l->misses < p->miss_limit)
        return 0;
    l->reachable = false;
    l->srtt_us = 0; /* a stale figure would look like a live one */
    CLOG_WARN("agent", "peer unreachable", "peer=%s endpoint=%s missed_pings=%u", l->cfg.node,
              l->cfg.endpoint, l->misses);
    return 1;
}

int corridor_peers_tick(corridor_peers *p, uint64_t now_ms, uint64_t *next_ms)
{
    *next_ms = UINT64_MAX;
    if (!p || !p->n || !p->interval_ms)
        return 0;
    int changed = 0;
    if (now_ms >= p->next_ping_ms) {
        for (size_t i = 0; i < p->n; i++) {
            peer_link *l = &p->links[i];
            if (l->last_ping_seq) /* the previous ping's pong did not come in an interval */
                changed |= missed(p, l);
            corridor_msg m;
            corridor_msg_init(&m, CORRIDOR_MSG_PING);
            m.u.ping.origin_timestamp_us = corridor_clock_wall_us();
            uint64_t sent = corridor_clock_mono_us();
            if (send_on(p, l->sock, NULL, &l->seq, &m, 0) < 0) {
                /* not connected (ZeroMQ reconnects with its backoff): that is a miss too */
                p->stats.send_failures++;
                l->last_ping_seq = 0;
                changed |= missed(p, l);
                continue;
            }
            p->stats.pings_sent++;
            l->pings[l->ping_next].seq = l->seq;
            l->pings[l->ping_next].sent_us = sent;
            l->ping_next = (l->ping_next + 1) % PING_RING;
            l->last_ping_seq = l->seq;
        }
        p->next_ping_ms = now_ms + p->interval_ms;
    }
    *next_ms = p->next_ping_ms;
    return changed;
}

size_t corridor_peers_socks(const corridor_peers *p, corridor_sock **out, size_t max)
{
    size_t n = 0;
    if (!p)
        return 0;
    if (p->listener && n < max)
        out[n++] = p->listener;
    for (size_t i = 0; i < p->n && n < max; i++)
        out[n++] = p->links[i].sock;
    return n;
}

/* 0 and *m decoded, or -1 (counted and logged; nothing to free). */
static int decode(corridor_peers *p, const corridor_frame *f, const char *from, corridor_msg *m)
{
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    lim.max_frame_bytes = PEER_FRAME_MAX;
    corridor_decode_error de;
    if (f->truncated || f->extra_frames ||
        corridor_msg_decode(f->data ? f->data : (const uint8_t *)"", f->len, &lim, m, &de) < 0) {
        p->stats.rejected_in++;
        CLOG_WARN_RL("agent", "peer frame rejected", "from=%s detail=\"%s\"", from,
                     f->truncated ? "too large" : f->extra_frames ? "multipart" : de.detail);
        if (!f->truncated && !f->extra_frames)
            corridor_msg_fini(m);
        return -1;
    }
    return 0;
}

/* rtt.listen: answer a PING with a PONG (correlation_id = its seq, timestamp echoed). */
static void on_listener_frame(corridor_peers *p, const corridor_frame *f)
{
    corridor_msg m;
    if (decode(p, f, "rtt.listen", &m) < 0)
        return;
    if (m.env.type != CORRIDOR_MSG_PING) {
        p->stats.rejected_in++;
        CLOG_WARN_RL("agent", "peer frame rejected", "from=rtt.listen sender=%s detail=\"'%s' "
                     "is not accepted here (only PING)\"",
                     m.env.sender_id[0] ? m.env.sender_id : "-",
                     corridor_msg_type_name(m.env.type));
        corridor_msg_fini(&m);
        return;
    }
    corridor_msg pong;
    corridor_msg_init(&pong, CORRIDOR_MSG_PONG);
    pong.u.ping.origin_timestamp_us = m.u.ping.origin_timestamp_us;
    /* a pinger that went away meanwhile is no error worth a line */
    if (send_on(p, p->listener, &f->peer, &p->listener_seq, &pong, m.env.seq) == 0)
        p->stats.pings_answered++;
    corridor_msg_fini(&m);
}

/* A frame from a peer we ping: its PONG. Returns 1 when the peer became reachable. */
static int on_peer_frame(corridor_peers *p, peer_link *l, const corridor_frame *f)
{
    corridor_msg m;
    if (decode(p, f, l->cfg.node, &m) < 0)
        return 0;
    int changed = 0;
    uint64_t now = corridor_clock_mono_us();
    if (m.env.type != CORRIDOR_MSG_PONG) {
        p->stats.rejected_in++;
        CLOG_WARN_RL("agent", "peer frame rejected", "from=%s detail=\"'%s' is not a PONG\"",
                     l->cfg.node, corridor_msg_type_name(m.env.type));
    } else if (m.env.sender_id[0] && strcmp(m.env.sender_id, l->cfg.node) != 0) {
        /* the endpoint is some other node's: its RTT must not pass for this one's */
        p->stats.rejected_in++;
        if (!l->wrong_node_said)
            CLOG_WARN("agent", "peer answers as another node: check rtt.peers", "peer=%s "
                      "endpoint=%s answered_as=%s", l->cfg.node, l->cfg.endpoint,
                      m.env.sender_id);
        l->wrong_node_said = true;
    } else {
        for (size_t i = 0; i < PING_RING; i++) {
            if (!l->pings[i].seq || l->pings[i].seq != m.env.correlation_id)
                continue;
            uint64_t sample = now - l->pings[i].sent_us;
            l->pings[i].seq = 0;
            if (l->last_ping_seq == m.env.correlation_id)
                l->last_ping_seq = 0;
            if (sample > UINT32_MAX || sample == 0)
                sample = sample ? UINT32_MAX : 1; /* 0 means "unknown" on the wire */
            p->stats.pongs++;
            l->misses = 0;
            /* smoothed like TCP's SRTT (RFC 6298, alpha 1/8), as for the orchestrator */
            l->srtt_us = l->srtt_us ? (uint32_t)((7ull * l->srtt_us + sample) / 8)
                                    : (uint32_t)sample;
            if (!l->reachable) {
                CLOG_INFO("agent", "peer reachable", "peer=%s endpoint=%s rtt_us=%u",
                          l->cfg.node, l->cfg.endpoint, l->srtt_us);
                changed = 1;
            }
            l->reachable = true;
            break;
        }
    }
    corridor_msg_fini(&m);
    return changed;
}

int corridor_peers_on_readable(corridor_peers *p, corridor_sock *s)
{
    if (!p)
        return 0;
    peer_link *l = NULL;
    for (size_t i = 0; i < p->n && !l; i++)
        if (p->links[i].sock == s)
            l = &p->links[i];
    if (!l && s != p->listener)
        return 0;
    int changed = 0;
    corridor_frame f;
    for (int i = 0; i < 64 && corridor_sock_recv(s, &f) == 1; i++) {
        if (l)
            changed |= on_peer_frame(p, l, &f);
        else
            on_listener_frame(p, &f);
    }
    return changed;
}

void corridor_peers_collect(const corridor_peers *p, corridor_report *r)
{
    r->n_peers = 0;
    for (size_t i = 0; p && i < p->n && i < CORRIDOR_MAX_PEERS; i++) {
        const peer_link *l = &p->links[i];
        corridor_peer_rtt *x = &r->peers[r->n_peers++];
        snprintf(x->node_id, sizeof x->node_id, "%s", l->cfg.node);
        snprintf(x->endpoint, sizeof x->endpoint, "%s", l->cfg.endpoint);
        x->reachable = l->reachable;
        x->rtt_us = l->reachable ? l->srtt_us : 0;
    }
}

const corridor_peers_stats *corridor_peers_stats_get(const corridor_peers *p)
{
    return &p->stats;
}
