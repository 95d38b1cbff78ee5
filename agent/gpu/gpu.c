/* GPU source selection and the calls every source shares. */
#include "gpu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct corridor_gpu_source {
    const corridor_gpu_ops *ops;
    void *impl;
    int last_rc;                 /* last collect's result: a failure is logged when it changes */
};

static int none_collect(void *impl, corridor_gpu *gpus, size_t max)
{
    (void)impl, (void)gpus, (void)max;
    return 0;
}
static int none_fd(void *impl) { (void)impl; return -1; }
static int none_on_fd(void *impl) { (void)impl; return 0; }
static void none_free(void *impl) { (void)impl; }

static const corridor_gpu_ops none_ops = {"none", none_collect, none_fd, none_on_fd, none_free};

corridor_gpu_source *corridor_gpu_source_new(const corridor_gpu_config *cfg, char *err,
                                             size_t errlen)
{
    corridor_gpu_source *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const char *src = cfg->source[0] ? cfg->source : "auto";
    int rc = 0;
    if (strcmp(src, "none") == 0) {
        s->ops = &none_ops;
    } else if (strcmp(src, "file") == 0) {
        rc = corridor_gpu_file_open(cfg->file, &s->impl, &s->ops, err, errlen);
    } else if (strcmp(src, "nvml") == 0) {
        rc = corridor_gpu_nvml_open(cfg->nvml_library, &s->impl, &s->ops, err, errlen);
    } else if (strcmp(src, "cuda") == 0) {
        rc = corridor_gpu_cuda_open(cfg->cuda_library, &s->impl, &s->ops, err, errlen);
    } else if (strcmp(src, "auto") == 0) {
        char why_nvml[256], why_cuda[256];
        if (corridor_gpu_nvml_open(cfg->nvml_library, &s->impl, &s->ops, why_nvml,
                                   sizeof why_nvml) == 0) {
            /* NVML found */
        } else if (corridor_gpu_cuda_open(cfg->cuda_library, &s->impl, &s->ops, why_cuda,
                                          sizeof why_cuda) == 0) {
            CLOG_INFO("gpu", "NVML unavailable, using the CUDA runtime", "nvml=\"%s\"",
                      why_nvml);
        } else {
            /* the one line a GPU-less node ever logs about GPUs */
            CLOG_INFO("gpu", "no GPU source: reporting no GPUs", "nvml=\"%s\" cuda=\"%s\"",
                      why_nvml, why_cuda);
            s->ops = &none_ops;
            s->impl = NULL;
        }
    } else {
        snprintf(err, errlen, "unknown GPU source '%s' (auto, nvml, cuda, file, none)", src);
        rc = -EINVAL;
    }
    if (rc < 0) {
        free(s);
        return NULL;
    }
    CLOG_INFO("gpu", "source ready", "source=%s", s->ops->name);
    return s;
}

void corridor_gpu_source_free(corridor_gpu_source **ps)
{
    if (!ps || !*ps)
        return;
    (*ps)->ops->free((*ps)->impl);
    free(*ps);
    *ps = NULL;
}

const char *corridor_gpu_source_name(const corridor_gpu_source *s) { return s->ops->name; }

int corridor_gpu_source_collect(corridor_gpu_source *s, corridor_report *r)
{
    snprintf(r->gpu_source, sizeof r->gpu_source, "%s", s->ops->name);
    free(r->gpus);
    r->gpus = NULL;
    r->n_gpus = 0;
    corridor_gpu buf[CORRIDOR_GPU_MAX];
    memset(buf, 0, sizeof buf);
    int n = s->ops->collect(s->impl, buf, CORRIDOR_GPU_MAX);
    if (n < 0) {
        if (n != s->last_rc)
            CLOG_WARN("gpu", "GPU readings failed: reporting no GPUs", "source=%s error=\"%s\"",
                      s->ops->name, strerror(-n));
        s->last_rc = n;
        return n;
    }
    if (s->last_rc < 0)
        CLOG_INFO("gpu", "GPU readings back", "source=%s gpus=%d", s->ops->name, n);
    s->last_rc = 0;
    if (n == 0)
        return 0;
    r->gpus = malloc((size_t)n * sizeof *r->gpus);
    if (!r->gpus)
        return -ENOMEM;
    memcpy(r->gpus, buf, (size_t)n * sizeof *r->gpus);
    r->n_gpus = (size_t)n;
    return 0;
}

int corridor_gpu_source_fd(const corridor_gpu_source *s) { return s->ops->fd(s->impl); }
int corridor_gpu_source_on_fd(corridor_gpu_source *s) { return s->ops->on_fd(s->impl); }
