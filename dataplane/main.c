/* corridor-dataplane [EAL args] -- --config FILE [--idle-exit MS] [--check-config]
 *                                   [--log-level L] [--stats-file FILE] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "app.h"
#include "daemon.h"
#include "dp_config.h"
#include "log.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: corridor-dataplane [EAL options] -- --config FILE [--idle-exit MS]\n"
               "         [--check-config] [--log-level debug|info|warn|error]\n"
               "  --config FILE    dataplane configuration (docs/dataplane.md)\n"
               "  --idle-exit MS   flush and exit after MS ms without a received packet\n"
               "  --check-config   validate the configuration and exit (no EAL needed)\n"
               "  --stats-file F   at exit, write every counter to F as 'name value' lines\n"
               "  --bench-fill N   (benchmarks) add N forward rules for uplink TEIDs 0x100000+i\n"
               "                   to 198.51.100.2, out of port 1, before forwarding starts\n"
               "  --bench-seconds S  (benchmarks) forward for S seconds, then exit\n");
}

typedef struct {
    const char *config, *log_level, *stats_file;
    unsigned long idle_exit_ms;
    unsigned long bench_fill, bench_seconds;  /* benchmarks: synthetic rules, fixed run */
    int check;
} dp_args;

/* Our options are those after "--" (or all of them when there is none). Returns -1 to go on,
 * else an exit code. */
static int parse_args(int argc, char **argv, int *app_start, dp_args *a)
{
    memset(a, 0, sizeof *a);
    int s = 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            s = i + 1;
            break;
        }
    *app_start = s;
    for (int i = s; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(o, "--check-config") == 0) {
            a->check = 1;
        } else if ((strcmp(o, "--bench-fill") == 0 || strcmp(o, "--bench-seconds") == 0) &&
                   i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || v > 100000000) {
                fprintf(stderr, "%s: '%s' is not a count\n", o, argv[i]);
                return 2;
            }
            *(o[8] == 'f' ? &a->bench_fill : &a->bench_seconds) = v;
        } else if (strcmp(o, "--stats-file") == 0 && i + 1 < argc) {
            a->stats_file = argv[++i];
        } else if ((strcmp(o, "--config") == 0 || strcmp(o, "--idle-exit") == 0 ||
                    strcmp(o, "--log-level") == 0) && i + 1 < argc) {
            const char *v = argv[++i];
            if (o[2] == 'c') {
                a->config = v;
            } else if (o[2] == 'l') {
                a->log_level = v;
            } else {
                char *end;
                errno = 0;
                a->idle_exit_ms = strtoul(v, &end, 10);
                if (errno || *end || a->idle_exit_ms > 86400000) {
                    fprintf(stderr, "--idle-exit: '%s' is not a number of milliseconds\n", v);
                    return 2;
                }
            }
        } else {
            fprintf(stderr, "unknown or incomplete option '%s'\n", o);
            usage(stderr);
            return 2;
        }
    }
    if (!a->config) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* Counters for scripts and the agent's Report: one "name value" line each; then each
 * static rule's packets and bytes (rule<id>_packets, rule<id>_bytes). */
static int write_stats(const corridor_dp_app *app, const corridor_dp_config *cfg,
                       const char *path)
{
    corridor_stat st[256];
    size_t n = corridor_dp_app_stats(app, st, sizeof st / sizeof st[0]);
    FILE *f = fopen(path, "w");
    if (!f) {
        CLOG_ERROR("dataplane", "cannot write stats", "file=%s error=%s", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s %llu\n", st[i].name, (unsigned long long)st[i].value);
    for (size_t i = 0; i < cfg->n_rules; i++) {
        uint64_t pk, by;
        unsigned long long id = (unsigned long long)cfg->rules[i].id;
        if (corridor_dp_app_rule_stats(app, cfg->rules[i].id, &pk, &by) == 0)
            fprintf(f, "rule%llu_packets %llu\nrule%llu_bytes %llu\n", id,
                    (unsigned long long)pk, id, (unsigned long long)by);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Synthetic rules for the benchmark: session i = uplink TEID 0x100000 + i. */
static int bench_fill(corridor_dp_app *app, unsigned long n, uint32_t batch)
{
    corridor_rule_op *ops = calloc(batch, sizeof *ops);
    if (!ops)
        return -ENOMEM;
    for (unsigned long done = 0; done < n;) {
        uint32_t k = 0;
        for (; k < batch && done < n; k++, done++) {
            corridor_dp_rule *r = &ops[k].rule;
            memset(&ops[k], 0, sizeof ops[k]);
            ops[k].op = CORRIDOR_RULE_OP_ADD;
            r->rule_id = done + 1;
            r->uplink_teid = 0x100000u + (uint32_t)done;
            corridor_dp_parse_addr("198.51.100.2", &r->uplink_address);
            r->action = CORRIDOR_DP_ACTION_FORWARD;
            corridor_dp_parse_addr("203.0.113.9", &r->target_address);
            r->target_teid = (uint32_t)done;
            r->out_port = 1;
        }
        corridor_rule_result res;
        if (corridor_dp_app_apply(app, ops, k, &res) < 0) {
            CLOG_ERROR("dataplane", "bench fill failed", "error=\"%s\"", res.error);
            free(ops);
            return -1;
        }
    }
    free(ops);
    CLOG_INFO("dataplane", "bench rules installed", "rules=%lu", n);
    return 0;
}

int main(int argc, char **argv)
{
    dp_args args;
    int app_start;
    int rc = parse_args(argc, argv, &app_start, &args);
    if (rc >= 0)
        return rc;
    corridor_dp_config *cfg = malloc(sizeof *cfg);
    corridor_cfg_error err;
    if (!cfg || corridor_dp_config_load(args.config, cfg, &err) < 0) {
        fprintf(stderr, "%s\n", cfg ? err.text : "out of memory");
        free(cfg);
        return 1;
    }
    if (args.check) {
        printf("%s: ok\n", args.config);
        free(cfg);
        return 0;
    }
    if (corridor_daemon_log_level(args.log_level, cfg->log_level) < 0) {
        free(cfg);
        return 2;
    }
    /* Signals are blocked before the EAL starts its threads, so that they inherit the mask
     * and SIGTERM reaches the signalfd instead of killing the process in a worker. */
    int sfd = corridor_daemon_signalfd();
    /* the EAL sees argv[0] and what precedes "--" */
    int eal_argc = app_start > 1 && strcmp(argv[app_start - 1], "--") == 0 ? app_start - 1 : 1;
    if (rte_eal_init(eal_argc, argv) < 0) {
        fprintf(stderr, "corridor-dataplane: EAL initialisation failed (see above)\n");
        if (sfd >= 0)
            close(sfd);
        free(cfg);
        return 1;
    }
    char msg[512];
    corridor_dp_app *app = corridor_dp_app_new(cfg, msg, sizeof msg);
    if (!app) {
        CLOG_ERROR("dataplane", "cannot start", "error=\"%s\"", msg);
        rc = 1;
    } else {
        if (args.bench_fill && bench_fill(app, args.bench_fill, cfg->limits.max_rules_batch) < 0)
            rc = 1;
        else
            rc = corridor_dp_app_run(app, sfd, (uint32_t)args.idle_exit_ms,
                                     (uint32_t)(args.bench_seconds * 1000)) < 0 ? 1 : 0;
        corridor_dp_app_log_stats(app, "summary");
        if (args.stats_file && write_stats(app, cfg, args.stats_file) < 0)
            rc = 1;
        corridor_dp_app_free(&app);
    }
    if (sfd >= 0)
        close(sfd);
    rte_eal_cleanup();
    free(cfg);
    return rc;
}
