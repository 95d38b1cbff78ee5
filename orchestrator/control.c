/* The control API (corridorctl): nodes, stats, node commands, workloads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "msg.h"
#include "msg_copy.h"
#include "placement.h"
#include "server_internal.h"
#include "workloads.h"


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

/* ---- node commands: forwarded to the agent, answered when its result arrives ---- */

typedef struct {
    corridor_peer peer;             /* the corridorctl that asked */
    uint64_t seq;                   /* its request's seq, for the correlation id */
    char node_id[CORRIDOR_ID_MAX + 1];
    uint64_t deadline_ms;
} pending_cmd;

int corridor_orch_control_init(corridor_orch *o)
{
    o->ctl_pending = corridor_hashmap_new(16);
    return o->ctl_pending ? 0 : -ENOMEM;
}

void corridor_orch_control_fini(corridor_orch *o)
{
    if (!o->ctl_pending)
        return;
    size_t pos = 0;
    void *v;
    while (corridor_hashmap_next(o->ctl_pending, &pos, NULL, &v))
        free(v);
    corridor_hashmap_free(&o->ctl_pending);
}

static void reply_result(corridor_orch *o, const pending_cmd *p, int status, const char *error,
                         const corridor_command_result *res)
{
    corridor_msg reply;
    corridor_msg_init(&reply, CORRIDOR_MSG_CONTROL_REPLY);
    corridor_control_reply *r = &reply.u.crep;
    snprintf(r->orchestrator_id, sizeof r->orchestrator_id, "%s", o->cfg.id);
    r->status = status;
    snprintf(r->error, sizeof r->error, "%s", error ? error : "");
    if (res)
        r->result = *res;
    corridor_orch_send(o, o->control, &p->peer, &reply, p->seq);
}

static int node_command(corridor_orch *o, const corridor_peer *peer, corridor_msg *m,
                        corridor_control_reply *r)
{
    corridor_control_request *q = &m->u.creq;
    corridor_command *cmd = &q->command;
    if (!cmd->command_id[0])
        snprintf(cmd->command_id, sizeof cmd->command_id, "ctl-%08x-%llu",
                 corridor_core_config_get(o->core)->instance_tag,
                 (unsigned long long)++o->ctl_cmd_seq);
    if (corridor_hashmap_get(o->ctl_pending, cmd->command_id)) {
        r->status = -EALREADY;
        snprintf(r->error, sizeof r->error, "command %s is already in flight", cmd->command_id);
        return 1;
    }
    pending_cmd *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    p->peer = *peer;
    p->seq = m->env.seq;
    snprintf(p->node_id, sizeof p->node_id, "%s", q->node_id);
    uint32_t t = cmd->timeout_ms ? cmd->timeout_ms : CORRIDOR_COMMAND_TIMEOUT_MS;
    p->deadline_ms = corridor_clock_mono_ms() + t + 1000; /* the agent's own timeout first */
    char id[CORRIDOR_ID_MAX + 1];
    snprintf(id, sizeof id, "%s", cmd->command_id);
    int rc = corridor_orch_send_command(o, q->node_id, cmd);
    if (rc < 0) {
        free(p);
        r->status = rc;
        snprintf(r->error, sizeof r->error, rc == -ENOENT ? "no node '%s'"
                 : "node '%s' is not connected (dead or never registered)", q->node_id);
        return 1;
    }
    if (corridor_hashmap_put(o->ctl_pending, id, p, NULL) < 0) {
        free(p);
        return -ENOMEM;
    }
    CLOG_INFO("ctl", "node command sent", "node=%s command=%s kind=%d instance=%s", q->node_id,
              id, cmd->kind, cmd->instance_id);
    return 0; /* the reply comes with the result */
}

bool corridor_orch_control_result(corridor_orch *o, const char *node_id,
                                  const corridor_command_result *r)
{
    pending_cmd *p = corridor_hashmap_get(o->ctl_pending, r->command_id);
    if (!p || strcmp(p->node_id, node_id) != 0)
        return false;
    corridor_hashmap_remove(o->ctl_pending, r->command_id);
    reply_result(o, p, 0, NULL, r);
    free(p);
    return true;
}

void corridor_orch_control_expire(corridor_orch *o, uint64_t now_ms)
{
    for (;;) {
        size_t pos = 0;
        const char *key;
        void *v;
        bool found = false;
        while (corridor_hashmap_next(o->ctl_pending, &pos, &key, &v)) {
            pending_cmd *p = v;
            if (now_ms < p->deadline_ms)
                continue;
            char msg[160];
            snprintf(msg, sizeof msg, "node %s did not answer command %.40s in time", p->node_id,
                     key);
            reply_result(o, p, -ETIMEDOUT, msg, NULL);
            free(corridor_hashmap_remove(o->ctl_pending, key));
            found = true;
            break; /* the map changed: iterate again */
        }
        if (!found)
            return;
    }
}

/* ---- workloads ---- */

static int workload_views(corridor_orch *o, corridor_control_reply *r, const char *only,
                          bool explain)
{
    uint64_t now = corridor_clock_mono_ms();
    if (only) {
        r->workloads = calloc(1, sizeof *r->workloads);
        if (!r->workloads)
            return -ENOMEM;
        int rc = explain ? corridor_core_explain(o->core, only, now, &r->workloads[0])
                         : corridor_core_workload_view(o->core, only, now, true, &r->workloads[0]);
        if (rc == -ENOENT) {
            r->status = -ENOENT;
            snprintf(r->error, sizeof r->error, "no workload '%s'", only);
            return 0;
        }
        if (rc == 0)
            r->n_workloads = 1;
        return rc;
    }
    const char **ids;
    size_t n;
    int rc = corridor_core_workload_ids(o->core, &ids, &n);
    if (rc < 0)
        return rc;
    if (n > o->cfg.limits.max_workloads_reply)
        n = o->cfg.limits.max_workloads_reply;
    r->workloads = calloc(n ? n : 1, sizeof *r->workloads);
    for (size_t i = 0; r->workloads && i < n && rc == 0; i++) {
        rc = corridor_core_workload_view(o->core, ids[i], now, false, &r->workloads[i]);
        if (rc == 0)
            r->n_workloads++;
    }
    free(ids);
    return r->workloads ? rc : -ENOMEM;
}

static int deploy(corridor_orch *o, corridor_msg *m, corridor_control_reply *r)
{
    char id[CORRIDOR_ID_MAX + 1], err[256];
    int rc = corridor_core_deploy(o->core, corridor_clock_mono_ms(), &m->u.creq.spec, id,
                                  sizeof id, err, sizeof err);
    if (rc == -EINVAL) {
        r->status = rc;
        snprintf(r->error, sizeof r->error, "%s", err);
        return 0;
    }
    if (rc < 0)
        return rc;
    return workload_views(o, r, id, false);
}

static int node_op(corridor_orch *o, corridor_msg *m, corridor_control_reply *r)
{
    const char *node = m->u.creq.node_id;
    int rc;
    switch (m->u.creq.kind) {
    case CORRIDOR_CTL_CORDON: rc = corridor_core_cordon(o->core, node, true); break;
    case CORRIDOR_CTL_UNCORDON: rc = corridor_core_cordon(o->core, node, false); break;
    default: rc = corridor_core_drain(o->core, corridor_clock_mono_ms(), node); break;
    }
    if (rc == -ENOENT) {
        r->status = -ENOENT;
        snprintf(r->error, sizeof r->error, "no node '%s'", node);
        return 0;
    }
    if (rc >= 0 && m->u.creq.kind == CORRIDOR_CTL_DRAIN) {
        r->stats = calloc(1, sizeof *r->stats);
        if (r->stats) {
            snprintf(r->stats[0].name, sizeof r->stats[0].name, "replicas_moving");
            r->stats[0].value = (uint64_t)rc;
            r->n_stats = 1;
        }
    }
    return rc < 0 ? rc : 0;
}

void corridor_orch_on_control(corridor_orch *o, const corridor_peer *peer, corridor_msg *m)
{
    if (m->env.type != CORRIDOR_MSG_CONTROL_REQUEST) {
        char d[96];
        snprintf(d, sizeof d, "'%s' is not accepted on the control socket",
                 corridor_msg_type_name(m->env.type));
        corridor_orch_reject(o, o->control, peer, &m->env, CORRIDOR_REJECT_UNEXPECTED, d);
        return;
    }
    o->stats.ctl_requests++;
    corridor_msg reply;
    corridor_msg_init(&reply, CORRIDOR_MSG_CONTROL_REPLY);
    corridor_control_reply *r = &reply.u.crep;
    snprintf(r->orchestrator_id, sizeof r->orchestrator_id, "%s", o->cfg.id);
    const corridor_control_request *q = &m->u.creq;
    int rc = 0;
    switch (q->kind) {
    case CORRIDOR_CTL_LIST_NODES:
        rc = fill_nodes(o, r, NULL);
        break;
    case CORRIDOR_CTL_GET_NODE:
        rc = fill_nodes(o, r, q->node_id);
        break;
    case CORRIDOR_CTL_STATS:
        rc = fill_stats(o, r);
        break;
    case CORRIDOR_CTL_NODE_COMMAND:
        rc = node_command(o, peer, m, r);
        if (rc == 0) {
            corridor_msg_fini(&reply);
            return; /* answered when the agent's result arrives, or at the deadline */
        }
        if (rc > 0)
            rc = 0;
        break;
    case CORRIDOR_CTL_DEPLOY:
        rc = deploy(o, m, r);
        break;
    case CORRIDOR_CTL_LIST_WORKLOADS:
        rc = workload_views(o, r, NULL, false);
        break;
    case CORRIDOR_CTL_GET_WORKLOAD:
        rc = workload_views(o, r, q->workload_id, false);
        break;
    case CORRIDOR_CTL_EXPLAIN:
        rc = workload_views(o, r, q->workload_id, true);
        break;
    case CORRIDOR_CTL_DELETE_WORKLOAD:
        rc = corridor_core_delete(o->core, corridor_clock_mono_ms(), q->workload_id);
        if (rc == -ENOENT) {
            r->status = -ENOENT;
            snprintf(r->error, sizeof r->error, "no workload '%s'", q->workload_id);
            rc = 0;
        }
        break;
    case CORRIDOR_CTL_CORDON:
    case CORRIDOR_CTL_UNCORDON:
    case CORRIDOR_CTL_DRAIN:
        rc = node_op(o, m, r);
        break;
    default:
        r->status = -EOPNOTSUPP;
        snprintf(r->error, sizeof r->error, "unknown control request kind %d", q->kind);
    }
    if (rc < 0) {
        corridor_control_reply_fini(r);
        r->status = rc;
        snprintf(r->error, sizeof r->error, "%s", strerror(-rc));
    }
    corridor_orch_send(o, o->control, peer, &reply, m->env.seq);
    corridor_msg_fini(&reply);
}
