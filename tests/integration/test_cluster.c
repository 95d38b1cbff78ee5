/*
 * Orchestrator + 3 agents on loopback, as real processes:
 *  - all alive within 2 report intervals;
 *  - kill -9 one agent -> suspect, then dead within the heartbeat timeout; restart it -> alive,
 *    still 3 nodes;
 *  - garbage, an oversized frame, a wrong-version frame, an unknown type and a report claiming
 *    another node's id -> each counted and rejected, and corridorctl still answers;
 *  - orchestrator restarted -> agents back within 2 intervals, no duplicates;
 *  - SIGTERM -> every daemon exits 0 (under ASan that also means no leaks).
 * usage: test_cluster ORCHESTRATOR AGENT CORRIDORCTL
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

#define INTERVAL_MS 500
#define TIMEOUT_MS 2000

static const char *orch_bin, *agent_bin, *ctl_bin;
static it_env env;
static char agents_ep[64], control_ep[64], orch_cfg[320];
static pid_t orch_pid;

static const struct {
    const char *id, *plmn, *country, *tier;
    double lat, lon;
} nodes[3] = {
    {"de-muc-far-01", "262-01", "DE", "far-edge", 48.137, 11.575},
    {"at-ibk-near-01", "232-01", "AT", "near-edge", 47.269, 11.404},
    {"it-vr-metro-01", "222-01", "IT", "metro-edge", 45.438, 10.992},
};
static char agent_cfg[3][320];
static pid_t agent_pid[3];

static void write_configs(void)
{
    int pa = it_free_port(), pc = it_free_port();
    snprintf(agents_ep, sizeof agents_ep, "tcp://127.0.0.1:%d", pa);
    snprintf(control_ep, sizeof control_ep, "tcp://127.0.0.1:%d", pc);
    snprintf(orch_cfg, sizeof orch_cfg, "%s",
             it_write(&env, "orchestrator.yaml",
                      "orchestrator:\n  id: orch-it\n  region: eu-central\n"
                      "agents:\n  endpoint: %s\n  report_interval_ms: %d\n"
                      "  heartbeat_timeout_ms: %d\n"
                      "control:\n  endpoint: %s\nlog:\n  level: info\n",
                      agents_ep, INTERVAL_MS, TIMEOUT_MS, control_ep));
    for (int i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "agent-%d.yaml", i);
        snprintf(agent_cfg[i], sizeof agent_cfg[i], "%s",
                 it_write(&env, name,
                          "node:\n  id: %s\n  operator: \"%s\"\n  country: %s\n"
                          "  region: eu-central\n  tier: %s\n"
                          "  location: {lat: %f, lon: %f}\n"
                          "  capacity: {cpu_millicores: 8000, memory_mb: 16384}\n"
                          "orchestrator:\n  endpoint: %s\n  reconnect_min_ms: 50\n"
                          "  reconnect_max_ms: 200\n  register_timeout_ms: 200\n"
                          "workloads:\n  state_dir: %s/state-%d\n",
                          nodes[i].id, nodes[i].plmn, nodes[i].country, nodes[i].tier,
                          nodes[i].lat, nodes[i].lon, agents_ep, env.dir, i));
    }
}

static pid_t start_orchestrator(void)
{
    const char *argv[] = {orch_bin, "--config", orch_cfg, NULL};
    return it_spawn(&env, "orchestrator", argv);
}

static pid_t start_agent(int i)
{
    char name[32];
    snprintf(name, sizeof name, "agent-%d", i);
    const char *argv[] = {agent_bin, "--config", agent_cfg[i], NULL};
    return it_spawn(&env, name, argv);
}

/* Poll the orchestrator until `want` of the listed nodes are in `state` (all three when
 * which < 0, else only node `which`); returns the elapsed ms, or -1 at the deadline. */
static long wait_state(int which, corridor_node_state state, int timeout_ms)
{
    uint64_t start = it_now_ms();
    while (it_now_ms() - start <= (uint64_t)timeout_ms) {
        corridor_msg r;
        if (it_nodes(control_ep, &r) == 0) {
            int ok = 0, want = which < 0 ? 3 : 1;
            for (int i = 0; i < 3; i++) {
                if (which >= 0 && i != which)
                    continue;
                const corridor_node_view *v = it_find(&r.u.crep, nodes[i].id);
                ok += v && v->state == state;
            }
            corridor_msg_fini(&r);
            if (ok == want)
                return (long)(it_now_ms() - start);
        }
        it_sleep_ms(20);
    }
    return -1;
}

static size_t count_nodes(void)
{
    corridor_msg r;
    if (it_nodes(control_ep, &r) != 0)
        return 0;
    size_t n = r.u.crep.n_nodes;
    corridor_msg_fini(&r);
    return n;
}

static void test_all_alive(void)
{
    orch_pid = start_orchestrator();
    it_sleep_ms(200);
    uint64_t t0 = it_now_ms();
    for (int i = 0; i < 3; i++)
        agent_pid[i] = start_agent(i);
    long ms = wait_state(-1, CORRIDOR_NODE_ALIVE, 5000);
    long since_spawn = ms < 0 ? -1 : (long)(it_now_ms() - t0);
    printf("  3 agents alive %ld ms after start (limit %d ms = 2 intervals)\n", since_spawn,
           2 * INTERVAL_MS);
    CHECK(ms >= 0);
    CHECK(since_spawn >= 0 && since_spawn <= 2 * INTERVAL_MS);
    CHECK_EQ_INT(count_nodes(), 3);
}

static void test_kill_and_restart(void)
{
    uint64_t t0 = it_now_ms();
    CHECK_EQ_INT(it_stop(agent_pid[0], SIGKILL, 2000), 128 + SIGKILL);
    long suspect = wait_state(0, CORRIDOR_NODE_SUSPECT, TIMEOUT_MS + 1000);
    long dead = wait_state(0, CORRIDOR_NODE_DEAD, TIMEOUT_MS + 1000);
    long dead_total = dead < 0 ? -1 : (long)(it_now_ms() - t0);
    printf("  killed agent: suspect after %ld ms, dead after %ld ms (timeout %d ms)\n", suspect,
           dead_total, TIMEOUT_MS);
    CHECK(suspect >= 0);
    CHECK(dead >= 0);
    /* dead at last report + timeout, seen by a 20 ms poll: allow one poll turn and a tick */
    CHECK(dead_total >= 0 && dead_total <= TIMEOUT_MS + 300);
    /* the other two stay alive */
    corridor_msg r;
    CHECK_EQ_INT(it_nodes(control_ep, &r), 0);
    CHECK(it_find(&r.u.crep, nodes[1].id) && it_find(&r.u.crep, nodes[1].id)->state == 0);
    CHECK(it_find(&r.u.crep, nodes[2].id) && it_find(&r.u.crep, nodes[2].id)->state == 0);
    corridor_msg_fini(&r);

    agent_pid[0] = start_agent(0);
    long back = wait_state(0, CORRIDOR_NODE_ALIVE, 5000);
    printf("  restarted agent alive again after %ld ms\n", back);
    CHECK(back >= 0 && back <= 2 * INTERVAL_MS);
    CHECK_EQ_INT(count_nodes(), 3);
    CHECK_EQ_INT(it_nodes(control_ep, &r), 0);
    const corridor_node_view *v = it_find(&r.u.crep, nodes[0].id);
    CHECK(v && v->registrations == 2);
    corridor_msg_fini(&r);
}

/* ---- a probe that speaks the protocol badly on purpose ---- */

typedef struct {
    corridor_transport *tr;
    corridor_sock *s;
} probe;

static int probe_open(probe *p, const char *ep)
{
    char err[256];
    p->tr = corridor_transport_new();
    corridor_sock_opts o;
    corridor_sock_opts_default(&o);
    o.max_frame_bytes = 4u << 20; /* the probe itself may send/receive big frames */
    p->s = corridor_sock_dealer_connect(p->tr, ep, NULL, &o, err, sizeof err);
    return p->s ? 0 : -1;
}

static void probe_close(probe *p)
{
    corridor_sock_free(&p->s);
    corridor_transport_free(&p->tr);
}

static int probe_send_raw(probe *p, const void *buf, size_t len)
{
    int rc;
    uint64_t deadline = it_now_ms() + 2000;
    while ((rc = corridor_sock_send(p->s, NULL, buf, len)) == -EAGAIN && it_now_ms() < deadline)
        it_sleep_ms(5);
    return rc;
}

static int probe_send(probe *p, corridor_msg *m)
{
    uint8_t *buf;
    size_t len;
    int rc = corridor_msg_encode(m, &buf, &len);
    if (rc < 0)
        return rc;
    rc = probe_send_raw(p, buf, len);
    free(buf);
    return rc;
}

/* Wait for one reply; 0 with *m filled, -ETIMEDOUT when nothing came. */
static int probe_recv(probe *p, corridor_msg *m, int timeout_ms)
{
    corridor_pollitem it = {.sock = p->s};
    if (corridor_poll(&it, 1, timeout_ms) <= 0)
        return -ETIMEDOUT;
    corridor_frame f;
    if (corridor_sock_recv(p->s, &f) != 1 || !f.data)
        return -EBADMSG;
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    corridor_decode_error de;
    return corridor_msg_decode(f.data, f.len, &lim, m, &de);
}

/* Expect an Error reply with this reason; returns its message for further checks. */
static void expect_error(probe *p, corridor_reject_reason why, const char *contains)
{
    corridor_msg m;
    int rc = probe_recv(p, &m, 2000);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0)
        return;
    CHECK_EQ_INT(m.env.type, CORRIDOR_MSG_ERROR);
    CHECK_EQ_STR(corridor_reject_name(m.u.err.reason), corridor_reject_name(why));
    if (contains)
        CHECK_CONTAINS(m.u.err.message, contains);
    corridor_msg_fini(&m);
}

static void report_msg(corridor_msg *m, const char *node_id)
{
    corridor_msg_init(m, CORRIDOR_MSG_REPORT);
    snprintf(m->u.report.node_id, sizeof m->u.report.node_id, "%s", node_id);
    snprintf(m->u.report.gpu_source, sizeof m->u.report.gpu_source, "forged");
    m->env.seq = 7;
}

static void test_bad_input(void)
{
    corridor_msg st0;
    CHECK_EQ_INT(it_stats(control_ep, &st0), 0);
    probe p;
    CHECK_EQ_INT(probe_open(&p, agents_ep), 0);

    /* 1. garbage bytes */
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x07, 'g', 'a', 'r', 'b', 'a', 'g', 'e'};
    CHECK_EQ_INT(probe_send_raw(&p, garbage, sizeof garbage), 0);
    expect_error(&p, CORRIDOR_REJECT_MALFORMED, NULL);

    /* 2. a frame over the 1 MiB limit */
    size_t big = (1u << 20) + 1;
    uint8_t *buf = calloc(1, big);
    CHECK_EQ_INT(probe_send_raw(&p, buf, big), 0);
    free(buf);
    expect_error(&p, CORRIDOR_REJECT_TOO_LARGE, "1048577");

    /* 3. protocol version 2: the error names both versions */
    corridor_msg m;
    report_msg(&m, nodes[1].id);
    m.env.version = 2;
    CHECK_EQ_INT(probe_send(&p, &m), 0);
    corridor_msg reply;
    CHECK_EQ_INT(probe_recv(&p, &reply, 2000), 0);
    CHECK_EQ_INT(reply.env.type, CORRIDOR_MSG_ERROR);
    CHECK_EQ_INT(reply.u.err.reason, CORRIDOR_REJECT_BAD_VERSION);
    CHECK_EQ_INT(reply.u.err.received_version, 2);
    CHECK_EQ_INT(reply.u.err.supported_version, 1);
    CHECK_CONTAINS(reply.u.err.message, "2");
    CHECK_CONTAINS(reply.u.err.message, "1");
    corridor_msg_fini(&reply);

    /* 4. an unknown message type: counted and dropped, no reply */
    static const uint8_t unknown[] = {0x08, 0x01, 0x10, 0x63}; /* version 1, type 99 */
    CHECK_EQ_INT(probe_send_raw(&p, unknown, sizeof unknown), 0);
    CHECK_EQ_INT(probe_recv(&p, &reply, 300), -ETIMEDOUT);

    /* 5a. a report for a real node from a connection that never registered */
    report_msg(&m, nodes[1].id);
    CHECK_EQ_INT(probe_send(&p, &m), 0);
    expect_error(&p, CORRIDOR_REJECT_NOT_REGISTERED, NULL);

    /* 5b. register as probe-node, then claim to be another node */
    corridor_msg_init(&m, CORRIDOR_MSG_REGISTER);
    snprintf(m.u.reg.node_id, sizeof m.u.reg.node_id, "probe-node");
    snprintf(m.u.reg.plmn, sizeof m.u.reg.plmn, "262-02");
    snprintf(m.u.reg.country, sizeof m.u.reg.country, "DE");
    snprintf(m.u.reg.region, sizeof m.u.reg.region, "eu-central");
    CHECK_EQ_INT(probe_send(&p, &m), 0);
    CHECK_EQ_INT(probe_recv(&p, &reply, 2000), 0);
    CHECK_EQ_INT(reply.env.type, CORRIDOR_MSG_REGISTER_ACK);
    CHECK(reply.u.ack.accepted);
    corridor_msg_fini(&reply);
    report_msg(&m, nodes[1].id);
    CHECK_EQ_INT(probe_send(&p, &m), 0);
    expect_error(&p, CORRIDOR_REJECT_IDENTITY_MISMATCH, nodes[1].id);
    probe_close(&p);

    /* 6. garbage on the control socket too */
    CHECK_EQ_INT(probe_open(&p, control_ep), 0);
    CHECK_EQ_INT(probe_send_raw(&p, garbage, sizeof garbage), 0);
    expect_error(&p, CORRIDOR_REJECT_MALFORMED, NULL);
    probe_close(&p);

    corridor_msg st1;
    CHECK_EQ_INT(it_stats(control_ep, &st1), 0);
    const corridor_control_reply *a = &st0.u.crep, *b = &st1.u.crep;
#define DELTA(name) (it_stat(b, name) - it_stat(a, name))
    CHECK_EQ_INT(DELTA("rejected_malformed"), 2);
    CHECK_EQ_INT(DELTA("rejected_too_large"), 1);
    CHECK_EQ_INT(DELTA("rejected_bad_version"), 1);
    CHECK_EQ_INT(DELTA("rejected_unknown_type"), 1);
    CHECK_EQ_INT(DELTA("rejected_not_registered"), 1);
    CHECK_EQ_INT(DELTA("rejected_identity_mismatch"), 1);
#undef DELTA
    corridor_msg_fini(&st0);
    corridor_msg_fini(&st1);

    /* the claimed node was not touched by the forged report */
    corridor_msg r;
    CHECK_EQ_INT(it_nodes(control_ep, &r), 0);
    const corridor_node_view *v = it_find(&r.u.crep, nodes[1].id);
    CHECK(v && v->state == CORRIDOR_NODE_ALIVE && strcmp(v->report.gpu_source, "forged") != 0);
    CHECK_EQ_INT(r.u.crep.n_nodes, 4); /* three agents + probe-node */
    corridor_msg_fini(&r);
}

static void test_corridorctl(void)
{
    char cmd[512], *out = NULL;
    snprintf(cmd, sizeof cmd, "%s --endpoint %s nodes", ctl_bin, control_ep);
    CHECK_EQ_INT(it_run(cmd, &out), 0);
    for (int i = 0; i < 3; i++)
        CHECK_CONTAINS(out, nodes[i].id);
    CHECK_CONTAINS(out, "NODE");
    CHECK_CONTAINS(out, "262-01");
    CHECK_CONTAINS(out, "near-edge");
    printf("%s", out ? out : "");
    free(out);

    snprintf(cmd, sizeof cmd, "%s --endpoint %s nodes --json", ctl_bin, control_ep);
    CHECK_EQ_INT(it_run(cmd, &out), 0);
    CHECK_CONTAINS(out, "\"id\": \"at-ibk-near-01\"");
    CHECK_CONTAINS(out, "\"state\": \"alive\"");
    free(out);

    snprintf(cmd, sizeof cmd, "%s -e %s node it-vr-metro-01 --json", ctl_bin, control_ep);
    CHECK_EQ_INT(it_run(cmd, &out), 0);
    CHECK_CONTAINS(out, "\"country\": \"IT\"");
    CHECK_CONTAINS(out, "\"routes\": []");
    free(out);

    snprintf(cmd, sizeof cmd, "%s -e %s node no-such-node 2>/dev/null", ctl_bin, control_ep);
    CHECK_EQ_INT(it_run(cmd, NULL), 3);
    snprintf(cmd, sizeof cmd, "%s -e %s frobnicate 2>/dev/null", ctl_bin, control_ep);
    CHECK_EQ_INT(it_run(cmd, NULL), 2);

    /* nobody listening: exit 1 with a clear message within 2 s */
    int port = it_free_port();
    snprintf(cmd, sizeof cmd, "%s -e tcp://127.0.0.1:%d nodes 2>&1", ctl_bin, port);
    uint64_t t0 = it_now_ms();
    CHECK_EQ_INT(it_run(cmd, &out), 1);
    uint64_t took = it_now_ms() - t0;
    CHECK_CONTAINS(out, "unreachable");
    printf("  corridorctl against a closed port: exit 1 after %llu ms\n",
           (unsigned long long)took);
    CHECK(took < 3000);
    free(out);
}

static void test_orchestrator_restart(void)
{
    CHECK_EQ_INT(it_stop(orch_pid, SIGTERM, 5000), 0);
    it_sleep_ms(300);
    uint64_t t0 = it_now_ms();
    orch_pid = start_orchestrator();
    long ms = wait_state(-1, CORRIDOR_NODE_ALIVE, 6000);
    long total = ms < 0 ? -1 : (long)(it_now_ms() - t0);
    printf("  orchestrator restarted: 3 agents back after %ld ms (limit %d ms)\n", total,
           2 * INTERVAL_MS);
    CHECK(ms >= 0);
    CHECK(total >= 0 && total <= 2 * INTERVAL_MS);
    CHECK_EQ_INT(count_nodes(), 3); /* probe-node is gone: soft state is rebuilt from agents */
}

static void test_clean_shutdown(void)
{
    for (int i = 0; i < 3; i++) {
        int st = it_stop(agent_pid[i], SIGTERM, 5000);
        CHECK_EQ_INT(st, 0);
        agent_pid[i] = 0;
    }
    CHECK_EQ_INT(it_stop(orch_pid, SIGTERM, 5000), 0);
    orch_pid = 0;
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
    RUN(test_all_alive);
    RUN(test_kill_and_restart);
    RUN(test_bad_input);
    RUN(test_corridorctl);
    RUN(test_orchestrator_restart);
    RUN(test_clean_shutdown);
    for (int i = 0; i < 3; i++)
        if (agent_pid[i] > 0)
            it_stop(agent_pid[i], SIGKILL, 2000);
    if (orch_pid > 0)
        it_stop(orch_pid, SIGKILL, 2000);
    if (tu_failures) {
        it_dump_log(&env, "orchestrator");
        for (int i = 0; i < 3; i++) {
            char name[32];
            snprintf(name, sizeof name, "agent-%d", i);
            it_dump_log(&env, name);
        }
    }
    it_env_cleanup(&env);
    return TEST_SUMMARY();
}
