/*
 * UPF routing collector (libnl lives only under agent/netlink/): the IPv4 and IPv6 unicast
 * routes of the watched tables and/or output interfaces, the watched links' state, MTU and
 * counters, and the neighbour entries of watched gateways. A libnl cache manager keeps the
 * caches current from route/link notifications; its fd goes in the agent's poll loop so a
 * change can be reported at once. corridor_nlwatch_resync re-dumps everything (heals lost
 * notifications, e.g. after the socket buffer overflowed).
 */
#ifndef CORRIDOR_NL_WATCH_H
#define CORRIDOR_NL_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

#define CORRIDOR_NL_MAX_TABLES 16
#define CORRIDOR_NL_MAX_IFACES 32

typedef struct {
    uint32_t tables[CORRIDOR_NL_MAX_TABLES];          /* routes of these tables */
    size_t n_tables;
    char interfaces[CORRIDOR_NL_MAX_IFACES][CORRIDOR_IFNAME_MAX + 1]; /* links reported; routes
                                                          out of them reported too */
    size_t n_interfaces;
    char gateways[CORRIDOR_MAX_NEIGHBOURS][CORRIDOR_ADDR_MAX + 1]; /* neighbour entries */
    size_t n_gateways;
    uint32_t max_routes;                              /* report at most this many */
} corridor_nlwatch_config;

typedef struct {
    uint64_t notifications;      /* route/link/neigh change callbacks */
    uint64_t relevant_changes;   /* of them, about watched routes/links */
    uint64_t resyncs, overflows; /* full re-dumps; of them, forced by a lost notification */
    uint64_t routes_truncated;   /* reports cut at max_routes */
} corridor_nlwatch_stats;

typedef struct corridor_nlwatch corridor_nlwatch;

corridor_nlwatch *corridor_nlwatch_new(const corridor_nlwatch_config *cfg, char *err,
                                       size_t errlen);
void corridor_nlwatch_free(corridor_nlwatch **w);
int corridor_nlwatch_fd(const corridor_nlwatch *w);
/* Read pending notifications: 1 when a watched route or link changed, 0 if not, -errno.
 * A lost notification (socket overflow) triggers a resync and counts as a change. */
int corridor_nlwatch_on_fd(corridor_nlwatch *w);
/* Re-dump routes, links and neighbours. 0 or -errno. */
int corridor_nlwatch_resync(corridor_nlwatch *w);
/* Fill r->routes, r->links (heap) and r->neighbours; link counters are refreshed here.
 * 0 or -errno. */
int corridor_nlwatch_collect(corridor_nlwatch *w, corridor_report *r);
const corridor_nlwatch_stats *corridor_nlwatch_stats_get(const corridor_nlwatch *w);

#endif
