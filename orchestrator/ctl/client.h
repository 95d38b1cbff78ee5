/* The control API client used by corridorctl: one request, one reply, bounded wait. */
#ifndef CORRIDOR_CTL_CLIENT_H
#define CORRIDOR_CTL_CLIENT_H

#include <stddef.h>

#include "msg.h"
#include "transport.h"

typedef struct corridor_ctl_client corridor_ctl_client;

corridor_ctl_client *corridor_ctl_client_new(const char *endpoint, const corridor_security *sec,
                                             char *err, size_t errlen);
void corridor_ctl_client_free(corridor_ctl_client **c);

/* Send req and wait up to timeout_ms for the matching reply (decoded into *reply, free with
 * corridor_msg_fini). 0, -ETIMEDOUT (nobody answered), -EPROTO (error reply: text in err). */
int corridor_ctl_client_call(corridor_ctl_client *c, const corridor_control_request *req,
                             int timeout_ms, corridor_msg *reply, char *err, size_t errlen);

#endif
