#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "dpstats.h"
#include "exec/exec.h"
#include "gpu/gpu.h"
#include "host.h"
#include "log.h"
#include "msg.h"
#include "msg_send.h"
#include "netlink/nl_watch.h"
#include "peers.h"
#include "steering.h"
#include "transport.h"

#define MAX_POLL_FDS 256         /* workload pidfds watched at once (more are reaped by tick) */
#define PING_RING 8              /* outstanding pings remembered for RTT */
#define RESULT_CACHE 64          /* recent command results, for idempotent re-delivery */

#define RESULT_CACHE_MS 60000   /* a retry comes within seconds; ids may repeat later */

/* A command and its result, so a re-delivered command is answered without running twice.
 * Matched on id, kind and target, and only for a minute: command ids are the sender's, and a
 * restarted sender may count from 1 again. */
typedef struct {
    char command_id[CORRIDOR_ID_MAX + 1];
    corridor_command_kind kind;
    char instance_id[CORRIDOR_ID_MAX + 1];
    char ue_prefix[CORRIDOR_ADDR_MAX + 1];
    uint64_t at_ms;
    corridor_command_result result;
} cached_result;

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

    /* collectors and executors; each NULL when disabled or unavailable (then said once) */
    corridor_gpu_source *gpu;
    corridor_nlwatch *nl;
    corridor_steering_table *steer;
    corridor_exec *exec;
    corridor_peers *peers;          /* RTT to peer nodes; NULL without rtt.listen/rtt.peers */
    corridor_dpstats *dp;           /* the node's dataplane; NULL without dataplane.endpoint */
    char exec_unavailable[256];     /* why workloads cannot run here */
    char steer_unavailable[256];
    uint64_t last_report_ms;
    bool report_due;                /* a change wants a report before the next tick */
    uint32_t reports_since_resync;

    /* RTT to the orchestrator from PING/PONG (pong.correlation_id = ping seq) */
    struct { uint64_t seq, sent_us; } pings[PING_RING];
    size_t ping_next;
    uint64_t next_ping_ms;
    uint32_t srtt_us;

    cached_result results[RESULT_CACHE];
    size_t result_next;
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

/* Collectors and executors. Only a configuration error stops the agent (a GPU file that is
 * not there); missing drivers, privileges or directories leave that part off and say why. */
static int open_collectors(corridor_agent *a, char *err, size_t errlen)
{
    const corridor_agent_config *c = &a->cfg;
    corridor_gpu_config gc;
    memset(&gc, 0, sizeof gc);
    snprintf(gc.source, sizeof gc.source, "%s", c->gpu_source);
    snprintf(gc.file, sizeof gc.file, "%s", c->gpu_file);
    snprintf(gc.nvml_library, sizeof gc.nvml_library, "%s", c->gpu_nvml_library);
    snprintf(gc.cuda_library, sizeof gc.cuda_library, "%s", c->gpu_cuda_library);
    char msg[1200];
    a->gpu = corridor_gpu_source_new(&gc, msg, sizeof msg);
    if (!a->gpu && strcmp(gc.source, "file") == 0) {
        snprintf(err, errlen, "gpu.file: %s", msg);
        return -EINVAL;
    }
    if (!a->gpu) {
        CLOG_WARN("agent", "GPU source unavailable: reporting no GPUs", "source=%s error=\"%s\"",
                  gc.source, msg);
        snprintf(gc.source, sizeof gc.source, "none");
        a->gpu = corridor_gpu_source_new(&gc, msg, sizeof msg);
        if (!a->gpu) {
            snprintf(err, errlen, "%s", msg);
            return -ENOMEM;
        }
    }
    if (c->routing_enabled && !c->n_routing_tables && !c->n_routing_interfaces) {
        CLOG_INFO("agent", "routing collector off: no routing.tables or routing.interfaces", "%s",
                  "");
    } else if (c->routing_enabled) {
        corridor_nlwatch_config nc;
        memset(&nc, 0, sizeof nc);
        memcpy(nc.tables, c->routing_tables, sizeof nc.tables);
        nc.n_tables = c->n_routing_tables;
        memcpy(nc.interfaces, c->routing_interfaces, sizeof nc.interfaces);
        nc.n_interfaces = c->n_routing_interfaces;
        memcpy(nc.gateways, c->routing_gateways, sizeof nc.gateways);
        nc.n_gateways = c->n_routing_gateways;
        nc.max_routes = c->routing_max_routes;
        a->nl = corridor_nlwatch_new(&nc, msg, sizeof msg);
        if (!a->nl)
            CLOG_WARN("agent", "routing collector unavailable: reporting no routes",
                      "error=\"%s\"", msg);
    }
    char state_dir[sizeof c->workloads_state_dir];
    if (c->workloads_state_dir[0])
        snprintf(state_dir, sizeof state_dir, "%s", c->workloads_state_dir);
    else
        snprintf(state_dir, sizeof state_dir, "/var/lib/corridor/%s", c->node_id);
    if (c->steering_enabled) {
        corridor_steering_config sc;
        memset(&sc, 0, sizeof sc);
        sc.table = c->steering_table;
        sc.rule_priority = c->steering_priority;
        sc.protocol = c->steering_protocol;
        sc.max_rules = c->steering_max_rules;
        if (mkdir(state_dir, 0755) == 0 || errno == EEXIST)
            snprintf(sc.state_file, sizeof sc.state_file, "%.490s/steering.json", state_dir);
        else
            CLOG_WARN("agent", "steering rules will not survive an agent crash",
                      "state_dir=%s error=\"%s\"", state_dir, strerror(errno));
        a->steer = corridor_steering_new(&sc, msg, sizeof msg);
        size_t kept = 0, removed = 0;
        if (a->steer && corridor_steering_reconcile(a->steer, &kept, &removed) == 0) {
            if (kept || removed)
                CLOG_INFO("agent", "steering reconciled", "kept=%zu removed=%zu", kept, removed);
        } else if (a->steer) {
            CLOG_WARN("agent", "steering reconcile failed", "table=%u", sc.table);
        } else {
            snprintf(a->steer_unavailable, sizeof a->steer_unavailable, "%.200s", msg);
            CLOG_WARN("agent", "steering unavailable", "error=\"%s\"", msg);
        }
    } else {
        snprintf(a->steer_unavailable, sizeof a->steer_unavailable,
                 "steering is disabled (steering.enabled: false)");
    }
    if (c->workloads_enabled) {
        corridor_exec_config ec;
        memset(&ec, 0, sizeof ec);
        snprintf(ec.node_id, sizeof ec.node_id, "%s", c->node_id);
        snprintf(ec.state_dir, sizeof ec.state_dir, "%.2000s", state_dir);
        snprintf(ec.log_dir, sizeof ec.log_dir, "%.2000s", c->workloads_log_dir);
        snprintf(ec.cgroup_root, sizeof ec.cgroup_root, "%.2000s", c->workloads_cgroup_root);
        ec.max_workloads = c->workloads_max;
        ec.stop_grace_ms = c->workloads_stop_grace_ms;
        ec.backoff_min_ms = c->workloads_backoff_min_ms;
        ec.backoff_max_ms = c->workloads_backoff_max_ms;
        ec.backoff_reset_ms = 10000;
        a->exec = corridor_exec_new(&ec, corridor_clock_mono_ms(), msg, sizeof msg);
        if (!a->exec) {
            snprintf(a->exec_unavailable, sizeof a->exec_unavailable, "%.200s", msg);
            CLOG_WARN("agent", "workloads unavailable", "error=\"%s\"", msg);
        }
    } else {
        snprintf(a->exec_unavailable, sizeof a->exec_unavailable,
                 "workloads are disabled (workloads.enabled: false)");
    }
    return 0;
}

corridor_agent *corridor_agent_new(const corridor_agent_config *cfg, char *err, size_t errlen)
{
    corridor_agent *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    if (open_collectors(a, err, errlen) < 0)
        goto fail;
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
    if (cfg->rtt_listen[0] || cfg->n_rtt_peers) {
        a->peers = corridor_peers_new(a->tr, cfg, err, errlen);
        if (!a->peers)
            goto fail;
    }
    if (cfg->dp_endpoint[0]) {
        a->dp = corridor_dpstats_new(a->tr, cfg, err, errlen);
        if (!a->dp)
            goto fail;
    }
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
    corridor_peers_free(&(*pa)->peers);
    corridor_dpstats_free(&(*pa)->dp);
    corridor_transport_free(&(*pa)->tr);
    corridor_gpu_source_free(&(*pa)->gpu);
    corridor_nlwatch_free(&(*pa)->nl);
    corridor_steering_free(&(*pa)->steer);
    corridor_exec_free(&(*pa)->exec);
    free(*pa);
    *pa = NULL;
}

corridor_agent_state corridor_agent_state_get(const corridor_agent *a) { return a->state; }
const corridor_agent_stats *corridor_agent_stats_get(const corridor_agent *a) { return &a->stats; }

static int send_msg(corridor_agent *a, corridor_msg *m, uint64_t correlation_id)
{
    int rc = corridor_msg_send(a->sock, NULL, m, a->identity.node_id, &a->seq, correlation_id);
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

static void send_report(corridor_agent *a, uint64_t now, bool immediate)
{
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    corridor_report *r = &m.u.report;
    snprintf(r->node_id, sizeof r->node_id, "%s", a->identity.node_id);
    int rc = corridor_host_collect(&a->host, r);
    if (rc < 0)
        CLOG_WARN_RL("agent", "host collector failed", "error=%s", strerror(-rc));
    corridor_gpu_source_collect(a->gpu, r); /* failures logged once inside */
    if (a->nl) {
        if (!immediate && ++a->reports_since_resync >= a->cfg.routing_resync_intervals) {
            a->reports_since_resync = 0;
            corridor_nlwatch_resync(a->nl); /* heals notifications lost on the way */
        }
        if ((rc = corridor_nlwatch_collect(a->nl, r)) < 0)
            CLOG_WARN_RL("agent", "routing collector failed", "error=%s", strerror(-rc));
    }
    r->routes_full = true; /* the orchestrator replaces its view with each report */
    if (a->exec && corridor_exec_collect(a->exec, r) < 0)
        CLOG_WARN_RL("agent", "workload collector failed", "error=%s", strerror(ENOMEM));
    r->rtt_us = a->srtt_us;
    corridor_peers_collect(a->peers, r);
    if (corridor_dpstats_collect(a->dp, now, r) < 0)
        CLOG_WARN_RL("agent", "dataplane summary left out", "error=%s", strerror(ENOMEM));
    if (send_msg(a, &m, 0) == 0) {
        a->stats.reports_sent++;
        if (immediate) {
            a->stats.reports_immediate++;
            CLOG_DEBUG("agent", "change reported", "routes=%zu links=%zu workloads=%zu",
                       r->n_routes, r->n_links, r->n_workloads);
        }
    }
    corridor_msg_fini(&m);
    a->last_report_ms = now;
    a->report_due = false;
    if (immediate) {
        /* the heartbeat schedule stays as it was */
    } else {
        a->next_report_ms += a->interval_ms;
        if (a->next_report_ms <= now) /* we fell behind (stopped process): do not burst */
            a->next_report_ms = now + a->interval_ms;
    }
}

/* A change (route, link, GPU file, workload state) wants the orchestrator to know now, but
 * a burst of changes gives one report per routing.min_report_gap_ms. */
static uint64_t immediate_at(const corridor_agent *a)
{
    if (!a->report_due || a->state != CORRIDOR_AGENT_REGISTERED)
        return UINT64_MAX;
    return a->last_report_ms + a->cfg.routing_min_gap_ms;
}

static void send_ping(corridor_agent *a, uint64_t now)
{
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_PING);
    m.u.ping.origin_timestamp_us = corridor_clock_wall_us();
    uint64_t sent = corridor_clock_mono_us();
    if (send_msg(a, &m, 0) == 0) {
        a->pings[a->ping_next].seq = a->seq;
        a->pings[a->ping_next].sent_us = sent;
        a->ping_next = (a->ping_next + 1) % PING_RING;
    }
    a->next_ping_ms = now + a->cfg.rtt_ping_interval_ms;
}

static void on_pong(corridor_agent *a, const corridor_msg *m)
{
    uint64_t now = corridor_clock_mono_us();
    for (size_t i = 0; i < PING_RING; i++) {
        if (!a->pings[i].seq || a->pings[i].seq != m->env.correlation_id)
            continue;
        uint64_t sample = now - a->pings[i].sent_us;
        a->pings[i].seq = 0;
        if (sample > UINT32_MAX)
            return;
        /* smoothed like TCP's SRTT (RFC 6298, alpha 1/8) */
        a->srtt_us = a->srtt_us ? (uint32_t)((7ull * a->srtt_us + sample) / 8) : (uint32_t)sample;
        a->stats.pongs++;
        return;
    }
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

/* Run one command; the outcome goes in *r. */
static void execute(corridor_agent *a, const corridor_command *c, corridor_command_result *r)
{
    uint64_t now = corridor_clock_mono_ms();
    int rc;
    const char *off = NULL;
    switch (c->kind) {
    case CORRIDOR_CMD_START_WORKLOAD:
    case CORRIDOR_CMD_STOP_WORKLOAD:
        if (!a->exec) {
            off = a->exec_unavailable;
            break;
        }
        rc = c->kind == CORRIDOR_CMD_START_WORKLOAD
                 ? corridor_exec_start(a->exec, c, now, r->message, sizeof r->message)
                 : corridor_exec_stop(a->exec, c->instance_id, now, r->message,
                                      sizeof r->message);
        r->status = rc == 0 ? CORRIDOR_RESULT_OK
                    : rc == -EINVAL ? CORRIDOR_RESULT_INVALID : CORRIDOR_RESULT_FAILED;
        r->error_code = rc;
        a->report_due = true; /* the new state reaches the orchestrator at once */
        return;
    case CORRIDOR_CMD_INSTALL_STEERING:
    case CORRIDOR_CMD_REMOVE_STEERING:
        if (!a->steer) {
            off = a->steer_unavailable;
            break;
        }
        rc = c->kind == CORRIDOR_CMD_INSTALL_STEERING
                 ? corridor_steering_install(a->steer, &c->steering, r->message,
                                             sizeof r->message)
                 : corridor_steering_remove(a->steer, &c->steering, r->message,
                                            sizeof r->message);
        r->status = rc == 0 ? CORRIDOR_RESULT_OK
                    : rc == -EINVAL ? CORRIDOR_RESULT_INVALID : CORRIDOR_RESULT_FAILED;
        r->error_code = rc;
        return;
    default:
        r->status = CORRIDOR_RESULT_UNSUPPORTED;
        r->error_code = -EOPNOTSUPP;
        snprintf(r->message, sizeof r->message, "command kind %d is not supported by agent %s",
                 c->kind, CORRIDOR_VERSION);
        return;
    }
    r->status = CORRIDOR_RESULT_FAILED;
    r->error_code = -EOPNOTSUPP;
    snprintf(r->message, sizeof r->message, "%s", off);
}

static void on_command(corridor_agent *a, const corridor_msg *m)
{
    const corridor_command *c = &m->u.cmd;
    corridor_msg res;
    corridor_msg_init(&res, CORRIDOR_MSG_COMMAND_RESULT);
    corridor_command_result *r = &res.u.result;
    snprintf(r->command_id, sizeof r->command_id, "%s", c->command_id);
    /* the same command id again (a retry after a lost result) gets the same answer */
    uint64_t now = corridor_clock_mono_ms();
    for (size_t i = 0; i < RESULT_CACHE; i++) {
        const cached_result *x = &a->results[i];
        if (x->command_id[0] && now - x->at_ms < RESULT_CACHE_MS && x->kind == c->kind &&
            strcmp(x->command_id, c->command_id) == 0 &&
            strcmp(x->instance_id, c->instance_id) == 0 &&
            strcmp(x->ue_prefix, c->steering.ue_prefix) == 0) {
            *r = x->result;
            a->stats.commands_repeated++;
            send_msg(a, &res, m->env.seq);
            return;
        }
    }
    execute(a, c, r);
    a->stats.commands++;
    CLOG_INFO("agent", "command", "id=%s kind=%d instance=%s status=%d error=%d message=\"%s\"",
              c->command_id, c->kind, c->instance_id, r->status, r->error_code, r->message);
    cached_result *slot = &a->results[a->result_next];
    a->result_next = (a->result_next + 1) % RESULT_CACHE;
    snprintf(slot->command_id, sizeof slot->command_id, "%s", c->command_id);
    snprintf(slot->instance_id, sizeof slot->instance_id, "%s", c->instance_id);
    snprintf(slot->ue_prefix, sizeof slot->ue_prefix, "%s", c->steering.ue_prefix);
    slot->kind = c->kind;
    slot->at_ms = now;
    slot->result = *r;
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
        on_pong(a, &m);
        break;
    default:
        a->stats.rejected_in++;
        CLOG_WARN_RL("agent", "unexpected message", "type=%s", corridor_msg_type_name(m.env.type));
    }
    corridor_msg_fini(&m);
}

/* A clean stop: local steering rules go (workloads stay: they outlive the agent). */
static void shutdown_clean(corridor_agent *a)
{
    if (a->steer)
        corridor_steering_remove_all(a->steer);
    if (a->nl) {
        const corridor_nlwatch_stats *s = corridor_nlwatch_stats_get(a->nl);
        CLOG_INFO("agent", "routing collector", "notifications=%llu relevant=%llu resyncs=%llu "
                  "overflows=%llu", (unsigned long long)s->notifications,
                  (unsigned long long)s->relevant_changes, (unsigned long long)s->resyncs,
                  (unsigned long long)s->overflows);
    }
    if (a->peers) {
        const corridor_peers_stats *s = corridor_peers_stats_get(a->peers);
        CLOG_INFO("agent", "peer RTT", "pings_sent=%llu pongs=%llu pings_answered=%llu "
                  "rejected=%llu", (unsigned long long)s->pings_sent,
                  (unsigned long long)s->pongs, (unsigned long long)s->pings_answered,
                  (unsigned long long)s->rejected_in);
    }
    if (a->dp) {
        const corridor_dpstats_stats *s = corridor_dpstats_stats_get(a->dp);
        CLOG_INFO("agent", "dataplane stats polls", "sent=%llu answers=%llu misses=%llu "
                  "late=%llu rejected=%llu errors=%llu transitions=%llu",
                  (unsigned long long)s->polls_sent, (unsigned long long)s->answers,
                  (unsigned long long)s->misses, (unsigned long long)s->late,
                  (unsigned long long)s->rejected_in, (unsigned long long)s->errors_received,
                  (unsigned long long)s->transitions);
    }
}

int corridor_agent_run(corridor_agent *a, int stop_fd, uint64_t max_ms)
{
    uint64_t start = corridor_clock_mono_ms();
    enter_registering(a, start, "start");
    corridor_pollitem items[4 + 1 + CORRIDOR_MAX_PEERS + 1 + MAX_POLL_FDS];
    corridor_sock *peer_socks[1 + CORRIDOR_MAX_PEERS];
    int pidfds[MAX_POLL_FDS];
    for (;;) {
        uint64_t now = corridor_clock_mono_ms();
        if (max_ms && now - start >= max_ms)
            return 0;
        if (a->exec && corridor_exec_tick(a->exec, now) > 0)
            a->report_due = true;
        if (a->state == CORRIDOR_AGENT_REGISTERING && now >= a->next_register_ms)
            send_register(a, now);
        if (a->state == CORRIDOR_AGENT_REGISTERED && now >= a->next_report_ms)
            send_report(a, now, false);
        else if (now >= immediate_at(a))
            send_report(a, now, true);
        if (a->state == CORRIDOR_AGENT_REGISTERED && a->cfg.rtt_ping_interval_ms &&
            now >= a->next_ping_ms)
            send_ping(a, now);
        /* peers are pinged whether or not the orchestrator is there */
        uint64_t next_peer_ping = UINT64_MAX;
        if (corridor_peers_tick(a->peers, now, &next_peer_ping) > 0)
            a->report_due = true;
        /* so is the dataplane; it never waits on it (one request in flight, timed out) */
        uint64_t next_dp_poll = UINT64_MAX;
        if (corridor_dpstats_tick(a->dp, now, &next_dp_poll) > 0)
            a->report_due = true;
        uint64_t next = a->state == CORRIDOR_AGENT_REGISTERING ? a->next_register_ms
                                                                : a->next_report_ms;
        uint64_t imm = immediate_at(a);
        if (imm < next)
            next = imm;
        if (a->state == CORRIDOR_AGENT_REGISTERED && a->cfg.rtt_ping_interval_ms &&
            a->next_ping_ms < next)
            next = a->next_ping_ms;
        if (next_peer_ping < next)
            next = next_peer_ping;
        if (next_dp_poll < next)
            next = next_dp_poll;
        if (a->exec && corridor_exec_next_ms(a->exec) < next)
            next = corridor_exec_next_ms(a->exec);
        if (max_ms && start + max_ms < next)
            next = start + max_ms;
        int wait = next > now ? (int)(next - now > 60000 ? 60000 : next - now) : 0;
        size_t n = 0;
        items[n++] = (corridor_pollitem){.sock = a->sock};
        size_t i_stop = n, i_nl = SIZE_MAX, i_gpu = SIZE_MAX, i_pid = 0, n_pid = 0;
        if (stop_fd >= 0)
            items[n++] = (corridor_pollitem){.sock = NULL, .fd = stop_fd};
        if (a->nl) {
            i_nl = n;
            items[n++] = (corridor_pollitem){.sock = NULL, .fd = corridor_nlwatch_fd(a->nl)};
        }
        if (corridor_gpu_source_fd(a->gpu) >= 0) {
            i_gpu = n;
            items[n++] = (corridor_pollitem){.sock = NULL, .fd = corridor_gpu_source_fd(a->gpu)};
        }
        size_t i_peer = n, n_peer = corridor_peers_socks(a->peers, peer_socks,
                                                         1 + CORRIDOR_MAX_PEERS);
        for (size_t k = 0; k < n_peer; k++)
            items[n++] = (corridor_pollitem){.sock = peer_socks[k]};
        size_t i_dp = SIZE_MAX;
        if (a->dp) {
            i_dp = n;
            items[n++] = (corridor_pollitem){.sock = corridor_dpstats_sock(a->dp)};
        }
        if (a->exec) {
            i_pid = n;
            n_pid = corridor_exec_fds(a->exec, pidfds, MAX_POLL_FDS);
            for (size_t k = 0; k < n_pid; k++)
                items[n++] = (corridor_pollitem){.sock = NULL, .fd = pidfds[k]};
        }
        int rc = corridor_poll(items, n, wait);
        if (rc < 0 && rc != -EINTR)
            return rc;
        if (stop_fd >= 0 && items[i_stop].readable) {
            shutdown_clean(a);
            return 0;
        }
        if (i_nl != SIZE_MAX && items[i_nl].readable && corridor_nlwatch_on_fd(a->nl) > 0)
            a->report_due = true;
        if (i_gpu != SIZE_MAX && items[i_gpu].readable && corridor_gpu_source_on_fd(a->gpu) > 0)
            a->report_due = true;
        for (size_t k = 0; k < n_peer; k++)
            if (items[i_peer + k].readable &&
                corridor_peers_on_readable(a->peers, peer_socks[k]) > 0)
                a->report_due = true;
        if (i_dp != SIZE_MAX && items[i_dp].readable &&
            corridor_dpstats_on_readable(a->dp, corridor_clock_mono_ms()) > 0)
            a->report_due = true;
        for (size_t k = 0; k < n_pid; k++)
            if (items[i_pid + k].readable) {
                if (corridor_exec_tick(a->exec, corridor_clock_mono_ms()) > 0)
                    a->report_due = true;
                break;
            }
        if (!items[0].readable)
            continue;
        corridor_frame f;
        for (int i = 0; i < 64 && corridor_sock_recv(a->sock, &f) == 1; i++)
            on_frame(a, &f, corridor_clock_mono_ms());
    }
}
