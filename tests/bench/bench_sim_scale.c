/*
 * corridor-sim at scale: the stress scenario (10,000 cells, 1,000 nodes, 100 ms tick) with
 * 1k, 10k and 100k vehicles, SIM_S simulated seconds each. Prints events/s, vehicle
 * updates/s, the real-time factor and the wall time per simulated hour; at 100k vehicles
 * also the same run measuring the radio on every tick (the reference: same results,
 * more work), and the ratio.
 * usage: bench_sim_scale [SIM_S]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim.h"

#define STRESS CORRIDOR_SOURCE_DIR "/sim/scenarios/stress.yaml"

static int one(const corridor_scenario_file *f, uint32_t vehicles, double sim_s, bool every,
               corridor_sim_perf *perf, corridor_sim_kpis *k)
{
    corridor_scenario_file *g = malloc(sizeof *g);
    if (!g)
        return -1;
    *g = *f;
    uint32_t per = vehicles / (uint32_t)g->n_groups;
    for (size_t i = 0; i < g->n_groups; i++)
        g->groups[i].vehicles = per;
    corridor_scenario s;
    char err[1200];
    int rc = corridor_scenario_build(g, STRESS, &s, err, sizeof err);
    free(g);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err);
        return rc;
    }
    corridor_sim_options o = {.duration_s = sim_s, .measure_every_tick = every};
    corridor_sim *sim = corridor_sim_new(&s, &o, err, sizeof err);
    if (!sim) {
        fprintf(stderr, "%s\n", err);
        corridor_scenario_fini(&s);
        return -1;
    }
    rc = corridor_sim_run(sim);
    *perf = *corridor_sim_perf_get(sim);
    *k = *corridor_sim_kpis_get(sim);
    corridor_sim_free(&sim);
    corridor_scenario_fini(&s);
    return rc;
}

int main(int argc, char **argv)
{
    double sim_s = argc > 1 ? strtod(argv[1], NULL) : 60;
    corridor_log_set_level(CORRIDOR_LOG_ERROR);
    corridor_scenario_file *f = calloc(1, sizeof *f);
    corridor_cfg_error cerr;
    if (!f || corridor_scenario_load_file(STRESS, f, &cerr) < 0) {
        fprintf(stderr, "%s\n", f ? cerr.text : "out of memory");
        free(f);
        return 1;
    }
    printf("stress scenario: 10,000 cells, 1,000 nodes, 100 ms tick, %.0f s simulated, "
           "single-threaded\n", sim_s);
    printf("%-9s %12s %16s %10s %14s %12s\n", "VEHICLES", "EVENTS/S", "VEH UPDATES/S",
           "x REALTIME", "WALL/SIM HOUR", "CELL CHANGES");
    static const uint32_t sizes[] = {1000, 10000, 100000};
    corridor_sim_perf p, pref;
    corridor_sim_kpis k, kref;
    for (size_t i = 0; i < 3; i++) {
        if (one(f, sizes[i], sim_s, false, &p, &k) < 0)
            return 1;
        printf("%-9u %12.0f %16.0f %9.1fx %13.0fs %12llu\n", sizes[i], p.events_per_s,
               p.updates_per_s, p.realtime_factor, 3600.0 / p.realtime_factor,
               (unsigned long long)(k.changes[0] + k.changes[1] + k.changes[2]));
    }
    if (one(f, 100000, sim_s, true, &pref, &kref) < 0)
        return 1;
    printf("reference (radio measured every tick), 100000 vehicles: %.1fx real time; "
           "skipping is %.2fx faster; same cell changes: %s\n", pref.realtime_factor,
           p.realtime_factor / pref.realtime_factor,
           memcmp(k.changes, kref.changes, sizeof k.changes) == 0 ? "yes" : "NO");
    free(f);
    return 0;
}
