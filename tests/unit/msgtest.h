/* Shared by the protocol unit tests: encode a message and decode it back. */
#ifndef CORRIDOR_TEST_MSGTEST_H
#define CORRIDOR_TEST_MSGTEST_H

#include <stdint.h>
#include <stdlib.h>

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

#endif
