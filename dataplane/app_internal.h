/* The app's state, shared by app.c, stats.c and control.c only. */
#ifndef CORRIDOR_DP_APP_INTERNAL_H
#define CORRIDOR_DP_APP_INTERNAL_H

#include <stdbool.h>

#include <rte_mempool.h>

#include "app.h"
#include "control.h"
#include "fastpath.h"
#include "table.h"

#define CORRIDOR_DP_MAX_WORKERS 64

struct corridor_dp_app {
    const corridor_dp_config *cfg;
    struct rte_mempool *mp;
    uint16_t port_id[CORRIDOR_DPT_MAX_PORTS + 1];   /* [KERNEL_SLOT]: the exception port */
    bool port_started[CORRIDOR_DPT_MAX_PORTS + 1];
    uint16_t n_ports;
    bool has_kernel;
    corridor_dpt_port ports[CORRIDOR_DPT_MAX_PORTS];
    corridor_dpt *t;
    corridor_dp_worker *workers;
    unsigned n_workers;
    unsigned lcores[CORRIDOR_DP_MAX_WORKERS];
    volatile bool stop;
    corridor_dp_ctl *ctl;
    uint64_t start_us;             /* when the app was created: uptime_ms */
    /* rates for the stats line */
    uint64_t last_stats_us, last_rx, last_tx;
};

/* stats.c: DPDK telemetry command /corridor/stats for this app (one app per process). */
void corridor_dp_stats_telemetry(corridor_dp_app *a);
void corridor_dp_stats_telemetry_clear(corridor_dp_app *a);

#endif
