/*
 * corridor-sim as a library: a scenario, a seed and options in; KPIs, a time series, plots
 * and an event log out. Single-threaded and deterministic: the same scenario and seed give
 * the same kpis.json, byte for byte. The orchestrator core runs inside, on the simulated
 * clock, fed by simulated agents' Register and Report messages; sessions are placed by the
 * core's placement (orchestrator/core/placement.h).
 */
#ifndef CORRIDOR_SIM_H
#define CORRIDOR_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kpi.h"
#include "scenario.h"

typedef struct {
    uint64_t seed;
    bool seed_set;              /* else the scenario's */
    double duration_s;          /* 0 = the scenario's */
    const char *events_path;    /* event log (CSV), or NULL */
    const char *live_endpoint;  /* tcp://HOST:PORT: nodes also connect as real agents */
    double live_speed;          /* live mode: simulated seconds per wall second (default 1) */
    bool progress;              /* progress bar on stderr */
    volatile sig_atomic_t *stop;/* set (by a signal handler) to end the run early */
    bool measure_every_tick;    /* no radio measurement skipping (the reference for tests
                                   and benchmarks: results must be the same) */
} corridor_sim_options;

typedef struct corridor_sim corridor_sim;

corridor_sim *corridor_sim_new(const corridor_scenario *s, const corridor_sim_options *o,
                               char *err, size_t errlen);
void corridor_sim_free(corridor_sim **sim);

/* Run to the end. 0, or -errno (event log write failure, live connection setup). */
int corridor_sim_run(corridor_sim *sim);

const corridor_sim_kpis *corridor_sim_kpis_get(const corridor_sim *sim);
const corridor_sim_perf *corridor_sim_perf_get(const corridor_sim *sim);

/* Outputs (output.c, plot.c). */
void corridor_sim_print_summary(const corridor_sim *sim, FILE *f, bool color);
int corridor_sim_write_kpis(const corridor_sim *sim, const char *path);
int corridor_sim_write_timeseries(const corridor_sim *sim, const char *path);
int corridor_sim_write_node_util(const corridor_sim *sim, const char *path);
/* kpis.json, timeseries.csv, node_util.csv and the SVG plots into dir (created). */
int corridor_sim_write_outputs(const corridor_sim *sim, const char *dir, char *err,
                               size_t errlen);

#endif
