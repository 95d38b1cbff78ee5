/* `corridorctl command NODE ...`: build the Command a node's agent will run. */
#ifndef CORRIDOR_CTL_CMD_NODE_H
#define CORRIDOR_CTL_CMD_NODE_H

#include <stddef.h>

#include "msg.h"

/* argv[0] is the node id, argv[1] the verb (start, stop, ...). Fills req (kind NODE_COMMAND,
 * heap args/env: corridor_control_request_fini). 0, or -EINVAL with a message in err. */
int corridor_ctl_parse_node_command(int argc, char **argv, corridor_control_request *req,
                                    char *err, size_t errlen);
/* One line per verb, for corridorctl's usage text. */
extern const char corridor_ctl_node_command_usage[];

#endif
