#include "liveness.h"

corridor_node_state corridor_liveness_state(const corridor_liveness_params *p, uint64_t silence_ms)
{
    if (silence_ms >= p->dead_after_ms)
        return CORRIDOR_NODE_DEAD;
    if (silence_ms >= p->suspect_after_ms)
        return CORRIDOR_NODE_SUSPECT;
    return CORRIDOR_NODE_ALIVE;
}

uint64_t corridor_liveness_next_change_ms(const corridor_liveness_params *p, uint64_t silence_ms)
{
    if (silence_ms < p->suspect_after_ms)
        return p->suspect_after_ms - silence_ms;
    if (silence_ms < p->dead_after_ms)
        return p->dead_after_ms - silence_ms;
    return UINT64_MAX;
}
