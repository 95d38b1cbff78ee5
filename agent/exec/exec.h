/*
 * Workload executor: processes the agent starts from START_WORKLOAD commands, one per
 * instance id (idempotent), each in its own session, its own cgroup v2 (cpu.max, memory.max)
 * when cgroups are delegated, stdout/stderr appended to LOG_DIR/INSTANCE.log, restarted per
 * its policy with exponential backoff, watched through a pidfd (no SIGCHLD handler, no
 * zombies). A state file per instance (STATE_DIR/instances/INSTANCE.json: pid and start time) lets a
 * restarted agent adopt what still runs and report what was lost. Workloads outlive the agent
 * on purpose: an agent restart or an unreachable orchestrator must not stop them.
 */
#ifndef CORRIDOR_EXEC_H
#define CORRIDOR_EXEC_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "msg.h"

typedef struct {
    char node_id[CORRIDOR_ID_MAX + 1];  /* CORRIDOR_NODE_ID in the workload's environment */
    char state_dir[PATH_MAX / 2];       /* workloads.state_dir */
    char log_dir[PATH_MAX / 2];         /* workloads.log_dir; "" = STATE_DIR/logs */
    char cgroup_root[PATH_MAX / 2];     /* workloads.cgroup_root: "" detect, "off", or a path */
    uint32_t max_workloads;             /* workloads.max, default 256 */
    uint32_t stop_grace_ms;             /* SIGTERM -> SIGKILL, default 5000 */
    uint32_t backoff_min_ms;            /* first restart delay, default 200 */
    uint32_t backoff_max_ms;            /* restart delay ceiling, default 30000 */
    uint32_t backoff_reset_ms;          /* a run this long resets the backoff, default 10000 */
} corridor_exec_config;

typedef struct {
    uint64_t started, restarts, exits, start_failures, adopted, lost, stopped;
} corridor_exec_stats;

typedef struct corridor_exec corridor_exec;

/* Creates the directories, detects cgroups, adopts or reports the instances of the state dir.
 * NULL with a message when the directories cannot be made. */
corridor_exec *corridor_exec_new(const corridor_exec_config *cfg, uint64_t now_ms, char *err,
                                 size_t errlen);
/* Frees the table; running workloads keep running (adopted by the next agent). */
void corridor_exec_free(corridor_exec **e);

/* START_WORKLOAD. 0 with msg ("started pid 123", "already running pid 123"), or -errno with
 * msg saying what and why (-EINVAL for bad fields). */
int corridor_exec_start(corridor_exec *e, const corridor_command *c, uint64_t now_ms, char *msg,
                        size_t msglen);
/* STOP_WORKLOAD: SIGTERM to its process group, SIGKILL after stop_grace_ms. 0 with msg
 * ("stopped", "stopping", "was not running"), -ENOENT when the instance is unknown. */
int corridor_exec_stop(corridor_exec *e, const char *instance_id, uint64_t now_ms, char *msg,
                       size_t msglen);

/* Poll integration: the pidfds to watch (returns how many were written). */
size_t corridor_exec_fds(const corridor_exec *e, int *fds, size_t max);
/* Reap exits, run due restarts and SIGKILL escalations. Returns the number of state changes
 * (the caller reports at once when > 0). */
int corridor_exec_tick(corridor_exec *e, uint64_t now_ms);
/* Earliest time tick has something to do (a restart, a kill), or UINT64_MAX. */
uint64_t corridor_exec_next_ms(const corridor_exec *e);

/* Fill r->workloads (heap) with every instance's state and usage. 0 or -ENOMEM. */
int corridor_exec_collect(corridor_exec *e, corridor_report *r);
const corridor_cgroup *corridor_exec_cgroup(const corridor_exec *e);
const corridor_exec_stats *corridor_exec_stats_get(const corridor_exec *e);
size_t corridor_exec_count(const corridor_exec *e);

#endif
