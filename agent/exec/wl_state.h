/* A workload's state file (STATE_DIR/INSTANCE.json): what the agent needs to adopt the
 * process after a restart. Written as JSON with common/json, read back with the common
 * config loader (JSON is YAML), written to a temporary file and renamed into place. */
#ifndef CORRIDOR_WL_STATE_H
#define CORRIDOR_WL_STATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *instance_id, *name, *path, *restart, *cgroup;  /* save: borrowed; load: heap */
    char **args, **env;
    size_t n_args, n_env;
    uint32_t cpu_millicores;
    uint64_t memory_bytes;
    uint32_t pid;
    uint64_t start_ticks;
    uint32_t restarts;
} corridor_wl_state;

int corridor_wl_state_save(const char *path, const corridor_wl_state *s);
/* 0, or -errno with a message naming file:line:column. Free with corridor_wl_state_fini. */
int corridor_wl_state_load(const char *path, corridor_wl_state *s, char *err, size_t errlen);
void corridor_wl_state_fini(corridor_wl_state *s);

#endif
