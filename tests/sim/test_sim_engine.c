/* The event engine: order by time then by scheduling order, cancellation, growth past the
 * initial pool, refusal of the past, and the same sequence twice from the same input. */
#include <errno.h>
#include <stdlib.h>

#include "engine.h"
#include "rng.h"
#include "testutil.h"

static void test_order_and_fifo(void)
{
    corridor_engine *e = corridor_engine_new(8); /* small: forces growth */
    CHECK(e != NULL);
    corridor_rng r;
    corridor_rng_seed(&r, 1, 99, 0);
    enum { N = 20000 };
    for (uint32_t i = 0; i < N; i++) /* many equal times: 0..99 */
        CHECK_EQ_INT(corridor_engine_schedule(e, corridor_rng_below(&r, 100), 1, i, 0, NULL), 0);
    CHECK_EQ_INT(corridor_engine_pending(e), N);
    corridor_sim_event ev, prev = {0};
    uint32_t n = 0;
    bool ordered = true;
    while (corridor_engine_next(e, &ev)) {
        if (n > 0 && (ev.time_us < prev.time_us ||
                      (ev.time_us == prev.time_us && ev.target < prev.target)))
            ordered = false; /* equal times must come out in scheduling order */
        CHECK(corridor_engine_now(e) == ev.time_us);
        prev = ev;
        n++;
    }
    CHECK(ordered);
    CHECK_EQ_INT(n, N);
    CHECK_EQ_INT(corridor_engine_processed(e), N);
    CHECK_EQ_INT(corridor_engine_pending(e), 0);
    CHECK_EQ_INT(corridor_engine_next(e, &ev), 0);
    corridor_engine_free(&e);
    CHECK(e == NULL);
    corridor_engine_free(&e); /* NULL-safe */
}

static void test_past_refused(void)
{
    corridor_engine *e = corridor_engine_new(0);
    corridor_sim_event ev;
    corridor_engine_schedule(e, 100, 1, 0, 0, NULL);
    corridor_engine_next(e, &ev);
    CHECK_EQ_INT(corridor_engine_schedule(e, 99, 1, 0, 0, NULL), -EINVAL);
    CHECK_EQ_INT(corridor_engine_schedule(e, 100, 1, 0, 0, NULL), 0); /* now is fine */
    corridor_engine_free(&e);
}

static void test_cancel(void)
{
    corridor_engine *e = corridor_engine_new(4);
    corridor_sim_handle h[10];
    for (uint32_t i = 0; i < 10; i++)
        corridor_engine_schedule(e, 10 * (i + 1), 2, i, 0, &h[i]);
    CHECK_EQ_INT(corridor_engine_cancel(e, h[0]), 0);   /* the head */
    CHECK_EQ_INT(corridor_engine_cancel(e, h[4]), 0);
    CHECK_EQ_INT(corridor_engine_cancel(e, h[9]), 0);   /* the last */
    CHECK_EQ_INT(corridor_engine_cancel(e, h[4]), -ENOENT); /* twice */
    CHECK_EQ_INT(corridor_engine_cancel(e, 0), -ENOENT);
    CHECK_EQ_INT(corridor_engine_pending(e), 7);
    CHECK(corridor_engine_peek(e) == 20);
    corridor_sim_event ev;
    uint32_t seen = 0, mask = 0;
    while (corridor_engine_next(e, &ev)) {
        mask |= 1u << ev.target;
        seen++;
    }
    CHECK_EQ_INT(seen, 7);
    CHECK_EQ_INT(mask, 0x3ff & ~(1u << 0 | 1u << 4 | 1u << 9));
    /* a handle of an event that ran, and one whose slot was reused, cancel nothing */
    CHECK_EQ_INT(corridor_engine_cancel(e, h[1]), -ENOENT);
    corridor_sim_handle fresh;
    corridor_engine_schedule(e, 1000, 3, 42, 0, &fresh);
    for (int i = 0; i < 10; i++)
        CHECK_EQ_INT(corridor_engine_cancel(e, h[i]), -ENOENT);
    CHECK_EQ_INT(corridor_engine_pending(e), 1);
    CHECK_EQ_INT(corridor_engine_next(e, &ev), 1);
    CHECK_EQ_INT(ev.target, 42);
    CHECK_EQ_INT(ev.kind, 3);
    corridor_engine_free(&e);
}

/* Interleaved schedule/cancel/next from one seed, twice: the same trace. */
static uint64_t trace_hash(uint64_t seed)
{
    corridor_engine *e = corridor_engine_new(16);
    corridor_rng r;
    corridor_rng_seed(&r, seed, 7, 0);
    corridor_sim_handle hs[64] = {0};
    uint64_t h = 1469598103934665603ull;
    for (int step = 0; step < 50000; step++) {
        uint32_t op = corridor_rng_below(&r, 10);
        if (op < 5) {
            uint64_t t = corridor_engine_now(e) + corridor_rng_below(&r, 50);
            corridor_engine_schedule(e, t, op, (uint32_t)step, t * 3, &hs[step % 64]);
        } else if (op < 7) {
            corridor_engine_cancel(e, hs[corridor_rng_below(&r, 64)]);
        } else {
            corridor_sim_event ev;
            if (corridor_engine_next(e, &ev))
                h = (h ^ (ev.time_us * 31 + ev.target * 7 + ev.kind)) * 1099511628211ull;
        }
    }
    corridor_engine_free(&e);
    return h;
}

static void test_determinism(void)
{
    CHECK(trace_hash(5) == trace_hash(5));
    CHECK(trace_hash(5) != trace_hash(6));
}

static void test_rng_streams(void)
{
    corridor_rng a, b, c;
    corridor_rng_seed(&a, 42, CORRIDOR_RNG_VEHICLE, 1);
    corridor_rng_seed(&b, 42, CORRIDOR_RNG_VEHICLE, 1);
    corridor_rng_seed(&c, 42, CORRIDOR_RNG_VEHICLE, 2);
    uint64_t x = corridor_rng_u64(&a);
    CHECK(x == corridor_rng_u64(&b));
    CHECK(x != corridor_rng_u64(&c));
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double u = corridor_rng_unit(&a);
        CHECK(u >= 0 && u < 1);
        sum += corridor_rng_exp(&b, 2.0);
    }
    CHECK(sum / 100000 > 1.95 && sum / 100000 < 2.05); /* exponential mean */
    for (int i = 0; i < 1000; i++)
        CHECK(corridor_rng_below(&c, 7) < 7);
}

int main(void)
{
    RUN(test_order_and_fifo);
    RUN(test_past_refused);
    RUN(test_cancel);
    RUN(test_determinism);
    RUN(test_rng_streams);
    return TEST_SUMMARY();
}
