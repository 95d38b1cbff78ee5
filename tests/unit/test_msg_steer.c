/* Protocol v1 dataplane control: RuleUpdate / RuleResult / DataplaneStats round trips,
 * limits and field checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "testutil.h"

static int roundtrip_lim(const corridor_msg *in, corridor_msg *out, const corridor_msg_limits *lim,
                         corridor_decode_error *de)
{
    uint8_t *buf;
    size_t len;
    int rc = corridor_msg_encode(in, &buf, &len);
    if (rc < 0)
        return rc;
    rc = corridor_msg_decode(buf, len, lim, out, de);
    free(buf);
    return rc;
}

static int roundtrip(const corridor_msg *in, corridor_msg *out, corridor_decode_error *de)
{
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    return roundtrip_lim(in, out, &lim, de);
}

static void fill_rule(corridor_dp_rule *r, uint64_t id)
{
    memset(r, 0, sizeof *r);
    r->rule_id = id;
    snprintf(r->session_id, sizeof r->session_id, "sess-%llu", (unsigned long long)id);
    r->uplink_teid = 0x100 + (uint32_t)id;
    r->uplink_address.family = 4;
    memcpy(r->uplink_address.a, (uint8_t[]){198, 51, 100, 2}, 4);
    r->ue_address.family = 6;
    r->ue_address.a[0] = 0x20, r->ue_address.a[1] = 0x01, r->ue_address.a[15] = (uint8_t)id;
    r->action = CORRIDOR_DP_ACTION_FORWARD;
    snprintf(r->target_node, sizeof r->target_node, "at-ibk-near-01");
    r->target_address.family = 4;
    memcpy(r->target_address.a, (uint8_t[]){203, 0, 113, 9}, 4);
    r->target_teid = 0xabcdef00u;
    r->qfi = 9;
    r->out_port = 1;
    r->has_dst_mac = true;
    memcpy(r->dst_mac, (uint8_t[]){2, 0, 0, 0, 0, 9}, 6);
    r->version = 7;
}

static void test_rule_update_roundtrip(void)
{
    corridor_rule_op ops[3];
    fill_rule(&ops[0].rule, 1);
    ops[0].op = CORRIDOR_RULE_OP_ADD;
    fill_rule(&ops[1].rule, 2);
    ops[1].op = CORRIDOR_RULE_OP_MODIFY;
    ops[1].rule.action = CORRIDOR_DP_ACTION_BREAKOUT;
    ops[1].rule.has_dst_mac = false;
    ops[1].rule.uplink_address.family = 0;
    memset(&ops[2], 0, sizeof ops[2]);
    ops[2].op = CORRIDOR_RULE_OP_DELETE;
    ops[2].rule.rule_id = 3;

    corridor_msg in, out;
    corridor_msg_init(&in, CORRIDOR_MSG_RULE_UPDATE);
    in.env.seq = 5;
    in.u.rupd.batch_id = 42;
    in.u.rupd.ops = ops;
    in.u.rupd.n_ops = 3;
    corridor_decode_error de;
    CHECK_EQ_INT(roundtrip(&in, &out, &de), 0);
    CHECK_EQ_INT(out.env.type, CORRIDOR_MSG_RULE_UPDATE);
    CHECK_EQ_INT(out.u.rupd.batch_id, 42);
    CHECK_EQ_INT(out.u.rupd.n_ops, 3);
    if (out.u.rupd.n_ops == 3) {
        const corridor_rule_op *o = out.u.rupd.ops;
        CHECK_EQ_INT(o[0].op, CORRIDOR_RULE_OP_ADD);
        CHECK(memcmp(&o[0].rule, &ops[0].rule, sizeof o[0].rule) == 0);
        CHECK_EQ_INT(o[1].op, CORRIDOR_RULE_OP_MODIFY);
        CHECK_EQ_INT(o[1].rule.action, CORRIDOR_DP_ACTION_BREAKOUT);
        CHECK(!o[1].rule.has_dst_mac);
        CHECK_EQ_INT(o[1].rule.uplink_address.family, 0);
        CHECK_EQ_INT(o[1].rule.ue_address.family, 6);
        CHECK_EQ_STR(o[1].rule.session_id, "sess-2");
        CHECK_EQ_INT(o[2].op, CORRIDOR_RULE_OP_DELETE);
        CHECK_EQ_INT(o[2].rule.rule_id, 3);
    }
    corridor_msg_fini(&out);
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_RULE_UPDATE), "rule_update");
    CHECK_EQ_STR(corridor_dp_action_name(CORRIDOR_DP_ACTION_KERNEL), "kernel");
}

static void test_rule_update_refused(void)
{
    corridor_rule_op op;
    corridor_msg in, out;
    corridor_decode_error de;
    corridor_msg_init(&in, CORRIDOR_MSG_RULE_UPDATE);
    in.u.rupd.ops = &op;
    in.u.rupd.n_ops = 1;

    fill_rule(&op.rule, 0);   /* rule_id 0 */
    op.op = CORRIDOR_RULE_OP_ADD;
    CHECK_EQ_INT(roundtrip(&in, &out, &de), -EINVAL);
    CHECK_CONTAINS(de.detail, "rule_update.ops[0].rule.rule_id");
    corridor_msg_fini(&out);

    fill_rule(&op.rule, 1);   /* no key */
    op.rule.uplink_address.family = 0;
    op.rule.ue_address.family = 0;
    CHECK_EQ_INT(roundtrip(&in, &out, &de), -EINVAL);
    CHECK_CONTAINS(de.detail, "needs a key");
    corridor_msg_fini(&out);

    fill_rule(&op.rule, 1);   /* forward without a target */
    op.rule.target_address.family = 0;
    CHECK_EQ_INT(roundtrip(&in, &out, &de), -EINVAL);
    CHECK_CONTAINS(de.detail, "target_address");
    corridor_msg_fini(&out);

    fill_rule(&op.rule, 1);   /* action none */
    op.rule.action = CORRIDOR_DP_ACTION_NONE;
    CHECK_EQ_INT(roundtrip(&in, &out, &de), -EINVAL);
    CHECK_CONTAINS(de.detail, "action");
    corridor_msg_fini(&out);

    fill_rule(&op.rule, 1);   /* qfi over 63 */
    op.rule.qfi = 64;
    CHECK_EQ_INT(roundtrip(&in, &out, &de), -EINVAL);
    CHECK_CONTAINS(de.detail, "qfi");
    corridor_msg_fini(&out);

    fill_rule(&op.rule, 1);   /* op none */
    op.op = CORRIDOR_RULE_OP_NONE;
    CHECK_EQ_INT(roundtrip(&in, &out, &de), -EINVAL);
    CHECK_CONTAINS(de.detail, "op");
    corridor_msg_fini(&out);

    fill_rule(&op.rule, 1);   /* an address family the encoder cannot send */
    op.op = CORRIDOR_RULE_OP_ADD;
    op.rule.ue_address.family = 5;
    uint8_t *buf = NULL;
    size_t len;
    CHECK_EQ_INT(corridor_msg_encode(&in, &buf, &len), -EINVAL);
    free(buf);
}

static void test_rule_batch_limit(void)
{
    size_t n = 11;
    corridor_rule_op *ops = calloc(n, sizeof *ops);
    for (size_t i = 0; i < n; i++) {
        ops[i].op = CORRIDOR_RULE_OP_DELETE;
        ops[i].rule.rule_id = i + 1;
    }
    corridor_msg in, out;
    corridor_msg_init(&in, CORRIDOR_MSG_RULE_UPDATE);
    in.u.rupd.ops = ops;
    in.u.rupd.n_ops = n;
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    CHECK_EQ_INT(lim.max_rules_batch, 4096);
    lim.max_rules_batch = 10;
    corridor_decode_error de;
    CHECK_EQ_INT(roundtrip_lim(&in, &out, &lim, &de), -E2BIG);
    CHECK_EQ_INT(de.reason, CORRIDOR_REJECT_LIMIT_EXCEEDED);
    CHECK_CONTAINS(de.detail, "rule_update.ops: 11 entries over the limit of 10");
    CHECK(out.u.rupd.ops == NULL);
    corridor_msg_fini(&out);
    lim.max_rules_batch = 11;
    CHECK_EQ_INT(roundtrip_lim(&in, &out, &lim, &de), 0);
    CHECK_EQ_INT(out.u.rupd.n_ops, 11);
    corridor_msg_fini(&out);
    free(ops);
}

static void test_rule_result_and_stats(void)
{
    corridor_msg in, out;
    corridor_decode_error de;
    corridor_msg_init(&in, CORRIDOR_MSG_RULE_RESULT);
    in.u.rres.batch_id = 9;
    in.u.rres.status = -EEXIST;
    in.u.rres.applied = 99;
    in.u.rres.failed = 1;
    in.u.rres.first_failed = 17;
    in.u.rres.rules_total = 1000000;
    snprintf(in.u.rres.error, sizeof in.u.rres.error, "ops[17]: rule 18 exists");
    CHECK_EQ_INT(roundtrip(&in, &out, &de), 0);
    CHECK_EQ_INT(out.u.rres.batch_id, 9);
    CHECK_EQ_INT(out.u.rres.status, -EEXIST);
    CHECK_EQ_INT(out.u.rres.applied, 99);
    CHECK_EQ_INT(out.u.rres.failed, 1);
    CHECK_EQ_INT(out.u.rres.first_failed, 17);
    CHECK_EQ_INT(out.u.rres.rules_total, 1000000);
    CHECK_EQ_STR(out.u.rres.error, "ops[17]: rule 18 exists");
    corridor_msg_fini(&out);

    corridor_msg_init(&in, CORRIDOR_MSG_DATAPLANE_STATS_REQUEST);
    CHECK_EQ_INT(roundtrip(&in, &out, &de), 0);
    CHECK_EQ_INT(out.env.type, CORRIDOR_MSG_DATAPLANE_STATS_REQUEST);
    corridor_msg_fini(&out);

    corridor_stat st[3] = {{"rx_packets", 10}, {"tx_packets", 9}, {"drops_trunc_udp", 1}};
    corridor_msg_init(&in, CORRIDOR_MSG_DATAPLANE_STATS);
    snprintf(in.u.dps.dataplane_id, sizeof in.u.dps.dataplane_id, "dp-muc-1");
    in.u.dps.stats = st;
    in.u.dps.n_stats = 3;
    CHECK_EQ_INT(roundtrip(&in, &out, &de), 0);
    CHECK_EQ_STR(out.u.dps.dataplane_id, "dp-muc-1");
    CHECK_EQ_INT(out.u.dps.n_stats, 3);
    if (out.u.dps.n_stats == 3) {
        CHECK_EQ_STR(out.u.dps.stats[2].name, "drops_trunc_udp");
        CHECK_EQ_INT(out.u.dps.stats[0].value, 10);
    }
    corridor_msg_fini(&out);
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    lim.max_stats_reply = 2;
    CHECK_EQ_INT(roundtrip_lim(&in, &out, &lim, &de), -E2BIG);
    CHECK_CONTAINS(de.detail, "dataplane_stats.stats");
    corridor_msg_fini(&out);
}

int main(void)
{
    RUN(test_rule_update_roundtrip);
    RUN(test_rule_update_refused);
    RUN(test_rule_batch_limit);
    RUN(test_rule_result_and_stats);
    return TEST_SUMMARY();
}
