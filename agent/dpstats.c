#include "dpstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg_send.h"

/* The dataplane's full list is a few hundred counters (~10 KiB); this leaves room, and
 * bounds what a wrong endpoint can make us take. */
#define DP_FRAME_MAX (256 * 1024)
#define TRANSITION_LINES_PER_S 4  /* a flapping dataplane must not flood the log */

struct corridor_dpstats {
    char node_id[CORRIDOR_ID_MAX + 1];
    char endpoint[CORRIDOR_PEER_ENDPOINT_MAX + 1];
    uint32_t interval_ms, timeout_ms, retry_max_ms;
    uint32_t backoff_ms;          /* 0 while answering; else the current retry delay */
    corridor_sock *sock;
    uint64_t seq;                 /* this connection's message counter */
    uint64_t in_flight;           /* seq of the unanswered request, 0 = none */
    uint64_t sent_ms, next_poll_ms;
    bool reachable, ever_answered, said_waiting;
    uint64_t last_answer_ms, down_since_ms;
    char dataplane_id[CORRIDOR_ID_MAX + 1];
    corridor_stat counters[CORRIDOR_MAX_DP_COUNTERS];
    size_t n_counters;
    corridor_log_ratelimit rl;
    corridor_dpstats_stats stats;
};

corridor_dpstats *corridor_dpstats_new(corridor_transport *tr, const corridor_agent_config *cfg,
                                       char *err, size_t errlen)
{
    corridor_dpstats *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(d->node_id, sizeof d->node_id, "%s", cfg->node_id);
    snprintf(d->endpoint, sizeof d->endpoint, "%s", cfg->dp_endpoint);
    d->interval_ms = cfg->dp_interval_ms ? cfg->dp_interval_ms : 1000;
    d->timeout_ms = cfg->dp_timeout_ms ? cfg->dp_timeout_ms : d->interval_ms;
    d->retry_max_ms = cfg->dp_retry_max_ms > d->interval_ms ? cfg->dp_retry_max_ms
                                                              : d->interval_ms;
    corridor_sock_opts so;
    corridor_sock_opts_default(&so);
    so.max_frame_bytes = DP_FRAME_MAX;
    so.reconnect_min_ms = cfg->reconnect_min_ms;
    so.reconnect_max_ms = d->retry_max_ms;
    so.sndhwm = 4; /* one request in flight; a queue of them would only answer old questions */
    corridor_security sec;
    memset(&sec, 0, sizeof sec); /* the dataplane's control socket speaks NULL security */
    char msg[512];
    d->sock = corridor_sock_dealer_connect(tr, d->endpoint, &sec, &so, msg, sizeof msg);
    if (!d->sock) {
        snprintf(err, errlen, "dataplane.endpoint: %s", msg);
        corridor_dpstats_free(&d);
        return NULL;
    }
    CLOG_INFO("agent", "dataplane stats", "endpoint=%s interval_ms=%u timeout_ms=%u "
              "retry_max_ms=%u", d->endpoint, d->interval_ms, d->timeout_ms, d->retry_max_ms);
    return d;
}

void corridor_dpstats_free(corridor_dpstats **pd)
{
    if (!pd || !*pd)
        return;
    corridor_sock_free(&(*pd)->sock);
    free(*pd);
    *pd = NULL;
}

/* One line per reachability change, rate-limited on top for a dataplane that flaps. */
static bool may_say(corridor_dpstats *d, uint32_t *suppressed)
{
    *suppressed = 0;
    return corridor_log_ratelimit_allow(&d->rl, TRANSITION_LINES_PER_S, suppressed) != 0;
}

/* The poll in flight went unanswered (or could not be sent): back off, and report the
 * dataplane unreachable without its old numbers. Returns 1 when that is a change. */
static int missed(corridor_dpstats *d, uint64_t now, const char *why)
{
    d->stats.misses++;
    d->in_flight = 0;
    d->backoff_ms = d->backoff_ms ? (d->backoff_ms * 2 > d->retry_max_ms ? d->retry_max_ms
                                                                         : d->backoff_ms * 2)
                                  : d->interval_ms;
    d->next_poll_ms = now + d->backoff_ms;
    if (!d->ever_answered) {
        if (!d->said_waiting)
            CLOG_INFO("agent", "waiting for dataplane", "endpoint=%s reason=\"%s\"",
                      d->endpoint, why);
        d->said_waiting = true;
        return 0;
    }
    if (!d->reachable)
        return 0;
    d->reachable = false;
    d->n_counters = 0; /* never report stale numbers */
    d->down_since_ms = now;
    d->stats.transitions++;
    uint32_t sup;
    if (may_say(d, &sup))
        CLOG_WARN("agent", "dataplane unreachable", "endpoint=%s dataplane=%s reason=\"%s\" "
                  "last_answer_ms_ago=%llu retry_ms=%u suppressed=%u", d->endpoint,
                  d->dataplane_id, why, (unsigned long long)(now - d->last_answer_ms),
                  d->backoff_ms, sup);
    return 1;
}

static int send_request(corridor_dpstats *d, uint64_t now)
{
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_DATAPLANE_STATS_REQUEST);
    int rc = corridor_msg_send(d->sock, NULL, &m, d->node_id, &d->seq, 0);
    if (rc < 0) /* -EAGAIN: ZeroMQ has no connection (the dataplane is down); it reconnects */
        return missed(d, now, rc == -EAGAIN ? "not connected" : strerror(-rc));
    d->stats.polls_sent++;
    d->in_flight = d->seq;
    d->sent_ms = now;
    d->next_poll_ms = now + (d->backoff_ms ? d->backoff_ms : d->interval_ms);
    return 0;
}

int corridor_dpstats_tick(corridor_dpstats *d, uint64_t now_ms, uint64_t *next_ms)
{
    *next_ms = UINT64_MAX;
    if (!d)
        return 0;
    int changed = 0;
    if (d->in_flight && now_ms >= d->sent_ms + d->timeout_ms)
        changed |= missed(d, now_ms, "no answer within timeout_ms");
    if (!d->in_flight && now_ms >= d->next_poll_ms)
        changed |= send_request(d, now_ms);
    *next_ms = d->next_poll_ms;
    if (d->in_flight && d->sent_ms + d->timeout_ms < *next_ms)
        *next_ms = d->sent_ms + d->timeout_ms;
    return changed;
}

corridor_sock *corridor_dpstats_sock(const corridor_dpstats *d)
{
    return d ? d->sock : NULL;
}

size_t corridor_dpstats_select(const corridor_stat *in, size_t n, corridor_stat *out,
                               size_t cap)
{
    /* totals first (so a full array never loses them), then the non-zero reasons */
    static const char *const totals[] = {"uptime_ms", "rx_packets", "tx_packets", "forwarded",
                                         "breakout", "to_kernel", "from_kernel", "drops",
                                         "rules"};
    size_t k = 0;
    for (size_t t = 0; t < sizeof totals / sizeof totals[0]; t++)
        for (size_t i = 0; i < n && k < cap; i++)
            if (strcmp(in[i].name, totals[t]) == 0) {
                out[k++] = in[i];
                break;
            }
    for (size_t i = 0; i < n && k < cap; i++) {
        const char *s = in[i].name;
        size_t len = strlen(s);
        bool port_drop = strncmp(s, "port", 4) == 0 &&
                         ((len > 10 && strcmp(s + len - 10, "_rx_missed") == 0) ||
                          (len > 10 && strcmp(s + len - 10, "_rx_nombuf") == 0));
        if (in[i].value && (strncmp(s, "drops_", 6) == 0 || strncmp(s, "to_kernel_", 10) == 0 ||
                            port_drop))
            out[k++] = in[i];
    }
    return k;
}

/* A DataplaneStats that answers the request in flight. Returns 1 when it came back. */
static int on_answer(corridor_dpstats *d, const corridor_msg *m, uint64_t now)
{
    const corridor_dp_stats *s = &m->u.dps;
    d->in_flight = 0;
    d->backoff_ms = 0;
    d->next_poll_ms = d->sent_ms + d->interval_ms;
    d->stats.answers++;
    d->last_answer_ms = now;
    if (d->ever_answered && strcmp(d->dataplane_id, s->dataplane_id) != 0)
        CLOG_INFO("agent", "dataplane id changed", "endpoint=%s from=%s to=%s", d->endpoint,
                  d->dataplane_id, s->dataplane_id);
    snprintf(d->dataplane_id, sizeof d->dataplane_id, "%s", s->dataplane_id);
    d->n_counters = corridor_dpstats_select(s->stats, s->n_stats, d->counters,
                                            CORRIDOR_MAX_DP_COUNTERS);
    if (d->reachable)
        return 0;
    uint32_t sup;
    d->reachable = true;
    d->stats.transitions += d->ever_answered;
    if (!d->ever_answered)
        CLOG_INFO("agent", "dataplane reachable", "endpoint=%s dataplane=%s counters=%zu",
                  d->endpoint, d->dataplane_id, d->n_counters);
    else if (may_say(d, &sup))
        CLOG_INFO("agent", "dataplane reachable again", "endpoint=%s dataplane=%s down_ms=%llu "
                  "suppressed=%u", d->endpoint, d->dataplane_id,
                  (unsigned long long)(now - d->down_since_ms), sup);
    d->ever_answered = true;
    return 1;
}

static int on_frame(corridor_dpstats *d, const corridor_frame *f, uint64_t now)
{
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    lim.max_frame_bytes = DP_FRAME_MAX;
    corridor_msg m;
    corridor_decode_error de;
    if (f->truncated || f->extra_frames ||
        corridor_msg_decode(f->data ? f->data : (const uint8_t *)"", f->len, &lim, &m, &de) < 0) {
        d->stats.rejected_in++;
        CLOG_WARN_RL("agent", "dataplane frame rejected", "endpoint=%s detail=\"%s\"",
                     d->endpoint,
                     f->truncated ? "too large" : f->extra_frames ? "multipart" : de.detail);
        if (!f->truncated && !f->extra_frames)
            corridor_msg_fini(&m);
        return 0;
    }
    int changed = 0;
    bool ours = d->in_flight && m.env.correlation_id == d->in_flight;
    if (m.env.type == CORRIDOR_MSG_DATAPLANE_STATS && ours) {
        changed = on_answer(d, &m, now);
    } else if (m.env.type == CORRIDOR_MSG_DATAPLANE_STATS && m.env.correlation_id &&
               m.env.correlation_id <= d->seq) {
        d->stats.late++; /* an answer after its timeout: the next poll asks again */
    } else if (m.env.type == CORRIDOR_MSG_ERROR) {
        d->stats.errors_received++;
        CLOG_WARN_RL("agent", "dataplane refused the stats request", "endpoint=%s reason=%s "
                     "message=\"%s\"", d->endpoint, corridor_reject_name(m.u.err.reason),
                     m.u.err.message);
        if (ours)
            changed = missed(d, now, "refused");
    } else {
        d->stats.rejected_in++;
        CLOG_WARN_RL("agent", "dataplane frame rejected", "endpoint=%s detail=\"unexpected "
                     "%s (correlation_id %llu)\"", d->endpoint,
                     corridor_msg_type_name(m.env.type),
                     (unsigned long long)m.env.correlation_id);
    }
    corridor_msg_fini(&m);
    return changed;
}

int corridor_dpstats_on_readable(corridor_dpstats *d, uint64_t now_ms)
{
    if (!d)
        return 0;
    int changed = 0;
    corridor_frame f;
    for (int i = 0; i < 64 && corridor_sock_recv(d->sock, &f) == 1; i++)
        changed |= on_frame(d, &f, now_ms);
    return changed;
}

int corridor_dpstats_collect(const corridor_dpstats *d, uint64_t now_ms, corridor_report *r)
{
    if (!d)
        return 0;
    corridor_dp_summary *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    snprintf(s->dataplane_id, sizeof s->dataplane_id, "%s", d->dataplane_id);
    snprintf(s->endpoint, sizeof s->endpoint, "%s", d->endpoint);
    s->reachable = d->reachable;
    s->last_answer_age_ms = d->ever_answered && now_ms > d->last_answer_ms
                                ? now_ms - d->last_answer_ms : 0;
    if (d->reachable) {
        memcpy(s->counters, d->counters, d->n_counters * sizeof d->counters[0]);
        s->n_counters = d->n_counters;
    }
    free(r->dataplane);
    r->dataplane = s;
    return 0;
}

const corridor_dpstats_stats *corridor_dpstats_stats_get(const corridor_dpstats *d)
{
    return &d->stats;
}
