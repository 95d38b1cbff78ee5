#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A heap entry carries its sort key, so sifting never touches the pool: time, then
 * seq << SLOT_BITS | slot (seq is unique, so it decides ties and the slot rides along). */
#define SLOT_BITS 24
#define SLOT_MAX ((1u << SLOT_BITS) - 1)

typedef struct {
    uint64_t time;
    uint64_t seq_slot;
} entry;

typedef struct {
    uint32_t kind, target;
    uint64_t arg;
    uint32_t gen;               /* bumped when the slot is freed: stale handles miss */
    uint8_t cancelled;
} slot;

struct corridor_engine {
    entry *heap;
    size_t n, cap;
    slot *pool;
    uint32_t *free_slots;
    size_t n_free, pool_cap;
    uint64_t seq, now, processed;
    size_t cancelled;           /* cancelled entries still in the heap */
};

static bool less(const entry *a, const entry *b)
{
    return a->time < b->time || (a->time == b->time && a->seq_slot < b->seq_slot);
}

corridor_engine *corridor_engine_new(size_t initial_capacity)
{
    corridor_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    size_t cap = initial_capacity < 64 ? 64 : initial_capacity;
    if (cap > SLOT_MAX)
        cap = SLOT_MAX;
    e->heap = malloc(cap * sizeof *e->heap);
    e->pool = calloc(cap, sizeof *e->pool);
    e->free_slots = malloc(cap * sizeof *e->free_slots);
    if (!e->heap || !e->pool || !e->free_slots) {
        corridor_engine_free(&e);
        return NULL;
    }
    e->cap = e->pool_cap = cap;
    for (size_t i = 0; i < cap; i++) /* lowest slot first: deterministic reuse */
        e->free_slots[i] = (uint32_t)(cap - 1 - i);
    e->n_free = cap;
    return e;
}

void corridor_engine_free(corridor_engine **pe)
{
    if (!pe || !*pe)
        return;
    free((*pe)->heap);
    free((*pe)->pool);
    free((*pe)->free_slots);
    free(*pe);
    *pe = NULL;
}

static int grow(corridor_engine *e)
{
    if (e->pool_cap >= SLOT_MAX)
        return -ENOMEM;
    size_t ncap = e->pool_cap * 2 > SLOT_MAX ? SLOT_MAX : e->pool_cap * 2;
    entry *h = realloc(e->heap, ncap * sizeof *h);
    if (!h)
        return -ENOMEM;
    e->heap = h;
    slot *p = realloc(e->pool, ncap * sizeof *p);
    if (!p)
        return -ENOMEM;
    e->pool = p;
    memset(p + e->pool_cap, 0, (ncap - e->pool_cap) * sizeof *p);
    uint32_t *f = realloc(e->free_slots, ncap * sizeof *f);
    if (!f)
        return -ENOMEM;
    e->free_slots = f;
    for (size_t i = ncap; i > e->pool_cap; i--)
        e->free_slots[e->n_free++] = (uint32_t)(i - 1);
    e->cap = e->pool_cap = ncap;
    return 0;
}

static void sift_up(entry *h, size_t i)
{
    entry x = h[i];
    while (i > 0) {
        size_t p = (i - 1) >> 2;
        if (!less(&x, &h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static void sift_down(entry *h, size_t n, size_t i)
{
    entry x = h[i];
    for (;;) {
        size_t c = (i << 2) + 1;
        if (c >= n)
            break;
        size_t best = c, end = c + 4 < n ? c + 4 : n;
        for (size_t k = c + 1; k < end; k++)
            if (less(&h[k], &h[best]))
                best = k;
        if (!less(&h[best], &x))
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = x;
}

int corridor_engine_schedule(corridor_engine *e, uint64_t time_us, uint32_t kind,
                             uint32_t target, uint64_t arg, corridor_sim_handle *h)
{
    if (time_us < e->now)
        return -EINVAL;
    if (e->n_free == 0 && grow(e) < 0)
        return -ENOMEM;
    uint32_t s = e->free_slots[--e->n_free];
    slot *p = &e->pool[s];
    p->kind = kind;
    p->target = target;
    p->arg = arg;
    p->cancelled = 0;
    e->heap[e->n] = (entry){.time = time_us, .seq_slot = (e->seq++ << SLOT_BITS) | s};
    sift_up(e->heap, e->n++);
    if (h)
        *h = ((uint64_t)p->gen << 32) | (s + 1);
    return 0;
}

static void release(corridor_engine *e, uint32_t s)
{
    e->pool[s].gen++;
    e->free_slots[e->n_free++] = s;
}

int corridor_engine_cancel(corridor_engine *e, corridor_sim_handle h)
{
    uint32_t s = (uint32_t)(h & 0xffffffffu);
    if (s == 0 || s > e->pool_cap)
        return -ENOENT;
    slot *p = &e->pool[s - 1];
    /* a freed slot has a new generation; a slot is in the heap iff it is not on the free
     * list, which a matching generation guarantees */
    if (p->gen != (uint32_t)(h >> 32) || p->cancelled)
        return -ENOENT;
    p->cancelled = 1;
    e->cancelled++;
    return 0;
}

static void pop_top(corridor_engine *e)
{
    e->heap[0] = e->heap[--e->n];
    if (e->n)
        sift_down(e->heap, e->n, 0);
}

static void drop_cancelled(corridor_engine *e)
{
    while (e->n && e->pool[e->heap[0].seq_slot & SLOT_MAX].cancelled) {
        uint32_t s = (uint32_t)(e->heap[0].seq_slot & SLOT_MAX);
        pop_top(e);
        release(e, s);
        e->cancelled--;
    }
}

int corridor_engine_next(corridor_engine *e, corridor_sim_event *ev)
{
    drop_cancelled(e);
    if (e->n == 0)
        return 0;
    entry top = e->heap[0];
    uint32_t s = (uint32_t)(top.seq_slot & SLOT_MAX);
    pop_top(e);
    const slot *p = &e->pool[s];
    *ev = (corridor_sim_event){.time_us = top.time, .kind = p->kind, .target = p->target,
                               .arg = p->arg};
    release(e, s);
    e->now = top.time;
    e->processed++;
    return 1;
}

uint64_t corridor_engine_peek(corridor_engine *e)
{
    drop_cancelled(e);
    return e->n ? e->heap[0].time : UINT64_MAX;
}

uint64_t corridor_engine_now(const corridor_engine *e) { return e->now; }
size_t corridor_engine_pending(const corridor_engine *e) { return e->n - e->cancelled; }
uint64_t corridor_engine_processed(const corridor_engine *e) { return e->processed; }
