/* corridorctl output: terminal tables and JSON, from control replies. */
#ifndef CORRIDOR_CTL_RENDER_H
#define CORRIDOR_CTL_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "msg.h"

void corridor_ctl_render_nodes(FILE *f, const corridor_control_reply *r, bool json, bool color);
void corridor_ctl_render_node(FILE *f, const corridor_node_view *v, bool json, bool color);
void corridor_ctl_render_stats(FILE *f, const corridor_control_reply *r, bool json);

void corridor_ctl_render_workloads(FILE *f, const corridor_control_reply *r, bool json,
                                   bool color);
void corridor_ctl_render_workload(FILE *f, const corridor_workload_view *v, bool json,
                                  bool color, bool explain);
void corridor_ctl_render_result(FILE *f, const corridor_control_reply *r, bool json);
/* "0/12 nodes available: 7 latency (6.2 ms over 5 ms budget), 3 country (...)" */
void corridor_ctl_explain_line(const corridor_workload_view *v, char *buf, size_t len);

#endif
