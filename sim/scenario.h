/*
 * Scenarios: the YAML file as loaded (corridor_scenario_file, fixed arrays filled by the
 * common config loader, so every error names file:line:column) and the model the simulator
 * runs (corridor_scenario, heap arrays, with cell chains expanded and the `generate:` block's
 * cells and nodes added). The schema is documented in docs/simulator.md.
 */
#ifndef CORRIDOR_SIM_SCENARIO_H
#define CORRIDOR_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "geo.h"
#include "ids.h"
#include "tier.h"

#define SIM_MAX_COUNTRIES 16
#define SIM_MAX_BORDER 128
#define SIM_MAX_OPERATORS 32        /* operator masks are 64-bit */
#define SIM_MAX_CELLS_FILE 4096     /* listed one by one; more come from chains or generate */
#define SIM_MAX_CHAINS 64
#define SIM_MAX_NODES_FILE 512
#define SIM_MAX_ROADS 32
#define SIM_MAX_ROAD_POINTS 256
#define SIM_MAX_FLOWS 64
#define SIM_MAX_GROUPS 16
#define SIM_MAX_WORKLOADS 16
#define SIM_MAX_ROAMING 128
#define SIM_MAX_SOVEREIGNTY 32
#define SIM_MAX_FAILURES 128
#define SIM_MAX_SOV_COUNTRIES 32

typedef struct {
    double lat, lon;
} sim_point_cfg;

typedef struct {
    double south, west, north, east;
} sim_bbox_cfg;

typedef struct {
    double mean, sd, min, max;
} sim_speed_cfg;

typedef struct {
    char code[CORRIDOR_COUNTRY_LEN + 1];
    sim_point_cfg border[SIM_MAX_BORDER];
    size_t n_border;
} sim_country_cfg;

typedef struct {
    char plmn[CORRIDOR_PLMN_MAX + 1];
    char name[CORRIDOR_ID_MAX + 1];
    char country[CORRIDOR_COUNTRY_LEN + 1];
} sim_operator_cfg;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    char op[CORRIDOR_PLMN_MAX + 1];
    double lat, lon, radius_km, radio_us;
} sim_cell_cfg;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];   /* cells are named <id>-<n> */
    char road[CORRIDOR_ID_MAX + 1];
    char op[CORRIDOR_PLMN_MAX + 1];
    double from_km, to_km, spacing_km, radius_km, offset_km, radio_us;
} sim_chain_cfg;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    char op[CORRIDOR_PLMN_MAX + 1];
    int tier;
    double lat, lon;
    uint32_t cpu_cores, memory_gb, gpus, gpu_memory_gb;
} sim_node_cfg;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    sim_point_cfg points[SIM_MAX_ROAD_POINTS];
    size_t n_points;
} sim_road_cfg;

typedef enum { SIM_DIR_FORWARD = 0, SIM_DIR_REVERSE = 1 } sim_direction;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    char road[CORRIDOR_ID_MAX + 1];
    int direction;
    double rate_per_hour;
    sim_speed_cfg speed_kmh;
    char op[CORRIDOR_PLMN_MAX + 1];     /* the vehicles' home operator */
    char workload[CORRIDOR_ID_MAX + 1]; /* "" = no sessions */
    double start_s, end_s;              /* end_s 0 = the whole run */
    bool prefill;                       /* start with the road already in steady state */
} sim_flow_cfg;

typedef enum { SIM_MODEL_RANDOM_WAYPOINT = 0, SIM_MODEL_MANHATTAN, SIM_MODEL_SUMO } sim_group_model;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    int model;
    uint32_t vehicles;
    sim_bbox_cfg area;
    sim_speed_cfg speed_kmh;
    double pause_s, block_m;
    char op[CORRIDOR_PLMN_MAX + 1];
    char workload[CORRIDOR_ID_MAX + 1];
    char trace[256];                    /* SUMO --fcd-output file, relative to the scenario */
    bool geo;                           /* trace x/y are lon/lat (sumo --fcd-output.geo) */
    sim_point_cfg origin;               /* else: where the trace's x=0,y=0 (metres) lies */
} sim_group_cfg;

typedef struct {
    char name[CORRIDOR_ID_MAX + 1];
    char tenant[CORRIDOR_ID_MAX + 1];
    double latency_budget_ms;           /* one way */
    uint32_t cpu_millicores, memory_mb;
    double state_mb;                    /* session state moved on a migration */
    double gpu_ms;                      /* GPU service time per request */
    double request_rate_hz;
    double share;                       /* fraction of vehicles that run it */
} sim_workload_cfg;

typedef struct {
    char home[CORRIDOR_PLMN_MAX + 1];
    char visited[CORRIDOR_PLMN_MAX + 1];
    bool edge;                          /* home sessions may run on visited's edge nodes */
} sim_roaming_cfg;

typedef struct {
    char tenant[CORRIDOR_ID_MAX + 1];
    char countries[SIM_MAX_SOV_COUNTRIES][CORRIDOR_COUNTRY_LEN + 1];
    size_t n_countries;
} sim_sovereignty_cfg;

typedef enum { SIM_FAIL_NODE_DOWN = 0, SIM_FAIL_NODE_UP, SIM_FAIL_LINK_DOWN,
               SIM_FAIL_LINK_UP } sim_failure_action;

typedef struct {
    double at_s;
    int action;
    char node[CORRIDOR_ID_MAX + 1];     /* node-down / node-up */
    char a[CORRIDOR_PLMN_MAX + 1];      /* link-down / link-up: the interconnect a <-> b */
    char b[CORRIDOR_PLMN_MAX + 1];
} sim_failure_cfg;

typedef struct {
    uint32_t cells, nodes;
    sim_bbox_cfg area;
    double cell_radius_km;
    uint64_t seed;
} sim_generate_cfg;

typedef struct {
    double hysteresis_db, time_to_trigger_ms, pathloss_exponent, home_bias_db;
    double radio_us;                    /* default one-way radio latency of a cell */
} sim_radio_cfg;

typedef struct {
    double fibre_us_per_km, route_factor, hop_us, interconnect_us, transfer_mbps;
    uint32_t hops, interconnect_hops;
    double site_us[CORRIDOR_TIER_COUNT];
    size_t n_site_us;
} sim_latency_cfg;

typedef struct {
    char name[CORRIDOR_ID_MAX + 1];
    char region[CORRIDOR_ID_MAX + 1];
    double duration_s, sample_s;
    uint64_t seed;
    uint32_t tick_ms, report_interval_ms, heartbeat_timeout_ms;
    sim_radio_cfg radio;
    sim_latency_cfg latency;
    sim_generate_cfg generate;
    sim_country_cfg countries[SIM_MAX_COUNTRIES];
    size_t n_countries;
    sim_operator_cfg operators[SIM_MAX_OPERATORS];
    size_t n_operators;
    sim_cell_cfg cells[SIM_MAX_CELLS_FILE];
    size_t n_cells;
    sim_chain_cfg cell_chains[SIM_MAX_CHAINS];
    size_t n_cell_chains;
    sim_node_cfg nodes[SIM_MAX_NODES_FILE];
    size_t n_nodes;
    sim_road_cfg roads[SIM_MAX_ROADS];
    size_t n_roads;
    sim_flow_cfg flows[SIM_MAX_FLOWS];
    size_t n_flows;
    sim_group_cfg groups[SIM_MAX_GROUPS];
    size_t n_groups;
    sim_workload_cfg workloads[SIM_MAX_WORKLOADS];
    size_t n_workloads;
    sim_roaming_cfg roaming[SIM_MAX_ROAMING];
    size_t n_roaming;
    sim_sovereignty_cfg sovereignty[SIM_MAX_SOVEREIGNTY];
    size_t n_sovereignty;
    sim_failure_cfg failures[SIM_MAX_FAILURES];
    size_t n_failures;
} corridor_scenario_file;

/* ---- the model ---- */

typedef struct {
    char code[CORRIDOR_COUNTRY_LEN + 1];
    double *lat, *lon;
    size_t n;
} sim_country;

typedef struct {
    char plmn[CORRIDOR_PLMN_MAX + 1];
    char name[CORRIDOR_ID_MAX + 1];
    int country;                        /* index, -1 none */
    uint64_t attach_mask;               /* operators whose cells its vehicles may use */
    uint64_t edge_mask;                 /* operators whose nodes may serve its sessions */
} sim_operator;

/* Hot fields only (the radio scan reads these for every candidate every tick). */
typedef struct {
    float x, y;                         /* km in the scenario's projection */
    float inv_r2;                       /* 1 / radius^2 */
    uint16_t op;
    int16_t country;
} sim_cell;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    double lat, lon, radius_km, radio_us;
} sim_cell_info;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    uint16_t op;
    int16_t country;
    corridor_tier tier;
    double lat, lon, x, y;
    uint32_t cpu_cores, memory_gb, gpus, gpu_memory_gb;
} sim_node;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    double *x, *y, *s;                  /* points (km) and distance along the road to each */
    double *lat, *lon;
    size_t n;
    double length_km;
} sim_road;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    uint32_t road;
    sim_direction direction;
    double rate_per_hour;
    sim_speed_cfg speed_kmh;
    uint16_t op;
    int workload;                       /* -1 none */
    double start_s, end_s;
    bool prefill;
} sim_flow;

typedef struct {
    sim_group_cfg cfg;
    uint16_t op;
    int workload;
    char trace_path[512];               /* resolved against the scenario's directory */
} sim_group;

typedef struct {
    sim_workload_cfg cfg;
    char countries[SIM_MAX_SOV_COUNTRIES][CORRIDOR_COUNTRY_LEN + 1]; /* sovereignty; none=any */
    size_t n_countries;
    uint64_t country_mask;              /* over scenario country indices; 0 = any */
    bool restricted;
} sim_workload;

typedef struct {
    double at_s;
    sim_failure_action action;
    int node;                           /* index, node actions */
    uint16_t a, b;                      /* operator indices, link actions */
} sim_failure;

typedef struct {
    char name[CORRIDOR_ID_MAX + 1];
    char region[CORRIDOR_ID_MAX + 1];
    char path[512];
    double duration_s, sample_s;
    uint64_t seed;
    uint32_t tick_ms, report_interval_ms, heartbeat_timeout_ms;
    sim_radio_cfg radio;
    sim_latency_cfg latency;
    corridor_proj proj;
    double bbox[4];                     /* south, west, north, east over everything placed */

    sim_country *countries;   size_t n_countries;
    sim_operator *operators;  size_t n_operators;
    sim_cell *cells;          sim_cell_info *cell_info; size_t n_cells;
    sim_node *nodes;          size_t n_nodes;
    sim_road *roads;          size_t n_roads;
    sim_flow *flows;          size_t n_flows;
    sim_group *groups;        size_t n_groups;
    sim_workload *workloads;  size_t n_workloads;
    sim_failure *failures;    size_t n_failures;
} corridor_scenario;

/* Load and validate a scenario file. 0 or -errno with *err (file:line:column: path: message). */
int corridor_scenario_load_file(const char *path, corridor_scenario_file *out,
                                corridor_cfg_error *err);
int corridor_scenario_load_string(const char *name, const char *text,
                                  corridor_scenario_file *out, corridor_cfg_error *err);

/* Build the model (expanding chains, generating). 0 or -errno with a message. */
int corridor_scenario_build(const corridor_scenario_file *f, const char *path,
                            corridor_scenario *s, char *err, size_t errlen);
void corridor_scenario_fini(corridor_scenario *s);

/* Both steps; *s is valid on success only. */
int corridor_scenario_open(const char *path, corridor_scenario *s, char *err, size_t errlen);

int corridor_scenario_operator(const corridor_scenario *s, const char *plmn); /* index or -1 */
int corridor_scenario_country(const corridor_scenario *s, const char *code);  /* index or -1 */
/* Country index containing the point (by border polygon), or -1. */
int corridor_scenario_locate(const corridor_scenario *s, double lat, double lon);

/* The point at distance s (km, clamped) along a road; *seg is a search hint in and out (the
 * segment index, 0 to start), so walking forward costs O(1) per call. Also the unit heading
 * (hx may be NULL). */
void corridor_road_at(const sim_road *r, double s, size_t *seg, double *x, double *y,
                      double *hx, double *hy);

/* The schema, for docs and tests. */
extern const corridor_cfg_field corridor_scenario_schema[];

#endif
