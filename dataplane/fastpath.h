/*
 * The per-lcore fast path: parse -> key -> bulk lookup -> action -> per-port transmit
 * buffers. No locks, no allocation: everything a worker touches is its own (buffers,
 * counters) or read-only for it (the table's entries, published with RCU).
 */
#ifndef CORRIDOR_DP_FASTPATH_H
#define CORRIDOR_DP_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "pkt.h"
#include "table.h"

#define CORRIDOR_DP_BURST_MAX 64
#define CORRIDOR_DP_MAX_RXQ 64
#define CORRIDOR_DP_KERNEL_SLOT CORRIDOR_DPT_MAX_PORTS   /* tx buffer index of the kernel */

/* Drop reasons: the parser's reasons first (same index, same name), then the dataplane's. */
enum {
    CORRIDOR_DP_DROP_NO_SESSION_UL = CORRIDOR_PKT_REASON_COUNT, /* unknown TEID/address */
    CORRIDOR_DP_DROP_NO_SESSION_DL,  /* unknown UE address */
    CORRIDOR_DP_DROP_RULE,           /* the rule says drop */
    CORRIDOR_DP_DROP_TTL,            /* TTL/hop limit expired, no exception path */
    CORRIDOR_DP_DROP_GTPU_CTRL,      /* GTP-U signalling, no exception path */
    CORRIDOR_DP_DROP_NO_HEADROOM,    /* headers do not fit in front of the packet */
    CORRIDOR_DP_DROP_SEGMENTED,      /* multi-segment mbuf */
    CORRIDOR_DP_DROP_TX,             /* transmit queue full */
    CORRIDOR_DP_DROP_COUNT
};
const char *corridor_dp_drop_name(unsigned reason);

typedef struct {
    uint64_t rx;
    uint64_t forwarded, breakout, to_kernel, from_kernel;
    uint64_t drops[CORRIDOR_DP_DROP_COUNT];
    uint64_t kernel[CORRIDOR_DP_DROP_COUNT];   /* to_kernel by reason */
    uint64_t port_rx[CORRIDOR_DPT_MAX_PORTS + 1];
    uint64_t port_tx[CORRIDOR_DPT_MAX_PORTS + 1];
    uint64_t last_rx_tsc;
} __rte_cache_aligned corridor_dp_wstats;

typedef struct {
    unsigned id;                          /* reader index in the table, tx queue on every port */
    corridor_dpt *t;
    struct rte_rcu_qsbr *qsbr;
    uint16_t n_ports;
    uint16_t port_id[CORRIDOR_DPT_MAX_PORTS + 1];  /* DPDK port ids; [KERNEL_SLOT] the kernel */
    bool has_kernel;
    uint16_t kernel_return;               /* port index the kernel's packets leave by */
    uint16_t burst;
    corridor_dpt_port ports[CORRIDOR_DPT_MAX_PORTS];  /* our addresses, for "to us" */
    struct { uint16_t idx, queue; } rxq[CORRIDOR_DP_MAX_RXQ];
    uint16_t n_rxq;
    bool poll_kernel;                     /* this worker also reads the kernel port */
    struct rte_mbuf *txb[CORRIDOR_DPT_MAX_PORTS + 1][CORRIDOR_DP_BURST_MAX];
    uint16_t n_txb[CORRIDOR_DPT_MAX_PORTS + 1];
    corridor_dp_wstats st;
    const volatile bool *stop;
} corridor_dp_worker;

/* Classify and act on n <= CORRIDOR_DP_BURST_MAX packets; they end in the transmit buffers
 * or freed (and counted). */
void corridor_dp_process(corridor_dp_worker *w, struct rte_mbuf **pkts, unsigned n);
/* Transmit what the buffers hold; unsent packets are freed and counted (drops_tx). */
void corridor_dp_flush(corridor_dp_worker *w);
/* The lcore loop: rx -> process -> flush -> quiescent, until *stop. */
int corridor_dp_worker_main(void *arg);

#endif
