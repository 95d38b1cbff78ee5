#include "cmd_node.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "msg_copy.h"

const char corridor_ctl_node_command_usage[] =
    "  command NODE start INSTANCE [--cpu MILLICORES] [--memory MB] [--timeout MS]\n"
    "          [--env KEY=VALUE]... -- PATH [ARGS...]   start a process on the node\n"
    "  command NODE stop INSTANCE                       stop it\n"
    "          (start also takes --restart always|on-failure|never)\n"
    "  command NODE steer PREFIX [--table N] [--via GATEWAY] [--dev IF]\n"
    "                                                   route a UE prefix locally (table 100)\n"
    "  command NODE unsteer PREFIX [--table N]          remove that route and rule\n";

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !*s || s[0] == '-' || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int fail(char *err, size_t errlen, const char *msg, const char *arg)
{
    snprintf(err, errlen, "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
    return -EINVAL;
}

static int parse_start(int argc, char **argv, corridor_command *c, char *err, size_t errlen)
{
    char *env[256];
    size_t n_env = 0;
    int i = 3;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        uint64_t v;
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val)
            return fail(err, errlen, "option needs a value", opt);
        if (strcmp(opt, "--cpu") == 0 && parse_u64(val, 10000000, &v) == 0)
            c->cpu_millicores = (uint32_t)v;
        else if (strcmp(opt, "--memory") == 0 && parse_u64(val, 1ull << 30, &v) == 0)
            c->memory_bytes = v << 20;
        else if (strcmp(opt, "--timeout") == 0 && parse_u64(val, 3600000, &v) == 0)
            c->timeout_ms = (uint32_t)v;
        else if (strcmp(opt, "--env") == 0 && strchr(val, '=') && n_env < 256)
            env[n_env++] = (char *)val;
        else if (strcmp(opt, "--restart") == 0 &&
                 (!strcmp(val, "always") || !strcmp(val, "on-failure") || !strcmp(val, "never")))
            snprintf(c->restart, sizeof c->restart, "%s", val);
        else
            return fail(err, errlen, "bad option or value", opt);
        i++;
    }
    if (i >= argc - 1)
        return fail(err, errlen, "start needs '-- PATH [ARGS...]'", NULL);
    i++;
    if (strlen(argv[i]) >= sizeof c->path)
        return fail(err, errlen, "path too long", NULL);
    snprintf(c->path, sizeof c->path, "%s", argv[i]);
    i++;
    if (corridor_strv_copy(&c->args, &c->n_args, argv + i, (size_t)(argc - i)) < 0 ||
        corridor_strv_copy(&c->env, &c->n_env, env, n_env) < 0)
        return -ENOMEM;
    return 0;
}

/* steer PREFIX [--table N] [--via GW] [--dev IF] / unsteer PREFIX [--table N]; the agent
 * checks the prefix and addresses (it answers INVALID with the reason). */
static int parse_steer(int argc, char **argv, corridor_command *c, char *err, size_t errlen)
{
    bool install = strcmp(argv[1], "steer") == 0;
    c->kind = install ? CORRIDOR_CMD_INSTALL_STEERING : CORRIDOR_CMD_REMOVE_STEERING;
    corridor_steering *st = &c->steering;
    if (argc < 3 || argv[2][0] == '-' || strlen(argv[2]) >= sizeof st->ue_prefix)
        return fail(err, errlen, "needs a UE PREFIX", argv[1]);
    snprintf(st->ue_prefix, sizeof st->ue_prefix, "%s", argv[2]);
    for (int i = 3; i < argc; i += 2) {
        uint64_t v;
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val)
            return fail(err, errlen, "option needs a value", opt);
        if (strcmp(opt, "--table") == 0 && parse_u64(val, 0xffffffffu, &v) == 0 && v)
            st->table = (uint32_t)v;
        else if (install && strcmp(opt, "--via") == 0 && strlen(val) < sizeof st->gateway)
            snprintf(st->gateway, sizeof st->gateway, "%s", val);
        else if (install && strcmp(opt, "--dev") == 0 && strlen(val) < sizeof st->dev)
            snprintf(st->dev, sizeof st->dev, "%s", val);
        else
            return fail(err, errlen, "bad option or value", opt);
    }
    if (install && !st->gateway[0] && !st->dev[0])
        return fail(err, errlen, "steer needs --via GATEWAY or --dev IF", NULL);
    return 0;
}

int corridor_ctl_parse_node_command(int argc, char **argv, corridor_control_request *req,
                                    char *err, size_t errlen)
{
    memset(req, 0, sizeof *req);
    req->kind = CORRIDOR_CTL_NODE_COMMAND;
    if (argc < 2)
        return fail(err, errlen, "usage: command NODE VERB ...", NULL);
    if (!corridor_id_valid(argv[0]))
        return fail(err, errlen, "not a node id", argv[0]);
    snprintf(req->node_id, sizeof req->node_id, "%s", argv[0]);
    corridor_command *c = &req->command;
    const char *verb = argv[1];
    if (strcmp(verb, "start") == 0 || strcmp(verb, "stop") == 0) {
        if (argc < 3 || !corridor_id_valid(argv[2]))
            return fail(err, errlen, "needs an INSTANCE id", verb);
        snprintf(c->instance_id, sizeof c->instance_id, "%s", argv[2]);
        snprintf(c->name, sizeof c->name, "%s", argv[2]);
        if (strcmp(verb, "stop") == 0) {
            c->kind = CORRIDOR_CMD_STOP_WORKLOAD;
            return argc == 3 ? 0 : fail(err, errlen, "stop takes only INSTANCE", NULL);
        }
        c->kind = CORRIDOR_CMD_START_WORKLOAD;
        return parse_start(argc, argv, c, err, errlen);
    }
    if (strcmp(verb, "steer") == 0 || strcmp(verb, "unsteer") == 0)
        return parse_steer(argc, argv, c, err, errlen);
    return fail(err, errlen, "unknown verb (start, stop, steer, unsteer)", verb);
}
