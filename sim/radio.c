#include "radio.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int corridor_radio_init(corridor_radio *r, const corridor_scenario *s)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    double n = s->radio.pathloss_exponent;
    r->hyst = (float)pow(10.0, s->radio.hysteresis_db / (5.0 * n));
    r->bias = (float)pow(10.0, s->radio.home_bias_db / (5.0 * n));
    r->ttt_us = (uint64_t)llround(s->radio.time_to_trigger_ms * 1000.0);
    if (s->n_cells == 0) {
        r->nx = r->ny = 1;
        r->start = calloc(2, sizeof *r->start);
        r->items = calloc(1, sizeof *r->items);
        return r->start && r->items ? 0 : -ENOMEM;
    }
    float minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    double rmax = 0, rsum = 0;
    for (size_t i = 0; i < s->n_cells; i++) {
        double rad = s->cell_info[i].radius_km;
        minx = fminf(minx, s->cells[i].x - (float)rad);
        miny = fminf(miny, s->cells[i].y - (float)rad);
        maxx = fmaxf(maxx, s->cells[i].x + (float)rad);
        maxy = fmaxf(maxy, s->cells[i].y + (float)rad);
        rmax = fmax(rmax, rad);
        rsum += rad;
    }
    /* buckets of 0.6 mean radius: few candidates per bucket where coverage is dense (each
     * cell is listed in every bucket its disc's square touches), and the bucket count
     * bounded so a sparse continent-wide scenario stays small */
    double size = 0.6 * rsum / (double)s->n_cells;
    double w = maxx - minx, h = maxy - miny;
    while ((w / size + 1) * (h / size + 1) > 4e6)
        size *= 2;
    r->x0 = minx;
    r->y0 = miny;
    r->inv_size = (float)(1.0 / size);
    r->nx = (uint32_t)(w / size) + 1;
    r->ny = (uint32_t)(h / size) + 1;
    size_t nb = (size_t)r->nx * r->ny;
    r->start = calloc(nb + 1, sizeof *r->start);
    if (!r->start)
        return -ENOMEM;
    /* two passes: count, then fill (counting sort keeps items in cell order: deterministic) */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            for (size_t b = 0; b < nb; b++)
                r->start[b + 1] += r->start[b];
            r->items = malloc((r->start[nb] ? r->start[nb] : 1) * sizeof *r->items);
            if (!r->items)
                return -ENOMEM;
        }
        uint32_t *fill = NULL;
        if (pass == 1) {
            fill = malloc(nb * sizeof *fill);
            if (!fill)
                return -ENOMEM;
            memcpy(fill, r->start, nb * sizeof *fill);
        }
        for (size_t i = 0; i < s->n_cells; i++) {
            double rad = s->cell_info[i].radius_km;
            int bx0 = (int)((s->cells[i].x - rad - r->x0) / size);
            int bx1 = (int)((s->cells[i].x + rad - r->x0) / size);
            int by0 = (int)((s->cells[i].y - rad - r->y0) / size);
            int by1 = (int)((s->cells[i].y + rad - r->y0) / size);
            for (int by = by0 < 0 ? 0 : by0; by <= by1 && by < (int)r->ny; by++)
                for (int bx = bx0 < 0 ? 0 : bx0; bx <= bx1 && bx < (int)r->nx; bx++) {
                    size_t b = (size_t)by * r->nx + (size_t)bx;
                    if (pass == 0)
                        r->start[b + 1]++;
                    else
                        r->items[fill[b]++] = (uint32_t)i;
                }
        }
        free(fill);
    }
    r->cand = malloc((r->start[nb] ? r->start[nb] : 1) * sizeof *r->cand);
    if (!r->cand)
        return -ENOMEM;
    for (size_t k = 0; k < r->start[nb]; k++) {
        const sim_cell *c = &s->cells[r->items[k]];
        r->cand[k] = (struct sim_radio_cand){.x = c->x, .y = c->y, .inv_r2 = c->inv_r2,
                                             .op_cell = (uint32_t)c->op << 24 | r->items[k]};
    }
    return 0;
}

void corridor_radio_fini(corridor_radio *r)
{
    free(r->start);
    free(r->items);
    free(r->cand);
    memset(r, 0, sizeof *r);
}

static inline float q_of(const sim_cell *c, float x, float y)
{
    float dx = x - c->x, dy = y - c->y;
    return (dx * dx + dy * dy) * c->inv_r2;
}

static sim_radio_event measure(const corridor_radio *r, sim_radio_state *st, float x, float y,
                               uint16_t home_op, uint64_t attach_mask, uint64_t now_us,
                               int32_t *from)
{
    const sim_cell *cells = r->s->cells;
    *from = st->cell;
    int32_t best = -1;
    float best_q = INFINITY; /* biased */
    float fx = (x - r->x0) * r->inv_size, fy = (y - r->y0) * r->inv_size;
    if (fx >= 0 && fy >= 0 && fx < (float)r->nx && fy < (float)r->ny) {
        size_t b = (size_t)(uint32_t)fy * r->nx + (uint32_t)fx;
        st->bucket = (uint32_t)b;
    } else {
        st->bucket = UINT32_MAX;
    }
    if (st->bucket != UINT32_MAX) {
        size_t b = st->bucket;
        /* branch-free over the bucket (the branches mispredicted half the time): the
         * biased q as integer bits (positive floats order like their bits), forced to
         * infinity when the cell is out of coverage or not allowed, packed with the index
         * so one unsigned min picks the best; ties go to the lower index */
        const float extra = r->bias - 1.0f;
        const uint32_t serving_op = st->cell >= 0 ? cells[st->cell].op : home_op;
        uint64_t bestk = UINT64_MAX;
        for (uint32_t k = r->start[b], end = r->start[b + 1]; k < end; k++) {
            const struct sim_radio_cand *c = &r->cand[k];
            float dx = x - c->x, dy = y - c->y;
            float q = (dx * dx + dy * dy) * c->inv_r2;
            uint32_t op = c->op_cell >> 24;
            uint32_t ok = (uint32_t)(q <= 1.0f) & (uint32_t)(attach_mask >> op);
            float qb = q * (1.0f + extra * (float)(op != home_op)) *
                       (1.0f + extra * (float)(op != serving_op));
            uint32_t bits;
            memcpy(&bits, &qb, sizeof bits);
            bits |= ((ok & 1u) - 1u) & 0x7f800000u;
            uint64_t key = (uint64_t)bits << 32 | (c->op_cell & 0xffffffu);
            bestk = key < bestk ? key : bestk;
        }
        if ((bestk >> 32) < 0x7f800000u) {
            uint32_t bits = (uint32_t)(bestk >> 32);
            memcpy(&best_q, &bits, sizeof best_q);
            best = (int32_t)(bestk & 0xffffffu);
        }
    }
    if (st->cell < 0) {
        st->cand = -1;
        if (best < 0)
            return SIM_RADIO_NONE;
        st->cell = best;
        return SIM_RADIO_ATTACH;
    }
    const sim_cell *sc = &cells[st->cell];
    float qs = q_of(sc, x, y);
    if (qs > 1.0f) { /* radio link failure: re-establish at once on the best cell, if any */
        st->cand = -1;
        st->cell = best;
        return best < 0 ? SIM_RADIO_DETACH : SIM_RADIO_RLF;
    }
    if (sc->op != home_op)
        qs *= r->bias;
    if (best < 0 || best == st->cell || !(qs > best_q * r->hyst)) {
        st->cand = -1;
        return SIM_RADIO_NONE;
    }
    if (st->cand != best) {
        st->cand = best;
        st->cand_since_us = now_us;
    }
    if (now_us - st->cand_since_us < r->ttt_us)
        return SIM_RADIO_NONE;
    st->cell = best;
    st->cand = -1;
    return SIM_RADIO_HANDOVER;
}

/*
 * How far the vehicle can move before this measurement's outcome could change, so the next
 * ones can be skipped exactly (no hand-over can trigger earlier). Only while attached with
 * no A3 candidate pending (time-to-trigger needs every tick). The bounds, each Lipschitz in
 * the position: the serving cell's edge (r_s - d_s); the bucket's edge (the candidate set is
 * the bucket's); and for every other usable cell c the distance at which c could become
 * better than serving by the hysteresis: with a = sqrt(bias x H x inv_r2) per cell, A3 needs
 * a_c d_c < a_s d_s, which moving by m can bring about only when
 * m >= (a_c d_c - a_s d_s) / (a_c + a_s).
 */
static float safe_distance(const corridor_radio *r, const sim_radio_state *st, float x, float y,
                           uint16_t home_op, uint64_t attach_mask)
{
    if (st->cell < 0 || st->cand >= 0 || st->bucket == UINT32_MAX)
        return 0;
    const sim_cell *sc = &r->s->cells[st->cell];
    float dxs = x - sc->x, dys = y - sc->y;
    float ds = sqrtf(dxs * dxs + dys * dys);
    float rs = 1.0f / sqrtf(sc->inv_r2);
    float as = sqrtf((sc->op != home_op ? r->bias : 1.0f) * sc->inv_r2);
    float d = rs - ds;
    float fx = (x - r->x0) * r->inv_size, fy = (y - r->y0) * r->inv_size;
    float ex = fminf(fx - floorf(fx), floorf(fx) + 1 - fx);
    float ey = fminf(fy - floorf(fy), floorf(fy) + 1 - fy);
    d = fminf(d, fminf(ex, ey) / r->inv_size);
    uint32_t b = st->bucket;
    for (uint32_t k = r->start[b], end = r->start[b + 1]; k < end && d > 0; k++) {
        const struct sim_radio_cand *c = &r->cand[k];
        uint32_t op = c->op_cell >> 24, ci = c->op_cell & 0xffffffu;
        if (ci == (uint32_t)st->cell || !((attach_mask >> op) & 1))
            continue;
        float dx = x - c->x, dy = y - c->y;
        float dc = sqrtf(dx * dx + dy * dy);
        float fc = (op != home_op ? r->bias : 1.0f) * (op != sc->op ? r->bias : 1.0f);
        float ac = sqrtf(fc * r->hyst * c->inv_r2);
        d = fminf(d, (ac * dc - as * ds) / (ac + as));
    }
    /* a metre of margin against float rounding */
    return d > 0.001f ? d - 0.001f : 0;
}

sim_radio_event corridor_radio_step(const corridor_radio *r, sim_radio_state *st, float x,
                                    float y, uint16_t home_op, uint64_t attach_mask,
                                    uint64_t now_us, int32_t *from, float *safe_km)
{
    sim_radio_event e = measure(r, st, x, y, home_op, attach_mask, now_us, from);
    if (safe_km)
        *safe_km = safe_distance(r, st, x, y, home_op, attach_mask);
    return e;
}
