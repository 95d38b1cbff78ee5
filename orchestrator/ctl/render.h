/* corridorctl output: terminal tables and JSON, from control replies. */
#ifndef CORRIDOR_CTL_RENDER_H
#define CORRIDOR_CTL_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "msg.h"

void corridor_ctl_render_nodes(FILE *f, const corridor_control_reply *r, bool json, bool color);
void corridor_ctl_render_node(FILE *f, const corridor_node_view *v, bool json, bool color);
void corridor_ctl_render_stats(FILE *f, const corridor_control_reply *r, bool json);

#endif
