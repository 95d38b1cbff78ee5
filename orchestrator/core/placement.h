/*
 * Placement: choose nodes for a workload by latency tier, GPU load, capacity and sovereignty.
 * Part of orchestrator/core: no I/O, the clock passed in. See docs/placement.md.
 *
 * A decision filters nodes (each rejection has a reason code), scores the feasible ones, and
 * reserves capacity on the chosen nodes at once, so a burst of decisions never over-commits a
 * node; a reservation is confirmed when the agent reports the instance running, and expires
 * if it never does. Nodes are indexed by a spatial grid (and per country): a decision scans
 * rings of grid cells outwards from the anchor and stops one ring after it has enough
 * feasible candidates, instead of scanning every node.
 */
#ifndef CORRIDOR_PLACEMENT_H
#define CORRIDOR_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "msg.h"

typedef enum {
    CORRIDOR_REJ_NOT_ALIVE = 0,
    CORRIDOR_REJ_CORDONED,      /* cordoned or draining */
    CORRIDOR_REJ_LATENCY,       /* estimated one-way latency over the budget */
    CORRIDOR_REJ_COUNTRY,       /* country not in the allowed list */
    CORRIDOR_REJ_OPERATOR,      /* operator not in the allowed list */
    CORRIDOR_REJ_CPU,
    CORRIDOR_REJ_MEMORY,
    CORRIDOR_REJ_GPUS,          /* not enough free GPUs */
    CORRIDOR_REJ_GPU_MEMORY,    /* no free GPU with enough free memory */
    CORRIDOR_REJ_REPLICA,       /* already runs a replica of this workload */
    CORRIDOR_REJ_COUNT
} corridor_reject_code;

/* "not_alive", "cordoned", "latency", "country", "operator", "cpu", "memory", "gpus",
 * "gpu_memory", "replica" */
const char *corridor_reject_code_name(corridor_reject_code r);

typedef struct {
    double latency, gpu, cpu, spread, stickiness;   /* score weights; need not sum to 1 */
} corridor_place_weights;

typedef struct {
    corridor_place_weights weights;
    uint32_t reservation_ttl_ms;     /* unconfirmed reservations expire after this */
    uint32_t min_candidates;         /* feasible nodes to find before the search may stop */
} corridor_place_config;

void corridor_place_config_default(corridor_place_config *c);
void corridor_core_set_place_config(corridor_core *c, const corridor_place_config *pc);

#define CORRIDOR_PLACE_MAX_REPLICAS 64

typedef struct {
    uint32_t n_chosen;               /* <= replicas asked for; less when not enough nodes fit */
    const corridor_node *chosen[CORRIDOR_PLACE_MAX_REPLICAS];
    corridor_score_view scores[CORRIDOR_PLACE_MAX_REPLICAS];
    uint32_t nodes_total;            /* nodes in the registry */
    uint32_t nodes_scanned;          /* nodes the index handed to the filters */
    uint32_t nodes_feasible;         /* of those, passing every filter */
    uint32_t rejected[CORRIDOR_REJ_COUNT];
    /* closest miss per reason, as text: "6.2 ms over 5 ms budget" (explain only) */
    char detail[CORRIDOR_REJ_COUNT][96];
} corridor_placement;

/* What the caller knows about where the workload is now. */
typedef struct {
    const char *const *exclude;      /* nodes that must not be chosen (they hold replicas of
                                        this workload already, or just failed it) */
    size_t n_exclude;
    const char *prefer;              /* the node this replica runs on now (stickiness), or NULL */
} corridor_place_hints;

/* Choose nodes for `replicas` instances named "<workload_id>-<first_replica + k>" and reserve
 * their capacity. 0 when all were placed, -ENOSPC when fewer (out says how many and why the
 * rest failed), -EINVAL for a spec without a latency budget. hints may be NULL. */
int corridor_place_decide(corridor_core *c, uint64_t now_ms, const corridor_workload_spec *spec,
                          const char *workload_id, uint32_t first_replica, uint32_t replicas,
                          const corridor_place_hints *hints, corridor_placement *out);

/* Like decide for spec->replicas, but scans every node, fills the per-reason details, and
 * reserves nothing. */
int corridor_place_explain(corridor_core *c, uint64_t now_ms,
                           const corridor_workload_spec *spec, const corridor_place_hints *hints,
                           corridor_placement *out);

/* Reserve for an instance on a given node without a decision (re-adopting a running
 * instance after an orchestrator restart). */
int corridor_place_reserve(corridor_core *c, uint64_t now_ms, const corridor_workload_spec *spec,
                           const char *node_id, const char *instance_id);

/* The estimated one-way latency from a node to the spec's anchor, and whether it came from
 * a measurement (the agent's RTT) rather than the model. */
double corridor_place_latency_us(const corridor_node *n, const corridor_workload_spec *spec,
                                 bool *measured);
/* The spec's one-way budget in microseconds. */
uint32_t corridor_place_budget_us(const corridor_workload_spec *spec);

/* Reservations: confirm when the agent reports the instance running; release when it stops
 * or is deleted; unconfirmed ones expire in corridor_core_tick after reservation_ttl_ms. */
int corridor_place_confirm(corridor_core *c, const char *instance_id);
int corridor_place_release(corridor_core *c, const char *instance_id);
size_t corridor_place_reservations(const corridor_core *c);

/* Cordon: no new placements on the node (existing ones stay). */
int corridor_core_cordon(corridor_core *c, const char *node_id, bool cordoned);

#endif
