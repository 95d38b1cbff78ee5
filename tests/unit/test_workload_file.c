/* Workload spec files: the shipped examples load; mistakes name file:line:column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "testutil.h"
#include "workload_file.h"

static void test_examples(void)
{
    static const char *const names[] = {"adas-fusion", "hd-map-tiles", "fleet-logs"};
    for (int i = 0; i < 3; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/deploy/examples/workloads/%s.yaml", CORRIDOR_SOURCE_DIR,
                 names[i]);
        corridor_workload_spec s;
        corridor_cfg_error err;
        int rc = corridor_workload_file_load(path, &s, &err);
        if (rc < 0)
            fprintf(stderr, "%s\n", err.text);
        CHECK_EQ_INT(rc, 0);
        if (rc == 0) {
            CHECK_EQ_STR(s.name, names[i]);
            corridor_workload_spec_fini(&s);
        }
    }
    char path[512];
    snprintf(path, sizeof path, "%s/deploy/examples/workloads/adas-fusion.yaml",
             CORRIDOR_SOURCE_DIR);
    corridor_workload_spec s;
    corridor_cfg_error err;
    CHECK_EQ_INT(corridor_workload_file_load(path, &s, &err), 0);
    CHECK_EQ_INT(s.latency_tier, CORRIDOR_TIER_FAR_EDGE);
    CHECK_EQ_INT(s.gpus, 1);
    CHECK(s.gpu_memory_bytes == 8192ull << 20);
    CHECK(s.has_anchor && s.anchor_lat > 47 && s.anchor_lon > 11);
    CHECK_EQ_INT(s.n_countries, 2);
    CHECK_EQ_STR(s.countries[1], "AT");
    CHECK_EQ_INT(s.n_args, 1);
    CHECK_EQ_INT(s.n_env, 2);
    CHECK_EQ_STR(s.restart, "on-failure");
    corridor_workload_spec_fini(&s);
}

static const char *parse(const char *text)
{
    static corridor_cfg_error err;
    corridor_workload_spec s;
    memset(&err, 0, sizeof err);
    if (corridor_workload_file_parse("w.yaml", text, strlen(text), &s, &err) == 0) {
        corridor_workload_spec_fini(&s);
        return "ok";
    }
    return err.text;
}

static void test_errors(void)
{
    CHECK_EQ_STR(parse("name: a\ncommand: {path: /bin/x}\nlatency: {tier: far_edge}\n"),
                 "w.yaml:3:17: latency.tier: 'far_edge' is not one of near-premise, far-edge, "
                 "near-edge, metro-edge, cloud, none (did you mean 'far-edge'?)");
    CHECK_EQ_STR(parse("name: a\ncommand: {path: /bin/x}\nlatency: {max_ms: 5}\n"
                       "sovereignty:\n  countries: [DE, XX]\n"),
                 "w.yaml:5:19: sovereignty.countries[1]: 'XX' is not an ISO 3166-1 alpha-2 "
                 "country code");
    CHECK_CONTAINS(parse("name: a\ncommand: {path: /bin/x}\nlatency: {}\n"),
                   "w.yaml:3:10: latency: give a tier");
    CHECK_CONTAINS(parse("name: a\ncommand: {path: /bin/x}\nlatency: {max_ms: 5}\n"
                         "anchor: {lat: 47}\n"), "anchor.lat: give both lat and lon");
    CHECK_CONTAINS(parse("name: a\ncommand: {path: /bin/x}\nlatency: {max_ms: 5}\n"
                         "replicas: 0\n"), "w.yaml:4:11: replicas: 0 is out of range 1..64");
    CHECK_CONTAINS(parse("name: a\ncommand: {path: /bin/x, env: [NOEQUALS]}\n"
                         "latency: {max_ms: 5}\n"), "is not KEY=VALUE");
    CHECK_CONTAINS(parse("name: a\ncomand: {path: /bin/x}\n"),
                   "unknown key 'comand' (did you mean 'command'?)");
    CHECK_CONTAINS(parse("name: a\nlatency: {max_ms: 5}\n"), "missing required key 'command'");
    CHECK_EQ_STR(parse("name: a\ncommand: {path: /bin/x}\nlatency: {max_ms: 5}\n"), "ok");
}

int main(void)
{
    RUN(test_examples);
    RUN(test_errors);
    return TEST_SUMMARY();
}
