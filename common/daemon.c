#include "daemon.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>

#include "log.h"
#include "msg.h"

static void usage(FILE *f, const char *prog, const char *what)
{
    fprintf(f,
            "usage: %s --config FILE [--check-config] [--log-level LEVEL]\n"
            "\n"
            "  -c, --config FILE     %s configuration (YAML)\n"
            "      --check-config    validate the configuration and exit (0 valid, 1 invalid)\n"
            "  -l, --log-level LVL   debug|info|warn|error (overrides log.level)\n"
            "  -V, --version         print the version\n"
            "  -h, --help            this text\n",
            prog, what);
}

int corridor_daemon_parse_args(int argc, char **argv, const char *prog, const char *what,
                               corridor_daemon_args *out)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},    {"check-config", no_argument, NULL, 'k'},
        {"log-level", required_argument, NULL, 'l'}, {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    *out = (corridor_daemon_args){0};
    int c;
    while ((c = getopt_long(argc, argv, "c:l:Vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': out->config = optarg; break;
        case 'k': out->check_config = 1; break;
        case 'l': out->log_level = optarg; break;
        case 'V':
            printf("%s %s (protocol %u)\n", prog, CORRIDOR_VERSION, CORRIDOR_PROTOCOL_VERSION);
            return 0;
        case 'h': usage(stdout, prog, what); return 0;
        default: usage(stderr, prog, what); return 2;
        }
    }
    if (!out->config || optind != argc) {
        usage(stderr, prog, what);
        return 2;
    }
    return -1;
}

int corridor_daemon_signalfd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -errno;
    signal(SIGPIPE, SIG_IGN);
    int fd = signalfd(-1, &set, SFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int corridor_daemon_log_level(const char *flag, int config_level)
{
    corridor_log_level lvl = (corridor_log_level)config_level;
    if (flag && corridor_log_level_parse(flag, &lvl) < 0) {
        fprintf(stderr, "unknown log level '%s' (debug, info, warn, error)\n", flag);
        return -EINVAL;
    }
    corridor_log_set_level(lvl);
    return 0;
}
