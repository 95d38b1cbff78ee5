/*
 * Protocol v1: plain C structs <-> protobuf Envelope frames.
 *
 * The only file besides the generated code that sees protobuf-c. Decoding never trusts the
 * peer: the wire scanner (wire.c) bounds what protobuf-c may allocate before it runs, and the
 * conversion to plain structs checks every value, so the rest of Corridor works on structs
 * that are known to be in range. Encoding converts the other way; it borrows the caller's
 * strings and allocates the protobuf-c structs in a small arena freed in one go.
 */
#include "msg.h"

#include <errno.h>
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corridor.pb-c.h"
#include "ids.h"
#include "wire.h"

/* ======================================================================================
 * Limits, init, fini
 * ====================================================================================== */

void corridor_msg_limits_default(corridor_msg_limits *l)
{
    l->max_frame_bytes = 1024 * 1024;
    l->max_gpus = 64;
    l->max_routes = 100000;
    l->max_links = 1024;
    l->max_workloads = 4096;
    l->max_args = 256;
    l->max_nodes_reply = 100000;
    l->max_workloads_reply = 100000;
    l->max_rules_batch = 4096;
    l->max_stats_reply = 4096;
}

void corridor_msg_init(corridor_msg *m, corridor_msg_type type)
{
    memset(m, 0, sizeof *m);
    m->env.version = CORRIDOR_PROTOCOL_VERSION;
    m->env.type = type;
}

void corridor_report_fini(corridor_report *r)
{
    if (!r)
        return;
    free(r->gpus);
    free(r->routes);
    free(r->links);
    free(r->workloads);
    free(r->dataplane);
    memset(r, 0, sizeof *r);
}

const corridor_stat *corridor_dp_summary_find(const corridor_dp_summary *s, const char *name)
{
    for (size_t i = 0; s && i < s->n_counters && i < CORRIDOR_MAX_DP_COUNTERS; i++)
        if (strcmp(s->counters[i].name, name) == 0)
            return &s->counters[i];
    return NULL;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void corridor_command_fini(corridor_command *c)
{
    if (!c)
        return;
    free_strv(c->args, c->n_args);
    free_strv(c->env, c->n_env);
    memset(c, 0, sizeof *c);
}

void corridor_workload_spec_fini(corridor_workload_spec *s)
{
    if (!s)
        return;
    free_strv(s->args, s->n_args);
    free_strv(s->env, s->n_env);
    s->args = s->env = NULL;
    s->n_args = s->n_env = 0;
}

void corridor_control_request_fini(corridor_control_request *r)
{
    if (!r)
        return;
    corridor_command_fini(&r->command);
    corridor_workload_spec_fini(&r->spec);
    memset(r, 0, sizeof *r);
}

void corridor_workload_view_fini(corridor_workload_view *v)
{
    if (!v)
        return;
    corridor_workload_spec_fini(&v->spec);
    free(v->replicas);
    free(v->rejects);
    free(v->scores);
    memset(v, 0, sizeof *v);
}

void corridor_control_reply_fini(corridor_control_reply *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->workloads && i < r->n_workloads; i++)
        corridor_workload_view_fini(&r->workloads[i]);
    free(r->workloads);
    for (size_t i = 0; r->nodes && i < r->n_nodes; i++)
        corridor_report_fini(&r->nodes[i].report);
    free(r->nodes);
    free(r->stats);
    memset(r, 0, sizeof *r);
}

void corridor_rule_update_fini(corridor_rule_update *u)
{
    if (!u)
        return;
    free(u->ops);
    memset(u, 0, sizeof *u);
}

void corridor_dp_stats_fini(corridor_dp_stats *s)
{
    if (!s)
        return;
    free(s->stats);
    memset(s, 0, sizeof *s);
}

/* Free what the union holds for the message's type and zero the union; env stays. */
static void free_body(corridor_msg *m)
{
    switch (m->env.type) {
    case CORRIDOR_MSG_RULE_UPDATE:
        corridor_rule_update_fini(&m->u.rupd);
        break;
    case CORRIDOR_MSG_DATAPLANE_STATS:
        corridor_dp_stats_fini(&m->u.dps);
        break;
    case CORRIDOR_MSG_REPORT:
        corridor_report_fini(&m->u.report);
        break;
    case CORRIDOR_MSG_COMMAND:
        corridor_command_fini(&m->u.cmd);
        break;
    case CORRIDOR_MSG_CONTROL_REPLY:
        corridor_control_reply_fini(&m->u.crep);
        break;
    case CORRIDOR_MSG_CONTROL_REQUEST:
        corridor_control_request_fini(&m->u.creq);
        break;
    default:
        break;
    }
    memset(&m->u, 0, sizeof m->u);
}

void corridor_msg_fini(corridor_msg *m)
{
    if (!m)
        return;
    free_body(m);
    memset(m, 0, sizeof *m);
}

/* ======================================================================================
 * Wire rules: what the scanner counts and enters before protobuf-c runs
 * ====================================================================================== */

/* Structure and depth only. */
static const corridor_wire_rule rules_leaf[] = {{.field = 0}};

static const corridor_wire_rule rules_register[] = {
    {8, "register.capacity", 0, 1, rules_leaf},
    {.field = 0},
};

/* Report.dataplane: its counters are a fixed array in C (CORRIDOR_MAX_DP_COUNTERS). */
static const corridor_wire_rule rules_dp_summary[] = {
    {5, "report.dataplane.counters", 0, CORRIDOR_MAX_DP_COUNTERS, rules_leaf},
    {.field = 0},
};
static const corridor_wire_rule rules_view_dp_summary[] = {
    {5, "control_reply.nodes.report.dataplane.counters", 0, CORRIDOR_MAX_DP_COUNTERS,
     rules_leaf},
    {.field = 0},
};

/* A report's repeated fields, with the path the error detail names. */
#define REPORT_RULES(prefix, dp_rules)                                                       \
    {                                                                                        \
        {12, prefix "gpus", CORRIDOR_WIRE_LIMIT(max_gpus), 0, rules_leaf},                    \
        {13, prefix "routes", CORRIDOR_WIRE_LIMIT(max_routes), 0, rules_leaf},                \
        {14, prefix "links", CORRIDOR_WIRE_LIMIT(max_links), 0, rules_leaf},                  \
        {15, prefix "workloads", CORRIDOR_WIRE_LIMIT(max_workloads), 0, rules_leaf},          \
        {16, prefix "neighbours", 0, CORRIDOR_MAX_NEIGHBOURS, rules_leaf},                    \
        {17, prefix "peers", 0, CORRIDOR_MAX_PEERS, rules_leaf},                              \
        {18, prefix "dataplane", 0, 1, dp_rules},                                            \
        {.field = 0},                                                                        \
    }

static const corridor_wire_rule rules_report[] = REPORT_RULES("report.", rules_dp_summary);
static const corridor_wire_rule rules_view_report[] =
    REPORT_RULES("control_reply.nodes.report.", rules_view_dp_summary);

/* args and env share max_args (same .limit = one counter). */
static const corridor_wire_rule rules_command[] = {
    {6, "command.args+env", CORRIDOR_WIRE_LIMIT(max_args), 0, NULL},
    {7, "command.args+env", CORRIDOR_WIRE_LIMIT(max_args), 0, NULL},
    {15, "command.steering", 0, 1, rules_leaf},
    {.field = 0},
};

static const corridor_wire_rule rules_view_identity[] = {
    {8, "control_reply.nodes.identity.capacity", 0, 1, rules_leaf},
    {.field = 0},
};

static const corridor_wire_rule rules_node_view[] = {
    {1, "control_reply.nodes.identity", 0, 1, rules_view_identity},
    {7, "control_reply.nodes.report", 0, 1, rules_view_report},
    {.field = 0},
};

/* A workload spec: args and env share max_args; sovereignty lists are fixed arrays. */
#define SPEC_RULES(prefix)                                                                   \
    {                                                                                        \
        {4, prefix "args+env", CORRIDOR_WIRE_LIMIT(max_args), 0, NULL},                      \
        {5, prefix "args+env", CORRIDOR_WIRE_LIMIT(max_args), 0, NULL},                      \
        {16, prefix "countries", 0, CORRIDOR_MAX_ALLOWED, NULL},                             \
        {17, prefix "operators", 0, CORRIDOR_MAX_ALLOWED, NULL},                             \
        {.field = 0},                                                                        \
    }
static const corridor_wire_rule rules_req_spec[] = SPEC_RULES("control_request.spec.");
static const corridor_wire_rule rules_view_spec[] = SPEC_RULES("control_reply.workloads.spec.");

static const corridor_wire_rule rules_req_command[] = {
    {6, "control_request.command.args+env", CORRIDOR_WIRE_LIMIT(max_args), 0, NULL},
    {7, "control_request.command.args+env", CORRIDOR_WIRE_LIMIT(max_args), 0, NULL},
    {15, "control_request.command.steering", 0, 1, rules_leaf},
    {.field = 0},
};

static const corridor_wire_rule rules_control_request[] = {
    {4, "control_request.command", 0, 1, rules_req_command},
    {5, "control_request.spec", 0, 1, rules_req_spec},
    {.field = 0},
};

/* Replicas, reject groups and scores are bounded by what a decision can produce. */
static const corridor_wire_rule rules_workload_view[] = {
    {2, "control_reply.workloads.spec", 0, 1, rules_view_spec},
    {6, "control_reply.workloads.replicas", 0, 4096, rules_leaf},
    {9, "control_reply.workloads.rejects", 0, 64, rules_leaf},
    {10, "control_reply.workloads.scores", 0, 4096, rules_leaf},
    {.field = 0},
};

/* Dataplane control: ops against max_rules_batch, counters against max_stats_reply. */
static const corridor_wire_rule rules_rule_op[] = {
    {2, "rule_update.ops.rule", 0, 1, rules_leaf},
    {.field = 0},
};
static const corridor_wire_rule rules_rule_update[] = {
    {2, "rule_update.ops", CORRIDOR_WIRE_LIMIT(max_rules_batch), 0, rules_rule_op},
    {.field = 0},
};
static const corridor_wire_rule rules_dp_stats[] = {
    {2, "dataplane_stats.stats", CORRIDOR_WIRE_LIMIT(max_stats_reply), 0, rules_leaf},
    {.field = 0},
};

static const corridor_wire_rule rules_control_reply[] = {
    {4, "control_reply.nodes", CORRIDOR_WIRE_LIMIT(max_nodes_reply), 0, rules_node_view},
    {5, "control_reply.stats", 0, 0, rules_leaf},
    {6, "control_reply.result", 0, 1, rules_leaf},
    {7, "control_reply.workloads", CORRIDOR_WIRE_LIMIT(max_workloads_reply), 0,
     rules_workload_view},
    {.field = 0},
};

/* ======================================================================================
 * Encoding
 * ====================================================================================== */

/* Allocations for one encode, freed together; rc is sticky so builders need not check
 * every step (the result is discarded when rc < 0). */
typedef struct {
    void **ptrs;
    size_t n, cap;
    int rc;
} enc_ctx;

static void *enc_alloc(enc_ctx *c, size_t n, size_t size)
{
    if (n == 0 || c->rc < 0)
        return NULL;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        void **p = realloc(c->ptrs, cap * sizeof *p);
        if (!p) {
            c->rc = -ENOMEM;
            return NULL;
        }
        c->ptrs = p;
        c->cap = cap;
    }
    void *mem = calloc(n, size);
    if (!mem) {
        c->rc = -ENOMEM;
        return NULL;
    }
    c->ptrs[c->n++] = mem;
    return mem;
}

static void enc_free(enc_ctx *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->ptrs[i]);
    free(c->ptrs);
}

/* Borrow a fixed-size string; one that fills its array without a NUL would be read past
 * its end, so it fails the encode instead. */
static char *enc_str(enc_ctx *c, const char *s, size_t cap)
{
    if (strnlen(s, cap) >= cap) {
        c->rc = -EINVAL;
        return (char *)"";
    }
    return (char *)s;
}
#define ESTR(c, arr) enc_str((c), (arr), sizeof(arr))

/* An enum value the peer's decoder would refuse fails the encode here. */
static int enc_enum(enc_ctx *c, unsigned v, unsigned count)
{
    if (v >= count)
        c->rc = -EINVAL;
    return (int)v;
}

/* n elements must come with an array. */
static bool enc_array_ok(enc_ctx *c, const void *arr, size_t n)
{
    if (n && !arr) {
        c->rc = -EINVAL;
        return false;
    }
    return n > 0;
}

static void enc_register(enc_ctx *c, const corridor_register *r, Corridor__V1__Register *p)
{
    p->node_id = ESTR(c, r->node_id);
    p->plmn = ESTR(c, r->plmn);
    p->country = ESTR(c, r->country);
    p->region = ESTR(c, r->region);
    /* Wire tiers are offset by one: TIER_UNSPECIFIED = 0 (see corridor.proto). */
    p->tier = enc_enum(c, (unsigned)r->tier, CORRIDOR_TIER_COUNT) + 1;
    p->lat = r->lat;
    p->lon = r->lon;
    p->agent_version = ESTR(c, r->agent_version);
    Corridor__V1__Capacity *cap = enc_alloc(c, 1, sizeof *cap);
    if (!cap)
        return;
    corridor__v1__capacity__init(cap);
    cap->cpu_millicores = r->capacity.cpu_millicores;
    cap->memory_bytes = r->capacity.memory_bytes;
    cap->gpu_count = r->capacity.gpu_count;
    cap->gpu_memory_bytes = r->capacity.gpu_memory_bytes;
    p->capacity = cap;
}

static void enc_gpu(enc_ctx *c, const corridor_gpu *g, Corridor__V1__Gpu *p)
{
    corridor__v1__gpu__init(p);
    p->index = g->index;
    p->uuid = ESTR(c, g->uuid);
    p->name = ESTR(c, g->name);
    p->util_pct = g->util_pct;
    p->mem_util_pct = g->mem_util_pct;
    p->mem_used_bytes = g->mem_used_bytes;
    p->mem_total_bytes = g->mem_total_bytes;
    p->temperature_c = g->temperature_c;
    p->power_mw = g->power_mw;
    p->compute_procs = g->compute_procs;
    p->compute_capability = g->compute_capability;
}

static void enc_route(enc_ctx *c, const corridor_route *r, Corridor__V1__Route *p)
{
    corridor__v1__route__init(p);
    p->family = r->family;
    p->dst = ESTR(c, r->dst);
    p->gateway = ESTR(c, r->gateway);
    p->oif = ESTR(c, r->oif);
    p->table = r->table;
    p->metric = r->metric;
    p->protocol = r->protocol;
}

static void enc_link(enc_ctx *c, const corridor_link *l, Corridor__V1__Link *p)
{
    corridor__v1__link__init(p);
    p->name = ESTR(c, l->name);
    p->ifindex = l->ifindex;
    p->up = l->up;
    p->mtu = l->mtu;
    p->rx_bytes = l->rx_bytes;
    p->tx_bytes = l->tx_bytes;
    p->rx_packets = l->rx_packets;
    p->tx_packets = l->tx_packets;
    p->rx_errors = l->rx_errors;
    p->tx_errors = l->tx_errors;
    p->rx_dropped = l->rx_dropped;
    p->tx_dropped = l->tx_dropped;
}

static void enc_workload(enc_ctx *c, const corridor_workload_status *w,
                         Corridor__V1__WorkloadStatus *p)
{
    corridor__v1__workload_status__init(p);
    p->instance_id = ESTR(c, w->instance_id);
    p->name = ESTR(c, w->name);
    p->state = enc_enum(c, (unsigned)w->state, CORRIDOR_WL_STOPPED + 1);
    p->exit_code = w->exit_code;
    p->restarts = w->restarts;
    p->reason = ESTR(c, w->reason);
    p->cpu_time_us = w->cpu_time_us;
    p->memory_bytes = w->memory_bytes;
    p->pid = w->pid;
    p->limits_enforced = w->limits_enforced;
}

static void enc_neighbour(enc_ctx *c, const corridor_neighbour *n, Corridor__V1__Neighbour *p)
{
    corridor__v1__neighbour__init(p);
    p->address = ESTR(c, n->address);
    p->lladdr = ESTR(c, n->lladdr);
    p->dev = ESTR(c, n->dev);
    p->state = n->state;
}

static void enc_peer_rtt(enc_ctx *c, const corridor_peer_rtt *x, Corridor__V1__PeerRtt *p)
{
    corridor__v1__peer_rtt__init(p);
    p->node_id = ESTR(c, x->node_id);
    p->endpoint = ESTR(c, x->endpoint);
    p->rtt_us = x->rtt_us;
    p->reachable = x->reachable;
}

static void enc_stat(enc_ctx *c, const corridor_stat *s, Corridor__V1__Stat *p);

static void enc_dp_summary(enc_ctx *c, const corridor_dp_summary *d, Corridor__V1__Report *p)
{
    Corridor__V1__DataplaneSummary *x = enc_alloc(c, 1, sizeof *x);
    if (!x)
        return;
    corridor__v1__dataplane_summary__init(x);
    x->dataplane_id = ESTR(c, d->dataplane_id);
    x->endpoint = ESTR(c, d->endpoint);
    x->reachable = d->reachable;
    x->last_answer_age_ms = d->last_answer_age_ms;
    /* the decoder refuses counters from an unreachable dataplane: they would be stale */
    if (d->n_counters > CORRIDOR_MAX_DP_COUNTERS || (d->n_counters && !d->reachable)) {
        c->rc = -EINVAL;
        return;
    }
    if (d->n_counters) {
        Corridor__V1__Stat *blk = enc_alloc(c, d->n_counters, sizeof *blk);
        Corridor__V1__Stat **ptr = enc_alloc(c, d->n_counters, sizeof *ptr);
        if (!blk || !ptr)
            return;
        for (size_t i = 0; i < d->n_counters; i++) {
            enc_stat(c, &d->counters[i], &blk[i]);
            ptr[i] = &blk[i];
        }
        x->counters = ptr;
        x->n_counters = d->n_counters;
    }
    p->dataplane = x;
}

/*
 * Repeated message fields: one block of structs plus the pointer array protobuf-c wants.
 * A macro because the element types differ and C has no generics; each expansion is the
 * same five lines.
 */
#define ENC_REPEATED(c, src, n, dst_n, dst, pbtype, encfn)                                   \
    do {                                                                                     \
        if (!enc_array_ok((c), (src), (n)))                                                  \
            break;                                                                           \
        pbtype *blk_ = enc_alloc((c), (n), sizeof(pbtype));                                  \
        pbtype **ptr_ = enc_alloc((c), (n), sizeof(pbtype *));                               \
        if (!blk_ || !ptr_)                                                                  \
            break;                                                                           \
        for (size_t i_ = 0; i_ < (n); i_++) {                                                \
            encfn((c), &(src)[i_], &blk_[i_]);                                               \
            ptr_[i_] = &blk_[i_];                                                            \
        }                                                                                    \
        (dst_n) = (n);                                                                       \
        (dst) = ptr_;                                                                        \
    } while (0)

static void enc_report(enc_ctx *c, const corridor_report *r, Corridor__V1__Report *p)
{
    p->node_id = ESTR(c, r->node_id);
    p->cpu_util_pct = r->cpu_util_pct;
    p->load1 = r->load1;
    p->load5 = r->load5;
    p->load15 = r->load15;
    p->mem_total_bytes = r->mem_total_bytes;
    p->mem_available_bytes = r->mem_available_bytes;
    p->uptime_s = r->uptime_s;
    p->gpu_source = ESTR(c, r->gpu_source);
    p->routes_full = r->routes_full;
    p->rtt_us = r->rtt_us;
    ENC_REPEATED(c, r->gpus, r->n_gpus, p->n_gpus, p->gpus, Corridor__V1__Gpu, enc_gpu);
    ENC_REPEATED(c, r->routes, r->n_routes, p->n_routes, p->routes, Corridor__V1__Route,
                 enc_route);
    ENC_REPEATED(c, r->links, r->n_links, p->n_links, p->links, Corridor__V1__Link, enc_link);
    ENC_REPEATED(c, r->workloads, r->n_workloads, p->n_workloads, p->workloads,
                 Corridor__V1__WorkloadStatus, enc_workload);
    if (r->n_neighbours > CORRIDOR_MAX_NEIGHBOURS)
        c->rc = -EINVAL;
    else
        ENC_REPEATED(c, r->neighbours, r->n_neighbours, p->n_neighbours, p->neighbours,
                     Corridor__V1__Neighbour, enc_neighbour);
    if (r->n_peers > CORRIDOR_MAX_PEERS)
        c->rc = -EINVAL;
    else
        ENC_REPEATED(c, r->peers, r->n_peers, p->n_peers, p->peers, Corridor__V1__PeerRtt,
                     enc_peer_rtt);
    if (r->dataplane)
        enc_dp_summary(c, r->dataplane, p);
}

static char **enc_strv(enc_ctx *c, char *const *v, size_t n)
{
    if (!enc_array_ok(c, v, n))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!v[i])
            c->rc = -EINVAL;
    }
    return (char **)v;
}

static void enc_command(enc_ctx *c, const corridor_command *k, Corridor__V1__Command *p)
{
    p->command_id = ESTR(c, k->command_id);
    p->kind = (Corridor__V1__CommandKind)k->kind;
    p->instance_id = ESTR(c, k->instance_id);
    p->name = ESTR(c, k->name);
    p->path = ESTR(c, k->path);
    p->args = enc_strv(c, k->args, k->n_args);
    p->n_args = p->args ? k->n_args : 0;
    p->env = enc_strv(c, k->env, k->n_env);
    p->n_env = p->env ? k->n_env : 0;
    p->cpu_millicores = k->cpu_millicores;
    p->memory_bytes = k->memory_bytes;
    p->gpu_count = k->gpu_count;
    p->timeout_ms = k->timeout_ms;
    p->restart = ESTR(c, k->restart);
    const corridor_steering *st = &k->steering;
    if (st->ue_prefix[0] || st->teid || st->target_node[0] || st->target_address[0] ||
        st->table || st->gateway[0] || st->dev[0]) {
        p->steering = enc_alloc(c, 1, sizeof *p->steering);
        if (p->steering) {
            corridor__v1__steering_rule__init(p->steering);
            p->steering->ue_prefix = ESTR(c, st->ue_prefix);
            p->steering->teid = st->teid;
            p->steering->target_node = ESTR(c, st->target_node);
            p->steering->target_address = ESTR(c, st->target_address);
            p->steering->table = st->table;
            p->steering->gateway = ESTR(c, st->gateway);
            p->steering->dev = ESTR(c, st->dev);
        }
    }
}

static void enc_node_view(enc_ctx *c, const corridor_node_view *v, Corridor__V1__NodeView *p)
{
    corridor__v1__node_view__init(p);
    Corridor__V1__Register *id = enc_alloc(c, 1, sizeof *id);
    Corridor__V1__Report *rep = enc_alloc(c, 1, sizeof *rep);
    if (!id || !rep)
        return;
    corridor__v1__register__init(id);
    corridor__v1__report__init(rep);
    enc_register(c, &v->identity, id);
    enc_report(c, &v->report, rep);
    p->identity = id;
    p->report = rep;
    p->state = enc_enum(c, (unsigned)v->state, CORRIDOR_NODE_DEAD + 1);
    p->last_seen_age_ms = v->last_seen_age_ms;
    p->registered_age_ms = v->registered_age_ms;
    p->reports = v->reports;
    p->registrations = v->registrations;
    p->n_routes_total = v->n_routes_total;
}

static void enc_stat(enc_ctx *c, const corridor_stat *s, Corridor__V1__Stat *p)
{
    corridor__v1__stat__init(p);
    p->name = ESTR(c, s->name);
    p->value = s->value;
}

/* Fixed arrays of short strings -> the char ** protobuf-c wants (pointers into the arrays). */
#define ENC_FIXED_STRV(c, arr, n, dst, dst_n)                                                \
    do {                                                                                     \
        if ((n) == 0)                                                                        \
            break;                                                                           \
        if ((n) > sizeof(arr) / sizeof((arr)[0])) {                                          \
            (c)->rc = -EINVAL;                                                               \
            break;                                                                           \
        }                                                                                    \
        char **v_ = enc_alloc((c), (n), sizeof(char *));                                     \
        if (!v_)                                                                             \
            break;                                                                           \
        for (size_t i_ = 0; i_ < (n); i_++)                                                  \
            v_[i_] = ESTR((c), (arr)[i_]);                                                   \
        (dst) = v_;                                                                          \
        (dst_n) = (n);                                                                       \
    } while (0)

static void enc_spec(enc_ctx *c, const corridor_workload_spec *w, Corridor__V1__WorkloadSpec *p)
{
    corridor__v1__workload_spec__init(p);
    p->name = ESTR(c, w->name);
    p->tenant = ESTR(c, w->tenant);
    p->path = ESTR(c, w->path);
    p->args = enc_strv(c, w->args, w->n_args);
    p->n_args = p->args ? w->n_args : 0;
    p->env = enc_strv(c, w->env, w->n_env);
    p->n_env = p->env ? w->n_env : 0;
    p->cpu_millicores = w->cpu_millicores;
    p->memory_bytes = w->memory_bytes;
    p->gpus = w->gpus;
    p->gpu_memory_bytes = w->gpu_memory_bytes;
    if (w->latency_tier < -1 || w->latency_tier >= CORRIDOR_TIER_COUNT)
        c->rc = -EINVAL;
    p->latency_tier = w->latency_tier;
    p->max_latency_us = w->max_latency_us;
    p->has_anchor = w->has_anchor;
    p->anchor_lat = w->anchor_lat;
    p->anchor_lon = w->anchor_lon;
    p->anchor_region = ESTR(c, w->anchor_region);
    ENC_FIXED_STRV(c, w->countries, w->n_countries, p->countries, p->n_countries);
    ENC_FIXED_STRV(c, w->operators, w->n_operators, p->operators, p->n_operators);
    p->replicas = w->replicas;
    p->priority = w->priority;
    p->restart = ESTR(c, w->restart);
}

static void enc_control_request(enc_ctx *c, const corridor_control_request *q,
                                Corridor__V1__ControlRequest *p)
{
    p->kind = enc_enum(c, (unsigned)q->kind, CORRIDOR_CTL_KIND_COUNT);
    p->node_id = ESTR(c, q->node_id);
    p->workload_id = ESTR(c, q->workload_id);
    if (q->kind == CORRIDOR_CTL_NODE_COMMAND) {
        p->command = enc_alloc(c, 1, sizeof *p->command);
        if (p->command) {
            corridor__v1__command__init(p->command);
            enc_command(c, &q->command, p->command);
        }
    }
    if (q->kind == CORRIDOR_CTL_DEPLOY) {
        p->spec = enc_alloc(c, 1, sizeof *p->spec);
        if (p->spec)
            enc_spec(c, &q->spec, p->spec);
    }
}

static void enc_replica(enc_ctx *c, const corridor_replica_view *r, Corridor__V1__ReplicaView *p)
{
    corridor__v1__replica_view__init(p);
    p->instance_id = ESTR(c, r->instance_id);
    p->node_id = ESTR(c, r->node_id);
    p->state = enc_enum(c, (unsigned)r->state, CORRIDOR_WL_STOPPED + 1);
    p->restarts = r->restarts;
    p->reason = ESTR(c, r->reason);
}

static void enc_reject_group(enc_ctx *c, const corridor_reject_group *g,
                             Corridor__V1__RejectGroup *p)
{
    corridor__v1__reject_group__init(p);
    p->reason = ESTR(c, g->reason);
    p->count = g->count;
    p->detail = ESTR(c, g->detail);
}

static void enc_score(enc_ctx *c, const corridor_score_view *v, Corridor__V1__ScoreView *p)
{
    corridor__v1__score_view__init(p);
    p->node_id = ESTR(c, v->node_id);
    p->latency_us = v->latency_us;
    p->latency_measured = v->latency_measured;
    p->latency_headroom = v->latency_headroom;
    p->gpu_balance = v->gpu_balance;
    p->cpu_balance = v->cpu_balance;
    p->spread = v->spread;
    p->stickiness = v->stickiness;
    p->total = v->total;
}

static void enc_workload_view(enc_ctx *c, const corridor_workload_view *v,
                              Corridor__V1__WorkloadView *p)
{
    corridor__v1__workload_view__init(p);
    p->workload_id = ESTR(c, v->workload_id);
    p->spec = enc_alloc(c, 1, sizeof *p->spec);
    if (p->spec)
        enc_spec(c, &v->spec, p->spec);
    p->phase = enc_enum(c, (unsigned)v->phase, CORRIDOR_WORKLOAD_FAILED + 1);
    p->reason = ESTR(c, v->reason);
    p->created_age_ms = v->created_age_ms;
    ENC_REPEATED(c, v->replicas, v->n_replicas, p->n_replicas, p->replicas,
                 Corridor__V1__ReplicaView, enc_replica);
    p->nodes_total = v->nodes_total;
    p->nodes_feasible = v->nodes_feasible;
    ENC_REPEATED(c, v->rejects, v->n_rejects, p->n_rejects, p->rejects,
                 Corridor__V1__RejectGroup, enc_reject_group);
    ENC_REPEATED(c, v->scores, v->n_scores, p->n_scores, p->scores, Corridor__V1__ScoreView,
                 enc_score);
}

static void enc_control_reply(enc_ctx *c, const corridor_control_reply *r,
                              Corridor__V1__ControlReply *p)
{
    if (r->result.command_id[0] || r->result.message[0] || r->result.status) {
        p->result = enc_alloc(c, 1, sizeof *p->result);
        if (p->result) {
            corridor__v1__command_result__init(p->result);
            p->result->command_id = ESTR(c, r->result.command_id);
            p->result->status = enc_enum(c, (unsigned)r->result.status,
                                         CORRIDOR_RESULT_INVALID + 1);
            p->result->error_code = r->result.error_code;
            p->result->message = ESTR(c, r->result.message);
        }
    }
    ENC_REPEATED(c, r->workloads, r->n_workloads, p->n_workloads, p->workloads,
                 Corridor__V1__WorkloadView, enc_workload_view);
    p->status = r->status;
    p->error = ESTR(c, r->error);
    p->orchestrator_id = ESTR(c, r->orchestrator_id);
    ENC_REPEATED(c, r->nodes, r->n_nodes, p->n_nodes, p->nodes, Corridor__V1__NodeView,
                 enc_node_view);
    ENC_REPEATED(c, r->stats, r->n_stats, p->n_stats, p->stats, Corridor__V1__Stat, enc_stat);
}

/* Every payload message starts with its ProtobufCMessage, so base aliases each member. */
typedef union {
    ProtobufCMessage base;
    Corridor__V1__Register reg;
    Corridor__V1__RegisterAck ack;
    Corridor__V1__Report report;
    Corridor__V1__Command cmd;
    Corridor__V1__CommandResult result;
    Corridor__V1__Error err;
    Corridor__V1__Ping ping;
    Corridor__V1__ControlRequest creq;
    Corridor__V1__ControlReply crep;
    Corridor__V1__RuleUpdate rupd;
    Corridor__V1__RuleResult rres;
    Corridor__V1__DataplaneStatsRequest dpsreq;
    Corridor__V1__DataplaneStats dps;
} pb_payload;

static void enc_simple(enc_ctx *c, const corridor_msg *m, pb_payload *p)
{
    switch (m->env.type) {
    case CORRIDOR_MSG_REGISTER_ACK:
        corridor__v1__register_ack__init(&p->ack);
        p->ack.accepted = m->u.ack.accepted;
        p->ack.reason = ESTR(c, m->u.ack.reason);
        p->ack.report_interval_ms = m->u.ack.report_interval_ms;
        p->ack.heartbeat_timeout_ms = m->u.ack.heartbeat_timeout_ms;
        p->ack.orchestrator_id = ESTR(c, m->u.ack.orchestrator_id);
        break;
    case CORRIDOR_MSG_COMMAND_RESULT:
        corridor__v1__command_result__init(&p->result);
        p->result.command_id = ESTR(c, m->u.result.command_id);
        p->result.status = enc_enum(c, (unsigned)m->u.result.status, CORRIDOR_RESULT_INVALID + 1);
        p->result.error_code = m->u.result.error_code;
        p->result.message = ESTR(c, m->u.result.message);
        break;
    case CORRIDOR_MSG_ERROR:
        corridor__v1__error__init(&p->err);
        p->err.reason = enc_enum(c, (unsigned)m->u.err.reason, CORRIDOR_REJECT_COUNT);
        p->err.supported_version = m->u.err.supported_version;
        p->err.received_version = m->u.err.received_version;
        p->err.message = ESTR(c, m->u.err.message);
        break;
    case CORRIDOR_MSG_PING:
    case CORRIDOR_MSG_PONG:
        corridor__v1__ping__init(&p->ping);
        p->ping.origin_timestamp_us = m->u.ping.origin_timestamp_us;
        break;
    default:
        c->rc = -EINVAL;
        break;
    }
}

/* ---- dataplane control ---- */

/* An address as 0, 4 or 16 bytes, borrowed from the struct. */
static ProtobufCBinaryData enc_ipaddr(enc_ctx *c, const corridor_ipaddr *a)
{
    ProtobufCBinaryData b = {0, NULL};
    if (a->family == 4 || a->family == 6) {
        b.len = a->family == 4 ? 4 : 16;
        b.data = (uint8_t *)a->a;
    } else if (a->family != 0) {
        c->rc = -EINVAL;
    }
    return b;
}

static void enc_dp_rule(enc_ctx *c, const corridor_dp_rule *r, Corridor__V1__DpRule *p)
{
    corridor__v1__dp_rule__init(p);
    p->rule_id = r->rule_id;
    p->session_id = ESTR(c, r->session_id);
    p->uplink_teid = r->uplink_teid;
    p->uplink_address = enc_ipaddr(c, &r->uplink_address);
    p->ue_address = enc_ipaddr(c, &r->ue_address);
    p->action = enc_enum(c, (unsigned)r->action, CORRIDOR_DP_ACTION_COUNT);
    p->target_node = ESTR(c, r->target_node);
    p->target_address = enc_ipaddr(c, &r->target_address);
    p->target_teid = r->target_teid;
    p->qfi = r->qfi;
    p->out_port = r->out_port;
    if (r->has_dst_mac) {
        p->dst_mac.len = 6;
        p->dst_mac.data = (uint8_t *)r->dst_mac;
    }
    p->version = r->version;
}

static void enc_rule_op(enc_ctx *c, const corridor_rule_op *o, Corridor__V1__RuleOp *p)
{
    corridor__v1__rule_op__init(p);
    p->op = enc_enum(c, (unsigned)o->op, CORRIDOR_RULE_OP_COUNT);
    p->rule = enc_alloc(c, 1, sizeof *p->rule);
    if (p->rule)
        enc_dp_rule(c, &o->rule, p->rule);
}

static void enc_dataplane(enc_ctx *c, const corridor_msg *m, pb_payload *p)
{
    switch (m->env.type) {
    case CORRIDOR_MSG_RULE_UPDATE:
        corridor__v1__rule_update__init(&p->rupd);
        p->rupd.batch_id = m->u.rupd.batch_id;
        ENC_REPEATED(c, m->u.rupd.ops, m->u.rupd.n_ops, p->rupd.n_ops, p->rupd.ops,
                     Corridor__V1__RuleOp, enc_rule_op);
        break;
    case CORRIDOR_MSG_RULE_RESULT:
        corridor__v1__rule_result__init(&p->rres);
        p->rres.batch_id = m->u.rres.batch_id;
        p->rres.status = m->u.rres.status;
        p->rres.applied = m->u.rres.applied;
        p->rres.failed = m->u.rres.failed;
        p->rres.first_failed = m->u.rres.first_failed;
        p->rres.error = ESTR(c, m->u.rres.error);
        p->rres.rules_total = m->u.rres.rules_total;
        break;
    case CORRIDOR_MSG_DATAPLANE_STATS_REQUEST:
        corridor__v1__dataplane_stats_request__init(&p->dpsreq);
        break;
    default: /* CORRIDOR_MSG_DATAPLANE_STATS */
        corridor__v1__dataplane_stats__init(&p->dps);
        p->dps.dataplane_id = ESTR(c, m->u.dps.dataplane_id);
        ENC_REPEATED(c, m->u.dps.stats, m->u.dps.n_stats, p->dps.n_stats, p->dps.stats,
                     Corridor__V1__Stat, enc_stat);
        break;
    }
}

/* Fill *p from m's union member; -EINVAL for a type this build cannot send. */
static int enc_payload(enc_ctx *c, const corridor_msg *m, pb_payload *p)
{
    switch (m->env.type) {
    case CORRIDOR_MSG_REGISTER:
        corridor__v1__register__init(&p->reg);
        enc_register(c, &m->u.reg, &p->reg);
        break;
    case CORRIDOR_MSG_REPORT:
        corridor__v1__report__init(&p->report);
        enc_report(c, &m->u.report, &p->report);
        break;
    case CORRIDOR_MSG_COMMAND:
        corridor__v1__command__init(&p->cmd);
        enc_command(c, &m->u.cmd, &p->cmd);
        break;
    case CORRIDOR_MSG_CONTROL_REPLY:
        corridor__v1__control_reply__init(&p->crep);
        enc_control_reply(c, &m->u.crep, &p->crep);
        break;
    case CORRIDOR_MSG_CONTROL_REQUEST:
        corridor__v1__control_request__init(&p->creq);
        enc_control_request(c, &m->u.creq, &p->creq);
        break;
    case CORRIDOR_MSG_RULE_UPDATE:
    case CORRIDOR_MSG_RULE_RESULT:
    case CORRIDOR_MSG_DATAPLANE_STATS_REQUEST:
    case CORRIDOR_MSG_DATAPLANE_STATS:
        enc_dataplane(c, m, p);
        break;
    default:
        enc_simple(c, m, p);
        break;
    }
    return c->rc;
}

/* Pack into a fresh buffer (at least one byte, so an empty message is not malloc(0)). */
static int pack_alloc(const ProtobufCMessage *pm, uint8_t **buf, size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(pm);
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return -ENOMEM;
    *len = protobuf_c_message_pack(pm, b);
    *buf = b;
    return 0;
}

int corridor_msg_encode(const corridor_msg *m, uint8_t **buf, size_t *len)
{
    if (!m || !buf || !len)
        return -EINVAL;
    enc_ctx c = {0};
    pb_payload pb;
    uint8_t *payload = NULL;
    size_t payload_len = 0;
    int rc = enc_payload(&c, m, &pb);
    if (rc == 0)
        rc = pack_alloc(&pb.base, &payload, &payload_len);
    enc_free(&c);
    if (rc < 0)
        return rc;

    enc_ctx ec = {0};
    Corridor__V1__Envelope env = CORRIDOR__V1__ENVELOPE__INIT;
    /* Sent as set: corridor_msg_init sets CORRIDOR_PROTOCOL_VERSION; tests play peers of
     * other versions by changing it. */
    env.version = m->env.version;
    env.type = (Corridor__V1__MsgType)m->env.type;
    env.sender_id = ESTR(&ec, m->env.sender_id);
    env.seq = m->env.seq;
    env.correlation_id = m->env.correlation_id;
    env.timestamp_us = m->env.timestamp_us;
    env.payload.data = payload;
    env.payload.len = payload_len;
    rc = ec.rc;
    if (rc == 0)
        rc = pack_alloc(&env.base, buf, len);
    free(payload);
    return rc;
}

/* ======================================================================================
 * Decoding: validation helpers
 * ====================================================================================== */

/* Where a field sits, for error details: a chain of names and indices built on the stack
 * as the decoder descends, formatted only when something fails. */
typedef struct dpath {
    const struct dpath *up;
    const char *name;
    long idx;   /* < 0: not an array element */
} dpath;

static size_t path_format(const dpath *p, char *buf, size_t cap)
{
    size_t n = p->up ? path_format(p->up, buf, cap) : 0;
    if (n >= cap)
        return n;
    int w = p->idx >= 0 ? snprintf(buf + n, cap - n, "%s%s[%ld]", n ? "." : "", p->name, p->idx)
                        : snprintf(buf + n, cap - n, "%s%s", n ? "." : "", p->name);
    return w < 0 ? n : n + (size_t)w;
}

static int field_err(corridor_decode_error *err, const dpath *at, const char *field,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* INVALID_FIELD with "path.field: what is wrong"; returns -EINVAL. */
static int field_err(corridor_decode_error *err, const dpath *at, const char *field,
                     const char *fmt, ...)
{
    char where[128] = "";
    path_format(at, where, sizeof where);
    err->reason = CORRIDOR_REJECT_INVALID_FIELD;
    int n = snprintf(err->detail, sizeof err->detail, "%s.%s: ", where, field);
    if (n >= 0 && (size_t)n < sizeof err->detail) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->detail + n, sizeof err->detail - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int decode_fail(corridor_decode_error *err, corridor_reject_reason reason, int rc,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int decode_fail(corridor_decode_error *err, corridor_reject_reason reason, int rc,
                       const char *fmt, ...)
{
    err->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return rc;
}

static int no_memory(corridor_decode_error *err)
{
    /* Not the peer's fault as such, but the frame cannot be taken: closest is CAPACITY. */
    return decode_fail(err, CORRIDOR_REJECT_CAPACITY, -ENOMEM, "out of memory decoding");
}

/* Copy a string into its fixed array, refusing (never truncating) one that does not fit. */
static int dstr(char *dst, size_t cap, const char *src, const dpath *at, const char *field,
                corridor_decode_error *err)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return field_err(err, at, field, "%zu bytes, longer than the %zu allowed", n, cap - 1);
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

#define ID_SYNTAX "not a valid id (1..63 of [A-Za-z0-9._-], starting with a letter or digit)"

/* An id that may be empty (not given) but must be valid when present. */
static int did(char *dst, size_t cap, const char *src, const dpath *at, const char *field,
               corridor_decode_error *err)
{
    int rc = dstr(dst, cap, src, at, field, err);
    if (rc == 0 && dst[0] && !corridor_id_valid(dst))
        rc = field_err(err, at, field, "%s", ID_SYNTAX);
    return rc;
}

#define DSTR(dst, src, at, field) dstr((dst), sizeof(dst), (src), (at), (field), err)
#define DID(dst, src, at, field) did((dst), sizeof(dst), (src), (at), (field), err)

static int drange(double v, double lo, double hi, const dpath *at, const char *field,
                  corridor_decode_error *err)
{
    /* Written so that NaN fails too. */
    if (!(v >= lo && v <= hi))
        return field_err(err, at, field, "%g is outside %g..%g", v, lo, hi);
    return 0;
}

static int dpct(uint32_t v, const dpath *at, const char *field, corridor_decode_error *err)
{
    if (v > 100)
        return field_err(err, at, field, "%u is over 100 percent", v);
    return 0;
}

/* An enum value this build knows: 0..count-1. */
static int denum(int v, int count, const dpath *at, const char *field,
                 corridor_decode_error *err)
{
    if (v < 0 || v >= count)
        return field_err(err, at, field, "%d is not a known value (0..%d)", v, count - 1);
    return 0;
}

/* ======================================================================================
 * Decoding: protobuf-c structs -> plain structs
 * ====================================================================================== */

static int dec_register(const Corridor__V1__Register *p, corridor_register *r, const dpath *at,
                        corridor_decode_error *err)
{
    static const Corridor__V1__Register empty = CORRIDOR__V1__REGISTER__INIT;
    if (!p)
        p = &empty;
    int rc = DSTR(r->node_id, p->node_id, at, "node_id");
    if (rc == 0 && !corridor_id_valid(r->node_id))
        rc = field_err(err, at, "node_id",
                       "required: 1..63 of [A-Za-z0-9._-], starting with a letter or digit");
    if (rc == 0)
        rc = DSTR(r->plmn, p->plmn, at, "plmn");
    if (rc == 0 && !corridor_plmn_valid(r->plmn))
        rc = field_err(err, at, "plmn", "required: operator code MCC-MNC, e.g. 262-01");
    if (rc == 0)
        rc = DSTR(r->country, p->country, at, "country");
    if (rc == 0 && !corridor_country_valid(r->country))
        rc = field_err(err, at, "country", "required: ISO 3166-1 alpha-2 code, e.g. DE");
    if (rc == 0)
        rc = DID(r->region, p->region, at, "region");
    if (rc == 0 && ((int)p->tier < 1 || (int)p->tier > (int)CORRIDOR_TIER_COUNT))
        rc = field_err(err, at, "tier", "%d is not a tier (1..%d on the wire)", (int)p->tier,
                       CORRIDOR_TIER_COUNT);
    if (rc == 0)
        rc = drange(p->lat, -90, 90, at, "lat", err);
    if (rc == 0)
        rc = drange(p->lon, -180, 180, at, "lon", err);
    if (rc == 0)
        rc = DSTR(r->agent_version, p->agent_version, at, "agent_version");
    if (rc < 0)
        return rc;
    r->tier = (corridor_tier)(p->tier - 1);  /* wire tiers are offset by one */
    r->lat = p->lat;
    r->lon = p->lon;
    if (p->capacity) {
        r->capacity.cpu_millicores = p->capacity->cpu_millicores;
        r->capacity.memory_bytes = p->capacity->memory_bytes;
        r->capacity.gpu_count = p->capacity->gpu_count;
        r->capacity.gpu_memory_bytes = p->capacity->gpu_memory_bytes;
    }
    return 0;
}

static int dec_gpu(const Corridor__V1__Gpu *p, corridor_gpu *g, const dpath *at,
                   corridor_decode_error *err)
{
    int rc = DSTR(g->uuid, p->uuid, at, "uuid");
    if (rc == 0)
        rc = DSTR(g->name, p->name, at, "name");
    if (rc == 0)
        rc = dpct(p->util_pct, at, "util_pct", err);
    if (rc == 0)
        rc = dpct(p->mem_util_pct, at, "mem_util_pct", err);
    if (rc < 0)
        return rc;
    g->index = p->index;
    g->util_pct = p->util_pct;
    g->mem_util_pct = p->mem_util_pct;
    g->mem_used_bytes = p->mem_used_bytes;
    g->mem_total_bytes = p->mem_total_bytes;
    g->temperature_c = p->temperature_c;
    g->power_mw = p->power_mw;
    g->compute_procs = p->compute_procs;
    g->compute_capability = p->compute_capability;
    return 0;
}

static int dec_route(const Corridor__V1__Route *p, corridor_route *r, const dpath *at,
                     corridor_decode_error *err)
{
    if (p->family != 4 && p->family != 6)
        return field_err(err, at, "family", "%u is not 4 or 6", p->family);
    int rc = DSTR(r->dst, p->dst, at, "dst");
    if (rc == 0)
        rc = DSTR(r->gateway, p->gateway, at, "gateway");
    if (rc == 0)
        rc = DSTR(r->oif, p->oif, at, "oif");
    if (rc < 0)
        return rc;
    r->family = (uint8_t)p->family;
    r->table = p->table;
    r->metric = p->metric;
    r->protocol = p->protocol;
    return 0;
}

static int dec_link(const Corridor__V1__Link *p, corridor_link *l, const dpath *at,
                    corridor_decode_error *err)
{
    int rc = DSTR(l->name, p->name, at, "name");
    if (rc < 0)
        return rc;
    l->ifindex = p->ifindex;
    l->up = p->up;
    l->mtu = p->mtu;
    l->rx_bytes = p->rx_bytes;
    l->tx_bytes = p->tx_bytes;
    l->rx_packets = p->rx_packets;
    l->tx_packets = p->tx_packets;
    l->rx_errors = p->rx_errors;
    l->tx_errors = p->tx_errors;
    l->rx_dropped = p->rx_dropped;
    l->tx_dropped = p->tx_dropped;
    return 0;
}

static int dec_workload(const Corridor__V1__WorkloadStatus *p, corridor_workload_status *w,
                        const dpath *at, corridor_decode_error *err)
{
    int rc = DID(w->instance_id, p->instance_id, at, "instance_id");
    if (rc == 0)
        rc = DSTR(w->name, p->name, at, "name");
    if (rc == 0)
        rc = denum((int)p->state, CORRIDOR_WL_STOPPED + 1, at, "state", err);
    if (rc == 0)
        rc = DSTR(w->reason, p->reason, at, "reason");
    if (rc < 0)
        return rc;
    w->state = (corridor_workload_state)p->state;
    w->exit_code = p->exit_code;
    w->restarts = p->restarts;
    w->cpu_time_us = p->cpu_time_us;
    w->memory_bytes = p->memory_bytes;
    w->pid = p->pid;
    w->limits_enforced = p->limits_enforced;
    return 0;
}

static int dec_neighbour(const Corridor__V1__Neighbour *p, corridor_neighbour *n,
                         const dpath *at, corridor_decode_error *err)
{
    int rc = DSTR(n->address, p->address, at, "address");
    if (rc == 0)
        rc = DSTR(n->lladdr, p->lladdr, at, "lladdr");
    if (rc == 0)
        rc = DSTR(n->dev, p->dev, at, "dev");
    n->state = p->state;
    return rc;
}

static int dec_peer_rtt(const Corridor__V1__PeerRtt *p, corridor_peer_rtt *x, const dpath *at,
                        corridor_decode_error *err)
{
    int rc = DID(x->node_id, p->node_id, at, "node_id");
    if (rc == 0)
        rc = DSTR(x->endpoint, p->endpoint, at, "endpoint");
    x->rtt_us = p->rtt_us;
    x->reachable = p->reachable;
    return rc;
}


/*
 * Repeated message fields: allocate the plain array, publish its length at once (so that a
 * failure half-way is freed by the *_fini of the enclosing struct) and convert each element.
 */
#define DEC_REPEATED(err, at, fname, src, n, dst, dst_n, decfn)                               \
    do {                                                                                     \
        if ((n) == 0)                                                                        \
            break;                                                                           \
        (dst) = calloc((n), sizeof *(dst));                                                  \
        if (!(dst))                                                                          \
            return no_memory(err);                                                           \
        (dst_n) = (n);                                                                       \
        for (size_t i_ = 0; i_ < (n); i_++) {                                                \
            dpath el_ = {(at), (fname), (long)i_};                                           \
            int rc_ = decfn((src)[i_], &(dst)[i_], &el_, (err));                             \
            if (rc_ < 0)                                                                     \
                return rc_;                                                                  \
        }                                                                                    \
    } while (0)

static int dec_report_scalars(const Corridor__V1__Report *p, corridor_report *r,
                              const dpath *at, corridor_decode_error *err)
{
    int rc = DID(r->node_id, p->node_id, at, "node_id");
    if (rc == 0)
        rc = drange(p->cpu_util_pct, 0, 100, at, "cpu_util_pct", err);
    if (rc == 0)
        rc = drange(p->load1, 0, DBL_MAX, at, "load1", err);
    if (rc == 0)
        rc = drange(p->load5, 0, DBL_MAX, at, "load5", err);
    if (rc == 0)
        rc = drange(p->load15, 0, DBL_MAX, at, "load15", err);
    if (rc == 0)
        rc = DSTR(r->gpu_source, p->gpu_source, at, "gpu_source");
    if (rc < 0)
        return rc;
    r->cpu_util_pct = p->cpu_util_pct;
    r->load1 = p->load1;
    r->load5 = p->load5;
    r->load15 = p->load15;
    r->mem_total_bytes = p->mem_total_bytes;
    r->mem_available_bytes = p->mem_available_bytes;
    r->uptime_s = p->uptime_s;
    r->routes_full = p->routes_full;
    r->rtt_us = p->rtt_us;
    return 0;
}

static int dec_stat(const Corridor__V1__Stat *p, corridor_stat *s, const dpath *at,
                    corridor_decode_error *err);

/* Report.dataplane into a heap summary owned by r (freed with it, also on failure). */
static int dec_dp_summary(const Corridor__V1__DataplaneSummary *p, corridor_report *r,
                          const dpath *rep_at, corridor_decode_error *err)
{
    const dpath at = {rep_at, "dataplane", -1};
    corridor_dp_summary *d = calloc(1, sizeof *d);
    if (!d)
        return no_memory(err);
    r->dataplane = d;
    int rc = DID(d->dataplane_id, p->dataplane_id, &at, "dataplane_id");
    if (rc == 0)
        rc = DSTR(d->endpoint, p->endpoint, &at, "endpoint");
    if (rc < 0)
        return rc;
    d->reachable = p->reachable;
    d->last_answer_age_ms = p->last_answer_age_ms;
    /* a fixed array: the wire scanner already bounded the count; checked again here */
    if (p->n_counters > CORRIDOR_MAX_DP_COUNTERS)
        return field_err(err, &at, "counters", "more than %d entries", CORRIDOR_MAX_DP_COUNTERS);
    if (p->n_counters && !p->reachable)
        return field_err(err, &at, "counters", "%zu given while unreachable (stale numbers)",
                         p->n_counters);
    for (size_t i = 0; i < p->n_counters; i++) {
        dpath el = {&at, "counters", (long)i};
        if ((rc = dec_stat(p->counters[i], &d->counters[i], &el, err)) < 0)
            return rc;
        if (!d->counters[i].name[0])
            return field_err(err, &el, "name", "empty");
        d->n_counters = i + 1;
    }
    return 0;
}

/* On failure the caller frees r with corridor_report_fini. */
static int dec_report(const Corridor__V1__Report *p, corridor_report *r, const dpath *at,
                      corridor_decode_error *err)
{
    int rc = dec_report_scalars(p, r, at, err);
    if (rc < 0)
        return rc;
    DEC_REPEATED(err, at, "gpus", p->gpus, p->n_gpus, r->gpus, r->n_gpus, dec_gpu);
    DEC_REPEATED(err, at, "routes", p->routes, p->n_routes, r->routes, r->n_routes, dec_route);
    DEC_REPEATED(err, at, "links", p->links, p->n_links, r->links, r->n_links, dec_link);
    DEC_REPEATED(err, at, "workloads", p->workloads, p->n_workloads, r->workloads,
                 r->n_workloads, dec_workload);
    /* a fixed array: the wire scanner already bounded the count; checked again here */
    if (p->n_neighbours > CORRIDOR_MAX_NEIGHBOURS)
        return field_err(err, at, "neighbours", "more than %d entries",
                         CORRIDOR_MAX_NEIGHBOURS);
    for (size_t i = 0; i < p->n_neighbours; i++) {
        dpath el = {at, "neighbours", (long)i};
        if ((rc = dec_neighbour(p->neighbours[i], &r->neighbours[i], &el, err)) < 0)
            return rc;
        r->n_neighbours = i + 1;
    }
    if (p->n_peers > CORRIDOR_MAX_PEERS)
        return field_err(err, at, "peers", "more than %d entries", CORRIDOR_MAX_PEERS);
    for (size_t i = 0; i < p->n_peers; i++) {
        dpath el = {at, "peers", (long)i};
        if ((rc = dec_peer_rtt(p->peers[i], &r->peers[i], &el, err)) < 0)
            return rc;
        r->n_peers = i + 1;
    }
    if (p->dataplane)
        return dec_dp_summary(p->dataplane, r, at, err);
    return 0;
}

/* Heap copies of a repeated string; *out_n is published as the copies are made. */
static int dec_strv(char *const *src, size_t n, char ***out, size_t *out_n,
                    corridor_decode_error *err)
{
    if (n == 0)
        return 0;
    *out = calloc(n, sizeof **out);
    if (!*out)
        return no_memory(err);
    for (size_t i = 0; i < n; i++) {
        (*out)[i] = strdup(src[i] ? src[i] : "");
        if (!(*out)[i])
            return no_memory(err);
        *out_n = i + 1;
    }
    return 0;
}

/* On failure the caller frees c with corridor_command_fini. */
static int dec_command(const Corridor__V1__Command *p, corridor_command *c,
                       corridor_decode_error *err)
{
    const dpath at = {NULL, "command", -1};
    int rc = DID(c->command_id, p->command_id, &at, "command_id");
    /* Kinds this build does not know pass through: the executor answers UNSUPPORTED, which
     * lets new kinds be added without a version bump. */
    if (rc == 0 && (int)p->kind < 0)
        rc = field_err(err, &at, "kind", "%d is negative", (int)p->kind);
    if (rc == 0)
        rc = DID(c->instance_id, p->instance_id, &at, "instance_id");
    if (rc == 0)
        rc = DSTR(c->name, p->name, &at, "name");
    if (rc == 0)
        rc = DSTR(c->path, p->path, &at, "path");
    if (rc == 0)
        rc = dec_strv(p->args, p->n_args, &c->args, &c->n_args, err);
    if (rc == 0)
        rc = dec_strv(p->env, p->n_env, &c->env, &c->n_env, err);
    if (rc == 0)
        rc = DSTR(c->restart, p->restart, &at, "restart");
    if (rc == 0 && c->restart[0] && strcmp(c->restart, "always") != 0 &&
        strcmp(c->restart, "on-failure") != 0 && strcmp(c->restart, "never") != 0)
        rc = field_err(err, &at, "restart", "'%s' is not always, on-failure or never",
                       c->restart);
    if (rc == 0 && p->steering) {
        const dpath st_at = {&at, "steering", -1};
        corridor_steering *st = &c->steering;
        rc = DSTR(st->ue_prefix, p->steering->ue_prefix, &st_at, "ue_prefix");
        if (rc == 0 && p->steering->target_node[0])
            rc = DID(st->target_node, p->steering->target_node, &st_at, "target_node");
        if (rc == 0)
            rc = DSTR(st->target_address, p->steering->target_address, &st_at,
                      "target_address");
        if (rc == 0)
            rc = DSTR(st->gateway, p->steering->gateway, &st_at, "gateway");
        if (rc == 0)
            rc = DSTR(st->dev, p->steering->dev, &st_at, "dev");
        st->teid = p->steering->teid;
        st->table = p->steering->table;
    }
    if (rc < 0)
        return rc;
    c->kind = (corridor_command_kind)p->kind;
    c->cpu_millicores = p->cpu_millicores;
    c->memory_bytes = p->memory_bytes;
    c->gpu_count = p->gpu_count;
    c->timeout_ms = p->timeout_ms;
    return 0;
}

static int dec_node_view(const Corridor__V1__NodeView *p, corridor_node_view *v,
                         const dpath *at, corridor_decode_error *err)
{
    const dpath id_at = {at, "identity", -1};
    const dpath rep_at = {at, "report", -1};
    int rc = dec_register(p->identity, &v->identity, &id_at, err);
    if (rc == 0)
        rc = denum((int)p->state, CORRIDOR_NODE_DEAD + 1, at, "state", err);
    if (rc == 0 && p->report)
        rc = dec_report(p->report, &v->report, &rep_at, err);
    if (rc < 0)
        return rc;
    v->state = (corridor_node_state)p->state;
    v->last_seen_age_ms = p->last_seen_age_ms;
    v->registered_age_ms = p->registered_age_ms;
    v->reports = p->reports;
    v->registrations = p->registrations;
    v->n_routes_total = p->n_routes_total;
    return 0;
}

static int dec_stat(const Corridor__V1__Stat *p, corridor_stat *s, const dpath *at,
                    corridor_decode_error *err)
{
    s->value = p->value;
    return DSTR(s->name, p->name, at, "name");
}

static int dec_result(const Corridor__V1__CommandResult *p, corridor_command_result *r,
                      corridor_decode_error *err);
static int dec_workload_view(const Corridor__V1__WorkloadView *p, corridor_workload_view *v,
                             const dpath *at, corridor_decode_error *err);

/* On failure the caller frees r with corridor_control_reply_fini. */
static int dec_control_reply(const Corridor__V1__ControlReply *p, corridor_control_reply *r,
                             corridor_decode_error *err)
{
    const dpath at = {NULL, "control_reply", -1};
    int rc = DSTR(r->error, p->error, &at, "error");
    if (rc == 0)
        rc = DID(r->orchestrator_id, p->orchestrator_id, &at, "orchestrator_id");
    if (rc < 0)
        return rc;
    r->status = p->status;
    DEC_REPEATED(err, &at, "nodes", p->nodes, p->n_nodes, r->nodes, r->n_nodes, dec_node_view);
    DEC_REPEATED(err, &at, "stats", p->stats, p->n_stats, r->stats, r->n_stats, dec_stat);
    if (p->result) {
        rc = dec_result(p->result, &r->result, err);
        if (rc < 0)
            return rc;
    }
    DEC_REPEATED(err, &at, "workloads", p->workloads, p->n_workloads, r->workloads,
                 r->n_workloads, dec_workload_view);
    return 0;
}

static int dec_ack(const Corridor__V1__RegisterAck *p, corridor_register_ack *a,
                   corridor_decode_error *err)
{
    const dpath at = {NULL, "register_ack", -1};
    int rc = DSTR(a->reason, p->reason, &at, "reason");
    if (rc == 0)
        rc = DID(a->orchestrator_id, p->orchestrator_id, &at, "orchestrator_id");
    a->accepted = p->accepted;
    a->report_interval_ms = p->report_interval_ms;
    a->heartbeat_timeout_ms = p->heartbeat_timeout_ms;
    return rc;
}

static int dec_result(const Corridor__V1__CommandResult *p, corridor_command_result *r,
                      corridor_decode_error *err)
{
    const dpath at = {NULL, "command_result", -1};
    int rc = DID(r->command_id, p->command_id, &at, "command_id");
    if (rc == 0)
        rc = denum((int)p->status, CORRIDOR_RESULT_INVALID + 1, &at, "status", err);
    if (rc == 0)
        rc = DSTR(r->message, p->message, &at, "message");
    r->status = (corridor_result_status)p->status;
    r->error_code = p->error_code;
    return rc;
}

static int dec_error(const Corridor__V1__Error *p, corridor_error *e,
                     corridor_decode_error *err)
{
    const dpath at = {NULL, "error", -1};
    int rc = denum((int)p->reason, CORRIDOR_REJECT_COUNT, &at, "reason", err);
    if (rc == 0)
        rc = DSTR(e->message, p->message, &at, "message");
    e->reason = (corridor_reject_reason)p->reason;
    e->supported_version = p->supported_version;
    e->received_version = p->received_version;
    return rc;
}

/* A repeated string into a fixed array of short strings, each checked by `valid`. */
static int dec_fixed_strv(char *const *src, size_t n, char *dst, size_t each, size_t cap,
                          size_t *out_n, bool (*valid)(const char *), const dpath *at,
                          const char *field, corridor_decode_error *err)
{
    if (n > cap)
        return field_err(err, at, field, "%zu entries, more than the %zu allowed", n, cap);
    for (size_t i = 0; i < n; i++) {
        char *d = dst + i * each;
        int rc = dstr(d, each, src[i], at, field, err);
        if (rc == 0 && !valid(d))
            rc = field_err(err, at, field, "'%s' is not valid here", d);
        if (rc < 0)
            return rc;
    }
    *out_n = n;
    return 0;
}

/* On failure the caller frees s with corridor_workload_spec_fini. */
static int dec_spec(const Corridor__V1__WorkloadSpec *p, corridor_workload_spec *s,
                    const dpath *at, corridor_decode_error *err)
{
    static const Corridor__V1__WorkloadSpec empty = CORRIDOR__V1__WORKLOAD_SPEC__INIT;
    if (!p)
        p = &empty;
    int rc = DID(s->name, p->name, at, "name");
    if (rc == 0)
        rc = DID(s->tenant, p->tenant, at, "tenant");
    if (rc == 0)
        rc = DSTR(s->path, p->path, at, "path");
    if (rc == 0)
        rc = dec_strv(p->args, p->n_args, &s->args, &s->n_args, err);
    if (rc == 0)
        rc = dec_strv(p->env, p->n_env, &s->env, &s->n_env, err);
    if (rc == 0 && (p->latency_tier < -1 || p->latency_tier >= CORRIDOR_TIER_COUNT))
        rc = field_err(err, at, "latency_tier", "%d is not a tier (-1..%d)", p->latency_tier,
                       CORRIDOR_TIER_COUNT - 1);
    if (rc == 0 && p->has_anchor)
        rc = drange(p->anchor_lat, -90, 90, at, "anchor_lat", err);
    if (rc == 0 && p->has_anchor)
        rc = drange(p->anchor_lon, -180, 180, at, "anchor_lon", err);
    if (rc == 0)
        rc = DID(s->anchor_region, p->anchor_region, at, "anchor_region");
    if (rc == 0)
        rc = dec_fixed_strv(p->countries, p->n_countries, s->countries[0],
                            sizeof s->countries[0], CORRIDOR_MAX_ALLOWED, &s->n_countries,
                            corridor_country_valid, at, "countries", err);
    if (rc == 0)
        rc = dec_fixed_strv(p->operators, p->n_operators, s->operators[0],
                            sizeof s->operators[0], CORRIDOR_MAX_ALLOWED, &s->n_operators,
                            corridor_plmn_valid, at, "operators", err);
    if (rc == 0)
        rc = DSTR(s->restart, p->restart, at, "restart");
    if (rc < 0)
        return rc;
    s->cpu_millicores = p->cpu_millicores;
    s->memory_bytes = p->memory_bytes;
    s->gpus = p->gpus;
    s->gpu_memory_bytes = p->gpu_memory_bytes;
    s->latency_tier = p->latency_tier;
    s->max_latency_us = p->max_latency_us;
    s->has_anchor = p->has_anchor;
    s->anchor_lat = p->anchor_lat;
    s->anchor_lon = p->anchor_lon;
    s->replicas = p->replicas;
    s->priority = p->priority;
    return 0;
}

/* On failure the caller frees q with corridor_control_request_fini. */
static int dec_control_request(const Corridor__V1__ControlRequest *p,
                               corridor_control_request *q, corridor_decode_error *err)
{
    const dpath at = {NULL, "control_request", -1};
    const dpath spec_at = {&at, "spec", -1};
    int rc = denum((int)p->kind, CORRIDOR_CTL_KIND_COUNT, &at, "kind", err);
    if (rc == 0)
        rc = DID(q->node_id, p->node_id, &at, "node_id");
    if (rc == 0)
        rc = DID(q->workload_id, p->workload_id, &at, "workload_id");
    if (rc == 0 && p->command)
        rc = dec_command(p->command, &q->command, err);
    if (rc == 0 && p->spec)
        rc = dec_spec(p->spec, &q->spec, &spec_at, err);
    q->kind = (corridor_ctl_kind)p->kind;
    return rc;
}

static int dec_replica(const Corridor__V1__ReplicaView *p, corridor_replica_view *r,
                       const dpath *at, corridor_decode_error *err)
{
    int rc = DID(r->instance_id, p->instance_id, at, "instance_id");
    if (rc == 0)
        rc = DID(r->node_id, p->node_id, at, "node_id");
    if (rc == 0)
        rc = denum((int)p->state, CORRIDOR_WL_STOPPED + 1, at, "state", err);
    if (rc == 0)
        rc = DSTR(r->reason, p->reason, at, "reason");
    r->state = (corridor_workload_state)p->state;
    r->restarts = p->restarts;
    return rc;
}

static int dec_reject_group(const Corridor__V1__RejectGroup *p, corridor_reject_group *g,
                            const dpath *at, corridor_decode_error *err)
{
    int rc = DSTR(g->reason, p->reason, at, "reason");
    if (rc == 0)
        rc = DSTR(g->detail, p->detail, at, "detail");
    g->count = p->count;
    return rc;
}

static int dec_score(const Corridor__V1__ScoreView *p, corridor_score_view *v, const dpath *at,
                     corridor_decode_error *err)
{
    v->latency_us = p->latency_us;
    v->latency_measured = p->latency_measured;
    v->latency_headroom = p->latency_headroom;
    v->gpu_balance = p->gpu_balance;
    v->cpu_balance = p->cpu_balance;
    v->spread = p->spread;
    v->stickiness = p->stickiness;
    v->total = p->total;
    return DID(v->node_id, p->node_id, at, "node_id");
}

static int dec_workload_view(const Corridor__V1__WorkloadView *p, corridor_workload_view *v,
                             const dpath *at, corridor_decode_error *err)
{
    const dpath spec_at = {at, "spec", -1};
    int rc = DID(v->workload_id, p->workload_id, at, "workload_id");
    if (rc == 0)
        rc = dec_spec(p->spec, &v->spec, &spec_at, err);
    if (rc == 0)
        rc = denum((int)p->phase, CORRIDOR_WORKLOAD_FAILED + 1, at, "phase", err);
    if (rc == 0)
        rc = DSTR(v->reason, p->reason, at, "reason");
    if (rc < 0)
        return rc;
    v->phase = (corridor_workload_phase)p->phase;
    v->created_age_ms = p->created_age_ms;
    v->nodes_total = p->nodes_total;
    v->nodes_feasible = p->nodes_feasible;
    DEC_REPEATED(err, at, "replicas", p->replicas, p->n_replicas, v->replicas, v->n_replicas,
                 dec_replica);
    DEC_REPEATED(err, at, "rejects", p->rejects, p->n_rejects, v->rejects, v->n_rejects,
                 dec_reject_group);
    DEC_REPEATED(err, at, "scores", p->scores, p->n_scores, v->scores, v->n_scores, dec_score);
    return 0;
}

/* ---- dataplane control ---- */

static int dec_ipaddr(ProtobufCBinaryData b, corridor_ipaddr *a, const dpath *at,
                      const char *field, corridor_decode_error *err)
{
    memset(a, 0, sizeof *a);
    if (b.len == 0)
        return 0;
    if (b.len != 4 && b.len != 16)
        return field_err(err, at, field, "%zu bytes, not 4 (IPv4) or 16 (IPv6)", b.len);
    a->family = b.len == 4 ? 4 : 6;
    memcpy(a->a, b.data, b.len);
    return 0;
}

static int dec_dp_rule(const Corridor__V1__DpRule *p, corridor_dp_rule *r, bool full,
                       const dpath *at, corridor_decode_error *err)
{
    r->rule_id = p->rule_id;
    if (r->rule_id == 0)
        return field_err(err, at, "rule_id", "required (non-zero)");
    int rc = DID(r->session_id, p->session_id, at, "session_id");
    if (rc == 0)
        rc = DID(r->target_node, p->target_node, at, "target_node");
    if (rc == 0)
        rc = dec_ipaddr(p->uplink_address, &r->uplink_address, at, "uplink_address", err);
    if (rc == 0)
        rc = dec_ipaddr(p->ue_address, &r->ue_address, at, "ue_address", err);
    if (rc == 0)
        rc = dec_ipaddr(p->target_address, &r->target_address, at, "target_address", err);
    if (rc < 0)
        return rc;
    r->uplink_teid = p->uplink_teid;
    r->action = (corridor_dp_action)p->action;
    r->target_teid = p->target_teid;
    r->out_port = p->out_port;
    r->version = p->version;
    if (p->dst_mac.len != 0 && p->dst_mac.len != 6)
        return field_err(err, at, "dst_mac", "%zu bytes, not 6", p->dst_mac.len);
    r->has_dst_mac = p->dst_mac.len == 6;
    if (r->has_dst_mac)
        memcpy(r->dst_mac, p->dst_mac.data, 6);
    if (p->qfi > 63)
        return field_err(err, at, "qfi", "%u is over 63", p->qfi);
    r->qfi = (uint8_t)p->qfi;
    if (!full)   /* delete: the id is all that counts */
        return 0;
    if ((int)p->action < 1 || (int)p->action >= CORRIDOR_DP_ACTION_COUNT)
        return field_err(err, at, "action", "%d is not an action (1..%d)", (int)p->action,
                         CORRIDOR_DP_ACTION_COUNT - 1);
    if (!r->uplink_address.family && !r->ue_address.family)
        return field_err(err, at, "uplink_address",
                         "a rule needs a key: uplink_address (with uplink_teid) or ue_address");
    if (r->action == CORRIDOR_DP_ACTION_FORWARD && !r->target_address.family)
        return field_err(err, at, "target_address", "required for action forward");
    return 0;
}

static int dec_rule_op(const Corridor__V1__RuleOp *p, corridor_rule_op *o, const dpath *at,
                       corridor_decode_error *err)
{
    if ((int)p->op < 1 || (int)p->op >= CORRIDOR_RULE_OP_COUNT)
        return field_err(err, at, "op", "%d is not add (1), modify (2) or delete (3)",
                         (int)p->op);
    o->op = (corridor_rule_op_kind)p->op;
    if (!p->rule)
        return field_err(err, at, "rule", "required");
    dpath rat = {at, "rule", -1};
    return dec_dp_rule(p->rule, &o->rule, o->op != CORRIDOR_RULE_OP_DELETE, &rat, err);
}

static int dec_dataplane(const ProtobufCMessage *pm, corridor_msg *out,
                         corridor_decode_error *err)
{
    static const dpath upd_at = {NULL, "rule_update", -1};
    static const dpath dps_at = {NULL, "dataplane_stats", -1};
    switch (out->env.type) {
    case CORRIDOR_MSG_RULE_UPDATE: {
        const Corridor__V1__RuleUpdate *p = (const Corridor__V1__RuleUpdate *)pm;
        out->u.rupd.batch_id = p->batch_id;
        DEC_REPEATED(err, &upd_at, "ops", p->ops, p->n_ops, out->u.rupd.ops, out->u.rupd.n_ops,
                     dec_rule_op);
        return 0;
    }
    case CORRIDOR_MSG_RULE_RESULT: {
        const Corridor__V1__RuleResult *p = (const Corridor__V1__RuleResult *)pm;
        static const dpath at = {NULL, "rule_result", -1};
        corridor_rule_result *r = &out->u.rres;
        r->batch_id = p->batch_id;
        r->status = p->status;
        r->applied = p->applied;
        r->failed = p->failed;
        r->first_failed = p->first_failed;
        r->rules_total = p->rules_total;
        return DSTR(r->error, p->error, &at, "error");
    }
    case CORRIDOR_MSG_DATAPLANE_STATS: {
        const Corridor__V1__DataplaneStats *p = (const Corridor__V1__DataplaneStats *)pm;
        int rc = DID(out->u.dps.dataplane_id, p->dataplane_id, &dps_at, "dataplane_id");
        if (rc < 0)
            return rc;
        DEC_REPEATED(err, &dps_at, "stats", p->stats, p->n_stats, out->u.dps.stats,
                     out->u.dps.n_stats, dec_stat);
        return 0;
    }
    default: /* DATAPLANE_STATS_REQUEST: no fields */
        return 0;
    }
}

/* Convert the unpacked payload into out->u; on failure the caller frees via free_body. */
static int dec_payload(const ProtobufCMessage *pm, corridor_msg *out,
                       corridor_decode_error *err)
{
    static const dpath reg_at = {NULL, "register", -1};
    static const dpath rep_at = {NULL, "report", -1};
    switch (out->env.type) {
    case CORRIDOR_MSG_REGISTER:
        return dec_register((const Corridor__V1__Register *)pm, &out->u.reg, &reg_at, err);
    case CORRIDOR_MSG_REGISTER_ACK:
        return dec_ack((const Corridor__V1__RegisterAck *)pm, &out->u.ack, err);
    case CORRIDOR_MSG_REPORT:
        return dec_report((const Corridor__V1__Report *)pm, &out->u.report, &rep_at, err);
    case CORRIDOR_MSG_COMMAND:
        return dec_command((const Corridor__V1__Command *)pm, &out->u.cmd, err);
    case CORRIDOR_MSG_COMMAND_RESULT:
        return dec_result((const Corridor__V1__CommandResult *)pm, &out->u.result, err);
    case CORRIDOR_MSG_ERROR:
        return dec_error((const Corridor__V1__Error *)pm, &out->u.err, err);
    case CORRIDOR_MSG_PING:
    case CORRIDOR_MSG_PONG:
        out->u.ping.origin_timestamp_us = ((const Corridor__V1__Ping *)pm)->origin_timestamp_us;
        return 0;
    case CORRIDOR_MSG_CONTROL_REQUEST:
        return dec_control_request((const Corridor__V1__ControlRequest *)pm, &out->u.creq, err);
    case CORRIDOR_MSG_CONTROL_REPLY:
        return dec_control_reply((const Corridor__V1__ControlReply *)pm, &out->u.crep, err);
    case CORRIDOR_MSG_RULE_UPDATE:
    case CORRIDOR_MSG_RULE_RESULT:
    case CORRIDOR_MSG_DATAPLANE_STATS_REQUEST:
    case CORRIDOR_MSG_DATAPLANE_STATS:
        return dec_dataplane(pm, out, err);
    default:
        return decode_fail(err, CORRIDOR_REJECT_UNKNOWN_TYPE, -ENOTSUP, "no decoder");
    }
}

/* ======================================================================================
 * Decoding: the frame
 * ====================================================================================== */

/* What each type's payload is: protobuf-c descriptor and wire rules. NULL: unknown type. */
typedef struct {
    const ProtobufCMessageDescriptor *desc;
    const corridor_wire_rule *rules;
} payload_kind;

static payload_kind payload_kind_of(uint32_t type)
{
    payload_kind k = {NULL, NULL};
    switch (type) {
    case CORRIDOR_MSG_REGISTER:
        k = (payload_kind){&corridor__v1__register__descriptor, rules_register};
        break;
    case CORRIDOR_MSG_REGISTER_ACK:
        k = (payload_kind){&corridor__v1__register_ack__descriptor, rules_leaf};
        break;
    case CORRIDOR_MSG_REPORT:
        k = (payload_kind){&corridor__v1__report__descriptor, rules_report};
        break;
    case CORRIDOR_MSG_COMMAND:
        k = (payload_kind){&corridor__v1__command__descriptor, rules_command};
        break;
    case CORRIDOR_MSG_COMMAND_RESULT:
        k = (payload_kind){&corridor__v1__command_result__descriptor, rules_leaf};
        break;
    case CORRIDOR_MSG_ERROR:
        k = (payload_kind){&corridor__v1__error__descriptor, rules_leaf};
        break;
    case CORRIDOR_MSG_PING:
    case CORRIDOR_MSG_PONG:
        k = (payload_kind){&corridor__v1__ping__descriptor, rules_leaf};
        break;
    case CORRIDOR_MSG_CONTROL_REQUEST:
        k = (payload_kind){&corridor__v1__control_request__descriptor, rules_control_request};
        break;
    case CORRIDOR_MSG_CONTROL_REPLY:
        k = (payload_kind){&corridor__v1__control_reply__descriptor, rules_control_reply};
        break;
    case CORRIDOR_MSG_RULE_UPDATE:
        k = (payload_kind){&corridor__v1__rule_update__descriptor, rules_rule_update};
        break;
    case CORRIDOR_MSG_RULE_RESULT:
        k = (payload_kind){&corridor__v1__rule_result__descriptor, rules_leaf};
        break;
    case CORRIDOR_MSG_DATAPLANE_STATS_REQUEST:
        k = (payload_kind){&corridor__v1__dataplane_stats_request__descriptor, rules_leaf};
        break;
    case CORRIDOR_MSG_DATAPLANE_STATS:
        k = (payload_kind){&corridor__v1__dataplane_stats__descriptor, rules_dp_stats};
        break;
    default:
        break;
    }
    return k;
}

/* Copy the envelope; *sender_ok is false when sender_id does not fit (checked later, after
 * version and type, so a peer of another version still gets the right answer). */
static void fill_env(const Corridor__V1__Envelope *e, corridor_envelope *env, bool *sender_ok)
{
    env->version = e->version;
    env->type = (corridor_msg_type)e->type;
    env->seq = e->seq;
    env->correlation_id = e->correlation_id;
    env->timestamp_us = e->timestamp_us;
    size_t n = e->sender_id ? strlen(e->sender_id) : 0;
    *sender_ok = n < sizeof env->sender_id;
    if (*sender_ok && n)
        memcpy(env->sender_id, e->sender_id, n + 1);
}

static int bad_version(uint32_t version, corridor_decode_error *err)
{
    return decode_fail(err, CORRIDOR_REJECT_BAD_VERSION, -EPROTO,
                       "protocol version %u not supported (this orchestrator speaks %u)",
                       version, CORRIDOR_PROTOCOL_VERSION);
}

/* protobuf-c could not unpack an envelope that passed the scanner. Perhaps a future version
 * changed a field's type; versions and types are frozen, so answer with those if they are
 * readable and not ours, else call it malformed. */
static int envelope_unpack_failed(const uint8_t *buf, size_t len, corridor_envelope *env,
                                  corridor_decode_error *err)
{
    uint32_t version = 0, type = 0;
    if (corridor_wire_peek_envelope(buf, len, &version, &type) == 0 &&
        version != CORRIDOR_PROTOCOL_VERSION) {
        env->version = version;
        env->type = (corridor_msg_type)type;
        return bad_version(version, err);
    }
    return decode_fail(err, CORRIDOR_REJECT_MALFORMED, -EBADMSG,
                       "envelope: not a valid protobuf Envelope");
}

/* Version, type and sender of an unpacked envelope, in that order. */
static int check_envelope(const corridor_envelope *env, bool sender_ok,
                          const Corridor__V1__Envelope *e, corridor_decode_error *err)
{
    const dpath at = {NULL, "envelope", -1};
    if (env->version != CORRIDOR_PROTOCOL_VERSION)
        return bad_version(env->version, err);
    if (!payload_kind_of((uint32_t)env->type).desc)
        return decode_fail(err, CORRIDOR_REJECT_UNKNOWN_TYPE, -ENOTSUP,
                           "message type %d unknown", (int)env->type);
    if (!sender_ok)
        return field_err(err, &at, "sender_id", "%zu bytes, longer than the %d allowed",
                         strlen(e->sender_id), CORRIDOR_ID_MAX);
    if (env->sender_id[0] && !corridor_id_valid(env->sender_id))
        return field_err(err, &at, "sender_id", "%s", ID_SYNTAX);
    return 0;
}

/* Scan, unpack and convert the payload into out->u. */
static int decode_body(const ProtobufCBinaryData *payload, const corridor_msg_limits *lim,
                       corridor_msg *out, corridor_decode_error *err)
{
    static const uint8_t nothing[1];
    const uint8_t *data = payload->len ? payload->data : nothing;
    payload_kind k = payload_kind_of((uint32_t)out->env.type);
    const char *what = corridor_msg_type_name(out->env.type);
    /* depth 1: the payload is nested in the envelope. */
    int rc = corridor_wire_check(data, payload->len, k.rules, lim, 1, what, err);
    if (rc < 0)
        return rc;
    ProtobufCMessage *pm = protobuf_c_message_unpack(k.desc, NULL, payload->len, data);
    if (!pm)
        return decode_fail(err, CORRIDOR_REJECT_MALFORMED, -EBADMSG,
                           "%s: not a valid protobuf %s payload", what, k.desc->short_name);
    rc = dec_payload(pm, out, err);
    protobuf_c_message_free_unpacked(pm, NULL);
    return rc;
}

static const corridor_wire_rule rules_envelope[] = {{.field = 0}};

int corridor_msg_decode(const uint8_t *buf, size_t len, const corridor_msg_limits *lim,
                        corridor_msg *out, corridor_decode_error *err)
{
    corridor_decode_error scratch;
    corridor_msg_limits defaults;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (!out || (!buf && len))
        return decode_fail(err, CORRIDOR_REJECT_NONE, -EINVAL, "no buffer or no message");
    memset(out, 0, sizeof *out);
    if (!lim) {
        corridor_msg_limits_default(&defaults);
        lim = &defaults;
    }

    if (len > lim->max_frame_bytes)
        return decode_fail(err, CORRIDOR_REJECT_TOO_LARGE, -EMSGSIZE,
                           "frame of %zu bytes over the limit of %u", len, lim->max_frame_bytes);
    if (len == 0)
        return decode_fail(err, CORRIDOR_REJECT_MALFORMED, -EBADMSG, "empty frame");
    int rc = corridor_wire_check(buf, len, rules_envelope, lim, 0, "envelope", err);
    if (rc < 0)
        return rc;
    Corridor__V1__Envelope *e = corridor__v1__envelope__unpack(NULL, len, buf);
    if (!e)
        return envelope_unpack_failed(buf, len, &out->env, err);

    bool sender_ok;
    fill_env(e, &out->env, &sender_ok);
    rc = check_envelope(&out->env, sender_ok, e, err);
    if (rc == 0)
        rc = decode_body(&e->payload, lim, out, err);
    corridor__v1__envelope__free_unpacked(e, NULL);
    if (rc < 0)
        free_body(out);
    return rc;
}
