/*
 * corridor-agent's configuration schema. As in orch_config.c, sections are MAP fields at
 * offset 0 with offsets into the whole (flat) struct; security has its own struct. Every key
 * is documented in docs/configuration.md; keep the two in step.
 */
#include "agent_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
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

static int check_ifname(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    if (!s[0] || strlen(s) > CORRIDOR_IFNAME_MAX || strchr(s, '/') || strchr(s, ' ')) {
        snprintf(msg, msglen, "'%.40s' is not an interface name (1..15 characters, no '/')", s);
        return -EINVAL;
    }
    return 0;
}

static int check_ip(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    unsigned char bin[16];
    if (inet_pton(AF_INET, s, bin) != 1 && inet_pton(AF_INET6, s, bin) != 1) {
        snprintf(msg, msglen, "'%.60s' is not an IPv4 or IPv6 address", s);
        return -EINVAL;
    }
    return 0;
}

static int check_gpu_source(const void *value, char *msg, size_t msglen)
{
    static const char *const ok[] = {"auto", "nvml", "cuda", "file", "none"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(value, ok[i]) == 0)
            return 0;
    snprintf(msg, msglen, "'%.40s' is not one of auto, nvml, cuda, file, none",
             (const char *)value);
    return -EINVAL;
}

static const corridor_cfg_field gpu_section[] = {
    {.name = "source", .type = CORRIDOR_CFG_STRING, OFF(gpu_source), .def = "auto",
     .check = check_gpu_source,
     .help = "auto (nvml, then cuda, then none), nvml, cuda, file (SIMULATED) or none"},
    {.name = "file", .type = CORRIDOR_CFG_STRING, OFF(gpu_file),
     .help = "YAML file of simulated readings, re-read when it changes (source: file)"},
    {.name = "nvml_library", .type = CORRIDOR_CFG_STRING, OFF(gpu_nvml_library),
     .help = "NVML library to dlopen; empty = libnvidia-ml.so.1"},
    {.name = "cuda_library", .type = CORRIDOR_CFG_STRING, OFF(gpu_cuda_library),
     .help = "CUDA runtime to dlopen; empty = libcudart.so, then versioned names"},
    {.name = NULL},
};

static const corridor_cfg_field routing_section[] = {
    {.name = "enabled", .type = CORRIDOR_CFG_BOOL, OFF(routing_enabled), .def = "true",
     .help = "report routes and links (netlink)"},
    {.name = "tables", .type = CORRIDOR_CFG_LIST, .offset = offsetof(corridor_agent_config,
     routing_tables), .size = sizeof(uint32_t), .elem_type = CORRIDOR_CFG_INT,
     .count_offset = offsetof(corridor_agent_config, n_routing_tables),
     .max_count = CORRIDOR_AGENT_MAX_TABLES, .min = 1, .max = 4294967295.0,
     .help = "routing tables whose routes are reported (254 = main); default none"},
    {.name = "interfaces", .type = CORRIDOR_CFG_LIST, .offset = offsetof(corridor_agent_config,
     routing_interfaces), .size = CORRIDOR_IFNAME_MAX + 1, .elem_type = CORRIDOR_CFG_STRING,
     .count_offset = offsetof(corridor_agent_config, n_routing_interfaces),
     .max_count = CORRIDOR_AGENT_MAX_IFACES, .check = check_ifname,
     .help = "links reported (and routes out of them); empty = the links of reported routes"},
    {.name = "gateways", .type = CORRIDOR_CFG_LIST, .offset = offsetof(corridor_agent_config,
     routing_gateways), .size = CORRIDOR_ADDR_MAX + 1, .elem_type = CORRIDOR_CFG_STRING,
     .count_offset = offsetof(corridor_agent_config, n_routing_gateways),
     .max_count = CORRIDOR_MAX_NEIGHBOURS, .check = check_ip,
     .help = "gateway addresses whose neighbour entries are reported"},
    {.name = "resync_intervals", UINT(routing_resync_intervals), .def = "30", .min = 1,
     .max = 100000, .help = "full re-dump every N report intervals"},
    {.name = "max_routes", UINT(routing_max_routes), .def = "100000", .min = 1, .max = 1000000,
     .help = "most routes in one report (the orchestrator's limits.max_routes)"},
    {.name = "min_report_gap_ms", UINT(routing_min_gap_ms), .def = "10", .min = 0,
     .max = 60000, .help = "change-triggered reports at most this often"},
    {.name = NULL},
};

static const corridor_cfg_field steering_section[] = {
    {.name = "enabled", .type = CORRIDOR_CFG_BOOL, OFF(steering_enabled), .def = "true",
     .help = "accept INSTALL/REMOVE_STEERING commands"},
    {.name = "table", UINT(steering_table), .def = "100", .min = 1, .max = 252,
     .help = "routing table for steering routes"},
    {.name = "rule_priority", UINT(steering_priority), .def = "1000", .min = 1, .max = 32765,
     .help = "preference of the 'to PREFIX lookup TABLE' rules"},
    {.name = "protocol", UINT(steering_protocol), .def = "193", .min = 5, .max = 255,
     .help = "route/rule protocol number marking the agent's entries"},
    {.name = "max_rules", UINT(steering_max_rules), .def = "4096", .min = 1, .max = 4096,
     .help = "most steering rules installed at once"},
    {.name = NULL},
};

static const corridor_cfg_field workloads_section[] = {
    {.name = "enabled", .type = CORRIDOR_CFG_BOOL, OFF(workloads_enabled), .def = "true",
     .help = "accept START/STOP_WORKLOAD commands"},
    {.name = "state_dir", .type = CORRIDOR_CFG_STRING, OFF(workloads_state_dir),
     .help = "per-instance state files; empty = /var/lib/corridor/NODE_ID"},
    {.name = "log_dir", .type = CORRIDOR_CFG_STRING, OFF(workloads_log_dir),
     .help = "per-instance stdout/stderr logs; empty = STATE_DIR/logs"},
    {.name = "cgroup_root", .type = CORRIDOR_CFG_STRING, OFF(workloads_cgroup_root),
     .help = "empty = detect a delegated cgroup v2; 'off'; or a delegated cgroup2 directory"},
    {.name = "max", UINT(workloads_max), .def = "256", .min = 1, .max = 4096,
     .help = "most instances kept (finished ones are forgotten first)"},
    {.name = "stop_grace_ms", UINT(workloads_stop_grace_ms), .def = "5000", .min = 0,
     .max = 600000, .help = "SIGTERM to SIGKILL"},
    {.name = "backoff_min_ms", UINT(workloads_backoff_min_ms), .def = "200", .min = 1,
     .max = 600000, .help = "first restart delay"},
    {.name = "backoff_max_ms", UINT(workloads_backoff_max_ms), .def = "30000", .min = 1,
     .max = 3600000, .help = "restart delay ceiling"},
    {.name = NULL},
};

/* rtt.listen: empty (off) or an endpoint to bind */
static int check_listen(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    return s[0] ? corridor_cfg_check_endpoint(value, msg, msglen) : 0;
}

/* rtt.peers[].endpoint: somewhere to connect to, short enough for Report.peers */
static int check_peer_endpoint(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    int rc = corridor_cfg_check_endpoint(value, msg, msglen);
    if (rc < 0)
        return rc;
    if (strncmp(s, "tcp://*:", 8) == 0) {
        snprintf(msg, msglen, "'*' only makes sense for listening; give the peer's address");
        return -EINVAL;
    }
    return 0;
}

#define P(m) .offset = offsetof(corridor_agent_peer, m), \
             .size = sizeof(((corridor_agent_peer *)0)->m)
static const corridor_cfg_field rtt_peer_schema[] = {
    {.name = "node", .type = CORRIDOR_CFG_STRING, P(node), .required = true,
     .check = corridor_cfg_check_id, .help = "the peer's node id"},
    {.name = "endpoint", .type = CORRIDOR_CFG_STRING, P(endpoint), .required = true,
     .check = check_peer_endpoint,
     .help = "the peer agent's rtt.listen, tcp://HOST:PORT (<= 63 characters)"},
    {.name = NULL},
};

static const corridor_cfg_field rtt_section[] = {
    {.name = "ping_interval_ms", UINT(rtt_ping_interval_ms), .def = "1000", .min = 0,
     .max = 3600000,
     .help = "ping the orchestrator and the peers this often to measure RTT; 0 = off"},
    {.name = "listen", .type = CORRIDOR_CFG_STRING, OFF(rtt_listen), .check = check_listen,
     .help = "answer other agents' pings here (tcp://0.0.0.0:7702); empty = off"},
    {.name = "peers", .type = CORRIDOR_CFG_LIST, .offset = offsetof(corridor_agent_config,
     rtt_peers), .size = sizeof(corridor_agent_peer), .sub = rtt_peer_schema,
     .count_offset = offsetof(corridor_agent_config, n_rtt_peers),
     .max_count = CORRIDOR_MAX_PEERS,
     .help = "peer nodes to measure RTT to: [{node: ID, endpoint: tcp://HOST:PORT}]"},
    {.name = "peer_misses", UINT(rtt_peer_misses), .def = "3", .min = 1, .max = 1000,
     .help = "pings unanswered in a row before a peer is reported unreachable"},
    {.name = NULL},
};

/* dataplane.endpoint: empty (off: the section is optional) or somewhere to connect to */
static int check_dp_endpoint(const void *value, char *msg, size_t msglen)
{
    const char *s = value;
    return s[0] ? check_peer_endpoint(value, msg, msglen) : 0;
}

static const corridor_cfg_field dataplane_section[] = {
    {.name = "endpoint", .type = CORRIDOR_CFG_STRING, OFF(dp_endpoint),
     .check = check_dp_endpoint,
     .help = "the dataplane's control.endpoint, tcp://HOST:PORT (<= 63 characters); "
             "empty = do not poll"},
    {.name = "interval_ms", UINT(dp_interval_ms), .def = "1000", .min = 50, .max = 3600000,
     .help = "ask the dataplane for its counters this often"},
    {.name = "timeout_ms", UINT(dp_timeout_ms), .def = "500", .min = 10, .max = 600000,
     .help = "an answer later than this is a miss: the dataplane is reported unreachable"},
    {.name = "retry_max_ms", UINT(dp_retry_max_ms), .def = "5000", .min = 50, .max = 600000,
     .help = "after misses, polls back off from interval_ms up to this"},
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
    {.name = "gpu", .type = CORRIDOR_CFG_MAP, .sub = gpu_section, .help = "GPU collector"},
    {.name = "routing", .type = CORRIDOR_CFG_MAP, .sub = routing_section,
     .help = "UPF routing collector"},
    {.name = "steering", .type = CORRIDOR_CFG_MAP, .sub = steering_section,
     .help = "local steering rules"},
    {.name = "workloads", .type = CORRIDOR_CFG_MAP, .sub = workloads_section,
     .help = "workload executor"},
    {.name = "rtt", .type = CORRIDOR_CFG_MAP, .sub = rtt_section, .help = "latency measurement"},
    {.name = "dataplane", .type = CORRIDOR_CFG_MAP, .sub = dataplane_section,
     .help = "poll the node's corridor-dataplane for its counters (Report.dataplane)"},
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
    if (cfg->workloads_backoff_max_ms < cfg->workloads_backoff_min_ms)
        return corridor_cfg_fail(ctx, "workloads.backoff_max_ms",
                                 "backoff_max_ms (%u) must be at least backoff_min_ms (%u)",
                                 cfg->workloads_backoff_max_ms, cfg->workloads_backoff_min_ms);
    if (strcmp(cfg->gpu_source, "file") == 0 && !cfg->gpu_file[0])
        return corridor_cfg_fail(ctx, "gpu.file", "required when gpu.source is file");
    for (size_t i = 0; i < cfg->n_rtt_peers; i++) {
        char path[64];
        snprintf(path, sizeof path, "rtt.peers[%zu].node", i);
        if (strcmp(cfg->rtt_peers[i].node, cfg->node_id) == 0)
            return corridor_cfg_fail(ctx, path, "'%s' is this node (node.id)", cfg->node_id);
        for (size_t k = 0; k < i; k++)
            if (strcmp(cfg->rtt_peers[k].node, cfg->rtt_peers[i].node) == 0)
                return corridor_cfg_fail(ctx, path, "'%s' is listed twice",
                                         cfg->rtt_peers[i].node);
    }
    return check_security(&cfg->security, ctx);
}

int corridor_agent_config_load(const char *path, corridor_agent_config *cfg,
                               corridor_cfg_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    return corridor_cfg_load_file(path, corridor_agent_config_schema, agent_post, cfg, err);
}
