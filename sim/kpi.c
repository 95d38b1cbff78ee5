#include "kpi.h"

#include <math.h>
#include <string.h>

const char *const sim_change_kind_names[SIM_CHANGE_KINDS] = {
    "intra-operator", "inter-operator", "cross-border",
};

static size_t bucket_of(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 0x1p62)
        return SIM_HIST_BUCKETS - 1;
    uint64_t x = (uint64_t)v;
    if (x < SIM_HIST_SUB)
        return (size_t)x;
    int e = 63 - __builtin_clzll(x);           /* >= 5 */
    size_t mant = (size_t)((x >> (e - 5)) - SIM_HIST_SUB);
    size_t b = SIM_HIST_SUB + (size_t)(e - 5) * SIM_HIST_SUB + mant;
    return b < SIM_HIST_BUCKETS ? b : SIM_HIST_BUCKETS - 1;
}

static void bucket_range(size_t b, double *lo, double *hi)
{
    if (b < SIM_HIST_SUB) {
        *lo = (double)b;
        *hi = (double)b + 1;
        return;
    }
    size_t e = (b - SIM_HIST_SUB) / SIM_HIST_SUB + 5, mant = (b - SIM_HIST_SUB) % SIM_HIST_SUB;
    *lo = ldexp((double)(SIM_HIST_SUB + mant), (int)e - 5);
    *hi = ldexp((double)(SIM_HIST_SUB + mant + 1), (int)e - 5);
}

void sim_hist_add(sim_hist *h, double value, double weight)
{
    h->w[bucket_of(value)] += weight;
    h->total += weight;
    if (value > h->max)
        h->max = value;
}

double sim_hist_quantile(const sim_hist *h, double q)
{
    if (h->total <= 0)
        return 0;
    double want = q * h->total, acc = 0;
    for (size_t b = 0; b < SIM_HIST_BUCKETS; b++) {
        acc += h->w[b];
        if (acc >= want && h->w[b] > 0) {
            double lo, hi;
            bucket_range(b, &lo, &hi);
            double mid = b < SIM_HIST_SUB ? lo : (lo + hi) / 2;
            return mid < h->max ? mid : h->max;
        }
    }
    return h->max;
}

void sim_hist_merge(sim_hist *into, const sim_hist *from)
{
    for (size_t b = 0; b < SIM_HIST_BUCKETS; b++)
        into->w[b] += from->w[b];
    into->total += from->total;
    if (from->max > into->max)
        into->max = from->max;
}
