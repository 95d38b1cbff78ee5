/* corridor-agent: load the config, register and report until SIGINT/SIGTERM. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "daemon.h"
#include "log.h"

int main(int argc, char **argv)
{
    corridor_daemon_args args;
    int rc = corridor_daemon_parse_args(argc, argv, "corridor-agent", "agent", &args);
    if (rc >= 0)
        return rc;
    corridor_agent_config cfg;
    corridor_cfg_error err;
    if (corridor_agent_config_load(args.config, &cfg, &err) < 0) {
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
    corridor_agent *a = corridor_agent_new(&cfg, msg, sizeof msg);
    if (!a) {
        CLOG_ERROR("agent", "cannot start", "error=\"%s\"", msg);
        close(sfd);
        return 1;
    }
    rc = corridor_agent_run(a, sfd, 0);
    const corridor_agent_stats *st = corridor_agent_stats_get(a);
    CLOG_INFO("agent", "stopped", "node=%s reports_sent=%llu send_failures=%llu", cfg.node_id,
              (unsigned long long)st->reports_sent, (unsigned long long)st->send_failures);
    corridor_agent_free(&a);
    close(sfd);
    return rc < 0 ? 1 : 0;
}
