/*
 * The orchestrator core: the live map of nodes and their liveness. No I/O and no clock reads:
 * every entry point takes `now_ms` (any monotonic millisecond clock), so the daemon drives it
 * from the wall clock and corridor-sim from its event queue.
 *
 * Connections are opaque `peer` strings: the daemon passes the hex ZeroMQ routing id (later the
 * CURVE key), the simulator the node id. A Register binds a peer to a node id; a Report is
 * accepted only from the peer bound to the node it names.
 */
#ifndef CORRIDOR_CORE_H
#define CORRIDOR_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

typedef struct {
    char orchestrator_id[CORRIDOR_ID_MAX + 1];
    uint32_t report_interval_ms;
    uint32_t suspect_after_ms;      /* 0 = 2 x report_interval_ms */
    uint32_t heartbeat_timeout_ms;
    uint32_t max_nodes;
    uint32_t instance_tag;          /* goes into command ids so that they stay unique across
                                       orchestrator restarts (the daemon passes its start time;
                                       the simulator 0) */
} corridor_core_config;

#define CORRIDOR_NODE_HOT_GPUS 8

/* The first fields are what placement reads for every candidate, packed together so that a
 * filter pass touches one or two cache lines per node (see docs/placement.md). */
typedef struct corridor_node {
    corridor_node_state state;
    bool cordoned;                  /* no new placements */
    uint8_t tier;                   /* identity.tier, copied */
    uint8_t n_gpus_hot;             /* GPUs known (reported, else registered; <= 8) */
    int16_t country_code;           /* 0..675, -1 unknown */
    uint32_t plmn_code;
    uint32_t cap_cpu;               /* identity.capacity, copied */
    uint32_t reserved_cpu;          /* millicores held by reservations */
    uint32_t reserved_gpus;
    float cpu_util;                 /* 0..1 from the last report */
    float gpu_util;                 /* 0..1, mean of the reported GPUs */
    uint64_t cap_memory;
    uint64_t reserved_memory;
    uint32_t gpu_free_mib[CORRIDOR_NODE_HOT_GPUS]; /* free memory per GPU, MiB */
    double sin_hlat, cos_hlat, sin_hlon, cos_hlon, cos_lat; /* half-angle trig of lat/lon */
    uint32_t grid_cell;             /* grid cell of its location */
    uint32_t replicas;              /* workload instances placed here */

    corridor_register identity;
    uint64_t last_seen_ms;
    uint64_t registered_ms;
    uint64_t state_since_ms;
    uint32_t reports;
    uint32_t registrations;
    bool has_report;
    corridor_report report;         /* the last one, owned */
    char *peer;                     /* bound connection, owned; NULL when none */
    bool indexed;
    uint32_t index_pos;             /* position in the dense node array */
    double lat_rad, lon_rad;
} corridor_node;

typedef struct {
    uint64_t registrations;         /* accepted Register messages */
    uint64_t reregistrations;       /* of them, for a node already known */
    uint64_t reports;               /* accepted reports */
    uint64_t transitions[3][3];     /* [from][to] liveness transitions */
    uint64_t rejected[CORRIDOR_REJECT_COUNT];
} corridor_core_stats;

typedef enum {
    CORRIDOR_CORE_EV_REGISTERED,
    CORRIDOR_CORE_EV_STATE,         /* liveness transition: from -> to */
} corridor_core_event_kind;

typedef struct {
    corridor_core_event_kind kind;
    const corridor_node *node;
    corridor_node_state from, to;
    uint64_t now_ms;
} corridor_core_event;

typedef void (*corridor_core_observer_fn)(void *ud, const corridor_core_event *ev);

typedef struct corridor_core corridor_core;

corridor_core *corridor_core_new(const corridor_core_config *cfg);
void corridor_core_free(corridor_core **c);
void corridor_core_set_observer(corridor_core *c, corridor_core_observer_fn fn, void *ud);

/* Accept or refuse a node. Always fills *ack. 0 accepted; -ENOSPC (max_nodes reached),
 * -EINVAL (identity fields invalid) with ack->reason set. */
int corridor_core_register(corridor_core *c, uint64_t now_ms, const char *peer,
                           const corridor_register *reg, corridor_register_ack *ack);

/* Take a report. On success the report's arrays move into the core (*rep is zeroed) and 0 is
 * returned; otherwise *rep is untouched and: -ENOENT (peer not registered: the agent should
 * register again), -EPERM (the report names a node other than the peer's). */
int corridor_core_report(corridor_core *c, uint64_t now_ms, const char *peer,
                         corridor_report *rep);

/* Run liveness; returns the number of transitions. */
size_t corridor_core_tick(corridor_core *c, uint64_t now_ms);
/* Milliseconds until the next liveness transition could happen (for poll timeouts). */
uint64_t corridor_core_next_tick_ms(const corridor_core *c, uint64_t now_ms);

/* A connection went away (known for certain only with socket monitoring or CURVE). */
void corridor_core_peer_gone(corridor_core *c, const char *peer);

const corridor_node *corridor_core_node(const corridor_core *c, const char *node_id);
size_t corridor_core_node_count(const corridor_core *c);
size_t corridor_core_count_state(const corridor_core *c, corridor_node_state s);
/* Nodes sorted by id; *out is malloc'ed (free it), its pointers stay valid until the next
 * call that changes the core. */
int corridor_core_nodes_sorted(const corridor_core *c, const corridor_node ***out, size_t *n);

/* Deep-copy a node into a control-API view; with_routes=false leaves routes and links out
 * (n_routes_total still counts them). Free with the reply, or corridor_report_fini(&v->report). */
int corridor_core_node_view(const corridor_node *n, uint64_t now_ms, bool with_routes,
                            corridor_node_view *v);

corridor_core_stats *corridor_core_stats_get(corridor_core *c);
/* The node a connection speaks for, or NULL. */
const corridor_node *corridor_core_node_by_peer(const corridor_core *c, const char *peer);
const corridor_core_config *corridor_core_config_get(const corridor_core *c);

#endif
