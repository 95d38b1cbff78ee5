#include "msg_send.h"

#include <stdio.h>
#include <stdlib.h>

#include "clock.h"

int corridor_msg_send(corridor_sock *s, const corridor_peer *peer, corridor_msg *m,
                      const char *sender_id, uint64_t *seq, uint64_t correlation_id)
{
    m->env.version = CORRIDOR_PROTOCOL_VERSION;
    m->env.seq = ++*seq;
    m->env.correlation_id = correlation_id;
    m->env.timestamp_us = corridor_clock_wall_us();
    snprintf(m->env.sender_id, sizeof m->env.sender_id, "%s", sender_id);
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = corridor_msg_encode(m, &buf, &len);
    if (rc == 0)
        rc = corridor_sock_send(s, peer, buf, len);
    free(buf);
    return rc;
}
