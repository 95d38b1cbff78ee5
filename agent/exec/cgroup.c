#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* dir/name, cut at len (paths here come from the kernel's mountinfo and our config) */
static void path_join(char *out, size_t len, const char *dir, const char *name)
{
    int n = snprintf(out, len, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= len)
        out[0] = '\0'; /* a cut path would name another file: none at all fails clearly */
}

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    path_join(path, sizeof path, dir, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int rc = n < 0 ? -errno : 0;
    close(fd);
    return rc;
}

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    buf[0] = '\0';
    if (!fgets(buf, (int)len, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static bool has_word(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += wl)
        if ((p == list || p[-1] == ' ') && (p[wl] == '\0' || p[wl] == ' '))
            return true;
    return false;
}

/* Scan proc_root/self/<file> line by line; the first line pick() accepts (it fills out and
 * returns true) ends the scan. 0, -ENOENT when no line matched, or -errno. */
static int proc_self_scan(const char *proc_root, const char *file,
                          bool (*pick)(char *line, char *out, size_t len), char *out, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/self/%s", proc_root, file);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    char line[1024];
    int rc = -ENOENT;
    while (fgets(line, sizeof line, f))
        if (pick(line, out, len)) {
            rc = 0;
            break;
        }
    fclose(f);
    return rc;
}

/* The cgroup2 mount point from mountinfo: "... - cgroup2 cgroup2 rw". */
static bool pick_cgroup2_mount(char *line, char *out, size_t len)
{
    const char *sep = strstr(line, " - ");
    if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
        return false;
    char mnt[PATH_MAX];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
        return false;
    snprintf(out, len, "%.*s", (int)(len - 1), mnt);
    return true;
}

/* Our own cgroup v2 path, "0::/system.slice/corridor-agent.service" -> "/system.slice/..." */
static bool pick_own_cgroup(char *line, char *out, size_t len)
{
    if (strncmp(line, "0::", 3) != 0)
        return false;
    line[strcspn(line, "\n")] = '\0';
    snprintf(out, len, "%s", line + 3);
    return true;
}

static void not_delegated(corridor_cgroup *cg, const char *fmt, const char *a, const char *b)
{
    cg->delegated = false;
    snprintf(cg->why, sizeof cg->why, fmt, a, b);
}

/* Enable cpu and memory for the children of dir. */
static int enable_children(const char *dir)
{
    int rc = write_file(dir, "cgroup.subtree_control", "+cpu +memory");
    return rc;
}

void corridor_cgroup_detect(corridor_cgroup *cg, const char *root_override,
                            const char *proc_root)
{
    memset(cg, 0, sizeof *cg);
    if (root_override && strcmp(root_override, "off") == 0) {
        not_delegated(cg, "cgroups turned off (workloads.cgroup_root: off)%s%s", "", "");
        return;
    }
    char base[PATH_MAX], ctl[PATH_MAX], controllers[512];
    if (root_override && root_override[0]) {
        snprintf(base, sizeof base, "%s", root_override);
    } else {
        char mnt[PATH_MAX / 2], own[PATH_MAX / 2];
        if (proc_self_scan(proc_root, "mountinfo", pick_cgroup2_mount, mnt, sizeof mnt) < 0) {
            not_delegated(cg, "no cgroup v2 hierarchy mounted%s%s", "", "");
            return;
        }
        if (proc_self_scan(proc_root, "cgroup", pick_own_cgroup, own, sizeof own) < 0) {
            not_delegated(cg, "no cgroup v2 entry in /proc/self/cgroup (cgroup2 at %.200s)%s",
                          mnt, "");
            return;
        }
        path_join(base, sizeof base, mnt, strcmp(own, "/") == 0 ? "" : own + 1);
    }
    path_join(ctl, sizeof ctl, base, "cgroup.controllers");
    if (read_line(ctl, controllers, sizeof controllers) < 0) {
        not_delegated(cg, "cannot read %.250s: not a cgroup v2 directory%s", ctl, "");
        return;
    }
    if (!has_word(controllers, "cpu") || !has_word(controllers, "memory")) {
        not_delegated(cg, "cgroup v2 at %.120s offers controllers '%.80s', not cpu and memory "
                      "(not delegated, or bound to cgroup v1)", base, controllers);
        return;
    }
    path_join(ctl, sizeof ctl, base, "cgroup.subtree_control");
    if (access(ctl, W_OK) != 0) {
        not_delegated(cg, "%.250s is not writable by the agent (not delegated)%s", ctl, "");
        return;
    }
    /* cgroup v2 forbids processes in a cgroup whose children have controllers: unless an
     * explicit root was given (an empty delegated directory), move the agent itself into a
     * leaf "agent" first, then enable cpu+memory for "workloads". */
    char leaf[PATH_MAX], wl[PATH_MAX];
    path_join(wl, sizeof wl, base, "workloads");
    if (!(root_override && root_override[0])) {
        path_join(leaf, sizeof leaf, base, "agent");
        if ((mkdir(leaf, 0755) < 0 && errno != EEXIST) ||
            write_file(leaf, "cgroup.procs", "0") < 0) {
            not_delegated(cg, "cannot move the agent into %.200s: %.60s", leaf, strerror(errno));
            return;
        }
    }
    int rc = enable_children(base);
    if (rc == 0 && mkdir(wl, 0755) < 0 && errno != EEXIST)
        rc = -errno;
    if (rc == 0)
        rc = enable_children(wl);
    if (rc < 0) {
        not_delegated(cg, "cannot enable cpu and memory under %.200s: %.60s", base,
                      strerror(-rc));
        return;
    }
    cg->delegated = true;
    path_join(cg->root, sizeof cg->root, base, "workloads");
    snprintf(cg->why, sizeof cg->why, "cgroup v2 delegated: workload cgroups under %.250s", wl);
}

int corridor_cgroup_create(const corridor_cgroup *cg, const char *name, uint32_t cpu_millicores,
                           uint64_t memory_bytes, char *path_out, size_t path_len, char *msg,
                           size_t msglen)
{
    if (!cg->delegated)
        return -EOPNOTSUPP;
    path_join(path_out, path_len, cg->root, name);
    if (mkdir(path_out, 0755) < 0 && errno != EEXIST) {
        int rc = -errno;
        snprintf(msg, msglen, "mkdir %.200s: %.60s", path_out, strerror(-rc));
        return rc;
    }
    char v[64];
    int rc = 0;
    if (cpu_millicores) {
        /* quota per 100 ms period: 1000 millicores = one full CPU */
        snprintf(v, sizeof v, "%llu 100000", (unsigned long long)cpu_millicores * 100);
        rc = write_file(path_out, "cpu.max", v);
        if (rc < 0)
            snprintf(msg, msglen, "cpu.max=%s: %s", v, strerror(-rc));
    }
    if (rc == 0 && memory_bytes) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)memory_bytes);
        rc = write_file(path_out, "memory.max", v);
        if (rc == 0)
            write_file(path_out, "memory.swap.max", "0"); /* a limit swap would dodge */
        else
            snprintf(msg, msglen, "memory.max=%s: %s", v, strerror(-rc));
    }
    if (rc < 0)
        rmdir(path_out);
    return rc;
}

int corridor_cgroup_usage(const char *path, uint64_t *cpu_us, uint64_t *mem_bytes)
{
    char p[PATH_MAX], line[128];
    *cpu_us = *mem_bytes = 0;
    path_join(p, sizeof p, path, "cpu.stat");
    FILE *f = fopen(p, "re");
    if (!f)
        return -errno;
    unsigned long long v;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "usage_usec %llu", &v) == 1)
            *cpu_us = v;
    fclose(f);
    path_join(p, sizeof p, path, "memory.current");
    if (read_line(p, line, sizeof line) == 0)
        *mem_bytes = strtoull(line, NULL, 10);
    return 0;
}

void corridor_cgroup_destroy(const char *path)
{
    if (!path || !path[0])
        return;
    write_file(path, "cgroup.kill", "1");
    /* rmdir fails with EBUSY until the killed processes are gone; they go within ms */
    for (int i = 0; i < 50 && rmdir(path) < 0 && errno == EBUSY; i++)
        usleep(2000);
}
