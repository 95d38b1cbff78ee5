/* The five latency tiers of the IPCEI-CIC project description, Table 1. */
#ifndef CORRIDOR_TIER_H
#define CORRIDOR_TIER_H

#include <stdint.h>

typedef enum {
    CORRIDOR_TIER_NEAR_PREMISE = 0,
    CORRIDOR_TIER_FAR_EDGE,
    CORRIDOR_TIER_NEAR_EDGE,
    CORRIDOR_TIER_METRO_EDGE,
    CORRIDOR_TIER_CLOUD,
    CORRIDOR_TIER_COUNT
} corridor_tier;

/* "near-premise", "far-edge", "near-edge", "metro-edge", "cloud"; NULL-terminated */
extern const char *const corridor_tier_names[CORRIDOR_TIER_COUNT + 1];

const char *corridor_tier_name(corridor_tier t);
int corridor_tier_parse(const char *s, corridor_tier *out); /* 0 or -EINVAL */
/* One-way latency bound of the tier in microseconds (cloud: the 20 ms floor). */
uint32_t corridor_tier_latency_us(corridor_tier t);
/* Nominal reach of the tier in km (cloud: 1000, its floor). */
uint32_t corridor_tier_reach_km(corridor_tier t);

#endif
