/* corridor-orchestrator: load the config, serve until SIGINT/SIGTERM. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "orch_config.h"
#include "server.h"

int main(int argc, char **argv)
{
    corridor_daemon_args args;
    int rc = corridor_daemon_parse_args(argc, argv, "corridor-orchestrator", "orchestrator",
                                        &args);
    if (rc >= 0)
        return rc;
    corridor_orch_config cfg;
    corridor_cfg_error err;
    if (corridor_orch_config_load(args.config, &cfg, &err) < 0) {
        fprintf(stderr, "%s\n", err.text);
        return 1;
    }
    if (args.check_config) {
        printf("%s: ok\n", args.config);
        return 0;
    }
    if (corridor_daemon_log_level(args.log_level, cfg.log_level) < 0)
        return 2;
    int sfd = corridor_daemon_signalfd();
    if (sfd < 0) {
        fprintf(stderr, "signalfd: %s\n", strerror(-sfd));
        return 1;
    }
    char msg[512];
    corridor_orch *o = corridor_orch_new(&cfg, msg, sizeof msg);
    if (!o) {
        CLOG_ERROR("orch", "cannot start", "error=\"%s\"", msg);
        close(sfd);
        return 1;
    }
    rc = corridor_orch_run(o, sfd, 0);
    const corridor_orch_stats *st = corridor_orch_stats_get(o);
    CLOG_INFO("orch", "stopped", "msgs_in=%llu msgs_out=%llu nodes=%zu",
              (unsigned long long)st->msgs_in, (unsigned long long)st->msgs_out,
              corridor_core_node_count(corridor_orch_core(o)));
    corridor_orch_free(&o);
    close(sfd);
    return rc < 0 ? 1 : 0;
}
