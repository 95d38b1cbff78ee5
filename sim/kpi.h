/*
 * What a run measures. Everything here depends only on the scenario and the seed (the
 * byte-identical kpis.json rests on it); wall-clock figures live apart in corridor_sim_perf.
 */
#ifndef CORRIDOR_SIM_KPI_H
#define CORRIDOR_SIM_KPI_H

#include <stddef.h>
#include <stdint.h>

#include "placement.h"

/* Log-linear histogram of non-negative values with weights: exact below 32, then 32 buckets
 * per power of two (about 3 % resolution). */
#define SIM_HIST_SUB 32
#define SIM_HIST_BUCKETS (SIM_HIST_SUB + 59 * SIM_HIST_SUB)

typedef struct {
    double w[SIM_HIST_BUCKETS];
    double total;
    double max;
} sim_hist;

void sim_hist_add(sim_hist *h, double value, double weight);
/* q in [0, 1]; 0 when empty. Returns the bucket's midpoint (the max for the top one). */
double sim_hist_quantile(const sim_hist *h, double q);
void sim_hist_merge(sim_hist *into, const sim_hist *from);

typedef enum {
    SIM_CHANGE_INTRA = 0,       /* same operator, same country */
    SIM_CHANGE_INTER_OPERATOR,  /* another operator in the same country */
    SIM_CHANGE_CROSS_BORDER,    /* a cell in another country */
    SIM_CHANGE_KINDS
} sim_change_kind;

extern const char *const sim_change_kind_names[SIM_CHANGE_KINDS]; /* "intra-operator", ... */

typedef struct {
    uint64_t vehicles, vehicles_peak, sessions, sessions_peak;
    double requests, requests_ok;               /* weighted by rate x time */
    double requests_no_coverage, requests_no_node;
    uint64_t attaches, detaches, rlf;
    uint64_t changes[SIM_CHANGE_KINDS];
    uint64_t sessions_out;                      /* left the budget at least once */
    uint64_t episodes;                          /* out-of-budget episodes */
    double out_s_total, out_s_max;
    sim_hist episode_ms;
    uint64_t decisions, placed, kept, migrations, migrations_operator, migrations_border;
    uint64_t place_failed;
    uint64_t rejected[CORRIDOR_REJ_COUNT];      /* node rejections in failed decisions */
    uint64_t node_failures_replaced;            /* sessions moved off a node that failed */
    sim_hist latency_us;                        /* per request, whole run */
    sim_hist gpu_util_pm;                       /* node GPU utilisation samples, per mille */
    uint64_t events, vehicle_updates, radio_measurements, reports, registrations;
    uint64_t core_transitions;
    double sim_s;
} corridor_sim_kpis;

/* One time-series window. */
typedef struct {
    double t_s;
    uint32_t vehicles, sessions, sessions_out_now;
    double requests, requests_ok;
    double lat_p50_us, lat_p95_us, lat_p99_us;
    uint64_t changes[SIM_CHANGE_KINDS];
    uint64_t migrations, place_failed;
    double gpu_util_mean, gpu_util_max;
    uint32_t nodes_alive;
} sim_sample;

typedef struct {
    double wall_s;
    double events_per_s, updates_per_s;
    double realtime_factor;     /* simulated seconds per wall second */
} corridor_sim_perf;

#endif
