#include "wl_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ids.h"
#include "json.h"
#include "msg.h"

#define MAX_STRV 256             /* = the protocol's default limits.max_args */
#define MAX_ARG 1024

typedef struct {
    char instance_id[CORRIDOR_ID_MAX + 1];
    char name[CORRIDOR_NAME_MAX + 1];
    char path[256];
    char restart[16];
    char cgroup[4096];
    uint32_t cpu_millicores;
    uint64_t memory_bytes;
    uint32_t pid;
    uint64_t start_ticks;
    uint32_t restarts;
    char args[MAX_STRV][MAX_ARG];
    size_t n_args;
    char env[MAX_STRV][MAX_ARG];
    size_t n_env;
} sfile;

#define F(m) .offset = offsetof(sfile, m), .size = sizeof(((sfile *)0)->m)
static const corridor_cfg_field schema[] = {
    {.name = "instance_id", .type = CORRIDOR_CFG_STRING, F(instance_id), .required = true,
     .check = corridor_cfg_check_id},
    {.name = "name", .type = CORRIDOR_CFG_STRING, F(name)},
    {.name = "path", .type = CORRIDOR_CFG_STRING, F(path), .required = true},
    {.name = "restart", .type = CORRIDOR_CFG_STRING, F(restart)},
    {.name = "cgroup", .type = CORRIDOR_CFG_STRING, F(cgroup)},
    {.name = "cpu_millicores", .type = CORRIDOR_CFG_INT, F(cpu_millicores), .min = 0,
     .max = 4294967295.0},
    {.name = "memory_bytes", .type = CORRIDOR_CFG_INT, F(memory_bytes), .min = 0, .max = 1e18},
    {.name = "pid", .type = CORRIDOR_CFG_INT, F(pid), .min = 0, .max = 4194304},
    {.name = "start_ticks", .type = CORRIDOR_CFG_INT, F(start_ticks), .min = 0, .max = 1e18},
    {.name = "restarts", .type = CORRIDOR_CFG_INT, F(restarts), .min = 0, .max = 4294967295.0},
    {.name = "args", .type = CORRIDOR_CFG_LIST, .offset = offsetof(sfile, args), .size = MAX_ARG,
     .elem_type = CORRIDOR_CFG_STRING, .count_offset = offsetof(sfile, n_args),
     .max_count = MAX_STRV},
    {.name = "env", .type = CORRIDOR_CFG_LIST, .offset = offsetof(sfile, env), .size = MAX_ARG,
     .elem_type = CORRIDOR_CFG_STRING, .count_offset = offsetof(sfile, n_env),
     .max_count = MAX_STRV},
    {.name = NULL},
};

static void strv(corridor_json *j, const char *key, char *const *v, size_t n)
{
    corridor_json_key(j, key);
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < n; i++)
        corridor_json_str(j, v[i]);
    corridor_json_arr_end(j);
}

int corridor_wl_state_save(const char *path, const corridor_wl_state *s)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    /* 0600: the environment may carry credentials */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int rc = -errno;
        if (fd >= 0)
            close(fd);
        return rc;
    }
    corridor_json j;
    corridor_json_init(&j, f, true);
    corridor_json_obj_begin(&j);
    corridor_json_kstr(&j, "instance_id", s->instance_id);
    corridor_json_kstr(&j, "name", s->name);
    corridor_json_kstr(&j, "path", s->path);
    corridor_json_kstr(&j, "restart", s->restart);
    corridor_json_kstr(&j, "cgroup", s->cgroup ? s->cgroup : "");
    corridor_json_ku64(&j, "cpu_millicores", s->cpu_millicores);
    corridor_json_ku64(&j, "memory_bytes", s->memory_bytes);
    corridor_json_ku64(&j, "pid", s->pid);
    corridor_json_ku64(&j, "start_ticks", s->start_ticks);
    corridor_json_ku64(&j, "restarts", s->restarts);
    strv(&j, "args", s->args, s->n_args);
    strv(&j, "env", s->env, s->n_env);
    corridor_json_obj_end(&j);
    corridor_json_finish(&j);
    int rc = fflush(f) == 0 ? 0 : -errno;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

static int dupv(char (*src)[MAX_ARG], size_t n, char ***out, size_t *out_n)
{
    *out = n ? calloc(n, sizeof **out) : NULL;
    if (n && !*out)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!((*out)[i] = strdup(src[i])))
            return -ENOMEM;
        *out_n = i + 1;
    }
    return 0;
}

int corridor_wl_state_load(const char *path, corridor_wl_state *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    sfile *f = malloc(sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    corridor_cfg_error ce;
    int rc = corridor_cfg_load_file(path, schema, NULL, f, &ce);
    if (rc < 0) {
        snprintf(err, errlen, "%s", ce.text);
        free(f);
        return rc;
    }
    s->instance_id = strdup(f->instance_id);
    s->name = strdup(f->name);
    s->path = strdup(f->path);
    s->restart = strdup(f->restart);
    s->cgroup = strdup(f->cgroup);
    s->cpu_millicores = f->cpu_millicores;
    s->memory_bytes = f->memory_bytes;
    s->pid = f->pid;
    s->start_ticks = f->start_ticks;
    s->restarts = f->restarts;
    rc = 0;
    if (!s->instance_id || !s->name || !s->path || !s->restart || !s->cgroup ||
        dupv(f->args, f->n_args, &s->args, &s->n_args) < 0 ||
        dupv(f->env, f->n_env, &s->env, &s->n_env) < 0) {
        corridor_wl_state_fini(s);
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
    }
    free(f);
    return rc;
}

void corridor_wl_state_fini(corridor_wl_state *s)
{
    free(s->instance_id);
    free(s->name);
    free(s->path);
    free(s->restart);
    free(s->cgroup);
    for (size_t i = 0; s->args && i < s->n_args; i++)
        free(s->args[i]);
    for (size_t i = 0; s->env && i < s->n_env; i++)
        free(s->env[i]);
    free(s->args);
    free(s->env);
    memset(s, 0, sizeof *s);
}
