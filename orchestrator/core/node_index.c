#include "node_index.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static int vec_push(corridor_node_vec *v, struct corridor_node *n)
{
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 4;
        struct corridor_node **nv = realloc(v->v, cap * sizeof *nv);
        if (!nv)
            return -ENOMEM;
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = n;
    return 0;
}

/* Order inside a bucket does not matter: placement breaks ties by node id. */
static void vec_remove(corridor_node_vec *v, const struct corridor_node *n)
{
    for (uint32_t i = 0; i < v->n; i++) {
        if (v->v[i] == n) {
            v->v[i] = v->v[--v->n];
            return;
        }
    }
}

int corridor_node_index_init(corridor_node_index *ix)
{
    memset(ix, 0, sizeof *ix);
    ix->grid = calloc((size_t)CORRIDOR_GRID_LAT * CORRIDOR_GRID_LON, sizeof *ix->grid);
    return ix->grid ? 0 : -ENOMEM;
}

void corridor_node_index_fini(corridor_node_index *ix)
{
    if (ix->grid) {
        for (size_t i = 0; i < (size_t)CORRIDOR_GRID_LAT * CORRIDOR_GRID_LON; i++)
            free(ix->grid[i].v);
    }
    for (size_t i = 0; i < CORRIDOR_COUNTRY_CODES; i++)
        free(ix->country[i].v);
    free(ix->all.v);
    free(ix->grid);
    memset(ix, 0, sizeof *ix);
}

uint32_t corridor_grid_cell(double lat, double lon)
{
    int i = (int)floor((lat + 90) / CORRIDOR_GRID_DEG), j = (int)floor((lon + 180) / CORRIDOR_GRID_DEG);
    if (i < 0)
        i = 0;
    if (i >= CORRIDOR_GRID_LAT)
        i = CORRIDOR_GRID_LAT - 1;
    j = ((j % CORRIDOR_GRID_LON) + CORRIDOR_GRID_LON) % CORRIDOR_GRID_LON;
    return (uint32_t)(i * CORRIDOR_GRID_LON + j);
}

int corridor_country_code(const char *cc)
{
    if (!cc || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || cc[2])
        return -1;
    return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

uint32_t corridor_plmn_code(const char *plmn)
{
    uint32_t mcc = 0, mnc = 0;
    size_t i = 0;
    for (; plmn[i] && plmn[i] != '-'; i++)
        mcc = mcc * 10 + (uint32_t)(plmn[i] - '0');
    size_t digits = 0;
    if (plmn[i] == '-')
        for (i++; plmn[i]; i++, digits++)
            mnc = mnc * 10 + (uint32_t)(plmn[i] - '0');
    return mcc * 10000 + (digits == 3 ? 1000 : 0) + mnc;
}

int corridor_node_index_put(corridor_node_index *ix, struct corridor_node *n)
{
    const double d2r = M_PI / 180.0;
    uint32_t cell = corridor_grid_cell(n->identity.lat, n->identity.lon);
    int cc = corridor_country_code(n->identity.country);
    if (!n->indexed) {
        if (vec_push(&ix->all, n) < 0)
            return -ENOMEM;
        n->index_pos = ix->all.n - 1;
    } else {
        if (n->grid_cell != cell)
            vec_remove(&ix->grid[n->grid_cell], n);
        if (n->country_code != cc && n->country_code >= 0)
            vec_remove(&ix->country[n->country_code], n);
    }
    if (!n->indexed || n->grid_cell != cell) {
        if (vec_push(&ix->grid[cell], n) < 0)
            return -ENOMEM;
    }
    if ((!n->indexed || n->country_code != cc) && cc >= 0) {
        if (vec_push(&ix->country[cc], n) < 0)
            return -ENOMEM;
    }
    n->indexed = true;
    n->grid_cell = cell;
    n->country_code = (int16_t)cc;
    n->plmn_code = corridor_plmn_code(n->identity.plmn);
    n->lat_rad = n->identity.lat * d2r;
    n->lon_rad = n->identity.lon * d2r;
    n->cos_lat = cos(n->lat_rad);
    n->sin_hlat = sin(n->lat_rad / 2);
    n->cos_hlat = cos(n->lat_rad / 2);
    n->sin_hlon = sin(n->lon_rad / 2);
    n->cos_hlon = cos(n->lon_rad / 2);
    n->tier = (uint8_t)n->identity.tier;
    n->cap_cpu = n->identity.capacity.cpu_millicores;
    n->cap_memory = n->identity.capacity.memory_bytes;
    corridor_node_hot_update(n);
    return 0;
}

void corridor_node_hot_update(struct corridor_node *n)
{
    const corridor_report *r = &n->report;
    n->cpu_util = (float)(r->cpu_util_pct / 100.0);
    double util = 0;
    if (r->n_gpus) {
        n->n_gpus_hot = (uint8_t)(r->n_gpus < CORRIDOR_NODE_HOT_GPUS ? r->n_gpus : CORRIDOR_NODE_HOT_GPUS);
        for (size_t i = 0; i < r->n_gpus; i++) {
            const corridor_gpu *g = &r->gpus[i];
            util += g->util_pct;
            if (i < CORRIDOR_NODE_HOT_GPUS)
                n->gpu_free_mib[i] = (uint32_t)((g->mem_total_bytes > g->mem_used_bytes
                                                 ? g->mem_total_bytes - g->mem_used_bytes : 0) >> 20);
        }
        util /= (double)r->n_gpus * 100.0;
    } else {
        /* no GPU source: trust the registered capacity, memory split evenly */
        const corridor_capacity *c = &n->identity.capacity;
        n->n_gpus_hot = (uint8_t)(c->gpu_count < CORRIDOR_NODE_HOT_GPUS ? c->gpu_count : CORRIDOR_NODE_HOT_GPUS);
        for (uint32_t i = 0; i < n->n_gpus_hot; i++)
            n->gpu_free_mib[i] = (uint32_t)((c->gpu_memory_bytes / c->gpu_count) >> 20);
    }
    n->gpu_util = (float)util;
}
