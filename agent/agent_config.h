/* corridor-agent configuration: the struct, its schema, and loading. */
#ifndef CORRIDOR_AGENT_CONFIG_H
#define CORRIDOR_AGENT_CONFIG_H

#include <stdint.h>

#include "config.h"
#include "exec/exec.h"
#include "gpu/gpu.h"
#include "ids.h"
#include "log.h"
#include "msg.h"
#include "tier.h"
#include "steering.h"
#include "transport.h"

#define CORRIDOR_AGENT_MAX_TABLES 16
#define CORRIDOR_AGENT_MAX_IFACES 32

/* rtt.peers: a node this agent pings, and where its rtt.listen is */
typedef struct {
    char node[CORRIDOR_ID_MAX + 1];
    char endpoint[CORRIDOR_PEER_ENDPOINT_MAX + 1];
} corridor_agent_peer;

typedef struct {
    /* node: identity sent in Register */
    char node_id[CORRIDOR_ID_MAX + 1];    /* node.id, required */
    char plmn[CORRIDOR_PLMN_MAX + 1];     /* node.operator, required, "262-01" */
    char country[CORRIDOR_COUNTRY_LEN + 1]; /* node.country, required, "DE" */
    char region[CORRIDOR_ID_MAX + 1];     /* node.region, required */
    int tier;                             /* node.tier, required (corridor_tier) */
    double lat, lon;                      /* node.location.lat/lon, required, ranges checked */
    uint32_t cpu_millicores;              /* node.capacity.cpu_millicores, 0 = detect */
    uint64_t memory_mb;                   /* node.capacity.memory_mb, 0 = detect */
    uint32_t gpus;                        /* node.capacity.gpus, default 0 */
    uint64_t gpu_memory_mb;               /* node.capacity.gpu_memory_mb, default 0 */

    /* orchestrator: where to connect */
    char orchestrator_endpoint[256];      /* orchestrator.endpoint, default tcp://127.0.0.1:7700 */
    uint32_t reconnect_min_ms;            /* orchestrator.reconnect_min_ms, default 100 */
    uint32_t reconnect_max_ms;            /* orchestrator.reconnect_max_ms, default 5000 */
    uint32_t register_timeout_ms;         /* orchestrator.register_timeout_ms, default 2000 */
    uint32_t report_interval_ms;          /* orchestrator.report_interval_ms, default 1000: used
                                             until the RegisterAck says otherwise */
    uint32_t max_frame_bytes;             /* limits.max_frame_bytes, default 1 MiB */

    /* gpu: where GPU readings come from (agent/gpu/gpu.h) */
    char gpu_source[16];                  /* gpu.source auto|nvml|cuda|file|none, default auto */
    char gpu_file[256];                   /* gpu.file: readings for source file (SIMULATED) */
    char gpu_nvml_library[256];           /* gpu.nvml_library, "" = libnvidia-ml.so.1 */
    char gpu_cuda_library[256];           /* gpu.cuda_library, "" = libcudart.so[.N] */

    /* routing: the UPF routes and links reported (agent/netlink/nl_watch.h) */
    bool routing_enabled;                 /* routing.enabled, default true */
    uint32_t routing_tables[CORRIDOR_AGENT_MAX_TABLES]; /* routing.tables, default [] */
    size_t n_routing_tables;
    char routing_interfaces[CORRIDOR_AGENT_MAX_IFACES][CORRIDOR_IFNAME_MAX + 1];
    size_t n_routing_interfaces;          /* routing.interfaces, default [] */
    char routing_gateways[CORRIDOR_MAX_NEIGHBOURS][CORRIDOR_ADDR_MAX + 1];
    size_t n_routing_gateways;            /* routing.gateways, default [] */
    uint32_t routing_resync_intervals;    /* routing.resync_intervals, default 30 */
    uint32_t routing_max_routes;          /* routing.max_routes, default 100000 */
    uint32_t routing_min_gap_ms;          /* routing.min_report_gap_ms, default 10 */

    /* steering: local breakout rules (agent/steering.h) */
    bool steering_enabled;                /* steering.enabled, default true */
    uint32_t steering_table;              /* steering.table, default 100 */
    uint32_t steering_priority;           /* steering.rule_priority, default 1000 */
    uint32_t steering_protocol;           /* steering.protocol, default 193 */
    uint32_t steering_max_rules;          /* steering.max_rules, default 4096 */

    /* workloads: the executor (agent/exec/exec.h) */
    bool workloads_enabled;               /* workloads.enabled, default true */
    char workloads_state_dir[2048];       /* workloads.state_dir, "" = /var/lib/corridor/NODE */
    char workloads_log_dir[2048];         /* workloads.log_dir, "" = STATE_DIR/logs */
    char workloads_cgroup_root[2048];     /* workloads.cgroup_root, "" detect, "off", a path */
    uint32_t workloads_max;               /* workloads.max, default 256 */
    uint32_t workloads_stop_grace_ms;     /* workloads.stop_grace_ms, default 5000 */
    uint32_t workloads_backoff_min_ms;    /* workloads.backoff_min_ms, default 200 */
    uint32_t workloads_backoff_max_ms;    /* workloads.backoff_max_ms, default 30000 */

    uint32_t rtt_ping_interval_ms;        /* rtt.ping_interval_ms, default 1000, 0 = off */
    char rtt_listen[256];                 /* rtt.listen, answer peers' pings here; "" = off */
    corridor_agent_peer rtt_peers[CORRIDOR_MAX_PEERS]; /* rtt.peers, default [] */
    size_t n_rtt_peers;
    uint32_t rtt_peer_misses;             /* rtt.peer_misses, default 3: pings unanswered in a
                                             row before a peer is unreachable */

    /* dataplane: poll the node's corridor-dataplane for its counters (agent/dpstats.h) */
    char dp_endpoint[CORRIDOR_PEER_ENDPOINT_MAX + 1]; /* dataplane.endpoint; "" = no section */
    uint32_t dp_interval_ms;              /* dataplane.interval_ms, default 1000 */
    uint32_t dp_timeout_ms;               /* dataplane.timeout_ms, default 500 */
    uint32_t dp_retry_max_ms;             /* dataplane.retry_max_ms, default 5000 */

    int log_level;                        /* log.level, default info */
    corridor_security security;           /* security.mode null|curve */
} corridor_agent_config;

extern const corridor_cfg_field corridor_agent_config_schema[];

int corridor_agent_config_load(const char *path, corridor_agent_config *cfg,
                               corridor_cfg_error *err);

#endif
