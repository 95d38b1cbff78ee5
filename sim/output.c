/*
 * What a run leaves behind: the summary table on the terminal, kpis.json (deterministic: no
 * wall-clock figure in it), timeseries.csv and node_util.csv; plot.c draws the SVGs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "placement.h"
#include "sim_internal.h"
#include "table.h"

static double sla_pct(const corridor_sim_kpis *k)
{
    return k->requests > 0 ? 100.0 * k->requests_ok / k->requests : 100.0;
}

static void thousands(char *buf, size_t len, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
}

void corridor_sim_print_summary(const corridor_sim *sim, FILE *f, bool color)
{
    const corridor_sim_kpis *k = &sim->k;
    const corridor_sim_perf *p = &sim->perf;
    char a[32], b[32], c[32];
    fprintf(f, "corridor-sim: scenario %s, seed %llu, %.0f s simulated, %zu cells, %zu nodes, "
            "%zu operators\n", sim->s->name, (unsigned long long)sim->seed, k->sim_s,
            sim->s->n_cells, sim->s->n_nodes, sim->s->n_operators);
    static const char *const hdr[] = {"METRIC", "VALUE"};
    corridor_table *t = corridor_table_new(2, hdr, NULL);
    if (!t)
        return;
#define ROW(name, col, ...) do { corridor_table_cell(t, CORRIDOR_COLOR_NONE, "%s", name); \
        corridor_table_cell(t, col, __VA_ARGS__); } while (0)
    thousands(a, sizeof a, k->vehicles);
    thousands(b, sizeof b, k->vehicles_peak);
    ROW("vehicles", CORRIDOR_COLOR_NONE, "%s (at most %s at once)", a, b);
    thousands(a, sizeof a, k->sessions);
    thousands(b, sizeof b, k->sessions_peak);
    ROW("sessions", CORRIDOR_COLOR_NONE, "%s (at most %s at once)", a, b);
    double sla = sla_pct(k);
    thousands(a, sizeof a, (uint64_t)llround(k->requests));
    ROW("SLA compliance", sla >= 99 ? CORRIDOR_COLOR_GREEN : sla >= 95 ? CORRIDOR_COLOR_YELLOW
                                                                     : CORRIDOR_COLOR_RED,
        "%.2f %% of %s requests within budget", sla, a);
    ROW("  not served", CORRIDOR_COLOR_NONE, "%.2f %% no coverage, %.2f %% no node",
        k->requests > 0 ? 100 * k->requests_no_coverage / k->requests : 0.0,
        k->requests > 0 ? 100 * k->requests_no_node / k->requests : 0.0);
    ROW("latency p50 / p95 / p99", CORRIDOR_COLOR_NONE, "%.2f / %.2f / %.2f ms (one way)",
        sim_hist_quantile(&k->latency_us, 0.5) / 1000, sim_hist_quantile(&k->latency_us, 0.95) / 1000,
        sim_hist_quantile(&k->latency_us, 0.99) / 1000);
    uint64_t ch = k->changes[0] + k->changes[1] + k->changes[2];
    thousands(a, sizeof a, ch);
    ROW("cell changes", CORRIDOR_COLOR_NONE, "%s (%llu after radio link failure)", a,
        (unsigned long long)k->rlf);
    for (int i = 0; i < SIM_CHANGE_KINDS; i++) {
        char name[40];
        snprintf(name, sizeof name, "  %s", sim_change_kind_names[i]);
        thousands(a, sizeof a, k->changes[i]);
        ROW(name, CORRIDOR_COLOR_NONE, "%s", a);
    }
    ROW("sessions out of budget", k->sessions_out ? CORRIDOR_COLOR_YELLOW : CORRIDOR_COLOR_GREEN,
        "%llu of %llu, %llu episodes, %.1f s in all", (unsigned long long)k->sessions_out,
        (unsigned long long)k->sessions, (unsigned long long)k->episodes, k->out_s_total);
    ROW("  episode p50 / p99 / max", CORRIDOR_COLOR_NONE, "%.2f / %.2f / %.2f s",
        sim_hist_quantile(&k->episode_ms, 0.5) / 1000, sim_hist_quantile(&k->episode_ms, 0.99) / 1000,
        k->out_s_max);
    thousands(a, sizeof a, k->decisions);
    ROW("placement decisions", CORRIDOR_COLOR_NONE, "%s by the core: %llu placed, %llu moved, "
        "%llu failed", a, (unsigned long long)k->placed, (unsigned long long)k->migrations,
        (unsigned long long)k->place_failed);
    ROW("  moves across", CORRIDOR_COLOR_NONE, "%llu operators, %llu borders",
        (unsigned long long)k->migrations_operator, (unsigned long long)k->migrations_border);
    ROW("node GPU utilisation p50 / p99", CORRIDOR_COLOR_NONE, "%.1f %% / %.1f %%",
        sim_hist_quantile(&k->gpu_util_pm, 0.5) / 10, sim_hist_quantile(&k->gpu_util_pm, 0.99) / 10);
    thousands(a, sizeof a, k->events);
    thousands(b, sizeof b, k->vehicle_updates);
    ROW("events processed", CORRIDOR_COLOR_NONE, "%s (%s vehicle updates)", a, b);
    thousands(a, sizeof a, (uint64_t)llround(p->events_per_s));
    thousands(c, sizeof c, (uint64_t)llround(p->updates_per_s));
    ROW("events/s", CORRIDOR_COLOR_NONE, "%s (%s vehicle updates/s)", a, c);
    ROW("wall time", CORRIDOR_COLOR_NONE, "%.2f s (%.1fx real time)", p->wall_s,
        p->realtime_factor);
#undef ROW
    corridor_table_print(t, f, color);
    corridor_table_free(&t);
    if (k->place_failed == 0)
        return;
    fprintf(f, "\nplacements rejected (node rejections in the %llu failed decisions, by reason)\n",
            (unsigned long long)k->place_failed);
    static const char *const h2[] = {"REASON", "NODES"};
    static const bool right[] = {false, true};
    t = corridor_table_new(2, h2, right);
    if (!t)
        return;
    for (int r = 0; r < CORRIDOR_REJ_COUNT; r++) {
        if (!k->rejected[r])
            continue;
        corridor_table_cell(t, CORRIDOR_COLOR_NONE, "%s",
                            corridor_reject_code_name((corridor_reject_code)r));
        corridor_table_cell(t, CORRIDOR_COLOR_NONE, "%llu", (unsigned long long)k->rejected[r]);
    }
    corridor_table_print(t, f, color);
    corridor_table_free(&t);
}

static void json_quantiles(corridor_json *j, const char *key, const sim_hist *h, double scale,
                           int dec)
{
    corridor_json_key(j, key);
    corridor_json_obj_begin(j);
    corridor_json_kdbl(j, "p50", sim_hist_quantile(h, 0.5) * scale, dec);
    corridor_json_kdbl(j, "p95", sim_hist_quantile(h, 0.95) * scale, dec);
    corridor_json_kdbl(j, "p99", sim_hist_quantile(h, 0.99) * scale, dec);
    corridor_json_kdbl(j, "max", h->max * scale, dec);
    corridor_json_obj_end(j);
}

int corridor_sim_write_kpis(const corridor_sim *sim, const char *path)
{
    const corridor_sim_kpis *k = &sim->k;
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    corridor_json j;
    corridor_json_init(&j, f, true);
    corridor_json_obj_begin(&j);
    corridor_json_kstr(&j, "scenario", sim->s->name);
    corridor_json_ku64(&j, "seed", sim->seed);
    corridor_json_kdbl(&j, "simulated_s", k->sim_s, 3);
    corridor_json_ku64(&j, "cells", sim->s->n_cells);
    corridor_json_ku64(&j, "nodes", sim->s->n_nodes);
    corridor_json_ku64(&j, "operators", sim->s->n_operators);
    corridor_json_ku64(&j, "vehicles", k->vehicles);
    corridor_json_ku64(&j, "vehicles_peak", k->vehicles_peak);
    corridor_json_ku64(&j, "sessions", k->sessions);
    corridor_json_ku64(&j, "sessions_peak", k->sessions_peak);
    corridor_json_key(&j, "requests");
    corridor_json_obj_begin(&j);
    corridor_json_kdbl(&j, "total", k->requests, 1);
    corridor_json_kdbl(&j, "within_budget", k->requests_ok, 1);
    corridor_json_kdbl(&j, "no_coverage", k->requests_no_coverage, 1);
    corridor_json_kdbl(&j, "no_node", k->requests_no_node, 1);
    corridor_json_kdbl(&j, "sla_compliance_pct", sla_pct(k), 4);
    corridor_json_obj_end(&j);
    json_quantiles(&j, "latency_ms", &k->latency_us, 1e-3, 3);
    corridor_json_key(&j, "cell_changes");
    corridor_json_obj_begin(&j);
    for (int i = 0; i < SIM_CHANGE_KINDS; i++)
        corridor_json_ku64(&j, sim_change_kind_names[i], k->changes[i]);
    corridor_json_ku64(&j, "after_radio_link_failure", k->rlf);
    corridor_json_ku64(&j, "attaches", k->attaches);
    corridor_json_ku64(&j, "detaches", k->detaches);
    corridor_json_obj_end(&j);
    corridor_json_key(&j, "out_of_budget");
    corridor_json_obj_begin(&j);
    corridor_json_ku64(&j, "sessions", k->sessions_out);
    corridor_json_ku64(&j, "episodes", k->episodes);
    corridor_json_kdbl(&j, "total_s", k->out_s_total, 3);
    json_quantiles(&j, "episode_s", &k->episode_ms, 1e-3, 3);
    corridor_json_obj_end(&j);
    corridor_json_key(&j, "placement");
    corridor_json_obj_begin(&j);
    corridor_json_ku64(&j, "decisions", k->decisions);
    corridor_json_ku64(&j, "placed", k->placed);
    corridor_json_ku64(&j, "migrations", k->migrations);
    corridor_json_ku64(&j, "migrations_cross_operator", k->migrations_operator);
    corridor_json_ku64(&j, "migrations_cross_border", k->migrations_border);
    corridor_json_ku64(&j, "failed", k->place_failed);
    corridor_json_ku64(&j, "moved_off_failed_nodes", k->node_failures_replaced);
    corridor_json_key(&j, "rejected_nodes_by_reason");
    corridor_json_obj_begin(&j);
    for (int r = 0; r < CORRIDOR_REJ_COUNT; r++)
        corridor_json_ku64(&j, corridor_reject_code_name((corridor_reject_code)r), k->rejected[r]);
    corridor_json_obj_end(&j);
    corridor_json_obj_end(&j);
    json_quantiles(&j, "node_gpu_util_pct", &k->gpu_util_pm, 0.1, 2);
    corridor_json_key(&j, "core");
    corridor_json_obj_begin(&j);
    corridor_json_ku64(&j, "registrations", k->registrations);
    corridor_json_ku64(&j, "reports", k->reports);
    corridor_json_ku64(&j, "liveness_transitions", k->core_transitions);
    corridor_json_obj_end(&j);
    corridor_json_ku64(&j, "events", k->events);
    corridor_json_ku64(&j, "vehicle_updates", k->vehicle_updates);
    corridor_json_obj_end(&j);
    corridor_json_finish(&j);
    int rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

int corridor_sim_write_timeseries(const corridor_sim *sim, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    fprintf(f, "t_s,vehicles,sessions,sessions_out_of_budget,requests,sla_pct,lat_p50_ms,"
               "lat_p95_ms,lat_p99_ms,changes_intra,changes_inter_operator,changes_cross_border,"
               "migrations,placements_failed,gpu_util_mean_pct,gpu_util_max_pct,nodes_alive\n");
    for (size_t i = 0; i < sim->n_samples; i++) {
        const sim_sample *x = &sim->samples[i];
        fprintf(f, "%.3f,%u,%u,%u,%.1f,%.3f,%.3f,%.3f,%.3f,%llu,%llu,%llu,%llu,%llu,%.2f,%.2f,%u\n",
                x->t_s, x->vehicles, x->sessions, x->sessions_out_now, x->requests,
                x->requests > 0 ? 100 * x->requests_ok / x->requests : 100.0,
                x->lat_p50_us / 1000, x->lat_p95_us / 1000, x->lat_p99_us / 1000,
                (unsigned long long)x->changes[0], (unsigned long long)x->changes[1],
                (unsigned long long)x->changes[2], (unsigned long long)x->migrations,
                (unsigned long long)x->place_failed, x->gpu_util_mean * 100,
                x->gpu_util_max * 100, x->nodes_alive);
    }
    int rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

int corridor_sim_write_node_util(const corridor_sim *sim, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    fprintf(f, "t_s,node,gpu_util_pct\n");
    size_t nn = sim->s->n_nodes;
    for (size_t i = 0; i < sim->n_samples; i++)
        for (size_t n = 0; n < nn; n++)
            fprintf(f, "%.3f,%s,%.2f\n", sim->samples[i].t_s, sim->s->nodes[n].id,
                    sim->node_util[i * nn + n] * 100);
    int rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

int corridor_sim_write_outputs(const corridor_sim *sim, const char *dir, char *err,
                               size_t errlen)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -errno;
    }
    char path[1024];
    static const char *const names[] = {"kpis.json", "timeseries.csv", "node_util.csv"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        int rc = i == 0 ? corridor_sim_write_kpis(sim, path)
                 : i == 1 ? corridor_sim_write_timeseries(sim, path)
                          : corridor_sim_write_node_util(sim, path);
        if (rc < 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
            return rc;
        }
    }
    return sim_write_plots(sim, dir, err, errlen);
}
