/*
 * Workload executor with real processes:
 *  - start -> running, output in the per-instance log; the same start again is one start;
 *  - kill -9 -> restarted (on-failure) after the backoff, restart counted;
 *  - a clean exit with on-failure -> exited, not restarted; "always" restarts it;
 *  - stop -> stopped, process gone, no zombie left;
 *  - a path that is not there / not absolute -> a precise error, state failed;
 *  - a process ignoring SIGTERM is killed after stop_grace_ms;
 *  - a new executor (agent restart) adopts what still runs and reports what was lost.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "exec.h"
#include "log.h"
#include "testutil.h"

static char dir[64];

static corridor_exec *new_exec(void)
{
    corridor_exec_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.node_id, sizeof c.node_id, "test-node");
    snprintf(c.state_dir, sizeof c.state_dir, "%s/state", dir);
    c.max_workloads = 8;
    c.stop_grace_ms = 300;
    c.backoff_min_ms = 50;
    c.backoff_max_ms = 400;
    c.backoff_reset_ms = 10000;
    char err[512];
    corridor_exec *e = corridor_exec_new(&c, corridor_clock_mono_ms(), err, sizeof err);
    if (!e)
        fprintf(stderr, "exec_new: %s\n", err);
    return e;
}

static corridor_command cmd(const char *id, const char *script, const char *restart)
{
    corridor_command c;
    memset(&c, 0, sizeof c);
    snprintf(c.instance_id, sizeof c.instance_id, "%s", id);
    snprintf(c.path, sizeof c.path, "/bin/sh");
    snprintf(c.restart, sizeof c.restart, "%s", restart);
    static char *args[2][2];
    static int k;
    char **a = args[k++ % 2];
    a[0] = (char *)"-c";
    a[1] = (char *)script;
    c.args = a;
    c.n_args = 2;
    static char *env[] = {(char *)"GREETING=hello from corridor"};
    c.env = env;
    c.n_env = 1;
    return c;
}

/* Status of one instance from a report. */
static corridor_workload_status status(corridor_exec *e, const char *id)
{
    corridor_report r;
    memset(&r, 0, sizeof r);
    corridor_workload_status s;
    memset(&s, 0, sizeof s);
    s.state = (corridor_workload_state)-1;
    CHECK_EQ_INT(corridor_exec_collect(e, &r), 0);
    for (size_t i = 0; i < r.n_workloads; i++)
        if (strcmp(r.workloads[i].instance_id, id) == 0)
            s = r.workloads[i];
    corridor_report_fini(&r);
    return s;
}

/* Run the executor's loop (pidfds + deadlines) until id reaches state, or timeout. */
static bool wait_state(corridor_exec *e, const char *id, corridor_workload_state want,
                       uint32_t min_restarts, int timeout_ms)
{
    uint64_t end = corridor_clock_mono_ms() + (uint64_t)timeout_ms;
    while (corridor_clock_mono_ms() < end) {
        int fds[16];
        size_t n = corridor_exec_fds(e, fds, 16);
        struct pollfd p[16];
        for (size_t i = 0; i < n; i++)
            p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        poll(p, n, 10);
        corridor_exec_tick(e, corridor_clock_mono_ms());
        corridor_workload_status s = status(e, id);
        if (s.state == want && s.restarts >= min_restarts)
            return true;
    }
    return false;
}

static bool pid_gone(pid_t pid)
{
    /* not even a zombie: /proc/PID is gone once the parent reaped it */
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    for (int i = 0; i < 100; i++) {
        if (access(path, F_OK) != 0)
            return true;
        usleep(10000);
    }
    return false;
}

static void test_start_restart_stop(void)
{
    corridor_exec *e = new_exec();
    CHECK(e != NULL);
    if (!e)
        return;
    char msg[256];
    corridor_command c = cmd("tracker-1", "echo \"$GREETING $CORRIDOR_INSTANCE_ID\"; exec sleep 30",
                             "on-failure");
    CHECK_EQ_INT(corridor_exec_start(e, &c, corridor_clock_mono_ms(), msg, sizeof msg), 0);
    CHECK_CONTAINS(msg, "started pid");
    corridor_workload_status s = status(e, "tracker-1");
    CHECK_EQ_INT(s.state, CORRIDOR_WL_RUNNING);
    CHECK(s.pid > 0);
    pid_t first = (pid_t)s.pid;
    /* idempotent */
    CHECK_EQ_INT(corridor_exec_start(e, &c, corridor_clock_mono_ms(), msg, sizeof msg), 0);
    CHECK_CONTAINS(msg, "already running");
    CHECK_EQ_INT(status(e, "tracker-1").pid, first);
    /* the log holds the workload's output, with its environment */
    usleep(100000);
    char logpath[128], buf[512] = "";
    snprintf(logpath, sizeof logpath, "%s/state/logs/tracker-1.log", dir);
    FILE *f = fopen(logpath, "r");
    CHECK(f != NULL);
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
    CHECK_CONTAINS(buf, "hello from corridor tracker-1");
    /* usage from /proc (or the cgroup) */
    s = status(e, "tracker-1");
    CHECK(s.memory_bytes > 0);

    /* crash -> restarted per policy */
    kill(first, SIGKILL);
    CHECK(wait_state(e, "tracker-1", CORRIDOR_WL_RUNNING, 1, 3000));
    s = status(e, "tracker-1");
    CHECK_EQ_INT(s.restarts, 1);
    CHECK(s.pid > 0 && (pid_t)s.pid != first);
    CHECK(pid_gone(first));

    /* stop -> stopped, gone, reaped */
    pid_t second = (pid_t)s.pid;
    CHECK_EQ_INT(corridor_exec_stop(e, "tracker-1", corridor_clock_mono_ms(), msg, sizeof msg),
                 0);
    CHECK(wait_state(e, "tracker-1", CORRIDOR_WL_STOPPED, 0, 2000));
    CHECK(pid_gone(second));
    CHECK_EQ_INT(waitpid(second, NULL, WNOHANG), -1); /* already reaped: ECHILD */
    CHECK_EQ_INT(corridor_exec_stop(e, "tracker-1", corridor_clock_mono_ms(), msg, sizeof msg),
                 0);
    CHECK_CONTAINS(msg, "was not running");
    CHECK_EQ_INT(corridor_exec_stop(e, "nobody", corridor_clock_mono_ms(), msg, sizeof msg),
                 -ENOENT);
    corridor_exec_free(&e);
}

static void test_exit_policies(void)
{
    corridor_exec *e = new_exec();
    if (!e)
        return;
    char msg[256];
    corridor_command ok = cmd("once", "exit 0", "on-failure");
    CHECK_EQ_INT(corridor_exec_start(e, &ok, corridor_clock_mono_ms(), msg, sizeof msg), 0);
    CHECK(wait_state(e, "once", CORRIDOR_WL_EXITED, 0, 2000));
    CHECK_EQ_INT(status(e, "once").restarts, 0);
    corridor_command bad = cmd("fails", "exit 3", "never");
    CHECK_EQ_INT(corridor_exec_start(e, &bad, corridor_clock_mono_ms(), msg, sizeof msg), 0);
    CHECK(wait_state(e, "fails", CORRIDOR_WL_EXITED, 0, 2000));
    CHECK_EQ_INT(status(e, "fails").exit_code, 3);
    corridor_command always = cmd("loop", "exit 0", "always");
    CHECK_EQ_INT(corridor_exec_start(e, &always, corridor_clock_mono_ms(), msg, sizeof msg), 0);
    CHECK(wait_state(e, "loop", CORRIDOR_WL_PENDING, 2, 3000)); /* restarted, backing off */
    corridor_workload_status s = status(e, "loop");
    CHECK_CONTAINS(s.reason, "restarting in");
    CHECK_EQ_INT(corridor_exec_stop(e, "loop", corridor_clock_mono_ms(), msg, sizeof msg), 0);
    wait_state(e, "loop", CORRIDOR_WL_STOPPED, 0, 2000);
    CHECK_EQ_INT(status(e, "loop").state, CORRIDOR_WL_STOPPED);

    /* errors name what and why */
    corridor_command missing = cmd("missing", "", "never");
    snprintf(missing.path, sizeof missing.path, "/nonexistent/adas-tracker");
    CHECK_EQ_INT(corridor_exec_start(e, &missing, corridor_clock_mono_ms(), msg, sizeof msg),
                 -ENOENT);
    CHECK_CONTAINS(msg, "/nonexistent/adas-tracker: No such file or directory");
    snprintf(missing.path, sizeof missing.path, "bin/sh");
    CHECK_EQ_INT(corridor_exec_start(e, &missing, corridor_clock_mono_ms(), msg, sizeof msg),
                 -EINVAL);
    CHECK_CONTAINS(msg, "must be absolute");
    snprintf(missing.path, sizeof missing.path, "/etc/hostname");
    CHECK(corridor_exec_start(e, &missing, corridor_clock_mono_ms(), msg, sizeof msg) < 0);
    CHECK_CONTAINS(msg, "/etc/hostname");
    snprintf(missing.restart, sizeof missing.restart, "sometimes");
    CHECK_EQ_INT(corridor_exec_start(e, &missing, corridor_clock_mono_ms(), msg, sizeof msg),
                 -EINVAL);
    corridor_exec_free(&e);
}

static void test_sigterm_ignored(void)
{
    corridor_exec *e = new_exec();
    if (!e)
        return;
    char msg[256];
    corridor_command c = cmd("stubborn", "trap '' TERM; while :; do sleep 0.05; done", "always");
    CHECK_EQ_INT(corridor_exec_start(e, &c, corridor_clock_mono_ms(), msg, sizeof msg), 0);
    usleep(100000); /* let the shell install its trap */
    pid_t pid = (pid_t)status(e, "stubborn").pid;
    CHECK_EQ_INT(corridor_exec_stop(e, "stubborn", corridor_clock_mono_ms(), msg, sizeof msg),
                 0);
    CHECK_CONTAINS(msg, "SIGKILL in 300 ms");
    CHECK(wait_state(e, "stubborn", CORRIDOR_WL_STOPPED, 0, 3000));
    CHECK_CONTAINS(status(e, "stubborn").reason, "signal 9");
    CHECK(pid_gone(pid));
    corridor_exec_free(&e);
}

static void test_adopt_and_lost(void)
{
    corridor_exec *e = new_exec();
    if (!e)
        return;
    char msg[256];
    corridor_command c = cmd("survivor", "exec sleep 30", "on-failure");
    CHECK_EQ_INT(corridor_exec_start(e, &c, corridor_clock_mono_ms(), msg, sizeof msg), 0);
    pid_t pid = (pid_t)status(e, "survivor").pid;
    corridor_command d = cmd("victim", "exec sleep 30", "on-failure");
    CHECK_EQ_INT(corridor_exec_start(e, &d, corridor_clock_mono_ms(), msg, sizeof msg), 0);
    pid_t vpid = (pid_t)status(e, "victim").pid;
    corridor_exec_free(&e); /* the agent goes away; its workloads do not */
    CHECK_EQ_INT(kill(pid, 0), 0);
    /* the victim dies while no agent runs (reaped here: we are still its parent) */
    kill(vpid, SIGKILL);
    waitpid(vpid, NULL, 0);

    e = new_exec();
    if (!e)
        return;
    corridor_workload_status s = status(e, "survivor");
    CHECK_EQ_INT(s.state, CORRIDOR_WL_RUNNING);
    CHECK_EQ_INT(s.pid, pid);
    CHECK_CONTAINS(s.reason, "adopted");
    s = status(e, "victim");
    CHECK_EQ_INT(s.state, CORRIDOR_WL_FAILED);
    CHECK_CONTAINS(s.reason, "lost");
    CHECK_EQ_INT(corridor_exec_stats_get(e)->adopted, 1);
    CHECK_EQ_INT(corridor_exec_stats_get(e)->lost, 1);
    /* an adopted process is stopped like any other */
    CHECK_EQ_INT(corridor_exec_stop(e, "survivor", corridor_clock_mono_ms(), msg, sizeof msg),
                 0);
    waitpid(pid, NULL, 0); /* in this test we are its real parent */
    CHECK(wait_state(e, "survivor", CORRIDOR_WL_STOPPED, 0, 2000));
    corridor_exec_free(&e);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/corridor-exec.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    corridor_log_set_level(CORRIDOR_LOG_WARN);
    RUN(test_start_restart_stop);
    RUN(test_exit_policies);
    RUN(test_sigterm_ignored);
    RUN(test_adopt_and_lost);
    char cmdline[128];
    snprintf(cmdline, sizeof cmdline, "rm -rf %s", dir);
    if (system(cmdline) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TEST_SUMMARY();
}
