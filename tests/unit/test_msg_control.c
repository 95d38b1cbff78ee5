/* Protocol v1 control API: node commands, workload specs, workload views, explain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "testutil.h"

static int roundtrip(const corridor_msg *in, corridor_msg *out)
{
    uint8_t *buf;
    size_t len;
    int rc = corridor_msg_encode(in, &buf, &len);
    if (rc < 0)
        return rc;
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    corridor_decode_error de;
    rc = corridor_msg_decode(buf, len, &lim, out, &de);
    if (rc < 0)
        fprintf(stderr, "decode: %s\n", de.detail);
    free(buf);
    return rc;
}

static char *args[] = {"--model", "yolo"}, *envv[] = {"CUDA_VISIBLE_DEVICES=0"};

static void fill_spec(corridor_workload_spec *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "adas-fusion");
    snprintf(s->tenant, sizeof s->tenant, "bmw");
    snprintf(s->path, sizeof s->path, "/usr/bin/adas");
    s->args = args;
    s->n_args = 2;
    s->env = envv;
    s->n_env = 1;
    s->cpu_millicores = 4000;
    s->memory_bytes = 8ull << 30;
    s->gpus = 1;
    s->gpu_memory_bytes = 8ull << 30;
    s->latency_tier = CORRIDOR_TIER_FAR_EDGE;
    s->max_latency_us = 4500;
    s->has_anchor = true;
    s->anchor_lat = 47.5;
    s->anchor_lon = 11.3;
    snprintf(s->anchor_region, sizeof s->anchor_region, "eu-central");
    snprintf(s->countries[0], 3, "DE");
    snprintf(s->countries[1], 3, "AT");
    s->n_countries = 2;
    snprintf(s->operators[0], 8, "262-01");
    s->n_operators = 1;
    s->replicas = 3;
    s->priority = -2;
    snprintf(s->restart, sizeof s->restart, "on-failure");
}

static void check_spec(const corridor_workload_spec *s)
{
    CHECK_EQ_STR(s->name, "adas-fusion");
    CHECK_EQ_STR(s->tenant, "bmw");
    CHECK_EQ_STR(s->path, "/usr/bin/adas");
    CHECK_EQ_INT(s->n_args, 2);
    if (s->n_args == 2)
        CHECK_EQ_STR(s->args[1], "yolo");
    CHECK_EQ_INT(s->n_env, 1);
    CHECK_EQ_INT(s->cpu_millicores, 4000);
    CHECK(s->memory_bytes == 8ull << 30);
    CHECK_EQ_INT(s->gpus, 1);
    CHECK_EQ_INT(s->latency_tier, CORRIDOR_TIER_FAR_EDGE);
    CHECK_EQ_INT(s->max_latency_us, 4500);
    CHECK(s->has_anchor && s->anchor_lat == 47.5 && s->anchor_lon == 11.3);
    CHECK_EQ_STR(s->anchor_region, "eu-central");
    CHECK_EQ_INT(s->n_countries, 2);
    CHECK_EQ_STR(s->countries[1], "AT");
    CHECK_EQ_INT(s->n_operators, 1);
    CHECK_EQ_STR(s->operators[0], "262-01");
    CHECK_EQ_INT(s->replicas, 3);
    CHECK_EQ_INT(s->priority, -2);
    CHECK_EQ_STR(s->restart, "on-failure");
}

static void test_deploy_request(void)
{
    corridor_msg m, out;
    corridor_msg_init(&m, CORRIDOR_MSG_CONTROL_REQUEST);
    m.u.creq.kind = CORRIDOR_CTL_DEPLOY;
    fill_spec(&m.u.creq.spec);
    CHECK_EQ_INT(roundtrip(&m, &out), 0);
    CHECK_EQ_INT(out.u.creq.kind, CORRIDOR_CTL_DEPLOY);
    check_spec(&out.u.creq.spec);
    corridor_msg_fini(&out);

    /* an invalid country in the allowed list is refused by the decoder */
    snprintf(m.u.creq.spec.countries[1], 3, "XX");
    corridor_decode_error de;
    uint8_t *buf;
    size_t len;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), 0);
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    CHECK_EQ_INT(corridor_msg_decode(buf, len, &lim, &out, &de), -EINVAL);
    CHECK_CONTAINS(de.detail, "countries");
    free(buf);
    corridor_msg_fini(&out);

    /* more allowed entries than the array holds cannot even be encoded */
    m.u.creq.spec.n_countries = CORRIDOR_MAX_ALLOWED + 1;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);
    /* tier out of range */
    m.u.creq.spec.n_countries = 0;
    m.u.creq.spec.latency_tier = 7;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);
}

static void test_node_command_request(void)
{
    corridor_msg m, out;
    corridor_msg_init(&m, CORRIDOR_MSG_CONTROL_REQUEST);
    m.u.creq.kind = CORRIDOR_CTL_NODE_COMMAND;
    snprintf(m.u.creq.node_id, sizeof m.u.creq.node_id, "de-muc-far-01");
    corridor_command *c = &m.u.creq.command;
    snprintf(c->command_id, sizeof c->command_id, "cmd-42");
    c->kind = CORRIDOR_CMD_START_WORKLOAD;
    snprintf(c->instance_id, sizeof c->instance_id, "adas-0");
    snprintf(c->path, sizeof c->path, "/bin/sleep");
    c->args = args;
    c->n_args = 2;
    CHECK_EQ_INT(roundtrip(&m, &out), 0);
    CHECK_EQ_INT(out.u.creq.kind, CORRIDOR_CTL_NODE_COMMAND);
    CHECK_EQ_STR(out.u.creq.node_id, "de-muc-far-01");
    CHECK_EQ_STR(out.u.creq.command.command_id, "cmd-42");
    CHECK_EQ_INT(out.u.creq.command.kind, CORRIDOR_CMD_START_WORKLOAD);
    CHECK_EQ_INT(out.u.creq.command.n_args, 2);
    corridor_msg_fini(&out);
}

static void test_workload_reply(void)
{
    corridor_msg m, out;
    corridor_msg_init(&m, CORRIDOR_MSG_CONTROL_REPLY);
    corridor_control_reply *r = &m.u.crep;
    snprintf(r->orchestrator_id, sizeof r->orchestrator_id, "orch-1");
    snprintf(r->result.command_id, sizeof r->result.command_id, "cmd-42");
    r->result.status = CORRIDOR_RESULT_FAILED;
    r->result.error_code = -ENOENT;
    snprintf(r->result.message, sizeof r->result.message, "no such file");
    corridor_workload_view views[2];
    memset(views, 0, sizeof views);
    corridor_replica_view reps[2] = {
        {.instance_id = "w1-0", .node_id = "at-ibk-near-01", .state = CORRIDOR_WL_RUNNING},
        {.instance_id = "w1-1", .state = CORRIDOR_WL_PENDING, .reason = "no node fits"},
    };
    corridor_reject_group rej[2] = {
        {.reason = "latency", .count = 7, .detail = "6.2 ms over 5 ms budget"},
        {.reason = "country", .count = 3, .detail = "IT not in [DE, AT]"},
    };
    corridor_score_view sc = {.node_id = "at-ibk-near-01", .latency_us = 1234.5,
                              .latency_measured = true, .latency_headroom = 0.75,
                              .gpu_balance = 0.5, .cpu_balance = 0.25, .spread = 1,
                              .stickiness = 0, .total = 0.6};
    snprintf(views[0].workload_id, sizeof views[0].workload_id, "w1");
    fill_spec(&views[0].spec);
    views[0].phase = CORRIDOR_WORKLOAD_DEGRADED;
    snprintf(views[0].reason, sizeof views[0].reason, "1 of 2 replicas pending");
    views[0].created_age_ms = 1500;
    views[0].replicas = reps;
    views[0].n_replicas = 2;
    views[0].nodes_total = 12;
    views[0].nodes_feasible = 2;
    views[0].rejects = rej;
    views[0].n_rejects = 2;
    views[0].scores = &sc;
    views[0].n_scores = 1;
    snprintf(views[1].workload_id, sizeof views[1].workload_id, "w2");
    views[1].spec.latency_tier = -1;
    views[1].phase = CORRIDOR_WORKLOAD_PENDING;
    r->workloads = views;
    r->n_workloads = 2;
    CHECK_EQ_INT(roundtrip(&m, &out), 0);
    const corridor_control_reply *o = &out.u.crep;
    CHECK_EQ_STR(o->result.command_id, "cmd-42");
    CHECK_EQ_INT(o->result.status, CORRIDOR_RESULT_FAILED);
    CHECK_EQ_INT(o->result.error_code, -ENOENT);
    CHECK_EQ_INT(o->n_workloads, 2);
    if (o->n_workloads == 2) {
        const corridor_workload_view *v = &o->workloads[0];
        CHECK_EQ_STR(v->workload_id, "w1");
        check_spec(&v->spec);
        CHECK_EQ_INT(v->phase, CORRIDOR_WORKLOAD_DEGRADED);
        CHECK_EQ_INT(v->n_replicas, 2);
        CHECK_EQ_STR(v->replicas[1].reason, "no node fits");
        CHECK_EQ_INT(v->nodes_total, 12);
        CHECK_EQ_INT(v->n_rejects, 2);
        CHECK_EQ_INT(v->rejects[0].count, 7);
        CHECK_EQ_STR(v->rejects[1].detail, "IT not in [DE, AT]");
        CHECK_EQ_INT(v->n_scores, 1);
        CHECK(v->scores[0].latency_us == 1234.5 && v->scores[0].latency_measured);
        CHECK(v->scores[0].total == 0.6);
        CHECK_EQ_INT(o->workloads[1].spec.latency_tier, -1);
    }
    CHECK_EQ_STR(corridor_workload_phase_name(CORRIDOR_WORKLOAD_RUNNING), "running");
    corridor_msg_fini(&out);
    corridor_workload_spec s;
    fill_spec(&s);
    s.args = NULL; /* the static arrays are not ours to free */
    s.env = NULL;
    s.n_args = s.n_env = 0;
    corridor_workload_spec_fini(&s);
}

int main(void)
{
    RUN(test_deploy_request);
    RUN(test_node_command_request);
    RUN(test_workload_reply);
    return TEST_SUMMARY();
}
