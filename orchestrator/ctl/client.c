#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

/* Replies may list every node: allow far more than an agent frame. */
#define CTL_MAX_REPLY_BYTES (256u << 20)

struct corridor_ctl_client {
    corridor_transport *tr;
    corridor_sock *sock;
    uint64_t seq;
};

corridor_ctl_client *corridor_ctl_client_new(const char *endpoint, const corridor_security *sec,
                                             char *err, size_t errlen)
{
    corridor_ctl_client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->tr = corridor_transport_new();
    corridor_sock_opts so;
    corridor_sock_opts_default(&so);
    so.max_frame_bytes = CTL_MAX_REPLY_BYTES;
    if (c->tr)
        c->sock = corridor_sock_dealer_connect(c->tr, endpoint, sec, &so, err, errlen);
    if (!c->sock) {
        corridor_ctl_client_free(&c);
        return NULL;
    }
    c->seq = (uint64_t)getpid() << 20;
    return c;
}

void corridor_ctl_client_free(corridor_ctl_client **pc)
{
    if (!pc || !*pc)
        return;
    corridor_sock_free(&(*pc)->sock);
    corridor_transport_free(&(*pc)->tr);
    free(*pc);
    *pc = NULL;
}

static int remaining(uint64_t deadline)
{
    uint64_t now = corridor_clock_mono_ms();
    return now >= deadline ? 0 : (int)(deadline - now);
}

int corridor_ctl_client_call(corridor_ctl_client *c, const corridor_control_request *req,
                             int timeout_ms, corridor_msg *reply, char *err, size_t errlen)
{
    uint64_t deadline = corridor_clock_mono_ms() + (uint64_t)timeout_ms;
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_CONTROL_REQUEST);
    m.u.creq = *req;
    m.env.seq = ++c->seq;
    m.env.timestamp_us = corridor_clock_wall_us();
    snprintf(m.env.sender_id, sizeof m.env.sender_id, "corridorctl");
    uint8_t *buf;
    size_t len;
    int rc = corridor_msg_encode(&m, &buf, &len);
    if (rc < 0) {
        snprintf(err, errlen, "cannot encode request: %s", strerror(-rc));
        return rc;
    }
    /* the socket refuses to queue before the TCP connection is up: retry until the deadline */
    while ((rc = corridor_sock_send(c->sock, NULL, buf, len)) == -EAGAIN && remaining(deadline))
        usleep(5000);
    free(buf);
    if (rc < 0)
        return rc == -EAGAIN ? -ETIMEDOUT : rc;

    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    lim.max_frame_bytes = CTL_MAX_REPLY_BYTES;
    lim.max_nodes_reply = 10000000;
    lim.max_routes = 10000000;
    while (remaining(deadline)) {
        corridor_pollitem it = {.sock = c->sock};
        if (corridor_poll(&it, 1, remaining(deadline)) <= 0 || !it.readable)
            continue;
        corridor_frame f;
        if (corridor_sock_recv(c->sock, &f) != 1 || !f.data)
            continue;
        corridor_decode_error de;
        rc = corridor_msg_decode(f.data, f.len, &lim, reply, &de);
        if (rc < 0) {
            snprintf(err, errlen, "bad reply from orchestrator: %s", de.detail);
            corridor_msg_fini(reply);
            return -EPROTO;
        }
        if (reply->env.correlation_id != m.env.seq) { /* a late reply to an earlier call */
            corridor_msg_fini(reply);
            continue;
        }
        if (reply->env.type == CORRIDOR_MSG_ERROR) {
            snprintf(err, errlen, "orchestrator refused the request (%s): %s",
                     corridor_reject_name(reply->u.err.reason), reply->u.err.message);
            corridor_msg_fini(reply);
            return -EPROTO;
        }
        if (reply->env.type != CORRIDOR_MSG_CONTROL_REPLY) {
            corridor_msg_fini(reply);
            continue;
        }
        return 0;
    }
    return -ETIMEDOUT;
}
