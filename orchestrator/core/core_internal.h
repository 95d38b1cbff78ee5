/* The core's state, shared by the files of orchestrator/core (not by anything outside). */
#ifndef CORRIDOR_CORE_INTERNAL_H
#define CORRIDOR_CORE_INTERNAL_H

#include "core.h"
#include "liveness.h"
#include "hashmap.h"
#include "node_index.h"
#include "placement.h"

struct corridor_workloads; /* workloads.c */

struct corridor_core {
    corridor_core_config cfg;
    corridor_liveness_params live;
    corridor_hashmap *nodes;        /* node id -> corridor_node */
    corridor_hashmap *peers;        /* peer -> corridor_node (the node it speaks for) */
    corridor_node_index index;
    corridor_core_stats stats;
    corridor_core_observer_fn observer;
    void *observer_ud;

    corridor_place_config place;
    corridor_hashmap *reservations; /* instance id -> reservation (placement.c) */
    struct corridor_workloads *wl;  /* workloads.c */
};

/* placement.c */
int corridor_place_init(corridor_core *c);
void corridor_place_fini(corridor_core *c);
size_t corridor_place_expire(corridor_core *c, uint64_t now_ms);

/* workloads.c */
int corridor_workloads_init(corridor_core *c);
void corridor_workloads_fini(corridor_core *c);
void corridor_workloads_on_state(corridor_core *c, corridor_node *n, corridor_node_state to,
                                 uint64_t now_ms);
void corridor_workloads_on_report(corridor_core *c, corridor_node *n, uint64_t now_ms);
size_t corridor_workloads_tick(corridor_core *c, uint64_t now_ms);

#endif
