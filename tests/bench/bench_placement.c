/*
 * Placement benchmark: decisions/s and p50/p99 decision latency at 1k, 10k and 100k nodes
 * (synthetic clusters across the five tiers, 6 countries, 8 operators, 30 % of nodes with
 * GPUs), one core, and memory per node. The reference in the same run is the same decisions
 * made by a full scan of every node (corridor_place_explain), i.e. what a scheduler without
 * an index does; the figures print, nothing is asserted.
 * usage: bench_placement [decisions per size, default 200000]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "log.h"
#include "placement.h"

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static double frand(double lo, double hi) { return lo + (hi - lo) * (double)(rnd() >> 11) / 9007199254740992.0; }

static const char *const countries[] = {"DE", "AT", "IT", "FR", "ES", "PT"};
/* rough boxes per country so that nodes sit where their country is */
static const double boxes[6][4] = {
    {47.5, 54.5, 6.5, 14.5}, {46.5, 48.8, 9.8, 16.8}, {37.5, 46.5, 7.5, 17.5},
    {43.5, 50.5, -1.5, 7.5}, {37.0, 43.5, -8.5, 2.5}, {37.5, 41.8, -8.8, -7.0},
};
static const char *const operators[] = {"262-01", "262-02", "232-01", "222-01",
                                        "208-01", "214-01", "268-01", "262-03"};

static uint64_t ns_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static corridor_core *build(uint32_t n)
{
    corridor_core_config cfg = {.report_interval_ms = 1000, .heartbeat_timeout_ms = 5000,
                                .max_nodes = n + 1};
    corridor_core *c = corridor_core_new(&cfg);
    for (uint32_t i = 0; i < n; i++) {
        corridor_register r;
        memset(&r, 0, sizeof r);
        int k = (int)(rnd() % 6);
        snprintf(r.node_id, sizeof r.node_id, "node-%06u", i);
        snprintf(r.plmn, sizeof r.plmn, "%s", operators[rnd() % 8]);
        snprintf(r.country, sizeof r.country, "%s", countries[k]);
        snprintf(r.region, sizeof r.region, "eu");
        r.tier = (corridor_tier)(rnd() % 5);
        r.lat = frand(boxes[k][0], boxes[k][1]);
        r.lon = frand(boxes[k][2], boxes[k][3]);
        r.capacity.cpu_millicores = 16000 + (uint32_t)(rnd() % 8) * 16000;
        r.capacity.memory_bytes = (64ull + rnd() % 4 * 64) << 30;
        bool gpus = rnd() % 10 < 3;
        corridor_register_ack ack;
        corridor_core_register(c, 0, r.node_id, &r, &ack);
        corridor_report rep;
        memset(&rep, 0, sizeof rep);
        snprintf(rep.node_id, sizeof rep.node_id, "%s", r.node_id);
        rep.cpu_util_pct = frand(0, 80);
        if (gpus) {
            rep.n_gpus = 1 + rnd() % 4;
            rep.gpus = calloc(rep.n_gpus, sizeof *rep.gpus);
            for (size_t g = 0; g < rep.n_gpus; g++) {
                rep.gpus[g].mem_total_bytes = 80ull << 30;
                rep.gpus[g].mem_used_bytes = (rnd() % 80) << 30;
                rep.gpus[g].util_pct = (uint32_t)(rnd() % 100);
            }
        }
        corridor_core_report(c, 0, r.node_id, &rep);
        corridor_report_fini(&rep);
    }
    return c;
}

static void make_spec(corridor_workload_spec *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "w");
    int k = (int)(rnd() % 6);
    s->cpu_millicores = 500 + (uint32_t)(rnd() % 4000);
    s->memory_bytes = (1ull + rnd() % 8) << 30;
    s->gpus = rnd() % 10 < 3 ? 1 : 0;
    s->gpu_memory_bytes = s->gpus ? (rnd() % 16) << 30 : 0;
    s->latency_tier = (int32_t)(1 + rnd() % 3); /* far, near, metro edge */
    s->has_anchor = true;
    s->anchor_lat = frand(boxes[k][0], boxes[k][1]);
    s->anchor_lon = frand(boxes[k][2], boxes[k][3]);
    s->n_countries = 1 + rnd() % 2;
    snprintf(s->countries[0], 3, "%s", countries[k]);
    snprintf(s->countries[1], 3, "%s", countries[rnd() % 6]);
    s->replicas = 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double per_s, p50_us, p99_us, placed_pct, scanned;
} result;

static result run(corridor_core *c, uint32_t decisions, bool full_scan)
{
    uint64_t *lat = malloc(decisions * sizeof *lat);
    uint64_t placed = 0, scanned = 0;
    corridor_workload_spec s;
    corridor_placement p;
    uint64_t t0 = ns_now();
    for (uint32_t i = 0; i < decisions; i++) {
        make_spec(&s);
        uint64_t a = ns_now();
        if (full_scan) {
            corridor_place_explain(c, 0, &s, NULL, &p);
        } else if (corridor_place_decide(c, 0, &s, "w", 0, 1, NULL, &p) == 0) {
            corridor_place_release(c, "w-0"); /* keep the cluster steady */
        }
        lat[i] = ns_now() - a;
        placed += p.n_chosen > 0;
        scanned += p.nodes_scanned;
    }
    uint64_t total = ns_now() - t0;
    qsort(lat, decisions, sizeof *lat, cmp_u64);
    result r = {
        .per_s = decisions / (total / 1e9),
        .p50_us = lat[decisions / 2] / 1000.0,
        .p99_us = lat[(size_t)(decisions * 0.99)] / 1000.0,
        .placed_pct = 100.0 * (double)placed / decisions,
        .scanned = (double)scanned / decisions,
    };
    free(lat);
    return r;
}

int main(int argc, char **argv)
{
    uint32_t decisions = argc > 1 ? (uint32_t)atoi(argv[1]) : 200000;
    corridor_log_set_level(CORRIDOR_LOG_OFF);
    static const uint32_t sizes[] = {1000, 10000, 100000};
    printf("placement benchmark: %u decisions per size, one core; reference = full scan of "
           "every node\n\n", decisions);
    printf("%8s  %12s %9s %9s %8s %9s  %12s %9s  %7s  %9s\n", "nodes", "decisions/s",
           "p50 us", "p99 us", "placed", "scanned", "full-scan/s", "p99 us", "ratio",
           "B/node");
    for (size_t k = 0; k < 3; k++) {
        long before = rss_kb();
        corridor_core *c = build(sizes[k]);
        long after = rss_kb();
        result idx = run(c, decisions, false);
        uint32_t ref_n = decisions / (sizes[k] >= 100000 ? 200 : sizes[k] >= 10000 ? 20 : 2);
        result ref = run(c, ref_n, true);
        printf("%8u  %12.0f %9.2f %9.2f %7.1f%% %9.1f  %12.0f %9.1f  %6.0fx  %9.0f\n", sizes[k],
               idx.per_s, idx.p50_us, idx.p99_us, idx.placed_pct, idx.scanned, ref.per_s,
               ref.p99_us, idx.per_s / ref.per_s,
               (double)(after - before) * 1024.0 / sizes[k]);
        corridor_core_free(&c);
    }
    printf("\ngoal: >= 100000 decisions/s with p99 < 100 us at 10k nodes "
           "(kube-scheduler: 100-300 pods/s)\n");
    return 0;
}
