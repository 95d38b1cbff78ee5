/* RTT to peer nodes: a ROUTER that answers other agents' PINGs (rtt.listen) and a DEALER per
 * configured peer (rtt.peers) that pings it, smoothed like the orchestrator's RTT. */
#ifndef CORRIDOR_AGENT_PEERS_H
#define CORRIDOR_AGENT_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "agent_config.h"
#include "msg.h"
#include "transport.h"

typedef struct {
    uint64_t pings_answered;   /* PINGs from other agents answered on rtt.listen */
    uint64_t rejected_in;      /* frames refused on rtt.listen or from a peer (counted, dropped) */
    uint64_t pings_sent, pongs;/* to / from the configured peers */
    uint64_t send_failures;    /* a ping could not be queued (peer not connected) */
} corridor_peers_stats;

typedef struct corridor_peers corridor_peers;

/* Binds cfg->rtt_listen (if set) and connects one DEALER per cfg->rtt_peers entry on tr.
 * NULL with a message in err when the listen endpoint cannot be bound. */
corridor_peers *corridor_peers_new(corridor_transport *tr, const corridor_agent_config *cfg,
                                   char *err, size_t errlen);
void corridor_peers_free(corridor_peers **p);

/* Sends the pings that are due at now_ms (monotonic) and sets *next_ms to when the next one
 * is due (UINT64_MAX when no peer is pinged). Returns 1 when a peer became unreachable (worth
 * a report now), else 0. */
int corridor_peers_tick(corridor_peers *p, uint64_t now_ms, uint64_t *next_ms);

/* The sockets to poll (listener first, then one per peer); returns how many were written. */
size_t corridor_peers_socks(const corridor_peers *p, corridor_sock **out, size_t max);
/* One of those sockets is readable: answer pings / take pongs from it. Returns 1 when a peer
 * became reachable, else 0. */
int corridor_peers_on_readable(corridor_peers *p, corridor_sock *s);

/* The peers' RTT and reachability into r->peers. */
void corridor_peers_collect(const corridor_peers *p, corridor_report *r);
const corridor_peers_stats *corridor_peers_stats_get(const corridor_peers *p);

#endif
