/* dataplane session table + fast path on DPDK without devices (--no-huge --no-pci): rule
 * ops and their errors, lookups, the actions applied to real mbufs, counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "fastpath.h"
#include "pktgen.h"
#include "table.h"
#include "testutil.h"

static struct rte_mempool *mp;
static corridor_dpt *t;
static corridor_dp_worker w;
static const uint8_t ours4[4] = {198, 51, 100, 2}, gnb4[4] = {198, 51, 100, 1};
static const uint8_t node4[4] = {203, 0, 113, 9}, ue4[4] = {10, 45, 0, 7}, dn4[4] = {192, 0, 2, 10};
static const uint8_t ue6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};

static corridor_dp_rule rule(uint64_t id, uint32_t teid, const uint8_t *ue, int uefam)
{
    corridor_dp_rule r;
    memset(&r, 0, sizeof r);
    r.rule_id = id;
    r.uplink_teid = teid;
    r.uplink_address.family = 4;
    memcpy(r.uplink_address.a, ours4, 4);
    if (ue) {
        r.ue_address.family = (uint8_t)uefam;
        memcpy(r.ue_address.a, ue, uefam == 4 ? 4 : 16);
    }
    r.action = CORRIDOR_DP_ACTION_FORWARD;
    r.target_address.family = 4;
    memcpy(r.target_address.a, node4, 4);
    r.target_teid = 0x2000 + (uint32_t)id;
    r.version = 1;
    return r;
}

static int apply1(corridor_rule_op_kind op, const corridor_dp_rule *r, corridor_rule_result *res)
{
    corridor_rule_op o = {.op = op, .rule = *r};
    return corridor_dpt_apply(t, &o, 1, res);
}

static struct rte_mbuf *mbuf_of(const uint8_t *f, size_t n)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
    memcpy(rte_pktmbuf_append(m, (uint16_t)n), f, n);
    return m;
}

/* Run one frame through the fast path; returns the tx slot it went to (-1 dropped) and
 * leaves its bytes in out. */
static int run1(const uint8_t *f, size_t n, uint8_t *out, size_t *outlen)
{
    struct rte_mbuf *m = mbuf_of(f, n);
    corridor_dp_process(&w, &m, 1);
    for (int s = 0; s <= CORRIDOR_DPT_MAX_PORTS; s++) {
        if (w.n_txb[s]) {
            struct rte_mbuf *o = w.txb[s][0];
            *outlen = rte_pktmbuf_data_len(o);
            memcpy(out, rte_pktmbuf_mtod(o, uint8_t *), *outlen);
            rte_pktmbuf_free(o);
            w.n_txb[s] = 0;
            return s;
        }
    }
    return -1;
}

static void test_ops(void)
{
    corridor_rule_result res;
    corridor_dp_rule r1 = rule(1, 0x1001, ue4, 4);
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_ADD, &r1, &res), 0);
    CHECK_EQ_INT(res.applied, 1);
    CHECK_EQ_INT(res.rules_total, 1);
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_ADD, &r1, &res), -EEXIST);
    CHECK_CONTAINS(res.error, "rule 1 exists");
    corridor_dp_rule r2 = rule(2, 0x1001, NULL, 0);   /* same uplink key as rule 1 */
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_ADD, &r2, &res), -EEXIST);
    r2.uplink_teid = 0x1002;
    r2.out_port = 5;
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_ADD, &r2, &res), -EINVAL);
    CHECK_CONTAINS(res.error, "out_port 5");
    r2.out_port = 0;
    r2.action = CORRIDOR_DP_ACTION_KERNEL;
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_ADD, &r2, &res), -EINVAL);
    CHECK_CONTAINS(res.error, "exception port");
    r2.action = CORRIDOR_DP_ACTION_FORWARD;
    r2.target_address.family = 6;
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_ADD, &r2, &res), -EINVAL);
    CHECK_CONTAINS(res.error, "no IPv6 address");
    r2 = rule(2, 0x1002, ue6, 6);
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_ADD, &r2, &res), 0);
    CHECK_EQ_INT(corridor_dpt_count(t), 2);
    /* modify: version checks, re-pointing */
    corridor_dp_rule m = r1;
    m.version = 0;
    m.target_teid = 0x3001;
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_MODIFY, &m, &res), 0);
    uint64_t ver = 99;
    CHECK_EQ_INT(corridor_dpt_version(t, 1, &ver), 0);
    CHECK_EQ_INT(ver, 0);
    m.version = 5;
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_MODIFY, &m, &res), 0);
    m.version = 4;
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_MODIFY, &m, &res), -ESTALE);
    m.rule_id = 99;
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_MODIFY, &m, &res), -ENOENT);
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_DELETE, &m, &res), -ENOENT);
    /* batch: one failure in the middle does not stop the rest */
    corridor_rule_op ops[3] = {
        {.op = CORRIDOR_RULE_OP_ADD, .rule = rule(10, 0x1010, NULL, 0)},
        {.op = CORRIDOR_RULE_OP_ADD, .rule = rule(1, 0x1011, NULL, 0)},
        {.op = CORRIDOR_RULE_OP_ADD, .rule = rule(11, 0x1012, NULL, 0)},
    };
    CHECK_EQ_INT(corridor_dpt_apply(t, ops, 3, &res), -EEXIST);
    CHECK_EQ_INT(res.applied, 2);
    CHECK_EQ_INT(res.failed, 1);
    CHECK_EQ_INT(res.first_failed, 1);
    CHECK_EQ_INT(res.rules_total, 4);
    corridor_rule_op del[2] = {{.op = CORRIDOR_RULE_OP_DELETE, .rule = {.rule_id = 10}},
                               {.op = CORRIDOR_RULE_OP_DELETE, .rule = {.rule_id = 11}}};
    CHECK_EQ_INT(corridor_dpt_apply(t, del, 2, &res), 0);
    CHECK_EQ_INT(corridor_dpt_count(t), 2);
    /* a deleted key can be taken again */
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_ADD, &ops[0].rule, &res), 0);
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_DELETE, &ops[0].rule, &res), 0);
}

static void test_fill_to_capacity(void)
{
    corridor_rule_result res;
    size_t free_slots = 64 - corridor_dpt_count(t);
    int fails = 0;
    for (size_t i = 0; i < free_slots + 1; i++) {
        corridor_dp_rule r = rule(1000 + i, 0x50000 + (uint32_t)i, NULL, 0);
        if (apply1(CORRIDOR_RULE_OP_ADD, &r, &res) == -ENOSPC)
            fails++;
    }
    CHECK_EQ_INT(fails, 1);
    CHECK_EQ_INT(corridor_dpt_count(t), 64);
    for (size_t i = 0; i < free_slots; i++) {
        corridor_dp_rule r = {.rule_id = 1000 + i};
        CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_DELETE, &r, &res), 0);
    }
}

static void test_fastpath(void)
{
    uint8_t ip[256], f[512], out[512];
    size_t n, fl, ol = 0;
    corridor_pkt p;
    /* uplink, rule 1 (modified to TEID 0x3001), with a PDU Session Container kept */
    n = pg_ip_udp(ip, 4, ue4, dn4, 64, 30);
    fl = pg_gtpu(f, 4, gnb4, ours4, 0x1001, 7, ip, n, 0);
    CHECK_EQ_INT(run1(f, fl, out, &ol), 0);
    CHECK_EQ_INT(corridor_pkt_parse(out, ol, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.kind, CORRIDOR_PKT_KIND_GTPU);
    CHECK_EQ_INT(p.teid, 0x3001);
    CHECK(memcmp(corridor_pkt_ip_dst(out, &p.outer), node4, 4) == 0);
    CHECK(memcmp(corridor_pkt_ip_src(out, &p.outer), ours4, 4) == 0);
    CHECK(p.has_qfi && p.qfi == 7 && p.pdu_type == 1);
    CHECK_EQ_INT(p.inner.total_len, n);
    CHECK(memcmp(out + p.inner.off, ip, n) == 0);      /* inner untouched */
    CHECK_EQ_INT(corridor_csum_fold(corridor_csum_add(0, out + 14, 20)), 0);
    CHECK_EQ_INT(out[0], 0);  /* gateway MAC unset in this table: zero */
    /* downlink IPv6 to rule 2's UE: encapsulated, hop limit decremented */
    n = pg_ip_udp(ip, 6, (const uint8_t[16]){0x20, 1, [15] = 1}, ue6, 9, 40);
    fl = pg_eth(f, ip, n, 0);
    CHECK_EQ_INT(run1(f, fl, out, &ol), 0);
    CHECK_EQ_INT(corridor_pkt_parse(out, ol, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.teid, 0x2002);
    CHECK(!p.has_qfi);
    CHECK_EQ_INT(p.inner.family, 6);
    CHECK_EQ_INT(p.inner.ttl, 8);
    /* downlink TTL 1: no exception path here, so dropped as ttl_expired */
    n = pg_ip_udp(ip, 4, dn4, ue4, 1, 10);
    fl = pg_eth(f, ip, n, 0);
    CHECK_EQ_INT(run1(f, fl, out, &ol), -1);
    CHECK_EQ_INT(w.st.drops[CORRIDOR_DP_DROP_TTL], 1);
    /* unknown TEID, unknown UE, truncated */
    n = pg_ip_udp(ip, 4, ue4, dn4, 64, 10);
    fl = pg_gtpu(f, 4, gnb4, ours4, 0x7777, -1, ip, n, 0);
    CHECK_EQ_INT(run1(f, fl, out, &ol), -1);
    CHECK_EQ_INT(w.st.drops[CORRIDOR_DP_DROP_NO_SESSION_UL], 1);
    CHECK_EQ_INT(run1(f, fl - 3, out, &ol), -1);
    CHECK_EQ_INT(w.st.drops[CORRIDOR_PKT_BAD_IPV4_LEN], 1);
    n = pg_ip_udp(ip, 4, dn4, (const uint8_t[4]){10, 45, 9, 9}, 64, 10);
    fl = pg_eth(f, ip, n, 0);
    CHECK_EQ_INT(run1(f, fl, out, &ol), -1);
    CHECK_EQ_INT(w.st.drops[CORRIDOR_DP_DROP_NO_SESSION_DL], 1);
    /* breakout: decapsulated, TTL decremented, Ethernet rebuilt */
    corridor_dp_rule b = rule(1, 0x1001, ue4, 4);
    b.action = CORRIDOR_DP_ACTION_BREAKOUT;
    b.has_dst_mac = true;
    memcpy(b.dst_mac, (uint8_t[]){2, 0, 0, 0, 0, 0x42}, 6);
    b.version = 6;
    corridor_rule_result res;
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_MODIFY, &b, &res), 0);
    n = pg_ip_udp(ip, 4, ue4, dn4, 64, 30);
    fl = pg_gtpu(f, 4, gnb4, ours4, 0x1001, -1, ip, n, 100);
    CHECK_EQ_INT(run1(f, fl, out, &ol), 0);
    CHECK_EQ_INT(ol, 14 + n);
    CHECK_EQ_INT(out[5], 0x42);
    CHECK_EQ_INT(corridor_pkt_parse(out, ol, &p), CORRIDOR_PKT_OK);
    CHECK_EQ_INT(p.kind, CORRIDOR_PKT_KIND_IP);
    CHECK_EQ_INT(p.outer.ttl, 63);
    CHECK_EQ_INT(corridor_csum_fold(corridor_csum_add(0, out + 14, 20)), 0);
    /* per-rule counters: rule 1 matched two uplink packets and the TTL-1 downlink one */
    uint64_t pk = 0, by = 0;
    CHECK_EQ_INT(corridor_dpt_rule_stats(t, 1, &pk, &by), 0);
    CHECK_EQ_INT(pk, 3);
    CHECK(by > 0);
    CHECK_EQ_INT(corridor_dpt_rule_stats(t, 12345, &pk, &by), -ENOENT);
    CHECK_EQ_INT(rte_mempool_in_use_count(mp), 0);   /* nothing leaked or held */
}

/* A table on one port that sends from ours4; NULL (and a failed check) if it cannot. */
static corridor_dpt *table_new(const char *name, uint32_t cap, uint32_t batch, uint32_t readers,
                               corridor_dpt_port *port)
{
    memset(port, 0, sizeof *port);
    port->addr4.family = 4;
    memcpy(port->addr4.a, ours4, 4);
    corridor_dpt_params p = {.name = name, .capacity = cap, .max_batch = batch,
                             .n_readers = readers, .ports = port, .n_ports = 1};
    char err[256];
    corridor_dpt *nt = corridor_dpt_new(&p, err, sizeof err);
    CHECK(nt != NULL);
    return nt;
}

/* Counters live after each entry, one per worker: with five workers an entry and its
 * counters span three lines. Two workers count the same rule, a neighbour's counters stay
 * untouched, and a modify (a new entry) keeps what the old one counted. */
static void test_counters_many_readers(void)
{
    corridor_dpt *saved = t;
    corridor_dpt_port port;
    t = table_new("t5", 16, 4, 5, &port);
    if (!t) {
        t = saved;
        return;
    }
    corridor_rule_result res;
    for (uint64_t id = 1; id <= 3; id++) {
        corridor_dp_rule r = rule(id, 0x1000 + (uint32_t)id, NULL, 0);
        CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_ADD, &r, &res), 0);
    }
    corridor_dp_worker w0, w4;
    memset(&w0, 0, sizeof w0);
    w0.t = t;
    w0.n_ports = 1;
    w0.ports[0] = port;
    w4 = w0;
    w4.id = 4;
    uint8_t ip[128], f[256];
    size_t n = pg_ip_udp(ip, 4, ue4, dn4, 64, 30);
    size_t fl = pg_gtpu(f, 4, gnb4, ours4, 0x1002, -1, ip, n, 0);
    for (int i = 0; i < 3; i++) {
        struct rte_mbuf *m = mbuf_of(f, fl);
        corridor_dp_process(i == 1 ? &w0 : &w4, &m, 1);
    }
    rte_pktmbuf_free_bulk(w0.txb[0], w0.n_txb[0]);
    rte_pktmbuf_free_bulk(w4.txb[0], w4.n_txb[0]);
    uint64_t pk = 0, by = 0;
    CHECK_EQ_INT(corridor_dpt_rule_stats(t, 2, &pk, &by), 0);
    CHECK_EQ_INT(pk, 3);
    CHECK_EQ_INT(by, 3 * fl);
    CHECK_EQ_INT(corridor_dpt_entry_ctr(corridor_dpt_find(t, 2), 4)->pkts, 2);
    for (uint64_t id = 1; id <= 3; id += 2) {
        CHECK_EQ_INT(corridor_dpt_rule_stats(t, id, &pk, &by), 0);
        CHECK_EQ_INT(pk, 0);
    }
    corridor_dp_rule m2 = rule(2, 0x1002, NULL, 0);
    m2.target_teid = 0x4242;
    CHECK_EQ_INT(apply1(CORRIDOR_RULE_OP_MODIFY, &m2, &res), 0);
    CHECK_EQ_INT(corridor_dpt_rule_stats(t, 2, &pk, &by), 0);
    CHECK_EQ_INT(pk, 3);
    CHECK_EQ_INT(corridor_dpt_entry_ctr(corridor_dpt_find(t, 2), 4)->pkts, 0);
    corridor_dpt_free(&t);
    t = saved;
}

int main(int argc, char **argv)
{
    (void)argc;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "--file-prefix=cdp-table-%d", (int)getpid());
    char *eal[] = {argv[0], "--no-huge", "--no-pci", "-m", "256", prefix, "--log-level=*:error",
                   "--no-telemetry", "-l", "0", NULL};
    if (rte_eal_init(10, eal) < 0) {
        fprintf(stderr, "SKIP: DPDK EAL cannot start here\n");
        return 77;
    }
    mp = rte_pktmbuf_pool_create("test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    corridor_dpt_port port;
    t = table_new("t", 64, 16, 1, &port);
    if (!t || !mp)
        return 1;
    w.t = t;
    w.n_ports = 1;
    w.ports[0] = port;
    RUN(test_ops);
    RUN(test_fill_to_capacity);
    RUN(test_fastpath);
    RUN(test_counters_many_readers);
    corridor_dpt_free(&t);
    CHECK(t == NULL);
    rte_mempool_free(mp);
    rte_eal_cleanup();
    return TEST_SUMMARY();
}
