#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "host.h"
#include "log.h"
#include "msg.h"
#include "transport.h"

struct corridor_agent {
    corridor_agent_config cfg;
    corridor_transport *tr;
    corridor_sock *sock;
    corridor_host host;
    corridor_register identity;
    corridor_agent_state state;
    corridor_agent_stats stats;
    uint32_t interval_ms;           /* from the RegisterAck; the config's until then */
    uint32_t register_backoff_ms;
    uint64_t next_register_ms, next_report_ms;
    uint64_t seq;
    bool unreachable;               /* last send failed: logged once per outage */
    bool ever_connected;
};

static void build_identity(corridor_agent *a)
{
    const corridor_agent_config *c = &a->cfg;
    corridor_register *r = &a->identity;
    memset(r, 0, sizeof *r);
    snprintf(r->node_id, sizeof r->node_id, "%s", c->node_id);
    snprintf(r->plmn, sizeof r->plmn, "%s", c->plmn);
    snprintf(r->country, sizeof r->country, "%s", c->country);
    snprintf(r->region, sizeof r->region, "%s", c->region);
    snprintf(r->agent_version, sizeof r->agent_version, "%s", CORRIDOR_VERSION);
    r->tier = (corridor_tier)c->tier;
    r->lat = c->lat;
    r->lon = c->lon;
    uint32_t cpu = 0;
    uint64_t mem = 0;
    corridor_host_capacity(&a->host, &cpu, &mem);
    r->capacity.cpu_millicores = c->cpu_millicores ? c->cpu_millicores : cpu;
    r->capacity.memory_bytes = c->memory_mb ? c->memory_mb * 1024 * 1024 : mem;
    r->capacity.gpu_count = c->gpus;
    r->capacity.gpu_memory_bytes = c->gpu_memory_mb * 1024 * 1024;
}

corridor_agent *corridor_agent_new(const corridor_agent_config *cfg, char *err, size_t errlen)
{
    corridor_agent *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    corridor_host_init(&a->host, "/proc");
    corridor_report prime = {0}; /* CPU % needs two samples: take the first one now */
    corridor_host_collect(&a->host, &prime);
    build_identity(a);
    a->interval_ms = cfg->report_interval_ms;
    a->register_backoff_ms = cfg->register_timeout_ms;
    a->tr = corridor_transport_new();
    if (!a->tr) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    corridor_sock_opts so;
    corridor_sock_opts_default(&so);
    so.max_frame_bytes = cfg->max_frame_bytes;
    so.reconnect_min_ms = cfg->reconnect_min_ms;
    so.reconnect_max_ms = cfg->reconnect_max_ms;
    so.sndhwm = 16; /* a few reports at most wait for a slow link; older ones are worthless */
    a->sock = corridor_sock_dealer_connect(a->tr, cfg->orchestrator_endpoint, &cfg->security,
                                           &so, err, errlen);
    if (!a->sock)
        goto fail;
    CLOG_INFO("agent", "starting", "node=%s operator=%s country=%s tier=%s orchestrator=%s "
              "cpu_millicores=%u memory_mb=%llu gpus=%u", a->identity.node_id, a->identity.plmn,
              a->identity.country, corridor_tier_name(a->identity.tier),
              cfg->orchestrator_endpoint, a->identity.capacity.cpu_millicores,
              (unsigned long long)(a->identity.capacity.memory_bytes >> 20),
              a->identity.capacity.gpu_count);
    return a;
fail:
    corridor_agent_free(&a);
    return NULL;
}

void corridor_agent_free(corridor_agent **pa)
{
    if (!pa || !*pa)
        return;
    corridor_sock_free(&(*pa)->sock);
    corridor_transport_free(&(*pa)->tr);
    free(*pa);
    *pa = NULL;
}

corridor_agent_state corridor_agent_state_get(const corridor_agent *a) { return a->state; }
const corridor_agent_stats *corridor_agent_stats_get(const corridor_agent *a) { return &a->stats; }

static int send_msg(corridor_agent *a, corridor_msg *m, uint64_t correlation_id)
{
    m->env.version = CORRIDOR_PROTOCOL_VERSION;
    m->env.seq = ++a->seq;
    m->env.correlation_id = correlation_id;
    m->env.timestamp_us = corridor_clock_wall_us();
    snprintf(m->env.sender_id, sizeof m->env.sender_id, "%s", a->identity.node_id);
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = corridor_msg_encode(m, &buf, &len);
    if (rc == 0)
        rc = corridor_sock_send(a->sock, NULL, buf, len);
    free(buf);
    if (rc < 0) {
        a->stats.send_failures++;
        if (!a->unreachable && a->ever_connected)
            CLOG_WARN("agent", "orchestrator unreachable", "endpoint=%s error=%s",
                      a->cfg.orchestrator_endpoint, strerror(-rc));
        else if (!a->unreachable)
            CLOG_INFO("agent", "waiting for orchestrator", "endpoint=%s", a->cfg.orchestrator_endpoint);
        a->unreachable = true;
        return rc;
    }
    if (a->unreachable)
        CLOG_INFO("agent", "orchestrator reachable", "endpoint=%s", a->cfg.orchestrator_endpoint);
    a->unreachable = false;
    a->ever_connected = true;
    return 0;
}

static void send_register(corridor_agent *a, uint64_t now)
{
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_REGISTER);
    m.u.reg = a->identity;
    if (send_msg(a, &m, 0) < 0) {
        /* not connected yet: ZeroMQ reconnects with its own backoff, try again shortly */
        a->next_register_ms = now + a->cfg.reconnect_min_ms;
        return;
    }
    a->stats.registers_sent++;
    /* sent but not acked in time: retry, backing off exponentially to reconnect_max_ms */
    a->next_register_ms = now + a->register_backoff_ms;
    uint32_t cap = a->cfg.reconnect_max_ms > a->cfg.register_timeout_ms
                       ? a->cfg.reconnect_max_ms : a->cfg.register_timeout_ms;
    a->register_backoff_ms = a->register_backoff_ms * 2 > cap ? cap : a->register_backoff_ms * 2;
}

static void send_report(corridor_agent *a, uint64_t now)
{
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    corridor_report *r = &m.u.report;
    snprintf(r->node_id, sizeof r->node_id, "%s", a->identity.node_id);
    /* GPU, routing and workload collectors fill the rest (agent issue); until then the
     * report says plainly that it carries no GPU source. */
    snprintf(r->gpu_source, sizeof r->gpu_source, "none");
    int rc = corridor_host_collect(&a->host, r);
    if (rc < 0)
        CLOG_WARN_RL("agent", "host collector failed", "error=%s", strerror(-rc));
    if (send_msg(a, &m, 0) == 0)
        a->stats.reports_sent++;
    corridor_msg_fini(&m);
    a->next_report_ms += a->interval_ms;
    if (a->next_report_ms <= now) /* we fell behind (stopped process): do not burst */
        a->next_report_ms = now + a->interval_ms;
}

static void enter_registering(corridor_agent *a, uint64_t now, const char *why)
{
    CLOG_INFO("agent", "registering", "node=%s reason=\"%s\"", a->identity.node_id, why);
    a->state = CORRIDOR_AGENT_REGISTERING;
    a->register_backoff_ms = a->cfg.register_timeout_ms;
    a->next_register_ms = now;
}

static void on_ack(corridor_agent *a, const corridor_register_ack *ack, uint64_t now)
{
    if (!ack->accepted) {
        a->stats.refusals++;
        CLOG_ERROR("agent", "registration refused", "node=%s reason=\"%s\"",
                   a->identity.node_id, ack->reason);
        /* a refusal is a configuration problem: retry slowly, it may be fixed centrally */
        a->next_register_ms = now + a->cfg.reconnect_max_ms;
        return;
    }
    a->stats.acks++;
    if (ack->report_interval_ms)
        a->interval_ms = ack->report_interval_ms;
    CLOG_INFO("agent", "registered", "node=%s orchestrator=%s report_interval_ms=%u "
              "heartbeat_timeout_ms=%u", a->identity.node_id, ack->orchestrator_id,
              a->interval_ms, ack->heartbeat_timeout_ms);
    a->state = CORRIDOR_AGENT_REGISTERED;
    a->next_report_ms = now; /* first report right away: the orchestrator sees us at once */
}

static void on_command(corridor_agent *a, const corridor_msg *m)
{
    corridor_msg res;
    corridor_msg_init(&res, CORRIDOR_MSG_COMMAND_RESULT);
    snprintf(res.u.result.command_id, sizeof res.u.result.command_id, "%s",
             m->u.cmd.command_id);
    res.u.result.status = CORRIDOR_RESULT_UNSUPPORTED;
    res.u.result.error_code = -EOPNOTSUPP;
    snprintf(res.u.result.message, sizeof res.u.result.message,
             "command kind %d is not supported by agent %s", m->u.cmd.kind, CORRIDOR_VERSION);
    send_msg(a, &res, m->env.seq);
}

static void on_frame(corridor_agent *a, const corridor_frame *f, uint64_t now)
{
    a->stats.msgs_in++;
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    lim.max_frame_bytes = a->cfg.max_frame_bytes;
    corridor_msg m;
    corridor_decode_error de;
    if (f->truncated || f->extra_frames ||
        corridor_msg_decode(f->data ? f->data : (const uint8_t *)"", f->len, &lim, &m, &de) < 0) {
        a->stats.rejected_in++;
        CLOG_WARN_RL("agent", "frame from orchestrator rejected", "detail=\"%s\"",
                     f->truncated ? "too large" : f->extra_frames ? "multipart" : de.detail);
        if (!f->truncated && !f->extra_frames)
            corridor_msg_fini(&m);
        return;
    }
    switch (m.env.type) {
    case CORRIDOR_MSG_REGISTER_ACK:
        on_ack(a, &m.u.ack, now);
        break;
    case CORRIDOR_MSG_ERROR:
        a->stats.errors_received++;
        if (m.u.err.reason == CORRIDOR_REJECT_NOT_REGISTERED) {
            if (a->state == CORRIDOR_AGENT_REGISTERED)
                enter_registering(a, now, "orchestrator does not know this connection");
        } else {
            CLOG_WARN_RL("agent", "orchestrator error", "reason=%s message=\"%s\"",
                         corridor_reject_name(m.u.err.reason), m.u.err.message);
        }
        break;
    case CORRIDOR_MSG_COMMAND:
        on_command(a, &m);
        break;
    case CORRIDOR_MSG_PONG:
        break;
    default:
        a->stats.rejected_in++;
        CLOG_WARN_RL("agent", "unexpected message", "type=%s", corridor_msg_type_name(m.env.type));
    }
    corridor_msg_fini(&m);
}

int corridor_agent_run(corridor_agent *a, int stop_fd, uint64_t max_ms)
{
    uint64_t start = corridor_clock_mono_ms();
    enter_registering(a, start, "start");
    for (;;) {
        uint64_t now = corridor_clock_mono_ms();
        if (max_ms && now - start >= max_ms)
            return 0;
        if (a->state == CORRIDOR_AGENT_REGISTERING && now >= a->next_register_ms)
            send_register(a, now);
        if (a->state == CORRIDOR_AGENT_REGISTERED && now >= a->next_report_ms)
            send_report(a, now);
        uint64_t next = a->state == CORRIDOR_AGENT_REGISTERING ? a->next_register_ms
                                                                : a->next_report_ms;
        int wait = next > now ? (int)(next - now) : 0;
        corridor_pollitem items[2] = {{.sock = a->sock}, {.sock = NULL, .fd = stop_fd}};
        int rc = corridor_poll(items, stop_fd >= 0 ? 2 : 1, wait);
        if (rc < 0 && rc != -EINTR)
            return rc;
        if (stop_fd >= 0 && items[1].readable)
            return 0;
        if (!items[0].readable)
            continue;
        corridor_frame f;
        for (int i = 0; i < 64 && corridor_sock_recv(a->sock, &f) == 1; i++)
            on_frame(a, &f, corridor_clock_mono_ms());
    }
}
