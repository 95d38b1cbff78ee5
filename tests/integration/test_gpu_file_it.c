/*
 * The agent's (simulated) file GPU source, end to end: readings written to a YAML file reach
 * `corridorctl nodes` (GPU% and GPUS columns) and `corridorctl node ID --json` (source
 * "file"), and a change to the file shows within a second.
 * usage: test_gpu_file_it ORCHESTRATOR AGENT CORRIDORCTL
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "log.h"
#include "testutil.h"

static it_env env;
static char control_ep[64];
static const char *ctl_bin;

static const char *gpus_yaml(int u0, int u1)
{
    return it_write(&env, "gpus.yaml",
                    "# SIMULATED GPU readings for the test\n"
                    "gpus:\n"
                    "  - {index: 0, name: \"L40S (simulated)\", uuid: GPU-sim-0, util_pct: %d,\n"
                    "     mem_used_mb: 12000, mem_total_mb: 46068}\n"
                    "  - {index: 1, name: \"L40S (simulated)\", uuid: GPU-sim-1, util_pct: %d,\n"
                    "     mem_used_mb: 2000, mem_total_mb: 46068}\n", u0, u1);
}

/* Wait until `corridorctl ARGS` prints `needle`; returns the ms it took, or -1. */
static long wait_output(const char *args, const char *needle, int timeout_ms)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s -e %s %s 2>&1", ctl_bin, control_ep, args);
    uint64_t t0 = it_now_ms();
    char *out = NULL;
    while (it_now_ms() - t0 < (uint64_t)timeout_ms) {
        free(out);
        out = NULL;
        if (it_run(cmd, &out) == 0 && strstr(out, needle)) {
            free(out);
            return (long)(it_now_ms() - t0);
        }
        it_sleep_ms(50);
    }
    fprintf(stderr, "'%s' never showed '%s'; last:\n%s\n", args, needle, out ? out : "");
    free(out);
    return -1;
}

int main(int argc, char **argv)
{
    int rc = it_main_init(argc, argv, 3, "ORCHESTRATOR AGENT CORRIDORCTL", &env);
    if (rc)
        return rc;
    ctl_bin = argv[3];
    char agents_ep[64], orch_cfg[320], agent_cfg[320], gpu_file[320];
    snprintf(agents_ep, sizeof agents_ep, "tcp://127.0.0.1:%d", it_free_port());
    snprintf(control_ep, sizeof control_ep, "tcp://127.0.0.1:%d", it_free_port());
    snprintf(gpu_file, sizeof gpu_file, "%s", gpus_yaml(40, 60));
    snprintf(orch_cfg, sizeof orch_cfg, "%s",
             it_write(&env, "orchestrator.yaml",
                      "orchestrator: {id: orch-it, region: eu-central}\n"
                      "agents: {endpoint: '%s', report_interval_ms: 300}\n"
                      "control: {endpoint: '%s'}\n", agents_ep, control_ep));
    snprintf(agent_cfg, sizeof agent_cfg, "%s",
             it_write(&env, "agent.yaml",
                      "node: {id: de-muc-far-01, operator: '262-01', country: DE, "
                      "region: eu-central, tier: far-edge, location: {lat: 48.1, lon: 11.6}}\n"
                      "orchestrator: {endpoint: '%s', reconnect_min_ms: 50, "
                      "reconnect_max_ms: 200, register_timeout_ms: 200}\n"
                      "gpu: {source: file, file: '%s'}\n"
                      "workloads: {state_dir: '%s/state'}\n", agents_ep, gpu_file, env.dir));
    const char *oargv[] = {argv[1], "--config", orch_cfg, NULL};
    pid_t orch = it_spawn(&env, "orchestrator", oargv);
    it_sleep_ms(200);
    const char *aargv[] = {argv[2], "--config", agent_cfg, NULL};
    pid_t agent = it_spawn(&env, "agent", aargv);

    /* mean utilisation 50 %, 2 GPUs, in the table */
    long ms = wait_output("nodes", " 50.0     2 ", 5000);
    CHECK(ms >= 0);
    CHECK(wait_output("node de-muc-far-01 --json", "\"gpu_source\": \"file\"", 2000) >= 0);
    CHECK(wait_output("node de-muc-far-01 --json", "\"name\": \"L40S (simulated)\"", 2000) >= 0);
    /* the readings change: the file is re-read at once and reported at once */
    gpus_yaml(80, 90);
    ms = wait_output("nodes", " 85.0     2 ", 3000);
    printf("  file changed -> corridorctl nodes shows it after %ld ms\n", ms);
    CHECK(ms >= 0 && ms < 1000);

    CHECK_EQ_INT(it_stop(agent, SIGTERM, 5000), 0);
    CHECK_EQ_INT(it_stop(orch, SIGTERM, 5000), 0);
    if (tu_failures) {
        it_dump_log(&env, "orchestrator");
        it_dump_log(&env, "agent");
    }
    it_env_cleanup(&env);
    return TEST_SUMMARY();
}
