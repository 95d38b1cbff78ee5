/*
 * The simulator's latency model (docs/simulator.md, "Latency"): what a request from a vehicle
 * actually sees, one way, in microseconds. It is the ground truth SLA compliance is measured
 * against; the orchestrator core has its own, coarser estimate for placement.
 *
 *   radio (the serving cell's) + fibre (us/km x route factor x great-circle km, cell to node)
 *   + hops x hop_us + (node's operator != serving operator: interconnect hops and delay)
 *   + the site's internal latency (per tier) + queueing at the node (M/M/c, Erlang C)
 */
#ifndef CORRIDOR_SIM_LATENCY_H
#define CORRIDOR_SIM_LATENCY_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

/* Everything but queueing: fixed while the vehicle stays on one cell and node. */
double corridor_latency_path_us(const corridor_scenario *s, uint32_t cell, uint32_t node);

/* Mean wait in queue for an M/M/c server: c servers, arrivals lambda per second, mean service
 * time service_s. Infinity when lambda >= c / service_s (the queue grows without bound). */
double corridor_latency_erlang_c_wait_s(uint32_t c, double lambda, double service_s);
/* Erlang C: the probability that an arrival waits. */
double corridor_latency_erlang_c(uint32_t c, double offered_erlangs);

#endif
