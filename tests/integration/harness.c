#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "log.h"

int it_env_init(it_env *e)
{
    snprintf(e->dir, sizeof e->dir, "/tmp/corridor-it-XXXXXX");
    return mkdtemp(e->dir) ? 0 : -errno;
}

int it_main_init(int argc, char **argv, int n_args, const char *usage, it_env *e)
{
    if (argc != n_args + 1) {
        fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        return 2;
    }
    corridor_log_set_level(CORRIDOR_LOG_WARN);
    signal(SIGPIPE, SIG_IGN);
    if (it_env_init(e) < 0) {
        perror("mkdtemp");
        return 1;
    }
    return 0;
}

void it_env_cleanup(it_env *e)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", e->dir);
}

const char *it_write(it_env *e, const char *name, const char *fmt, ...)
{
    static char paths[8][320];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", e->dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    return p;
}

int it_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

pid_t it_spawn(it_env *e, const char *name, const char *const argv[])
{
    char log[320];
    snprintf(log, sizeof log, "%s/%s.log", e->dir, name);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    /* children must not inherit the test's blocked signals */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[0], (char *const *)argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int it_stop(pid_t pid, int sig, int timeout_ms)
{
    if (pid <= 0)
        return -1;
    kill(pid, sig);
    uint64_t deadline = it_now_ms() + (uint64_t)timeout_ms;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0)
            return -1;
        if (it_now_ms() > deadline) {
            fprintf(stderr, "pid %d did not exit within %d ms, killing it\n", pid, timeout_ms);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        it_sleep_ms(10);
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

void it_dump_log(it_env *e, const char *name)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "echo '--- %s.log (last 40 lines)'; tail -n 40 '%s/%s.log' >&2",
             name, e->dir, name);
    if (system(cmd) != 0)
        fprintf(stderr, "(no log for %s)\n", name);
}

int it_run(const char *cmdline, char **out)
{
    FILE *p = popen(cmdline, "r");
    if (!p)
        return -1;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    int st = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

uint64_t it_now_ms(void) { return corridor_clock_mono_ms(); }

void it_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int call(const char *endpoint, corridor_ctl_kind kind, corridor_msg *reply)
{
    char err[256];
    corridor_ctl_client *c = corridor_ctl_client_new(endpoint, NULL, err, sizeof err);
    if (!c)
        return -EINVAL;
    corridor_control_request req = {.kind = kind};
    int rc = corridor_ctl_client_call(c, &req, 2000, reply, err, sizeof err);
    corridor_ctl_client_free(&c);
    return rc;
}

int it_nodes(const char *endpoint, corridor_msg *reply)
{
    return call(endpoint, CORRIDOR_CTL_LIST_NODES, reply);
}

int it_stats(const char *endpoint, corridor_msg *reply)
{
    return call(endpoint, CORRIDOR_CTL_STATS, reply);
}

uint64_t it_stat(const corridor_control_reply *r, const char *name)
{
    for (size_t i = 0; i < r->n_stats; i++)
        if (strcmp(r->stats[i].name, name) == 0)
            return r->stats[i].value;
    fprintf(stderr, "no stat '%s'\n", name);
    return UINT64_MAX;
}

const corridor_node_view *it_find(const corridor_control_reply *r, const char *node_id)
{
    for (size_t i = 0; i < r->n_nodes; i++)
        if (strcmp(r->nodes[i].identity.node_id, node_id) == 0)
            return &r->nodes[i];
    return NULL;
}
