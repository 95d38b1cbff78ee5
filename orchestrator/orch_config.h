/* corridor-orchestrator configuration: the struct, its schema, and loading. */
#ifndef CORRIDOR_ORCH_CONFIG_H
#define CORRIDOR_ORCH_CONFIG_H

#include <stdint.h>

#include "config.h"
#include "ids.h"
#include "log.h"
#include "msg.h"
#include "placement.h"
#include "transport.h"

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];         /* orchestrator.id, required */
    char region[CORRIDOR_ID_MAX + 1];     /* orchestrator.region, required */

    char agents_endpoint[256];            /* agents.endpoint, default tcp://127.0.0.1:7700 */
    uint32_t report_interval_ms;          /* agents.report_interval_ms, default 1000, 50..3600000 */
    uint32_t suspect_after_ms;            /* agents.suspect_after_ms, default 0 = 2 x interval */
    uint32_t heartbeat_timeout_ms;        /* agents.heartbeat_timeout_ms, default 5000; > suspect */

    char control_endpoint[256];           /* control.endpoint, default tcp://127.0.0.1:7701 */

    uint32_t max_nodes;                   /* limits.max_nodes, default 100000 */
    corridor_msg_limits limits;           /* limits.max_frame_bytes, max_gpus, max_routes, ... */

    corridor_place_config place;          /* placement.weights.*, reservation_ttl_ms,
                                             min_candidates */
    int log_level;                        /* log.level (corridor_log_level), default info */
    corridor_security security;           /* security.mode null|curve, key files */
} corridor_orch_config;

extern const corridor_cfg_field corridor_orch_config_schema[];

/* Load and validate; fills defaults (suspect_after_ms resolved to 2 x interval when 0). */
int corridor_orch_config_load(const char *path, corridor_orch_config *cfg, corridor_cfg_error *err);

#endif
