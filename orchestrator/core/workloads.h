/*
 * Workload lifecycle in the core: deploy -> place -> start command -> running, re-placement
 * when a replica fails or its node dies (with backoff), drain (make-before-break), delete.
 * No I/O: commands for agents go to an outbox the daemon (or the simulator) drains; their
 * results and the agents' reports come back in through the functions below.
 */
#ifndef CORRIDOR_WORKLOADS_H
#define CORRIDOR_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "msg.h"

#define CORRIDOR_COMMAND_TIMEOUT_MS 10000   /* an agent that has not answered by then failed */

/* Validate and store a workload, and place it at once. The id is the spec's name, with a
 * "-2", "-3", ... suffix if that name is taken. 0, -EINVAL (message in err), -ENOMEM. */
int corridor_core_deploy(corridor_core *c, uint64_t now_ms, const corridor_workload_spec *spec,
                         char *id_out, size_t id_len, char *err, size_t errlen);
/* Stop every replica and forget the workload. 0 or -ENOENT. */
int corridor_core_delete(corridor_core *c, uint64_t now_ms, const char *workload_id);
/* Cordon the node and move its replicas elsewhere, make-before-break. Returns the number of
 * replicas being moved, or -ENOENT. */
int corridor_core_drain(corridor_core *c, uint64_t now_ms, const char *node_id);

size_t corridor_core_workload_count(const corridor_core *c);
/* Workload ids sorted; *ids is malloc'ed, the strings belong to the core. */
int corridor_core_workload_ids(const corridor_core *c, const char ***ids, size_t *n);
/* A deep copy (free with corridor_workload_view_fini); full adds args/env. -ENOENT. */
int corridor_core_workload_view(const corridor_core *c, const char *workload_id,
                                uint64_t now_ms, bool full, corridor_workload_view *v);
/* The view plus a fresh full-scan explanation: every node's rejection, grouped by reason. */
int corridor_core_explain(corridor_core *c, const char *workload_id, uint64_t now_ms,
                          corridor_workload_view *v);

/* The next command for an agent; 1 with *node_id and *cmd filled (the caller owns cmd and
 * frees it with corridor_command_fini), 0 when the outbox is empty. */
int corridor_core_next_command(corridor_core *c, char *node_id, size_t len,
                               corridor_command *cmd);
/* An agent's answer to a command from the outbox. -ENOENT when the id is not ours. */
int corridor_core_command_result(corridor_core *c, uint64_t now_ms, const char *node_id,
                                 const corridor_command_result *r);

typedef struct {
    uint64_t deployed, deleted, placements, placement_failures, replacements;
    uint64_t commands_sent, command_timeouts, replicas_failed;
} corridor_workload_stats;

const corridor_workload_stats *corridor_core_workload_stats(const corridor_core *c);

#endif
