/*
 * Report.dataplane (DataplaneSummary, field 18): round trips in a Report and in a node view,
 * the encoder's refusals, limits and field checks on hand-written wire bytes (with the field
 * path named), garbage, and the deep copy the registry's views use.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msg_copy.h"
#include "msgtest.h"
#include "testutil.h"

static void put_stat(corridor_dp_summary *d, const char *name, uint64_t v)
{
    corridor_stat *s = &d->counters[d->n_counters++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->value = v;
}

static void fill_summary(corridor_dp_summary *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->dataplane_id, sizeof d->dataplane_id, "dp-muc-01");
    snprintf(d->endpoint, sizeof d->endpoint, "tcp://127.0.0.1:7710");
    d->reachable = true;
    d->last_answer_age_ms = 123;
    put_stat(d, "rx_packets", 10000000000ull);
    put_stat(d, "tx_packets", 9999999000ull);
    put_stat(d, "drops", 1000);
    put_stat(d, "drops_no_session_dl", 1000);
    put_stat(d, "rules", 2);
}

static void test_round_trip(void)
{
    corridor_msg m, out;
    corridor_decode_error err;
    corridor_dp_summary d;
    fill_summary(&d);
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    snprintf(m.u.report.node_id, sizeof m.u.report.node_id, "de-muc-far-01");
    m.u.report.dataplane = &d;
    CHECK_EQ_INT(round_trip(&m, NULL, &out, &err), 0);
    const corridor_dp_summary *o = out.u.report.dataplane;
    CHECK(o != NULL);
    if (o) {
        CHECK_EQ_STR(o->dataplane_id, "dp-muc-01");
        CHECK_EQ_STR(o->endpoint, "tcp://127.0.0.1:7710");
        CHECK(o->reachable);
        CHECK_EQ_INT(o->last_answer_age_ms, 123);
        CHECK_EQ_INT(o->n_counters, 5);
        CHECK_EQ_STR(o->counters[0].name, "rx_packets");
        CHECK(o->counters[0].value == 10000000000ull);
        CHECK(corridor_dp_summary_find(o, "drops_no_session_dl") != NULL);
        CHECK_EQ_INT(corridor_dp_summary_find(o, "rules")->value, 2);
        CHECK(corridor_dp_summary_find(o, "forwarded") == NULL);
    }
    corridor_msg_fini(&out); /* frees the summary (ASan: no leak) */

    /* a report without the field has none: older agents, nodes without a dataplane */
    m.u.report.dataplane = NULL;
    CHECK_EQ_INT(round_trip(&m, NULL, &out, &err), 0);
    CHECK(out.u.report.dataplane == NULL);
    corridor_msg_fini(&out);

    /* unreachable, never answered: no id, no counters, still present */
    memset(&d, 0, sizeof d);
    snprintf(d.endpoint, sizeof d.endpoint, "tcp://[2001:db8::1]:7710");
    m.u.report.dataplane = &d;
    CHECK_EQ_INT(round_trip(&m, NULL, &out, &err), 0);
    o = out.u.report.dataplane;
    CHECK(o != NULL);
    if (o) {
        CHECK(!o->reachable);
        CHECK_EQ_STR(o->dataplane_id, "");
        CHECK_EQ_STR(o->endpoint, "tcp://[2001:db8::1]:7710");
        CHECK_EQ_INT(o->n_counters, 0);
    }
    corridor_msg_fini(&out);

    /* the full array */
    fill_summary(&d);
    d.n_counters = 0;
    for (int i = 0; i < CORRIDOR_MAX_DP_COUNTERS; i++) {
        char name[32];
        snprintf(name, sizeof name, "drops_reason_%d", i);
        put_stat(&d, name, (uint64_t)i + 1);
    }
    CHECK_EQ_INT(round_trip(&m, NULL, &out, &err), 0);
    o = out.u.report.dataplane;
    CHECK(o && o->n_counters == CORRIDOR_MAX_DP_COUNTERS);
    if (o)
        CHECK_EQ_INT(o->counters[CORRIDOR_MAX_DP_COUNTERS - 1].value, CORRIDOR_MAX_DP_COUNTERS);
    corridor_msg_fini(&out);
}

/* The same summary inside a GET_NODE answer, and the registry's copies of it. */
static void test_node_view_and_copy(void)
{
    corridor_dp_summary d;
    fill_summary(&d);
    corridor_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.node_id, sizeof r.node_id, "de-muc-far-01");
    r.dataplane = &d;

    corridor_msg c, out;
    corridor_decode_error err;
    corridor_msg_init(&c, CORRIDOR_MSG_CONTROL_REPLY);
    corridor_node_view v;
    memset(&v, 0, sizeof v);
    snprintf(v.identity.node_id, sizeof v.identity.node_id, "de-muc-far-01");
    snprintf(v.identity.plmn, sizeof v.identity.plmn, "262-01");
    snprintf(v.identity.country, sizeof v.identity.country, "DE");
    v.identity.tier = CORRIDOR_TIER_FAR_EDGE;
    v.report = r;
    c.u.crep.nodes = &v;
    c.u.crep.n_nodes = 1;
    CHECK_EQ_INT(round_trip(&c, NULL, &out, &err), 0);
    CHECK_EQ_INT(out.u.crep.n_nodes, 1);
    if (out.u.crep.n_nodes == 1) {
        const corridor_dp_summary *o = out.u.crep.nodes[0].report.dataplane;
        CHECK(o && o->n_counters == 5 && o->reachable);
        if (o)
            CHECK_EQ_STR(o->counters[4].name, "rules");
    }
    corridor_msg_fini(&out);

    /* deep copies: GET_NODE keeps the counters, lists keep only who and whether */
    corridor_report full, list;
    CHECK_EQ_INT(corridor_report_copy(&full, &r, true), 0);
    CHECK_EQ_INT(corridor_report_copy(&list, &r, false), 0);
    CHECK(full.dataplane && full.dataplane != &d && full.dataplane->n_counters == 5);
    CHECK(list.dataplane && list.dataplane->n_counters == 0);
    if (list.dataplane) {
        CHECK_EQ_STR(list.dataplane->dataplane_id, "dp-muc-01");
        CHECK(list.dataplane->reachable);
    }
    d.counters[0].value = 7; /* the copy is its own */
    CHECK(full.dataplane && full.dataplane->counters[0].value == 10000000000ull);
    corridor_report_fini(&full);
    corridor_report_fini(&list);
    r.dataplane = NULL;
    CHECK_EQ_INT(corridor_report_copy(&full, &r, true), 0);
    CHECK(full.dataplane == NULL);
    corridor_report_fini(&full);
}

/* What the encoder refuses: more counters than the array, numbers from an unreachable
 * dataplane (stale), a string that fills its array. */
static void test_encoder_refuses(void)
{
    corridor_dp_summary d;
    corridor_msg m;
    uint8_t *buf = NULL;
    size_t len = 0;
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    snprintf(m.u.report.node_id, sizeof m.u.report.node_id, "n1");
    m.u.report.dataplane = &d;

    fill_summary(&d);
    d.n_counters = CORRIDOR_MAX_DP_COUNTERS + 1;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);
    free(buf);
    buf = NULL;

    fill_summary(&d);
    d.reachable = false;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);
    free(buf);
    buf = NULL;

    fill_summary(&d);
    memset(d.endpoint, 'x', sizeof d.endpoint);
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);
    free(buf);
}

/* ---- hand-written wire bytes ---- */

typedef struct {
    uint8_t b[4096];
    size_t n;
} wbuf;

static void w_varint(wbuf *w, uint64_t v)
{
    while (v >= 0x80) {
        w->b[w->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->b[w->n++] = (uint8_t)v;
}

static void w_tag(wbuf *w, uint32_t field, unsigned wt) { w_varint(w, (uint64_t)field << 3 | wt); }

static void w_bytes(wbuf *w, uint32_t field, const void *p, size_t len)
{
    w_tag(w, field, 2);
    w_varint(w, len);
    memcpy(w->b + w->n, p, len);
    w->n += len;
}

static void w_str(wbuf *w, uint32_t field, const char *s) { w_bytes(w, field, s, strlen(s)); }

static void w_uint(wbuf *w, uint32_t field, uint64_t v)
{
    w_tag(w, field, 0);
    w_varint(w, v);
}

/* A DataplaneSummary with n counters named name (value 1 each). */
static void w_summary(wbuf *w, const char *id, bool reachable, int n, const char *name)
{
    w_str(w, 1, id);
    w_str(w, 2, "tcp://127.0.0.1:7710");
    if (reachable)
        w_uint(w, 3, 1);
    w_uint(w, 4, 50);
    for (int i = 0; i < n; i++) {
        wbuf s = {.n = 0};
        w_str(&s, 1, name);
        w_uint(&s, 2, 1);
        w_bytes(w, 5, s.b, s.n);
    }
}

/* Decode an envelope of type REPORT around a Report that carries `dp` as field 18 (times
 * `copies`); 0 or the decoder's error, with err filled. */
static int decode_report_with(const wbuf *dp, int copies, corridor_decode_error *err,
                              corridor_msg *out)
{
    static wbuf rep, env;
    rep.n = env.n = 0;
    w_str(&rep, 1, "n1");
    for (int i = 0; i < copies; i++)
        w_bytes(&rep, 18, dp->b, dp->n);
    w_uint(&env, 1, CORRIDOR_PROTOCOL_VERSION);
    w_uint(&env, 2, CORRIDOR_MSG_REPORT);
    w_bytes(&env, 7, rep.b, rep.n);
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    return corridor_msg_decode(env.b, env.n, &lim, out, err);
}

static void test_wire_limits_and_fields(void)
{
    corridor_msg out;
    corridor_decode_error err;
    wbuf dp = {.n = 0};

    /* 48 counters are fine; 49 are refused before protobuf-c allocates, the path named */
    w_summary(&dp, "dp1", true, CORRIDOR_MAX_DP_COUNTERS, "rx_packets");
    CHECK_EQ_INT(decode_report_with(&dp, 1, &err, &out), 0);
    CHECK(out.u.report.dataplane && out.u.report.dataplane->n_counters ==
                                        CORRIDOR_MAX_DP_COUNTERS);
    corridor_msg_fini(&out);
    dp.n = 0;
    w_summary(&dp, "dp1", true, CORRIDOR_MAX_DP_COUNTERS + 1, "rx_packets");
    CHECK_EQ_INT(decode_report_with(&dp, 1, &err, &out), -E2BIG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_LIMIT_EXCEEDED);
    CHECK_CONTAINS(err.detail, "report.dataplane.counters: 49 entries over the limit of 48");
    CHECK(out.u.report.dataplane == NULL);
    corridor_msg_fini(&out);

    /* a singular message twice (protobuf-c would merge them past the count) */
    dp.n = 0;
    w_summary(&dp, "dp1", true, 30, "rx_packets");
    CHECK_EQ_INT(decode_report_with(&dp, 2, &err, &out), -E2BIG);
    CHECK_CONTAINS(err.detail, "report.dataplane: 2 entries over the limit of 1");
    corridor_msg_fini(&out);

    /* counters from an unreachable dataplane would be stale numbers */
    dp.n = 0;
    w_summary(&dp, "dp1", false, 2, "rx_packets");
    CHECK_EQ_INT(decode_report_with(&dp, 1, &err, &out), -EINVAL);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_INVALID_FIELD);
    CHECK_CONTAINS(err.detail, "report.dataplane.counters");
    CHECK_CONTAINS(err.detail, "unreachable");
    corridor_msg_fini(&out);

    /* a dataplane id that is not an id, an empty or over-long counter name */
    dp.n = 0;
    w_summary(&dp, "-dp 1", true, 1, "rx_packets");
    CHECK_EQ_INT(decode_report_with(&dp, 1, &err, &out), -EINVAL);
    CHECK_CONTAINS(err.detail, "report.dataplane.dataplane_id");
    corridor_msg_fini(&out);
    dp.n = 0;
    w_summary(&dp, "dp1", true, 3, "");
    CHECK_EQ_INT(decode_report_with(&dp, 1, &err, &out), -EINVAL);
    CHECK_CONTAINS(err.detail, "report.dataplane.counters[0].name");
    corridor_msg_fini(&out);
    char longname[80];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    dp.n = 0;
    w_summary(&dp, "dp1", true, 1, longname);
    CHECK_EQ_INT(decode_report_with(&dp, 1, &err, &out), -EINVAL);
    CHECK_CONTAINS(err.detail, "report.dataplane.counters[0].name");
    corridor_msg_fini(&out);
}

/* Garbage in the field: not a message, a length past the end, a bad nested tag. */
static void test_wire_garbage(void)
{
    corridor_msg out;
    corridor_decode_error err;
    static wbuf rep, env;
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);

    /* field 18 as a varint */
    rep.n = env.n = 0;
    w_str(&rep, 1, "n1");
    w_uint(&rep, 18, 5);
    w_uint(&env, 1, 1);
    w_uint(&env, 2, CORRIDOR_MSG_REPORT);
    w_bytes(&env, 7, rep.b, rep.n);
    CHECK_EQ_INT(corridor_msg_decode(env.b, env.n, &lim, &out, &err), -EBADMSG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_MALFORMED);
    CHECK_CONTAINS(err.detail, "report.dataplane");
    corridor_msg_fini(&out);

    /* a summary whose counter claims more bytes than there are */
    wbuf dp = {.n = 0};
    w_str(&dp, 1, "dp1");
    w_tag(&dp, 5, 2);
    w_varint(&dp, 40);
    w_str(&dp, 1, "rx");
    rep.n = env.n = 0;
    w_str(&rep, 1, "n1");
    w_bytes(&rep, 18, dp.b, dp.n);
    w_uint(&env, 1, 1);
    w_uint(&env, 2, CORRIDOR_MSG_REPORT);
    w_bytes(&env, 7, rep.b, rep.n);
    CHECK_EQ_INT(corridor_msg_decode(env.b, env.n, &lim, &out, &err), -EBADMSG);
    CHECK_CONTAINS(err.detail, "report.dataplane");
    corridor_msg_fini(&out);

    /* every cut of a valid frame is refused cleanly or decodes (never a crash, no leak) */
    corridor_dp_summary d;
    fill_summary(&d);
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    snprintf(m.u.report.node_id, sizeof m.u.report.node_id, "n1");
    m.u.report.dataplane = &d;
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), 0);
    /* the envelope's header (version, type, the payload's tag and length) is a few bytes;
     * any cut past it ends inside the payload, which is length-delimited */
    size_t refused = 0, inside = 0;
    for (size_t cut = 0; buf && cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
        memcpy(copy, buf, cut);
        int rc = corridor_msg_decode(copy, cut, &lim, &out, &err);
        if (cut > 16) {
            inside++;
            refused += rc < 0;
        }
        corridor_msg_fini(&out);
        free(copy);
    }
    CHECK(inside > 100);
    CHECK_EQ_INT(refused, inside);
    free(buf);
}

/* The view path: 49 counters inside a ControlReply's node view. */
static void test_view_limit(void)
{
    static wbuf dp, rep, id, view, crep, env;
    dp.n = rep.n = id.n = view.n = crep.n = env.n = 0;
    w_summary(&dp, "dp1", true, CORRIDOR_MAX_DP_COUNTERS + 1, "drops");
    w_str(&rep, 1, "n1");
    w_bytes(&rep, 18, dp.b, dp.n);
    w_str(&id, 1, "n1");
    w_bytes(&view, 1, id.b, id.n);
    w_bytes(&view, 7, rep.b, rep.n);
    w_bytes(&crep, 4, view.b, view.n);
    w_uint(&env, 1, 1);
    w_uint(&env, 2, CORRIDOR_MSG_CONTROL_REPLY);
    w_bytes(&env, 7, crep.b, crep.n);
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    corridor_msg out;
    corridor_decode_error err;
    CHECK_EQ_INT(corridor_msg_decode(env.b, env.n, &lim, &out, &err), -E2BIG);
    CHECK_CONTAINS(err.detail, "control_reply.nodes.report.dataplane.counters");
    corridor_msg_fini(&out);
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_node_view_and_copy);
    RUN(test_encoder_refuses);
    RUN(test_wire_limits_and_fields);
    RUN(test_wire_garbage);
    RUN(test_view_limit);
    return TEST_SUMMARY();
}
