/* The node's corridor-dataplane, polled for its counters (config section `dataplane:`): a
 * DEALER to the dataplane's control ROUTER sends DataplaneStatsRequest every interval and
 * keeps the last answer for Report.dataplane. Never blocks the agent's loop: one request in
 * flight at a time, an answer later than timeout_ms is a miss, and misses back off. */
#ifndef CORRIDOR_AGENT_DPSTATS_H
#define CORRIDOR_AGENT_DPSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "agent_config.h"
#include "msg.h"
#include "transport.h"

typedef struct {
    uint64_t polls_sent;       /* requests handed to ZeroMQ */
    uint64_t answers;          /* DataplaneStats that answered the request in flight */
    uint64_t misses;           /* requests unanswered within timeout_ms, or not sendable */
    uint64_t late;             /* answers to an older request (after its timeout): dropped */
    uint64_t rejected_in;      /* undecodable, multipart, too large, wrong type: dropped */
    uint64_t errors_received;  /* Error replies from the dataplane */
    uint64_t transitions;      /* reachable <-> unreachable */
} corridor_dpstats_stats;

typedef struct corridor_dpstats corridor_dpstats;

/* Connects a DEALER to cfg->dp_endpoint on tr (ZeroMQ connects in the background, so a
 * dataplane that is not up yet is no error). NULL with a message in err on a bad endpoint. */
corridor_dpstats *corridor_dpstats_new(corridor_transport *tr, const corridor_agent_config *cfg,
                                       char *err, size_t errlen);
void corridor_dpstats_free(corridor_dpstats **d);

/* Sends the poll that is due at now_ms (monotonic), times out the one in flight, and sets
 * *next_ms to when it wants to be called again (UINT64_MAX when d is NULL). Returns 1 when
 * the dataplane became unreachable (worth a report now), else 0. */
int corridor_dpstats_tick(corridor_dpstats *d, uint64_t now_ms, uint64_t *next_ms);

/* The socket to poll (NULL when d is NULL). */
corridor_sock *corridor_dpstats_sock(const corridor_dpstats *d);
/* The socket is readable: take the answers. Returns 1 when the dataplane became reachable. */
int corridor_dpstats_on_readable(corridor_dpstats *d, uint64_t now_ms);

/* The summary for a report: r->dataplane is allocated (replacing none) when d is not NULL.
 * 0, or -ENOMEM (r->dataplane stays NULL). */
int corridor_dpstats_collect(const corridor_dpstats *d, uint64_t now_ms, corridor_report *r);
const corridor_dpstats_stats *corridor_dpstats_stats_get(const corridor_dpstats *d);

/* The counters an operator reads, chosen from a DataplaneStats list into out (at most cap,
 * in the dataplane's order): totals, rules, and each drops_<reason> that is not zero.
 * Returns how many were written. */
size_t corridor_dpstats_select(const corridor_stat *in, size_t n, corridor_stat *out,
                               size_t cap);

#endif
