/* corridor-agent configuration: the struct, its schema, and loading. */
#ifndef CORRIDOR_AGENT_CONFIG_H
#define CORRIDOR_AGENT_CONFIG_H

#include <stdint.h>

#include "config.h"
#include "ids.h"
#include "log.h"
#include "msg.h"
#include "tier.h"
#include "transport.h"

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

    int log_level;                        /* log.level, default info */
    corridor_security security;           /* security.mode null|curve */
} corridor_agent_config;

extern const corridor_cfg_field corridor_agent_config_schema[];

int corridor_agent_config_load(const char *path, corridor_agent_config *cfg,
                               corridor_cfg_error *err);

#endif
