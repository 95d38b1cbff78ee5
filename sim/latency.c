#include "latency.h"

#include <math.h>

double corridor_latency_path_us(const corridor_scenario *s, uint32_t cell, uint32_t node)
{
    const sim_cell_info *ci = &s->cell_info[cell];
    const sim_node *n = &s->nodes[node];
    const sim_latency_cfg *l = &s->latency;
    double km = corridor_geo_haversine_km(ci->lat, ci->lon, n->lat, n->lon);
    double us = ci->radio_us + l->fibre_us_per_km * l->route_factor * km + l->hop_us * l->hops +
                l->site_us[n->tier];
    if (s->cells[cell].op != n->op)
        us += l->interconnect_us + l->hop_us * l->interconnect_hops;
    return us;
}

double corridor_latency_erlang_c(uint32_t c, double a)
{
    if (c == 0)
        return 1;
    if (a >= c)
        return 1;
    /* the Erlang B recursion, then C from B: stable for any c, no factorials */
    double b = 1;
    for (uint32_t k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    double rho = a / c;
    return b / (1 - rho + rho * b);
}

double corridor_latency_erlang_c_wait_s(uint32_t c, double lambda, double service_s)
{
    if (lambda <= 0 || service_s <= 0)
        return 0;
    if (c == 0)
        return INFINITY;
    double mu = 1.0 / service_s, a = lambda / mu;
    if (a >= c)
        return INFINITY;
    return corridor_latency_erlang_c(c, a) / (c * mu - lambda);
}
