/*
 * The agent's dataplane poller (agent/dpstats.c) against a real ROUTER socket on loopback that
 * plays a dataplane which is not there yet, answers garbage, the wrong type, late, with an
 * Error, then properly, then not at all. Also the counter selection and the `dataplane:`
 * configuration keys. (The real corridor-dataplane end to end: tests/integration/
 * test_dataplane_stats_it.c.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_config.h"
#include "clock.h"
#include "dpstats.h"
#include "harness.h"
#include "log.h"
#include "msg.h"
#include "msg_send.h"
#include "testutil.h"
#include "transport.h"

static void put_stat(corridor_stat *s, size_t *n, const char *name, uint64_t v)
{
    snprintf(s[*n].name, sizeof s[*n].name, "%s", name);
    s[(*n)++].value = v;
}

/* The names the dataplane sends (dataplane/stats.c), in its order. */
static size_t dataplane_list(corridor_stat *s)
{
    size_t n = 0;
    put_stat(s, &n, "uptime_ms", 4200);
    put_stat(s, &n, "rx_packets", 100);
    put_stat(s, &n, "tx_packets", 90);
    put_stat(s, &n, "forwarded", 50);
    put_stat(s, &n, "breakout", 40);
    put_stat(s, &n, "to_kernel", 2);
    put_stat(s, &n, "to_kernel_not_ip", 2);
    put_stat(s, &n, "to_kernel_fragment", 0);
    put_stat(s, &n, "from_kernel", 0);
    put_stat(s, &n, "drops", 10);
    put_stat(s, &n, "drops_trunc_eth", 0);
    put_stat(s, &n, "drops_no_session_ul", 7);
    put_stat(s, &n, "drops_tx", 3);
    put_stat(s, &n, "port0_rx_packets", 100);
    put_stat(s, &n, "port0_tx_packets", 0);
    put_stat(s, &n, "port0_rx_missed", 5);
    put_stat(s, &n, "port0_rx_nombuf", 0);
    put_stat(s, &n, "worker0_rx_packets", 100);
    put_stat(s, &n, "rules", 2);
    put_stat(s, &n, "ctl_msgs_in", 12);
    put_stat(s, &n, "ctl_rejected_malformed", 1);
    return n;
}

static void test_select(void)
{
    corridor_stat in[32], out[CORRIDOR_MAX_DP_COUNTERS];
    size_t n = dataplane_list(in);
    size_t k = corridor_dpstats_select(in, n, out, CORRIDOR_MAX_DP_COUNTERS);
    static const char *const want[] = {"uptime_ms", "rx_packets", "tx_packets", "forwarded",
                                       "breakout", "to_kernel", "from_kernel", "drops", "rules",
                                       "to_kernel_not_ip", "drops_no_session_ul", "drops_tx",
                                       "port0_rx_missed"};
    CHECK_EQ_INT(k, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < k && i < sizeof want / sizeof want[0]; i++)
        CHECK_EQ_STR(out[i].name, want[i]);
    CHECK_EQ_INT(out[0].value, 4200);
    CHECK_EQ_INT(out[8].value, 2);
    /* a full array keeps the totals first */
    CHECK_EQ_INT(corridor_dpstats_select(in, n, out, 3), 3);
    CHECK_EQ_STR(out[2].name, "tx_packets");
    CHECK_EQ_INT(corridor_dpstats_select(in, 0, out, 3), 0);
}

static int load(const char *section, corridor_agent_config *cfg, corridor_cfg_error *err)
{
    char path[] = "/tmp/corridor-dps-cfg.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -errno;
    char text[2048];
    int len = snprintf(text, sizeof text, "node: {id: n1, operator: \"262-01\", country: DE, "
                       "region: r, tier: far-edge, location: {lat: 1, lon: 2}}\n%s", section);
    int rc = write(fd, text, (size_t)len) == len ? 0 : -EIO;
    close(fd);
    if (rc == 0)
        rc = corridor_agent_config_load(path, cfg, err);
    unlink(path);
    return rc;
}

static void test_config(void)
{
    corridor_agent_config cfg;
    corridor_cfg_error err;
    CHECK_EQ_INT(load("", &cfg, &err), 0);
    CHECK_EQ_STR(cfg.dp_endpoint, ""); /* default: no dataplane polled */
    CHECK_EQ_INT(cfg.dp_interval_ms, 1000);
    CHECK_EQ_INT(cfg.dp_timeout_ms, 500);
    CHECK_EQ_INT(cfg.dp_retry_max_ms, 5000);
    CHECK_EQ_INT(load("dataplane: {endpoint: \"tcp://127.0.0.1:7710\", interval_ms: 250, "
                      "timeout_ms: 100, retry_max_ms: 2000}\n", &cfg, &err), 0);
    CHECK_EQ_STR(cfg.dp_endpoint, "tcp://127.0.0.1:7710");
    CHECK_EQ_INT(cfg.dp_interval_ms, 250);
    CHECK_EQ_INT(cfg.dp_timeout_ms, 100);
    CHECK_EQ_INT(cfg.dp_retry_max_ms, 2000);
    CHECK(load("dataplane: {endpoint: \"tcp://*:7710\"}\n", &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "dataplane.endpoint");
    CHECK_CONTAINS(err.text, "only makes sense for listening");
    CHECK(load("dataplane: {endpoint: \"udp://127.0.0.1:7710\"}\n", &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, ":2:23: dataplane.endpoint");
    CHECK(load("dataplane: {endpoint: \"tcp://a-very-long-host-name.that-does-not-fit-the-"
               "report.example.net:7710\"}\n", &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "dataplane.endpoint");
    CHECK(load("dataplane: {endpoint: \"tcp://127.0.0.1:7710\", interval_ms: 10}\n", &cfg,
               &err) < 0);
    CHECK_CONTAINS(err.text, "dataplane.interval_ms");
    CHECK(load("dataplane: {endpoint: \"tcp://127.0.0.1:7710\", intervall_ms: 100}\n", &cfg,
               &err) < 0);
    CHECK_CONTAINS(err.text, "did you mean 'interval_ms'");
}

/* ---- the poller against a ROUTER on loopback ---- */

static corridor_transport *tr;
static corridor_sock *router;
static uint64_t router_seq;

typedef struct {
    bool got;
    corridor_peer peer;
    uint64_t seq;
} request;

/* Run the poller for up to ms (it polls its DEALER, we poll the ROUTER), stopping early at
 * the first request the ROUTER receives when stop_at_request. Returns the OR of what tick
 * and on_readable said (1 = reachability changed). */
static int pump(corridor_dpstats *d, int ms, bool stop_at_request, request *req)
{
    int changed = 0;
    uint64_t end = corridor_clock_mono_ms() + (uint64_t)ms;
    if (req)
        req->got = false;
    for (uint64_t now = corridor_clock_mono_ms(); now < end; now = corridor_clock_mono_ms()) {
        uint64_t next;
        changed |= corridor_dpstats_tick(d, now, &next);
        int wait = next > now ? (int)(next - now) : 0;
        if (wait > 10)
            wait = 10;
        corridor_pollitem it[2] = {{.sock = corridor_dpstats_sock(d)}, {.sock = router}};
        size_t n = router ? 2 : 1;
        if (corridor_poll(it, n, wait) < 0)
            break;
        if (it[0].readable)
            changed |= corridor_dpstats_on_readable(d, corridor_clock_mono_ms());
        corridor_frame f;
        while (router && it[1].readable && corridor_sock_recv(router, &f) == 1) {
            corridor_msg m;
            corridor_msg_limits lim;
            corridor_msg_limits_default(&lim);
            if (corridor_msg_decode(f.data, f.len, &lim, &m, NULL) == 0 &&
                m.env.type == CORRIDOR_MSG_DATAPLANE_STATS_REQUEST && req) {
                req->got = true;
                req->peer = f.peer;
                req->seq = m.env.seq;
            }
            corridor_msg_fini(&m);
        }
        if (stop_at_request && req && req->got)
            break;
    }
    return changed;
}

static void answer(const request *req, corridor_msg_type type, uint64_t correlation)
{
    corridor_msg m;
    corridor_stat st[32];
    corridor_msg_init(&m, type);
    if (type == CORRIDOR_MSG_DATAPLANE_STATS) {
        snprintf(m.u.dps.dataplane_id, sizeof m.u.dps.dataplane_id, "dp-test");
        m.u.dps.n_stats = dataplane_list(st);
        m.u.dps.stats = st;
    } else if (type == CORRIDOR_MSG_ERROR) {
        m.u.err.reason = CORRIDOR_REJECT_UNEXPECTED;
        snprintf(m.u.err.message, sizeof m.u.err.message, "not now");
    }
    CHECK_EQ_INT(corridor_msg_send(router, &req->peer, &m, "dp-test", &router_seq, correlation),
                 0);
}

static void test_poller(void)
{
    char ep[64];
    int port = it_free_port();
    CHECK(port > 0);
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    corridor_agent_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.node_id, sizeof cfg.node_id, "n1");
    snprintf(cfg.dp_endpoint, sizeof cfg.dp_endpoint, "%s", ep);
    cfg.dp_interval_ms = 50;
    cfg.dp_timeout_ms = 200;
    cfg.dp_retry_max_ms = 200;
    cfg.reconnect_min_ms = 20;
    char err[256];
    corridor_dpstats *d = corridor_dpstats_new(tr, &cfg, err, sizeof err);
    CHECK(d != NULL);
    if (!d)
        return;
    const corridor_dpstats_stats *st = corridor_dpstats_stats_get(d);

    /* nobody there: nothing can be sent, misses back off (50, 100, 200, 200 ms ...) */
    CHECK_EQ_INT(pump(d, 500, false, NULL), 0);
    CHECK_EQ_INT(st->polls_sent, 0);
    CHECK(st->misses >= 2 && st->misses <= 5);
    corridor_report r;
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(corridor_dpstats_collect(d, corridor_clock_mono_ms(), &r), 0);
    CHECK(r.dataplane && !r.dataplane->reachable && r.dataplane->n_counters == 0);
    if (r.dataplane) {
        CHECK_EQ_STR(r.dataplane->dataplane_id, "");
        CHECK_EQ_STR(r.dataplane->endpoint, ep);
        CHECK_EQ_INT(r.dataplane->last_answer_age_ms, 0);
    }
    corridor_report_fini(&r);

    /* the "dataplane" appears */
    corridor_sock_opts o;
    corridor_sock_opts_default(&o);
    corridor_security sec = {0};
    router = corridor_sock_router_bind(tr, ep, &sec, &o, err, sizeof err);
    CHECK(router != NULL);
    if (!router) {
        corridor_dpstats_free(&d);
        return;
    }
    request req;
    pump(d, 3000, true, &req);
    CHECK(req.got);

    /* garbage, the wrong type, an uncorrelated answer: counted and dropped, not believed */
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x01, 'g', 'a', 'r', 'b'};
    CHECK_EQ_INT(corridor_sock_send(router, &req.peer, junk, sizeof junk), 0);
    answer(&req, CORRIDOR_MSG_PONG, req.seq);
    answer(&req, CORRIDOR_MSG_DATAPLANE_STATS, 0);
    /* then the real answer */
    answer(&req, CORRIDOR_MSG_DATAPLANE_STATS, req.seq);
    int changed = 0;
    for (int i = 0; i < 100 && st->answers == 0; i++)
        changed |= pump(d, 10, false, NULL);
    CHECK_EQ_INT(st->rejected_in, 3);
    CHECK_EQ_INT(st->answers, 1);
    CHECK_EQ_INT(changed, 1);
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(corridor_dpstats_collect(d, corridor_clock_mono_ms(), &r), 0);
    CHECK(r.dataplane && r.dataplane->reachable);
    if (r.dataplane) {
        CHECK_EQ_STR(r.dataplane->dataplane_id, "dp-test");
        CHECK_EQ_INT(r.dataplane->n_counters, 13);
        CHECK_EQ_INT(corridor_dp_summary_find(r.dataplane, "rules")->value, 2);
        CHECK(corridor_dp_summary_find(r.dataplane, "ctl_msgs_in") == NULL);
    }
    corridor_report_fini(&r);

    /* it stops answering: unreachable after timeout_ms, without its old numbers */
    uint64_t t0 = corridor_clock_mono_ms();
    changed = 0;
    request last = {0};
    while (st->transitions == 0 && corridor_clock_mono_ms() - t0 < 2000) {
        changed |= pump(d, 20, false, &req);
        if (req.got)
            last = req;
    }
    CHECK_EQ_INT(changed, 1);
    CHECK_EQ_INT(st->transitions, 1);
    CHECK(last.got);
    uint64_t took = corridor_clock_mono_ms() - t0;
    printf("  unanswered -> unreachable after %llu ms (timeout_ms 200)\n",
           (unsigned long long)took);
    CHECK(took >= 150 && took < 1000);
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(corridor_dpstats_collect(d, corridor_clock_mono_ms(), &r), 0);
    CHECK(r.dataplane && !r.dataplane->reachable && r.dataplane->n_counters == 0);
    if (r.dataplane) {
        CHECK_EQ_STR(r.dataplane->dataplane_id, "dp-test");
        CHECK(r.dataplane->last_answer_age_ms >= 150);
    }
    corridor_report_fini(&r);

    /* the answer to that timed-out request comes late: dropped as late, still unreachable */
    answer(&last, CORRIDOR_MSG_DATAPLANE_STATS, last.seq);
    for (int i = 0; i < 100 && st->late == 0; i++)
        pump(d, 10, false, NULL);
    CHECK_EQ_INT(st->late, 1);
    CHECK_EQ_INT(st->answers, 1);

    /* an Error for the request in flight: counted, a miss, still unreachable */
    pump(d, 2000, true, &req);
    CHECK(req.got);
    answer(&req, CORRIDOR_MSG_ERROR, req.seq);
    for (int i = 0; i < 100 && st->errors_received == 0; i++)
        pump(d, 10, false, NULL);
    CHECK_EQ_INT(st->errors_received, 1);

    /* answering again brings it back */
    changed = 0;
    for (int i = 0; i < 50 && st->answers < 2; i++) {
        changed |= pump(d, 2000, true, &req);
        if (req.got)
            answer(&req, CORRIDOR_MSG_DATAPLANE_STATS, req.seq);
        changed |= pump(d, 50, false, NULL);
    }
    CHECK_EQ_INT(st->answers, 2);
    CHECK_EQ_INT(changed, 1);
    CHECK_EQ_INT(st->transitions, 2);
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(corridor_dpstats_collect(d, corridor_clock_mono_ms(), &r), 0);
    CHECK(r.dataplane && r.dataplane->reachable && r.dataplane->n_counters == 13);
    corridor_report_fini(&r);

    corridor_sock_free(&router);
    corridor_dpstats_free(&d);
    CHECK(d == NULL);
    corridor_dpstats_free(&d); /* NULL-safe */
}

int main(void)
{
    corridor_log_set_level(CORRIDOR_LOG_ERROR);
    tr = corridor_transport_new();
    RUN(test_select);
    RUN(test_config);
    RUN(test_poller);
    corridor_transport_free(&tr);
    return TEST_SUMMARY();
}
