/*
 * The bare event engine, hold model: N events pending; each step pops the earliest and
 * schedules one at a random later time (what a simulation does). Prints events/s for the
 * 4-ary heap, and for a plain binary heap in the same run as the reference.
 * usage: bench_sim_engine [EVENTS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine.h"
#include "rng.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* reference: a textbook binary heap of (time, seq) with the payload inline */
typedef struct {
    uint64_t t, seq;
    uint32_t kind, target;
    uint64_t arg;
} ref_ev;

static ref_ev *rh;
static size_t rn;

static int ref_less(const ref_ev *a, const ref_ev *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void ref_push(ref_ev e)
{
    size_t i = rn++;
    while (i && ref_less(&e, &rh[(i - 1) / 2])) {
        rh[i] = rh[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    rh[i] = e;
}

static ref_ev ref_pop(void)
{
    ref_ev top = rh[0], x = rh[--rn];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= rn)
            break;
        if (c + 1 < rn && ref_less(&rh[c + 1], &rh[c]))
            c++;
        if (!ref_less(&rh[c], &x))
            break;
        rh[i] = rh[c];
        i = c;
    }
    if (rn)
        rh[i] = x;
    return top;
}

int main(int argc, char **argv)
{
    uint64_t steps = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
    static const size_t pending[] = {100, 10000, 1000000};
    printf("bare engine, hold model, %llu events per case, one core\n",
           (unsigned long long)steps);
    printf("%-10s %14s %14s %8s\n", "PENDING", "4-ARY EV/S", "BINARY EV/S", "RATIO");
    for (size_t p = 0; p < sizeof pending / sizeof pending[0]; p++) {
        size_t n = pending[p];
        corridor_rng r;
        corridor_rng_seed(&r, 1, 1, n);
        corridor_engine *e = corridor_engine_new(n + 16);
        for (size_t i = 0; i < n; i++)
            corridor_engine_schedule(e, corridor_rng_below(&r, 1000000), 1, (uint32_t)i, 0, NULL);
        corridor_sim_event ev;
        uint64_t sink = 0;
        double t0 = now_s();
        for (uint64_t i = 0; i < steps; i++) {
            corridor_engine_next(e, &ev);
            sink += ev.target;
            corridor_engine_schedule(e, ev.time_us + 1 + (corridor_rng_u64(&r) & 0xfffff), 1,
                                     ev.target, ev.arg, NULL);
        }
        double quad = (double)steps / (now_s() - t0);
        corridor_engine_free(&e);

        rh = malloc((n + 16) * sizeof *rh);
        rn = 0;
        uint64_t seq = 0;
        corridor_rng_seed(&r, 1, 1, n);
        for (size_t i = 0; i < n; i++)
            ref_push((ref_ev){.t = corridor_rng_below(&r, 1000000), .seq = seq++,
                              .target = (uint32_t)i});
        t0 = now_s();
        for (uint64_t i = 0; i < steps; i++) {
            ref_ev x = ref_pop();
            sink += x.target;
            x.t += 1 + (corridor_rng_u64(&r) & 0xfffff);
            x.seq = seq++;
            ref_push(x);
        }
        double bin = (double)steps / (now_s() - t0);
        free(rh);
        printf("%-10zu %14.0f %14.0f %7.2fx%s\n", n, quad, bin, quad / bin,
               sink == 42 ? " " : "");
    }
    return 0;
}
