#include "exec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ids.h"
#include "log.h"
#include "msg_copy.h"
#include "wl_state.h"

typedef enum { RESTART_ON_FAILURE = 0, RESTART_ALWAYS, RESTART_NEVER } restart_policy;
static const char *const policy_names[] = {"on-failure", "always", "never"};

typedef struct {
    bool used;
    char instance_id[CORRIDOR_ID_MAX + 1];
    char name[CORRIDOR_NAME_MAX + 1];
    char path[256];
    char **args, **env;
    size_t n_args, n_env;
    uint32_t cpu_millicores;
    uint64_t memory_bytes;
    restart_policy restart;

    corridor_workload_state state;
    int32_t exit_code;
    uint32_t restarts, consecutive;
    char reason[CORRIDOR_REASON_MAX + 1];
    pid_t pid;
    int pidfd;
    uint64_t start_ticks;        /* /proc/PID/stat starttime: tells a reused pid apart */
    bool adopted;                /* not our child: its exit status cannot be known */
    bool stopping;
    uint64_t kill_at_ms, restart_at_ms, started_ms, ended_ms;
    char cgroup[PATH_MAX];
    bool limited;
} wl;

struct corridor_exec {
    corridor_exec_config cfg;
    corridor_cgroup cg;
    wl *w;
    size_t cap;
    corridor_exec_stats stats;
};

/* ---- helpers ---- */

static wl *find(corridor_exec *e, const char *id)
{
    for (size_t i = 0; i < e->cap; i++)
        if (e->w[i].used && strcmp(e->w[i].instance_id, id) == 0)
            return &e->w[i];
    return NULL;
}

static bool terminal(const wl *w)
{
    return w->state == CORRIDOR_WL_EXITED || w->state == CORRIDOR_WL_FAILED ||
           w->state == CORRIDOR_WL_STOPPED;
}

static void wl_clear(wl *w)
{
    for (size_t i = 0; w->args && i < w->n_args; i++)
        free(w->args[i]);
    for (size_t i = 0; w->env && i < w->n_env; i++)
        free(w->env[i]);
    free(w->args);
    free(w->env);
    if (w->pidfd >= 0)
        close(w->pidfd);
    memset(w, 0, sizeof *w);
    w->pidfd = -1;
}

/* A free slot, evicting the longest-finished instance when the table is full. */
static wl *alloc_slot(corridor_exec *e)
{
    wl *oldest = NULL;
    for (size_t i = 0; i < e->cap; i++) {
        if (!e->w[i].used)
            return &e->w[i];
        if (terminal(&e->w[i]) && (!oldest || e->w[i].ended_ms < oldest->ended_ms))
            oldest = &e->w[i];
    }
    if (oldest)
        wl_clear(oldest);
    return oldest;
}

/* starttime (field 22) of /proc/PID/stat, in clock ticks since boot; 0 when gone. */
static uint64_t proc_start_ticks(pid_t pid, char *state_out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
    if (!p)
        return 0;
    char st = 0;
    unsigned long long ticks = 0;
    /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
     * utime stime cutime cstime priority nice threads itrealvalue starttime(22) */
    if (sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
               "%*d %llu", &st, &ticks) != 2)
        return 0;
    if (state_out)
        *state_out = st;
    return ticks;
}

static void proc_usage(pid_t pid, uint64_t *cpu_us, uint64_t *mem)
{
    char path[64], buf[1024];
    *cpu_us = *mem = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, stt = 0, rss = 0;
    if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d "
                    "%*d %*d %*d %*u %*u %llu", &ut, &stt, &rss) == 3) {
        long hz = sysconf(_SC_CLK_TCK);
        *cpu_us = hz > 0 ? (ut + stt) * 1000000ull / (unsigned long long)hz : 0;
        *mem = rss * (uint64_t)sysconf(_SC_PAGESIZE);
    }
}

static void state_path(const corridor_exec *e, const char *id, char *out, size_t len)
{
    snprintf(out, len, "%s/instances/%s.json", e->cfg.state_dir, id);
}

static void save_state(corridor_exec *e, wl *w)
{
    char path[PATH_MAX];
    state_path(e, w->instance_id, path, sizeof path);
    corridor_wl_state s = {
        .instance_id = w->instance_id, .name = w->name, .path = w->path,
        .args = w->args, .n_args = w->n_args, .env = w->env, .n_env = w->n_env,
        .cpu_millicores = w->cpu_millicores, .memory_bytes = w->memory_bytes,
        .restart = (char *)policy_names[w->restart], .pid = w->pid, .start_ticks = w->start_ticks,
        .restarts = w->restarts, .cgroup = w->cgroup,
    };
    int rc = corridor_wl_state_save(path, &s);
    if (rc < 0)
        CLOG_WARN("exec", "cannot save workload state: it will not be adopted after an agent "
                  "restart", "instance=%s file=%s error=\"%s\"", w->instance_id, path,
                  strerror(-rc));
}

static void drop_state(corridor_exec *e, const wl *w)
{
    char path[PATH_MAX];
    state_path(e, w->instance_id, path, sizeof path);
    unlink(path);
}

static int mkdirs(const char *dir)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

/* ---- starting ---- */

static bool env_has_key(char *const *env, size_t n, const char *kv)
{
    size_t kl = strcspn(kv, "=");
    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], kv, kl) == 0 && env[i][kl] == '=')
            return true;
    return false;
}

/* Everything the child needs is prepared here: after fork only async-signal-safe calls. */
static int spawn(corridor_exec *e, wl *w, uint64_t now, char *msg, size_t msglen)
{
    char logpath[PATH_MAX], procs[PATH_MAX + 32] = "";
    snprintf(logpath, sizeof logpath, "%s/%s.log", e->cfg.log_dir, w->instance_id);
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (logfd < 0) {
        int rc = -errno;
        snprintf(msg, msglen, "cannot open log %s: %s", logpath, strerror(-rc));
        return rc;
    }
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    char base[4][320];
    snprintf(base[0], sizeof base[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
             "/sbin:/bin");
    snprintf(base[1], sizeof base[1], "HOME=/");
    snprintf(base[2], sizeof base[2], "CORRIDOR_INSTANCE_ID=%s", w->instance_id);
    snprintf(base[3], sizeof base[3], "CORRIDOR_NODE_ID=%s", e->cfg.node_id);
    char **argv = calloc(w->n_args + 2, sizeof *argv);
    char **envp = calloc(w->n_env + 5, sizeof *envp);
    if (!argv || !envp || nullfd < 0) {
        free(argv);
        free(envp);
        close(logfd);
        if (nullfd >= 0)
            close(nullfd);
        snprintf(msg, msglen, "out of memory");
        return -ENOMEM;
    }
    argv[0] = w->path;
    for (size_t i = 0; i < w->n_args; i++)
        argv[i + 1] = w->args[i];
    size_t ne = 0;
    for (size_t i = 0; i < w->n_env; i++)
        envp[ne++] = w->env[i];
    for (size_t i = 0; i < 4; i++)
        if (!env_has_key(w->env, w->n_env, base[i]))
            envp[ne++] = base[i];

    w->cgroup[0] = '\0';
    w->limited = false;
    if (e->cg.delegated) {
        char cmsg[256] = "";
        if (corridor_cgroup_create(&e->cg, w->instance_id, w->cpu_millicores, w->memory_bytes,
                                   w->cgroup, sizeof w->cgroup, cmsg, sizeof cmsg) == 0) {
            w->limited = true;
            snprintf(procs, sizeof procs, "%s/cgroup.procs", w->cgroup);
        } else {
            w->cgroup[0] = '\0';
            CLOG_WARN("exec", "no cgroup for the workload, running without limits",
                      "instance=%s error=\"%s\"", w->instance_id, cmsg);
        }
    }
    dprintf(logfd, "=== corridor-agent: start %u of %s: %s (%s)\n", w->restarts + 1,
            w->instance_id, w->path, w->limited ? "limits enforced" : "no limits");

    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        int rc = -errno;
        snprintf(msg, msglen, "pipe: %s", strerror(-rc));
        free(argv);
        free(envp);
        close(logfd);
        close(nullfd);
        return rc;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* child: report the first failure through the pipe as {stage, errno} */
        int stage = 1;
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL); /* the agent blocks SIGTERM for its signalfd */
        signal(SIGPIPE, SIG_DFL);
        if (setsid() < 0)
            goto child_fail;
        stage = 2;
        if (procs[0]) {
            int cfd = open(procs, O_WRONLY | O_CLOEXEC);
            if (cfd < 0 || write(cfd, "0", 1) != 1)
                goto child_fail;
            close(cfd);
        }
        stage = 3;
        if (dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
            goto child_fail;
        close_range(3, ~0u, CLOSE_RANGE_CLOEXEC); /* no agent fd leaks into the workload */
        if (chdir("/") < 0)
            goto child_fail;
        stage = 4;
        execve(w->path, argv, envp);
    child_fail:;
        int rep[2] = {stage, errno};
        ssize_t wr = write(pipefd[1], rep, sizeof rep);
        (void)wr;
        _exit(127);
    }
    int fork_errno = errno;
    close(pipefd[1]);
    close(logfd);
    close(nullfd);
    free(argv);
    free(envp);
    if (pid < 0) {
        close(pipefd[0]);
        snprintf(msg, msglen, "fork: %s", strerror(fork_errno));
        corridor_cgroup_destroy(w->cgroup);
        return -fork_errno;
    }
    int rep[2] = {0, 0};
    ssize_t n;
    do {
        n = read(pipefd[0], rep, sizeof rep);
    } while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == (ssize_t)sizeof rep) {
        /* exec failed: the child has exited already; reap it now */
        waitpid(pid, NULL, 0);
        static const char *const stages[] = {"", "setsid", "joining cgroup", "redirecting output",
                                             "exec"};
        snprintf(msg, msglen, "%s %s: %s", rep[0] >= 1 && rep[0] <= 4 ? stages[rep[0]] : "start",
                 w->path, strerror(rep[1]));
        corridor_cgroup_destroy(w->cgroup);
        return -rep[1];
    }
    w->pid = pid;
    w->pidfd = pidfd_open(pid, 0);
    w->start_ticks = proc_start_ticks(pid, NULL);
    w->adopted = false;
    w->stopping = false;
    w->started_ms = now;
    w->state = CORRIDOR_WL_RUNNING;
    w->exit_code = 0;
    snprintf(w->reason, sizeof w->reason, "%s",
             w->limited ? "" : e->cg.delegated ? "running without limits: cgroup creation failed"
                                               : "running without limits: cgroups not delegated");
    e->stats.started++;
    save_state(e, w);
    snprintf(msg, msglen, "started pid %d%s", (int)pid, w->limited ? "" : " (no limits)");
    CLOG_INFO("exec", "workload started", "instance=%s pid=%d path=%s restarts=%u limits=%s",
              w->instance_id, (int)pid, w->path, w->restarts, w->limited ? "yes" : "no");
    return 0;
}

int corridor_exec_start(corridor_exec *e, const corridor_command *c, uint64_t now, char *msg,
                        size_t msglen)
{
    if (!corridor_id_valid(c->instance_id)) {
        snprintf(msg, msglen, "instance_id '%.63s' is not a valid id", c->instance_id);
        return -EINVAL;
    }
    restart_policy pol = RESTART_ON_FAILURE;
    if (strcmp(c->restart, "always") == 0)
        pol = RESTART_ALWAYS;
    else if (strcmp(c->restart, "never") == 0)
        pol = RESTART_NEVER;
    else if (c->restart[0] && strcmp(c->restart, "on-failure") != 0) {
        snprintf(msg, msglen, "restart '%s' is not always, on-failure or never", c->restart);
        return -EINVAL;
    }
    wl *w = find(e, c->instance_id);
    if (w && !terminal(w)) {
        snprintf(msg, msglen, "already %s (pid %d)",
                 w->state == CORRIDOR_WL_RUNNING ? "running" : "pending restart", (int)w->pid);
        return 0; /* idempotent: the same start twice is one start */
    }
    if (c->path[0] != '/') {
        snprintf(msg, msglen, "path '%.200s' must be absolute", c->path);
        return -EINVAL;
    }
    struct stat st;
    if (stat(c->path, &st) < 0 || access(c->path, X_OK) < 0) {
        int rc = -errno;
        snprintf(msg, msglen, "path %.200s: %s", c->path, strerror(-rc));
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(msg, msglen, "path %.200s is not a regular file", c->path);
        return -EINVAL;
    }
    for (size_t i = 0; i < c->n_env; i++) {
        const char *eq = strchr(c->env[i], '=');
        if (!eq || eq == c->env[i]) {
            snprintf(msg, msglen, "env entry '%.60s' is not KEY=VALUE", c->env[i]);
            return -EINVAL;
        }
    }
    uint32_t restarts = 0;
    if (w) { /* a finished instance started again: keep its restart count */
        restarts = w->restarts;
        wl_clear(w);
    } else if (!(w = alloc_slot(e))) {
        snprintf(msg, msglen, "workloads.max (%u) instances are running", e->cfg.max_workloads);
        return -ENOSPC;
    }
    w->used = true;
    w->pidfd = -1;
    snprintf(w->instance_id, sizeof w->instance_id, "%s", c->instance_id);
    snprintf(w->name, sizeof w->name, "%s", c->name[0] ? c->name : c->instance_id);
    snprintf(w->path, sizeof w->path, "%s", c->path);
    w->cpu_millicores = c->cpu_millicores;
    w->memory_bytes = c->memory_bytes;
    w->restart = pol;
    w->restarts = restarts;
    if (corridor_strv_copy(&w->args, &w->n_args, c->args, c->n_args) < 0 ||
        corridor_strv_copy(&w->env, &w->n_env, c->env, c->n_env) < 0) {
        wl_clear(w);
        snprintf(msg, msglen, "out of memory");
        return -ENOMEM;
    }
    int rc = spawn(e, w, now, msg, msglen);
    if (rc < 0) {
        e->stats.start_failures++;
        w->state = CORRIDOR_WL_FAILED;
        w->ended_ms = now;
        snprintf(w->reason, sizeof w->reason, "%s", msg);
        CLOG_WARN("exec", "workload failed to start", "instance=%s error=\"%s\"",
                  w->instance_id, msg);
    }
    return rc;
}

/* ---- stopping and exits ---- */

static void signal_group(wl *w, int sig)
{
    if (w->pid <= 0)
        return;
    if (kill(-w->pid, sig) < 0) /* its process group (setsid made it the leader) */
        kill(w->pid, sig);
}

static const char *describe_exit(const siginfo_t *si, char *buf, size_t len)
{
    if (si->si_code == CLD_EXITED)
        snprintf(buf, len, "exit code %d", si->si_status);
    else
        snprintf(buf, len, "killed by signal %d (%s)", si->si_status, strsignal(si->si_status));
    return buf;
}

/* The process is gone (si NULL: not our child, status unknown). */
static void on_exit_(corridor_exec *e, wl *w, const siginfo_t *si, uint64_t now)
{
    char how[96];
    if (si)
        describe_exit(si, how, sizeof how);
    else
        snprintf(how, sizeof how, "exit status unknown (adopted after an agent restart)");
    close(w->pidfd);
    w->pidfd = -1;
    corridor_cgroup_destroy(w->cgroup); /* whatever it left behind goes with it */
    w->cgroup[0] = '\0';
    int32_t code = !si ? 0 : si->si_code == CLD_EXITED ? si->si_status : -si->si_status;
    bool failed = !si || si->si_code != CLD_EXITED || si->si_status != 0;
    pid_t pid = w->pid;
    w->pid = 0;
    w->exit_code = code;
    e->stats.exits++;
    if (w->stopping) {
        w->state = CORRIDOR_WL_STOPPED;
        w->stopping = false;
        w->ended_ms = now;
        snprintf(w->reason, sizeof w->reason, "stopped (%s)", how);
        drop_state(e, w);
        e->stats.stopped++;
        CLOG_INFO("exec", "workload stopped", "instance=%s pid=%d how=\"%s\"", w->instance_id,
                  (int)pid, how);
        return;
    }
    bool again = w->restart == RESTART_ALWAYS || (w->restart == RESTART_ON_FAILURE && failed);
    if (!again) {
        w->state = si && si->si_code != CLD_EXITED ? CORRIDOR_WL_FAILED : CORRIDOR_WL_EXITED;
        w->ended_ms = now;
        snprintf(w->reason, sizeof w->reason, "%s", how);
        drop_state(e, w);
        CLOG_INFO("exec", "workload ended", "instance=%s pid=%d how=\"%s\" restart=%s",
                  w->instance_id, (int)pid, how, policy_names[w->restart]);
        return;
    }
    /* exponential backoff; a run that lasted backoff_reset_ms starts it over */
    if (now - w->started_ms >= e->cfg.backoff_reset_ms)
        w->consecutive = 0;
    uint64_t delay = e->cfg.backoff_min_ms;
    for (uint32_t i = 0; i < w->consecutive && delay < e->cfg.backoff_max_ms; i++)
        delay *= 2;
    if (delay > e->cfg.backoff_max_ms)
        delay = e->cfg.backoff_max_ms;
    w->consecutive++;
    w->restart_at_ms = now + delay;
    w->state = CORRIDOR_WL_PENDING;
    snprintf(w->reason, sizeof w->reason, "restarting in %llu ms after %s",
             (unsigned long long)delay, how);
    CLOG_WARN("exec", "workload exited, restarting", "instance=%s pid=%d how=\"%s\" delay_ms=%llu "
              "restarts=%u", w->instance_id, (int)pid, how, (unsigned long long)delay,
              w->restarts);
}

/* 1 when the process has exited (and was handled). */
static int reap(corridor_exec *e, wl *w, uint64_t now)
{
    if (w->pidfd < 0 || w->pid <= 0)
        return 0;
    if (w->adopted) {
        struct pollfd p = {.fd = w->pidfd, .events = POLLIN};
        if (poll(&p, 1, 0) <= 0)
            return 0;
        on_exit_(e, w, NULL, now);
        return 1;
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PIDFD, (id_t)w->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
        return 0;
    on_exit_(e, w, &si, now);
    return 1;
}

int corridor_exec_stop(corridor_exec *e, const char *id, uint64_t now, char *msg, size_t msglen)
{
    wl *w = find(e, id);
    if (!w) {
        snprintf(msg, msglen, "no workload instance '%.63s' on this node", id);
        return -ENOENT;
    }
    if (w->state == CORRIDOR_WL_PENDING) { /* waiting for a restart: just do not restart */
        w->state = CORRIDOR_WL_STOPPED;
        w->ended_ms = now;
        snprintf(w->reason, sizeof w->reason, "stopped while waiting to restart");
        drop_state(e, w);
        e->stats.stopped++;
        snprintf(msg, msglen, "stopped (was waiting to restart)");
        return 0;
    }
    if (terminal(w)) {
        snprintf(msg, msglen, "was not running (%s)", w->reason);
        return 0;
    }
    if (!w->stopping) {
        w->stopping = true;
        w->kill_at_ms = now + e->cfg.stop_grace_ms;
        signal_group(w, SIGTERM);
    }
    /* most processes leave within a few ms of SIGTERM: answer with the outcome if we can */
    struct pollfd p = {.fd = w->pidfd, .events = POLLIN};
    int wait_ms = e->cfg.stop_grace_ms < 300 ? (int)e->cfg.stop_grace_ms : 300;
    if (w->pidfd >= 0 && poll(&p, 1, wait_ms) > 0 && reap(e, w, now)) {
        snprintf(msg, msglen, "%s", w->reason);
        return 0;
    }
    snprintf(msg, msglen, "stopping: SIGTERM sent, SIGKILL in %u ms if still running",
             e->cfg.stop_grace_ms);
    return 0;
}

int corridor_exec_tick(corridor_exec *e, uint64_t now)
{
    int changes = 0;
    for (size_t i = 0; i < e->cap; i++) {
        wl *w = &e->w[i];
        if (!w->used)
            continue;
        changes += reap(e, w, now);
        if (w->stopping && w->pid > 0 && now >= w->kill_at_ms) {
            CLOG_WARN("exec", "workload ignored SIGTERM, killing it", "instance=%s pid=%d",
                      w->instance_id, (int)w->pid);
            signal_group(w, SIGKILL);
            w->kill_at_ms = now + 1000;
        }
        if (w->state == CORRIDOR_WL_PENDING && w->pid == 0 && now >= w->restart_at_ms) {
            char msg[CORRIDOR_REASON_MAX + 1];
            w->restarts++;
            e->stats.restarts++;
            if (spawn(e, w, now, msg, sizeof msg) < 0) {
                /* cannot start now (binary removed, ...): keep trying with the backoff */
                siginfo_t fake;
                memset(&fake, 0, sizeof fake);
                fake.si_code = CLD_EXITED;
                fake.si_status = 127;
                w->pidfd = -1;
                e->stats.start_failures++;
                CLOG_WARN("exec", "restart failed", "instance=%s error=\"%s\"", w->instance_id,
                          msg);
                on_exit_(e, w, &fake, now);
                snprintf(w->reason + strlen(w->reason), sizeof w->reason - strlen(w->reason),
                         ": %s", msg);
            }
            changes++;
        }
    }
    return changes;
}

uint64_t corridor_exec_next_ms(const corridor_exec *e)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < e->cap; i++) {
        const wl *w = &e->w[i];
        if (!w->used)
            continue;
        if (w->state == CORRIDOR_WL_PENDING && w->pid == 0 && w->restart_at_ms < next)
            next = w->restart_at_ms;
        if (w->stopping && w->kill_at_ms < next)
            next = w->kill_at_ms;
        if (w->adopted && w->pid > 0) {
            /* pidfd of a non-child is pollable too; no extra deadline */
        }
    }
    return next;
}

size_t corridor_exec_fds(const corridor_exec *e, int *fds, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < e->cap && n < max; i++)
        if (e->w[i].used && e->w[i].pidfd >= 0)
            fds[n++] = e->w[i].pidfd;
    return n;
}

int corridor_exec_collect(corridor_exec *e, corridor_report *r)
{
    free(r->workloads);
    r->workloads = NULL;
    r->n_workloads = 0;
    size_t n = corridor_exec_count(e);
    if (!n)
        return 0;
    r->workloads = calloc(n, sizeof *r->workloads);
    if (!r->workloads)
        return -ENOMEM;
    for (size_t i = 0; i < e->cap; i++) {
        const wl *w = &e->w[i];
        if (!w->used)
            continue;
        corridor_workload_status *s = &r->workloads[r->n_workloads++];
        snprintf(s->instance_id, sizeof s->instance_id, "%s", w->instance_id);
        snprintf(s->name, sizeof s->name, "%s", w->name);
        s->state = w->state;
        s->exit_code = w->exit_code;
        s->restarts = w->restarts;
        snprintf(s->reason, sizeof s->reason, "%s", w->reason);
        s->pid = w->pid > 0 ? (uint32_t)w->pid : 0;
        s->limits_enforced = w->limited && w->pid > 0;
        if (w->pid > 0 && !(w->cgroup[0] &&
                            corridor_cgroup_usage(w->cgroup, &s->cpu_time_us,
                                                  &s->memory_bytes) == 0))
            proc_usage(w->pid, &s->cpu_time_us, &s->memory_bytes);
    }
    return 0;
}

size_t corridor_exec_count(const corridor_exec *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->cap; i++)
        n += e->w[i].used;
    return n;
}

const corridor_cgroup *corridor_exec_cgroup(const corridor_exec *e) { return &e->cg; }
const corridor_exec_stats *corridor_exec_stats_get(const corridor_exec *e) { return &e->stats; }

/* ---- adoption after an agent restart ---- */

static void adopt_one(corridor_exec *e, const char *file, uint64_t now)
{
    corridor_wl_state s;
    char err[1100];
    if (corridor_wl_state_load(file, &s, err, sizeof err) < 0) {
        CLOG_WARN("exec", "unreadable workload state file, ignored", "error=\"%s\"", err);
        return;
    }
    wl *w = find(e, s.instance_id);
    if (!w)
        w = alloc_slot(e);
    if (!w) {
        corridor_wl_state_fini(&s);
        return;
    }
    wl_clear(w);
    w->used = true;
    snprintf(w->instance_id, sizeof w->instance_id, "%s", s.instance_id);
    snprintf(w->name, sizeof w->name, "%s", s.name);
    snprintf(w->path, sizeof w->path, "%s", s.path);
    w->args = s.args;
    w->n_args = s.n_args;
    w->env = s.env;
    w->n_env = s.n_env;
    s.args = s.env = NULL; /* moved */
    w->cpu_millicores = s.cpu_millicores;
    w->memory_bytes = s.memory_bytes;
    w->restart = strcmp(s.restart, "always") == 0  ? RESTART_ALWAYS
                 : strcmp(s.restart, "never") == 0 ? RESTART_NEVER
                                                   : RESTART_ON_FAILURE;
    w->restarts = s.restarts;
    char pstate = 0;
    uint64_t ticks = s.pid > 0 ? proc_start_ticks((pid_t)s.pid, &pstate) : 0;
    if (ticks && ticks == s.start_ticks && pstate != 'Z' && pstate != 'X' &&
        (w->pidfd = pidfd_open((pid_t)s.pid, 0)) >= 0) {
        w->pid = (pid_t)s.pid;
        w->start_ticks = ticks;
        w->adopted = true;
        w->started_ms = now;
        w->state = CORRIDOR_WL_RUNNING;
        snprintf(w->cgroup, sizeof w->cgroup, "%s", s.cgroup);
        w->limited = s.cgroup[0] != '\0';
        snprintf(w->reason, sizeof w->reason, "adopted after an agent restart%s",
                 w->limited ? "" : "; running without limits");
        e->stats.adopted++;
        CLOG_INFO("exec", "workload adopted", "instance=%s pid=%d", w->instance_id, (int)w->pid);
    } else {
        w->state = CORRIDOR_WL_FAILED;
        w->ended_ms = now;
        w->exit_code = 0;
        snprintf(w->reason, sizeof w->reason, "lost: pid %u was not running when the agent "
                 "restarted", s.pid);
        corridor_cgroup_destroy(s.cgroup);
        unlink(file);
        e->stats.lost++;
        CLOG_WARN("exec", "workload lost while the agent was down", "instance=%s pid=%u",
                  w->instance_id, s.pid);
    }
    corridor_wl_state_fini(&s);
}

corridor_exec *corridor_exec_new(const corridor_exec_config *cfg, uint64_t now, char *err,
                                 size_t errlen)
{
    corridor_exec *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->cfg = *cfg;
    if (!e->cfg.log_dir[0])
        snprintf(e->cfg.log_dir, sizeof e->cfg.log_dir, "%.*s/logs", PATH_MAX / 2 - 8,
                 cfg->state_dir);
    if (!e->cfg.max_workloads)
        e->cfg.max_workloads = 256;
    if (!e->cfg.backoff_min_ms)
        e->cfg.backoff_min_ms = 200;
    if (e->cfg.backoff_max_ms < e->cfg.backoff_min_ms)
        e->cfg.backoff_max_ms = e->cfg.backoff_min_ms;
    e->cap = e->cfg.max_workloads;
    e->w = calloc(e->cap, sizeof *e->w);
    char inst[PATH_MAX];
    snprintf(inst, sizeof inst, "%s/instances", e->cfg.state_dir);
    int rc = e->w ? mkdirs(inst) : -ENOMEM;
    if (rc == 0)
        rc = mkdirs(e->cfg.log_dir);
    if (rc < 0) {
        snprintf(err, errlen, "workload directories %s, %s: %s", e->cfg.state_dir,
                 e->cfg.log_dir, strerror(-rc));
        corridor_exec_free(&e);
        return NULL;
    }
    for (size_t i = 0; i < e->cap; i++)
        e->w[i].pidfd = -1;
    corridor_cgroup_detect(&e->cg, cfg->cgroup_root, "/proc");
    if (e->cg.delegated)
        CLOG_INFO("exec", "workload limits enforced", "detail=\"%s\"", e->cg.why);
    else
        CLOG_WARN("exec", "workloads will run WITHOUT cpu/memory limits", "reason=\"%s\"",
                  e->cg.why);
    DIR *d = opendir(inst);
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, "%s/%s", inst, de->d_name);
        if (n > 0 && (size_t)n < sizeof path)
            adopt_one(e, path, now);
    }
    if (d)
        closedir(d);
    return e;
}

void corridor_exec_free(corridor_exec **pe)
{
    if (!pe || !*pe)
        return;
    corridor_exec *e = *pe;
    for (size_t i = 0; e->w && i < e->cap; i++)
        wl_clear(&e->w[i]);
    free(e->w);
    free(e);
    *pe = NULL;
}
