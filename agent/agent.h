/* corridor-agent as a library: register with the orchestrator, report every interval (the
 * heartbeat), re-register when the orchestrator forgets us, answer commands. */
#ifndef CORRIDOR_AGENT_H
#define CORRIDOR_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "agent_config.h"

typedef enum {
    CORRIDOR_AGENT_REGISTERING = 0,  /* sending Register with backoff until acked */
    CORRIDOR_AGENT_REGISTERED,       /* sending Reports every interval */
} corridor_agent_state;

typedef struct {
    uint64_t registers_sent, reports_sent, send_failures;
    uint64_t acks, refusals, errors_received, msgs_in, rejected_in;
    uint64_t reports_immediate;     /* sent at once for a change, not on the interval */
    uint64_t pongs;                 /* RTT samples */
    uint64_t commands, commands_repeated; /* executed; answered again from the cache */
} corridor_agent_stats;

typedef struct corridor_agent corridor_agent;

corridor_agent *corridor_agent_new(const corridor_agent_config *cfg, char *err, size_t errlen);
void corridor_agent_free(corridor_agent **a);
/* Run until stop_fd is readable (or max_ms elapsed when > 0). 0 or -errno. */
int corridor_agent_run(corridor_agent *a, int stop_fd, uint64_t max_ms);
corridor_agent_state corridor_agent_state_get(const corridor_agent *a);
const corridor_agent_stats *corridor_agent_stats_get(const corridor_agent *a);

#endif
