/* Shared by the protocol unit tests: encode a message and decode it back. */
#ifndef CORRIDOR_TEST_MSGTEST_H
#define CORRIDOR_TEST_MSGTEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "testutil.h"

/* Encode m, decode it into out with lim (NULL = defaults); returns decode's rc. */
static inline int round_trip(const corridor_msg *m, const corridor_msg_limits *lim,
                             corridor_msg *out, corridor_decode_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = corridor_msg_encode(m, &buf, &len);
    CHECK_EQ_INT(rc, 0);
    if (rc < 0)
        return rc;
    rc = corridor_msg_decode(buf, len, lim, out, err);
    free(buf);
    return rc;
}

/* A Report frame (version 1) around a hand-written payload, as another build's encoder may
 * write it: the payload's length is always a two-byte varint (p < 16384). Returns the
 * frame's length. */
static inline size_t report_frame(uint8_t *frame, const uint8_t *payload, size_t p)
{
    size_t f = 0;
    frame[f++] = 0x08; /* version 1 */
    frame[f++] = 1;
    frame[f++] = 0x10; /* type REPORT */
    frame[f++] = CORRIDOR_MSG_REPORT;
    frame[f++] = 0x3a; /* payload, field 7 */
    frame[f++] = (uint8_t)(p & 0x7f) | 0x80;
    frame[f++] = (uint8_t)(p >> 7);
    memcpy(frame + f, payload, p);
    return f + p;
}

#endif
