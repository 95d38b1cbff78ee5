/*
 * memory.max enforced: a workload with 32 MB that tries to allocate 256 MB is OOM-killed
 * inside its cgroup, and its status says the limits were enforced. Needs cgroup v2 with the
 * cpu and memory controllers delegated to the agent; elsewhere it says why and skips (77).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "clock.h"
#include "exec.h"
#include "log.h"
#include "testutil.h"

int main(void)
{
    corridor_cgroup cg;
    corridor_cgroup_detect(&cg, "", "/proc");
    if (!cg.delegated) {
        printf("SKIP: memory.max cannot be enforced here: %s\n", cg.why);
        return 77;
    }
    char dir[] = "/tmp/corridor-limits.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    corridor_exec_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.node_id, sizeof c.node_id, "limits");
    snprintf(c.state_dir, sizeof c.state_dir, "%s", dir);
    c.max_workloads = 4;
    c.stop_grace_ms = 500;
    c.backoff_min_ms = 50;
    c.backoff_max_ms = 50;
    c.backoff_reset_ms = 10000;
    char err[512], msg[256];
    corridor_exec *e = corridor_exec_new(&c, corridor_clock_mono_ms(), err, sizeof err);
    CHECK(e != NULL);
    if (!e)
        return TEST_SUMMARY();
    corridor_command k;
    memset(&k, 0, sizeof k);
    snprintf(k.instance_id, sizeof k.instance_id, "hog");
    snprintf(k.path, sizeof k.path, "/usr/bin/python3");
    snprintf(k.restart, sizeof k.restart, "never");
    char *args[] = {(char *)"-c", (char *)"b = bytearray(256 << 20); print('allocated')"};
    k.args = args;
    k.n_args = 2;
    k.memory_bytes = 32u << 20;
    CHECK_EQ_INT(corridor_exec_start(e, &k, corridor_clock_mono_ms(), msg, sizeof msg), 0);
    corridor_report r;
    memset(&r, 0, sizeof r);
    corridor_exec_collect(e, &r);
    CHECK(r.n_workloads == 1 && r.workloads[0].limits_enforced);
    uint64_t end = corridor_clock_mono_ms() + 10000;
    bool done = false;
    while (!done && corridor_clock_mono_ms() < end) {
        usleep(20000);
        corridor_exec_tick(e, corridor_clock_mono_ms());
        corridor_exec_collect(e, &r);
        done = r.n_workloads == 1 && r.workloads[0].state != CORRIDOR_WL_RUNNING;
    }
    CHECK(done);
    if (r.n_workloads == 1) {
        printf("  hog: state=%d exit_code=%d reason=%s\n", r.workloads[0].state,
               r.workloads[0].exit_code, r.workloads[0].reason);
        CHECK_EQ_INT(r.workloads[0].exit_code, -9); /* the OOM killer's SIGKILL */
    }
    corridor_report_fini(&r);
    corridor_exec_free(&e);
    return TEST_SUMMARY();
}
