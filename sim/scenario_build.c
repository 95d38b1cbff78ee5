/*
 * From the loaded file to the model: project everything into the scenario's plane, expand
 * cell chains along roads, generate the `generate:` block's cells and nodes from its seed,
 * and turn roaming and sovereignty into bit masks the hot paths test in one instruction.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "scenario.h"

int corridor_scenario_operator(const corridor_scenario *s, const char *plmn)
{
    for (size_t i = 0; i < s->n_operators; i++)
        if (strcmp(s->operators[i].plmn, plmn) == 0)
            return (int)i;
    return -1;
}

int corridor_scenario_country(const corridor_scenario *s, const char *code)
{
    for (size_t i = 0; i < s->n_countries; i++)
        if (strcmp(s->countries[i].code, code) == 0)
            return (int)i;
    return -1;
}

int corridor_scenario_locate(const corridor_scenario *s, double lat, double lon)
{
    for (size_t i = 0; i < s->n_countries; i++)
        if (s->countries[i].n &&
            corridor_geo_in_polygon(s->countries[i].lat, s->countries[i].lon, s->countries[i].n,
                                    lat, lon))
            return (int)i;
    return -1;
}

void corridor_road_at(const sim_road *r, double s, size_t *seg, double *x, double *y,
                      double *hx, double *hy)
{
    if (s < 0)
        s = 0;
    if (s > r->length_km)
        s = r->length_km;
    size_t i = *seg < r->n - 1 ? *seg : 0;
    while (i + 2 < r->n && s > r->s[i + 1])
        i++;
    while (i > 0 && s < r->s[i])
        i--;
    *seg = i;
    double len = r->s[i + 1] - r->s[i];
    double t = len > 0 ? (s - r->s[i]) / len : 0;
    double dx = r->x[i + 1] - r->x[i], dy = r->y[i + 1] - r->y[i];
    *x = r->x[i] + t * dx;
    *y = r->y[i] + t * dy;
    if (hx) {
        double n = hypot(dx, dy);
        *hx = n > 0 ? dx / n : 1;
        *hy = n > 0 ? dy / n : 0;
    }
}

void corridor_scenario_fini(corridor_scenario *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_countries; i++) {
        free(s->countries[i].lat);
        free(s->countries[i].lon);
    }
    for (size_t i = 0; i < s->n_roads; i++) {
        free(s->roads[i].x);
        free(s->roads[i].y);
        free(s->roads[i].s);
        free(s->roads[i].lat);
        free(s->roads[i].lon);
    }
    free(s->countries);
    free(s->operators);
    free(s->cells);
    free(s->cell_info);
    free(s->nodes);
    free(s->roads);
    free(s->flows);
    free(s->groups);
    free(s->workloads);
    free(s->failures);
    memset(s, 0, sizeof *s);
}

typedef struct {
    double s, w, n, e;
    bool any;
} bounds;

static void bounds_add(bounds *b, double lat, double lon)
{
    if (!b->any) {
        *b = (bounds){lat, lon, lat, lon, true};
        return;
    }
    b->s = fmin(b->s, lat);
    b->n = fmax(b->n, lat);
    b->w = fmin(b->w, lon);
    b->e = fmax(b->e, lon);
}

static int add_country(corridor_scenario *s, const char *code)
{
    int i = corridor_scenario_country(s, code);
    if (i >= 0)
        return i;
    sim_country *c = &s->countries[s->n_countries];
    memset(c, 0, sizeof *c);
    snprintf(c->code, sizeof c->code, "%s", code);
    return (int)s->n_countries++;
}

static int push_cell(corridor_scenario *s, size_t *cap, const char *id, int op, double lat,
                     double lon, double radius, double radio_us)
{
    if (s->n_cells == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        sim_cell *c = realloc(s->cells, nc * sizeof *c);
        if (!c)
            return -ENOMEM;
        s->cells = c;
        sim_cell_info *ci = realloc(s->cell_info, nc * sizeof *ci);
        if (!ci)
            return -ENOMEM;
        s->cell_info = ci;
        *cap = nc;
    }
    double x, y;
    corridor_proj_fwd(&s->proj, lat, lon, &x, &y);
    int country = corridor_scenario_locate(s, lat, lon);
    if (country < 0)
        country = s->operators[op].country;
    s->cells[s->n_cells] = (sim_cell){.x = (float)x, .y = (float)y,
                                      .inv_r2 = (float)(1.0 / (radius * radius)),
                                      .op = (uint16_t)op, .country = (int16_t)country};
    sim_cell_info *ci = &s->cell_info[s->n_cells];
    memset(ci, 0, sizeof *ci);
    snprintf(ci->id, sizeof ci->id, "%s", id);
    ci->lat = lat;
    ci->lon = lon;
    ci->radius_km = radius;
    ci->radio_us = radio_us > 0 ? radio_us : s->radio.radio_us;
    s->n_cells++;
    return 0;
}

static const struct {
    uint32_t cpu, mem, gpus, gpu_mem;
} tier_capacity[CORRIDOR_TIER_COUNT] = {
    {16, 128, 2, 48}, {64, 512, 4, 80}, {128, 1024, 16, 80}, {256, 2048, 32, 80},
    {1024, 8192, 64, 80},
};

static int push_node(corridor_scenario *s, size_t *cap, const sim_node_cfg *nc, int op)
{
    if (s->n_nodes == *cap) {
        size_t n2 = *cap ? *cap * 2 : 64;
        sim_node *n = realloc(s->nodes, n2 * sizeof *n);
        if (!n)
            return -ENOMEM;
        s->nodes = n;
        *cap = n2;
    }
    sim_node *n = &s->nodes[s->n_nodes];
    memset(n, 0, sizeof *n);
    snprintf(n->id, sizeof n->id, "%s", nc->id);
    n->op = (uint16_t)op;
    int country = corridor_scenario_locate(s, nc->lat, nc->lon);
    n->country = (int16_t)(country >= 0 ? country : s->operators[op].country);
    n->tier = (corridor_tier)nc->tier;
    n->lat = nc->lat;
    n->lon = nc->lon;
    corridor_proj_fwd(&s->proj, n->lat, n->lon, &n->x, &n->y);
    n->cpu_cores = nc->cpu_cores;
    n->memory_gb = nc->memory_gb;
    n->gpus = nc->gpus;
    n->gpu_memory_gb = nc->gpu_memory_gb;
    s->n_nodes++;
    return 0;
}

static int build_roads(corridor_scenario *s, const corridor_scenario_file *f)
{
    s->roads = calloc(f->n_roads ? f->n_roads : 1, sizeof *s->roads);
    if (!s->roads)
        return -ENOMEM;
    for (size_t i = 0; i < f->n_roads; i++) {
        const sim_road_cfg *rc = &f->roads[i];
        sim_road *r = &s->roads[i];
        s->n_roads++;
        snprintf(r->id, sizeof r->id, "%s", rc->id);
        r->n = rc->n_points;
        r->x = malloc(r->n * sizeof *r->x);
        r->y = malloc(r->n * sizeof *r->y);
        r->s = malloc(r->n * sizeof *r->s);
        r->lat = malloc(r->n * sizeof *r->lat);
        r->lon = malloc(r->n * sizeof *r->lon);
        if (!r->x || !r->y || !r->s || !r->lat || !r->lon)
            return -ENOMEM;
        for (size_t k = 0; k < r->n; k++) {
            r->lat[k] = rc->points[k].lat;
            r->lon[k] = rc->points[k].lon;
            corridor_proj_fwd(&s->proj, r->lat[k], r->lon[k], &r->x[k], &r->y[k]);
            r->s[k] = k ? r->s[k - 1] + hypot(r->x[k] - r->x[k - 1], r->y[k] - r->y[k - 1]) : 0;
        }
        r->length_km = r->s[r->n - 1];
    }
    return 0;
}

static int find_road(const corridor_scenario *s, const char *id)
{
    for (size_t i = 0; i < s->n_roads; i++)
        if (strcmp(s->roads[i].id, id) == 0)
            return (int)i;
    return -1;
}

static int find_workload(const corridor_scenario *s, const char *name)
{
    for (size_t i = 0; name[0] && i < s->n_workloads; i++)
        if (strcmp(s->workloads[i].cfg.name, name) == 0)
            return (int)i;
    return -1;
}

/* The operators that may own a generated cell or node at (lat, lon): those of the country
 * there, or every operator outside any country (or in one without operators). Fills
 * eligible[] with operator indexes; returns how many. */
static size_t eligible_operators(const corridor_scenario *s, double lat, double lon,
                                 int *eligible)
{
    int country = corridor_scenario_locate(s, lat, lon);
    size_t ne = 0;
    for (size_t o = 0; o < s->n_operators; o++)
        if (country < 0 || s->operators[o].country == country)
            eligible[ne++] = (int)o;
    if (ne == 0)
        for (size_t o = 0; o < s->n_operators; o++)
            eligible[ne++] = (int)o;
    return ne;
}

static int build_cells(corridor_scenario *s, const corridor_scenario_file *f, char *err,
                       size_t errlen)
{
    size_t cap = 0;
    char id[CORRIDOR_ID_MAX + 1];
    for (size_t i = 0; i < f->n_cells; i++) {
        const sim_cell_cfg *c = &f->cells[i];
        if (push_cell(s, &cap, c->id, corridor_scenario_operator(s, c->op), c->lat, c->lon,
                      c->radius_km, c->radio_us) < 0)
            return -ENOMEM;
    }
    for (size_t i = 0; i < f->n_cell_chains; i++) {
        const sim_chain_cfg *c = &f->cell_chains[i];
        const sim_road *r = &s->roads[find_road(s, c->road)];
        double to = c->to_km > 0 && c->to_km < r->length_km ? c->to_km : r->length_km;
        if (c->from_km > r->length_km) {
            snprintf(err, errlen, "cell_chains[%zu]: from_km %.1f is beyond the end of road "
                     "'%s' (%.1f km)", i, c->from_km, r->id, r->length_km);
            return -EINVAL;
        }
        size_t seg = 0;
        unsigned k = 0;
        for (double at = c->from_km; at <= to + 1e-9; at += c->spacing_km, k++) {
            double x, y, hx, hy, lat, lon;
            corridor_road_at(r, at, &seg, &x, &y, &hx, &hy);
            double side = (k % 2) ? -c->offset_km : c->offset_km; /* alternate sides */
            x += -hy * side;
            y += hx * side;
            corridor_proj_inv(&s->proj, x, y, &lat, &lon);
            snprintf(id, sizeof id, "%.50s-%u", c->id, k + 1);
            if (push_cell(s, &cap, id, corridor_scenario_operator(s, c->op), lat, lon,
                          c->radius_km, c->radio_us) < 0)
                return -ENOMEM;
        }
    }
    const sim_generate_cfg *g = &f->generate;
    corridor_rng rng;
    corridor_rng_seed(&rng, g->seed, CORRIDOR_RNG_GENERATE, 0);
    int *eligible = malloc(s->n_operators * sizeof *eligible);
    if (!eligible)
        return -ENOMEM;
    for (uint32_t i = 0; i < g->cells; i++) {
        double lat = corridor_rng_uniform(&rng, g->area.south, g->area.north);
        double lon = corridor_rng_uniform(&rng, g->area.west, g->area.east);
        size_t ne = eligible_operators(s, lat, lon, eligible);
        snprintf(id, sizeof id, "gen-cell-%05u", i + 1);
        int op = eligible[corridor_rng_below(&rng, (uint32_t)ne)];
        if (push_cell(s, &cap, id, op, lat, lon, g->cell_radius_km, 0) < 0) {
            free(eligible);
            return -ENOMEM;
        }
    }
    corridor_rng_seed(&rng, g->seed, CORRIDOR_RNG_GENERATE, 1);
    size_t ncap = 0;
    for (size_t i = 0; i < f->n_nodes; i++)
        if (push_node(s, &ncap, &f->nodes[i], corridor_scenario_operator(s, f->nodes[i].op)) < 0) {
            free(eligible);
            return -ENOMEM;
        }
    for (uint32_t i = 0; i < g->nodes; i++) {
        sim_node_cfg nc = {0};
        nc.lat = corridor_rng_uniform(&rng, g->area.south, g->area.north);
        nc.lon = corridor_rng_uniform(&rng, g->area.west, g->area.east);
        double u = corridor_rng_unit(&rng);
        nc.tier = u < 0.02 ? CORRIDOR_TIER_CLOUD : u < 0.10 ? CORRIDOR_TIER_METRO_EDGE
                  : u < 0.40 ? CORRIDOR_TIER_NEAR_EDGE : CORRIDOR_TIER_FAR_EDGE;
        nc.cpu_cores = tier_capacity[nc.tier].cpu;
        nc.memory_gb = tier_capacity[nc.tier].mem;
        nc.gpus = tier_capacity[nc.tier].gpus;
        nc.gpu_memory_gb = tier_capacity[nc.tier].gpu_mem;
        snprintf(nc.id, sizeof nc.id, "gen-node-%04u", i + 1);
        size_t ne = eligible_operators(s, nc.lat, nc.lon, eligible);
        if (push_node(s, &ncap, &nc, eligible[corridor_rng_below(&rng, (uint32_t)ne)]) < 0) {
            free(eligible);
            return -ENOMEM;
        }
    }
    free(eligible);
    if (s->n_operators > 0 && s->n_cells > UINT32_MAX / 2) {
        snprintf(err, errlen, "too many cells");
        return -EINVAL;
    }
    return 0;
}

int corridor_scenario_build(const corridor_scenario_file *f, const char *path,
                            corridor_scenario *s, char *err, size_t errlen)
{
    int rc = -ENOMEM;
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", f->name);
    snprintf(s->region, sizeof s->region, "%s", f->region);
    snprintf(s->path, sizeof s->path, "%s", path ? path : "");
    s->duration_s = f->duration_s;
    s->sample_s = f->sample_s;
    s->seed = f->seed;
    s->tick_ms = f->tick_ms;
    s->report_interval_ms = f->report_interval_ms;
    s->heartbeat_timeout_ms = f->heartbeat_timeout_ms;
    s->radio = f->radio;
    s->latency = f->latency;

    /* the plane's centre: the middle of everything that has a position */
    bounds b = {0};
    for (size_t i = 0; i < f->n_cells; i++)
        bounds_add(&b, f->cells[i].lat, f->cells[i].lon);
    for (size_t i = 0; i < f->n_nodes; i++)
        bounds_add(&b, f->nodes[i].lat, f->nodes[i].lon);
    for (size_t i = 0; i < f->n_roads; i++)
        for (size_t k = 0; k < f->roads[i].n_points; k++)
            bounds_add(&b, f->roads[i].points[k].lat, f->roads[i].points[k].lon);
    for (size_t i = 0; i < f->n_groups; i++) {
        const sim_group_cfg *g = &f->groups[i];
        if (g->model == SIM_MODEL_SUMO) {
            if (!g->geo)
                bounds_add(&b, g->origin.lat, g->origin.lon);
            continue;
        }
        bounds_add(&b, g->area.south, g->area.west);
        bounds_add(&b, g->area.north, g->area.east);
    }
    if (f->generate.cells || f->generate.nodes) {
        bounds_add(&b, f->generate.area.south, f->generate.area.west);
        bounds_add(&b, f->generate.area.north, f->generate.area.east);
    }
    corridor_proj_init(&s->proj, b.any ? (b.s + b.n) / 2 : 0, b.any ? (b.w + b.e) / 2 : 0);
    s->bbox[0] = b.s;
    s->bbox[1] = b.w;
    s->bbox[2] = b.n;
    s->bbox[3] = b.e;

    size_t max_countries = f->n_countries + f->n_operators +
                           (size_t)SIM_MAX_SOVEREIGNTY * SIM_MAX_SOV_COUNTRIES + 1;
    s->countries = calloc(max_countries, sizeof *s->countries);
    s->operators = calloc(f->n_operators + 1, sizeof *s->operators);
    s->flows = calloc(f->n_flows + 1, sizeof *s->flows);
    s->groups = calloc(f->n_groups + 1, sizeof *s->groups);
    s->workloads = calloc(f->n_workloads + 1, sizeof *s->workloads);
    s->failures = calloc(f->n_failures + 1, sizeof *s->failures);
    if (!s->countries || !s->operators || !s->flows || !s->groups || !s->workloads ||
        !s->failures)
        goto fail;
    for (size_t i = 0; i < f->n_countries; i++) {
        sim_country *c = &s->countries[i];
        snprintf(c->code, sizeof c->code, "%s", f->countries[i].code);
        c->n = f->countries[i].n_border;
        c->lat = malloc(c->n * sizeof *c->lat);
        c->lon = malloc(c->n * sizeof *c->lon);
        s->n_countries++;
        if (!c->lat || !c->lon)
            goto fail;
        for (size_t k = 0; k < c->n; k++) {
            c->lat[k] = f->countries[i].border[k].lat;
            c->lon[k] = f->countries[i].border[k].lon;
        }
    }
    for (size_t i = 0; i < f->n_operators; i++) {
        sim_operator *o = &s->operators[i];
        snprintf(o->plmn, sizeof o->plmn, "%s", f->operators[i].plmn);
        snprintf(o->name, sizeof o->name, "%s",
                 f->operators[i].name[0] ? f->operators[i].name : f->operators[i].plmn);
        o->country = add_country(s, f->operators[i].country);
        o->attach_mask = o->edge_mask = 1ull << i;
        s->n_operators++;
    }
    for (size_t i = 0; i < f->n_roaming; i++) {
        int h = corridor_scenario_operator(s, f->roaming[i].home);
        int v = corridor_scenario_operator(s, f->roaming[i].visited);
        s->operators[h].attach_mask |= 1ull << v;
        if (f->roaming[i].edge)
            s->operators[h].edge_mask |= 1ull << v;
    }
    for (size_t i = 0; i < f->n_workloads; i++) {
        sim_workload *w = &s->workloads[i];
        w->cfg = f->workloads[i];
        for (size_t r = 0; r < f->n_sovereignty; r++) {
            const sim_sovereignty_cfg *sv = &f->sovereignty[r];
            if (strcmp(sv->tenant, w->cfg.tenant) != 0)
                continue;
            w->restricted = true;
            for (size_t k = 0; k < sv->n_countries && w->n_countries < SIM_MAX_SOV_COUNTRIES; k++) {
                snprintf(w->countries[w->n_countries++], sizeof w->countries[0], "%s",
                         sv->countries[k]);
                int ci = add_country(s, sv->countries[k]);
                if (ci < 64)
                    w->country_mask |= 1ull << ci;
            }
        }
        s->n_workloads++;
    }
    rc = build_roads(s, f);
    if (rc < 0)
        goto fail;
    rc = build_cells(s, f, err, errlen);
    if (rc < 0)
        goto fail;
    for (size_t i = 0; i < f->n_flows; i++) {
        const sim_flow_cfg *fc = &f->flows[i];
        sim_flow *fl = &s->flows[i];
        snprintf(fl->id, sizeof fl->id, "%s", fc->id);
        fl->road = (uint32_t)find_road(s, fc->road);
        fl->direction = (sim_direction)fc->direction;
        fl->rate_per_hour = fc->rate_per_hour;
        fl->speed_kmh = fc->speed_kmh;
        fl->op = (uint16_t)corridor_scenario_operator(s, fc->op);
        fl->workload = find_workload(s, fc->workload);
        fl->start_s = fc->start_s;
        fl->end_s = fc->end_s;
        fl->prefill = fc->prefill;
        s->n_flows++;
    }
    for (size_t i = 0; i < f->n_groups; i++) {
        sim_group *g = &s->groups[i];
        g->cfg = f->groups[i];
        g->op = (uint16_t)corridor_scenario_operator(s, g->cfg.op);
        g->workload = find_workload(s, g->cfg.workload);
        if (g->cfg.trace[0] == '/' || !path) {
            snprintf(g->trace_path, sizeof g->trace_path, "%s", g->cfg.trace);
        } else {
            char tmp[512];
            snprintf(tmp, sizeof tmp, "%s", path);
            snprintf(g->trace_path, sizeof g->trace_path, "%.250s/%.250s", dirname(tmp),
                     g->cfg.trace);
        }
        s->n_groups++;
    }
    for (size_t i = 0; i < f->n_failures; i++) {
        const sim_failure_cfg *fc = &f->failures[i];
        sim_failure *fa = &s->failures[i];
        fa->at_s = fc->at_s;
        fa->action = (sim_failure_action)fc->action;
        fa->node = -1;
        for (size_t k = 0; k < s->n_nodes; k++)
            if (strcmp(s->nodes[k].id, fc->node) == 0)
                fa->node = (int)k;
        if (fc->a[0])
            fa->a = (uint16_t)corridor_scenario_operator(s, fc->a);
        if (fc->b[0])
            fa->b = (uint16_t)corridor_scenario_operator(s, fc->b);
        s->n_failures++;
    }
    if (s->n_countries > 64) {
        snprintf(err, errlen, "at most 64 countries in a scenario");
        rc = -EINVAL;
        goto fail;
    }
    return 0;
fail:
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory building the scenario");
    corridor_scenario_fini(s);
    return rc;
}

int corridor_scenario_open(const char *path, corridor_scenario *s, char *err, size_t errlen)
{
    corridor_scenario_file *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    corridor_cfg_error cerr;
    int rc = corridor_scenario_load_file(path, f, &cerr);
    if (rc < 0) {
        snprintf(err, errlen, "%s", cerr.text);
        free(f);
        return rc;
    }
    rc = corridor_scenario_build(f, path, s, err, errlen);
    free(f);
    return rc;
}
