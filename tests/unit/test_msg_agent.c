/*
 * The protocol fields the agent issue added: Command.steering (SteeringRule) and
 * Command.restart, Gpu.compute_capability, WorkloadStatus usage fields, Report.neighbours and
 * Report.peers. Round trips, refusals with the field named, and the limits on the wire.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"
#include "testutil.h"

static void test_steering_command(void)
{
    corridor_msg m, out;
    corridor_decode_error err;
    corridor_msg_init(&m, CORRIDOR_MSG_COMMAND);
    corridor_command *c = &m.u.cmd;
    snprintf(c->command_id, sizeof c->command_id, "cmd-7");
    c->kind = CORRIDOR_CMD_INSTALL_STEERING;
    snprintf(c->steering.ue_prefix, sizeof c->steering.ue_prefix, "2001:db8:45:1::/64");
    c->steering.teid = 0x1234;
    snprintf(c->steering.target_node, sizeof c->steering.target_node, "at-ibk-near-01");
    snprintf(c->steering.target_address, sizeof c->steering.target_address, "192.0.2.7");
    c->steering.table = 100;
    snprintf(c->steering.gateway, sizeof c->steering.gateway, "fe80::1");
    snprintf(c->steering.dev, sizeof c->steering.dev, "n6");
    CHECK_EQ_INT(round_trip(&m, NULL, &out, &err), 0);
    const corridor_steering *s = &out.u.cmd.steering;
    CHECK_EQ_INT(out.u.cmd.kind, CORRIDOR_CMD_INSTALL_STEERING);
    CHECK_EQ_STR(s->ue_prefix, "2001:db8:45:1::/64");
    CHECK_EQ_INT(s->teid, 0x1234);
    CHECK_EQ_STR(s->target_node, "at-ibk-near-01");
    CHECK_EQ_STR(s->target_address, "192.0.2.7");
    CHECK_EQ_INT(s->table, 100);
    CHECK_EQ_STR(s->gateway, "fe80::1");
    CHECK_EQ_STR(s->dev, "n6");
    corridor_msg_fini(&out);

    /* an unknown restart policy is refused with the field named */
    corridor_msg_init(&m, CORRIDOR_MSG_COMMAND);
    snprintf(m.u.cmd.command_id, sizeof m.u.cmd.command_id, "cmd-8");
    m.u.cmd.kind = CORRIDOR_CMD_START_WORKLOAD;
    snprintf(m.u.cmd.restart, sizeof m.u.cmd.restart, "sometimes");
    CHECK(round_trip(&m, NULL, &out, &err) < 0);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_INVALID_FIELD);
    CHECK_CONTAINS(err.detail, "restart");
    corridor_msg_fini(&out);

    snprintf(m.u.cmd.restart, sizeof m.u.cmd.restart, "always");
    CHECK_EQ_INT(round_trip(&m, NULL, &out, &err), 0);
    CHECK_EQ_STR(out.u.cmd.restart, "always");
    CHECK_EQ_STR(out.u.cmd.steering.ue_prefix, ""); /* absent sub-message: all empty */
    corridor_msg_fini(&out);

    /* a bad target node id is refused with the field named */
    corridor_msg_init(&m, CORRIDOR_MSG_COMMAND);
    snprintf(m.u.cmd.command_id, sizeof m.u.cmd.command_id, "cmd-9");
    m.u.cmd.kind = CORRIDOR_CMD_INSTALL_STEERING;
    snprintf(m.u.cmd.steering.target_node, sizeof m.u.cmd.steering.target_node, "-bad id");
    CHECK(round_trip(&m, NULL, &out, &err) < 0);
    CHECK_CONTAINS(err.detail, "steering.target_node");
    corridor_msg_fini(&out);
}

static void test_report_agent_fields(void)
{
    corridor_msg m, out;
    corridor_decode_error err;
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    corridor_report *r = &m.u.report;
    snprintf(r->node_id, sizeof r->node_id, "de-muc-far-01");
    snprintf(r->gpu_source, sizeof r->gpu_source, "file");
    corridor_gpu g = {.index = 1, .util_pct = 40, .compute_capability = 89};
    snprintf(g.name, sizeof g.name, "L40S (simulated)");
    r->gpus = &g;
    r->n_gpus = 1;
    corridor_workload_status w = {.state = CORRIDOR_WL_RUNNING, .cpu_time_us = 123456789,
                                  .memory_bytes = 64ull << 20, .pid = 4242,
                                  .limits_enforced = true};
    snprintf(w.instance_id, sizeof w.instance_id, "adas-1");
    r->workloads = &w;
    r->n_workloads = 1;
    r->n_neighbours = 2;
    snprintf(r->neighbours[0].address, sizeof r->neighbours[0].address, "10.200.0.2");
    snprintf(r->neighbours[0].lladdr, sizeof r->neighbours[0].lladdr, "02:00:00:00:02:02");
    snprintf(r->neighbours[0].dev, sizeof r->neighbours[0].dev, "veth0");
    r->neighbours[0].state = 0x80;
    snprintf(r->neighbours[1].address, sizeof r->neighbours[1].address, "2001:db8::2");
    r->neighbours[1].state = 0x20;
    int rc = round_trip(&m, NULL, &out, &err);
    CHECK_EQ_INT(rc, 0);
    const corridor_report *o = &out.u.report;
    CHECK_EQ_INT(o->n_gpus, 1);
    CHECK_EQ_INT(o->gpus ? o->gpus[0].compute_capability : 0, 89);
    CHECK_EQ_INT(o->n_workloads, 1);
    if (o->n_workloads) {
        CHECK_EQ_INT(o->workloads[0].cpu_time_us, 123456789);
        CHECK_EQ_INT(o->workloads[0].memory_bytes, 64ll << 20);
        CHECK_EQ_INT(o->workloads[0].pid, 4242);
        CHECK(o->workloads[0].limits_enforced);
    }
    CHECK_EQ_INT(o->n_neighbours, 2);
    CHECK_EQ_STR(o->neighbours[0].lladdr, "02:00:00:00:02:02");
    CHECK_EQ_STR(o->neighbours[0].dev, "veth0");
    CHECK_EQ_INT(o->neighbours[0].state, 0x80);
    CHECK_EQ_STR(o->neighbours[1].address, "2001:db8::2");
    CHECK_EQ_STR(o->neighbours[1].lladdr, "");
    corridor_msg_fini(&out);

    /* more neighbours than the fixed array holds: the encoder refuses */
    r->n_neighbours = CORRIDOR_MAX_NEIGHBOURS + 1;
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);
    free(buf);
}

/* 17 neighbours written on the wire by hand (an encoder of another build): LIMIT_EXCEEDED
 * before protobuf-c runs. Report field 16, each a Neighbour{address=1}. */
static void test_neighbour_limit_on_wire(void)
{
    uint8_t payload[1024], frame[1200];
    size_t p = 0;
    payload[p++] = 0x0a; /* node_id = "n1" */
    payload[p++] = 2;
    payload[p++] = 'n';
    payload[p++] = '1';
    for (int i = 0; i < CORRIDOR_MAX_NEIGHBOURS + 1; i++) {
        payload[p++] = 0x82; /* tag (16 << 3 | 2) = 130 as a varint: 0x82 0x01 */
        payload[p++] = 0x01;
        payload[p++] = 5;                             /* Neighbour length */
        payload[p++] = 0x0a;                          /* address = "1.2." */
        payload[p++] = 3;
        payload[p++] = '1';
        payload[p++] = '.';
        payload[p++] = '2';
    }
    size_t f = report_frame(frame, payload, p);
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    corridor_msg out;
    corridor_decode_error err;
    int rc = corridor_msg_decode(frame, f, &lim, &out, &err);
    CHECK_EQ_INT(rc, -E2BIG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_LIMIT_EXCEEDED);
    CHECK_CONTAINS(err.detail, "report.neighbours");
    corridor_msg_fini(&out);
}

/* Report.peers (17): round trips in a Report and inside a ControlReply's node view, field
 * errors named with the index, the encoder's and the wire's limit of 16. */
static void test_report_peers(void)
{
    corridor_msg m, out;
    corridor_decode_error err;
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    corridor_report *r = &m.u.report;
    snprintf(r->node_id, sizeof r->node_id, "de-muc-far-01");
    r->n_peers = 2;
    snprintf(r->peers[0].node_id, sizeof r->peers[0].node_id, "at-ibk-near-01");
    snprintf(r->peers[0].endpoint, sizeof r->peers[0].endpoint, "tcp://192.0.2.7:7702");
    r->peers[0].rtt_us = 4321;
    r->peers[0].reachable = true;
    snprintf(r->peers[1].node_id, sizeof r->peers[1].node_id, "it-vr-metro-01");
    snprintf(r->peers[1].endpoint, sizeof r->peers[1].endpoint, "tcp://[2001:db8::9]:7702");
    CHECK_EQ_INT(round_trip(&m, NULL, &out, &err), 0);
    const corridor_report *o = &out.u.report;
    CHECK_EQ_INT(o->n_peers, 2);
    CHECK_EQ_STR(o->peers[0].node_id, "at-ibk-near-01");
    CHECK_EQ_STR(o->peers[0].endpoint, "tcp://192.0.2.7:7702");
    CHECK_EQ_INT(o->peers[0].rtt_us, 4321);
    CHECK(o->peers[0].reachable);
    CHECK_EQ_STR(o->peers[1].endpoint, "tcp://[2001:db8::9]:7702");
    CHECK_EQ_INT(o->peers[1].rtt_us, 0);
    CHECK(!o->peers[1].reachable);
    corridor_msg_fini(&out);

    /* the same report inside a GET_NODE answer */
    corridor_msg c;
    corridor_msg_init(&c, CORRIDOR_MSG_CONTROL_REPLY);
    corridor_node_view v;
    memset(&v, 0, sizeof v);
    snprintf(v.identity.node_id, sizeof v.identity.node_id, "de-muc-far-01");
    snprintf(v.identity.plmn, sizeof v.identity.plmn, "262-01");
    snprintf(v.identity.country, sizeof v.identity.country, "DE");
    v.identity.tier = CORRIDOR_TIER_FAR_EDGE;
    v.report = *r;
    c.u.crep.nodes = &v;
    c.u.crep.n_nodes = 1;
    CHECK_EQ_INT(round_trip(&c, NULL, &out, &err), 0);
    CHECK_EQ_INT(out.u.crep.n_nodes, 1);
    if (out.u.crep.n_nodes == 1) {
        CHECK_EQ_INT(out.u.crep.nodes[0].report.n_peers, 2);
        CHECK_EQ_INT(out.u.crep.nodes[0].report.peers[0].rtt_us, 4321);
        CHECK_EQ_STR(out.u.crep.nodes[0].report.peers[1].node_id, "it-vr-metro-01");
    }
    corridor_msg_fini(&out);

    /* a peer id that is not an id: refused, naming the entry */
    snprintf(r->peers[1].node_id, sizeof r->peers[1].node_id, "-bad id");
    CHECK(round_trip(&m, NULL, &out, &err) < 0);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_INVALID_FIELD);
    CHECK_CONTAINS(err.detail, "report.peers[1].node_id");
    corridor_msg_fini(&out);
    snprintf(r->peers[1].node_id, sizeof r->peers[1].node_id, "it-vr-metro-01");

    /* more peers than the fixed array holds: the encoder refuses */
    r->n_peers = CORRIDOR_MAX_PEERS + 1;
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);
    free(buf);
}

/* 17 peers written on the wire by hand: LIMIT_EXCEEDED before protobuf-c runs. Report field
 * 17, each a PeerRtt{node_id="p"}. */
static void test_peer_limit_on_wire(void)
{
    uint8_t payload[512], frame[600];
    size_t p = 0;
    payload[p++] = 0x0a; /* node_id = "n1" */
    payload[p++] = 2;
    payload[p++] = 'n';
    payload[p++] = '1';
    for (int i = 0; i < CORRIDOR_MAX_PEERS + 1; i++) {
        payload[p++] = 0x8a; /* tag (17 << 3 | 2) = 138 as a varint: 0x8a 0x01 */
        payload[p++] = 0x01;
        payload[p++] = 3;    /* PeerRtt length */
        payload[p++] = 0x0a; /* node_id = "p" */
        payload[p++] = 1;
        payload[p++] = 'p';
    }
    size_t f = report_frame(frame, payload, p);
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    corridor_msg out;
    corridor_decode_error err;
    CHECK_EQ_INT(corridor_msg_decode(frame, f, &lim, &out, &err), -E2BIG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_LIMIT_EXCEEDED);
    CHECK_CONTAINS(err.detail, "report.peers");
    corridor_msg_fini(&out);

    /* 16 are fine */
    size_t one = 6;
    size_t f16 = report_frame(frame, payload, p - one);
    CHECK_EQ_INT(corridor_msg_decode(frame, f16, &lim, &out, &err), 0);
    CHECK_EQ_INT(out.u.report.n_peers, CORRIDOR_MAX_PEERS);
    CHECK_EQ_STR(out.u.report.peers[15].node_id, "p");
    corridor_msg_fini(&out);
}

int main(void)
{
    RUN(test_steering_command);
    RUN(test_report_agent_fields);
    RUN(test_neighbour_limit_on_wire);
    RUN(test_report_peers);
    RUN(test_peer_limit_on_wire);
    return TEST_SUMMARY();
}
