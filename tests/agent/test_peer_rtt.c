/*
 * RTT to peer nodes, with the real orchestrator and two real agents on loopback. Each agent
 * answers pings on its rtt.listen and pings the other (rtt.peers); agent B also lists a
 * "ghost" peer whose endpoint is really A's. Checked through the control API:
 *  - each node reports the other with rtt_us > 0 and reachable; the ghost is not reachable
 *    (A answers as A, and its RTT must not pass for the ghost's);
 *  - A's listener counts and drops garbage and a non-PING, and still answers a PING with a
 *    PONG carrying the ping's seq and timestamp;
 *  - `corridorctl node A` shows the peers block (text and --json);
 *  - B killed (-9): A reports it unreachable (rtt 0) within a few ping intervals;
 *  - A stops cleanly and its log counts the 2 refused frames.
 * usage: test_peer_rtt ORCHESTRATOR AGENT CORRIDORCTL
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "harness.h"
#include "log.h"
#include "msg.h"
#include "testutil.h"
#include "transport.h"

#define REPORT_MS 200
#define PING_MS 200
#define MISSES 3

static const char *orch_bin, *agent_bin, *ctl_bin;
static it_env env;
static char agents_ep[64], control_ep[64], listen_ep[2][64];
static char orch_cfg[320], agent_cfg[2][320];
static pid_t orch_pid, agent_pid[2];
static const char *const ids[2] = {"rtt-a-01", "rtt-b-01"};

static void write_configs(void)
{
    snprintf(agents_ep, sizeof agents_ep, "tcp://127.0.0.1:%d", it_free_port());
    snprintf(control_ep, sizeof control_ep, "tcp://127.0.0.1:%d", it_free_port());
    for (int i = 0; i < 2; i++)
        snprintf(listen_ep[i], sizeof listen_ep[i], "tcp://127.0.0.1:%d", it_free_port());
    snprintf(orch_cfg, sizeof orch_cfg, "%s",
             it_write(&env, "orchestrator.yaml",
                      "orchestrator: {id: orch-rtt, region: eu-central}\n"
                      "agents: {endpoint: \"%s\", report_interval_ms: %d, "
                      "heartbeat_timeout_ms: 5000}\n"
                      "control: {endpoint: \"%s\"}\n", agents_ep, REPORT_MS, control_ep));
    for (int i = 0; i < 2; i++) {
        int o = 1 - i;
        char name[32], ghost[160] = "";
        if (i == 1) /* B: a peer whose endpoint is really A's */
            snprintf(ghost, sizeof ghost, "    - {node: ghost-01, endpoint: \"%s\"}\n",
                     listen_ep[0]);
        snprintf(name, sizeof name, "agent-%d.yaml", i);
        snprintf(agent_cfg[i], sizeof agent_cfg[i], "%s",
                 it_write(&env, name,
                          "node:\n  id: %s\n  operator: \"262-01\"\n  country: DE\n"
                          "  region: eu-central\n  tier: far-edge\n"
                          "  location: {lat: 48.1, lon: 11.5}\n"
                          "orchestrator: {endpoint: \"%s\", reconnect_min_ms: 50, "
                          "reconnect_max_ms: 200, register_timeout_ms: 200}\n"
                          "gpu: {source: none}\n"
                          "steering: {enabled: false}\n"
                          "workloads: {state_dir: \"%s/state-%d\"}\n"
                          "rtt:\n  ping_interval_ms: %d\n  peer_misses: %d\n"
                          "  listen: \"%s\"\n  peers:\n"
                          "    - {node: %s, endpoint: \"%s\"}\n%s",
                          ids[i], agents_ep, env.dir, i, PING_MS, MISSES, listen_ep[i],
                          ids[o], listen_ep[o], ghost));
    }
}

static const corridor_peer_rtt *find_peer(const corridor_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_peers; i++)
        if (strcmp(r->peers[i].node_id, id) == 0)
            return &r->peers[i];
    return NULL;
}

/* What node `of` reports about peer `peer`: 1 reachable, 0 unreachable, -1 not there. */
static int peer_state(const char *of, const char *peer, uint32_t *rtt)
{
    corridor_msg r;
    if (it_nodes(control_ep, &r) != 0)
        return -1;
    const corridor_node_view *v = it_find(&r.u.crep, of);
    const corridor_peer_rtt *p = v ? find_peer(&v->report, peer) : NULL;
    int st = p ? p->reachable : -1;
    if (p && rtt)
        *rtt = p->rtt_us;
    corridor_msg_fini(&r);
    return st;
}

static void test_both_reachable(void)
{
    orch_pid = it_spawn(&env, "orchestrator",
                        (const char *const[]){orch_bin, "--config", orch_cfg, NULL});
    it_sleep_ms(150);
    uint64_t t0 = it_now_ms();
    agent_pid[0] = it_spawn(&env, "agent-a",
                            (const char *const[]){agent_bin, "--config", agent_cfg[0], NULL});
    agent_pid[1] = it_spawn(&env, "agent-b",
                            (const char *const[]){agent_bin, "--config", agent_cfg[1], NULL});
    uint32_t ab = 0, ba = 0;
    bool ok = false;
    while (!ok && it_now_ms() - t0 < 5000) {
        it_sleep_ms(20);
        ok = peer_state(ids[0], ids[1], &ab) == 1 && peer_state(ids[1], ids[0], &ba) == 1;
    }
    printf("  both peers reachable %llu ms after start: A->B %u us, B->A %u us\n",
           (unsigned long long)(it_now_ms() - t0), ab, ba);
    CHECK(ok);
    CHECK(ab > 0 && ab < 1000000);
    CHECK(ba > 0 && ba < 1000000);
    /* the ghost's endpoint answers as A: never taken for the ghost */
    uint32_t g = 1;
    CHECK_EQ_INT(peer_state(ids[1], "ghost-01", &g), 0);
    CHECK_EQ_INT(g, 0);
}

static int send_raw(corridor_sock *s, corridor_msg *m, uint64_t seq)
{
    m->env.version = CORRIDOR_PROTOCOL_VERSION;
    m->env.seq = seq;
    snprintf(m->env.sender_id, sizeof m->env.sender_id, "tester");
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = corridor_msg_encode(m, &buf, &len);
    if (rc == 0)
        rc = corridor_sock_send(s, NULL, buf, len);
    free(buf);
    return rc;
}

/* Garbage and a REPORT to A's listener: dropped; a PING after them: answered. */
static void test_listener(void)
{
    char err[256];
    corridor_transport *tr = corridor_transport_new();
    corridor_sock_opts so;
    corridor_sock_opts_default(&so);
    corridor_security sec = {.mode = CORRIDOR_SEC_NULL};
    corridor_sock *s = tr ? corridor_sock_dealer_connect(tr, listen_ep[0], &sec, &so, err,
                                                         sizeof err) : NULL;
    CHECK(s != NULL);
    if (!s) {
        corridor_transport_free(&tr);
        return;
    }
    int rc = -EAGAIN;
    for (int i = 0; i < 100 && rc == -EAGAIN; i++) { /* until connected */
        rc = corridor_sock_send(s, NULL, "\xff\xfe garbage", 10);
        if (rc == -EAGAIN)
            it_sleep_ms(10);
    }
    CHECK_EQ_INT(rc, 0);
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    snprintf(m.u.report.node_id, sizeof m.u.report.node_id, "tester");
    CHECK_EQ_INT(send_raw(s, &m, 6), 0);
    corridor_msg_init(&m, CORRIDOR_MSG_PING);
    m.u.ping.origin_timestamp_us = 123456789;
    CHECK_EQ_INT(send_raw(s, &m, 7), 0);
    bool got = false;
    uint64_t t0 = it_now_ms();
    while (!got && it_now_ms() - t0 < 2000) {
        corridor_pollitem it = {.sock = s};
        if (corridor_poll(&it, 1, 50) <= 0)
            continue;
        corridor_frame f;
        while (corridor_sock_recv(s, &f) == 1) {
            corridor_msg_limits lim;
            corridor_msg_limits_default(&lim);
            corridor_msg out;
            corridor_decode_error de;
            if (corridor_msg_decode(f.data, f.len, &lim, &out, &de) == 0) {
                CHECK_EQ_INT(out.env.type, CORRIDOR_MSG_PONG);
                CHECK_EQ_INT(out.env.correlation_id, 7);
                CHECK_EQ_INT(out.u.ping.origin_timestamp_us, 123456789);
                CHECK_EQ_STR(out.env.sender_id, ids[0]);
                got = true;
            }
            corridor_msg_fini(&out);
        }
    }
    CHECK(got); /* exactly one answer: the garbage and the REPORT got none */
    corridor_sock_free(&s);
    corridor_transport_free(&tr);
}

static void test_corridorctl(void)
{
    char cmd[512], *out = NULL;
    snprintf(cmd, sizeof cmd, "%s --endpoint %s node %s --json", ctl_bin, control_ep, ids[0]);
    CHECK_EQ_INT(it_run(cmd, &out), 0);
    CHECK_CONTAINS(out, "\"peers\": [");
    CHECK_CONTAINS(out, "\"node\": \"rtt-b-01\"");
    CHECK_CONTAINS(out, listen_ep[1]);
    CHECK_CONTAINS(out, "\"reachable\": true");
    free(out);
    out = NULL;
    snprintf(cmd, sizeof cmd, "%s --endpoint %s node %s", ctl_bin, control_ep, ids[1]);
    CHECK_EQ_INT(it_run(cmd, &out), 0);
    CHECK_CONTAINS(out, "peers:       2");
    CHECK_CONTAINS(out, "rtt-a-01");
    CHECK_CONTAINS(out, "ghost-01");
    CHECK_CONTAINS(out, " reachable");
    CHECK_CONTAINS(out, "unreachable");
    if (tu_failures && out)
        fputs(out, stderr);
    free(out);
}

static void test_peer_killed(void)
{
    CHECK_EQ_INT(it_stop(agent_pid[1], SIGKILL, 2000), 128 + SIGKILL);
    agent_pid[1] = 0;
    uint64_t t0 = it_now_ms();
    uint32_t rtt = 1;
    int st = 1;
    while (st != 0 && it_now_ms() - t0 < 5000) {
        it_sleep_ms(10);
        st = peer_state(ids[0], ids[1], &rtt);
    }
    uint64_t ms = it_now_ms() - t0;
    printf("  B killed: A reports it unreachable after %llu ms (ping interval %d ms, %d misses; "
           "limit %d ms)\n", (unsigned long long)ms, PING_MS, MISSES, 10 * PING_MS);
    CHECK_EQ_INT(st, 0);
    CHECK_EQ_INT(rtt, 0);
    CHECK(ms <= 10 * PING_MS);
}

static void test_clean_stop(void)
{
    CHECK_EQ_INT(it_stop(agent_pid[0], SIGTERM, 5000), 0);
    agent_pid[0] = 0;
    char path[320], line[1024];
    snprintf(path, sizeof path, "%s/agent-a.log", env.dir);
    FILE *f = fopen(path, "r");
    bool counted = false;
    while (f && fgets(line, sizeof line, f))
        counted = counted || (strstr(line, "peer RTT") && strstr(line, "rejected=2"));
    if (f)
        fclose(f);
    CHECK(counted);
}

int main(int argc, char **argv)
{
    int rc = it_main_init(argc, argv, 3, "ORCHESTRATOR AGENT CORRIDORCTL", &env);
    if (rc)
        return rc;
    orch_bin = argv[1];
    agent_bin = argv[2];
    ctl_bin = argv[3];
    write_configs();
    RUN(test_both_reachable);
    RUN(test_listener);
    RUN(test_corridorctl);
    RUN(test_peer_killed);
    RUN(test_clean_stop);
    for (int i = 0; i < 2; i++)
        if (agent_pid[i] > 0)
            it_stop(agent_pid[i], SIGKILL, 2000);
    if (orch_pid > 0)
        it_stop(orch_pid, SIGTERM, 2000);
    if (tu_failures) {
        it_dump_log(&env, "orchestrator");
        it_dump_log(&env, "agent-a");
        it_dump_log(&env, "agent-b");
    }
    it_env_cleanup(&env);
    return TEST_SUMMARY();
}
