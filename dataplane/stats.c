/* Counters: by name for DataplaneStats and telemetry, and the periodic stats line. Workers
 * write their own counters without atomics; readers here load them relaxed (64-bit aligned
 * loads do not tear on the platforms DPDK supports). */
#include "app_internal.h"

#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "clock.h"
#include "log.h"

#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

typedef struct {
    uint64_t rx, tx, forwarded, breakout, to_kernel, from_kernel, drops;
    uint64_t drop[CORRIDOR_DP_DROP_COUNT], kernel[CORRIDOR_DP_DROP_COUNT];
    uint64_t port_rx[CORRIDOR_DPT_MAX_PORTS + 1], port_tx[CORRIDOR_DPT_MAX_PORTS + 1];
} totals;

static void sum(const corridor_dp_app *a, totals *t)
{
    memset(t, 0, sizeof *t);
    for (unsigned w = 0; w < a->n_workers; w++) {
        const corridor_dp_wstats *s = &a->workers[w].st;
        t->rx += LD(s->rx);
        t->forwarded += LD(s->forwarded);
        t->breakout += LD(s->breakout);
        t->to_kernel += LD(s->to_kernel);
        t->from_kernel += LD(s->from_kernel);
        for (unsigned r = 1; r < CORRIDOR_DP_DROP_COUNT; r++) {
            uint64_t d = LD(s->drops[r]);
            t->drop[r] += d;
            t->drops += d;
            t->kernel[r] += LD(s->kernel[r]);
        }
        for (unsigned p = 0; p <= CORRIDOR_DPT_MAX_PORTS; p++) {
            t->port_rx[p] += LD(s->port_rx[p]);
            uint64_t x = LD(s->port_tx[p]);
            t->port_tx[p] += x;
            t->tx += x;
        }
    }
}

static size_t put(corridor_stat *out, size_t cap, size_t n, const char *name, uint64_t v)
{
    if (n < cap) {
        snprintf(out[n].name, sizeof out[n].name, "%s", name);
        out[n].value = v;
    }
    return n + 1;
}

size_t corridor_dp_app_stats(const corridor_dp_app *a, corridor_stat *out, size_t cap)
{
    totals t;
    sum(a, &t);
    size_t n = 0;
    char name[64];
    /* a restart (counters back to zero) tells itself from a wrap by this */
    n = put(out, cap, n, "uptime_ms", (corridor_clock_mono_us() - a->start_us) / 1000);
    n = put(out, cap, n, "rx_packets", t.rx);
    n = put(out, cap, n, "tx_packets", t.tx);
    n = put(out, cap, n, "forwarded", t.forwarded);
    n = put(out, cap, n, "breakout", t.breakout);
    n = put(out, cap, n, "to_kernel", t.to_kernel);
    /* why packets went to the kernel: the reasons the fast path sends there */
    static const unsigned kernel_reasons[] = {
        CORRIDOR_PKT_NOT_IP, CORRIDOR_DP_DROP_GTPU_CTRL, CORRIDOR_PKT_FRAGMENT,
        CORRIDOR_DP_DROP_TTL, CORRIDOR_DP_DROP_NO_SESSION_DL, CORRIDOR_DP_DROP_RULE,
    };
    for (size_t i = 0; i < sizeof kernel_reasons / sizeof kernel_reasons[0]; i++) {
        snprintf(name, sizeof name, "to_kernel_%s", corridor_dp_drop_name(kernel_reasons[i]));
        n = put(out, cap, n, name, t.kernel[kernel_reasons[i]]);
    }
    n = put(out, cap, n, "from_kernel", t.from_kernel);
    n = put(out, cap, n, "drops", t.drops);
    for (unsigned r = 1; r < CORRIDOR_DP_DROP_COUNT; r++) {
        snprintf(name, sizeof name, "drops_%s", corridor_dp_drop_name(r));
        n = put(out, cap, n, name, t.drop[r]);
    }
    for (unsigned p = 0; p < a->n_ports; p++) {
        struct rte_eth_stats es;
        memset(&es, 0, sizeof es);
        rte_eth_stats_get(a->port_id[p], &es);
        snprintf(name, sizeof name, "port%u_rx_packets", p);
        n = put(out, cap, n, name, t.port_rx[p]);
        snprintf(name, sizeof name, "port%u_tx_packets", p);
        n = put(out, cap, n, name, t.port_tx[p]);
        snprintf(name, sizeof name, "port%u_rx_missed", p);
        n = put(out, cap, n, name, es.imissed);
        snprintf(name, sizeof name, "port%u_rx_nombuf", p);
        n = put(out, cap, n, name, es.rx_nombuf);
    }
    /* per worker, so that how RSS spread the load (and that each queue has a reader) shows */
    for (unsigned w = 0; w < a->n_workers; w++) {
        const corridor_dp_wstats *s = &a->workers[w].st;
        uint64_t tx = 0;
        for (unsigned p = 0; p <= CORRIDOR_DPT_MAX_PORTS; p++)
            tx += LD(s->port_tx[p]);
        snprintf(name, sizeof name, "worker%u_rx_packets", w);
        n = put(out, cap, n, name, LD(s->rx));
        snprintf(name, sizeof name, "worker%u_tx_packets", w);
        n = put(out, cap, n, name, tx);
    }
    n = put(out, cap, n, "rules", corridor_dpt_count(a->t));
    if (a->ctl) {
        const corridor_dp_ctl_stats *c = corridor_dp_ctl_stats_get(a->ctl);
        n = put(out, cap, n, "ctl_msgs_in", c->msgs_in);
        n = put(out, cap, n, "ctl_rule_updates", c->rule_updates);
        n = put(out, cap, n, "ctl_ops_applied", c->ops_applied);
        n = put(out, cap, n, "ctl_ops_failed", c->ops_failed);
        for (unsigned r = 1; r < CORRIDOR_REJECT_COUNT; r++) {
            snprintf(name, sizeof name, "ctl_rejected_%s", corridor_reject_name(r));
            n = put(out, cap, n, name, c->rejected[r]);
        }
    }
    return n < cap ? n : cap;
}

int corridor_dp_app_rule_stats(const corridor_dp_app *a, uint64_t rule_id, uint64_t *pkts,
                               uint64_t *bytes)
{
    return corridor_dpt_rule_stats(a->t, rule_id, pkts, bytes);
}

void corridor_dp_app_log_stats(corridor_dp_app *a, const char *what)
{
    totals t;
    sum(a, &t);
    uint64_t now = corridor_clock_mono_us();
    double dt = (double)(now - a->last_stats_us) / 1e6;
    double rx_mpps = dt > 0 ? (double)(t.rx - a->last_rx) / dt / 1e6 : 0;
    double tx_mpps = dt > 0 ? (double)(t.tx - a->last_tx) / dt / 1e6 : 0;
    /* every worker's cycles over the packets received: the whole loop's cost per packet
     * while the workers are busy (they poll, so idle time counts too) */
    double cyc_pkt = t.rx > a->last_rx ? dt * (double)rte_get_tsc_hz() * a->n_workers /
                                             (double)(t.rx - a->last_rx)
                                       : 0;
    a->last_stats_us = now;
    a->last_rx = t.rx;
    a->last_tx = t.tx;
    /* the three largest drop reasons, so a glance says why */
    char top[160] = "";
    size_t off = 0;
    bool used[CORRIDOR_DP_DROP_COUNT] = {false};
    for (int k = 0; k < 3; k++) {
        unsigned best = 0;
        for (unsigned r = 1; r < CORRIDOR_DP_DROP_COUNT; r++)
            if (!used[r] && t.drop[r] > (best ? t.drop[best] : 0))
                best = r;
        if (!best)
            break;
        used[best] = true;
        int w = snprintf(top + off, sizeof top - off, "%s%s:%llu", off ? "," : "",
                         corridor_dp_drop_name(best), (unsigned long long)t.drop[best]);
        if (w > 0 && (size_t)w < sizeof top - off)
            off += (size_t)w;
    }
    CLOG_INFO("dataplane", what,
              "rx=%llu tx=%llu forwarded=%llu breakout=%llu to_kernel=%llu drops=%llu "
              "top_drops=%s rules=%zu rx_mpps=%.3f tx_mpps=%.3f cycles_per_pkt=%.0f",
              (unsigned long long)t.rx, (unsigned long long)t.tx,
              (unsigned long long)t.forwarded, (unsigned long long)t.breakout,
              (unsigned long long)t.to_kernel, (unsigned long long)t.drops,
              top[0] ? top : "-", corridor_dpt_count(a->t), rx_mpps, tx_mpps, cyc_pkt);
}

/* ---- DPDK telemetry: dpdk-telemetry.py, then /corridor/stats ---- */

static corridor_dp_app *tel_app;

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
    (void)cmd;
    (void)params;
    corridor_stat st[256];
    corridor_dp_app *a = __atomic_load_n(&tel_app, __ATOMIC_ACQUIRE);
    rte_tel_data_start_dict(d);
    if (!a)
        return 0;
    size_t n = corridor_dp_app_stats(a, st, sizeof st / sizeof st[0]);
    for (size_t i = 0; i < n; i++)
        rte_tel_data_add_dict_u64(d, st[i].name, st[i].value);
    return 0;
}

void corridor_dp_stats_telemetry(corridor_dp_app *a)
{
    static bool registered;
    __atomic_store_n(&tel_app, a, __ATOMIC_RELEASE);
    if (!registered)
        registered = rte_telemetry_register_cmd("/corridor/stats", tel_stats,
                                                "Corridor dataplane counters. No parameters") == 0;
}

void corridor_dp_stats_telemetry_clear(corridor_dp_app *a)
{
    corridor_dp_app *cur = a;
    __atomic_compare_exchange_n(&tel_app, &cur, NULL, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
