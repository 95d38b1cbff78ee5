#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "msg.h"
#include "transport.h"

#define BURST 256 /* frames per socket per loop turn, so one busy socket cannot starve another */

struct corridor_orch {
    corridor_orch_config cfg;
    corridor_transport *tr;
    corridor_sock *agents;
    corridor_sock *control;
    corridor_core *core;
    corridor_orch_stats stats;
    uint64_t seq;
    uint64_t started_ms;
};

corridor_orch *corridor_orch_new(const corridor_orch_config *cfg, char *err, size_t errlen)
{
    corridor_orch *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->cfg = *cfg;
    corridor_core_config cc = {
        .report_interval_ms = cfg->report_interval_ms,
        .suspect_after_ms = cfg->suspect_after_ms,
        .heartbeat_timeout_ms = cfg->heartbeat_timeout_ms,
        .max_nodes = cfg->max_nodes,
    };
    snprintf(cc.orchestrator_id, sizeof cc.orchestrator_id, "%s", cfg->id);
    o->core = corridor_core_new(&cc);
    o->tr = corridor_transport_new();
    if (!o->core || !o->tr) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    corridor_sock_opts so;
    corridor_sock_opts_default(&so);
    so.max_frame_bytes = cfg->limits.max_frame_bytes;
    o->agents = corridor_sock_router_bind(o->tr, cfg->agents_endpoint, &cfg->security, &so, err,
                                          errlen);
    if (!o->agents)
        goto fail;
    o->control = corridor_sock_router_bind(o->tr, cfg->control_endpoint, &cfg->security, &so,
                                           err, errlen);
    if (!o->control)
        goto fail;
    o->started_ms = corridor_clock_mono_ms();
    CLOG_INFO("orch", "listening", "id=%s region=%s agents=%s control=%s interval_ms=%u "
              "suspect_after_ms=%u heartbeat_timeout_ms=%u", cfg->id, cfg->region,
              cfg->agents_endpoint, cfg->control_endpoint, cfg->report_interval_ms,
              corridor_core_config_get(o->core)->suspect_after_ms, cfg->heartbeat_timeout_ms);
    return o;
fail:
    corridor_orch_free(&o);
    return NULL;
}

void corridor_orch_free(corridor_orch **po)
{
    if (!po || !*po)
        return;
    corridor_orch *o = *po;
    corridor_sock_free(&o->agents);
    corridor_sock_free(&o->control);
    corridor_transport_free(&o->tr);
    corridor_core_free(&o->core);
    free(o);
    *po = NULL;
}

corridor_core *corridor_orch_core(corridor_orch *o) { return o->core; }
const corridor_orch_stats *corridor_orch_stats_get(const corridor_orch *o) { return &o->stats; }

/* ---- sending ---- */

static void send_msg(corridor_orch *o, corridor_sock *s, const corridor_peer *peer,
                     corridor_msg *m, uint64_t correlation_id)
{
    m->env.version = CORRIDOR_PROTOCOL_VERSION;
    m->env.seq = ++o->seq;
    m->env.correlation_id = correlation_id;
    m->env.timestamp_us = corridor_clock_wall_us();
    snprintf(m->env.sender_id, sizeof m->env.sender_id, "%s", o->cfg.id);
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = corridor_msg_encode(m, &buf, &len);
    if (rc == 0)
        rc = corridor_sock_send(s, peer, buf, len);
    free(buf);
    if (rc < 0) {
        o->stats.send_errors++;
        char ps[64];
        CLOG_WARN_RL("orch", "send failed", "type=%s peer=%s error=%s",
                     corridor_msg_type_name(m->env.type),
                     corridor_peer_str(peer, ps, sizeof ps), strerror(-rc));
        return;
    }
    o->stats.msgs_out++;
}

static void send_error(corridor_orch *o, corridor_sock *s, const corridor_peer *peer,
                       const corridor_envelope *req, corridor_reject_reason why,
                       const char *detail)
{
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_ERROR);
    m.u.err.reason = why;
    m.u.err.supported_version = CORRIDOR_PROTOCOL_VERSION;
    m.u.err.received_version = req ? req->version : 0;
    snprintf(m.u.err.message, sizeof m.u.err.message, "%s", detail);
    send_msg(o, s, peer, &m, req ? req->seq : 0);
}

/* Log a refused frame and reply with an Error unless the reason says to stay silent (unknown
 * types and multipart frames are dropped without a word, per the protocol). */
static void refuse_frame(corridor_orch *o, corridor_sock *s, const corridor_peer *peer,
                         const corridor_envelope *env, corridor_reject_reason why,
                         const char *detail)
{
    char ps[64];
    CLOG_WARN_RL("orch", "frame rejected", "socket=%s peer=%s reason=%s sender=%s detail=\"%s\"",
                 s == o->agents ? "agents" : "control", corridor_peer_str(peer, ps, sizeof ps),
                 corridor_reject_name(why), env && env->sender_id[0] ? env->sender_id : "-",
                 detail);
    if (why == CORRIDOR_REJECT_UNKNOWN_TYPE || why == CORRIDOR_REJECT_MULTIPART)
        return;
    send_error(o, s, peer, env, why, detail);
}

/* Refused here, before the core saw it: count it too (the core counts its own refusals). */
static void reject(corridor_orch *o, corridor_sock *s, const corridor_peer *peer,
                   const corridor_envelope *env, corridor_reject_reason why, const char *detail)
{
    o->stats.rejected[why]++;
    refuse_frame(o, s, peer, env, why, detail);
}

/* ---- agents ---- */

static void on_register(corridor_orch *o, const corridor_peer *peer, const char *pk,
                        corridor_msg *m, uint64_t now)
{
    const corridor_register *reg = &m->u.reg;
    if (m->env.sender_id[0] && strcmp(m->env.sender_id, reg->node_id) != 0) {
        char d[200];
        snprintf(d, sizeof d, "envelope sender '%s' registers node '%s'", m->env.sender_id,
                 reg->node_id);
        reject(o, o->agents, peer, &m->env, CORRIDOR_REJECT_IDENTITY_MISMATCH, d);
        return;
    }
    corridor_msg ack;
    corridor_msg_init(&ack, CORRIDOR_MSG_REGISTER_ACK);
    corridor_core_register(o->core, now, pk, reg, &ack.u.ack);
    if (!ack.u.ack.accepted)
        CLOG_WARN("orch", "register refused", "node=%s reason=\"%s\"", reg->node_id,
                  ack.u.ack.reason);
    send_msg(o, o->agents, peer, &ack, m->env.seq);
}

static void on_report(corridor_orch *o, const corridor_peer *peer, const char *pk,
                      corridor_msg *m, uint64_t now)
{
    corridor_report *rep = &m->u.report;
    int rc = corridor_core_report(o->core, now, pk, rep);
    if (rc == -ENOENT) {
        char d[200];
        snprintf(d, sizeof d, "connection has not registered (report for '%s'): register first",
                 rep->node_id);
        refuse_frame(o, o->agents, peer, &m->env, CORRIDOR_REJECT_NOT_REGISTERED, d);
    } else if (rc == -EPERM) {
        char d[200];
        snprintf(d, sizeof d, "report names node '%s', not the node this connection registered",
                 rep->node_id);
        refuse_frame(o, o->agents, peer, &m->env, CORRIDOR_REJECT_IDENTITY_MISMATCH, d);
    }
}

static void on_agent_msg(corridor_orch *o, const corridor_peer *peer, corridor_msg *m)
{
    char pk[2 * sizeof peer->id + 1];
    corridor_peer_str(peer, pk, sizeof pk);
    uint64_t now = corridor_clock_mono_ms();
    switch (m->env.type) {
    case CORRIDOR_MSG_REGISTER:
        on_register(o, peer, pk, m, now);
        break;
    case CORRIDOR_MSG_REPORT:
        on_report(o, peer, pk, m, now);
        break;
    case CORRIDOR_MSG_PING: {
        corridor_msg pong;
        corridor_msg_init(&pong, CORRIDOR_MSG_PONG);
        pong.u.ping.origin_timestamp_us = m->u.ping.origin_timestamp_us;
        send_msg(o, o->agents, peer, &pong, m->env.seq);
        break;
    }
    case CORRIDOR_MSG_COMMAND_RESULT:
        CLOG_INFO("orch", "command result", "command=%s status=%d message=\"%s\"",
                  m->u.result.command_id, m->u.result.status, m->u.result.message);
        break;
    default: {
        char d[96];
        snprintf(d, sizeof d, "'%s' is not accepted on the agent socket",
                 corridor_msg_type_name(m->env.type));
        reject(o, o->agents, peer, &m->env, CORRIDOR_REJECT_UNEXPECTED, d);
    }
    }
}

/* ---- control ---- */

static void add_stat(corridor_control_reply *r, size_t cap, const char *name, uint64_t v)
{
    if (r->n_stats >= cap)
        return;
    corridor_stat *s = &r->stats[r->n_stats++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->value = v;
}

static int fill_stats(corridor_orch *o, corridor_control_reply *r)
{
    const size_t cap = 64;
    r->stats = calloc(cap, sizeof *r->stats);
    if (!r->stats)
        return -ENOMEM;
    const corridor_core_stats *cs = corridor_core_stats_get(o->core);
    add_stat(r, cap, "uptime_ms", corridor_clock_mono_ms() - o->started_ms);
    add_stat(r, cap, "msgs_in", o->stats.msgs_in);
    add_stat(r, cap, "msgs_out", o->stats.msgs_out);
    add_stat(r, cap, "send_errors", o->stats.send_errors);
    add_stat(r, cap, "ctl_requests", o->stats.ctl_requests);
    add_stat(r, cap, "registrations", cs->registrations);
    add_stat(r, cap, "reregistrations", cs->reregistrations);
    add_stat(r, cap, "reports", cs->reports);
    add_stat(r, cap, "nodes", corridor_core_node_count(o->core));
    for (int s = 0; s < 3; s++) {
        char name[64];
        snprintf(name, sizeof name, "nodes_%s", corridor_node_state_name(s));
        add_stat(r, cap, name, corridor_core_count_state(o->core, s));
    }
    for (int f = 0; f < 3; f++)
        for (int t = 0; t < 3; t++) {
            if (f == t)
                continue;
            char name[64];
            snprintf(name, sizeof name, "transitions_%s_%s", corridor_node_state_name(f),
                     corridor_node_state_name(t));
            add_stat(r, cap, name, cs->transitions[f][t]);
        }
    for (int i = 1; i < CORRIDOR_REJECT_COUNT; i++) {
        char name[64];
        snprintf(name, sizeof name, "rejected_%s", corridor_reject_name(i));
        add_stat(r, cap, name, o->stats.rejected[i] + cs->rejected[i]);
    }
    return 0;
}

static int fill_nodes(corridor_orch *o, corridor_control_reply *r, const char *only)
{
    uint64_t now = corridor_clock_mono_ms();
    if (only) {
        const corridor_node *n = corridor_core_node(o->core, only);
        if (!n) {
            r->status = -ENOENT;
            snprintf(r->error, sizeof r->error, "no node '%s'", only);
            return 0;
        }
        r->nodes = calloc(1, sizeof *r->nodes);
        if (!r->nodes)
            return -ENOMEM;
        r->n_nodes = 1;
        return corridor_core_node_view(n, now, true, &r->nodes[0]);
    }
    const corridor_node **list;
    size_t n;
    int rc = corridor_core_nodes_sorted(o->core, &list, &n);
    if (rc < 0)
        return rc;
    if (n > o->cfg.limits.max_nodes_reply)
        n = o->cfg.limits.max_nodes_reply;
    r->nodes = calloc(n ? n : 1, sizeof *r->nodes);
    if (!r->nodes) {
        free(list);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n && rc == 0; i++, r->n_nodes++)
        rc = corridor_core_node_view(list[i], now, false, &r->nodes[i]);
    free(list);
    return rc;
}

static void on_control_msg(corridor_orch *o, const corridor_peer *peer, corridor_msg *m)
{
    if (m->env.type != CORRIDOR_MSG_CONTROL_REQUEST) {
        char d[96];
        snprintf(d, sizeof d, "'%s' is not accepted on the control socket",
                 corridor_msg_type_name(m->env.type));
        reject(o, o->control, peer, &m->env, CORRIDOR_REJECT_UNEXPECTED, d);
        return;
    }
    o->stats.ctl_requests++;
    corridor_msg reply;
    corridor_msg_init(&reply, CORRIDOR_MSG_CONTROL_REPLY);
    corridor_control_reply *r = &reply.u.crep;
    snprintf(r->orchestrator_id, sizeof r->orchestrator_id, "%s", o->cfg.id);
    int rc = 0;
    switch (m->u.creq.kind) {
    case CORRIDOR_CTL_LIST_NODES:
        rc = fill_nodes(o, r, NULL);
        break;
    case CORRIDOR_CTL_GET_NODE:
        rc = fill_nodes(o, r, m->u.creq.node_id);
        break;
    case CORRIDOR_CTL_STATS:
        rc = fill_stats(o, r);
        break;
    default:
        r->status = -EOPNOTSUPP;
        snprintf(r->error, sizeof r->error, "unknown control request kind %d", m->u.creq.kind);
    }
    if (rc < 0) {
        corridor_control_reply_fini(r);
        r->status = rc;
        snprintf(r->error, sizeof r->error, "%s", strerror(-rc));
    }
    send_msg(o, o->control, peer, &reply, m->env.seq);
    corridor_msg_fini(&reply);
}

/* ---- receive loop ---- */

static void handle_frame(corridor_orch *o, corridor_sock *s, const corridor_frame *f)
{
    o->stats.msgs_in++;
    if (f->extra_frames) {
        char d[64];
        snprintf(d, sizeof d, "%zu extra frames", f->extra_frames);
        reject(o, s, &f->peer, NULL, CORRIDOR_REJECT_MULTIPART, d);
        return;
    }
    if (f->truncated) {
        char d[128];
        snprintf(d, sizeof d, "frame of %zu bytes exceeds limits.max_frame_bytes (%u)", f->len,
                 o->cfg.limits.max_frame_bytes);
        reject(o, s, &f->peer, NULL, CORRIDOR_REJECT_TOO_LARGE, d);
        return;
    }
    corridor_msg m;
    corridor_decode_error de;
    int rc = corridor_msg_decode(f->data ? f->data : (const uint8_t *)"", f->len,
                                 &o->cfg.limits, &m, &de);
    if (rc < 0) {
        reject(o, s, &f->peer, &m.env, de.reason, de.detail);
        corridor_msg_fini(&m);
        return;
    }
    if ((unsigned)m.env.type < 32)
        o->stats.by_type_in[m.env.type]++;
    if (s == o->agents)
        on_agent_msg(o, &f->peer, &m);
    else
        on_control_msg(o, &f->peer, &m);
    corridor_msg_fini(&m);
}

static void drain(corridor_orch *o, corridor_sock *s)
{
    corridor_frame f;
    for (int i = 0; i < BURST; i++) {
        int rc = corridor_sock_recv(s, &f);
        if (rc <= 0) {
            if (rc < 0 && rc != -EINTR)
                CLOG_WARN_RL("orch", "receive failed", "error=%s", strerror(-rc));
            return;
        }
        handle_frame(o, s, &f);
    }
}

/* Poll the sockets (and stop_fd), handle what arrived, run liveness. 1 = stop requested. */
static int loop_once(corridor_orch *o, int stop_fd, int timeout_ms)
{
    corridor_pollitem items[3] = {{.sock = o->agents}, {.sock = o->control},
                                  {.sock = NULL, .fd = stop_fd}};
    int rc = corridor_poll(items, stop_fd >= 0 ? 3 : 2, timeout_ms);
    if (rc < 0 && rc != -EINTR)
        return rc;
    if (stop_fd >= 0 && items[2].readable)
        return 1;
    if (items[0].readable)
        drain(o, o->agents);
    if (items[1].readable)
        drain(o, o->control);
    corridor_core_tick(o->core, corridor_clock_mono_ms());
    return 0;
}

int corridor_orch_step(corridor_orch *o, int timeout_ms)
{
    int rc = loop_once(o, -1, timeout_ms);
    return rc < 0 ? rc : 0;
}

int corridor_orch_run(corridor_orch *o, int stop_fd, uint64_t max_ms)
{
    uint64_t start = corridor_clock_mono_ms();
    for (;;) {
        uint64_t now = corridor_clock_mono_ms();
        if (max_ms && now - start >= max_ms)
            return 0;
        /* wake for the next liveness transition, but at least every 250 ms */
        uint64_t wait = corridor_core_next_tick_ms(o->core, now);
        if (wait > 250)
            wait = 250;
        int rc = loop_once(o, stop_fd, (int)wait + 1);
        if (rc != 0)
            return rc > 0 ? 0 : rc;
    }
}
