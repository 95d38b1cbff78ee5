/* Placement: each filter and score on small hand-built clusters with known answers, exact
 * budget boundaries, reservations, explain, and a seeded property test. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "log.h"
#include "msg_copy.h"
#include "placement.h"
#include "testutil.h"

static uint64_t now = 1000;

static void add_node(corridor_core *c, const char *id, const char *plmn, const char *cc,
                     corridor_tier tier, double lat, double lon, uint32_t cpu_m, uint32_t gpus,
                     uint64_t gpu_free_gib, double cpu_util)
{
    corridor_register r;
    memset(&r, 0, sizeof r);
    snprintf(r.node_id, sizeof r.node_id, "%s", id);
    snprintf(r.plmn, sizeof r.plmn, "%s", plmn);
    snprintf(r.country, sizeof r.country, "%s", cc);
    snprintf(r.region, sizeof r.region, "eu-central");
    r.tier = tier;
    r.lat = lat;
    r.lon = lon;
    r.capacity.cpu_millicores = cpu_m;
    r.capacity.memory_bytes = 64ull << 30;
    r.capacity.gpu_count = gpus;
    corridor_register_ack ack;
    CHECK_EQ_INT(corridor_core_register(c, now, id, &r, &ack), 0);
    corridor_report rep;
    memset(&rep, 0, sizeof rep);
    snprintf(rep.node_id, sizeof rep.node_id, "%s", id);
    rep.cpu_util_pct = cpu_util;
    if (gpus) {
        rep.gpus = calloc(gpus, sizeof *rep.gpus);
        rep.n_gpus = gpus;
        for (uint32_t i = 0; i < gpus; i++) {
            rep.gpus[i].mem_total_bytes = 80ull << 30;
            rep.gpus[i].mem_used_bytes = (80ull - gpu_free_gib) << 30;
            rep.gpus[i].util_pct = 20;
        }
    }
    CHECK_EQ_INT(corridor_core_report(c, now, id, &rep), 0);
    corridor_report_fini(&rep);
}

static corridor_core *make_core(void)
{
    corridor_core_config cfg = {.report_interval_ms = 1000, .heartbeat_timeout_ms = 5000};
    return corridor_core_new(&cfg);
}

static corridor_workload_spec spec_far_edge(void)
{
    corridor_workload_spec s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "adas");
    snprintf(s.path, sizeof s.path, "/bin/true");
    s.cpu_millicores = 1000;
    s.memory_bytes = 1ull << 30;
    s.latency_tier = CORRIDOR_TIER_FAR_EDGE;
    s.has_anchor = true;
    s.anchor_lat = 48.137; /* Munich */
    s.anchor_lon = 11.575;
    s.replicas = 1;
    return s;
}

/* Munich-Innsbruck-Verona, plus a cloud site in Frankfurt. */
static corridor_core *brenner(void)
{
    corridor_core *c = make_core();
    add_node(c, "de-muc-far", "262-01", "DE", CORRIDOR_TIER_FAR_EDGE, 48.137, 11.575, 16000, 2, 40, 0);
    add_node(c, "at-ibk-far", "232-01", "AT", CORRIDOR_TIER_FAR_EDGE, 47.269, 11.404, 16000, 1, 3, 0);
    add_node(c, "it-vr-near", "222-01", "IT", CORRIDOR_TIER_NEAR_EDGE, 45.438, 10.992, 64000, 4, 70, 0);
    add_node(c, "de-fra-cloud", "262-01", "DE", CORRIDOR_TIER_CLOUD, 50.110, 8.682, 512000, 8, 80, 0);
    return c;
}

static const char *decide1(corridor_core *c, corridor_workload_spec *s, corridor_placement *p)
{
    int rc = corridor_place_decide(c, now, s, "w", 0, 1, NULL, p);
    const char *id = rc == 0 ? p->chosen[0]->identity.node_id : NULL;
    if (rc == 0)
        corridor_place_release(c, "w-0");
    return id;
}

static void test_latency_model(void)
{
    corridor_core *c = brenner();
    corridor_workload_spec s = spec_far_edge();
    bool measured;
    const corridor_node *muc = corridor_core_node(c, "de-muc-far");
    const corridor_node *ibk = corridor_core_node(c, "at-ibk-far");
    /* at the anchor: the far-edge base, 1.5 ms */
    CHECK(fabs(corridor_place_latency_us(muc, &s, &measured) - 1500) < 0.01);
    CHECK(!measured);
    /* Munich -> Innsbruck is about 97 km great-circle: 1500 + 5 us/km */
    double l = corridor_place_latency_us(ibk, &s, &measured);
    CHECK(l > 1500 + 5 * 90 && l < 1500 + 5 * 105);
    CHECK_EQ_INT(corridor_place_budget_us(&s), 5000);
    s.max_latency_us = 2500;
    CHECK_EQ_INT(corridor_place_budget_us(&s), 2500);
    corridor_core_free(&c);
}

static void test_filters(void)
{
    corridor_core *c = brenner();
    corridor_placement p;
    corridor_workload_spec s = spec_far_edge();

    /* everything but the cloud site meets 5 ms from Munich; the idle, close far edge wins */
    CHECK_EQ_STR(decide1(c, &s, &p), "de-muc-far");
    CHECK_EQ_INT(p.nodes_feasible, 3);
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_LATENCY], 1);

    /* sovereignty: only AT */
    snprintf(s.countries[0], 3, "AT");
    s.n_countries = 1;
    CHECK_EQ_STR(decide1(c, &s, &p), "at-ibk-far");
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_COUNTRY], 3);

    /* operators: DE or IT countries, only TIM */
    snprintf(s.countries[0], 3, "DE");
    snprintf(s.countries[1], 3, "IT");
    s.n_countries = 2;
    snprintf(s.operators[0], 8, "222-01");
    s.n_operators = 1;
    CHECK_EQ_STR(decide1(c, &s, &p), "it-vr-near");
    s.n_countries = s.n_operators = 0;

    /* exact budget boundary: the Munich node is 1500 us away */
    s.max_latency_us = 1500;
    CHECK_EQ_STR(decide1(c, &s, &p), "de-muc-far");
    s.max_latency_us = 1499;
    CHECK(decide1(c, &s, &p) == NULL);
    CHECK_EQ_INT(p.n_chosen, 0);
    CHECK_EQ_INT(p.nodes_feasible, 0);
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_LATENCY], 4);
    s.max_latency_us = 0;

    /* GPUs: 1 GPU with 8 GiB free. Munich has 40 GiB free, Innsbruck 3 GiB */
    s.gpus = 1;
    s.gpu_memory_bytes = 8ull << 30;
    snprintf(s.countries[0], 3, "AT");
    s.n_countries = 1;
    CHECK(decide1(c, &s, &p) == NULL);
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_GPU_MEMORY], 1);
    s.n_countries = 0;
    CHECK_EQ_STR(decide1(c, &s, &p), "de-muc-far");
    s.gpus = 3; /* nobody within 5 ms has 3 GPUs free */
    CHECK(decide1(c, &s, &p) == NULL || strcmp(p.chosen[0]->identity.node_id, "it-vr-near") == 0);
    s.gpus = 0;
    s.gpu_memory_bytes = 0;

    /* CPU: 20 cores is more than any far/near edge here has */
    s.cpu_millicores = 65000;
    CHECK(decide1(c, &s, &p) == NULL);
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_CPU], 3);
    s.cpu_millicores = 1000;

    /* cordoned and dead nodes */
    CHECK_EQ_INT(corridor_core_cordon(c, "de-muc-far", true), 0);
    CHECK_EQ_STR(decide1(c, &s, &p), "at-ibk-far");
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_CORDONED], 1);
    corridor_core_cordon(c, "de-muc-far", false);
    corridor_core_tick(c, now + 6000); /* nobody reported: all dead */
    CHECK(decide1(c, &s, &p) == NULL);
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_NOT_ALIVE] + p.rejected[CORRIDOR_REJ_LATENCY], 4);
    CHECK_EQ_INT(corridor_core_cordon(c, "nope", true), -ENOENT);
    corridor_core_free(&c);
}

static void test_ties_and_scores(void)
{
    corridor_core *c = make_core();
    /* identical nodes at the same place: the smaller id wins, every time */
    add_node(c, "node-b", "262-01", "DE", CORRIDOR_TIER_FAR_EDGE, 48, 11, 8000, 0, 0, 10);
    add_node(c, "node-a", "262-01", "DE", CORRIDOR_TIER_FAR_EDGE, 48, 11, 8000, 0, 0, 10);
    add_node(c, "node-c", "262-01", "DE", CORRIDOR_TIER_FAR_EDGE, 48, 11, 8000, 0, 0, 90);
    corridor_workload_spec s = spec_far_edge();
    s.anchor_lat = 48;
    s.anchor_lon = 11;
    corridor_placement p;
    for (int i = 0; i < 3; i++)
        CHECK_EQ_STR(decide1(c, &s, &p), "node-a");
    /* the busy node scores lower on CPU balance and latency (queueing) */
    CHECK(p.scores[0].cpu_balance > 0.8);
    /* three replicas: spread over the three nodes, the busy one last */
    s.replicas = 3;
    CHECK_EQ_INT(corridor_place_decide(c, now, &s, "r", 0, 3, NULL, &p), 0);
    CHECK_EQ_INT(p.n_chosen, 3);
    CHECK_EQ_STR(p.chosen[0]->identity.node_id, "node-a");
    CHECK_EQ_STR(p.chosen[1]->identity.node_id, "node-b");
    CHECK_EQ_STR(p.chosen[2]->identity.node_id, "node-c");
    CHECK(p.scores[1].spread < p.scores[0].spread);
    /* a fourth replica has no node left: -ENOSPC, "replica" reasons */
    CHECK_EQ_INT(corridor_place_decide(c, now, &s, "r", 3, 1, NULL, &p), 0); /* no hints */
    corridor_place_release(c, "r-3");
    const char *ex[] = {"node-a", "node-b", "node-c"};
    corridor_place_hints h = {.exclude = ex, .n_exclude = 3};
    CHECK_EQ_INT(corridor_place_decide(c, now, &s, "r", 3, 1, &h, &p), -ENOSPC);
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_REPLICA], 3);
    /* stickiness: prefer node-b, equal otherwise except reservations now held */
    for (int i = 0; i < 3; i++) {
        char inst[16];
        snprintf(inst, sizeof inst, "r-%d", i);
        CHECK_EQ_INT(corridor_place_release(c, inst), 0);
    }
    corridor_place_hints hp = {.prefer = "node-b"};
    s.replicas = 1;
    CHECK_EQ_INT(corridor_place_decide(c, now, &s, "s", 0, 1, &hp, &p), 0);
    CHECK_EQ_STR(p.chosen[0]->identity.node_id, "node-b");
    CHECK(p.scores[0].stickiness == 1);
    corridor_core_free(&c);
}

static int heartbeat(corridor_core *c, const char *id, uint64_t t)
{
    corridor_report rep;
    memset(&rep, 0, sizeof rep);
    snprintf(rep.node_id, sizeof rep.node_id, "%s", id);
    return corridor_core_report(c, t, id, &rep);
}

static void test_reservations(void)
{
    corridor_core *c = make_core();
    add_node(c, "small", "262-01", "DE", CORRIDOR_TIER_FAR_EDGE, 48, 11, 4000, 0, 0, 0);
    corridor_workload_spec s = spec_far_edge();
    s.anchor_lat = 48;
    s.anchor_lon = 11;
    s.cpu_millicores = 3000;
    corridor_placement p;
    /* the burst: the second decision sees the first one's reservation */
    CHECK_EQ_INT(corridor_place_decide(c, now, &s, "a", 0, 1, NULL, &p), 0);
    CHECK_EQ_INT(corridor_place_decide(c, now, &s, "b", 0, 1, NULL, &p), -ENOSPC);
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_CPU], 1);
    CHECK_EQ_INT(corridor_place_reservations(c), 1);
    /* unconfirmed reservations expire (default 30 s) */
    CHECK_EQ_INT(heartbeat(c, "small", now + 29000), 0);
    corridor_core_tick(c, now + 29000);
    CHECK_EQ_INT(corridor_place_reservations(c), 1);
    CHECK_EQ_INT(heartbeat(c, "small", now + 31000), 0);
    corridor_core_tick(c, now + 31000);
    CHECK_EQ_INT(corridor_place_reservations(c), 0);
    /* a confirmed one does not */
    CHECK_EQ_INT(corridor_place_decide(c, now + 31000, &s, "b", 0, 1, NULL, &p), 0);
    CHECK_EQ_INT(corridor_place_confirm(c, "b-0"), 0);
    CHECK_EQ_INT(heartbeat(c, "small", now + 90000), 0);
    corridor_core_tick(c, now + 90000);
    CHECK_EQ_INT(corridor_place_reservations(c), 1);
    CHECK_EQ_INT(corridor_place_release(c, "b-0"), 0);
    CHECK_EQ_INT(corridor_place_release(c, "b-0"), -ENOENT);
    CHECK_EQ_INT(corridor_core_node(c, "small")->reserved_cpu, 0);
    corridor_core_free(&c);
}

static void test_explain(void)
{
    corridor_core *c = brenner();
    corridor_workload_spec s = spec_far_edge();
    snprintf(s.countries[0], 3, "DE");
    snprintf(s.countries[1], 3, "AT");
    s.n_countries = 2;
    s.gpus = 1;
    s.gpu_memory_bytes = 8ull << 30;
    corridor_placement p;
    CHECK_EQ_INT(corridor_place_explain(c, now, &s, NULL, &p), 0);
    uint32_t sum = p.nodes_feasible;
    for (int r = 0; r < CORRIDOR_REJ_COUNT; r++)
        sum += p.rejected[r];
    CHECK_EQ_INT(sum, 4);
    CHECK_EQ_INT(p.nodes_total, 4);
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_COUNTRY], 1);      /* Verona */
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_LATENCY], 1);      /* Frankfurt cloud */
    CHECK_EQ_INT(p.rejected[CORRIDOR_REJ_GPU_MEMORY], 1);   /* Innsbruck, 3 GiB free */
    CHECK_CONTAINS(p.detail[CORRIDOR_REJ_COUNTRY], "IT not allowed");
    CHECK_CONTAINS(p.detail[CORRIDOR_REJ_LATENCY], "ms over 5.0 ms budget");
    CHECK_CONTAINS(p.detail[CORRIDOR_REJ_GPU_MEMORY], "free GPU memory 3.0 GiB < 8.0 GiB");
    CHECK_EQ_INT(p.n_chosen, 1);
    CHECK_EQ_STR(p.chosen[0]->identity.node_id, "de-muc-far");
    CHECK_EQ_INT(corridor_place_reservations(c), 0); /* explain reserves nothing */
    corridor_core_free(&c);
}

/* ---- property test ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static double frand(double lo, double hi) { return lo + (hi - lo) * (double)(next_rand() >> 11) / 9007199254740992.0; }

static const char *const countries[] = {"DE", "AT", "IT", "FR", "ES", "PT"};
static const char *const operators[] = {"262-01", "262-02", "232-01", "222-01",
                                        "208-01", "214-01", "268-01", "262-03"};

static void test_property(void)
{
    corridor_core *c = make_core();
    char id[32];
    for (int i = 0; i < 500; i++) {
        snprintf(id, sizeof id, "n%03d", i);
        add_node(c, id, operators[next_rand() % 8], countries[next_rand() % 6],
                 (corridor_tier)(next_rand() % 5), frand(36, 55), frand(-9, 18),
                 (uint32_t)(4000 + next_rand() % 60000), next_rand() % 10 < 3 ? 1 + next_rand() % 4 : 0,
                 next_rand() % 80, frand(0, 90));
    }
    int violations = 0, placed = 0, refused = 0, missed = 0;
    for (int t = 0; t < 10000; t++) {
        corridor_workload_spec s;
        memset(&s, 0, sizeof s);
        snprintf(s.name, sizeof s.name, "p");
        s.cpu_millicores = (uint32_t)(next_rand() % 8000);
        s.memory_bytes = (next_rand() % 8) << 30;
        s.gpus = next_rand() % 4 == 0 ? 1 : 0;
        s.gpu_memory_bytes = s.gpus ? (next_rand() % 40) << 30 : 0;
        s.latency_tier = (int32_t)(next_rand() % 5);
        s.has_anchor = next_rand() % 4 != 0;
        s.anchor_lat = frand(36, 55);
        s.anchor_lon = frand(-9, 18);
        s.n_countries = next_rand() % 3;
        for (size_t k = 0; k < s.n_countries; k++)
            snprintf(s.countries[k], 3, "%s", countries[next_rand() % 6]);
        s.n_operators = next_rand() % 4 == 0 ? 2 : 0;
        for (size_t k = 0; k < s.n_operators; k++)
            snprintf(s.operators[k], 8, "%s", operators[next_rand() % 8]);
        s.replicas = 1;
        char wid[32];
        snprintf(wid, sizeof wid, "w%d", t);
        corridor_placement p;
        int rc = corridor_place_decide(c, now, &s, wid, 0, 1, NULL, &p);
        if (rc == 0) {
            placed++;
            const corridor_node *n = p.chosen[0];
            bool measured, ok_c = s.n_countries == 0, ok_o = s.n_operators == 0;
            for (size_t k = 0; k < s.n_countries; k++)
                ok_c |= strcmp(s.countries[k], n->identity.country) == 0;
            for (size_t k = 0; k < s.n_operators; k++)
                ok_o |= strcmp(s.operators[k], n->identity.plmn) == 0;
            double lat = corridor_place_latency_us(n, &s, &measured);
            bool ok_l = lat <= corridor_place_budget_us(&s);
            bool ok_cap = n->reserved_cpu <= n->identity.capacity.cpu_millicores &&
                          n->reserved_memory <= n->identity.capacity.memory_bytes &&
                          n->reserved_gpus <= (n->report.n_gpus ? n->report.n_gpus : n->identity.capacity.gpu_count);
            violations += !(ok_c && ok_o && ok_l && ok_cap && n->state == CORRIDOR_NODE_ALIVE);
            /* free it again now and then, so capacity churns */
            if (next_rand() % 2) {
                char inst[40];
                snprintf(inst, sizeof inst, "%s-0", wid);
                corridor_place_release(c, inst);
            }
        } else {
            refused++;
            /* the index must never hide a feasible node: a full scan agrees */
            corridor_placement full;
            corridor_place_explain(c, now, &s, NULL, &full);
            missed += full.nodes_feasible > 0;
        }
    }
    printf("  property: %d placed, %d refused, %d violations, %d missed by the index\n", placed,
           refused, violations, missed);
    CHECK_EQ_INT(violations, 0);
    CHECK_EQ_INT(missed, 0);
    CHECK(placed > 1000);
    CHECK(refused > 100);
    corridor_core_free(&c);
}

int main(void)
{
    corridor_log_set_level(CORRIDOR_LOG_OFF);
    RUN(test_latency_model);
    RUN(test_filters);
    RUN(test_ties_and_scores);
    RUN(test_reservations);
    RUN(test_explain);
    RUN(test_property);
    return TEST_SUMMARY();
}
