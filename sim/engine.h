/*
 * The discrete-event engine: a 4-ary min-heap of timestamped events over a preallocated pool.
 *
 * Order is total and deterministic: by time, then by the order events were scheduled (a
 * sequence number), so equal times run first-in first-out. Cancellation is lazy: the slot is
 * marked and skipped when it reaches the top, which keeps schedule and pop at one sift each.
 * The engine never reads a clock; time is whatever the events say (microseconds).
 */
#ifndef CORRIDOR_SIM_ENGINE_H
#define CORRIDOR_SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t time_us;
    uint32_t kind;              /* the caller's event kind */
    uint32_t target;            /* the caller's entity index */
    uint64_t arg;
} corridor_sim_event;

/* Names a scheduled event for cancellation; 0 is never a valid handle. */
typedef uint64_t corridor_sim_handle;

typedef struct corridor_engine corridor_engine;

corridor_engine *corridor_engine_new(size_t initial_capacity);
void corridor_engine_free(corridor_engine **e);

/* Schedule at an absolute time >= now. 0, -EINVAL (in the past), -ENOMEM. */
int corridor_engine_schedule(corridor_engine *e, uint64_t time_us, uint32_t kind,
                             uint32_t target, uint64_t arg, corridor_sim_handle *h);
/* 0, or -ENOENT when the event already ran or was cancelled. */
int corridor_engine_cancel(corridor_engine *e, corridor_sim_handle h);
/* Pop the next event and advance the clock to it: 1, or 0 when nothing is pending. */
int corridor_engine_next(corridor_engine *e, corridor_sim_event *ev);
/* The time of the next pending event (UINT64_MAX when none); drops cancelled ones on top. */
uint64_t corridor_engine_peek(corridor_engine *e);

uint64_t corridor_engine_now(const corridor_engine *e);
size_t corridor_engine_pending(const corridor_engine *e);   /* excluding cancelled */
uint64_t corridor_engine_processed(const corridor_engine *e);

#endif
