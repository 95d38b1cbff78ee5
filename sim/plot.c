/*
 * SVG plots, written as text (no library): latency percentiles over time, GPU utilisation
 * per node over time, and a map of countries, roads, cells, nodes and cell-change points.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define W 960
#define H 540
#define ML 70   /* margins */
#define MR 200
#define MT 50
#define MB 60

static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

typedef struct {
    FILE *f;
    double x0, x1, y0, y1;
} chart;

static double nice_step(double range, int ticks)
{
    double raw = range / ticks, mag = pow(10, floor(log10(raw))), n = raw / mag;
    return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

static double cx(const chart *c, double x)
{
    return ML + (x - c->x0) / (c->x1 - c->x0) * (W - ML - MR);
}

static double cy(const chart *c, double y)
{
    return H - MB - (y - c->y0) / (c->y1 - c->y0) * (H - MT - MB);
}

static void svg_open(FILE *f, int w, int h, const char *title)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\">%s</text>\n",
            w, h, w, h, ML, title);
}

static void axes(chart *c, const char *xlabel, const char *ylabel)
{
    FILE *f = c->f;
    double xs = nice_step(c->x1 - c->x0, 8), ys = nice_step(c->y1 - c->y0, 6);
    fprintf(f, "<g stroke=\"#ddd\">\n");
    for (double y = ceil(c->y0 / ys) * ys; y <= c->y1 + 1e-9; y += ys)
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", ML, cy(c, y), W - MR,
                cy(c, y));
    fprintf(f, "</g>\n<g fill=\"#333\">\n");
    for (double y = ceil(c->y0 / ys) * ys; y <= c->y1 + 1e-9; y += ys)
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", ML - 6,
                cy(c, y) + 4, y);
    for (double x = ceil(c->x0 / xs) * xs; x <= c->x1 + 1e-9; x += xs)
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", cx(c, x),
                H - MB + 18, x);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
            ML + (W - ML - MR) / 2, H - 15, xlabel);
    fprintf(f, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
            MT + (H - MT - MB) / 2, ylabel);
    fprintf(f, "</g>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
               "stroke=\"#333\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
}

static void legend(FILE *f, int i, const char *color, const char *label, bool dashed)
{
    int y = MT + 10 + i * 20;
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>"
               "<text x=\"%d\" y=\"%d\">%s</text>\n", W - MR + 15, y, W - MR + 40, y, color,
            dashed ? " stroke-dasharray=\"6 4\"" : "", W - MR + 46, y + 4, label);
}

static void polyline(chart *c, const double *xs, const double *ys, size_t n, const char *color,
                     double width)
{
    fprintf(c->f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" points=\"", color,
            width);
    for (size_t i = 0; i < n; i++)
        fprintf(c->f, "%.1f,%.1f ", cx(c, xs[i]), cy(c, ys[i]));
    fprintf(c->f, "\"/>\n");
}

static FILE *open_in(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return f;
}

static int finish(FILE *f, const char *name, char *err, size_t errlen)
{
    fprintf(f, "</svg>\n");
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "cannot write %s", name);
        return -EIO;
    }
    return 0;
}

static int latency_plot(const corridor_sim *sim, const char *dir, char *err, size_t errlen)
{
    FILE *f = open_in(dir, "latency.svg", err, errlen);
    if (!f)
        return -errno;
    size_t n = sim->n_samples;
    double *t = calloc(n + 1, sizeof *t), *y[3];
    for (int k = 0; k < 3; k++)
        y[k] = calloc(n + 1, sizeof *y[k]);
    chart c = {.f = f, .x0 = 0, .x1 = sim->k.sim_s > 0 ? sim->k.sim_s : 1, .y0 = 0, .y1 = 1};
    for (size_t i = 0; t && y[0] && y[1] && y[2] && i < n; i++) {
        t[i] = sim->samples[i].t_s;
        y[0][i] = sim->samples[i].lat_p50_us / 1000;
        y[1][i] = sim->samples[i].lat_p95_us / 1000;
        y[2][i] = sim->samples[i].lat_p99_us / 1000;
        c.y1 = fmax(c.y1, y[2][i] * 1.1);
    }
    for (size_t w = 0; w < sim->s->n_workloads; w++)
        c.y1 = fmax(c.y1, sim->s->workloads[w].cfg.latency_budget_ms * 1.15);
    char title[160];
    snprintf(title, sizeof title, "%s: one-way request latency per %.0f s window", sim->s->name,
             sim->s->sample_s);
    svg_open(f, W, H, title);
    axes(&c, "simulated time (s)", "latency (ms)");
    static const char *const names[] = {"p50", "p95", "p99"};
    for (int k = 0; k < 3 && t && y[k]; k++) {
        polyline(&c, t, y[k], n, palette[k], 2);
        legend(f, k, palette[k], names[k], false);
    }
    for (size_t w = 0; w < sim->s->n_workloads; w++) {
        double b = sim->s->workloads[w].cfg.latency_budget_ms;
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d62728\" "
                   "stroke-dasharray=\"6 4\"/>\n", ML, cy(&c, b), W - MR, cy(&c, b));
        char label[96];
        snprintf(label, sizeof label, "budget %.30s", sim->s->workloads[w].cfg.name);
        legend(f, 3 + (int)w, "#d62728", label, true);
    }
    free(t);
    for (int k = 0; k < 3; k++)
        free(y[k]);
    return finish(f, "latency.svg", err, errlen);
}

typedef struct {
    size_t node;
    double peak;
} ranked;

static int by_peak(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->peak != y->peak)
        return x->peak < y->peak ? 1 : -1;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int util_plot(const corridor_sim *sim, const char *dir, char *err, size_t errlen)
{
    FILE *f = open_in(dir, "utilisation.svg", err, errlen);
    if (!f)
        return -errno;
    size_t n = sim->n_samples, nn = sim->s->n_nodes;
    chart c = {.f = f, .x0 = 0, .x1 = sim->k.sim_s > 0 ? sim->k.sim_s : 1, .y0 = 0, .y1 = 100};
    char title[160];
    snprintf(title, sizeof title, "%s: GPU utilisation per node (the 10 busiest, and the mean "
             "of all %zu)", sim->s->name, nn);
    svg_open(f, W, H, title);
    axes(&c, "simulated time (s)", "GPU utilisation (%)");
    ranked *r = calloc(nn + 1, sizeof *r);
    double *t = calloc(n + 1, sizeof *t), *y = calloc(n + 1, sizeof *y);
    if (r && t && y) {
        for (size_t k = 0; k < nn; k++) {
            r[k].node = k;
            for (size_t i = 0; i < n; i++)
                r[k].peak = fmax(r[k].peak, sim->node_util[i * nn + k]);
        }
        qsort(r, nn, sizeof *r, by_peak);
        for (size_t i = 0; i < n; i++)
            t[i] = sim->samples[i].t_s;
        size_t top = nn < 10 ? nn : 10;
        for (size_t k = 0; k < top; k++) {
            for (size_t i = 0; i < n; i++)
                y[i] = sim->node_util[i * nn + r[k].node] * 100;
            polyline(&c, t, y, n, palette[k % 10], 1.5);
            legend(f, (int)k, palette[k % 10], sim->s->nodes[r[k].node].id, false);
        }
        for (size_t i = 0; i < n; i++)
            y[i] = sim->samples[i].gpu_util_mean * 100;
        polyline(&c, t, y, n, "#000", 3);
        legend(f, (int)top, "#000", "mean of all nodes", false);
    }
    free(r);
    free(t);
    free(y);
    return finish(f, "utilisation.svg", err, errlen);
}

static const char *const tier_color[CORRIDOR_TIER_COUNT] = {"#e377c2", "#d62728", "#ff7f0e",
                                                            "#9467bd", "#1f77b4"};
static const char *const change_color[SIM_CHANGE_KINDS] = {"#2ca02c", "#ff7f0e", "#d62728"};

static int map_plot(const corridor_sim *sim, const char *dir, char *err, size_t errlen)
{
    const corridor_scenario *s = sim->s;
    FILE *f = open_in(dir, "map.svg", err, errlen);
    if (!f)
        return -errno;
    /* the extent of cells, nodes and roads in the plane, with a margin */
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
#define EXT(x, y) do { x0 = fmin(x0, x); x1 = fmax(x1, x); y0 = fmin(y0, y); y1 = fmax(y1, y); } while (0)
    for (size_t i = 0; i < s->n_cells; i++)
        EXT(s->cells[i].x, s->cells[i].y);
    for (size_t i = 0; i < s->n_roads; i++)
        for (size_t k = 0; k < s->roads[i].n; k++)
            EXT(s->roads[i].x[k], s->roads[i].y[k]);
    for (size_t i = 0; i < s->n_groups; i++) {
        double gx0, gy0, gx1, gy1;
        if (s->groups[i].cfg.model == SIM_MODEL_SUMO)
            continue;
        corridor_proj_fwd(&s->proj, s->groups[i].cfg.area.south, s->groups[i].cfg.area.west,
                          &gx0, &gy0);
        corridor_proj_fwd(&s->proj, s->groups[i].cfg.area.north, s->groups[i].cfg.area.east,
                          &gx1, &gy1);
        EXT(gx0, gy0);
        EXT(gx1, gy1);
    }
    if (!isfinite(x0)) /* nothing but nodes: frame them */
        for (size_t i = 0; i < s->n_nodes; i++)
            EXT(s->nodes[i].x, s->nodes[i].y);
    for (size_t i = 0; i < sim->n_chg; i++)
        EXT(sim->chg_x[i], sim->chg_y[i]);
#undef EXT
    if (!isfinite(x0)) {
        x0 = y0 = -1;
        x1 = y1 = 1;
    }
    double pad = fmax(x1 - x0, y1 - y0) * 0.05 + 0.5;
    x0 -= pad; y0 -= pad; x1 += pad; y1 += pad;
    /* nodes far outside (a cloud site in another city) would squash the map: they are
     * listed beside it instead */
    double nx0 = x0 - (x1 - x0) * 0.15, nx1 = x1 + (x1 - x0) * 0.15;
    double ny0 = y0 - (y1 - y0) * 0.15, ny1 = y1 + (y1 - y0) * 0.15;
    for (size_t i = 0; i < s->n_nodes; i++) {
        const sim_node *n = &s->nodes[i];
        if (n->x >= nx0 && n->x <= nx1 && n->y >= ny0 && n->y <= ny1) {
            x0 = fmin(x0, n->x);
            x1 = fmax(x1, n->x);
            y0 = fmin(y0, n->y);
            y1 = fmax(y1, n->y);
        }
    }
    int mw = 760, mh = 760;
    double scale = fmin((mw - 20) / (x1 - x0), (mh - 60) / (y1 - y0));
    int w = mw + 260, h = mh;
#define PX(x) (10 + ((x) - x0) * scale)
#define PY(y) (50 + (y1 - (y)) * scale)
    char title[160];
    snprintf(title, sizeof title, "%s: roads, cells, nodes and cell changes", s->name);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"10\" y=\"28\" font-size=\"16\" font-weight=\"bold\">%s</text>\n",
            w, h, w, h, title);
    fprintf(f, "<clipPath id=\"m\"><rect x=\"10\" y=\"50\" width=\"%.0f\" height=\"%.0f\"/></clipPath>\n"
               "<g clip-path=\"url(#m)\">\n", (x1 - x0) * scale, (y1 - y0) * scale);
    for (size_t i = 0; i < s->n_countries; i++) {
        const sim_country *c = &s->countries[i];
        if (!c->n)
            continue;
        fprintf(f, "<polygon fill=\"%s\" fill-opacity=\"0.08\" stroke=\"#888\" "
                   "stroke-dasharray=\"4 3\" points=\"", palette[i % 10]);
        for (size_t k = 0; k < c->n; k++) {
            double x, y;
            corridor_proj_fwd(&s->proj, c->lat[k], c->lon[k], &x, &y);
            fprintf(f, "%.1f,%.1f ", PX(x), PY(y));
        }
        fprintf(f, "\"/>\n");
    }
    fprintf(f, "</g>\n");
    for (size_t i = 0; i < s->n_roads; i++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"#555\" stroke-width=\"2\" points=\"");
        for (size_t k = 0; k < s->roads[i].n; k++)
            fprintf(f, "%.1f,%.1f ", PX(s->roads[i].x[k]), PY(s->roads[i].y[k]));
        fprintf(f, "\"/>\n");
    }
    /* cells: coverage as faint discs when few, dots when many */
    bool discs = s->n_cells <= 3000;
    fprintf(f, "<g fill=\"#1f77b4\" fill-opacity=\"%s\">\n", discs ? "0.06" : "0.5");
    for (size_t i = 0; i < s->n_cells; i++)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"/>\n", PX(s->cells[i].x),
                PY(s->cells[i].y), discs ? fmax(s->cell_info[i].radius_km * scale, 1.0) : 0.8);
    fprintf(f, "</g>\n");
    for (size_t i = 0; i < sim->n_chg; i++)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>\n", PX(sim->chg_x[i]),
                PY(sim->chg_y[i]), sim->chg_kind[i] == SIM_CHANGE_INTRA ? 1.0 : 3.0,
                change_color[sim->chg_kind[i]]);
    size_t off_map = 0;
    for (size_t i = 0; i < s->n_nodes; i++) {
        const sim_node *n = &s->nodes[i];
        double sz = 4 + n->tier * 1.5;
        if (n->x < x0 || n->x > x1 || n->y < y0 || n->y > y1) {
            if (off_map < 12)
                fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\">off map: %s</text>\n", mw + 10,
                        420 + (int)off_map * 16, tier_color[n->tier], n->id);
            off_map++;
            continue;
        }
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                   "stroke=\"black\"><title>%s</title></rect>\n", PX(n->x) - sz / 2,
                PY(n->y) - sz / 2, sz, sz, tier_color[n->tier], n->id);
    }
    for (size_t i = 0; i < s->n_countries; i++) {
        const sim_country *c = &s->countries[i];
        if (!c->n)
            continue;
        double mx = 0, my = 0;
        for (size_t k = 0; k < c->n; k++) {
            double x, y;
            corridor_proj_fwd(&s->proj, c->lat[k], c->lon[k], &x, &y);
            mx += x / (double)c->n;
            my += y / (double)c->n;
        }
        if (mx > x0 && mx < x1 && my > y0 && my < y1)
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"28\" fill=\"#999\">%s</text>\n",
                    PX(mx), PY(my), c->code);
    }
    /* legend and scale bar */
    int lx = mw + 10, ly = 70;
    for (int t = 0; t < CORRIDOR_TIER_COUNT; t++)
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\" "
                   "stroke=\"black\"/><text x=\"%d\" y=\"%d\">node: %s</text>\n", lx,
                ly + t * 20, tier_color[t], lx + 16, ly + t * 20 + 10,
                corridor_tier_name((corridor_tier)t));
    ly += CORRIDOR_TIER_COUNT * 20 + 10;
    for (int k = 0; k < SIM_CHANGE_KINDS; k++)
        fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">"
                   "%s change</text>\n", lx + 5, ly + k * 20 + 5, change_color[k], lx + 16,
                ly + k * 20 + 10, sim_change_kind_names[k]);
    ly += SIM_CHANGE_KINDS * 20 + 10;
    fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"#1f77b4\" fill-opacity=\"0.3\"/>"
               "<text x=\"%d\" y=\"%d\">cell coverage</text>\n", lx + 5, ly + 5, lx + 16, ly + 10);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\" stroke-width=\"2\"/>"
               "<text x=\"%d\" y=\"%d\">road</text>\n", lx, ly + 25, lx + 10, ly + 25, lx + 16,
            ly + 29);
    double bar = nice_step((x1 - x0) / 3, 1);
    fprintf(f, "<line x1=\"20\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" "
               "stroke-width=\"3\"/><text x=\"20\" y=\"%d\">%g km</text>\n", h - 20,
            20 + bar * scale, h - 20, h - 26, bar);
    if (sim->n_chg == sim->cap_chg && sim->cap_chg >= 20000)
        fprintf(f, "<text x=\"%d\" y=\"%d\">(the first %zu cell changes)</text>\n", lx,
                ly + 60, sim->n_chg);
#undef PX
#undef PY
    return finish(f, "map.svg", err, errlen);
}

int sim_write_plots(const corridor_sim *sim, const char *dir, char *err, size_t errlen)
{
    int rc = latency_plot(sim, dir, err, errlen);
    if (rc == 0)
        rc = util_plot(sim, dir, err, errlen);
    if (rc == 0)
        rc = map_plot(sim, dir, err, errlen);
    return rc;
}
