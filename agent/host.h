/* Host collector: CPU utilisation from /proc/stat deltas, load average, MemAvailable, uptime.
 * The /proc root is a parameter so tests can point it at a directory of their own files. */
#ifndef CORRIDOR_HOST_H
#define CORRIDOR_HOST_H

#include <stdint.h>

#include "msg.h"

typedef struct {
    char proc_root[128];        /* "/proc" */
    uint64_t prev_busy, prev_total;
    int have_prev;
} corridor_host;

void corridor_host_init(corridor_host *h, const char *proc_root);
/* Fill the host fields of a report. CPU % is over the time since the previous call (0 on the
 * first). 0, or -errno when /proc could not be read (fields then stay 0). */
int corridor_host_collect(corridor_host *h, corridor_report *r);
/* Online CPUs x 1000 and MemTotal, for capacities left at 0 (detect) in the config. */
int corridor_host_capacity(const corridor_host *h, uint32_t *cpu_millicores, uint64_t *mem_bytes);

#endif
