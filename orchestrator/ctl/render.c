#include "render.h"

#include <string.h>

#include "json.h"
#include "render_dp.h"
#include "table.h"

static corridor_color state_color(corridor_node_state s)
{
    return s == CORRIDOR_NODE_ALIVE ? CORRIDOR_COLOR_GREEN
         : s == CORRIDOR_NODE_SUSPECT ? CORRIDOR_COLOR_YELLOW : CORRIDOR_COLOR_RED;
}

static void fmt_age(char *buf, size_t len, uint64_t ms)
{
    if (ms < 60000)
        snprintf(buf, len, "%.1fs ago", (double)ms / 1000.0);
    else if (ms < 3600000)
        snprintf(buf, len, "%llum%02llus ago", (unsigned long long)(ms / 60000),
                 (unsigned long long)(ms / 1000 % 60));
    else
        snprintf(buf, len, "%lluh%02llum ago", (unsigned long long)(ms / 3600000),
                 (unsigned long long)(ms / 60000 % 60));
}

/* Mean GPU utilisation, or -1 without GPUs. */
static double gpu_mean(const corridor_report *r)
{
    if (r->n_gpus == 0)
        return -1;
    double s = 0;
    for (size_t i = 0; i < r->n_gpus; i++)
        s += r->gpus[i].util_pct;
    return s / (double)r->n_gpus;
}

static void json_identity(corridor_json *j, const corridor_register *id)
{
    corridor_json_kstr(j, "id", id->node_id);
    corridor_json_kstr(j, "operator", id->plmn);
    corridor_json_kstr(j, "country", id->country);
    corridor_json_kstr(j, "region", id->region);
    corridor_json_kstr(j, "tier", corridor_tier_name(id->tier));
    corridor_json_key(j, "location");
    corridor_json_obj_begin(j);
    corridor_json_kdbl(j, "lat", id->lat, 6);
    corridor_json_kdbl(j, "lon", id->lon, 6);
    corridor_json_obj_end(j);
    corridor_json_key(j, "capacity");
    corridor_json_obj_begin(j);
    corridor_json_ku64(j, "cpu_millicores", id->capacity.cpu_millicores);
    corridor_json_ku64(j, "memory_bytes", id->capacity.memory_bytes);
    corridor_json_ku64(j, "gpus", id->capacity.gpu_count);
    corridor_json_ku64(j, "gpu_memory_bytes", id->capacity.gpu_memory_bytes);
    corridor_json_obj_end(j);
    corridor_json_kstr(j, "agent_version", id->agent_version);
}

static void json_gpus(corridor_json *j, const corridor_report *r)
{
    corridor_json_key(j, "gpus");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < r->n_gpus; i++) {
        const corridor_gpu *g = &r->gpus[i];
        corridor_json_obj_begin(j);
        corridor_json_ku64(j, "index", g->index);
        corridor_json_kstr(j, "uuid", g->uuid);
        corridor_json_kstr(j, "name", g->name);
        corridor_json_ku64(j, "util_pct", g->util_pct);
        corridor_json_ku64(j, "mem_util_pct", g->mem_util_pct);
        corridor_json_ku64(j, "mem_used_bytes", g->mem_used_bytes);
        corridor_json_ku64(j, "mem_total_bytes", g->mem_total_bytes);
        corridor_json_ki64(j, "temperature_c", g->temperature_c);
        corridor_json_ku64(j, "power_mw", g->power_mw);
        corridor_json_ku64(j, "compute_procs", g->compute_procs);
        corridor_json_obj_end(j);
    }
    corridor_json_arr_end(j);
}

static void json_routes_links(corridor_json *j, const corridor_report *r)
{
    corridor_json_key(j, "routes");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < r->n_routes; i++) {
        const corridor_route *x = &r->routes[i];
        corridor_json_obj_begin(j);
        corridor_json_ku64(j, "family", x->family);
        corridor_json_kstr(j, "dst", x->dst);
        corridor_json_kstr(j, "gateway", x->gateway);
        corridor_json_kstr(j, "oif", x->oif);
        corridor_json_ku64(j, "table", x->table);
        corridor_json_ku64(j, "metric", x->metric);
        corridor_json_ku64(j, "protocol", x->protocol);
        corridor_json_obj_end(j);
    }
    corridor_json_arr_end(j);
    corridor_json_key(j, "links");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < r->n_links; i++) {
        const corridor_link *l = &r->links[i];
        corridor_json_obj_begin(j);
        corridor_json_kstr(j, "name", l->name);
        corridor_json_ku64(j, "ifindex", l->ifindex);
        corridor_json_kbool(j, "up", l->up);
        corridor_json_ku64(j, "mtu", l->mtu);
        corridor_json_ku64(j, "rx_bytes", l->rx_bytes);
        corridor_json_ku64(j, "tx_bytes", l->tx_bytes);
        corridor_json_ku64(j, "rx_packets", l->rx_packets);
        corridor_json_ku64(j, "tx_packets", l->tx_packets);
        corridor_json_ku64(j, "rx_errors", l->rx_errors);
        corridor_json_ku64(j, "tx_errors", l->tx_errors);
        corridor_json_ku64(j, "rx_dropped", l->rx_dropped);
        corridor_json_ku64(j, "tx_dropped", l->tx_dropped);
        corridor_json_obj_end(j);
    }
    corridor_json_arr_end(j);
    corridor_json_key(j, "neighbours");
    corridor_json_arr_begin(j);
    for (size_t i = 0; i < r->n_neighbours; i++) {
        const corridor_neighbour *nb = &r->neighbours[i];
        corridor_json_obj_begin(j);
        corridor_json_kstr(j, "address", nb->address);
        corridor_json_kstr(j, "lladdr", nb->lladdr);
        corridor_json_kstr(j, "dev", nb->dev);
        corridor_json_ku64(j, "state", nb->state);
        corridor_json_obj_end(j);
    }
    corridor_json_arr_end(j);
}

static void json_node(corridor_json *j, const corridor_node_view *v, bool full)
{
    const corridor_report *r = &v->report;
    corridor_json_obj_begin(j);
    json_identity(j, &v->identity);
    corridor_json_kstr(j, "state", corridor_node_state_name(v->state));
    corridor_json_ku64(j, "last_seen_ms_ago", v->last_seen_age_ms);
    corridor_json_ku64(j, "registered_ms_ago", v->registered_age_ms);
    corridor_json_ku64(j, "reports", v->reports);
    corridor_json_ku64(j, "registrations", v->registrations);
    corridor_json_kdbl(j, "cpu_util_pct", r->cpu_util_pct, 1);
    corridor_json_ku64(j, "mem_total_bytes", r->mem_total_bytes);
    corridor_json_ku64(j, "mem_available_bytes", r->mem_available_bytes);
    double g = gpu_mean(r);
    corridor_json_key(j, "gpu_util_pct");
    if (g < 0)
        corridor_json_null(j);
    else
        corridor_json_dbl(j, g, 1);
    corridor_json_ku64(j, "gpu_count", r->n_gpus);
    corridor_json_kstr(j, "gpu_source", r->gpu_source);
    corridor_json_ku64(j, "route_count", v->n_routes_total);
    corridor_ctl_render_dp_json(j, r->dataplane); /* counters only in GET_NODE */
    if (full) {
        corridor_json_kdbl(j, "load1", r->load1, 2);
        corridor_json_kdbl(j, "load5", r->load5, 2);
        corridor_json_kdbl(j, "load15", r->load15, 2);
        corridor_json_ku64(j, "uptime_s", r->uptime_s);
        corridor_json_ku64(j, "rtt_us", r->rtt_us);
        corridor_json_key(j, "peers");
        corridor_json_arr_begin(j);
        for (size_t i = 0; i < r->n_peers; i++) {
            corridor_json_obj_begin(j);
            corridor_json_kstr(j, "node", r->peers[i].node_id);
            corridor_json_kstr(j, "endpoint", r->peers[i].endpoint);
            corridor_json_ku64(j, "rtt_us", r->peers[i].rtt_us);
            corridor_json_kbool(j, "reachable", r->peers[i].reachable);
            corridor_json_obj_end(j);
        }
        corridor_json_arr_end(j);
        json_gpus(j, r);
        json_routes_links(j, r);
        corridor_json_key(j, "workloads");
        corridor_json_arr_begin(j);
        for (size_t i = 0; i < r->n_workloads; i++) {
            const corridor_workload_status *w = &r->workloads[i];
            corridor_json_obj_begin(j);
            corridor_json_kstr(j, "instance_id", w->instance_id);
            corridor_json_kstr(j, "name", w->name);
            corridor_json_ku64(j, "state", w->state);
            corridor_json_ki64(j, "exit_code", w->exit_code);
            corridor_json_ku64(j, "restarts", w->restarts);
            corridor_json_kstr(j, "reason", w->reason);
            corridor_json_obj_end(j);
        }
        corridor_json_arr_end(j);
    }
    corridor_json_obj_end(j);
}

void corridor_ctl_render_nodes(FILE *f, const corridor_control_reply *r, bool json, bool color)
{
    if (json) {
        corridor_json j;
        corridor_json_init(&j, f, true);
        corridor_json_obj_begin(&j);
        corridor_json_kstr(&j, "orchestrator", r->orchestrator_id);
        corridor_json_key(&j, "nodes");
        corridor_json_arr_begin(&j);
        for (size_t i = 0; i < r->n_nodes; i++)
            json_node(&j, &r->nodes[i], false);
        corridor_json_arr_end(&j);
        corridor_json_obj_end(&j);
        corridor_json_finish(&j);
        return;
    }
    static const char *const hdr[] = {"NODE", "OPERATOR", "COUNTRY", "REGION", "TIER",
                                      "STATE", "LAST SEEN", "CPU%", "GPU%", "GPUS", "ROUTES"};
    static const bool right[] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    corridor_table *t = corridor_table_new(11, hdr, right);
    if (!t)
        return;
    for (size_t i = 0; i < r->n_nodes; i++) {
        const corridor_node_view *v = &r->nodes[i];
        char age[32];
        fmt_age(age, sizeof age, v->last_seen_age_ms);
        double g = gpu_mean(&v->report);
        corridor_table_cell(t, 0, "%s", v->identity.node_id);
        corridor_table_cell(t, 0, "%s", v->identity.plmn);
        corridor_table_cell(t, 0, "%s", v->identity.country);
        corridor_table_cell(t, 0, "%s", v->identity.region);
        corridor_table_cell(t, 0, "%s", corridor_tier_name(v->identity.tier));
        corridor_table_cell(t, state_color(v->state), "%s", corridor_node_state_name(v->state));
        corridor_table_cell(t, 0, "%s", age);
        corridor_table_cell(t, 0, "%.1f", v->report.cpu_util_pct);
        if (g < 0)
            corridor_table_cell(t, CORRIDOR_COLOR_DIM, "-");
        else
            corridor_table_cell(t, 0, "%.1f", g);
        corridor_table_cell(t, 0, "%zu", v->report.n_gpus);
        corridor_table_cell(t, 0, "%u", v->n_routes_total);
    }
    corridor_table_print(t, f, color);
    corridor_table_free(&t);
    size_t alive = 0;
    for (size_t i = 0; i < r->n_nodes; i++)
        alive += r->nodes[i].state == CORRIDOR_NODE_ALIVE;
    fprintf(f, "%zu nodes, %zu alive (orchestrator %s)\n", r->n_nodes, alive,
            r->orchestrator_id);
}

void corridor_ctl_render_node(FILE *f, const corridor_node_view *v, bool json, bool color)
{
    if (json) {
        corridor_json j;
        corridor_json_init(&j, f, true);
        json_node(&j, v, true);
        corridor_json_finish(&j);
        return;
    }
    const corridor_register *id = &v->identity;
    const corridor_report *r = &v->report;
    char age[32];
    fmt_age(age, sizeof age, v->last_seen_age_ms);
    fprintf(f, "node:        %s\n", id->node_id);
    fprintf(f, "state:       %s%s%s (last seen %s, %u reports, %u registrations)\n",
            color ? (v->state == CORRIDOR_NODE_ALIVE ? "\033[32m" : "\033[31m") : "",
            corridor_node_state_name(v->state), color ? "\033[0m" : "", age, v->reports,
            v->registrations);
    fprintf(f, "operator:    %s   country: %s   region: %s   tier: %s\n", id->plmn,
            id->country, id->region, corridor_tier_name(id->tier));
    fprintf(f, "location:    %.5f, %.5f\n", id->lat, id->lon);
    fprintf(f, "capacity:    %u millicores, %llu MiB memory, %u GPUs (%llu MiB)\n",
            id->capacity.cpu_millicores, (unsigned long long)(id->capacity.memory_bytes >> 20),
            id->capacity.gpu_count, (unsigned long long)(id->capacity.gpu_memory_bytes >> 20));
    fprintf(f, "host:        cpu %.1f %%, load %.2f %.2f %.2f, memory %llu/%llu MiB available, "
            "up %llus\n", r->cpu_util_pct, r->load1, r->load5, r->load15,
            (unsigned long long)(r->mem_available_bytes >> 20),
            (unsigned long long)(r->mem_total_bytes >> 20), (unsigned long long)r->uptime_s);
    fprintf(f, "gpus:        %zu (source: %s)\n", r->n_gpus, r->gpu_source[0] ? r->gpu_source : "-");
    for (size_t i = 0; i < r->n_gpus; i++) {
        const corridor_gpu *g = &r->gpus[i];
        fprintf(f, "  [%u] %s %s util %u %% mem %llu/%llu MiB %d C %u mW\n", g->index, g->name,
                g->uuid, g->util_pct, (unsigned long long)(g->mem_used_bytes >> 20),
                (unsigned long long)(g->mem_total_bytes >> 20), g->temperature_c, g->power_mw);
    }
    fprintf(f, "agent:       %s\n", id->agent_version);
    if (r->rtt_us)
        fprintf(f, "rtt:         %.2f ms to the orchestrator\n", r->rtt_us / 1000.0);
    else
        fprintf(f, "rtt:         - (not measured yet)\n");
    fprintf(f, "peers:       %zu\n", r->n_peers);
    if (r->n_peers) {
        static const char *const hdr[] = {"PEER", "ENDPOINT", "RTT", "STATE"};
        static const bool right[] = {0, 0, 1, 0};
        corridor_table *t = corridor_table_new(4, hdr, right);
        for (size_t i = 0; t && i < r->n_peers; i++) {
            const corridor_peer_rtt *x = &r->peers[i];
            corridor_table_cell(t, 0, "%s", x->node_id);
            corridor_table_cell(t, 0, "%s", x->endpoint);
            if (x->reachable)
                corridor_table_cell(t, 0, "%.2f ms", x->rtt_us / 1000.0);
            else
                corridor_table_cell(t, CORRIDOR_COLOR_DIM, "-");
            corridor_table_cell(t, x->reachable ? CORRIDOR_COLOR_GREEN : CORRIDOR_COLOR_RED,
                                "%s", x->reachable ? "reachable" : "unreachable");
        }
        if (t)
            corridor_table_print(t, f, color);
        corridor_table_free(&t);
    }
    corridor_ctl_render_dp_text(f, r->dataplane, color);
    fprintf(f, "routes:      %zu\n", r->n_routes);
    if (r->n_routes) {
        static const char *const hdr[] = {"DST", "GATEWAY", "DEV", "TABLE", "METRIC"};
        static const bool right[] = {0, 0, 0, 1, 1};
        corridor_table *t = corridor_table_new(5, hdr, right);
        for (size_t i = 0; t && i < r->n_routes; i++) {
            const corridor_route *x = &r->routes[i];
            corridor_table_cell(t, 0, "%s", x->dst);
            corridor_table_cell(t, 0, "%s", x->gateway[0] ? x->gateway : "-");
            corridor_table_cell(t, 0, "%s", x->oif);
            corridor_table_cell(t, 0, "%u", x->table);
            corridor_table_cell(t, 0, "%u", x->metric);
        }
        if (t)
            corridor_table_print(t, f, color);
        corridor_table_free(&t);
    }
    for (size_t i = 0; i < r->n_neighbours; i++)
        fprintf(f, "%s %s lladdr %s dev %s (nud 0x%x)\n", i ? "            " : "gateways:   ",
                r->neighbours[i].address, r->neighbours[i].lladdr[0] ? r->neighbours[i].lladdr
                : "unresolved", r->neighbours[i].dev, r->neighbours[i].state);
    fprintf(f, "links:       %zu\n", r->n_links);
    if (r->n_links) {
        static const char *const hdr[] = {"LINK", "STATE", "MTU", "RX BYTES", "TX BYTES",
                                          "RX DROP", "TX DROP"};
        static const bool right[] = {0, 0, 1, 1, 1, 1, 1};
        corridor_table *t = corridor_table_new(7, hdr, right);
        for (size_t i = 0; t && i < r->n_links; i++) {
            const corridor_link *l = &r->links[i];
            corridor_table_cell(t, 0, "%s", l->name);
            corridor_table_cell(t, l->up ? CORRIDOR_COLOR_GREEN : CORRIDOR_COLOR_RED, "%s",
                                l->up ? "up" : "down");
            corridor_table_cell(t, 0, "%u", l->mtu);
            corridor_table_cell(t, 0, "%llu", (unsigned long long)l->rx_bytes);
            corridor_table_cell(t, 0, "%llu", (unsigned long long)l->tx_bytes);
            corridor_table_cell(t, 0, "%llu", (unsigned long long)l->rx_dropped);
            corridor_table_cell(t, 0, "%llu", (unsigned long long)l->tx_dropped);
        }
        if (t)
            corridor_table_print(t, f, color);
        corridor_table_free(&t);
    }
}

void corridor_ctl_render_stats(FILE *f, const corridor_control_reply *r, bool json)
{
    if (json) {
        corridor_json j;
        corridor_json_init(&j, f, true);
        corridor_json_obj_begin(&j);
        corridor_json_kstr(&j, "orchestrator", r->orchestrator_id);
        corridor_json_key(&j, "stats");
        corridor_json_obj_begin(&j);
        for (size_t i = 0; i < r->n_stats; i++)
            corridor_json_ku64(&j, r->stats[i].name, r->stats[i].value);
        corridor_json_obj_end(&j);
        corridor_json_obj_end(&j);
        corridor_json_finish(&j);
        return;
    }
    size_t w = 0;
    for (size_t i = 0; i < r->n_stats; i++)
        if (strlen(r->stats[i].name) > w)
            w = strlen(r->stats[i].name);
    for (size_t i = 0; i < r->n_stats; i++)
        fprintf(f, "%-*s  %llu\n", (int)w, r->stats[i].name,
                (unsigned long long)r->stats[i].value);
}
