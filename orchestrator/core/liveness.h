/* Node liveness: alive -> suspect (one report interval late) -> dead (heartbeat timeout) ->
 * alive again on the next report. Pure function of the times it is given. */
#ifndef CORRIDOR_LIVENESS_H
#define CORRIDOR_LIVENESS_H

#include <stdint.h>

#include "msg.h"

typedef struct {
    uint32_t suspect_after_ms;      /* silence before suspect */
    uint32_t dead_after_ms;         /* silence before dead (the heartbeat timeout) */
} corridor_liveness_params;

/* The state a node should be in after `silence_ms` without a report. A report resets the
 * silence to 0, so it brings a suspect or dead node back to alive. */
corridor_node_state corridor_liveness_state(const corridor_liveness_params *p, uint64_t silence_ms);

/* Time until the next transition for a node silent for silence_ms; UINT64_MAX if none. */
uint64_t corridor_liveness_next_change_ms(const corridor_liveness_params *p, uint64_t silence_ms);

#endif
