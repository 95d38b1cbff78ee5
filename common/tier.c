#include "tier.h"

#include <errno.h>
#include <string.h>

const char *const corridor_tier_names[CORRIDOR_TIER_COUNT + 1] = {
    "near-premise", "far-edge", "near-edge", "metro-edge", "cloud", NULL,
};

static const uint32_t tier_latency_us[CORRIDOR_TIER_COUNT] = {1000, 5000, 10000, 20000, 20000};
static const uint32_t tier_reach_km[CORRIDOR_TIER_COUNT] = {5, 100, 500, 1000, 1000};

const char *corridor_tier_name(corridor_tier t)
{
    return (unsigned)t < CORRIDOR_TIER_COUNT ? corridor_tier_names[t] : "unknown";
}

int corridor_tier_parse(const char *s, corridor_tier *out)
{
    for (int i = 0; i < CORRIDOR_TIER_COUNT; i++) {
        if (strcmp(s, corridor_tier_names[i]) == 0) {
            *out = (corridor_tier)i;
            return 0;
        }
    }
    return -EINVAL;
}

uint32_t corridor_tier_latency_us(corridor_tier t)
{
    return (unsigned)t < CORRIDOR_TIER_COUNT ? tier_latency_us[t] : 0;
}

uint32_t corridor_tier_reach_km(corridor_tier t)
{
    return (unsigned)t < CORRIDOR_TIER_COUNT ? tier_reach_km[t] : 0;
}
