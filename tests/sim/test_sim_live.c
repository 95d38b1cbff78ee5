/*
 * corridor-sim --live: a real corridor-orchestrator on loopback, and corridor-sim connecting
 * its simulated nodes to it as agents (protocol v1 over ZeroMQ). The control API must list
 * every node of the scenario, alive, registered by "corridor-sim", with the GPU
 * utilisation the simulation reports.
 * usage: test_sim_live ORCHESTRATOR CORRIDOR_SIM
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "msg.h"
#include "testutil.h"

static const char *const node_ids[] = {"lv-far-01", "lv-near-01", "lv-far-02"};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s ORCHESTRATOR CORRIDOR_SIM\n", argv[0]);
        return 2;
    }
    it_env env;
    if (it_env_init(&env) < 0)
        return 1;
    int pa = it_free_port(), pc = it_free_port();
    char agents[64], control[64];
    snprintf(agents, sizeof agents, "tcp://127.0.0.1:%d", pa);
    snprintf(control, sizeof control, "tcp://127.0.0.1:%d", pc);
    const char *ocfg = it_write(&env, "orchestrator.yaml",
        "orchestrator:\n  id: orch-live\n  region: sim\nagents:\n  endpoint: %s\n"
        "  report_interval_ms: 500\n  heartbeat_timeout_ms: 2000\ncontrol:\n  endpoint: %s\n",
        agents, control);
    const char *scen = it_write(&env, "live.yaml",
        "name: live\nduration_s: 30\nreport_interval_ms: 500\n"
        "operators:\n  - {plmn: \"262-01\", country: DE}\n"
        "roads:\n  - id: r\n    points:\n      - {lat: 48.0, lon: 11.0}\n"
        "      - {lat: 48.0, lon: 11.3}\n"
        "cell_chains:\n  - {id: c, road: r, operator: \"262-01\", spacing_km: 2, radius_km: 1.5}\n"
        "nodes:\n"
        "  - {id: %s, operator: \"262-01\", tier: far-edge, lat: 48.0, lon: 11.05, gpus: 2}\n"
        "  - {id: %s, operator: \"262-01\", tier: near-edge, lat: 48.01, lon: 11.15, gpus: 4}\n"
        "  - {id: %s, operator: \"262-01\", tier: far-edge, lat: 48.0, lon: 11.25, gpus: 2}\n"
        "workloads:\n  - {name: adas, tenant: t, latency_budget_ms: 5, share: 1}\n"
        "flows:\n  - {id: f, road: r, rate_per_hour: 3600, speed_kmh: {mean: 100}, "
        "operator: \"262-01\", workload: adas, prefill: true}\n",
        node_ids[0], node_ids[1], node_ids[2]);
    const char *oargv[] = {argv[1], "--config", ocfg, NULL};
    pid_t orch = it_spawn(&env, "orchestrator", oargv);
    it_sleep_ms(200);
    char ep[80];
    snprintf(ep, sizeof ep, "%s", agents);
    const char *sargv[] = {argv[2], scen, "--live", ep, "--no-progress", "--log-level", "info",
                           NULL};
    pid_t sim = it_spawn(&env, "sim", sargv);

    /* wait until the orchestrator sees all three nodes alive */
    int alive = 0;
    corridor_msg reply;
    uint64_t deadline = it_now_ms() + 15000;
    while (it_now_ms() < deadline && alive < 3) {
        alive = 0;
        if (it_nodes(control, &reply) == 0) {
            for (int i = 0; i < 3; i++) {
                const corridor_node_view *n = it_find(&reply.u.crep, node_ids[i]);
                alive += n && n->state == CORRIDOR_NODE_ALIVE;
            }
            corridor_msg_fini(&reply);
        }
        if (alive < 3)
            it_sleep_ms(200);
    }
    CHECK_EQ_INT(alive, 3);
    /* a few report intervals later: reports from the simulation, its GPUs included */
    it_sleep_ms(1500);
    CHECK_EQ_INT(it_nodes(control, &reply), 0);
    const corridor_node_view *n = it_find(&reply.u.crep, "lv-near-01");
    CHECK(n != NULL);
    if (n) {
        CHECK_EQ_STR(n->identity.agent_version, "corridor-sim");
        CHECK_EQ_STR(n->identity.country, "DE");
        CHECK_EQ_INT(n->identity.capacity.gpu_count, 4);
        CHECK(n->reports >= 2);
        CHECK_EQ_INT(n->report.n_gpus, 4);
        CHECK_EQ_STR(n->report.gpu_source, "sim");
        printf("orchestrator sees %s: %u reports, GPU0 %u %%\n", n->identity.node_id,
               n->reports, n->report.n_gpus ? n->report.gpus[0].util_pct : 0);
    }
    corridor_msg_fini(&reply);
    if (alive < 3) {
        it_dump_log(&env, "orchestrator");
        it_dump_log(&env, "sim");
    }
    CHECK_EQ_INT(it_stop(sim, SIGTERM, 5000), 0); /* stops early, cleanly, with its summary */
    CHECK_EQ_INT(it_stop(orch, SIGTERM, 3000), 0);
    it_env_cleanup(&env);
    return TEST_SUMMARY();
}
