/* corridorctl output for workloads, explain and node command results. */
#include <string.h>

#include "json.h"
#include "render.h"
#include "table.h"

static void budget_text(const corridor_workload_spec *s, char *buf, size_t len)
{
    if (s->max_latency_us)
        snprintf(buf, len, "%.1f ms", s->max_latency_us / 1000.0);
    else if (s->latency_tier >= 0)
        snprintf(buf, len, "%s", corridor_tier_name((corridor_tier)s->latency_tier));
    else
        snprintf(buf, len, "-");
}

static uint32_t running(const corridor_workload_view *v)
{
    uint32_t k = 0;
    for (size_t i = 0; i < v->n_replicas; i++)
        k += v->replicas[i].state == CORRIDOR_WL_RUNNING && v->replicas[i].node_id[0];
    return k;
}

static corridor_color phase_color(corridor_workload_phase p)
{
    switch (p) {
    case CORRIDOR_WORKLOAD_RUNNING: return CORRIDOR_COLOR_GREEN;
    case CORRIDOR_WORKLOAD_STARTING:
    case CORRIDOR_WORKLOAD_DEGRADED: return CORRIDOR_COLOR_YELLOW;
    default: return CORRIDOR_COLOR_RED;
    }
}

/* "0/12 nodes available: 7 latency (6.2 ms over 5 ms budget), 3 country (IT not allowed)" */
void corridor_ctl_explain_line(const corridor_workload_view *v, char *buf, size_t len)
{
    int o = snprintf(buf, len, "%u/%u nodes available", v->nodes_feasible, v->nodes_total);
    for (size_t i = 0; i < v->n_rejects && o > 0 && (size_t)o < len; i++) {
        const corridor_reject_group *g = &v->rejects[i];
        o += snprintf(buf + o, len - (size_t)o, "%s %u %s%s%s%s", i ? "," : ":", g->count,
                      g->reason, g->detail[0] ? " (" : "", g->detail, g->detail[0] ? ")" : "");
    }
}

static void json_spec(corridor_json *j, const corridor_workload_spec *s)
{
    corridor_json_key(j, "spec");
    corridor_json_obj_begin(j);
    corridor_json_kstr(j, "name", s->name);
    corridor_json_kstr(j, "tenant", s->tenant);
    corridor_json_kstr(j, "path", s->path);
    corridor_json_key(j, "args");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < s->n_args; i++)
        corridor_json_str(j, s->args[i]);
    corridor_json_arr_end(j);
    corridor_json_ku64(j, "cpu_millicores", s->cpu_millicores);
    corridor_json_ku64(j, "memory_bytes", s->memory_bytes);
    corridor_json_ku64(j, "gpus", s->gpus);
    corridor_json_ku64(j, "gpu_memory_bytes", s->gpu_memory_bytes);
    corridor_json_kstr(j, "tier", s->latency_tier >= 0
                       ? corridor_tier_name((corridor_tier)s->latency_tier) : "");
    corridor_json_ku64(j, "max_latency_us", s->max_latency_us);
    if (s->has_anchor) {
        corridor_json_kdbl(j, "anchor_lat", s->anchor_lat, 6);
        corridor_json_kdbl(j, "anchor_lon", s->anchor_lon, 6);
    }
    corridor_json_kstr(j, "anchor_region", s->anchor_region);
    corridor_json_key(j, "countries");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < s->n_countries; i++)
        corridor_json_str(j, s->countries[i]);
    corridor_json_arr_end(j);
    corridor_json_key(j, "operators");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < s->n_operators; i++)
        corridor_json_str(j, s->operators[i]);
    corridor_json_arr_end(j);
    corridor_json_ku64(j, "replicas", s->replicas);
    corridor_json_ki64(j, "priority", s->priority);
    corridor_json_kstr(j, "restart", s->restart);
    corridor_json_obj_end(j);
}

static void json_workload(corridor_json *j, const corridor_workload_view *v)
{
    corridor_json_obj_begin(j);
    corridor_json_kstr(j, "id", v->workload_id);
    corridor_json_kstr(j, "phase", corridor_workload_phase_name(v->phase));
    corridor_json_kstr(j, "reason", v->reason);
    corridor_json_ku64(j, "created_ms_ago", v->created_age_ms);
    json_spec(j, &v->spec);
    corridor_json_key(j, "replicas");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < v->n_replicas; i++) {
        const corridor_replica_view *r = &v->replicas[i];
        corridor_json_obj_begin(j);
        corridor_json_kstr(j, "instance", r->instance_id);
        corridor_json_kstr(j, "node", r->node_id);
        corridor_json_ku64(j, "state", r->state);
        corridor_json_ku64(j, "restarts", r->restarts);
        corridor_json_kstr(j, "reason", r->reason);
        corridor_json_obj_end(j);
    }
    corridor_json_arr_end(j);
    corridor_json_ku64(j, "nodes_total", v->nodes_total);
    corridor_json_ku64(j, "nodes_feasible", v->nodes_feasible);
    corridor_json_key(j, "rejected");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < v->n_rejects; i++) {
        corridor_json_obj_begin(j);
        corridor_json_kstr(j, "reason", v->rejects[i].reason);
        corridor_json_ku64(j, "count", v->rejects[i].count);
        corridor_json_kstr(j, "detail", v->rejects[i].detail);
        corridor_json_obj_end(j);
    }
    corridor_json_arr_end(j);
    corridor_json_key(j, "scores");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < v->n_scores; i++) {
        const corridor_score_view *s = &v->scores[i];
        corridor_json_obj_begin(j);
        corridor_json_kstr(j, "node", s->node_id);
        corridor_json_kdbl(j, "latency_us", s->latency_us, 1);
        corridor_json_kbool(j, "latency_measured", s->latency_measured);
        corridor_json_kdbl(j, "latency_headroom", s->latency_headroom, 4);
        corridor_json_kdbl(j, "gpu_balance", s->gpu_balance, 4);
        corridor_json_kdbl(j, "cpu_balance", s->cpu_balance, 4);
        corridor_json_kdbl(j, "spread", s->spread, 4);
        corridor_json_kdbl(j, "stickiness", s->stickiness, 4);
        corridor_json_kdbl(j, "total", s->total, 4);
        corridor_json_obj_end(j);
    }
    corridor_json_arr_end(j);
    corridor_json_obj_end(j);
}

void corridor_ctl_render_workloads(FILE *f, const corridor_control_reply *r, bool json,
                                   bool color)
{
    if (json) {
        corridor_json j;
        corridor_json_init(&j, f, true);
        corridor_json_obj_begin(&j);
        corridor_json_kstr(&j, "orchestrator", r->orchestrator_id);
        corridor_json_key(&j, "workloads");
        corridor_json_arr_begin(&j);
        for (size_t i = 0; i < r->n_workloads; i++)
            json_workload(&j, &r->workloads[i]);
        corridor_json_arr_end(&j);
        corridor_json_obj_end(&j);
        corridor_json_finish(&j);
        return;
    }
    static const char *const hdr[] = {"WORKLOAD", "TENANT", "PHASE", "READY", "LATENCY",
                                      "NODES", "REASON"};
    corridor_table *t = corridor_table_new(7, hdr, NULL);
    for (size_t i = 0; t && i < r->n_workloads; i++) {
        const corridor_workload_view *v = &r->workloads[i];
        char budget[32], nodes[200] = "";
        budget_text(&v->spec, budget, sizeof budget);
        size_t o = 0;
        for (size_t k = 0; k < v->n_replicas && o < sizeof nodes - 70; k++)
            if (v->replicas[k].node_id[0])
                o += (size_t)snprintf(nodes + o, sizeof nodes - o, "%s%s", o ? "," : "",
                                      v->replicas[k].node_id);
        corridor_table_cell(t, 0, "%s", v->workload_id);
        corridor_table_cell(t, 0, "%s", v->spec.tenant);
        corridor_table_cell(t, phase_color(v->phase), "%s", corridor_workload_phase_name(v->phase));
        corridor_table_cell(t, 0, "%u/%zu", running(v), v->n_replicas);
        corridor_table_cell(t, 0, "%s", budget);
        corridor_table_cell(t, 0, "%s", nodes[0] ? nodes : "-");
        corridor_table_cell(t, 0, "%.70s", v->reason[0] ? v->reason : "");
    }
    if (t)
        corridor_table_print(t, f, color);
    corridor_table_free(&t);
    fprintf(f, "%zu workloads\n", r->n_workloads);
}

void corridor_ctl_render_workload(FILE *f, const corridor_workload_view *v, bool json,
                                  bool color, bool explain)
{
    if (json) {
        corridor_json j;
        corridor_json_init(&j, f, true);
        json_workload(&j, v);
        corridor_json_finish(&j);
        return;
    }
    const corridor_workload_spec *s = &v->spec;
    char budget[32];
    budget_text(s, budget, sizeof budget);
    if (!explain) {
        fprintf(f, "workload:    %s (tenant %s)\n", v->workload_id, s->tenant);
        fprintf(f, "phase:       %s%s%s\n", corridor_workload_phase_name(v->phase),
                v->reason[0] ? " - " : "", v->reason);
        fprintf(f, "command:     %s", s->path);
        for (size_t i = 0; i < s->n_args; i++)
            fprintf(f, " %s", s->args[i]);
        fprintf(f, "\nresources:   %u millicores, %llu MiB, %u GPUs (>= %llu MiB free each)\n",
                s->cpu_millicores, (unsigned long long)(s->memory_bytes >> 20), s->gpus,
                (unsigned long long)(s->gpu_memory_bytes >> 20));
        fprintf(f, "latency:     %s (budget %.1f ms one way)\n", budget,
                (s->max_latency_us ? s->max_latency_us
                 : corridor_tier_latency_us((corridor_tier)(s->latency_tier >= 0 ? s->latency_tier : 0))) / 1000.0);
        if (s->has_anchor)
            fprintf(f, "anchor:      %.4f, %.4f\n", s->anchor_lat, s->anchor_lon);
        else if (s->anchor_region[0])
            fprintf(f, "anchor:      region %s\n", s->anchor_region);
        fprintf(f, "sovereignty: countries [");
        for (size_t i = 0; i < s->n_countries; i++)
            fprintf(f, "%s%s", i ? ", " : "", s->countries[i]);
        fprintf(f, "%s], operators [", s->n_countries ? "" : "any");
        for (size_t i = 0; i < s->n_operators; i++)
            fprintf(f, "%s%s", i ? ", " : "", s->operators[i]);
        fprintf(f, "%s]\n", s->n_operators ? "" : "any");
        static const char *const hdr[] = {"INSTANCE", "NODE", "STATE", "RESTARTS", "REASON"};
        corridor_table *t = corridor_table_new(5, hdr, NULL);
        static const char *const st[] = {"pending", "running", "exited", "failed", "stopped"};
        for (size_t i = 0; t && i < v->n_replicas; i++) {
            const corridor_replica_view *r = &v->replicas[i];
            corridor_table_cell(t, 0, "%s", r->instance_id[0] ? r->instance_id : "-");
            corridor_table_cell(t, 0, "%s", r->node_id[0] ? r->node_id : "-");
            corridor_table_cell(t, r->state == CORRIDOR_WL_RUNNING ? CORRIDOR_COLOR_GREEN
                                : CORRIDOR_COLOR_YELLOW, "%s", st[r->state % 5]);
            corridor_table_cell(t, 0, "%u", r->restarts);
            corridor_table_cell(t, 0, "%s", r->reason);
        }
        if (t)
            corridor_table_print(t, f, color);
        corridor_table_free(&t);
    }
    if (v->nodes_total || explain) {
        char line[1024];
        corridor_ctl_explain_line(v, line, sizeof line);
        fprintf(f, "%s%s\n", explain ? "" : "last decision: ", line);
    }
    for (size_t i = 0; explain && i < v->n_scores; i++) {
        const corridor_score_view *c = &v->scores[i];
        fprintf(f, "%s %s: score %.3f = latency headroom %.3f (%.2f ms%s), gpu balance %.3f, "
                "cpu balance %.3f, spread %.3f, stickiness %.3f\n",
                i == 0 ? "chosen" : "      ", c->node_id, c->total, c->latency_headroom,
                c->latency_us / 1000.0, c->latency_measured ? " measured" : " modelled",
                c->gpu_balance, c->cpu_balance, c->spread, c->stickiness);
    }
}

void corridor_ctl_render_result(FILE *f, const corridor_control_reply *r, bool json)
{
    const corridor_command_result *c = &r->result;
    static const char *const st[] = {"ok", "failed", "unsupported", "invalid"};
    if (json) {
        corridor_json j;
        corridor_json_init(&j, f, true);
        corridor_json_obj_begin(&j);
        corridor_json_kstr(&j, "command", c->command_id);
        corridor_json_kstr(&j, "status", st[c->status % 4]);
        corridor_json_ki64(&j, "error_code", c->error_code);
        corridor_json_kstr(&j, "message", c->message);
        corridor_json_obj_end(&j);
        corridor_json_finish(&j);
        return;
    }
    fprintf(f, "%s: %s%s%s\n", c->command_id, st[c->status % 4], c->message[0] ? ": " : "",
            c->message);
}
