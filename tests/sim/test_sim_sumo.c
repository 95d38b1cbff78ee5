/*
 * corridor-sim on a SUMO trace: the test builds a small grid network with Debian's SUMO
 * (netgenerate), drives two vehicle flows through it (sumo --fcd-output), and runs
 * corridor-sim on the floating-car data. Every vehicle of the trace must appear, change
 * cells as it crosses the grid, and get a session placed.
 * Skips (77) when SUMO is not installed (apt-get install sumo).
 * usage: test_sim_sumo CORRIDOR_SIM
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

static it_env env;

/* Distinct vehicle ids in the trace, counted independently of the simulator's reader. */
static size_t count_ids(const char *path)
{
    char *text = NULL, cmd[600];
    snprintf(cmd, sizeof cmd,
             "grep -o '<vehicle id=\"[^\"]*\"' '%s' | sort -u | wc -l", path);
    if (it_run(cmd, &text) != 0 || !text) {
        free(text);
        return 0;
    }
    size_t n = strtoul(text, NULL, 10);
    free(text);
    return n;
}

static unsigned long long json_u64(const char *json, const char *key)
{
    char k[80];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(json, k);
    return p ? strtoull(p + strlen(k), NULL, 10) : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORRIDOR_SIM\n", argv[0]);
        return 2;
    }
    char *out = NULL;
    if (it_run("command -v sumo && command -v netgenerate", &out) != 0) {
        printf("SKIP: SUMO is not installed (apt-get install sumo); the SUMO trace path "
               "is not tested\n");
        free(out);
        return 77;
    }
    free(out);
    if (it_env_init(&env) < 0)
        return 1;
    char cmd[2048];
    it_write(&env, "routes.rou.xml",
             "<routes>\n"
             "  <flow id=\"east\" begin=\"0\" end=\"100\" period=\"4\" from=\"A0B0\" to=\"C3D3\"/>\n"
             "  <flow id=\"north\" begin=\"0\" end=\"100\" period=\"5\" from=\"D0D1\" to=\"A2A3\"/>\n"
             "</routes>\n");
    /* a 4 x 4 grid of 200 m blocks (600 m x 600 m, x/y in metres from its corner) */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && export SUMO_HOME=/usr/share/sumo && "
             "netgenerate --grid --grid.number=4 --grid.length=200 --default.speed 13.9 "
             "-o net.net.xml >sumo.log 2>&1 && "
             "sumo -n net.net.xml -r routes.rou.xml --fcd-output fcd.xml --end 300 "
             "--no-step-log --xml-validation never >>sumo.log 2>&1 && echo built",
             env.dir);
    CHECK_EQ_INT(it_run(cmd, &out), 0);
    CHECK_CONTAINS(out, "built");
    free(out);
    char fcd[400];
    snprintf(fcd, sizeof fcd, "%s/fcd.xml", env.dir);
    size_t ids = count_ids(fcd);
    printf("SUMO trace: %zu vehicles\n", ids);
    CHECK(ids >= 30);

    /* small cells every ~150 m over the grid (origin at 41.0 N 2.0 E), one near-premise
     * node in the middle */
    const char *scen = it_write(&env, "sumo.yaml",
        "name: sumo-grid\nduration_s: 300\nsample_s: 30\ntick_ms: 100\n"
        "radio: {hysteresis_db: 2, time_to_trigger_ms: 160}\n"
        "operators:\n  - {plmn: \"214-07\", country: ES}\n"
        "generate:\n  cells: 80\n  area: {south: 40.9995, west: 1.9995, north: 41.0060, "
        "east: 2.0075}\n  cell_radius_km: 0.2\n  seed: 3\n"
        "nodes:\n  - {id: np-01, operator: \"214-07\", tier: near-premise, lat: 41.0027, "
        "lon: 2.0036, cpu_cores: 64, gpus: 4}\n"
        "workloads:\n  - {name: adas, tenant: t, latency_budget_ms: 3, share: 1}\n"
        "groups:\n  - {id: sumo, model: sumo, trace: fcd.xml, origin: {lat: 41.0, lon: 2.0}, "
        "operator: \"214-07\", workload: adas}\n");
    snprintf(cmd, sizeof cmd, "'%s' '%s' --json --events '%s/events.csv' 2>'%s/sim.log'",
             argv[1], scen, env.dir, env.dir);
    int rc = it_run(cmd, &out);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0)
        it_dump_log(&env, "sim");
    if (out) {
        unsigned long long vehicles = json_u64(out, "vehicles");
        unsigned long long intra = json_u64(out, "intra-operator");
        unsigned long long placed = json_u64(out, "placed");
        unsigned long long sessions = json_u64(out, "sessions");
        printf("corridor-sim: %llu vehicles, %llu sessions, %llu placed, %llu cell changes\n",
               vehicles, sessions, placed, intra);
        CHECK_EQ_INT(vehicles, ids);       /* every trace vehicle, once */
        CHECK_EQ_INT(sessions, ids);       /* share 1: each runs the workload */
        CHECK(placed >= sessions * 9 / 10);
        CHECK(intra > ids);                /* they cross cells as they drive the grid */
    }
    free(out);
    /* a broken trace is an error naming the byte, not a crash */
    it_write(&env, "fcd.xml", "<fcd-export>\n<timestep time=\"0\">\n<vehicle id=\"a\" x=\"zz\" "
             "y=\"1\"/>\n</timestep>\n</fcd-export>\n");
    snprintf(cmd, sizeof cmd, "'%s' '%s' --json 2>&1", argv[1], scen);
    CHECK(it_run(cmd, &out) != 0);
    CHECK_CONTAINS(out, "is not a number");
    free(out);
    it_env_cleanup(&env);
    return TEST_SUMMARY();
}
