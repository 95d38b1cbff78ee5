/*
 * corridor-orchestrator's configuration schema. The YAML sections map onto the flat struct in
 * orch_config.h: each section is a MAP field at offset 0 whose sub-fields carry offsets into
 * the whole struct (only security has a struct of its own). Every key is documented in
 * docs/configuration.md; keep the two in step.
 */
#include "orch_config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define OFF(m) .offset = offsetof(corridor_orch_config, m), \
               .size = sizeof(((corridor_orch_config *)0)->m)
#define U32(m) .type = CORRIDOR_CFG_INT, OFF(m)

static const corridor_cfg_field orch_section[] = {
    {.name = "id", .type = CORRIDOR_CFG_STRING, OFF(id), .required = true,
     .check = corridor_cfg_check_id, .help = "this orchestrator's id, sent to agents"},
    {.name = "region", .type = CORRIDOR_CFG_STRING, OFF(region), .required = true,
     .check = corridor_cfg_check_id, .help = "the region this orchestrator owns"},
    {.name = NULL},
};

static const corridor_cfg_field agents_section[] = {
    {.name = "endpoint", .type = CORRIDOR_CFG_STRING, OFF(agents_endpoint),
     .def = "tcp://127.0.0.1:7700", .check = corridor_cfg_check_endpoint,
     .help = "where agents connect (ROUTER bind)"},
    {.name = "report_interval_ms", U32(report_interval_ms), .def = "1000",
     .min = 50, .max = 3600000, .help = "how often agents report (sent in RegisterAck)"},
    {.name = "suspect_after_ms", U32(suspect_after_ms), .def = "0", .min = 0, .max = 86400000,
     .help = "silence before a node is suspect; 0 = 2 x report_interval_ms"},
    {.name = "heartbeat_timeout_ms", U32(heartbeat_timeout_ms), .def = "5000",
     .min = 100, .max = 86400000, .help = "silence before a node is dead; > suspect_after_ms"},
    {.name = NULL},
};

static const corridor_cfg_field control_section[] = {
    {.name = "endpoint", .type = CORRIDOR_CFG_STRING, OFF(control_endpoint),
     .def = "tcp://127.0.0.1:7701", .check = corridor_cfg_check_endpoint,
     .help = "where corridorctl connects (ROUTER bind)"},
    {.name = NULL},
};

static const corridor_cfg_field limits_section[] = {
    {.name = "max_nodes", U32(max_nodes), .def = "100000", .min = 1, .max = 10000000,
     .help = "registered nodes; registrations beyond are refused"},
    {.name = "max_frame_bytes", U32(limits.max_frame_bytes), .def = "1048576",
     .min = 1024, .max = 67108864, .help = "largest message accepted"},
    {.name = "max_gpus", U32(limits.max_gpus), .def = "64", .min = 1, .max = 4096,
     .help = "GPUs in one report"},
    {.name = "max_routes", U32(limits.max_routes), .def = "100000", .min = 1, .max = 10000000,
     .help = "routes in one report"},
    {.name = "max_links", U32(limits.max_links), .def = "1024", .min = 1, .max = 1000000,
     .help = "network links in one report"},
    {.name = "max_workloads", U32(limits.max_workloads), .def = "4096", .min = 1,
     .max = 1000000, .help = "workloads in one report"},
    {.name = "max_args", U32(limits.max_args), .def = "256", .min = 1, .max = 65536,
     .help = "arguments + environment entries in one command"},
    {.name = "max_nodes_reply", U32(limits.max_nodes_reply), .def = "100000", .min = 1,
     .max = 10000000, .help = "node views in one control reply"},
    {.name = "max_workloads_reply", U32(limits.max_workloads_reply), .def = "100000",
     .min = 1, .max = 10000000, .help = "workload views in one control reply"},
    {.name = NULL},
};

#define DBL(m) .type = CORRIDOR_CFG_DOUBLE, OFF(m)

static const corridor_cfg_field weights_section[] = {
    {.name = "latency", DBL(place.weights.latency), .def = "0.35", .min = 0, .max = 100,
     .help = "latency headroom"},
    {.name = "gpu", DBL(place.weights.gpu), .def = "0.25", .min = 0, .max = 100,
     .help = "GPU load balance"},
    {.name = "cpu", DBL(place.weights.cpu), .def = "0.15", .min = 0, .max = 100,
     .help = "CPU load balance"},
    {.name = "spread", DBL(place.weights.spread), .def = "0.15", .min = 0, .max = 100,
     .help = "replicas spread across sites"},
    {.name = "stickiness", DBL(place.weights.stickiness), .def = "0.10", .min = 0,
     .max = 100, .help = "staying where a workload already runs"},
    {.name = NULL},
};

static const corridor_cfg_field placement_section[] = {
    {.name = "weights", .type = CORRIDOR_CFG_MAP, .sub = weights_section,
     .help = "score weights"},
    {.name = "reservation_ttl_ms", U32(place.reservation_ttl_ms), .def = "30000", .min = 1000,
     .max = 3600000, .help = "unconfirmed reservations expire after this"},
    {.name = "min_candidates", U32(place.min_candidates), .def = "16", .min = 1,
     .max = 1000000, .help = "feasible nodes to find before the search may stop"},
    {.name = NULL},
};

static const corridor_cfg_field log_section[] = {
    {.name = "level", .type = CORRIDOR_CFG_ENUM, OFF(log_level), .def = "info",
     .enum_names = corridor_cfg_log_level_names, .help = "debug, info, warn or error"},
    {.name = NULL},
};

const corridor_cfg_field corridor_orch_config_schema[] = {
    {.name = "orchestrator", .type = CORRIDOR_CFG_MAP, .required = true, .sub = orch_section,
     .help = "identity"},
    {.name = "agents", .type = CORRIDOR_CFG_MAP, .sub = agents_section,
     .help = "the agent-facing socket and liveness timing"},
    {.name = "control", .type = CORRIDOR_CFG_MAP, .sub = control_section,
     .help = "the control API socket"},
    {.name = "limits", .type = CORRIDOR_CFG_MAP, .sub = limits_section,
     .help = "what a peer can make the orchestrator allocate"},
    {.name = "placement", .type = CORRIDOR_CFG_MAP, .sub = placement_section,
     .help = "placement scoring and reservations"},
    {.name = "log", .type = CORRIDOR_CFG_MAP, .sub = log_section, .help = "logging"},
    {.name = "security", .type = CORRIDOR_CFG_MAP, OFF(security),
     .sub = corridor_cfg_security_schema, .help = "transport security"},
    {.name = NULL},
};

/* CURVE needs this side's key pair, and (as the server) the directory of allowed agents. */
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
    if (!sec->allow_dir[0])
        return corridor_cfg_fail(ctx, "security.allow_dir",
                                 "required when security.mode is curve (the agents' public keys)");
    return 0;
}

/* Both sockets are bound by this process: the same endpoint, or the same TCP port where one
 * of them binds all interfaces, would make the second bind fail at startup. Say so now. */
static bool tcp_port_clash(const char *a, const char *b)
{
    if (strncmp(a, "tcp://", 6) != 0 || strncmp(b, "tcp://", 6) != 0)
        return false;
    const char *pa = strrchr(a, ':'), *pb = strrchr(b, ':');
    if (!pa || !pb || strcmp(pa, pb) != 0)
        return false;
    size_t ha = (size_t)(pa - a) - 6, hb = (size_t)(pb - b) - 6;
    bool any_a = (ha == 1 && a[6] == '*') || (ha == 7 && strncmp(a + 6, "0.0.0.0", 7) == 0);
    bool any_b = (hb == 1 && b[6] == '*') || (hb == 7 && strncmp(b + 6, "0.0.0.0", 7) == 0);
    return any_a || any_b;
}

static int orch_post(void *out, struct corridor_cfg_ctx *ctx)
{
    corridor_orch_config *cfg = out;
    /* resolved here, so that the daemon and the liveness code never see the 0 */
    if (cfg->suspect_after_ms == 0)
        cfg->suspect_after_ms = 2 * cfg->report_interval_ms;
    if (cfg->heartbeat_timeout_ms <= cfg->suspect_after_ms)
        return corridor_cfg_fail(ctx, "agents.heartbeat_timeout_ms",
                                 "heartbeat_timeout_ms (%u) must be greater than "
                                 "suspect_after_ms (%u)",
                                 cfg->heartbeat_timeout_ms, cfg->suspect_after_ms);
    if (strcmp(cfg->agents_endpoint, cfg->control_endpoint) == 0)
        return corridor_cfg_fail(ctx, "control.endpoint",
                                 "must differ from agents.endpoint (both are '%s')",
                                 cfg->control_endpoint);
    if (tcp_port_clash(cfg->agents_endpoint, cfg->control_endpoint))
        return corridor_cfg_fail(ctx, "control.endpoint",
                                 "'%s' uses the same port as agents.endpoint '%s'",
                                 cfg->control_endpoint, cfg->agents_endpoint);
    return check_security(&cfg->security, ctx);
}

int corridor_orch_config_load(const char *path, corridor_orch_config *cfg, corridor_cfg_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    return corridor_cfg_load_file(path, corridor_orch_config_schema, orch_post, cfg, err);
}
