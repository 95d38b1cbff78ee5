/* corridorctl: the operator's command line for a corridor-orchestrator.
 * Exit codes: 0 ok, 1 orchestrator unreachable or request failed, 2 usage, 3 not found. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "render.h"
#include "table.h"

#define DEFAULT_ENDPOINT "tcp://127.0.0.1:7701"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: corridorctl [--endpoint tcp://HOST:PORT] [--timeout MS] COMMAND [--json]\n"
            "\n"
            "commands:\n"
            "  nodes            table of all nodes: operator, country, tier, state, load\n"
            "  node ID          one node whole: identity, host, GPUs, routes, links\n"
            "  stats            orchestrator counters (messages, rejections by reason, ...)\n"
            "\n"
            "options:\n"
            "  -e, --endpoint URL  control endpoint (default " DEFAULT_ENDPOINT
            ", or $CORRIDOR_ENDPOINT)\n"
            "  -t, --timeout MS    how long to wait for the orchestrator (default 2000)\n"
            "  -j, --json          machine-readable output\n"
            "  -h, --help          this text\n"
            "\n"
            "exit codes: 0 ok, 1 orchestrator unreachable or request failed, 2 usage error, "
            "3 not found\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"endpoint", required_argument, NULL, 'e'}, {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *endpoint = getenv("CORRIDOR_ENDPOINT");
    if (!endpoint || !endpoint[0])
        endpoint = DEFAULT_ENDPOINT;
    int timeout_ms = 2000, json = 0, c;
    /* options may come before or after the command (GNU getopt permutes) */
    while ((c = getopt_long(argc, argv, "e:t:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'e': endpoint = optarg; break;
        case 't': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 3600000) {
                fprintf(stderr, "corridorctl: --timeout takes milliseconds (1..3600000)\n");
                return 2;
            }
            timeout_ms = (int)v;
            break;
        }
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[optind];
    corridor_control_request req = {0};
    if (strcmp(cmd, "nodes") == 0 && argc - optind == 1) {
        req.kind = CORRIDOR_CTL_LIST_NODES;
    } else if (strcmp(cmd, "node") == 0 && argc - optind == 2) {
        req.kind = CORRIDOR_CTL_GET_NODE;
        if (strlen(argv[optind + 1]) >= sizeof req.node_id) {
            fprintf(stderr, "corridorctl: node id too long\n");
            return 2;
        }
        snprintf(req.node_id, sizeof req.node_id, "%s", argv[optind + 1]);
    } else if (strcmp(cmd, "stats") == 0 && argc - optind == 1) {
        req.kind = CORRIDOR_CTL_STATS;
    } else {
        fprintf(stderr, "corridorctl: unknown command or wrong arguments: '%s'\n", cmd);
        usage(stderr);
        return 2;
    }

    char err[512] = "";
    corridor_security sec = {.mode = CORRIDOR_SEC_NULL};
    corridor_ctl_client *cl = corridor_ctl_client_new(endpoint, &sec, err, sizeof err);
    if (!cl) {
        fprintf(stderr, "corridorctl: %s\n", err);
        return 2; /* a malformed endpoint is a usage error */
    }
    corridor_msg reply;
    int rc = corridor_ctl_client_call(cl, &req, timeout_ms, &reply, err, sizeof err);
    corridor_ctl_client_free(&cl);
    if (rc == -ETIMEDOUT) {
        fprintf(stderr, "corridorctl: orchestrator unreachable at %s: no answer within %.1f s "
                "(is corridor-orchestrator running? see --endpoint)\n", endpoint,
                timeout_ms / 1000.0);
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "corridorctl: %s\n", err[0] ? err : strerror(-rc));
        return 1;
    }
    const corridor_control_reply *r = &reply.u.crep;
    int exit_code = 0;
    bool color = corridor_table_want_color(stdout);
    if (r->status == -ENOENT) {
        fprintf(stderr, "corridorctl: %s\n", r->error);
        exit_code = 3;
    } else if (r->status < 0) {
        fprintf(stderr, "corridorctl: orchestrator error: %s\n", r->error);
        exit_code = 1;
    } else if (req.kind == CORRIDOR_CTL_LIST_NODES) {
        corridor_ctl_render_nodes(stdout, r, json, color);
    } else if (req.kind == CORRIDOR_CTL_GET_NODE && r->n_nodes == 1) {
        corridor_ctl_render_node(stdout, &r->nodes[0], json, color);
    } else if (req.kind == CORRIDOR_CTL_STATS) {
        corridor_ctl_render_stats(stdout, r, json);
    } else {
        fprintf(stderr, "corridorctl: unexpected reply\n");
        exit_code = 1;
    }
    corridor_msg_fini(&reply);
    return exit_code;
}
