/*
 * The scenario schema for the common config loader, and the cross-reference checks that
 * run after it (every operator, road, workload and node named must exist). Keep in step with
 * docs/simulator.md.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define F(T, m) .offset = offsetof(T, m), .size = sizeof(((T *)0)->m)
#define LISTOF(T, m, cnt, subschema) .type = CORRIDOR_CFG_LIST, .offset = offsetof(T, m), \
    .size = sizeof(((T *)0)->m[0]), .count_offset = offsetof(T, cnt), \
    .max_count = sizeof(((T *)0)->m) / sizeof(((T *)0)->m[0]), .sub = subschema

_Static_assert(sizeof(corridor_tier) == sizeof(int), "tiers are stored as int");

static const char *const direction_names[] = {"forward", "reverse", NULL};
static const char *const model_names[] = {"random-waypoint", "manhattan", "sumo", NULL};
static const char *const action_names[] = {"node-down", "node-up", "link-down", "link-up", NULL};

static const corridor_cfg_field point_schema[] = {
    {.name = "lat", .type = CORRIDOR_CFG_DOUBLE, F(sim_point_cfg, lat), .required = true,
     .min = -90, .max = 90},
    {.name = "lon", .type = CORRIDOR_CFG_DOUBLE, F(sim_point_cfg, lon), .required = true,
     .min = -180, .max = 180},
    {.name = NULL},
};

#define BBOX(NAME, T, m) \
static const corridor_cfg_field NAME[] = { \
    {.name = "south", .type = CORRIDOR_CFG_DOUBLE, .offset = offsetof(T, m.south), \
     .size = sizeof(double), .def = "0", .min = -90, .max = 90}, \
    {.name = "west", .type = CORRIDOR_CFG_DOUBLE, .offset = offsetof(T, m.west), \
     .size = sizeof(double), .def = "0", .min = -180, .max = 180}, \
    {.name = "north", .type = CORRIDOR_CFG_DOUBLE, .offset = offsetof(T, m.north), \
     .size = sizeof(double), .def = "0", .min = -90, .max = 90}, \
    {.name = "east", .type = CORRIDOR_CFG_DOUBLE, .offset = offsetof(T, m.east), \
     .size = sizeof(double), .def = "0", .min = -180, .max = 180}, \
    {.name = NULL}, \
}

#define SPEED(T, m) \
static const corridor_cfg_field T##_##m##_speed[] = { \
    {.name = "mean", .type = CORRIDOR_CFG_DOUBLE, .offset = offsetof(T, m.mean), \
     .size = sizeof(double), .def = "0", .min = 0, .max = 400}, \
    {.name = "sd", .type = CORRIDOR_CFG_DOUBLE, .offset = offsetof(T, m.sd), \
     .size = sizeof(double), .def = "0", .min = 0, .max = 200}, \
    {.name = "min", .type = CORRIDOR_CFG_DOUBLE, .offset = offsetof(T, m.min), \
     .size = sizeof(double), .def = "1", .min = 0.1, .max = 400}, \
    {.name = "max", .type = CORRIDOR_CFG_DOUBLE, .offset = offsetof(T, m.max), \
     .size = sizeof(double), .def = "400", .min = 0.1, .max = 400}, \
    {.name = NULL}, \
}

BBOX(group_area_schema, sim_group_cfg, area);
BBOX(generate_area_schema, corridor_scenario_file, generate.area);
SPEED(sim_flow_cfg, speed_kmh);
SPEED(sim_group_cfg, speed_kmh);

static const corridor_cfg_field origin_schema[] = {
    {.name = "lat", .type = CORRIDOR_CFG_DOUBLE, F(sim_group_cfg, origin.lat), .def = "0",
     .min = -90, .max = 90},
    {.name = "lon", .type = CORRIDOR_CFG_DOUBLE, F(sim_group_cfg, origin.lon), .def = "0",
     .min = -180, .max = 180},
    {.name = NULL},
};

static const corridor_cfg_field country_schema[] = {
    {.name = "code", .type = CORRIDOR_CFG_STRING, F(sim_country_cfg, code), .required = true,
     .check = corridor_cfg_check_country, .help = "ISO 3166-1 alpha-2"},
    {.name = "border", LISTOF(sim_country_cfg, border, n_border, point_schema), .required = true,
     .help = "polygon of {lat, lon}, closed implicitly"},
    {.name = NULL},
};

static const corridor_cfg_field operator_schema[] = {
    {.name = "plmn", .type = CORRIDOR_CFG_STRING, F(sim_operator_cfg, plmn), .required = true,
     .check = corridor_cfg_check_plmn},
    {.name = "name", .type = CORRIDOR_CFG_STRING, F(sim_operator_cfg, name), .def = "\"\""},
    {.name = "country", .type = CORRIDOR_CFG_STRING, F(sim_operator_cfg, country),
     .required = true, .check = corridor_cfg_check_country},
    {.name = NULL},
};

static const corridor_cfg_field cell_schema[] = {
    {.name = "id", .type = CORRIDOR_CFG_STRING, F(sim_cell_cfg, id), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "operator", .type = CORRIDOR_CFG_STRING, F(sim_cell_cfg, op), .required = true,
     .check = corridor_cfg_check_plmn},
    {.name = "lat", .type = CORRIDOR_CFG_DOUBLE, F(sim_cell_cfg, lat), .required = true,
     .min = -90, .max = 90},
    {.name = "lon", .type = CORRIDOR_CFG_DOUBLE, F(sim_cell_cfg, lon), .required = true,
     .min = -180, .max = 180},
    {.name = "radius_km", .type = CORRIDOR_CFG_DOUBLE, F(sim_cell_cfg, radius_km),
     .required = true, .min = 0.01, .max = 100},
    {.name = "radio_us", .type = CORRIDOR_CFG_DOUBLE, F(sim_cell_cfg, radio_us), .def = "0",
     .min = 0, .max = 100000, .help = "one-way radio latency; 0 = radio.radio_us"},
    {.name = NULL},
};

static const corridor_cfg_field chain_schema[] = {
    {.name = "id", .type = CORRIDOR_CFG_STRING, F(sim_chain_cfg, id), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "road", .type = CORRIDOR_CFG_STRING, F(sim_chain_cfg, road), .required = true},
    {.name = "operator", .type = CORRIDOR_CFG_STRING, F(sim_chain_cfg, op), .required = true,
     .check = corridor_cfg_check_plmn},
    {.name = "from_km", .type = CORRIDOR_CFG_DOUBLE, F(sim_chain_cfg, from_km), .def = "0",
     .min = 0, .max = 100000},
    {.name = "to_km", .type = CORRIDOR_CFG_DOUBLE, F(sim_chain_cfg, to_km), .def = "0",
     .min = 0, .max = 100000, .help = "0 = the end of the road"},
    {.name = "spacing_km", .type = CORRIDOR_CFG_DOUBLE, F(sim_chain_cfg, spacing_km),
     .required = true, .min = 0.05, .max = 100},
    {.name = "radius_km", .type = CORRIDOR_CFG_DOUBLE, F(sim_chain_cfg, radius_km),
     .required = true, .min = 0.01, .max = 100},
    {.name = "offset_km", .type = CORRIDOR_CFG_DOUBLE, F(sim_chain_cfg, offset_km), .def = "0",
     .min = 0, .max = 50, .help = "sites alternate this far left and right of the road"},
    {.name = "radio_us", .type = CORRIDOR_CFG_DOUBLE, F(sim_chain_cfg, radio_us), .def = "0",
     .min = 0, .max = 100000},
    {.name = NULL},
};

static const corridor_cfg_field node_schema[] = {
    {.name = "id", .type = CORRIDOR_CFG_STRING, F(sim_node_cfg, id), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "operator", .type = CORRIDOR_CFG_STRING, F(sim_node_cfg, op), .required = true,
     .check = corridor_cfg_check_plmn},
    {.name = "tier", .type = CORRIDOR_CFG_ENUM, F(sim_node_cfg, tier), .required = true,
     .enum_names = corridor_tier_names},
    {.name = "lat", .type = CORRIDOR_CFG_DOUBLE, F(sim_node_cfg, lat), .required = true,
     .min = -90, .max = 90},
    {.name = "lon", .type = CORRIDOR_CFG_DOUBLE, F(sim_node_cfg, lon), .required = true,
     .min = -180, .max = 180},
    {.name = "cpu_cores", .type = CORRIDOR_CFG_INT, F(sim_node_cfg, cpu_cores), .def = "64",
     .min = 1, .max = 100000},
    {.name = "memory_gb", .type = CORRIDOR_CFG_INT, F(sim_node_cfg, memory_gb), .def = "512",
     .min = 1, .max = 1000000},
    {.name = "gpus", .type = CORRIDOR_CFG_INT, F(sim_node_cfg, gpus), .def = "8", .min = 0,
     .max = 64},
    {.name = "gpu_memory_gb", .type = CORRIDOR_CFG_INT, F(sim_node_cfg, gpu_memory_gb),
     .def = "80", .min = 0, .max = 100000, .help = "per GPU"},
    {.name = NULL},
};

static const corridor_cfg_field road_schema[] = {
    {.name = "id", .type = CORRIDOR_CFG_STRING, F(sim_road_cfg, id), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "points", LISTOF(sim_road_cfg, points, n_points, point_schema), .required = true},
    {.name = NULL},
};

static const corridor_cfg_field flow_schema[] = {
    {.name = "id", .type = CORRIDOR_CFG_STRING, F(sim_flow_cfg, id), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "road", .type = CORRIDOR_CFG_STRING, F(sim_flow_cfg, road), .required = true},
    {.name = "direction", .type = CORRIDOR_CFG_ENUM, F(sim_flow_cfg, direction),
     .def = "forward", .enum_names = direction_names},
    {.name = "rate_per_hour", .type = CORRIDOR_CFG_DOUBLE, F(sim_flow_cfg, rate_per_hour),
     .required = true, .min = 0, .max = 10000000},
    {.name = "speed_kmh", .type = CORRIDOR_CFG_MAP, .sub = sim_flow_cfg_speed_kmh_speed,
     .required = true},
    {.name = "operator", .type = CORRIDOR_CFG_STRING, F(sim_flow_cfg, op), .required = true,
     .check = corridor_cfg_check_plmn},
    {.name = "workload", .type = CORRIDOR_CFG_STRING, F(sim_flow_cfg, workload), .def = "\"\""},
    {.name = "start_s", .type = CORRIDOR_CFG_DOUBLE, F(sim_flow_cfg, start_s), .def = "0",
     .min = 0, .max = 1e9},
    {.name = "end_s", .type = CORRIDOR_CFG_DOUBLE, F(sim_flow_cfg, end_s), .def = "0",
     .min = 0, .max = 1e9},
    {.name = "prefill", .type = CORRIDOR_CFG_BOOL, F(sim_flow_cfg, prefill), .def = "false"},
    {.name = NULL},
};

static const corridor_cfg_field group_schema[] = {
    {.name = "id", .type = CORRIDOR_CFG_STRING, F(sim_group_cfg, id), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "model", .type = CORRIDOR_CFG_ENUM, F(sim_group_cfg, model), .required = true,
     .enum_names = model_names},
    {.name = "vehicles", .type = CORRIDOR_CFG_INT, F(sim_group_cfg, vehicles), .def = "0",
     .min = 0, .max = 10000000},
    {.name = "area", .type = CORRIDOR_CFG_MAP, .sub = group_area_schema},
    {.name = "speed_kmh", .type = CORRIDOR_CFG_MAP, .sub = sim_group_cfg_speed_kmh_speed},
    {.name = "pause_s", .type = CORRIDOR_CFG_DOUBLE, F(sim_group_cfg, pause_s), .def = "0",
     .min = 0, .max = 1e6},
    {.name = "block_m", .type = CORRIDOR_CFG_DOUBLE, F(sim_group_cfg, block_m), .def = "200",
     .min = 10, .max = 10000},
    {.name = "operator", .type = CORRIDOR_CFG_STRING, F(sim_group_cfg, op), .required = true,
     .check = corridor_cfg_check_plmn},
    {.name = "workload", .type = CORRIDOR_CFG_STRING, F(sim_group_cfg, workload),
     .def = "\"\""},
    {.name = "trace", .type = CORRIDOR_CFG_STRING, F(sim_group_cfg, trace), .def = "\"\""},
    {.name = "geo", .type = CORRIDOR_CFG_BOOL, F(sim_group_cfg, geo), .def = "false"},
    {.name = "origin", .type = CORRIDOR_CFG_MAP, .sub = origin_schema},
    {.name = NULL},
};

static const corridor_cfg_field workload_schema[] = {
    {.name = "name", .type = CORRIDOR_CFG_STRING, F(sim_workload_cfg, name), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "tenant", .type = CORRIDOR_CFG_STRING, F(sim_workload_cfg, tenant),
     .required = true, .check = corridor_cfg_check_id},
    {.name = "latency_budget_ms", .type = CORRIDOR_CFG_DOUBLE,
     F(sim_workload_cfg, latency_budget_ms), .required = true, .min = 0.01, .max = 10000},
    {.name = "cpu_millicores", .type = CORRIDOR_CFG_INT, F(sim_workload_cfg, cpu_millicores),
     .def = "250", .min = 0, .max = 1000000},
    {.name = "memory_mb", .type = CORRIDOR_CFG_INT, F(sim_workload_cfg, memory_mb),
     .def = "512", .min = 0, .max = 10000000},
    {.name = "state_mb", .type = CORRIDOR_CFG_DOUBLE, F(sim_workload_cfg, state_mb),
     .def = "64", .min = 0, .max = 1e6},
    {.name = "gpu_ms", .type = CORRIDOR_CFG_DOUBLE, F(sim_workload_cfg, gpu_ms), .def = "4",
     .min = 0, .max = 10000, .help = "GPU service time per request"},
    {.name = "request_rate_hz", .type = CORRIDOR_CFG_DOUBLE,
     F(sim_workload_cfg, request_rate_hz), .def = "10", .min = 0.001, .max = 100000},
    {.name = "share", .type = CORRIDOR_CFG_DOUBLE, F(sim_workload_cfg, share), .def = "1",
     .min = 0, .max = 1, .help = "fraction of vehicles that run it"},
    {.name = NULL},
};

static const corridor_cfg_field roaming_schema[] = {
    {.name = "home", .type = CORRIDOR_CFG_STRING, F(sim_roaming_cfg, home), .required = true,
     .check = corridor_cfg_check_plmn},
    {.name = "visited", .type = CORRIDOR_CFG_STRING, F(sim_roaming_cfg, visited),
     .required = true, .check = corridor_cfg_check_plmn},
    {.name = "edge", .type = CORRIDOR_CFG_BOOL, F(sim_roaming_cfg, edge), .def = "false"},
    {.name = NULL},
};

static const corridor_cfg_field sovereignty_schema[] = {
    {.name = "tenant", .type = CORRIDOR_CFG_STRING, F(sim_sovereignty_cfg, tenant),
     .required = true, .check = corridor_cfg_check_id},
    {.name = "countries", .type = CORRIDOR_CFG_LIST,
     .offset = offsetof(sim_sovereignty_cfg, countries),
     .size = sizeof(((sim_sovereignty_cfg *)0)->countries[0]),
     .count_offset = offsetof(sim_sovereignty_cfg, n_countries),
     .max_count = SIM_MAX_SOV_COUNTRIES, .elem_type = CORRIDOR_CFG_STRING,
     .check = corridor_cfg_check_country, .required = true},
    {.name = NULL},
};

static const corridor_cfg_field failure_schema[] = {
    {.name = "at_s", .type = CORRIDOR_CFG_DOUBLE, F(sim_failure_cfg, at_s), .required = true,
     .min = 0, .max = 1e9},
    {.name = "action", .type = CORRIDOR_CFG_ENUM, F(sim_failure_cfg, action), .required = true,
     .enum_names = action_names},
    {.name = "node", .type = CORRIDOR_CFG_STRING, F(sim_failure_cfg, node), .def = "\"\""},
    {.name = "a", .type = CORRIDOR_CFG_STRING, F(sim_failure_cfg, a), .def = "\"\""},
    {.name = "b", .type = CORRIDOR_CFG_STRING, F(sim_failure_cfg, b), .def = "\"\""},
    {.name = NULL},
};

#define S corridor_scenario_file
static const corridor_cfg_field radio_schema[] = {
    {.name = "hysteresis_db", .type = CORRIDOR_CFG_DOUBLE, F(S, radio.hysteresis_db),
     .def = "3", .min = 0, .max = 30},
    {.name = "time_to_trigger_ms", .type = CORRIDOR_CFG_DOUBLE, F(S, radio.time_to_trigger_ms),
     .def = "320", .min = 0, .max = 60000},
    {.name = "pathloss_exponent", .type = CORRIDOR_CFG_DOUBLE, F(S, radio.pathloss_exponent),
     .def = "3.5", .min = 1, .max = 8},
    {.name = "home_bias_db", .type = CORRIDOR_CFG_DOUBLE, F(S, radio.home_bias_db), .def = "3",
     .min = 0, .max = 30},
    {.name = "radio_us", .type = CORRIDOR_CFG_DOUBLE, F(S, radio.radio_us), .def = "1000",
     .min = 0, .max = 100000},
    {.name = NULL},
};

static const corridor_cfg_field latency_schema[] = {
    {.name = "fibre_us_per_km", .type = CORRIDOR_CFG_DOUBLE, F(S, latency.fibre_us_per_km),
     .def = "5", .min = 0, .max = 100},
    {.name = "route_factor", .type = CORRIDOR_CFG_DOUBLE, F(S, latency.route_factor),
     .def = "1.3", .min = 1, .max = 10},
    {.name = "hop_us", .type = CORRIDOR_CFG_DOUBLE, F(S, latency.hop_us), .def = "50",
     .min = 0, .max = 100000},
    {.name = "hops", .type = CORRIDOR_CFG_INT, F(S, latency.hops), .def = "3", .min = 0,
     .max = 100},
    {.name = "interconnect_hops", .type = CORRIDOR_CFG_INT, F(S, latency.interconnect_hops),
     .def = "2", .min = 0, .max = 100},
    {.name = "interconnect_us", .type = CORRIDOR_CFG_DOUBLE, F(S, latency.interconnect_us),
     .def = "500", .min = 0, .max = 1000000},
    {.name = "transfer_mbps", .type = CORRIDOR_CFG_DOUBLE, F(S, latency.transfer_mbps),
     .def = "1000", .min = 1, .max = 1e7},
    {.name = "site_us", .type = CORRIDOR_CFG_LIST, .offset = offsetof(S, latency.site_us),
     .size = sizeof(double), .count_offset = offsetof(S, latency.n_site_us),
     .max_count = CORRIDOR_TIER_COUNT, .elem_type = CORRIDOR_CFG_DOUBLE,
     .def = "[50, 100, 200, 300, 500]", .help = "inside the site, per tier"},
    {.name = NULL},
};

static const corridor_cfg_field generate_schema[] = {
    {.name = "cells", .type = CORRIDOR_CFG_INT, F(S, generate.cells), .def = "0", .min = 0,
     .max = 1000000},
    {.name = "nodes", .type = CORRIDOR_CFG_INT, F(S, generate.nodes), .def = "0", .min = 0,
     .max = 100000},
    {.name = "area", .type = CORRIDOR_CFG_MAP, .sub = generate_area_schema},
    {.name = "cell_radius_km", .type = CORRIDOR_CFG_DOUBLE, F(S, generate.cell_radius_km),
     .def = "2", .min = 0.01, .max = 100},
    {.name = "seed", .type = CORRIDOR_CFG_INT, F(S, generate.seed), .def = "1"},
    {.name = NULL},
};

const corridor_cfg_field corridor_scenario_schema[] = {
    {.name = "name", .type = CORRIDOR_CFG_STRING, F(S, name), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "region", .type = CORRIDOR_CFG_STRING, F(S, region), .def = "sim",
     .check = corridor_cfg_check_id},
    {.name = "duration_s", .type = CORRIDOR_CFG_DOUBLE, F(S, duration_s), .def = "3600",
     .min = 0.001, .max = 1e8},
    {.name = "sample_s", .type = CORRIDOR_CFG_DOUBLE, F(S, sample_s), .def = "60",
     .min = 0.1, .max = 1e6, .help = "time-series window"},
    {.name = "seed", .type = CORRIDOR_CFG_INT, F(S, seed), .def = "1"},
    {.name = "tick_ms", .type = CORRIDOR_CFG_INT, F(S, tick_ms), .def = "100", .min = 1,
     .max = 60000, .help = "mobility and radio tick"},
    {.name = "report_interval_ms", .type = CORRIDOR_CFG_INT, F(S, report_interval_ms),
     .def = "1000", .min = 10, .max = 3600000},
    {.name = "heartbeat_timeout_ms", .type = CORRIDOR_CFG_INT, F(S, heartbeat_timeout_ms),
     .def = "5000", .min = 20, .max = 36000000},
    {.name = "radio", .type = CORRIDOR_CFG_MAP, .sub = radio_schema},
    {.name = "latency", .type = CORRIDOR_CFG_MAP, .sub = latency_schema},
    {.name = "generate", .type = CORRIDOR_CFG_MAP, .sub = generate_schema},
    {.name = "countries", LISTOF(S, countries, n_countries, country_schema)},
    {.name = "operators", LISTOF(S, operators, n_operators, operator_schema), .required = true},
    {.name = "cells", LISTOF(S, cells, n_cells, cell_schema)},
    {.name = "cell_chains", LISTOF(S, cell_chains, n_cell_chains, chain_schema)},
    {.name = "nodes", LISTOF(S, nodes, n_nodes, node_schema)},
    {.name = "roads", LISTOF(S, roads, n_roads, road_schema)},
    {.name = "flows", LISTOF(S, flows, n_flows, flow_schema)},
    {.name = "groups", LISTOF(S, groups, n_groups, group_schema)},
    {.name = "workloads", LISTOF(S, workloads, n_workloads, workload_schema)},
    {.name = "roaming", LISTOF(S, roaming, n_roaming, roaming_schema)},
    {.name = "sovereignty", LISTOF(S, sovereignty, n_sovereignty, sovereignty_schema)},
    {.name = "failures", LISTOF(S, failures, n_failures, failure_schema)},
    {.name = NULL},
};

/* ---- cross-references ---- */

static int find_op(const S *f, const char *plmn)
{
    for (size_t i = 0; i < f->n_operators; i++)
        if (strcmp(f->operators[i].plmn, plmn) == 0)
            return (int)i;
    return -1;
}

static int find_road(const S *f, const char *id)
{
    for (size_t i = 0; i < f->n_roads; i++)
        if (strcmp(f->roads[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int find_workload(const S *f, const char *name)
{
    for (size_t i = 0; i < f->n_workloads; i++)
        if (strcmp(f->workloads[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find_node(const S *f, const char *id)
{
    for (size_t i = 0; i < f->n_nodes; i++)
        if (strcmp(f->nodes[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int need_op(const S *f, struct corridor_cfg_ctx *ctx, const char *path, const char *plmn)
{
    if (find_op(f, plmn) >= 0)
        return 0;
    return corridor_cfg_fail(ctx, path, "unknown operator '%s' (not in operators:)", plmn);
}

static int check_speed(struct corridor_cfg_ctx *ctx, const char *path, const sim_speed_cfg *sp)
{
    if (sp->min > sp->max)
        return corridor_cfg_fail(ctx, path, "min (%g) is above max (%g)", sp->min, sp->max);
    return 0;
}

static int check_bbox(struct corridor_cfg_ctx *ctx, const char *path, const sim_bbox_cfg *b)
{
    if (b->south >= b->north || b->west >= b->east)
        return corridor_cfg_fail(ctx, path, "empty area: south < north and west < east needed");
    return 0;
}

static int post(void *out, struct corridor_cfg_ctx *ctx)
{
    S *f = out;
    char p[128];
    if (f->n_operators > SIM_MAX_OPERATORS)
        return corridor_cfg_fail(ctx, "operators", "at most %d operators", SIM_MAX_OPERATORS);
    for (size_t i = 0; i < f->n_countries; i++) {
        snprintf(p, sizeof p, "countries[%zu].border", i);
        if (f->countries[i].n_border < 3)
            return corridor_cfg_fail(ctx, p, "a border needs at least 3 points");
        for (size_t k = 0; k < i; k++)
            if (strcmp(f->countries[k].code, f->countries[i].code) == 0) {
                snprintf(p, sizeof p, "countries[%zu].code", i);
                return corridor_cfg_fail(ctx, p, "country '%s' listed twice",
                                         f->countries[i].code);
            }
    }
    for (size_t i = 0; i < f->n_operators; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(f->operators[k].plmn, f->operators[i].plmn) == 0) {
                snprintf(p, sizeof p, "operators[%zu].plmn", i);
                return corridor_cfg_fail(ctx, p, "operator '%s' listed twice",
                                         f->operators[i].plmn);
            }
    for (size_t i = 0; i < f->n_cells; i++) {
        snprintf(p, sizeof p, "cells[%zu].operator", i);
        if (need_op(f, ctx, p, f->cells[i].op))
            return -EINVAL;
    }
    for (size_t i = 0; i < f->n_roads; i++) {
        snprintf(p, sizeof p, "roads[%zu].points", i);
        if (f->roads[i].n_points < 2)
            return corridor_cfg_fail(ctx, p, "a road needs at least 2 points");
        for (size_t k = 0; k < i; k++)
            if (strcmp(f->roads[k].id, f->roads[i].id) == 0) {
                snprintf(p, sizeof p, "roads[%zu].id", i);
                return corridor_cfg_fail(ctx, p, "road '%s' listed twice", f->roads[i].id);
            }
    }
    for (size_t i = 0; i < f->n_cell_chains; i++) {
        const sim_chain_cfg *c = &f->cell_chains[i];
        snprintf(p, sizeof p, "cell_chains[%zu].operator", i);
        if (need_op(f, ctx, p, c->op))
            return -EINVAL;
        snprintf(p, sizeof p, "cell_chains[%zu].road", i);
        if (find_road(f, c->road) < 0)
            return corridor_cfg_fail(ctx, p, "unknown road '%s'", c->road);
        snprintf(p, sizeof p, "cell_chains[%zu].to_km", i);
        if (c->to_km && c->to_km < c->from_km)
            return corridor_cfg_fail(ctx, p, "to_km (%g) is before from_km (%g)", c->to_km,
                                     c->from_km);
    }
    for (size_t i = 0; i < f->n_nodes; i++) {
        snprintf(p, sizeof p, "nodes[%zu].operator", i);
        if (need_op(f, ctx, p, f->nodes[i].op))
            return -EINVAL;
        for (size_t k = 0; k < i; k++)
            if (strcmp(f->nodes[k].id, f->nodes[i].id) == 0) {
                snprintf(p, sizeof p, "nodes[%zu].id", i);
                return corridor_cfg_fail(ctx, p, "node '%s' listed twice", f->nodes[i].id);
            }
    }
    for (size_t i = 0; i < f->n_flows; i++) {
        const sim_flow_cfg *fl = &f->flows[i];
        snprintf(p, sizeof p, "flows[%zu].road", i);
        if (find_road(f, fl->road) < 0)
            return corridor_cfg_fail(ctx, p, "unknown road '%s'", fl->road);
        snprintf(p, sizeof p, "flows[%zu].operator", i);
        if (need_op(f, ctx, p, fl->op))
            return -EINVAL;
        snprintf(p, sizeof p, "flows[%zu].workload", i);
        if (fl->workload[0] && find_workload(f, fl->workload) < 0)
            return corridor_cfg_fail(ctx, p, "unknown workload '%s'", fl->workload);
        snprintf(p, sizeof p, "flows[%zu].speed_kmh.mean", i);
        if (fl->speed_kmh.mean <= 0)
            return corridor_cfg_fail(ctx, p, "a flow needs a mean speed above 0");
        if (check_speed(ctx, p, &fl->speed_kmh))
            return -EINVAL;
        snprintf(p, sizeof p, "flows[%zu].end_s", i);
        if (fl->end_s && fl->end_s <= fl->start_s)
            return corridor_cfg_fail(ctx, p, "end_s must be after start_s");
    }
    for (size_t i = 0; i < f->n_groups; i++) {
        const sim_group_cfg *g = &f->groups[i];
        snprintf(p, sizeof p, "groups[%zu].operator", i);
        if (need_op(f, ctx, p, g->op))
            return -EINVAL;
        snprintf(p, sizeof p, "groups[%zu].workload", i);
        if (g->workload[0] && find_workload(f, g->workload) < 0)
            return corridor_cfg_fail(ctx, p, "unknown workload '%s'", g->workload);
        if (g->model == SIM_MODEL_SUMO) {
            snprintf(p, sizeof p, "groups[%zu].trace", i);
            if (!g->trace[0])
                return corridor_cfg_fail(ctx, p, "a sumo group needs a trace file");
        } else {
            snprintf(p, sizeof p, "groups[%zu].area", i);
            if (check_bbox(ctx, p, &g->area))
                return -EINVAL;
            snprintf(p, sizeof p, "groups[%zu].speed_kmh", i);
            if (g->speed_kmh.mean <= 0)
                return corridor_cfg_fail(ctx, p, "speed_kmh is required for this model");
            if (check_speed(ctx, p, &g->speed_kmh))
                return -EINVAL;
        }
    }
    for (size_t i = 0; i < f->n_workloads; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(f->workloads[k].name, f->workloads[i].name) == 0) {
                snprintf(p, sizeof p, "workloads[%zu].name", i);
                return corridor_cfg_fail(ctx, p, "workload '%s' listed twice",
                                         f->workloads[i].name);
            }
    for (size_t i = 0; i < f->n_roaming; i++) {
        snprintf(p, sizeof p, "roaming[%zu].home", i);
        if (need_op(f, ctx, p, f->roaming[i].home))
            return -EINVAL;
        snprintf(p, sizeof p, "roaming[%zu].visited", i);
        if (need_op(f, ctx, p, f->roaming[i].visited))
            return -EINVAL;
    }
    for (size_t i = 0; i < f->n_failures; i++) {
        const sim_failure_cfg *fa = &f->failures[i];
        if (fa->action == SIM_FAIL_NODE_DOWN || fa->action == SIM_FAIL_NODE_UP) {
            snprintf(p, sizeof p, "failures[%zu].node", i);
            if (find_node(f, fa->node) < 0)
                return corridor_cfg_fail(ctx, p, "unknown node '%s' (node failures name a "
                                         "node listed under nodes:)", fa->node);
        } else {
            snprintf(p, sizeof p, "failures[%zu].a", i);
            if (need_op(f, ctx, p, fa->a))
                return -EINVAL;
            snprintf(p, sizeof p, "failures[%zu].b", i);
            if (need_op(f, ctx, p, fa->b))
                return -EINVAL;
        }
    }
    if (f->generate.cells || f->generate.nodes)
        if (check_bbox(ctx, "generate.area", &f->generate.area))
            return -EINVAL;
    if (f->latency.n_site_us != CORRIDOR_TIER_COUNT)
        return corridor_cfg_fail(ctx, "latency.site_us", "needs one value per tier (%d)",
                                 CORRIDOR_TIER_COUNT);
    return 0;
}

int corridor_scenario_load_file(const char *path, S *out, corridor_cfg_error *err)
{
    return corridor_cfg_load_file(path, corridor_scenario_schema, post, out, err);
}

int corridor_scenario_load_string(const char *name, const char *text, S *out,
                                  corridor_cfg_error *err)
{
    return corridor_cfg_load_string(name, text, strlen(text), corridor_scenario_schema, post,
                                    out, err);
}
