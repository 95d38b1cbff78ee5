/*
 * cgroup v2 for workloads: is there a delegated subtree with the cpu and memory controllers,
 * and if so one cgroup per workload with cpu.max and memory.max. Detection reads
 * /proc/self/mountinfo (a cgroup2 mount: /sys/fs/cgroup on unified hosts,
 * /sys/fs/cgroup/unified on hybrid ones), /proc/self/cgroup (our own cgroup) and that
 * cgroup's cgroup.controllers; when anything is missing the workloads run without limits and
 * `why` says which part was missing.
 */
#ifndef CORRIDOR_CGROUP_H
#define CORRIDOR_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    bool delegated;              /* workload cgroups with cpu.max/memory.max can be made */
    char root[PATH_MAX];         /* parent directory of the workload cgroups */
    char why[320];               /* what was found: the reason when not delegated */
} corridor_cgroup;

/* root_override: "" = detect from our own cgroup; "off" = never use cgroups; a path = a
 * delegated cgroup2 directory to put workload cgroups under. proc_root is "/proc" (tests
 * point it elsewhere). Never fails: the outcome is in cg. */
void corridor_cgroup_detect(corridor_cgroup *cg, const char *root_override,
                            const char *proc_root);
/* Make ROOT/NAME with the limits (0 = none). 0 or -errno with msg; path_out gets the dir. */
int corridor_cgroup_create(const corridor_cgroup *cg, const char *name, uint32_t cpu_millicores,
                           uint64_t memory_bytes, char *path_out, size_t path_len, char *msg,
                           size_t msglen);
/* CPU time and memory of everything in the cgroup. 0 or -errno. */
int corridor_cgroup_usage(const char *path, uint64_t *cpu_us, uint64_t *mem_bytes);
/* Kill every process in it (cgroup.kill, Linux >= 5.14), then remove it. */
void corridor_cgroup_destroy(const char *path);

#endif
