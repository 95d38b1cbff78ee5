/*
 * The dataplane's control socket: a ZeroMQ ROUTER (common/transport.h) taking RuleUpdate
 * (answered with RuleResult) and DataplaneStatsRequest (answered with DataplaneStats).
 * Frames are checked like the orchestrator's: size, multipart, decode with limits; refused
 * ones are counted (rejected_<reason>), logged rate-limited and answered with an Error
 * except unknown types and multipart frames.
 */
#ifndef CORRIDOR_DP_CONTROL_H
#define CORRIDOR_DP_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "transport.h"

struct corridor_dp_app;
typedef struct corridor_dp_ctl corridor_dp_ctl;

typedef struct {
    uint64_t msgs_in, msgs_out, send_errors;
    uint64_t rule_updates, ops_applied, ops_failed;
    uint64_t rejected[CORRIDOR_REJECT_COUNT];
} corridor_dp_ctl_stats;

corridor_dp_ctl *corridor_dp_ctl_new(struct corridor_dp_app *app, const char *endpoint,
                                     const corridor_msg_limits *lim, char *err, size_t errlen);
void corridor_dp_ctl_free(corridor_dp_ctl **c);
corridor_sock *corridor_dp_ctl_sock(corridor_dp_ctl *c);
/* Handle what is waiting (at most a bounded number of frames). */
void corridor_dp_ctl_drain(corridor_dp_ctl *c);
const corridor_dp_ctl_stats *corridor_dp_ctl_stats_get(const corridor_dp_ctl *c);

#endif
