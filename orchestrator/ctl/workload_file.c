#include "workload_file.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_copy.h"

#define MAX_ARGS 64
#define ANCHOR_UNSET 1000.0   /* outside any latitude/longitude: "not given" */

/* The file as written; converted into a corridor_workload_spec after loading. */
typedef struct {
    char name[CORRIDOR_ID_MAX + 1];
    char tenant[CORRIDOR_ID_MAX + 1];
    char path[256];
    char args[MAX_ARGS][256];
    size_t n_args;
    char env[MAX_ARGS][256];
    size_t n_env;
    uint32_t cpu_millicores;
    uint64_t memory_mb;
    uint32_t gpus;
    uint64_t gpu_memory_mb;
    int tier;                          /* index in tier_names; "none" = no tier */
    double max_ms;
    double lat, lon;
    char region[CORRIDOR_ID_MAX + 1];
    char countries[CORRIDOR_MAX_ALLOWED][CORRIDOR_COUNTRY_LEN + 1];
    size_t n_countries;
    char operators[CORRIDOR_MAX_ALLOWED][CORRIDOR_PLMN_MAX + 1];
    size_t n_operators;
    uint32_t replicas;
    int32_t priority;
    int restart;
} wfile;

static const char *const tier_names[] = {"near-premise", "far-edge", "near-edge", "metro-edge",
                                         "cloud", "none", NULL};
static const char *const restart_names[] = {"on-failure", "always", "never", NULL};

static int check_env(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    const char *eq = strchr(s, '=');
    if (!eq || eq == s) {
        snprintf(msg, msglen, "'%.60s' is not KEY=VALUE", s);
        return -EINVAL;
    }
    return 0;
}

#define F(field) offsetof(wfile, field), sizeof(((wfile *)0)->field)

static const corridor_cfg_field command_schema[] = {
    {.name = "path", .type = CORRIDOR_CFG_STRING, F(path), .required = true,
     .help = "program the agent starts"},
    {.name = "args", .type = CORRIDOR_CFG_LIST, .offset = offsetof(wfile, args), .size = 256,
     .elem_type = CORRIDOR_CFG_STRING, .count_offset = offsetof(wfile, n_args),
     .max_count = MAX_ARGS, .help = "arguments"},
    {.name = "env", .type = CORRIDOR_CFG_LIST, .offset = offsetof(wfile, env), .size = 256,
     .elem_type = CORRIDOR_CFG_STRING, .count_offset = offsetof(wfile, n_env),
     .max_count = MAX_ARGS, .check = check_env, .help = "KEY=VALUE entries"},
    {.name = NULL},
};

static const corridor_cfg_field resources_schema[] = {
    {.name = "cpu_millicores", .type = CORRIDOR_CFG_INT, F(cpu_millicores), .def = "1000",
     .min = 0, .max = 10000000},
    {.name = "memory_mb", .type = CORRIDOR_CFG_INT, F(memory_mb), .def = "512", .min = 0,
     .max = 1e9},
    {.name = "gpus", .type = CORRIDOR_CFG_INT, F(gpus), .def = "0", .min = 0, .max = 64},
    {.name = "gpu_memory_mb", .type = CORRIDOR_CFG_INT, F(gpu_memory_mb), .def = "0", .min = 0,
     .max = 1e9, .help = "minimum free memory on each GPU"},
    {.name = NULL},
};

static const corridor_cfg_field latency_schema[] = {
    {.name = "tier", .type = CORRIDOR_CFG_ENUM, F(tier), .def = "none",
     .enum_names = tier_names},
    {.name = "max_ms", .type = CORRIDOR_CFG_DOUBLE, F(max_ms), .def = "0", .min = 0,
     .max = 10000, .help = "one-way budget; overrides the tier's bound"},
    {.name = NULL},
};

static const corridor_cfg_field anchor_schema[] = {
    {.name = "lat", .type = CORRIDOR_CFG_DOUBLE, F(lat), .def = "1000"},
    {.name = "lon", .type = CORRIDOR_CFG_DOUBLE, F(lon), .def = "1000"},
    {.name = "region", .type = CORRIDOR_CFG_STRING, F(region), .check = corridor_cfg_check_id},
    {.name = NULL},
};

static const corridor_cfg_field sovereignty_schema[] = {
    {.name = "countries", .type = CORRIDOR_CFG_LIST, .offset = offsetof(wfile, countries),
     .size = CORRIDOR_COUNTRY_LEN + 1, .elem_type = CORRIDOR_CFG_STRING,
     .count_offset = offsetof(wfile, n_countries), .max_count = CORRIDOR_MAX_ALLOWED,
     .check = corridor_cfg_check_country},
    {.name = "operators", .type = CORRIDOR_CFG_LIST, .offset = offsetof(wfile, operators),
     .size = CORRIDOR_PLMN_MAX + 1, .elem_type = CORRIDOR_CFG_STRING,
     .count_offset = offsetof(wfile, n_operators), .max_count = CORRIDOR_MAX_ALLOWED,
     .check = corridor_cfg_check_plmn},
    {.name = NULL},
};

static const corridor_cfg_field workload_schema[] = {
    {.name = "name", .type = CORRIDOR_CFG_STRING, F(name), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "tenant", .type = CORRIDOR_CFG_STRING, F(tenant), .def = "default",
     .check = corridor_cfg_check_id},
    {.name = "command", .type = CORRIDOR_CFG_MAP, .offset = 0, .sub = command_schema,
     .required = true},
    {.name = "resources", .type = CORRIDOR_CFG_MAP, .offset = 0, .sub = resources_schema},
    {.name = "latency", .type = CORRIDOR_CFG_MAP, .offset = 0, .sub = latency_schema,
     .required = true},
    {.name = "anchor", .type = CORRIDOR_CFG_MAP, .offset = 0, .sub = anchor_schema},
    {.name = "sovereignty", .type = CORRIDOR_CFG_MAP, .offset = 0, .sub = sovereignty_schema},
    {.name = "replicas", .type = CORRIDOR_CFG_INT, F(replicas), .def = "1", .min = 1, .max = 64},
    {.name = "priority", .type = CORRIDOR_CFG_INT, F(priority), .is_signed = true, .def = "0",
     .min = -1000, .max = 1000},
    {.name = "restart", .type = CORRIDOR_CFG_ENUM, F(restart), .def = "on-failure",
     .enum_names = restart_names},
    {.name = NULL},
};

static int post(void *out, struct corridor_cfg_ctx *ctx)
{
    wfile *w = out;
    if (w->tier == 5 && w->max_ms <= 0)
        return corridor_cfg_fail(ctx, "latency", "give a tier (near-premise, far-edge, "
                                 "near-edge, metro-edge, cloud) or max_ms");
    bool has_lat = w->lat != ANCHOR_UNSET, has_lon = w->lon != ANCHOR_UNSET;
    if (has_lat != has_lon)
        return corridor_cfg_fail(ctx, has_lat ? "anchor.lat" : "anchor.lon",
                                 "give both lat and lon");
    if (has_lat && !(w->lat >= -90 && w->lat <= 90))
        return corridor_cfg_fail(ctx, "anchor.lat", "%g is out of range -90..90", w->lat);
    if (has_lon && !(w->lon >= -180 && w->lon <= 180))
        return corridor_cfg_fail(ctx, "anchor.lon", "%g is out of range -180..180", w->lon);
    if (w->gpu_memory_mb && !w->gpus)
        return corridor_cfg_fail(ctx, "resources.gpu_memory_mb",
                                 "needs resources.gpus of at least 1");
    return 0;
}

static int to_spec(const wfile *w, corridor_workload_spec *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", w->name);
    snprintf(s->tenant, sizeof s->tenant, "%s", w->tenant);
    snprintf(s->path, sizeof s->path, "%s", w->path);
    char *argv[MAX_ARGS], *envv[MAX_ARGS];
    for (size_t i = 0; i < w->n_args; i++)
        argv[i] = (char *)w->args[i];
    for (size_t i = 0; i < w->n_env; i++)
        envv[i] = (char *)w->env[i];
    if (corridor_strv_copy(&s->args, &s->n_args, argv, w->n_args) < 0 ||
        corridor_strv_copy(&s->env, &s->n_env, envv, w->n_env) < 0) {
        corridor_workload_spec_fini(s);
        return -ENOMEM;
    }
    s->cpu_millicores = w->cpu_millicores;
    s->memory_bytes = w->memory_mb << 20;
    s->gpus = w->gpus;
    s->gpu_memory_bytes = w->gpu_memory_mb << 20;
    s->latency_tier = w->tier == 5 ? -1 : w->tier;
    s->max_latency_us = (uint32_t)lround(w->max_ms * 1000.0);
    s->has_anchor = w->lat != ANCHOR_UNSET;
    s->anchor_lat = s->has_anchor ? w->lat : 0;
    s->anchor_lon = s->has_anchor ? w->lon : 0;
    snprintf(s->anchor_region, sizeof s->anchor_region, "%s", w->region);
    memcpy(s->countries, w->countries, sizeof s->countries);
    s->n_countries = w->n_countries;
    memcpy(s->operators, w->operators, sizeof s->operators);
    s->n_operators = w->n_operators;
    s->replicas = w->replicas;
    s->priority = w->priority;
    snprintf(s->restart, sizeof s->restart, "%s", restart_names[w->restart]);
    return 0;
}

int corridor_workload_file_load(const char *path, corridor_workload_spec *spec,
                                corridor_cfg_error *err)
{
    wfile *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    int rc = corridor_cfg_load_file(path, workload_schema, post, w, err);
    if (rc == 0)
        rc = to_spec(w, spec);
    free(w);
    return rc;
}

int corridor_workload_file_parse(const char *name, const char *text, size_t len,
                                 corridor_workload_spec *spec, corridor_cfg_error *err)
{
    wfile *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    int rc = corridor_cfg_load_string(name, text, len, workload_schema, post, w, err);
    if (rc == 0)
        rc = to_spec(w, spec);
    free(w);
    return rc;
}
