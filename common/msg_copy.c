#include "msg_copy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void *dup_array(const void *src, size_t n, size_t size, int *err)
{
    if (n == 0 || !src)
        return NULL;
    void *p = malloc(n * size);
    if (!p) {
        *err = -ENOMEM;
        return NULL;
    }
    memcpy(p, src, n * size);
    return p;
}

int corridor_report_copy(corridor_report *dst, const corridor_report *src, bool with_routes)
{
    int err = 0;
    *dst = *src;
    dst->gpus = dup_array(src->gpus, src->n_gpus, sizeof *src->gpus, &err);
    dst->workloads = dup_array(src->workloads, src->n_workloads, sizeof *src->workloads, &err);
    if (with_routes) {
        dst->routes = dup_array(src->routes, src->n_routes, sizeof *src->routes, &err);
        dst->links = dup_array(src->links, src->n_links, sizeof *src->links, &err);
    } else {
        dst->routes = NULL;
        dst->n_routes = 0;
        dst->links = NULL;
        dst->n_links = 0;
    }
    if (!dst->gpus)
        dst->n_gpus = 0;
    if (!dst->workloads)
        dst->n_workloads = 0;
    if (!dst->routes)
        dst->n_routes = 0;
    if (!dst->links)
        dst->n_links = 0;
    if (err) {
        free(dst->gpus);
        free(dst->workloads);
        free(dst->routes);
        free(dst->links);
        memset(dst, 0, sizeof *dst);
    }
    return err;
}
