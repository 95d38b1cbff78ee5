/*
 * corridor-agent's configuration schema. As in orch_config.c, sections are MAP fields at
 * offset 0 with offsets into the whole (flat) struct; security has its own struct. Every key
 * is documented in docs/configuration.md; keep the two in step.
 */
#include "agent_config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define OFF(m) .offset = offsetof(corridor_agent_config, m), \
               .size = sizeof(((corridor_agent_config *)0)->m)
#define UINT(m) .type = CORRIDOR_CFG_INT, OFF(m)

_Static_assert(sizeof(corridor_tier) == sizeof(int), "node.tier is stored as an int");

static const corridor_cfg_field location_section[] = {
    {.name = "lat", .type = CORRIDOR_CFG_DOUBLE, OFF(lat), .required = true,
     .min = -90, .max = 90, .help = "latitude, WGS84 degrees"},
    {.name = "lon", .type = CORRIDOR_CFG_DOUBLE, OFF(lon), .required = true,
     .min = -180, .max = 180, .help = "longitude, WGS84 degrees"},
    {.name = NULL},
};

static const corridor_cfg_field capacity_section[] = {
    {.name = "cpu_millicores", UINT(cpu_millicores), .def = "0", .min = 0, .max = 100000000,
     .help = "CPU offered to workloads; 0 = all online CPUs"},
    {.name = "memory_mb", UINT(memory_mb), .def = "0", .min = 0, .max = 1073741824,
     .help = "memory offered to workloads in MiB; 0 = all of MemTotal"},
    {.name = "gpus", UINT(gpus), .def = "0", .min = 0, .max = 1024,
     .help = "GPUs offered; 0 = as many as are detected"},
    {.name = "gpu_memory_mb", UINT(gpu_memory_mb), .def = "0", .min = 0, .max = 1073741824,
     .help = "GPU memory over all GPUs in MiB; 0 = as detected"},
    {.name = NULL},
};

static const corridor_cfg_field node_section[] = {
    {.name = "id", .type = CORRIDOR_CFG_STRING, OFF(node_id), .required = true,
     .check = corridor_cfg_check_id, .help = "this node's id, unique across the federation"},
    {.name = "operator", .type = CORRIDOR_CFG_STRING, OFF(plmn), .required = true,
     .check = corridor_cfg_check_plmn, .help = "the operator's PLMN, MCC-MNC"},
    {.name = "country", .type = CORRIDOR_CFG_STRING, OFF(country), .required = true,
     .check = corridor_cfg_check_country, .help = "ISO 3166-1 alpha-2 code of the site"},
    {.name = "region", .type = CORRIDOR_CFG_STRING, OFF(region), .required = true,
     .check = corridor_cfg_check_id, .help = "the orchestrator region the node belongs to"},
    {.name = "tier", .type = CORRIDOR_CFG_ENUM, OFF(tier), .required = true,
     .enum_names = corridor_tier_names, .help = "latency tier of the site"},
    {.name = "location", .type = CORRIDOR_CFG_MAP, .required = true, .sub = location_section,
     .help = "where the site is"},
    {.name = "capacity", .type = CORRIDOR_CFG_MAP, .sub = capacity_section,
     .help = "what the node offers; 0 = detect"},
    {.name = NULL},
};

static const corridor_cfg_field orchestrator_section[] = {
    {.name = "endpoint", .type = CORRIDOR_CFG_STRING, OFF(orchestrator_endpoint),
     .def = "tcp://127.0.0.1:7700", .check = corridor_cfg_check_endpoint,
     .help = "the orchestrator's agents.endpoint"},
    {.name = "reconnect_min_ms", UINT(reconnect_min_ms), .def = "100", .min = 10, .max = 60000,
     .help = "first reconnect delay"},
    {.name = "reconnect_max_ms", UINT(reconnect_max_ms), .def = "5000", .min = 10,
     .max = 600000, .help = "reconnect backoff ceiling; >= reconnect_min_ms"},
    {.name = "register_timeout_ms", UINT(register_timeout_ms), .def = "2000", .min = 100,
     .max = 600000, .help = "wait for a RegisterAck before registering again"},
    {.name = "report_interval_ms", UINT(report_interval_ms), .def = "1000", .min = 50,
     .max = 3600000, .help = "report interval until the RegisterAck gives one"},
    {.name = NULL},
};

static const corridor_cfg_field limits_section[] = {
    {.name = "max_frame_bytes", UINT(max_frame_bytes), .def = "1048576", .min = 1024,
     .max = 67108864, .help = "largest message accepted from the orchestrator"},
    {.name = NULL},
};

static const corridor_cfg_field log_section[] = {
    {.name = "level", .type = CORRIDOR_CFG_ENUM, OFF(log_level), .def = "info",
     .enum_names = corridor_cfg_log_level_names, .help = "debug, info, warn or error"},
    {.name = NULL},
};

const corridor_cfg_field corridor_agent_config_schema[] = {
    {.name = "node", .type = CORRIDOR_CFG_MAP, .required = true, .sub = node_section,
     .help = "identity sent in Register"},
    {.name = "orchestrator", .type = CORRIDOR_CFG_MAP, .sub = orchestrator_section,
     .help = "where and how to connect"},
    {.name = "limits", .type = CORRIDOR_CFG_MAP, .sub = limits_section,
     .help = "what the orchestrator can make the agent allocate"},
    {.name = "log", .type = CORRIDOR_CFG_MAP, .sub = log_section, .help = "logging"},
    {.name = "security", .type = CORRIDOR_CFG_MAP, OFF(security),
     .sub = corridor_cfg_security_schema, .help = "transport security"},
    {.name = NULL},
};

/* CURVE needs this side's key pair and, as the client, the orchestrator's public key. */
static int check_security(const corridor_security *sec, struct corridor_cfg_ctx *ctx)
{
    if (sec->mode != CORRIDOR_SEC_CURVE)
        return 0;
    if (!sec->public_key_file[0])
        return corridor_cfg_fail(ctx, "security.public_key_file",
                                 "required when security.mode is curve");
    if (!sec->secret_key_file[0])
        return corridor_cfg_fail(ctx, "security.secret_key_file",
                                 "required when security.mode is curve");
    if (!sec->server_key_file[0])
        return corridor_cfg_fail(ctx, "security.server_key_file",
                                 "required when security.mode is curve (the orchestrator's "
                                 "public key)");
    return 0;
}

static int agent_post(void *out, struct corridor_cfg_ctx *ctx)
{
    corridor_agent_config *cfg = out;
    if (cfg->reconnect_max_ms < cfg->reconnect_min_ms)
        return corridor_cfg_fail(ctx, "orchestrator.reconnect_max_ms",
                                 "reconnect_max_ms (%u) must be at least reconnect_min_ms (%u)",
                                 cfg->reconnect_max_ms, cfg->reconnect_min_ms);
    /* the endpoint check accepts a wildcard host (for binding); an agent connects */
    if (strncmp(cfg->orchestrator_endpoint, "tcp://*:", 8) == 0)
        return corridor_cfg_fail(ctx, "orchestrator.endpoint",
                                 "'*' only makes sense for listening; give the orchestrator's "
                                 "address");
    return check_security(&cfg->security, ctx);
}

int corridor_agent_config_load(const char *path, corridor_agent_config *cfg,
                               corridor_cfg_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    return corridor_cfg_load_file(path, corridor_agent_config_schema, agent_post, cfg, err);
}
