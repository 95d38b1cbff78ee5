/*
 * Placement end to end, real processes on loopback: an orchestrator and agents in DE, AT and
 * IT. A far-edge workload (8 ms budget, so that the load term of a busy test machine cannot push
 * it over) allowed only in AT lands on the one AT node and its process runs;
 * delete stops it; deployed again and its node's agent killed, it stays pending with the
 * reason; a second AT node appears and the workload runs there.
 * usage: test_placement_it ORCHESTRATOR AGENT CORRIDORCTL
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "testutil.h"

#define INTERVAL_MS 300
#define TIMEOUT_MS 1500
#define MARK "31337"          /* sleep's argument: how the test finds the workload's process */

static const char *orch_bin, *agent_bin, *ctl_bin;
static it_env env;
static char agents_ep[64], control_ep[64], orch_cfg[320];

typedef struct {
    const char *id, *plmn, *cc;
    double lat, lon;
    char cfg[320];
    pid_t pid;
} node;

static node nodes[] = {
    {"de-muc-far-01", "262-01", "DE", 48.137, 11.575, "", 0},
    {"at-ibk-far-01", "232-01", "AT", 47.269, 11.404, "", 0},
    {"it-vr-far-01", "222-01", "IT", 45.438, 10.992, "", 0},
    {"at-sbg-far-01", "232-01", "AT", 47.809, 13.055, "", 0}, /* joins later */
};

static pid_t orch_pid;

static void write_configs(void)
{
    snprintf(agents_ep, sizeof agents_ep, "tcp://127.0.0.1:%d", it_free_port());
    snprintf(control_ep, sizeof control_ep, "tcp://127.0.0.1:%d", it_free_port());
    snprintf(orch_cfg, sizeof orch_cfg, "%s",
             it_write(&env, "orchestrator.yaml",
                      "orchestrator: {id: orch-it, region: eu-central}\n"
                      "agents: {endpoint: '%s', report_interval_ms: %d, "
                      "heartbeat_timeout_ms: %d}\ncontrol: {endpoint: '%s'}\n",
                      agents_ep, INTERVAL_MS, TIMEOUT_MS, control_ep));
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.yaml", nodes[i].id);
        snprintf(nodes[i].cfg, sizeof nodes[i].cfg, "%s",
                 it_write(&env, name,
                          "node:\n  id: %s\n  operator: \"%s\"\n  country: %s\n"
                          "  region: eu-central\n  tier: far-edge\n"
                          "  location: {lat: %f, lon: %f}\n"
                          "  capacity: {cpu_millicores: 8000, memory_mb: 16384}\n"
                          "orchestrator:\n  endpoint: %s\n  reconnect_min_ms: 50\n"
                          "  reconnect_max_ms: 200\n  register_timeout_ms: 200\n"
                          "workloads:\n  state_dir: %s/state-%s\n",
                          nodes[i].id, nodes[i].plmn, nodes[i].cc, nodes[i].lat, nodes[i].lon,
                          agents_ep, env.dir, nodes[i].id));
    }
}

static pid_t start_agent(size_t i)
{
    const char *argv[] = {agent_bin, "--config", nodes[i].cfg, NULL};
    return it_spawn(&env, nodes[i].id, argv);
}

static int ctl(const char *args, char **out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -e %s %s 2>&1", ctl_bin, control_ep, args);
    return it_run(cmd, out);
}

/* Wait until `corridorctl workload adas --json` contains every needle; returns its output. */
static char *wait_workload(const char *needle1, const char *needle2, int timeout_ms)
{
    uint64_t end = it_now_ms() + (uint64_t)timeout_ms;
    char *out = NULL;
    while (it_now_ms() < end) {
        free(out);
        out = NULL;
        if (ctl("workload adas --json", &out) == 0 && strstr(out, needle1) &&
            (!needle2 || strstr(out, needle2)))
            return out;
        it_sleep_ms(50);
    }
    fprintf(stderr, "timed out waiting for '%s'%s%s; last:\n%s\n", needle1,
            needle2 ? " and " : "", needle2 ? needle2 : "", out ? out : "(none)");
    return out;
}

static int count_processes(void)
{
    char *out = NULL;
    it_run("pgrep -fc '^/bin/sleep " MARK "$' || true", &out);
    int n = out ? atoi(out) : -1;
    free(out);
    return n;
}

static bool wait_processes(int want, int timeout_ms)
{
    uint64_t end = it_now_ms() + (uint64_t)timeout_ms;
    while (it_now_ms() < end) {
        if (count_processes() == want)
            return true;
        it_sleep_ms(50);
    }
    return false;
}

static const char *spec_path(void)
{
    return it_write(&env, "adas.yaml",
                    "name: adas\ntenant: automaker-a\n"
                    "command: {path: /bin/sleep, args: ['" MARK "']}\n"
                    "resources: {cpu_millicores: 2000, memory_mb: 1024}\n"
                    "latency: {max_ms: 8}\nanchor: {lat: 47.27, lon: 11.40}\n"
                    "sovereignty: {countries: [AT]}\n");
}

static void test_lands_on_the_only_match(void)
{
    char args[512], *out = NULL;
    snprintf(args, sizeof args, "deploy %s", spec_path());
    CHECK_EQ_INT(ctl(args, &out), 0);
    free(out);
    out = wait_workload("\"phase\": \"running\"", "\"node\": \"at-ibk-far-01\"", 5000);
    CHECK_CONTAINS(out, "\"node\": \"at-ibk-far-01\"");
    free(out);
    CHECK(wait_processes(1, 3000));
    CHECK_EQ_INT(ctl("explain adas", &out), 0);
    CHECK_CONTAINS(out, "1/3 nodes available");
    CHECK_CONTAINS(out, "2 country");
    CHECK_CONTAINS(out, "at-ibk-far-01");
    printf("%s", out ? out : "");
    free(out);
}

static void test_delete_stops_it(void)
{
    char *out = NULL;
    CHECK_EQ_INT(ctl("delete adas", &out), 0);
    free(out);
    CHECK(wait_processes(0, 5000));
    CHECK_EQ_INT(ctl("workload adas", &out), 3);
    free(out);
}

static void test_node_loss(void)
{
    char args[512], *out = NULL;
    snprintf(args, sizeof args, "deploy %s", spec_path());
    CHECK_EQ_INT(ctl(args, &out), 0);
    free(out);
    out = wait_workload("\"phase\": \"running\"", NULL, 5000);
    free(out);
    CHECK(wait_processes(1, 3000));
    /* the AT node's agent dies; its process is orphaned, the orchestrator cannot know */
    CHECK_EQ_INT(it_stop(nodes[1].pid, SIGKILL, 2000), 128 + SIGKILL);
    nodes[1].pid = 0;
    uint64_t t0 = it_now_ms();
    out = wait_workload("\"phase\": \"pending\"", "not_alive", TIMEOUT_MS + 3000);
    printf("  node lost: workload pending after %llu ms\n",
           (unsigned long long)(it_now_ms() - t0));
    CHECK_CONTAINS(out, "\"phase\": \"pending\"");
    CHECK_CONTAINS(out, "0/3 nodes available");
    free(out);
    it_run("pkill -f '^/bin/sleep " MARK "$'", NULL);
    /* another AT node appears: the workload runs there */
    nodes[3].pid = start_agent(3);
    t0 = it_now_ms();
    out = wait_workload("\"phase\": \"running\"", "\"node\": \"at-sbg-far-01\"", 8000);
    printf("  new AT node: workload running there after %llu ms\n",
           (unsigned long long)(it_now_ms() - t0));
    CHECK_CONTAINS(out, "\"node\": \"at-sbg-far-01\"");
    free(out);
    CHECK(wait_processes(1, 3000));
    CHECK_EQ_INT(ctl("delete adas", &out), 0);
    free(out);
    CHECK(wait_processes(0, 5000));
}

int main(int argc, char **argv)
{
    int rc = it_main_init(argc, argv, 3, "ORCHESTRATOR AGENT CORRIDORCTL", &env);
    if (rc)
        return rc;
    orch_bin = argv[1];
    agent_bin = argv[2];
    ctl_bin = argv[3];
    if (count_processes() != 0) {
        fprintf(stderr, "a '/bin/sleep " MARK "' is already running; stop it first\n");
        it_env_cleanup(&env);
        return 1;
    }
    write_configs();
    const char *oargv[] = {orch_bin, "--config", orch_cfg, NULL};
    orch_pid = it_spawn(&env, "orchestrator", oargv);
    it_sleep_ms(200);
    for (size_t i = 0; i < 3; i++)
        nodes[i].pid = start_agent(i);
    it_sleep_ms(500);
    RUN(test_lands_on_the_only_match);
    RUN(test_delete_stops_it);
    RUN(test_node_loss);
    for (size_t i = 0; i < 4; i++)
        if (nodes[i].pid > 0)
            CHECK_EQ_INT(it_stop(nodes[i].pid, SIGTERM, 5000), 0);
    CHECK_EQ_INT(it_stop(orch_pid, SIGTERM, 5000), 0);
    it_run("pkill -f '^/bin/sleep " MARK "$'", NULL);
    if (tu_failures) {
        it_dump_log(&env, "orchestrator");
        for (size_t i = 0; i < 4; i++)
            it_dump_log(&env, nodes[i].id);
    }
    it_env_cleanup(&env);
    return TEST_SUMMARY();
}
