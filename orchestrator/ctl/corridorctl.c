/* corridorctl: the operator's command line for a corridor-orchestrator.
 * Exit codes: 0 ok, 1 orchestrator unreachable or request failed, 2 usage, 3 not found. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd_node.h"
#include "ids.h"
#include "render.h"
#include "table.h"
#include "workload_file.h"

#define DEFAULT_ENDPOINT "tcp://127.0.0.1:7701"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: corridorctl [--endpoint tcp://HOST:PORT] [--timeout MS] COMMAND [--json]\n"
            "\n"
            "nodes:\n"
            "  nodes                        all nodes: operator, country, tier, state, load\n"
            "  node ID                      one node whole: identity, host, GPUs, routes, links\n"
            "  cordon NODE | uncordon NODE  stop / resume placing workloads on a node\n"
            "  drain NODE                   cordon, then move its workloads (make-before-break)\n"
            "%s"
            "workloads:\n"
            "  deploy FILE                  place the workload a YAML file describes\n"
            "  workloads                    all workloads: phase, replicas, nodes\n"
            "  workload ID                  one workload whole, with its last decision\n"
            "  explain ID                   why each node was or was not chosen\n"
            "  delete ID                    stop every replica and forget the workload\n"
            "other:\n"
            "  stats                        orchestrator counters\n"
            "\n"
            "options:\n"
            "  -e, --endpoint URL  control endpoint (default " DEFAULT_ENDPOINT
            ", or $CORRIDOR_ENDPOINT)\n"
            "  -t, --timeout MS    how long to wait for the orchestrator (default 2000;\n"
            "                      node commands: 15000)\n"
            "  -j, --json          machine-readable output\n"
            "  -h, --help          this text\n"
            "\n"
            "exit codes: 0 ok, 1 orchestrator unreachable or request failed, 2 usage error, "
            "3 not found\n",
            corridor_ctl_node_command_usage);
}

typedef struct {
    const char *name;
    corridor_ctl_kind kind;
    int nargs;          /* arguments after the command; -1: variable (command) */
    bool node_arg;      /* the argument is a node id (else a workload id or a file) */
} ctl_cmd;

static const ctl_cmd commands[] = {
    {"nodes", CORRIDOR_CTL_LIST_NODES, 0, false},
    {"node", CORRIDOR_CTL_GET_NODE, 1, true},
    {"stats", CORRIDOR_CTL_STATS, 0, false},
    {"cordon", CORRIDOR_CTL_CORDON, 1, true},
    {"uncordon", CORRIDOR_CTL_UNCORDON, 1, true},
    {"drain", CORRIDOR_CTL_DRAIN, 1, true},
    {"command", CORRIDOR_CTL_NODE_COMMAND, -1, true},
    {"deploy", CORRIDOR_CTL_DEPLOY, 1, false},
    {"workloads", CORRIDOR_CTL_LIST_WORKLOADS, 0, false},
    {"workload", CORRIDOR_CTL_GET_WORKLOAD, 1, false},
    {"explain", CORRIDOR_CTL_EXPLAIN, 1, false},
    {"delete", CORRIDOR_CTL_DELETE_WORKLOAD, 1, false},
};

/* Build the request from the words after the options; 0, or an exit code. */
static int build_request(int argc, char **argv, corridor_control_request *req, int *timeout_ms,
                         bool timeout_given)
{
    const ctl_cmd *c = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[0], commands[i].name) == 0)
            c = &commands[i];
    if (!c || (c->nargs >= 0 && argc - 1 != c->nargs)) {
        fprintf(stderr, "corridorctl: unknown command or wrong arguments: '%s'\n", argv[0]);
        usage(stderr);
        return 2;
    }
    memset(req, 0, sizeof *req);
    req->kind = c->kind;
    char err[256];
    if (c->kind == CORRIDOR_CTL_NODE_COMMAND) {
        if (corridor_ctl_parse_node_command(argc - 1, argv + 1, req, err, sizeof err) < 0) {
            fprintf(stderr, "corridorctl: %s\n", err);
            return 2;
        }
        if (!timeout_given)
            *timeout_ms = 15000;
        return 0;
    }
    if (c->kind == CORRIDOR_CTL_DEPLOY) {
        corridor_cfg_error ce;
        if (corridor_workload_file_load(argv[1], &req->spec, &ce) < 0) {
            fprintf(stderr, "%s\n", ce.text);
            return 2;
        }
        return 0;
    }
    if (c->nargs == 1) {
        if (!corridor_id_valid(argv[1])) {
            fprintf(stderr, "corridorctl: '%s' is not a valid id\n", argv[1]);
            return 2;
        }
        snprintf(c->node_arg ? req->node_id : req->workload_id, CORRIDOR_ID_MAX + 1, "%s",
                 argv[1]);
    }
    return 0;
}

static int render(const corridor_control_request *req, const corridor_control_reply *r,
                  bool json)
{
    bool color = corridor_table_want_color(stdout);
    if (r->status == -ENOENT) {
        fprintf(stderr, "corridorctl: %s\n", r->error);
        return 3;
    }
    if (r->status < 0) {
        fprintf(stderr, "corridorctl: %s\n", r->error[0] ? r->error : strerror(-r->status));
        return 1;
    }
    switch (req->kind) {
    case CORRIDOR_CTL_LIST_NODES:
        corridor_ctl_render_nodes(stdout, r, json, color);
        return 0;
    case CORRIDOR_CTL_GET_NODE:
        if (r->n_nodes != 1)
            break;
        corridor_ctl_render_node(stdout, &r->nodes[0], json, color);
        return 0;
    case CORRIDOR_CTL_STATS:
        corridor_ctl_render_stats(stdout, r, json);
        return 0;
    case CORRIDOR_CTL_NODE_COMMAND:
        corridor_ctl_render_result(stdout, r, json);
        return r->result.status == CORRIDOR_RESULT_OK ? 0 : 1;
    case CORRIDOR_CTL_LIST_WORKLOADS:
        corridor_ctl_render_workloads(stdout, r, json, color);
        return 0;
    case CORRIDOR_CTL_DEPLOY:
    case CORRIDOR_CTL_GET_WORKLOAD:
    case CORRIDOR_CTL_EXPLAIN:
        if (r->n_workloads != 1)
            break;
        corridor_ctl_render_workload(stdout, &r->workloads[0], json, color,
                                     req->kind == CORRIDOR_CTL_EXPLAIN);
        return 0;
    case CORRIDOR_CTL_DELETE_WORKLOAD:
        printf(json ? "{\"deleted\": \"%s\"}\n" : "workload %s deleted\n", req->workload_id);
        return 0;
    case CORRIDOR_CTL_CORDON:
    case CORRIDOR_CTL_UNCORDON:
        printf(json ? "{\"node\": \"%s\", \"cordoned\": %s}\n" : "node %s %s\n", req->node_id,
               req->kind == CORRIDOR_CTL_CORDON ? (json ? "true" : "cordoned")
                                                : (json ? "false" : "uncordoned"));
        return 0;
    case CORRIDOR_CTL_DRAIN:
        printf(json ? "{\"node\": \"%s\", \"replicas_moving\": %llu}\n"
                    : "node %s cordoned, %llu replicas moving\n",
               req->node_id, (unsigned long long)(r->n_stats ? r->stats[0].value : 0));
        return 0;
    default:
        break;
    }
    fprintf(stderr, "corridorctl: unexpected reply\n");
    return 1;
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
    int timeout_ms = 2000, c;
    bool json = false, timeout_given = false;
    /* "+": stop at the first word, so `command NODE start ID -- /bin/x --flag` keeps its
     * flags; options may still follow the command (parsed below) */
    while ((c = getopt_long(argc, argv, "+e:t:jh", opts, NULL)) != -1) {
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
            timeout_given = true;
            break;
        }
        case 'j': json = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    /* trailing --json / -j after the command words (but not after a "--") */
    int n = argc - optind;
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0) {
            json = true;
            memmove(&argv[i], &argv[i + 1], (size_t)(argc - i - 1) * sizeof *argv);
            argc--;
            n--;
            i--;
        }
    }
    corridor_msg req;
    corridor_msg_init(&req, CORRIDOR_MSG_CONTROL_REQUEST);
    int rc = build_request(n, argv + optind, &req.u.creq, &timeout_ms, timeout_given);
    if (rc) {
        corridor_msg_fini(&req);
        return rc;
    }
    char err[512] = "";
    corridor_security sec = {.mode = CORRIDOR_SEC_NULL};
    corridor_ctl_client *cl = corridor_ctl_client_new(endpoint, &sec, err, sizeof err);
    if (!cl) {
        fprintf(stderr, "corridorctl: %s\n", err);
        corridor_msg_fini(&req);
        return 2; /* a malformed endpoint is a usage error */
    }
    corridor_msg reply;
    rc = corridor_ctl_client_call(cl, &req.u.creq, timeout_ms, &reply, err, sizeof err);
    corridor_ctl_client_free(&cl);
    int code;
    if (rc == -ETIMEDOUT) {
        fprintf(stderr, "corridorctl: orchestrator unreachable at %s: no answer within %.1f s "
                "(is corridor-orchestrator running? see --endpoint)\n", endpoint,
                timeout_ms / 1000.0);
        code = 1;
    } else if (rc < 0) {
        fprintf(stderr, "corridorctl: %s\n", err[0] ? err : strerror(-rc));
        code = 1;
    } else {
        code = render(&req.u.creq, &reply.u.crep, json);
        corridor_msg_fini(&reply);
    }
    corridor_msg_fini(&req);
    return code;
}
