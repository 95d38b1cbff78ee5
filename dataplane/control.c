/* The dataplane's control socket (see control.h). */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_internal.h"
#include "clock.h"
#include "log.h"

#define MOD "dataplane"
#define CTL_BURST 64
#define STATS_MAX 256

struct corridor_dp_ctl {
    corridor_dp_app *app;
    corridor_transport *tr;
    corridor_sock *sock;
    corridor_msg_limits lim;
    uint64_t seq;
    corridor_dp_ctl_stats st;
};

corridor_dp_ctl *corridor_dp_ctl_new(corridor_dp_app *app, const char *endpoint,
                                     const corridor_msg_limits *lim, char *err, size_t errlen)
{
    corridor_dp_ctl *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->app = app;
    c->lim = *lim;
    c->tr = corridor_transport_new();
    corridor_sock_opts o;
    corridor_sock_opts_default(&o);
    o.max_frame_bytes = lim->max_frame_bytes;
    corridor_security sec;
    memset(&sec, 0, sizeof sec);
    if (c->tr)
        c->sock = corridor_sock_router_bind(c->tr, endpoint, &sec, &o, err, errlen);
    if (!c->sock) {
        corridor_dp_ctl_free(&c);
        return NULL;
    }
    CLOG_INFO(MOD, "control socket bound", "endpoint=%s", corridor_sock_endpoint(c->sock));
    return c;
}

void corridor_dp_ctl_free(corridor_dp_ctl **cp)
{
    if (!cp || !*cp)
        return;
    corridor_sock_free(&(*cp)->sock);
    corridor_transport_free(&(*cp)->tr);
    free(*cp);
    *cp = NULL;
}

corridor_sock *corridor_dp_ctl_sock(corridor_dp_ctl *c)
{
    return c->sock;
}

const corridor_dp_ctl_stats *corridor_dp_ctl_stats_get(const corridor_dp_ctl *c)
{
    return &c->st;
}

static void send_msg(corridor_dp_ctl *c, const corridor_peer *peer, corridor_msg *m,
                     uint64_t correlation_id)
{
    m->env.version = CORRIDOR_PROTOCOL_VERSION;
    m->env.seq = ++c->seq;
    m->env.correlation_id = correlation_id;
    m->env.timestamp_us = corridor_clock_wall_us();
    snprintf(m->env.sender_id, sizeof m->env.sender_id, "%s", corridor_dp_app_id(c->app));
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = corridor_msg_encode(m, &buf, &len);
    if (rc == 0)
        rc = corridor_sock_send(c->sock, peer, buf, len);
    free(buf);
    if (rc < 0) {
        c->st.send_errors++;
        CLOG_WARN_RL(MOD, "control send failed", "type=%s error=%s",
                     corridor_msg_type_name(m->env.type), strerror(-rc));
        return;
    }
    c->st.msgs_out++;
}

static void reject(corridor_dp_ctl *c, const corridor_peer *peer, const corridor_envelope *env,
                   corridor_reject_reason why, const char *detail)
{
    char ps[64];
    c->st.rejected[why]++;
    CLOG_WARN_RL(MOD, "control frame rejected", "peer=%s reason=%s detail=\"%s\"",
                 corridor_peer_str(peer, ps, sizeof ps), corridor_reject_name(why), detail);
    if (why == CORRIDOR_REJECT_UNKNOWN_TYPE || why == CORRIDOR_REJECT_MULTIPART)
        return;
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_ERROR);
    m.u.err.reason = why;
    m.u.err.supported_version = CORRIDOR_PROTOCOL_VERSION;
    m.u.err.received_version = env ? env->version : 0;
    snprintf(m.u.err.message, sizeof m.u.err.message, "%s", detail);
    send_msg(c, peer, &m, env ? env->seq : 0);
}

static void on_rule_update(corridor_dp_ctl *c, const corridor_peer *peer, const corridor_msg *in)
{
    const corridor_rule_update *u = &in->u.rupd;
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_RULE_RESULT);
    corridor_dp_app_apply(c->app, u->ops, u->n_ops, &m.u.rres);
    m.u.rres.batch_id = u->batch_id;
    c->st.rule_updates++;
    c->st.ops_applied += m.u.rres.applied;
    c->st.ops_failed += m.u.rres.failed;
    if (m.u.rres.failed)
        CLOG_WARN_RL(MOD, "rule ops refused", "batch=%llu applied=%u failed=%u first=\"%s\"",
                     (unsigned long long)u->batch_id, m.u.rres.applied, m.u.rres.failed,
                     m.u.rres.error);
    send_msg(c, peer, &m, in->env.seq);
}

static void on_stats(corridor_dp_ctl *c, const corridor_peer *peer, const corridor_msg *in)
{
    corridor_stat st[STATS_MAX];
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_DATAPLANE_STATS);
    snprintf(m.u.dps.dataplane_id, sizeof m.u.dps.dataplane_id, "%s", corridor_dp_app_id(c->app));
    m.u.dps.n_stats = corridor_dp_app_stats(c->app, st, STATS_MAX);
    m.u.dps.stats = st;
    send_msg(c, peer, &m, in->env.seq);
}

static void handle_frame(corridor_dp_ctl *c, const corridor_frame *f)
{
    c->st.msgs_in++;
    char d[128];
    if (f->extra_frames) {
        snprintf(d, sizeof d, "%zu extra frames", f->extra_frames);
        reject(c, &f->peer, NULL, CORRIDOR_REJECT_MULTIPART, d);
        return;
    }
    if (f->truncated) {
        snprintf(d, sizeof d, "frame of %zu bytes exceeds control.max_frame_bytes (%u)", f->len,
                 c->lim.max_frame_bytes);
        reject(c, &f->peer, NULL, CORRIDOR_REJECT_TOO_LARGE, d);
        return;
    }
    corridor_msg m;
    corridor_decode_error de;
    int rc = corridor_msg_decode(f->data ? f->data : (const uint8_t *)"", f->len, &c->lim, &m,
                                 &de);
    if (rc < 0) {
        reject(c, &f->peer, &m.env, de.reason, de.detail);
        corridor_msg_fini(&m);
        return;
    }
    switch (m.env.type) {
    case CORRIDOR_MSG_RULE_UPDATE:
        on_rule_update(c, &f->peer, &m);
        break;
    case CORRIDOR_MSG_DATAPLANE_STATS_REQUEST:
        on_stats(c, &f->peer, &m);
        break;
    default:
        snprintf(d, sizeof d, "%s is not a dataplane request", corridor_msg_type_name(m.env.type));
        reject(c, &f->peer, &m.env, CORRIDOR_REJECT_UNEXPECTED, d);
        break;
    }
    corridor_msg_fini(&m);
}

void corridor_dp_ctl_drain(corridor_dp_ctl *c)
{
    corridor_frame f;
    for (int i = 0; i < CTL_BURST; i++) {
        int rc = corridor_sock_recv(c->sock, &f);
        if (rc <= 0) {
            if (rc < 0 && rc != -EINTR)
                CLOG_WARN_RL(MOD, "control receive failed", "error=%s", strerror(-rc));
            return;
        }
        handle_frame(c, &f);
    }
}
