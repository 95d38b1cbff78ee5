/* corridor-sim: the command line around libcorridor-sim. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sim.h"
#include "table.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: corridor-sim SCENARIO.yaml [options]\n"
            "  --seed N            PRNG seed (default: the scenario's)\n"
            "  --duration S        simulated seconds (default: the scenario's)\n"
            "  --out DIR           write kpis.json, timeseries.csv, node_util.csv and SVG plots\n"
            "  --events FILE       write the event log (CSV: handovers, placements, failures)\n"
            "  --json              print kpis.json on stdout instead of the table\n"
            "  --live tcp://H:P    also connect every node as a real agent to an orchestrator\n"
            "                      (the run is then paced to the wall clock)\n"
            "  --live-speed X      live mode: simulated seconds per wall second (default 1)\n"
            "  --check             validate the scenario and exit\n"
            "  --no-progress       no progress bar\n"
            "  --log-level L       debug, info, warn (default), error\n"
            "  --version, --help\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'},     {"duration", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},      {"events", required_argument, NULL, 'e'},
        {"json", no_argument, NULL, 'j'},           {"live", required_argument, NULL, 'l'},
        {"live-speed", required_argument, NULL, 'L'}, {"check", no_argument, NULL, 'c'},
        {"no-progress", no_argument, NULL, 'P'},    {"log-level", required_argument, NULL, 'g'},
        {"version", no_argument, NULL, 'V'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    corridor_sim_options o = {.progress = isatty(STDERR_FILENO)};
    const char *out_dir = NULL, *level = "warn";
    bool json = false, check = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 's':
            errno = 0;
            o.seed = strtoull(optarg, &end, 0);
            o.seed_set = true;
            if (!*optarg || *end || errno) {
                fprintf(stderr, "corridor-sim: --seed: '%s' is not a number\n", optarg);
                return 2;
            }
            break;
        case 'd':
            o.duration_s = strtod(optarg, &end);
            if (!*optarg || *end || !(o.duration_s > 0)) {
                fprintf(stderr, "corridor-sim: --duration: '%s' is not a positive number\n",
                        optarg);
                return 2;
            }
            break;
        case 'o': out_dir = optarg; break;
        case 'e': o.events_path = optarg; break;
        case 'j': json = true; break;
        case 'l':
            if (strncmp(optarg, "tcp://", 6) != 0) {
                fprintf(stderr, "corridor-sim: --live: expected tcp://HOST:PORT, got '%s'\n",
                        optarg);
                return 2;
            }
            o.live_endpoint = optarg;
            break;
        case 'L':
            o.live_speed = strtod(optarg, &end);
            if (!*optarg || *end || !(o.live_speed > 0)) {
                fprintf(stderr, "corridor-sim: --live-speed: '%s' is not a positive number\n",
                        optarg);
                return 2;
            }
            break;
        case 'c': check = true; break;
        case 'P': o.progress = false; break;
        case 'g': level = optarg; break;
        case 'V': printf("corridor-sim %s\n", CORRIDOR_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    corridor_log_level lvl;
    if (corridor_log_level_parse(level, &lvl) < 0) {
        fprintf(stderr, "corridor-sim: --log-level: '%s' is not one of debug, info, warn, error\n",
                level);
        return 2;
    }
    corridor_log_set_level(lvl);
    const char *path = argv[optind];
    char err[1200];
    corridor_scenario s;
    if (corridor_scenario_open(path, &s, err, sizeof err) < 0) {
        fprintf(stderr, "corridor-sim: %s\n", err);
        return 1;
    }
    if (check) {
        printf("%s: ok (%zu cells, %zu nodes, %zu operators, %zu roads, %zu flows, %zu groups)\n",
               path, s.n_cells, s.n_nodes, s.n_operators, s.n_roads, s.n_flows, s.n_groups);
        corridor_scenario_fini(&s);
        return 0;
    }
    if (json)
        o.progress = false;
    /* SIGINT/SIGTERM end the run early, with its summary and outputs */
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    o.stop = &stop_requested;
    corridor_sim *sim = corridor_sim_new(&s, &o, err, sizeof err);
    if (!sim) {
        fprintf(stderr, "corridor-sim: %s\n", err);
        corridor_scenario_fini(&s);
        return 1;
    }
    int rc = corridor_sim_run(sim);
    if (rc < 0)
        fprintf(stderr, "corridor-sim: run stopped: %s\n", strerror(-rc));
    if (json)
        corridor_sim_write_kpis(sim, "/dev/stdout");
    else
        corridor_sim_print_summary(sim, stdout, corridor_table_want_color(stdout));
    if (out_dir) {
        if (corridor_sim_write_outputs(sim, out_dir, err, sizeof err) < 0) {
            fprintf(stderr, "corridor-sim: %s\n", err);
            rc = -EIO;
        } else if (!json) {
            printf("\nwrote %s/: kpis.json timeseries.csv node_util.csv latency.svg "
                   "utilisation.svg map.svg\n", out_dir);
        }
    }
    corridor_sim_free(&sim);
    corridor_scenario_fini(&s);
    return rc < 0 ? 1 : 0;
}
