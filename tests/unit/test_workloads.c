/* The workload lifecycle in the core, driven by an injected clock: the test plays the agents
 * by draining the command outbox and answering. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "log.h"
#include "placement.h"
#include "testutil.h"
#include "workloads.h"

static uint64_t now = 1000;

static void add_node(corridor_core *c, const char *id, const char *cc, double lat, double lon)
{
    corridor_register r;
    memset(&r, 0, sizeof r);
    snprintf(r.node_id, sizeof r.node_id, "%s", id);
    snprintf(r.plmn, sizeof r.plmn, "262-01");
    snprintf(r.country, sizeof r.country, "%s", cc);
    r.tier = CORRIDOR_TIER_FAR_EDGE;
    r.lat = lat;
    r.lon = lon;
    r.capacity.cpu_millicores = 8000;
    r.capacity.memory_bytes = 16ull << 30;
    corridor_register_ack ack;
    corridor_core_register(c, now, id, &r, &ack);
}

/* A report from a node listing the instances it runs (state RUNNING). */
static void report(corridor_core *c, const char *id, const char *const *running, size_t n,
                   corridor_workload_state st)
{
    corridor_report rep;
    memset(&rep, 0, sizeof rep);
    snprintf(rep.node_id, sizeof rep.node_id, "%s", id);
    if (n) {
        rep.workloads = calloc(n, sizeof *rep.workloads);
        rep.n_workloads = n;
        for (size_t i = 0; i < n; i++) {
            snprintf(rep.workloads[i].instance_id, sizeof rep.workloads[i].instance_id, "%s",
                     running[i]);
            rep.workloads[i].state = st;
        }
    }
    corridor_core_report(c, now, id, &rep);
    corridor_report_fini(&rep);
}

typedef struct {
    char node[64], cmd_id[64], instance[64];
    corridor_command_kind kind;
} sent;

/* Drain the outbox into `out`; returns how many. */
static size_t drain(corridor_core *c, sent *out, size_t cap)
{
    size_t n = 0;
    char node[64];
    corridor_command cmd;
    while (corridor_core_next_command(c, node, sizeof node, &cmd) == 1) {
        if (n < cap) {
            snprintf(out[n].node, sizeof out[n].node, "%s", node);
            snprintf(out[n].cmd_id, sizeof out[n].cmd_id, "%s", cmd.command_id);
            snprintf(out[n].instance, sizeof out[n].instance, "%s", cmd.instance_id);
            out[n].kind = cmd.kind;
            n++;
        }
        corridor_command_fini(&cmd);
    }
    return n;
}

static void answer(corridor_core *c, const sent *s, corridor_result_status st)
{
    corridor_command_result r = {.status = st};
    snprintf(r.command_id, sizeof r.command_id, "%s", s->cmd_id);
    snprintf(r.message, sizeof r.message, "%s", st == CORRIDOR_RESULT_OK ? "" : "exec failed");
    CHECK_EQ_INT(corridor_core_command_result(c, now, s->node, &r), 0);
}

static corridor_workload_spec spec(uint32_t replicas)
{
    corridor_workload_spec s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "adas");
    snprintf(s.path, sizeof s.path, "/bin/sleep");
    s.cpu_millicores = 1000;
    s.memory_bytes = 1ull << 30;
    s.latency_tier = CORRIDOR_TIER_FAR_EDGE;
    s.has_anchor = true;
    s.anchor_lat = 47.3;
    s.anchor_lon = 11.4;
    snprintf(s.countries[0], 3, "AT");
    s.n_countries = 1;
    s.replicas = replicas;
    return s;
}

static corridor_core *cluster(void)
{
    corridor_core_config cfg = {.report_interval_ms = 1000, .heartbeat_timeout_ms = 5000};
    corridor_core *c = corridor_core_new(&cfg);
    add_node(c, "at-1", "AT", 47.27, 11.40);
    add_node(c, "at-2", "AT", 47.26, 11.39);
    add_node(c, "at-3", "AT", 47.80, 13.04);
    add_node(c, "de-1", "DE", 48.13, 11.57);
    return c;
}

static corridor_workload_phase phase(corridor_core *c, const char *id)
{
    corridor_workload_view v;
    if (corridor_core_workload_view(c, id, now, false, &v) < 0)
        return (corridor_workload_phase)-1;
    corridor_workload_phase p = v.phase;
    corridor_workload_view_fini(&v);
    return p;
}

static void test_deploy_run_delete(void)
{
    corridor_core *c = cluster();
    corridor_workload_spec s = spec(2);
    char id[64], err[128];
    CHECK_EQ_INT(corridor_core_deploy(c, now, &s, id, sizeof id, err, sizeof err), 0);
    CHECK_EQ_STR(id, "adas");
    sent out[8];
    CHECK_EQ_INT(drain(c, out, 8), 2);
    CHECK_EQ_INT(out[0].kind, CORRIDOR_CMD_START_WORKLOAD);
    CHECK(strcmp(out[0].node, out[1].node) != 0);           /* replicas on different nodes */
    CHECK(strncmp(out[0].node, "at-", 3) == 0 && strncmp(out[1].node, "at-", 3) == 0);
    CHECK_EQ_INT(phase(c, "adas"), CORRIDOR_WORKLOAD_STARTING);
    answer(c, &out[0], CORRIDOR_RESULT_OK);
    CHECK_EQ_INT(phase(c, "adas"), CORRIDOR_WORKLOAD_DEGRADED);
    answer(c, &out[1], CORRIDOR_RESULT_OK);
    CHECK_EQ_INT(phase(c, "adas"), CORRIDOR_WORKLOAD_RUNNING);
    CHECK_EQ_INT(corridor_place_reservations(c), 2);

    /* a second deploy of the same name gets its own id */
    CHECK_EQ_INT(corridor_core_deploy(c, now, &s, id, sizeof id, err, sizeof err), 0);
    CHECK_EQ_STR(id, "adas-2");
    CHECK_EQ_INT(drain(c, out, 8), 2);

    CHECK_EQ_INT(corridor_core_delete(c, now, "adas"), 0);
    sent stops[8];
    CHECK_EQ_INT(drain(c, stops, 8), 2);
    CHECK_EQ_INT(stops[0].kind, CORRIDOR_CMD_STOP_WORKLOAD);
    CHECK_EQ_INT(corridor_place_reservations(c), 2); /* only adas-2's */
    CHECK_EQ_INT(corridor_core_delete(c, now, "adas"), -ENOENT);
    CHECK_EQ_INT(corridor_core_workload_count(c), 1);

    /* bad specs */
    s.replicas = 0;
    CHECK_EQ_INT(corridor_core_deploy(c, now, &s, id, sizeof id, err, sizeof err), -EINVAL);
    CHECK_CONTAINS(err, "replicas");
    s.replicas = 1;
    s.latency_tier = -1;
    CHECK_EQ_INT(corridor_core_deploy(c, now, &s, id, sizeof id, err, sizeof err), -EINVAL);
    CHECK_CONTAINS(err, "latency");
    corridor_core_free(&c);
}

static void test_failures_and_dead_nodes(void)
{
    corridor_core *c = cluster();
    corridor_workload_spec s = spec(1);
    char id[64], err[128];
    CHECK_EQ_INT(corridor_core_deploy(c, now, &s, id, sizeof id, err, sizeof err), 0);
    sent out[8];
    CHECK_EQ_INT(drain(c, out, 8), 1);
    char first[64];
    snprintf(first, sizeof first, "%s", out[0].node);

    /* the start fails: re-placed on another node after a backoff, not at once */
    answer(c, &out[0], CORRIDOR_RESULT_FAILED);
    CHECK_EQ_INT(phase(c, "adas"), CORRIDOR_WORKLOAD_PENDING);
    CHECK_EQ_INT(corridor_place_reservations(c), 0);
    corridor_core_tick(c, now + 100);
    CHECK_EQ_INT(drain(c, out, 8), 0);
    now += 600;
    report(c, "at-1", NULL, 0, 0);
    report(c, "at-2", NULL, 0, 0);
    report(c, "at-3", NULL, 0, 0);
    corridor_core_tick(c, now);
    CHECK_EQ_INT(drain(c, out, 8), 1);
    CHECK(strcmp(out[0].node, first) != 0);
    answer(c, &out[0], CORRIDOR_RESULT_OK);
    CHECK_EQ_INT(phase(c, "adas"), CORRIDOR_WORKLOAD_RUNNING);
    const char *inst[] = {out[0].instance};
    report(c, out[0].node, inst, 1, CORRIDOR_WL_RUNNING);
    CHECK_EQ_INT(phase(c, "adas"), CORRIDOR_WORKLOAD_RUNNING);

    /* the process exits: the report says so -> re-placed */
    report(c, out[0].node, inst, 1, CORRIDOR_WL_FAILED);
    CHECK_EQ_INT(phase(c, "adas"), CORRIDOR_WORKLOAD_PENDING);
    now += 2000;
    report(c, "at-1", NULL, 0, 0);
    report(c, "at-2", NULL, 0, 0);
    report(c, "at-3", NULL, 0, 0);
    corridor_core_tick(c, now);
    CHECK_EQ_INT(drain(c, out, 8), 1);
    answer(c, &out[0], CORRIDOR_RESULT_OK);
    char running_on[64];
    snprintf(running_on, sizeof running_on, "%s", out[0].node);

    /* its node dies: re-placed within the same tick that marks it dead */
    uint64_t t_dead = now + 5000;
    for (now += 1000; now < t_dead; now += 1000) {
        for (int i = 1; i <= 3; i++) {
            char nid[8];
            snprintf(nid, sizeof nid, "at-%d", i);
            if (strcmp(nid, running_on) != 0)
                report(c, nid, NULL, 0, 0);
        }
        corridor_core_tick(c, now);
    }
    now = t_dead + 1;
    for (int i = 1; i <= 3; i++) {
        char nid[8];
        snprintf(nid, sizeof nid, "at-%d", i);
        if (strcmp(nid, running_on) != 0)
            report(c, nid, NULL, 0, 0);
    }
    corridor_core_tick(c, now);
    CHECK_EQ_INT(corridor_core_node(c, running_on)->state, CORRIDOR_NODE_DEAD);
    CHECK_EQ_INT(drain(c, out, 8), 1);
    CHECK(strcmp(out[0].node, running_on) != 0);
    CHECK_EQ_INT(out[0].kind, CORRIDOR_CMD_START_WORKLOAD);

    /* no answer at all: the start times out and the replica is placed again */
    now += CORRIDOR_COMMAND_TIMEOUT_MS + 1;
    for (int i = 1; i <= 3; i++) {
        char nid[8];
        snprintf(nid, sizeof nid, "at-%d", i);
        report(c, nid, NULL, 0, 0);
    }
    corridor_core_tick(c, now);
    CHECK_EQ_INT(corridor_core_workload_stats(c)->command_timeouts, 1);
    corridor_core_free(&c);
}

static void test_pending_and_drain(void)
{
    corridor_core *c = cluster();
    corridor_workload_spec s = spec(1);
    snprintf(s.countries[0], 3, "IT"); /* no Italian node */
    char id[64], err[128];
    CHECK_EQ_INT(corridor_core_deploy(c, now, &s, id, sizeof id, err, sizeof err), 0);
    sent out[8];
    CHECK_EQ_INT(drain(c, out, 8), 0);
    corridor_workload_view v;
    CHECK_EQ_INT(corridor_core_workload_view(c, "adas", now, false, &v), 0);
    CHECK_EQ_INT(v.phase, CORRIDOR_WORKLOAD_PENDING);
    CHECK_CONTAINS(v.reason, "0/4 nodes available: 4 country");
    CHECK_EQ_INT(v.nodes_total, 4);
    corridor_workload_view_fini(&v);
    CHECK_EQ_INT(corridor_core_explain(c, "adas", now, &v), 0);
    CHECK_EQ_INT(v.n_rejects, 1);
    CHECK_CONTAINS(v.rejects[0].detail, "not allowed");
    corridor_workload_view_fini(&v);
    corridor_core_delete(c, now, "adas");

    /* drain: the new instance starts first, the old one stops only when the new one runs */
    s = spec(1);
    CHECK_EQ_INT(corridor_core_deploy(c, now, &s, id, sizeof id, err, sizeof err), 0);
    CHECK_EQ_INT(drain(c, out, 8), 1);
    answer(c, &out[0], CORRIDOR_RESULT_OK);
    sent old = out[0];
    CHECK_EQ_INT(corridor_core_drain(c, now, old.node), 1);
    CHECK_EQ_INT(drain(c, out, 8), 1);
    CHECK_EQ_INT(out[0].kind, CORRIDOR_CMD_START_WORKLOAD);
    CHECK(strcmp(out[0].node, old.node) != 0);
    CHECK_EQ_INT(corridor_place_reservations(c), 2);  /* both held while moving */
    answer(c, &out[0], CORRIDOR_RESULT_OK);
    CHECK_EQ_INT(drain(c, out, 8), 1);
    CHECK_EQ_INT(out[0].kind, CORRIDOR_CMD_STOP_WORKLOAD);
    CHECK_EQ_STR(out[0].node, old.node);
    CHECK_EQ_STR(out[0].instance, old.instance);
    CHECK_EQ_INT(corridor_place_reservations(c), 1);
    CHECK(corridor_core_node(c, old.node)->cordoned);
    CHECK_EQ_INT(corridor_core_drain(c, now, "nope"), -ENOENT);
    corridor_core_free(&c);
}

int main(void)
{
    corridor_log_set_level(CORRIDOR_LOG_OFF);
    RUN(test_deploy_run_delete);
    RUN(test_failures_and_dead_nodes);
    RUN(test_pending_and_drain);
    return TEST_SUMMARY();
}
