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
    dst->dataplane = dup_array(src->dataplane, src->dataplane ? 1 : 0, sizeof *src->dataplane,
                               &err);
    /* lists leave the counters out, as they leave out routes: GET_NODE has them */
    if (dst->dataplane && !with_routes)
        dst->dataplane->n_counters = 0;
    if (err) {
        free(dst->gpus);
        free(dst->workloads);
        free(dst->routes);
        free(dst->links);
        free(dst->dataplane);
        memset(dst, 0, sizeof *dst);
    }
    return err;
}

int corridor_strv_copy(char ***dst, size_t *dst_n, char *const *src, size_t n)
{
    *dst = NULL;
    *dst_n = 0;
    if (n == 0)
        return 0;
    char **v = calloc(n, sizeof *v);
    if (!v)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        v[i] = strdup(src[i] ? src[i] : "");
        if (!v[i]) {
            for (size_t k = 0; k < i; k++)
                free(v[k]);
            free(v);
            return -ENOMEM;
        }
    }
    *dst = v;
    *dst_n = n;
    return 0;
}

int corridor_workload_spec_copy(corridor_workload_spec *dst, const corridor_workload_spec *src)
{
    *dst = *src;
    if (corridor_strv_copy(&dst->args, &dst->n_args, src->args, src->n_args) < 0)
        goto fail;
    if (corridor_strv_copy(&dst->env, &dst->n_env, src->env, src->n_env) < 0) {
        corridor_workload_spec_fini(dst);
        goto fail;
    }
    return 0;
fail:
    dst->args = dst->env = NULL;
    dst->n_args = dst->n_env = 0;
    return -ENOMEM;
}
