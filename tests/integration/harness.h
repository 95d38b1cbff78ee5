/* Helpers for integration tests that run the real daemons as processes on loopback. */
#ifndef CORRIDOR_IT_HARNESS_H
#define CORRIDOR_IT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "msg.h"

typedef struct {
    char dir[256];               /* scratch directory, removed at the end */
} it_env;

int it_env_init(it_env *e);
/* A process-level test's start: exactly n_args arguments after the program (usage names
 * them), warnings-only logging, SIGPIPE ignored, the scratch dir made. 0, or the exit code
 * to return: 2 for a wrong command line, 1 when the scratch dir cannot be made. */
int it_main_init(int argc, char **argv, int n_args, const char *usage, it_env *e);
void it_env_cleanup(it_env *e);
/* write a file in the scratch dir; returns its path in a static rotating buffer */
const char *it_write(it_env *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* a TCP port on 127.0.0.1 that was free a moment ago */
int it_free_port(void);

/* start a program with its output appended to DIR/NAME.log */
pid_t it_spawn(it_env *e, const char *name, const char *const argv[]);
/* SIGTERM (or SIGKILL) and wait; returns the exit status (128+sig when killed), -1 on error */
int it_stop(pid_t pid, int sig, int timeout_ms);
/* print the last lines of DIR/NAME.log to stderr */
void it_dump_log(it_env *e, const char *name);
/* run a command line, capture stdout (malloc'ed) and the exit code */
int it_run(const char *cmdline, char **out);

uint64_t it_now_ms(void);
void it_sleep_ms(int ms);

/* control API calls through the same client corridorctl uses */
int it_nodes(const char *endpoint, corridor_msg *reply);
int it_stats(const char *endpoint, corridor_msg *reply);
uint64_t it_stat(const corridor_control_reply *r, const char *name);
const corridor_node_view *it_find(const corridor_control_reply *r, const char *node_id);

#endif
