/* orchestrator/core: registry, identity binding and liveness, driven by an injected clock. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "liveness.h"
#include "log.h"
#include "msg_copy.h"
#include "testutil.h"

static corridor_core *make_core(uint32_t max_nodes)
{
    corridor_core_config cfg = {
        .report_interval_ms = 1000,
        .suspect_after_ms = 0,          /* -> 2000 */
        .heartbeat_timeout_ms = 5000,
        .max_nodes = max_nodes,
    };
    snprintf(cfg.orchestrator_id, sizeof cfg.orchestrator_id, "orch-test");
    return corridor_core_new(&cfg);
}

static corridor_register node(const char *id, const char *plmn, const char *country)
{
    corridor_register r;
    memset(&r, 0, sizeof r);
    snprintf(r.node_id, sizeof r.node_id, "%s", id);
    snprintf(r.plmn, sizeof r.plmn, "%s", plmn);
    snprintf(r.country, sizeof r.country, "%s", country);
    snprintf(r.region, sizeof r.region, "eu-central");
    r.tier = CORRIDOR_TIER_FAR_EDGE;
    r.capacity.cpu_millicores = 16000;
    return r;
}

static int report(corridor_core *c, uint64_t now, const char *peer, const char *id)
{
    corridor_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.node_id, sizeof r.node_id, "%s", id);
    r.cpu_util_pct = 12.5;
    return corridor_core_report(c, now, peer, &r);
}

static corridor_node_state state_of(corridor_core *c, const char *id)
{
    const corridor_node *n = corridor_core_node(c, id);
    return n ? n->state : (corridor_node_state)-1;
}

static void test_liveness_function(void)
{
    corridor_liveness_params p = {.suspect_after_ms = 2000, .dead_after_ms = 5000};
    CHECK_EQ_INT(corridor_liveness_state(&p, 0), CORRIDOR_NODE_ALIVE);
    CHECK_EQ_INT(corridor_liveness_state(&p, 1999), CORRIDOR_NODE_ALIVE);
    CHECK_EQ_INT(corridor_liveness_state(&p, 2000), CORRIDOR_NODE_SUSPECT);
    CHECK_EQ_INT(corridor_liveness_state(&p, 4999), CORRIDOR_NODE_SUSPECT);
    CHECK_EQ_INT(corridor_liveness_state(&p, 5000), CORRIDOR_NODE_DEAD);
    CHECK_EQ_INT(corridor_liveness_next_change_ms(&p, 500), 1500);
    CHECK_EQ_INT(corridor_liveness_next_change_ms(&p, 2500), 2500);
    CHECK(corridor_liveness_next_change_ms(&p, 6000) == UINT64_MAX);
}

static void test_register_and_ack(void)
{
    corridor_core *c = make_core(0);
    corridor_register r = node("de-muc-far-01", "262-01", "DE");
    corridor_register_ack ack;
    CHECK_EQ_INT(corridor_core_register(c, 1000, "peer-a", &r, &ack), 0);
    CHECK(ack.accepted);
    CHECK_EQ_INT(ack.report_interval_ms, 1000);
    CHECK_EQ_INT(ack.heartbeat_timeout_ms, 5000);
    CHECK_EQ_STR(ack.orchestrator_id, "orch-test");
    CHECK_EQ_INT(corridor_core_node_count(c), 1);
    CHECK_EQ_INT(state_of(c, "de-muc-far-01"), CORRIDOR_NODE_ALIVE);
    CHECK_EQ_INT(corridor_core_config_get(c)->suspect_after_ms, 2000);

    /* invalid identities are refused with a reason */
    corridor_register bad = node("de-muc-far-02", "26201", "DE");
    CHECK_EQ_INT(corridor_core_register(c, 1000, "peer-b", &bad, &ack), -EINVAL);
    CHECK(!ack.accepted);
    CHECK_CONTAINS(ack.reason, "26201");
    bad = node("de-muc-far-02", "262-01", "XX");
    CHECK_EQ_INT(corridor_core_register(c, 1000, "peer-b", &bad, &ack), -EINVAL);
    CHECK_CONTAINS(ack.reason, "XX");
    bad = node("", "262-01", "DE");
    CHECK_EQ_INT(corridor_core_register(c, 1000, "peer-b", &bad, &ack), -EINVAL);
    CHECK_EQ_INT(corridor_core_node_count(c), 1);
    CHECK_EQ_INT(corridor_core_stats_get(c)->rejected[CORRIDOR_REJECT_INVALID_FIELD], 3);
    corridor_core_free(&c);
    CHECK(c == NULL);
}

static void test_liveness_transitions(void)
{
    corridor_core *c = make_core(0);
    corridor_register r = node("n1", "262-01", "DE");
    corridor_register_ack ack;
    corridor_core_register(c, 10000, "p1", &r, &ack);
    CHECK_EQ_INT(report(c, 10000, "p1", "n1"), 0);

    CHECK_EQ_INT(corridor_core_tick(c, 11999), 0);
    CHECK_EQ_INT(state_of(c, "n1"), CORRIDOR_NODE_ALIVE);
    CHECK_EQ_INT(corridor_core_next_tick_ms(c, 11999), 1);
    CHECK_EQ_INT(corridor_core_tick(c, 12000), 1);              /* one interval late */
    CHECK_EQ_INT(state_of(c, "n1"), CORRIDOR_NODE_SUSPECT);
    CHECK_EQ_INT(corridor_core_tick(c, 13000), 0);              /* logged and counted once */
    CHECK_EQ_INT(corridor_core_tick(c, 15000), 1);              /* heartbeat timeout */
    CHECK_EQ_INT(state_of(c, "n1"), CORRIDOR_NODE_DEAD);
    CHECK_EQ_INT(corridor_core_tick(c, 60000), 0);
    CHECK_EQ_INT(report(c, 61000, "p1", "n1"), 0);              /* back on the next report */
    CHECK_EQ_INT(state_of(c, "n1"), CORRIDOR_NODE_ALIVE);

    /* a node that jumps straight past both thresholds goes alive -> dead in one tick */
    CHECK_EQ_INT(corridor_core_tick(c, 70000), 1);
    CHECK_EQ_INT(state_of(c, "n1"), CORRIDOR_NODE_DEAD);

    const corridor_core_stats *s = corridor_core_stats_get(c);
    CHECK_EQ_INT(s->transitions[CORRIDOR_NODE_ALIVE][CORRIDOR_NODE_SUSPECT], 1);
    CHECK_EQ_INT(s->transitions[CORRIDOR_NODE_SUSPECT][CORRIDOR_NODE_DEAD], 1);
    CHECK_EQ_INT(s->transitions[CORRIDOR_NODE_DEAD][CORRIDOR_NODE_ALIVE], 1);
    CHECK_EQ_INT(s->transitions[CORRIDOR_NODE_ALIVE][CORRIDOR_NODE_DEAD], 1);
    CHECK_EQ_INT(s->reports, 2);
    CHECK_EQ_INT(corridor_core_count_state(c, CORRIDOR_NODE_DEAD), 1);
    corridor_core_free(&c);
}

static void test_identity_binding(void)
{
    corridor_core *c = make_core(0);
    corridor_register_ack ack;
    corridor_register a = node("node-a", "262-01", "DE"), b = node("node-b", "232-01", "AT");
    corridor_core_register(c, 0, "pa", &a, &ack);
    corridor_core_register(c, 0, "pb", &b, &ack);

    CHECK_EQ_INT(report(c, 100, "pa", "node-b"), -EPERM);   /* a node cannot report for another */
    CHECK_EQ_INT(report(c, 100, "px", "node-a"), -ENOENT);  /* unknown connection */
    CHECK_EQ_INT(report(c, 100, "pa", "node-a"), 0);
    const corridor_core_stats *s = corridor_core_stats_get(c);
    CHECK_EQ_INT(s->rejected[CORRIDOR_REJECT_IDENTITY_MISMATCH], 1);
    CHECK_EQ_INT(s->rejected[CORRIDOR_REJECT_NOT_REGISTERED], 1);

    /* the agent restarts: a new connection registers the same node -> no duplicate, the old
     * connection no longer speaks for it */
    CHECK_EQ_INT(corridor_core_register(c, 200, "pa2", &a, &ack), 0);
    CHECK_EQ_INT(corridor_core_node_count(c), 2);
    CHECK_EQ_INT(corridor_core_node(c, "node-a")->registrations, 2);
    CHECK_EQ_INT(s->reregistrations, 1);
    CHECK_EQ_INT(report(c, 300, "pa", "node-a"), -ENOENT);
    CHECK_EQ_INT(report(c, 300, "pa2", "node-a"), 0);

    /* a connection that registers as another node drops its first binding */
    CHECK_EQ_INT(corridor_core_register(c, 400, "pb", &a, &ack), 0);
    CHECK_EQ_INT(report(c, 400, "pa2", "node-a"), -ENOENT);
    CHECK_EQ_INT(report(c, 400, "pb", "node-b"), -EPERM);
    CHECK_EQ_INT(report(c, 400, "pb", "node-a"), 0);
    corridor_core_peer_gone(c, "pb");
    CHECK_EQ_INT(report(c, 500, "pb", "node-a"), -ENOENT);
    corridor_core_free(&c);
}

static void test_capacity_and_views(void)
{
    corridor_core *c = make_core(2);
    corridor_register_ack ack;
    corridor_register n1 = node("b-node", "262-01", "DE"), n2 = node("a-node", "262-02", "DE"),
                      n3 = node("c-node", "262-03", "DE");
    CHECK_EQ_INT(corridor_core_register(c, 0, "p1", &n1, &ack), 0);
    CHECK_EQ_INT(corridor_core_register(c, 0, "p2", &n2, &ack), 0);
    CHECK_EQ_INT(corridor_core_register(c, 0, "p3", &n3, &ack), -ENOSPC);
    CHECK(!ack.accepted);
    CHECK_CONTAINS(ack.reason, "max_nodes");
    /* re-registering a known node is still fine when full */
    CHECK_EQ_INT(corridor_core_register(c, 0, "p1b", &n1, &ack), 0);

    corridor_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.node_id, sizeof r.node_id, "b-node");
    corridor_route routes[3];
    memset(routes, 0, sizeof routes);
    r.routes = routes;
    r.n_routes = 3;
    corridor_report heap;
    CHECK_EQ_INT(corridor_report_copy(&heap, &r, true), 0);
    CHECK_EQ_INT(corridor_core_report(c, 1500, "p1b", &heap), 0);
    CHECK(heap.routes == NULL);

    const corridor_node **list;
    size_t n;
    CHECK_EQ_INT(corridor_core_nodes_sorted(c, &list, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(list[0]->identity.node_id, "a-node");
    CHECK_EQ_STR(list[1]->identity.node_id, "b-node");
    corridor_node_view v;
    CHECK_EQ_INT(corridor_core_node_view(list[1], 2000, false, &v), 0);
    CHECK_EQ_INT(v.n_routes_total, 3);
    CHECK_EQ_INT(v.report.n_routes, 0);
    CHECK_EQ_INT(v.last_seen_age_ms, 500);
    corridor_report_fini(&v.report);
    CHECK_EQ_INT(corridor_core_node_view(list[1], 2000, true, &v), 0);
    CHECK_EQ_INT(v.report.n_routes, 3);
    corridor_report_fini(&v.report);
    free(list);
    corridor_core_free(&c);
}

typedef struct {
    int registered, transitions;
} observed;

static void observer(void *ud, const corridor_core_event *ev)
{
    observed *o = ud;
    if (ev->kind == CORRIDOR_CORE_EV_REGISTERED)
        o->registered++;
    else
        o->transitions++;
}

static void test_observer(void)
{
    corridor_core *c = make_core(0);
    observed o = {0};
    corridor_core_set_observer(c, observer, &o);
    corridor_register_ack ack;
    corridor_register r = node("n1", "262-01", "DE");
    corridor_core_register(c, 0, "p", &r, &ack);
    corridor_core_tick(c, 2000);
    corridor_core_tick(c, 5000);
    CHECK_EQ_INT(o.registered, 1);
    CHECK_EQ_INT(o.transitions, 2);
    corridor_core_free(&c);
}

int main(void)
{
    corridor_log_set_level(CORRIDOR_LOG_OFF);
    RUN(test_liveness_function);
    RUN(test_register_and_ack);
    RUN(test_liveness_transitions);
    RUN(test_identity_binding);
    RUN(test_capacity_and_views);
    RUN(test_observer);
    return TEST_SUMMARY();
}
