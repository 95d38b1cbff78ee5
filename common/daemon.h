/* What the daemons' main() functions share: the command line and signal handling. */
#ifndef CORRIDOR_DAEMON_H
#define CORRIDOR_DAEMON_H

typedef struct {
    const char *config;         /* --config FILE */
    const char *log_level;      /* --log-level LEVEL, NULL = from config */
    int check_config;           /* --check-config */
} corridor_daemon_args;

/* Parse "--config FILE [--check-config] [--log-level L] [--version] [--help]".
 * Returns -1 to go on, or the exit code to return now (0 for --help/--version, 2 usage). */
int corridor_daemon_parse_args(int argc, char **argv, const char *prog, const char *what,
                               corridor_daemon_args *out);

/* Block SIGINT/SIGTERM, ignore SIGPIPE, and return a signalfd that turns readable on either
 * (to put in the poll loop), or -errno. */
int corridor_daemon_signalfd(void);

/* Apply --log-level over the config's level; 0 or -EINVAL (message printed). */
int corridor_daemon_log_level(const char *flag, int config_level);

#endif
