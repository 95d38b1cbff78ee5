/* The simulation's state, shared by the files of sim/ (not by anything outside). */
#ifndef CORRIDOR_SIM_INTERNAL_H
#define CORRIDOR_SIM_INTERNAL_H

#include <stdio.h>

#include "core.h"
#include "engine.h"
#include "fcd.h"
#include "hashmap.h"
#include "radio.h"
#include "rng.h"
#include "sim.h"

enum {
    EV_TICK = 1,            /* mobility, radio and request accounting for every vehicle */
    EV_FLOW,                /* a vehicle enters a road (target: flow) */
    EV_SUMO,                /* the next timestep of a trace (target: group) */
    EV_REGISTER,            /* a node's agent registers (target: node) */
    EV_REPORT,              /* a node's agent reports (target: node) */
    EV_CORE_TICK,           /* the core's liveness and reservation timers */
    EV_FAILURE,             /* target: failure index */
    EV_MIGRATED,            /* a session's state transfer finished (target: vehicle) */
    EV_SAMPLE,              /* close a time-series window */
    EV_END,
};

typedef enum { VM_ROAD = 0, VM_WAYPOINT, VM_MANHATTAN, VM_TRACE } sim_vehicle_model;

typedef struct {
    /* mobility */
    float x, y;                 /* km */
    float vx, vy;               /* km/s (waypoint and manhattan legs) */
    double s;                   /* km along the road (road model) */
    float speed;                /* km/s */
    float leg_left_s;           /* waypoint/manhattan: seconds left on this leg or pause */
    size_t seg;                 /* road segment hint */
    uint16_t road, group;
    uint8_t model, dir, pausing, alive;
    uint16_t home_op;
    uint32_t serial;            /* vehicle number over the run: names its session */
    /* radio */
    sim_radio_state radio;
    /* session */
    int16_t workload;           /* -1: no session */
    int32_t node;               /* serving node, -1 none */
    int32_t next_node;          /* migrating to, -1 none */
    uint32_t gen;               /* last instance generation used: "v<serial>-<gen>" */
    uint32_t cur_gen, next_gen; /* the instances on node and next_node */
    uint32_t active_pos;        /* index in sim->active */
    int32_t gx, gy;             /* manhattan: the intersection the leg started from */
    float path_us;              /* path latency to node from the serving cell */
    float radio_skip_km;        /* distance left before the radio must be measured again */
    uint8_t out;                /* currently out of budget */
    uint8_t ever_out;
    uint64_t out_since_us;
    uint64_t retry_at_us;
    uint64_t seen_step;         /* trace model: the last timestep it appeared in */
} sim_vehicle;

typedef struct {
    bool up;                    /* the agent runs (failures switch it) */
    bool registered;
    bool core_alive;            /* as the core sees it */
    bool replace_pending;       /* the core declared it not alive: move its sessions */
    corridor_sim_handle report_ev; /* the next report, cancelled when the node goes down */
    uint32_t sessions;
    double lambda;              /* requests per second */
    double work;                /* sum of rate x service seconds: offered load in GPUs */
    uint64_t cpu_m, mem_mb;
    double state_mb;
    double wait_us;             /* queueing now (Erlang C) */
    double util;                /* GPU utilisation now, 0..1 */
    double util_acc;            /* window sums for the per-node series */
    uint32_t util_n;
} sim_node_rt;

typedef struct corridor_live corridor_live;

struct corridor_sim {
    const corridor_scenario *s;
    corridor_sim_options opt;
    uint64_t seed;
    uint64_t end_us, tick_us;
    corridor_engine *eng;
    corridor_core *core;
    corridor_radio radio;

    sim_vehicle *veh;
    size_t n_veh, cap_veh;
    uint32_t *free_veh;
    size_t n_free_veh;
    uint32_t *active;           /* indices of live vehicles, in a stable order */
    size_t n_active;
    uint32_t next_serial;
    uint32_t sessions_now;

    corridor_rng *flow_rng;     /* one per flow */
    corridor_rng *group_rng;
    corridor_rng *veh_rng;      /* one per vehicle slot, reseeded from the serial */
    char (*trace_id)[CORRIDOR_FCD_ID_MAX + 1]; /* per vehicle slot, trace model only */
    corridor_fcd **traces;      /* per group (sumo) */
    corridor_hashmap **trace_ids; /* per group: trace vehicle id -> slot + 1 */
    uint64_t *trace_step;

    sim_node_rt *nodes;
    uint8_t *links;             /* n_ops x n_ops: 1 = interconnect down */
    corridor_hashmap *node_ids; /* node id -> index + 1 */

    corridor_sim_kpis k;
    corridor_sim_perf perf;
    /* the current time-series window */
    sim_hist win_lat;
    double win_req, win_ok;
    uint64_t win_changes[SIM_CHANGE_KINDS], win_migr, win_fail;
    sim_sample *samples;
    size_t n_samples, cap_samples;
    float *node_util;           /* n_samples x n_nodes */
    /* cell-change points for the map */
    float *chg_x, *chg_y;
    uint8_t *chg_kind;
    size_t n_chg, cap_chg;

    FILE *events;
    int events_err;
    corridor_live *live;
    double wall_start;
};

/* sessions.c */
void sim_session_start(corridor_sim *sim, sim_vehicle *v, uint64_t now_us);
void sim_session_end(corridor_sim *sim, sim_vehicle *v, uint64_t now_us);
void sim_session_cell_changed(corridor_sim *sim, sim_vehicle *v, uint64_t now_us);
void sim_session_sample(corridor_sim *sim, sim_vehicle *v, uint64_t now_us, double dt_s);
void sim_session_migrated(corridor_sim *sim, sim_vehicle *v, uint64_t now_us);
void sim_session_node_lost(corridor_sim *sim, uint32_t node, uint64_t now_us);

/* agents.c: the simulated agents of the edge nodes */
int sim_agents_init(corridor_sim *sim);
void sim_agent_register(corridor_sim *sim, uint32_t node, uint64_t now_us);
void sim_agent_report(corridor_sim *sim, uint32_t node, uint64_t now_us);
void sim_node_load(corridor_sim *sim, uint32_t node, int sign, const sim_workload *w);

/* mobility.c */
int sim_mobility_init(corridor_sim *sim);
void sim_mobility_fini(corridor_sim *sim);
void sim_flow_arrival(corridor_sim *sim, uint32_t flow, uint64_t now_us);
int sim_trace_step(corridor_sim *sim, uint32_t group, uint64_t now_us);
void sim_tick(corridor_sim *sim, uint64_t now_us);
sim_vehicle *sim_vehicle_spawn(corridor_sim *sim, uint16_t home_op, int workload);
void sim_vehicle_retire(corridor_sim *sim, sim_vehicle *v, uint64_t now_us);

/* the event log */
void sim_log_event(corridor_sim *sim, uint64_t now_us, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* plot.c: latency.svg, utilisation.svg, map.svg into dir */
int sim_write_plots(const corridor_sim *sim, const char *dir, char *err, size_t errlen);

/* live.c */
corridor_live *corridor_live_new(const corridor_sim *sim, const char *endpoint, char *err,
                                 size_t errlen);
void corridor_live_free(corridor_live **l);
void corridor_live_register(corridor_live *l, uint32_t node, const corridor_register *reg);
void corridor_live_report(corridor_live *l, uint32_t node, const corridor_report *rep);
/* Handle replies for up to timeout_ms (re-register nodes the orchestrator forgot). */
void corridor_live_poll(corridor_live *l, int timeout_ms);
uint64_t corridor_live_acks(const corridor_live *l);

static inline bool sim_link_down(const corridor_sim *sim, uint16_t a, uint16_t b)
{
    return a != b && sim->links[(size_t)a * sim->s->n_operators + b];
}

#endif
