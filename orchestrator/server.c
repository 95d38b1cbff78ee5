#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "msg.h"
#include "msg_send.h"
#include "transport.h"
#include "server_internal.h"
#include "workloads.h"

#define BURST 256 /* frames per socket per loop turn, so one busy socket cannot starve another */



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
        .instance_tag = (uint32_t)(corridor_clock_wall_us() / 1000000),
    };
    snprintf(cc.orchestrator_id, sizeof cc.orchestrator_id, "%s", cfg->id);
    o->core = corridor_core_new(&cc);
    if (o->core)
        corridor_core_set_place_config(o->core, &cfg->place);
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
    if (corridor_orch_control_init(o) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
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
    corridor_orch_control_fini(o);
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

void corridor_orch_send(corridor_orch *o, corridor_sock *s, const corridor_peer *peer,
                     corridor_msg *m, uint64_t correlation_id)
{
    int rc = corridor_msg_send(s, peer, m, o->cfg.id, &o->seq, correlation_id);
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
    corridor_orch_send(o, s, peer, &m, req ? req->seq : 0);
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
void corridor_orch_reject(corridor_orch *o, corridor_sock *s, const corridor_peer *peer,
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
        corridor_orch_reject(o, o->agents, peer, &m->env, CORRIDOR_REJECT_IDENTITY_MISMATCH, d);
        return;
    }
    corridor_msg ack;
    corridor_msg_init(&ack, CORRIDOR_MSG_REGISTER_ACK);
    corridor_core_register(o->core, now, pk, reg, &ack.u.ack);
    if (!ack.u.ack.accepted)
        CLOG_WARN("orch", "register refused", "node=%s reason=\"%s\"", reg->node_id,
                  ack.u.ack.reason);
    corridor_orch_send(o, o->agents, peer, &ack, m->env.seq);
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

static void on_command_result(corridor_orch *o, const corridor_peer *peer, const char *pk,
                              corridor_msg *m, uint64_t now)
{
    const corridor_command_result *r = &m->u.result;
    const corridor_node *n = corridor_core_node_by_peer(o->core, pk);
    if (!n) {
        corridor_orch_reject(o, o->agents, peer, &m->env, CORRIDOR_REJECT_NOT_REGISTERED,
                             "command result from a connection that has not registered");
        return;
    }
    CLOG_INFO("orch", "command result", "node=%s command=%s status=%d error=%d message=\"%s\"",
              n->identity.node_id, r->command_id, r->status, r->error_code, r->message);
    if (corridor_orch_control_result(o, n->identity.node_id, r))
        return;
    if (corridor_core_command_result(o->core, now, n->identity.node_id, r) == -ENOENT)
        CLOG_WARN_RL("orch", "result for an unknown command", "node=%s command=%s",
                     n->identity.node_id, r->command_id);
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
        corridor_orch_send(o, o->agents, peer, &pong, m->env.seq);
        break;
    }
    case CORRIDOR_MSG_COMMAND_RESULT:
        on_command_result(o, peer, pk, m, now);
        break;
    default: {
        char d[96];
        snprintf(d, sizeof d, "'%s' is not accepted on the agent socket",
                 corridor_msg_type_name(m->env.type));
        corridor_orch_reject(o, o->agents, peer, &m->env, CORRIDOR_REJECT_UNEXPECTED, d);
    }
    }
}

/* ---- commands to agents ---- */

int corridor_orch_send_command(corridor_orch *o, const char *node_id, corridor_command *cmd)
{
    const corridor_node *n = corridor_core_node(o->core, node_id);
    if (!n)
        return -ENOENT;
    corridor_peer peer;
    if (!n->peer || n->state == CORRIDOR_NODE_DEAD || corridor_peer_parse(n->peer, &peer) < 0)
        return -EHOSTUNREACH;
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_COMMAND);
    m.u.cmd = *cmd; /* borrowed for the encode */
    uint64_t before = o->stats.send_errors;
    corridor_orch_send(o, o->agents, &peer, &m, 0);
    return o->stats.send_errors != before ? -EHOSTUNREACH : 0;
}

/* Send what the core decided; a command that cannot leave fails back into the core. */
static void flush_outbox(corridor_orch *o, uint64_t now)
{
    char node[CORRIDOR_ID_MAX + 1];
    corridor_command cmd;
    while (corridor_core_next_command(o->core, node, sizeof node, &cmd) == 1) {
        int rc = corridor_orch_send_command(o, node, &cmd);
        if (rc < 0) {
            corridor_command_result res = {.status = CORRIDOR_RESULT_FAILED, .error_code = rc};
            snprintf(res.command_id, sizeof res.command_id, "%s", cmd.command_id);
            snprintf(res.message, sizeof res.message, "could not reach node %s: %s", node,
                     strerror(-rc));
            corridor_core_command_result(o->core, now, node, &res);
        }
        corridor_command_fini(&cmd);
    }
}

/* ---- receive loop ---- */

static void handle_frame(corridor_orch *o, corridor_sock *s, const corridor_frame *f)
{
    o->stats.msgs_in++;
    if (f->extra_frames) {
        char d[64];
        snprintf(d, sizeof d, "%zu extra frames", f->extra_frames);
        corridor_orch_reject(o, s, &f->peer, NULL, CORRIDOR_REJECT_MULTIPART, d);
        return;
    }
    if (f->truncated) {
        char d[128];
        snprintf(d, sizeof d, "frame of %zu bytes exceeds limits.max_frame_bytes (%u)", f->len,
                 o->cfg.limits.max_frame_bytes);
        corridor_orch_reject(o, s, &f->peer, NULL, CORRIDOR_REJECT_TOO_LARGE, d);
        return;
    }
    corridor_msg m;
    corridor_decode_error de;
    int rc = corridor_msg_decode(f->data ? f->data : (const uint8_t *)"", f->len,
                                 &o->cfg.limits, &m, &de);
    if (rc < 0) {
        corridor_orch_reject(o, s, &f->peer, &m.env, de.reason, de.detail);
        corridor_msg_fini(&m);
        return;
    }
    if ((unsigned)m.env.type < 32)
        o->stats.by_type_in[m.env.type]++;
    if (s == o->agents)
        on_agent_msg(o, &f->peer, &m);
    else
        corridor_orch_on_control(o, &f->peer, &m);
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

/* Liveness and the workload timers run at this period, not after every message: a tick walks
 * every node, and report ingest must not pay for that per frame. */
#define TICK_MS 20

/* Poll the sockets (and stop_fd), handle what arrived, run the timers when due.
 * 1 = stop requested. */
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
    uint64_t now = corridor_clock_mono_ms();
    if (now - o->last_tick_ms >= TICK_MS) {
        o->last_tick_ms = now;
        corridor_core_tick(o->core, now);
        corridor_orch_control_expire(o, now);
    }
    flush_outbox(o, now); /* a deploy or a result may have queued commands */
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
        uint64_t since = now - o->last_tick_ms;
        int wait = since >= TICK_MS ? 0 : (int)(TICK_MS - since);
        int rc = loop_once(o, stop_fd, wait);
        if (rc != 0)
            return rc > 0 ? 0 : rc;
    }
}
