/* corridor-orchestrator as a library: sockets, framing and dispatch around orchestrator/core.
 * main.c is a thin wrapper; integration tests and later the REST/metrics layers reuse this. */
#ifndef CORRIDOR_ORCH_SERVER_H
#define CORRIDOR_ORCH_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "orch_config.h"

typedef struct {
    uint64_t msgs_in, msgs_out, send_errors;
    uint64_t ctl_requests;
    uint64_t rejected[CORRIDOR_REJECT_COUNT];   /* frames refused before reaching the core */
    uint64_t by_type_in[32];                    /* accepted frames per corridor_msg_type */
} corridor_orch_stats;

typedef struct corridor_orch corridor_orch;

/* Binds both sockets. NULL with a message in err on failure (bad endpoint, port in use). */
corridor_orch *corridor_orch_new(const corridor_orch_config *cfg, char *err, size_t errlen);
void corridor_orch_free(corridor_orch **o);

/* Serve until stop_fd (a signalfd or pipe; -1 = none) becomes readable, or for at most
 * max_ms milliseconds when max_ms > 0. Returns 0 or a negative errno. */
int corridor_orch_run(corridor_orch *o, int stop_fd, uint64_t max_ms);

/* One loop iteration: poll up to timeout_ms, then handle what arrived and run liveness. */
int corridor_orch_step(corridor_orch *o, int timeout_ms);

corridor_core *corridor_orch_core(corridor_orch *o);
const corridor_orch_stats *corridor_orch_stats_get(const corridor_orch *o);

#endif
