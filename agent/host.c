#include "host.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void corridor_host_init(corridor_host *h, const char *proc_root)
{
    memset(h, 0, sizeof *h);
    snprintf(h->proc_root, sizeof h->proc_root, "%s", proc_root ? proc_root : "/proc");
}

static FILE *open_proc(const corridor_host *h, const char *name)
{
    char path[192];
    snprintf(path, sizeof path, "%s/%s", h->proc_root, name);
    return fopen(path, "re");
}

static int read_cpu(corridor_host *h, double *util)
{
    FILE *f = open_proc(h, "stat");
    if (!f)
        return -errno;
    unsigned long long v[10] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    fclose(f);
    if (n < 4)
        return -EPROTO;
    /* guest time is already counted in user/nice; idle + iowait are not busy */
    uint64_t idle = v[3] + v[4];
    uint64_t total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
    uint64_t busy = total - idle;
    *util = 0;
    if (h->have_prev && total > h->prev_total && busy >= h->prev_busy)
        *util = 100.0 * (double)(busy - h->prev_busy) / (double)(total - h->prev_total);
    h->prev_busy = busy;
    h->prev_total = total;
    h->have_prev = 1;
    return 0;
}

static int read_meminfo(const corridor_host *h, uint64_t *total, uint64_t *avail)
{
    FILE *f = open_proc(h, "meminfo");
    if (!f)
        return -errno;
    char line[256];
    unsigned long long kb;
    *total = *avail = 0;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
            *total = kb * 1024;
        else if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            *avail = kb * 1024;
    }
    fclose(f);
    return *total ? 0 : -EPROTO;
}

int corridor_host_collect(corridor_host *h, corridor_report *r)
{
    int rc = read_cpu(h, &r->cpu_util_pct);
    FILE *f = open_proc(h, "loadavg");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &r->load1, &r->load5, &r->load15) != 3)
            rc = rc ? rc : -EPROTO;
        fclose(f);
    } else {
        rc = rc ? rc : -errno;
    }
    int mrc = read_meminfo(h, &r->mem_total_bytes, &r->mem_available_bytes);
    rc = rc ? rc : mrc;
    f = open_proc(h, "uptime");
    if (f) {
        double up = 0;
        if (fscanf(f, "%lf", &up) == 1)
            r->uptime_s = (uint64_t)up;
        fclose(f);
    }
    return rc;
}

int corridor_host_capacity(const corridor_host *h, uint32_t *cpu_millicores, uint64_t *mem_bytes)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    *cpu_millicores = n > 0 ? (uint32_t)n * 1000u : 0;
    uint64_t avail;
    return read_meminfo(h, mem_bytes, &avail);
}
