/*
 * Radio attachment: the best cell a vehicle may use (its home operator's, or a roaming
 * partner's), with hysteresis and time-to-trigger (3GPP's A3 event), on a uniform grid so a
 * measurement looks at a handful of cells, not all of them.
 *
 * Signal follows a log-distance path loss normalised by the cell's radius (the edge of
 * coverage is where a cell's signal reaches the same floor for every cell). Comparisons are
 * made on q = d^2 / r^2, where a margin of m dB is a factor 10^(m / (5 n)), n the path-loss
 * exponent: no logarithm per candidate. A cell of another operator than the home one carries
 * the bias (home_bias_db), and so does a cell of another operator than the serving one: UEs
 * prefer their home network, and once on a network they stay on it while it serves them
 * (a roaming UE does not hop between two visited networks cell by cell).
 */
#ifndef CORRIDOR_SIM_RADIO_H
#define CORRIDOR_SIM_RADIO_H

#include <stdint.h>

#include "scenario.h"

typedef struct {
    int32_t cell;               /* serving cell, -1 when not attached */
    int32_t cand;               /* A3 candidate, -1 none */
    uint32_t bucket;            /* the grid bucket of the last measurement (prefetch hint) */
    uint64_t cand_since_us;
} sim_radio_state;

typedef enum {
    SIM_RADIO_NONE = 0,
    SIM_RADIO_ATTACH,           /* from no cell to one */
    SIM_RADIO_HANDOVER,         /* A3 held for time-to-trigger */
    SIM_RADIO_RLF,              /* the serving cell was lost; re-established on another */
    SIM_RADIO_DETACH,           /* lost, and no cell to go to */
} sim_radio_event;

typedef struct {
    const corridor_scenario *s;
    float x0, y0, inv_size;     /* grid origin and 1 / bucket size (km) */
    uint32_t nx, ny;
    uint32_t *start;            /* nx*ny + 1 offsets into the bucket arrays */
    uint32_t *items;            /* cell indices */
    /* the candidates' hot fields again, in bucket order, 16 bytes each: a measurement
     * reads one bucket's few cache lines instead of chasing cell indices */
    struct sim_radio_cand {
        float x, y, inv_r2;
        uint32_t op_cell;       /* operator << 24 | cell index */
    } *cand;
    float hyst, bias;           /* q factors */
    uint64_t ttt_us;
} corridor_radio;

int corridor_radio_init(corridor_radio *r, const corridor_scenario *s);
void corridor_radio_fini(corridor_radio *r);

/* One measurement at (x, y) km; updates st and says what happened (*from: the old cell).
 * *safe_km (may be NULL): how far the vehicle may move before another measurement could
 * change anything; the caller may skip measurements until then, with identical results. */
sim_radio_event corridor_radio_step(const corridor_radio *r, sim_radio_state *st, float x,
                                    float y, uint16_t home_op, uint64_t attach_mask,
                                    uint64_t now_us, int32_t *from, float *safe_km);

/* Prefetch what the next measurement of a vehicle will read (its bucket rarely changes
 * between ticks): stage 1 the bucket's offsets, stage 2 its candidates. */
static inline void corridor_radio_prefetch(const corridor_radio *r, const sim_radio_state *st,
                                           int stage)
{
    if (st->bucket >= r->nx * r->ny)
        return;
    if (stage == 1)
        __builtin_prefetch(&r->start[st->bucket]);
    else
        __builtin_prefetch(&r->cand[r->start[st->bucket]]);
}

#endif
