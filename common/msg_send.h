/* Stamp and send one message: what every daemon's "send" did for itself. */
#ifndef CORRIDOR_MSG_SEND_H
#define CORRIDOR_MSG_SEND_H

#include <stdint.h>

#include "msg.h"
#include "transport.h"

/* Fill the envelope — protocol version, the next sequence number from *seq, the correlation
 * id, the sender's wall clock, sender_id — encode, and send one frame (peer: ROUTER only).
 * 0, or a negative errno from the encoder or the socket (-EAGAIN: not connected / queue
 * full). The caller logs and counts failures in its own terms. */
int corridor_msg_send(corridor_sock *s, const corridor_peer *peer, corridor_msg *m,
                      const char *sender_id, uint64_t *seq, uint64_t correlation_id);

#endif
