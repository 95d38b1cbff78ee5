#include "core.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "hashmap.h"
#include "liveness.h"
#include "log.h"
#include "msg_copy.h"

static void node_free(corridor_node *n)
{
    if (!n)
        return;
    corridor_report_fini(&n->report);
    free(n->peer);
    free(n);
}

corridor_core *corridor_core_new(const corridor_core_config *cfg)
{
    corridor_core *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = *cfg;
    if (c->cfg.suspect_after_ms == 0)
        c->cfg.suspect_after_ms = 2 * c->cfg.report_interval_ms;
    if (c->cfg.max_nodes == 0)
        c->cfg.max_nodes = 100000;
    c->live.suspect_after_ms = c->cfg.suspect_after_ms;
    c->live.dead_after_ms = c->cfg.heartbeat_timeout_ms;
    c->nodes = corridor_hashmap_new(64);
    c->peers = corridor_hashmap_new(64);
    if (!c->nodes || !c->peers || corridor_node_index_init(&c->index) < 0 ||
        corridor_place_init(c) < 0 || corridor_workloads_init(c) < 0) {
        corridor_core_free(&c);
        return NULL;
    }
    return c;
}

void corridor_core_free(corridor_core **pc)
{
    if (!pc || !*pc)
        return;
    corridor_core *c = *pc;
    if (c->nodes) {
        size_t pos = 0;
        void *v;
        while (corridor_hashmap_next(c->nodes, &pos, NULL, &v))
            node_free(v);
    }
    corridor_workloads_fini(c);
    corridor_place_fini(c);
    corridor_node_index_fini(&c->index);
    corridor_hashmap_free(&c->nodes);
    corridor_hashmap_free(&c->peers);
    free(c);
    *pc = NULL;
}

void corridor_core_set_observer(corridor_core *c, corridor_core_observer_fn fn, void *ud)
{
    c->observer = fn;
    c->observer_ud = ud;
}

static void emit(corridor_core *c, corridor_core_event_kind kind, const corridor_node *n,
                 corridor_node_state from, corridor_node_state to, uint64_t now_ms)
{
    if (!c->observer)
        return;
    corridor_core_event ev = {.kind = kind, .node = n, .from = from, .to = to, .now_ms = now_ms};
    c->observer(c->observer_ud, &ev);
}

static void set_state(corridor_core *c, corridor_node *n, corridor_node_state to, uint64_t now_ms)
{
    corridor_node_state from = n->state;
    if (from == to)
        return;
    n->state = to;
    n->state_since_ms = now_ms;
    c->stats.transitions[from][to]++;
    corridor_log(to == CORRIDOR_NODE_ALIVE ? CORRIDOR_LOG_INFO : CORRIDOR_LOG_WARN, "core",
                 "node state changed", "node=%s from=%s to=%s silence_ms=%llu",
                 n->identity.node_id, corridor_node_state_name(from),
                 corridor_node_state_name(to),
                 (unsigned long long)(now_ms - n->last_seen_ms));
    emit(c, CORRIDOR_CORE_EV_STATE, n, from, to, now_ms);
    corridor_workloads_on_state(c, n, to, now_ms);
}

static void fill_ack(const corridor_core *c, corridor_register_ack *ack)
{
    memset(ack, 0, sizeof *ack);
    ack->report_interval_ms = c->cfg.report_interval_ms;
    ack->heartbeat_timeout_ms = c->cfg.heartbeat_timeout_ms;
    snprintf(ack->orchestrator_id, sizeof ack->orchestrator_id, "%s", c->cfg.orchestrator_id);
}

static int refuse(corridor_core *c, corridor_register_ack *ack, corridor_reject_reason why,
                  int rc, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int refuse(corridor_core *c, corridor_register_ack *ack, corridor_reject_reason why,
                  int rc, const char *fmt, ...)
{
    c->stats.rejected[why]++;
    ack->accepted = false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ack->reason, sizeof ack->reason, fmt, ap);
    va_end(ap);
    return rc;
}

/* Move the peer binding of n to `peer`, dropping any binding the peer had to another node. */
static int bind_peer(corridor_core *c, corridor_node *n, const char *peer)
{
    if (n->peer && strcmp(n->peer, peer) == 0)
        return 0;
    corridor_node *prev = corridor_hashmap_get(c->peers, peer);
    if (prev && prev != n) {
        /* one connection re-registering as another node: it no longer speaks for the first */
        corridor_hashmap_remove(c->peers, peer);
        free(prev->peer);
        prev->peer = NULL;
    }
    char *copy = strdup(peer);
    if (!copy || corridor_hashmap_put(c->peers, peer, n, NULL) < 0) {
        free(copy);
        return -ENOMEM;
    }
    if (n->peer) {
        corridor_hashmap_remove(c->peers, n->peer);
        free(n->peer);
    }
    n->peer = copy;
    return 0;
}

int corridor_core_register(corridor_core *c, uint64_t now_ms, const char *peer,
                           const corridor_register *reg, corridor_register_ack *ack)
{
    fill_ack(c, ack);
    if (!corridor_id_valid(reg->node_id))
        return refuse(c, ack, CORRIDOR_REJECT_INVALID_FIELD, -EINVAL,
                      "node_id '%s' is not a valid id", reg->node_id);
    if (!corridor_plmn_valid(reg->plmn))
        return refuse(c, ack, CORRIDOR_REJECT_INVALID_FIELD, -EINVAL,
                      "operator '%s' is not a PLMN (MCC-MNC)", reg->plmn);
    if (!corridor_country_valid(reg->country))
        return refuse(c, ack, CORRIDOR_REJECT_INVALID_FIELD, -EINVAL,
                      "country '%s' is not an ISO 3166-1 alpha-2 code", reg->country);

    corridor_node *n = corridor_hashmap_get(c->nodes, reg->node_id);
    bool known = n != NULL;
    if (!n) {
        if (corridor_hashmap_count(c->nodes) >= c->cfg.max_nodes)
            return refuse(c, ack, CORRIDOR_REJECT_CAPACITY, -ENOSPC,
                          "orchestrator is full (limits.max_nodes reached)");
        n = calloc(1, sizeof *n);
        if (!n || corridor_hashmap_put(c->nodes, reg->node_id, n, NULL) < 0) {
            free(n);
            return refuse(c, ack, CORRIDOR_REJECT_CAPACITY, -ENOMEM, "out of memory");
        }
        n->state = CORRIDOR_NODE_ALIVE;
        n->state_since_ms = now_ms;
    } else if (strcmp(n->identity.plmn, reg->plmn) != 0 ||
               strcmp(n->identity.country, reg->country) != 0 ||
               n->identity.tier != reg->tier) {
        corridor_log(CORRIDOR_LOG_WARN, "core", "node identity changed",
                     "node=%s operator=%s->%s country=%s->%s tier=%s->%s", reg->node_id,
                     n->identity.plmn, reg->plmn, n->identity.country, reg->country,
                     corridor_tier_name(n->identity.tier), corridor_tier_name(reg->tier));
    }
    if (bind_peer(c, n, peer) < 0) {
        if (!known) {
            corridor_hashmap_remove(c->nodes, reg->node_id);
            node_free(n);
        }
        return refuse(c, ack, CORRIDOR_REJECT_CAPACITY, -ENOMEM, "out of memory");
    }
    n->identity = *reg;
    if (corridor_node_index_put(&c->index, n) < 0)
        return refuse(c, ack, CORRIDOR_REJECT_CAPACITY, -ENOMEM, "out of memory");
    n->registrations++;
    n->registered_ms = now_ms;
    n->last_seen_ms = now_ms;
    c->stats.registrations++;
    if (known)
        c->stats.reregistrations++;
    corridor_log(CORRIDOR_LOG_INFO, "core", known ? "node re-registered" : "node registered",
                 "node=%s operator=%s country=%s region=%s tier=%s registrations=%u",
                 reg->node_id, reg->plmn, reg->country, reg->region,
                 corridor_tier_name(reg->tier), n->registrations);
    set_state(c, n, CORRIDOR_NODE_ALIVE, now_ms);
    emit(c, CORRIDOR_CORE_EV_REGISTERED, n, n->state, n->state, now_ms);
    ack->accepted = true;
    return 0;
}

/* The node's dataplane (Report.dataplane) going away or coming back is an operator's event:
 * one line per change, not per report. */
static void note_dataplane(const corridor_node *n, const corridor_report *rep)
{
    const corridor_dp_summary *was = n->has_report ? n->report.dataplane : NULL;
    const corridor_dp_summary *now = rep->dataplane;
    if (!now || (was && was->reachable == now->reachable))
        return;
    if (!was && now->reachable)
        return; /* first sight of a healthy dataplane: nothing to say */
    corridor_log(now->reachable ? CORRIDOR_LOG_INFO : CORRIDOR_LOG_WARN, "core",
                 now->reachable ? "node dataplane reachable" : "node dataplane unreachable",
                 "node=%s dataplane=%s endpoint=%s last_answer_age_ms=%llu",
                 n->identity.node_id, now->dataplane_id[0] ? now->dataplane_id : "-",
                 now->endpoint, (unsigned long long)now->last_answer_age_ms);
}

int corridor_core_report(corridor_core *c, uint64_t now_ms, const char *peer,
                         corridor_report *rep)
{
    corridor_node *n = corridor_hashmap_get(c->peers, peer);
    if (!n) {
        c->stats.rejected[CORRIDOR_REJECT_NOT_REGISTERED]++;
        return -ENOENT;
    }
    if (strcmp(n->identity.node_id, rep->node_id) != 0) {
        c->stats.rejected[CORRIDOR_REJECT_IDENTITY_MISMATCH]++;
        return -EPERM;
    }
    note_dataplane(n, rep);
    corridor_report_fini(&n->report);
    n->report = *rep;
    memset(rep, 0, sizeof *rep);
    n->has_report = true;
    corridor_node_hot_update(n);
    n->reports++;
    n->last_seen_ms = now_ms;
    c->stats.reports++;
    set_state(c, n, CORRIDOR_NODE_ALIVE, now_ms);
    corridor_workloads_on_report(c, n, now_ms);
    return 0;
}

size_t corridor_core_tick(corridor_core *c, uint64_t now_ms)
{
    size_t changed = 0;
    /* the dense array, not the hash map: a tick walks every node */
    for (uint32_t i = 0; i < c->index.all.n; i++) {
        corridor_node *n = c->index.all.v[i];
        uint64_t silence = now_ms > n->last_seen_ms ? now_ms - n->last_seen_ms : 0;
        corridor_node_state s = corridor_liveness_state(&c->live, silence);
        /* liveness only degrades here; only a message brings a node back */
        if (s > n->state) {
            set_state(c, n, s, now_ms);
            changed++;
        }
    }
    corridor_place_expire(c, now_ms);
    corridor_workloads_tick(c, now_ms);
    return changed;
}

uint64_t corridor_core_next_tick_ms(const corridor_core *c, uint64_t now_ms)
{
    uint64_t best = UINT64_MAX;
    size_t pos = 0;
    void *v;
    while (corridor_hashmap_next(c->nodes, &pos, NULL, &v)) {
        const corridor_node *n = v;
        uint64_t silence = now_ms > n->last_seen_ms ? now_ms - n->last_seen_ms : 0;
        uint64_t d = corridor_liveness_next_change_ms(&c->live, silence);
        if (d < best)
            best = d;
    }
    return best;
}

void corridor_core_peer_gone(corridor_core *c, const char *peer)
{
    corridor_node *n = corridor_hashmap_remove(c->peers, peer);
    if (n) {
        free(n->peer);
        n->peer = NULL;
    }
}

const corridor_node *corridor_core_node(const corridor_core *c, const char *node_id)
{
    return corridor_hashmap_get(c->nodes, node_id);
}

size_t corridor_core_node_count(const corridor_core *c) { return corridor_hashmap_count(c->nodes); }

size_t corridor_core_count_state(const corridor_core *c, corridor_node_state s)
{
    size_t k = 0, pos = 0;
    void *v;
    while (corridor_hashmap_next(c->nodes, &pos, NULL, &v))
        k += ((corridor_node *)v)->state == s;
    return k;
}

static int cmp_node_id(const void *a, const void *b)
{
    const corridor_node *x = *(const corridor_node *const *)a;
    const corridor_node *y = *(const corridor_node *const *)b;
    return strcmp(x->identity.node_id, y->identity.node_id);
}

int corridor_core_nodes_sorted(const corridor_core *c, const corridor_node ***out, size_t *n)
{
    size_t count = corridor_hashmap_count(c->nodes), i = 0, pos = 0;
    const corridor_node **arr = calloc(count ? count : 1, sizeof *arr);
    if (!arr)
        return -ENOMEM;
    void *v;
    while (corridor_hashmap_next(c->nodes, &pos, NULL, &v))
        arr[i++] = v;
    qsort(arr, count, sizeof *arr, cmp_node_id);
    *out = arr;
    *n = count;
    return 0;
}

int corridor_core_node_view(const corridor_node *n, uint64_t now_ms, bool with_routes,
                            corridor_node_view *v)
{
    memset(v, 0, sizeof *v);
    v->identity = n->identity;
    v->state = n->state;
    v->last_seen_age_ms = now_ms > n->last_seen_ms ? now_ms - n->last_seen_ms : 0;
    v->registered_age_ms = now_ms > n->registered_ms ? now_ms - n->registered_ms : 0;
    v->reports = n->reports;
    v->registrations = n->registrations;
    v->n_routes_total = (uint32_t)n->report.n_routes;
    if (!n->has_report) {
        snprintf(v->report.node_id, sizeof v->report.node_id, "%s", n->identity.node_id);
        return 0;
    }
    return corridor_report_copy(&v->report, &n->report, with_routes);
}

corridor_core_stats *corridor_core_stats_get(corridor_core *c) { return &c->stats; }

const corridor_node *corridor_core_node_by_peer(const corridor_core *c, const char *peer)
{
    return corridor_hashmap_get(c->peers, peer);
}
const corridor_core_config *corridor_core_config_get(const corridor_core *c) { return &c->cfg; }
