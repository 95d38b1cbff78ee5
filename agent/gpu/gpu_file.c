/*
 * File source: SIMULATED GPU readings from a YAML file, for tests and demos. The file is read
 * with the common config loader (errors name file:line:column), watched with inotify on its
 * directory (editors replace files by rename), and re-read when it changes. A file that turns
 * bad keeps the last good readings and logs the error once per change. Reports name the
 * source "file", so these numbers are never mistaken for NVML's.
 *
 *   gpus:
 *     - {index: 0, name: "L40S (simulated)", uuid: GPU-sim-0, util_pct: 35, mem_util_pct: 20,
 *        mem_used_mb: 12000, mem_total_mb: 46068, temperature_c: 54, power_w: 180,
 *        compute_procs: 2, compute_capability: 89}
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "config.h"
#include "gpu.h"
#include "log.h"

typedef struct {
    uint32_t index;
    char name[CORRIDOR_NAME_MAX + 1];
    char uuid[CORRIDOR_ID_MAX + 1];
    uint32_t util_pct, mem_util_pct;
    uint64_t mem_used_mb, mem_total_mb;
    int32_t temperature_c;
    double power_w;
    uint32_t compute_procs, compute_capability;
} fgpu;

typedef struct {
    fgpu gpus[CORRIDOR_GPU_MAX];
    size_t n_gpus;
} ffile;

#define G(m) .offset = offsetof(fgpu, m), .size = sizeof(((fgpu *)0)->m)

static const corridor_cfg_field gpu_schema[] = {
    {.name = "index", .type = CORRIDOR_CFG_INT, G(index), .required = true, .min = 0,
     .max = 1023},
    {.name = "name", .type = CORRIDOR_CFG_STRING, G(name), .def = "simulated GPU"},
    {.name = "uuid", .type = CORRIDOR_CFG_STRING, G(uuid)},
    {.name = "util_pct", .type = CORRIDOR_CFG_INT, G(util_pct), .min = 0, .max = 100},
    {.name = "mem_util_pct", .type = CORRIDOR_CFG_INT, G(mem_util_pct), .min = 0, .max = 100},
    {.name = "mem_used_mb", .type = CORRIDOR_CFG_INT, G(mem_used_mb), .min = 0, .max = 1e9},
    {.name = "mem_total_mb", .type = CORRIDOR_CFG_INT, G(mem_total_mb), .min = 0, .max = 1e9},
    {.name = "temperature_c", .type = CORRIDOR_CFG_INT, G(temperature_c), .is_signed = true,
     .min = -100, .max = 200},
    {.name = "power_w", .type = CORRIDOR_CFG_DOUBLE, G(power_w), .min = 0, .max = 100000},
    {.name = "compute_procs", .type = CORRIDOR_CFG_INT, G(compute_procs), .min = 0,
     .max = 1000000},
    {.name = "compute_capability", .type = CORRIDOR_CFG_INT, G(compute_capability), .min = 0,
     .max = 1000, .help = "major*10 + minor"},
    {.name = NULL},
};

static const corridor_cfg_field file_schema[] = {
    {.name = "gpus", .type = CORRIDOR_CFG_LIST, .offset = offsetof(ffile, gpus),
     .size = sizeof(fgpu), .sub = gpu_schema, .count_offset = offsetof(ffile, n_gpus),
     .max_count = CORRIDOR_GPU_MAX, .required = true, .help = "simulated GPUs"},
    {.name = NULL},
};

typedef struct {
    char path[PATH_MAX];
    char base[NAME_MAX + 1];
    int ifd;
    ffile cur;                   /* last good readings */
} gfile;

static int post(void *out, struct corridor_cfg_ctx *ctx)
{
    ffile *f = out;
    for (size_t i = 0; i < f->n_gpus; i++) {
        if (f->gpus[i].mem_used_mb > f->gpus[i].mem_total_mb) {
            char path[48];
            snprintf(path, sizeof path, "gpus[%zu].mem_used_mb", i);
            return corridor_cfg_fail(ctx, path, "%llu MB used is more than the %llu MB total",
                                     (unsigned long long)f->gpus[i].mem_used_mb,
                                     (unsigned long long)f->gpus[i].mem_total_mb);
        }
    }
    return 0;
}

static int load(gfile *g, char *err, size_t errlen)
{
    ffile *next = malloc(sizeof *next);
    if (!next) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    corridor_cfg_error ce;
    int rc = corridor_cfg_load_file(g->path, file_schema, post, next, &ce);
    if (rc == 0)
        g->cur = *next;
    else
        snprintf(err, errlen, "%s", ce.text);
    free(next);
    return rc;
}

static int file_collect(void *impl, corridor_gpu *gpus, size_t max)
{
    gfile *g = impl;
    size_t n = g->cur.n_gpus < max ? g->cur.n_gpus : max;
    for (size_t i = 0; i < n; i++) {
        const fgpu *s = &g->cur.gpus[i];
        corridor_gpu *d = &gpus[i];
        memset(d, 0, sizeof *d);
        d->index = s->index;
        snprintf(d->name, sizeof d->name, "%s", s->name);
        snprintf(d->uuid, sizeof d->uuid, "%s", s->uuid);
        d->util_pct = s->util_pct;
        d->mem_util_pct = s->mem_util_pct;
        d->mem_used_bytes = s->mem_used_mb << 20;
        d->mem_total_bytes = s->mem_total_mb << 20;
        d->temperature_c = s->temperature_c;
        d->power_mw = (uint32_t)(s->power_w * 1000.0 + 0.5);
        d->compute_procs = s->compute_procs;
        d->compute_capability = s->compute_capability;
    }
    return (int)n;
}

static int file_fd(void *impl) { return ((gfile *)impl)->ifd; }

static int file_on_fd(void *impl)
{
    gfile *g = impl;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool ours = false;
    for (;;) {
        ssize_t len = read(g->ifd, buf, sizeof buf);
        if (len <= 0)
            break;
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->len && strcmp(ev->name, g->base) == 0)
                ours = true;
            p += sizeof *ev + ev->len;
        }
    }
    if (!ours)
        return 0;
    char err[1100];
    if (load(g, err, sizeof err) < 0) {
        /* once per change of the file: keep the last good readings */
        CLOG_WARN("gpu", "GPU file unreadable, keeping the last readings", "error=\"%s\"", err);
        return 0;
    }
    CLOG_INFO("gpu", "GPU file re-read", "file=%s gpus=%zu", g->path, g->cur.n_gpus);
    return 1;
}

static void file_free(void *impl)
{
    gfile *g = impl;
    if (!g)
        return;
    if (g->ifd >= 0)
        close(g->ifd);
    free(g);
}

static const corridor_gpu_ops file_ops = {"file", file_collect, file_fd, file_on_fd, file_free};

int corridor_gpu_file_open(const char *path, void **impl, const corridor_gpu_ops **ops,
                           char *err, size_t errlen)
{
    if (!path || !path[0]) {
        snprintf(err, errlen, "gpu.source is file but gpu.file is not set");
        return -EINVAL;
    }
    gfile *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    g->ifd = -1;
    snprintf(g->path, sizeof g->path, "%s", path);
    const char *slash = strrchr(path, '/');
    snprintf(g->base, sizeof g->base, "%s", slash ? slash + 1 : path);
    char dir[PATH_MAX];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
    else
        snprintf(dir, sizeof dir, ".");
    int rc = load(g, err, errlen);
    if (rc < 0) {
        file_free(g);
        return rc;
    }
    g->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (g->ifd < 0 || inotify_add_watch(g->ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO |
                                                         IN_DELETE | IN_MOVED_FROM) < 0) {
        rc = -errno;
        snprintf(err, errlen, "inotify on %s: %s", dir, strerror(-rc));
        file_free(g);
        return rc;
    }
    CLOG_INFO("gpu", "GPU readings from a file (SIMULATED)", "file=%s gpus=%zu", g->path,
              g->cur.n_gpus);
    *impl = g;
    *ops = &file_ops;
    return 0;
}
