#include "placement.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "log.h"

/* ---- the latency model (docs/placement.md) ---- */

/* Radio access, aggregation hops and processing inside each tier's site, one way, in us. */
static const double tier_base_us[CORRIDOR_TIER_COUNT] = {400, 1500, 3000, 6000, 15000};
#define FIBRE_US_PER_KM 5.0
#define QUEUE_US 200.0          /* service time scale of the load term */
#define EARTH_KM 6371.0

static const char *const reject_names[CORRIDOR_REJ_COUNT] = {
    "not_alive", "cordoned", "latency", "country", "operator",
    "cpu", "memory", "gpus", "gpu_memory", "replica",
};

const char *corridor_reject_code_name(corridor_reject_code r)
{
    return (unsigned)r < CORRIDOR_REJ_COUNT ? reject_names[r] : "unknown";
}

void corridor_place_config_default(corridor_place_config *c)
{
    *c = (corridor_place_config){
        .weights = {.latency = 0.35, .gpu = 0.25, .cpu = 0.15, .spread = 0.15,
                    .stickiness = 0.10},
        .reservation_ttl_ms = 30000,
        .min_candidates = 16,
    };
}

void corridor_core_set_place_config(corridor_core *c, const corridor_place_config *pc)
{
    c->place = *pc;
}

/* ---- reservations ---- */

typedef struct {
    corridor_node *node;
    uint32_t cpu, gpus;
    uint64_t memory;
    bool confirmed;
    uint64_t expires_ms;
} reservation;

int corridor_place_init(corridor_core *c)
{
    corridor_place_config_default(&c->place);
    c->reservations = corridor_hashmap_new(64);
    return c->reservations ? 0 : -ENOMEM;
}

void corridor_place_fini(corridor_core *c)
{
    if (!c->reservations)
        return;
    size_t pos = 0;
    void *v;
    while (corridor_hashmap_next(c->reservations, &pos, NULL, &v))
        free(v);
    corridor_hashmap_free(&c->reservations);
}

static int reserve(corridor_core *c, corridor_node *n, const char *instance,
                   const corridor_workload_spec *s, uint64_t now_ms)
{
    reservation *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    *r = (reservation){.node = n, .cpu = s->cpu_millicores, .gpus = s->gpus,
                       .memory = s->memory_bytes, .expires_ms = now_ms + c->place.reservation_ttl_ms};
    void *old = NULL;
    if (corridor_hashmap_put(c->reservations, instance, r, &old) < 0) {
        free(r);
        return -ENOMEM;
    }
    if (old) { /* the same instance re-placed: give back what it held */
        reservation *o = old;
        o->node->reserved_cpu -= o->cpu;
        o->node->reserved_memory -= o->memory;
        o->node->reserved_gpus -= o->gpus;
        o->node->replicas--;
        free(o);
    }
    n->reserved_cpu += r->cpu;
    n->reserved_memory += r->memory;
    n->reserved_gpus += r->gpus;
    n->replicas++;
    return 0;
}

int corridor_place_confirm(corridor_core *c, const char *instance_id)
{
    reservation *r = corridor_hashmap_get(c->reservations, instance_id);
    if (!r)
        return -ENOENT;
    r->confirmed = true;
    return 0;
}

int corridor_place_release(corridor_core *c, const char *instance_id)
{
    reservation *r = corridor_hashmap_remove(c->reservations, instance_id);
    if (!r)
        return -ENOENT;
    r->node->reserved_cpu -= r->cpu;
    r->node->reserved_memory -= r->memory;
    r->node->reserved_gpus -= r->gpus;
    r->node->replicas--;
    free(r);
    return 0;
}

size_t corridor_place_reservations(const corridor_core *c)
{
    return corridor_hashmap_count(c->reservations);
}

size_t corridor_place_expire(corridor_core *c, uint64_t now_ms)
{
    /* collect first: the map must not change while iterating */
    const char *expired[64];
    size_t n = 0, pos = 0, total = 0;
    const char *key;
    void *v;
    do {
        n = 0;
        pos = 0;
        while (n < 64 && corridor_hashmap_next(c->reservations, &pos, &key, &v)) {
            reservation *r = v;
            if (!r->confirmed && now_ms >= r->expires_ms)
                expired[n++] = key;
        }
        for (size_t i = 0; i < n; i++) {
            char id[CORRIDOR_ID_MAX + 8];
            snprintf(id, sizeof id, "%s", expired[i]);
            CLOG_WARN("place", "reservation expired", "instance=%s", id);
            corridor_place_release(c, id);
        }
        total += n;
    } while (n == 64);
    return total;
}

int corridor_place_reserve(corridor_core *c, uint64_t now_ms, const corridor_workload_spec *spec,
                           const char *node_id, const char *instance_id)
{
    corridor_node *n = corridor_hashmap_get(c->nodes, node_id);
    return n ? reserve(c, n, instance_id, spec, now_ms) : -ENOENT;
}

int corridor_core_cordon(corridor_core *c, const char *node_id, bool cordoned)
{
    corridor_node *n = corridor_hashmap_get(c->nodes, node_id);
    if (!n)
        return -ENOENT;
    if (n->cordoned != cordoned)
        CLOG_INFO("place", cordoned ? "node cordoned" : "node uncordoned", "node=%s", node_id);
    n->cordoned = cordoned;
    return 0;
}

/* ---- one decision ---- */

typedef struct {
    const corridor_workload_spec *spec;
    uint32_t budget_us;
    uint64_t countries[(CORRIDOR_COUNTRY_CODES + 63) / 64]; /* allowed set, when any */
    bool any_country;
    uint32_t operators[CORRIDOR_MAX_ALLOWED];
    size_t n_operators;
    double alat, alon, acos;                   /* anchor in radians */
    double sin_hlat, cos_hlat, sin_hlon, cos_hlon; /* anchor half-angle trig */
    uint32_t min_gpu_mib;
    const char *exclude[2 * CORRIDOR_PLACE_MAX_REPLICAS];
    uint32_t exclude_cell[2 * CORRIDOR_PLACE_MAX_REPLICAS]; /* their grid cells, for spread */
    size_t n_exclude;
    const char *prefer;
    bool explain;
} query;

typedef struct {
    corridor_node *node;
    double total, latency_us;
    corridor_score_view score;
} candidate;

uint32_t corridor_place_budget_us(const corridor_workload_spec *s)
{
    if (s->max_latency_us)
        return s->max_latency_us;
    if (s->latency_tier >= 0 && s->latency_tier < CORRIDOR_TIER_COUNT)
        return corridor_tier_latency_us((corridor_tier)s->latency_tier);
    return 0;
}

/* M/M/1-shaped queueing delay from the busier of CPU and GPU, capped at 95 % load. */
static double load_us(const corridor_node *n, bool uses_gpu)
{
    double u = n->cpu_util;
    if (uses_gpu && n->gpu_util > u)
        u = n->gpu_util;
    if (u > 0.95)
        u = 0.95;
    if (u < 0)
        u = 0;
    return QUEUE_US * u / (1 - u);
}

/* Haversine with the trig of both ends precomputed: sin((a-b)/2) expands into the halves'
 * sines and cosines, so only the final asin and sqrt remain per node. */
static double distance_km(const corridor_node *n, const query *q)
{
    double sdlat = n->sin_hlat * q->cos_hlat - n->cos_hlat * q->sin_hlat;
    double sdlon = n->sin_hlon * q->cos_hlon - n->cos_hlon * q->sin_hlon;
    double h = sdlat * sdlat + q->acos * n->cos_lat * sdlon * sdlon;
    return 2 * EARTH_KM * asin(sqrt(h < 1 ? h : 1));
}

static void query_anchor(query *q, double lat_deg, double lon_deg)
{
    const double d2r = M_PI / 180.0;
    q->alat = lat_deg * d2r;
    q->alon = lon_deg * d2r;
    q->acos = cos(q->alat);
    q->sin_hlat = sin(q->alat / 2);
    q->cos_hlat = cos(q->alat / 2);
    q->sin_hlon = sin(q->alon / 2);
    q->cos_hlon = cos(q->alon / 2);
}

static double latency_q(const corridor_node *n, const query *q, bool *measured)
{
    const corridor_workload_spec *s = q->spec;
    double base = tier_base_us[n->tier < CORRIDOR_TIER_COUNT ? n->tier : 4];
    *measured = false;
    if (s->has_anchor)
        return base + FIBRE_US_PER_KM * distance_km(n, q) + load_us(n, s->gpus > 0);
    if (s->anchor_region[0] && strcmp(s->anchor_region, n->identity.region) != 0)
        return INFINITY; /* a region anchor: only that region's nodes can serve it */
    if (n->report.rtt_us) {
        /* the agent measured its RTT to us, inside the anchor region: better than a model */
        *measured = true;
        return n->report.rtt_us / 2.0 + load_us(n, s->gpus > 0);
    }
    return base + load_us(n, s->gpus > 0);
}

double corridor_place_latency_us(const corridor_node *n, const corridor_workload_spec *spec,
                                 bool *measured)
{
    query q = {.spec = spec};
    query_anchor(&q, spec->anchor_lat, spec->anchor_lon);
    return latency_q(n, &q, measured);
}

static bool is_excluded(const query *q, const corridor_node *n)
{
    for (size_t i = 0; i < q->n_exclude; i++)
        if (strcmp(q->exclude[i], n->identity.node_id) == 0)
            return true;
    return false;
}

static uint32_t same_cell(const query *q, const corridor_node *n)
{
    uint32_t k = 0;
    for (size_t i = 0; i < q->n_exclude; i++)
        k += q->exclude_cell[i] == n->grid_cell;
    return k;
}

/* Usable GPUs: known GPUs with enough free memory, minus those reservations already hold. */
static uint32_t free_gpus(const corridor_node *n, uint32_t min_free_mib)
{
    uint32_t ok = 0;
    for (uint32_t i = 0; i < n->n_gpus_hot; i++)
        ok += n->gpu_free_mib[i] >= min_free_mib;
    return ok > n->reserved_gpus ? ok - n->reserved_gpus : 0;
}

/* Run the filters, cheapest first and latency (trigonometry) last; returns the first reason
 * a node fails, or CORRIDOR_REJ_COUNT when it fits. */
static corridor_reject_code filter(const query *q, const corridor_node *n, double *lat,
                                   bool *measured, char *detail, size_t dlen)
{
    const corridor_workload_spec *s = q->spec;
    if (n->state != CORRIDOR_NODE_ALIVE) {
        if (detail)
            snprintf(detail, dlen, "%s is %s", n->identity.node_id,
                     corridor_node_state_name(n->state));
        return CORRIDOR_REJ_NOT_ALIVE;
    }
    if (n->cordoned) {
        if (detail)
            snprintf(detail, dlen, "%s is cordoned", n->identity.node_id);
        return CORRIDOR_REJ_CORDONED;
    }
    if (!q->any_country &&
        (n->country_code < 0 || !(q->countries[n->country_code / 64] >> (n->country_code % 64) & 1))) {
        if (detail)
            snprintf(detail, dlen, "%s not allowed", n->identity.country);
        return CORRIDOR_REJ_COUNTRY;
    }
    if (q->n_operators) {
        bool ok = false;
        for (size_t i = 0; i < q->n_operators && !ok; i++)
            ok = q->operators[i] == n->plmn_code;
        if (!ok) {
            if (detail)
                snprintf(detail, dlen, "operator %s not allowed", n->identity.plmn);
            return CORRIDOR_REJ_OPERATOR;
        }
    }
    if (q->n_exclude && is_excluded(q, n)) {
        if (detail)
            snprintf(detail, dlen, "%s already runs a replica", n->identity.node_id);
        return CORRIDOR_REJ_REPLICA;
    }
    if ((uint64_t)n->reserved_cpu + s->cpu_millicores > n->cap_cpu) {
        if (detail)
            snprintf(detail, dlen, "free CPU %u m < %u m",
                     n->cap_cpu > n->reserved_cpu ? n->cap_cpu - n->reserved_cpu : 0,
                     s->cpu_millicores);
        return CORRIDOR_REJ_CPU;
    }
    if (n->reserved_memory + s->memory_bytes > n->cap_memory) {
        if (detail)
            snprintf(detail, dlen, "free memory %llu MiB < %llu MiB",
                     (unsigned long long)((n->cap_memory > n->reserved_memory
                                           ? n->cap_memory - n->reserved_memory : 0) >> 20),
                     (unsigned long long)(s->memory_bytes >> 20));
        return CORRIDOR_REJ_MEMORY;
    }
    if (s->gpus) {
        uint32_t any = free_gpus(n, 0);
        if (any < s->gpus) {
            if (detail)
                snprintf(detail, dlen, "%u free GPUs < %u", any, s->gpus);
            return CORRIDOR_REJ_GPUS;
        }
        if (q->min_gpu_mib && free_gpus(n, q->min_gpu_mib) < s->gpus) {
            if (detail) {
                uint32_t best = 0;
                for (uint32_t i = 0; i < n->n_gpus_hot; i++)
                    best = n->gpu_free_mib[i] > best ? n->gpu_free_mib[i] : best;
                snprintf(detail, dlen, "free GPU memory %.1f GiB < %.1f GiB", best / 1024.0,
                         (double)s->gpu_memory_bytes / (1 << 30));
            }
            return CORRIDOR_REJ_GPU_MEMORY;
        }
    }
    *lat = latency_q(n, q, measured);
    if (*lat > q->budget_us) {
        if (detail) {
            if (isinf(*lat))
                snprintf(detail, dlen, "%.30s is outside region %.30s", n->identity.node_id,
                         s->anchor_region);
            else
                snprintf(detail, dlen, "%.1f ms over %.1f ms budget", *lat / 1000.0,
                         q->budget_us / 1000.0);
        }
        return CORRIDOR_REJ_LATENCY;
    }
    return CORRIDOR_REJ_COUNT;
}

static void score(const corridor_core *c, const query *q, corridor_node *n, double lat,
                  bool measured, uint32_t same_cell, candidate *out)
{
    const corridor_workload_spec *s = q->spec;
    const corridor_place_weights *w = &c->place.weights;
    corridor_score_view *v = &out->score;
    memset(out, 0, sizeof *out);
    out->node = n;
    out->latency_us = lat;
    snprintf(v->node_id, sizeof v->node_id, "%s", n->identity.node_id);
    v->latency_us = lat;
    v->latency_measured = measured;
    v->latency_headroom = q->budget_us ? (q->budget_us - lat) / q->budget_us : 0;
    if (v->latency_headroom < 0)
        v->latency_headroom = 0;
    /* GPU work goes where GPUs are idle; other work keeps off GPU nodes */
    v->gpu_balance = s->gpus ? 1 - n->gpu_util : (n->n_gpus_hot ? 0.5 : 1);
    double cap = n->cap_cpu ? n->cap_cpu : 1;
    double after = 1 - ((double)n->reserved_cpu + s->cpu_millicores) / cap;
    v->cpu_balance = (after + (1 - n->cpu_util)) / 2;
    if (v->cpu_balance < 0)
        v->cpu_balance = 0;
    v->spread = 1.0 / (1 + same_cell);
    v->stickiness = q->prefer && strcmp(q->prefer, n->identity.node_id) == 0;
    v->total = w->latency * v->latency_headroom + w->gpu * v->gpu_balance +
               w->cpu * v->cpu_balance + w->spread * v->spread + w->stickiness * v->stickiness;
    out->total = v->total;
}

/* Deterministic order: higher score, then lower latency, then node id. */
static bool better(const candidate *a, const candidate *b)
{
    if (a->total != b->total)
        return a->total > b->total;
    if (a->latency_us != b->latency_us)
        return a->latency_us < b->latency_us;
    return strcmp(a->node->identity.node_id, b->node->identity.node_id) < 0;
}

static void query_exclude(const corridor_core *c, query *q, const char *node_id)
{
    if (q->n_exclude >= sizeof q->exclude / sizeof q->exclude[0] || !node_id)
        return;
    const corridor_node *n = corridor_hashmap_get(c->nodes, node_id);
    q->exclude[q->n_exclude] = node_id;
    q->exclude_cell[q->n_exclude] = n ? n->grid_cell : UINT32_MAX;
    q->n_exclude++;
}

static int query_init(const corridor_core *c, query *q, const corridor_workload_spec *spec,
                      const corridor_place_hints *hints, bool explain)
{
    memset(q, 0, sizeof *q);
    q->spec = spec;
    q->budget_us = corridor_place_budget_us(spec);
    if (q->budget_us == 0)
        return -EINVAL;
    q->any_country = spec->n_countries == 0;
    for (size_t i = 0; i < spec->n_countries; i++) {
        int cc = corridor_country_code(spec->countries[i]);
        if (cc < 0)
            return -EINVAL;
        q->countries[cc / 64] |= 1ull << (cc % 64);
    }
    for (size_t i = 0; i < spec->n_operators && i < CORRIDOR_MAX_ALLOWED; i++)
        q->operators[q->n_operators++] = corridor_plmn_code(spec->operators[i]);
    query_anchor(q, spec->anchor_lat, spec->anchor_lon);
    q->min_gpu_mib = (uint32_t)((spec->gpu_memory_bytes + (1u << 20) - 1) >> 20);
    for (size_t i = 0; hints && i < hints->n_exclude; i++)
        query_exclude(c, q, hints->exclude[i]);
    q->prefer = hints ? hints->prefer : NULL;
    q->explain = explain;
    return 0;
}

/* Search state: the best `want` candidates found so far, kept sorted. */
typedef struct {
    candidate best[CORRIDOR_PLACE_MAX_REPLICAS];
    uint32_t n_best, want;
    corridor_placement *out;
} search;

static void consider(corridor_core *c, const query *q, search *st, corridor_node *n)
{
    double lat = 0;
    bool measured = false;
    char detail[96];
    st->out->nodes_scanned++;
    corridor_reject_code r = filter(q, n, &lat, &measured, q->explain ? detail : NULL,
                                    sizeof detail);
    if (r != CORRIDOR_REJ_COUNT) {
        st->out->rejected[r]++;
        if (q->explain && !st->out->detail[r][0])
            snprintf(st->out->detail[r], sizeof st->out->detail[r], "%s", detail);
        return;
    }
    st->out->nodes_feasible++;
    candidate cand;
    score(c, q, n, lat, measured, q->n_exclude ? same_cell(q, n) : 0, &cand);
    if (st->n_best == st->want && !better(&cand, &st->best[st->n_best - 1]))
        return;
    uint32_t i = st->n_best < st->want ? st->n_best++ : st->n_best - 1;
    while (i > 0 && better(&cand, &st->best[i - 1])) {
        st->best[i] = st->best[i - 1];
        i--;
    }
    st->best[i] = cand;
}

static void scan_vec(corridor_core *c, const query *q, search *st, const corridor_node_vec *v)
{
    for (uint32_t i = 0; i < v->n; i++)
        consider(c, q, st, v->v[i]);
}

/* Rings of grid cells around the anchor, out to the farthest cell the budget allows; stop
 * after the ring in which min_candidates feasible nodes have been seen. Nodes farther out
 * could only win on load, not latency: the cost of the index is that bounded approximation,
 * and it never misses a feasible node when there are fewer than min_candidates. */
static void scan_rings(corridor_core *c, const query *q, search *st)
{
    const double km_per_cell = 111.2 * CORRIDOR_GRID_DEG;
    int ci = (int)floor((q->spec->anchor_lat + 90) / CORRIDOR_GRID_DEG);
    int cj = (int)floor((q->spec->anchor_lon + 180) / CORRIDOR_GRID_DEG);
    double reach_km = (q->budget_us - tier_base_us[0]) / FIBRE_US_PER_KM;
    double cosl = cos(q->alat) > 0.05 ? cos(q->alat) : 0.05;
    int rmax_lat = (int)ceil(reach_km / km_per_cell) + 1;
    int rmax_lon = (int)ceil(reach_km / (km_per_cell * cosl)) + 1;
    int rmax = rmax_lat > rmax_lon ? rmax_lat : rmax_lon;
    if (rmax > CORRIDOR_GRID_LON / 2)
        rmax = CORRIDOR_GRID_LON / 2;
    for (int r = 0; r <= rmax; r++) {
        for (int di = -r; di <= r; di++) {
            int i = ci + di;
            if (i < 0 || i >= CORRIDOR_GRID_LAT || abs(di) > rmax_lat)
                continue;
            bool edge_row = abs(di) == r;
            for (int dj = -r; dj <= r; dj += edge_row ? 1 : 2 * r) {
                if (abs(dj) > rmax_lon)
                    continue;
                int j = ((cj + dj) % CORRIDOR_GRID_LON + CORRIDOR_GRID_LON) % CORRIDOR_GRID_LON;
                scan_vec(c, q, st, &c->index.grid[i * CORRIDOR_GRID_LON + j]);
                if (r == 0)
                    break;
            }
        }
        if (st->out->nodes_feasible >= c->place.min_candidates &&
            st->out->nodes_feasible >= st->want)
            break;
    }
}

/* Nodes the index never handed over were out of reach: count them as latency (or country)
 * rejections so the totals add up. */
static void account_unscanned(const corridor_core *c, const query *q, corridor_placement *out)
{
    uint32_t seen = out->nodes_scanned;
    if (seen < out->nodes_total)
        out->rejected[q->any_country ? CORRIDOR_REJ_LATENCY : CORRIDOR_REJ_COUNTRY] +=
            out->nodes_total - seen;
    (void)c;
}

static void run_search(corridor_core *c, const query *q, search *st)
{
    corridor_placement *out = st->out;
    out->nodes_total = c->index.all.n;
    if (q->explain) {
        scan_vec(c, q, st, &c->index.all);
        return;
    }
    if (q->spec->has_anchor) {
        scan_rings(c, q, st);
    } else if (!q->any_country) {
        for (size_t i = 0; i < q->spec->n_countries; i++) {
            int cc = corridor_country_code(q->spec->countries[i]);
            bool dup = false;
            for (size_t k = 0; k < i; k++)
                dup |= strcmp(q->spec->countries[k], q->spec->countries[i]) == 0;
            if (cc >= 0 && !dup)
                scan_vec(c, q, st, &c->index.country[cc]);
        }
    } else {
        scan_vec(c, q, st, &c->index.all);
    }
    account_unscanned(c, q, out);
}

int corridor_place_explain(corridor_core *c, uint64_t now_ms,
                           const corridor_workload_spec *spec, const corridor_place_hints *hints,
                           corridor_placement *out)
{
    (void)now_ms;
    memset(out, 0, sizeof *out);
    query q;
    if (query_init(c, &q, spec, hints, true) < 0)
        return -EINVAL;
    search st = {.want = spec->replicas ? spec->replicas : 1, .out = out};
    if (st.want > CORRIDOR_PLACE_MAX_REPLICAS)
        st.want = CORRIDOR_PLACE_MAX_REPLICAS;
    run_search(c, &q, &st);
    for (uint32_t i = 0; i < st.n_best; i++) {
        out->chosen[i] = st.best[i].node;
        out->scores[i] = st.best[i].score;
    }
    out->n_chosen = st.n_best;
    return 0;
}

int corridor_place_decide(corridor_core *c, uint64_t now_ms, const corridor_workload_spec *spec,
                          const char *workload_id, uint32_t first_replica, uint32_t replicas,
                          const corridor_place_hints *hints, corridor_placement *out)
{
    memset(out, 0, sizeof *out);
    if (replicas == 0 || replicas > CORRIDOR_PLACE_MAX_REPLICAS)
        return -EINVAL;
    query q;
    if (query_init(c, &q, spec, hints, false) < 0)
        return -EINVAL;
    /* Replicas one at a time: each choice changes the next one's spread and capacity. */
    for (uint32_t k = 0; k < replicas; k++) {
        corridor_placement one;
        memset(&one, 0, sizeof one);
        search st = {.want = 1, .out = &one};
        run_search(c, &q, &st);
        if (k == 0) {
            out->nodes_total = one.nodes_total;
            out->nodes_scanned = one.nodes_scanned;
            out->nodes_feasible = one.nodes_feasible;
            memcpy(out->rejected, one.rejected, sizeof out->rejected);
        }
        if (st.n_best == 0)
            break;
        char inst[CORRIDOR_ID_MAX + 1];
        snprintf(inst, sizeof inst, "%s-%u", workload_id, first_replica + k);
        if (reserve(c, st.best[0].node, inst, spec, now_ms) < 0)
            return -ENOMEM;
        out->chosen[out->n_chosen] = st.best[0].node;
        out->scores[out->n_chosen] = st.best[0].score;
        out->n_chosen++;
        query_exclude(c, &q, st.best[0].node->identity.node_id);
    }
    return out->n_chosen == replicas ? 0 : -ENOSPC;
}
