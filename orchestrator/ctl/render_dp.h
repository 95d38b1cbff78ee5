/* corridorctl: a node's dataplane (Report.dataplane) as text and JSON. */
#ifndef CORRIDOR_CTL_RENDER_DP_H
#define CORRIDOR_CTL_RENDER_DP_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "msg.h"

/* The "dataplane:" block of `corridorctl node`: nothing when d is NULL. */
void corridor_ctl_render_dp_text(FILE *f, const corridor_dp_summary *d, bool color);
/* "dataplane": {id, endpoint, reachable, last_answer_ms_ago, counters{name: value}}, or null. */
void corridor_ctl_render_dp_json(corridor_json *j, const corridor_dp_summary *d);

#endif
