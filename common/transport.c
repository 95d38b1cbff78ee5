#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

const char *const corridor_sec_mode_names[] = {"null", "curve", NULL};

struct corridor_transport {
    void *ctx;
};

struct corridor_sock {
    void *zs;
    int type;                   /* ZMQ_ROUTER or ZMQ_DEALER */
    uint32_t max_frame;
    char endpoint[256];
    zmq_msg_t last;             /* the frame handed out by the last recv */
    bool has_last;
};

void corridor_sock_opts_default(corridor_sock_opts *o)
{
    *o = (corridor_sock_opts){
        .max_frame_bytes = 1u << 20,
        .reconnect_min_ms = 100,
        .reconnect_max_ms = 5000,
        .sndhwm = 1000,
        .rcvhwm = 10000,
    };
}

bool corridor_peer_equal(const corridor_peer *a, const corridor_peer *b)
{
    return a->len == b->len && memcmp(a->id, b->id, a->len) == 0;
}

const char *corridor_peer_str(const corridor_peer *p, char *buf, size_t len)
{
    size_t o = 0;
    if (len == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < p->len && o + 3 <= len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%02x", p->id[i]);
    return buf;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int corridor_peer_parse(const char *hex, corridor_peer *p)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 || n / 2 > sizeof p->id)
        return -EINVAL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        p->id[i] = (uint8_t)(hi << 4 | lo);
    }
    p->len = (uint8_t)(n / 2);
    return 0;
}

corridor_transport *corridor_transport_new(void)
{
    corridor_transport *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ctx = zmq_ctx_new();
    if (!t->ctx) {
        free(t);
        return NULL;
    }
    /* one I/O thread is plenty for control-plane rates */
    zmq_ctx_set(t->ctx, ZMQ_IO_THREADS, 1);
    return t;
}

void corridor_transport_free(corridor_transport **pt)
{
    if (!pt || !*pt)
        return;
    zmq_ctx_term((*pt)->ctx);
    free(*pt);
    *pt = NULL;
}

static int set_int(void *zs, int opt, int v) { return zmq_setsockopt(zs, opt, &v, sizeof v); }

static int apply_security(void *zs, const corridor_security *sec, bool server, char *err,
                          size_t errlen)
{
    (void)zs;
    (void)server;
    if (!sec || sec->mode == CORRIDOR_SEC_NULL)
        return 0;
    /* CURVE with a ZAP allow-list comes with the security issue; refusing beats pretending. */
    snprintf(err, errlen, "security mode 'curve' is not available in this build yet");
    return -ENOTSUP;
}

static corridor_sock *sock_open(corridor_transport *t, int type, const char *endpoint,
                                const corridor_security *sec, const corridor_sock_opts *o,
                                char *err, size_t errlen)
{
    corridor_sock_opts def;
    if (!o) {
        corridor_sock_opts_default(&def);
        o = &def;
    }
    corridor_sock *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->type = type;
    s->max_frame = o->max_frame_bytes;
    snprintf(s->endpoint, sizeof s->endpoint, "%s", endpoint);
    s->zs = zmq_socket(t->ctx, type);
    if (!s->zs) {
        snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(zmq_errno()));
        free(s);
        return NULL;
    }
    set_int(s->zs, ZMQ_LINGER, 0);
    set_int(s->zs, ZMQ_SNDHWM, (int)o->sndhwm);
    set_int(s->zs, ZMQ_RCVHWM, (int)o->rcvhwm);
    /* libzmq drops a peer whose frame exceeds this hard cap before buffering it; frames between
     * max_frame and the cap reach us so they can be counted and answered. */
    int64_t hard = (int64_t)o->max_frame_bytes * 2 + 4096;
    zmq_setsockopt(s->zs, ZMQ_MAXMSGSIZE, &hard, sizeof hard);
    if (type == ZMQ_ROUTER) {
        /* tell us when a peer is gone instead of dropping replies silently */
        set_int(s->zs, ZMQ_ROUTER_MANDATORY, 1);
    } else {
        set_int(s->zs, ZMQ_RECONNECT_IVL, (int)o->reconnect_min_ms);
        set_int(s->zs, ZMQ_RECONNECT_IVL_MAX, (int)o->reconnect_max_ms);
        /* do not queue for a peer that is not there: a stale heartbeat is worse than none */
        set_int(s->zs, ZMQ_IMMEDIATE, 1);
    }
    if (apply_security(s->zs, sec, type == ZMQ_ROUTER, err, errlen) < 0)
        goto fail;
    int rc = type == ZMQ_ROUTER ? zmq_bind(s->zs, endpoint) : zmq_connect(s->zs, endpoint);
    if (rc != 0) {
        snprintf(err, errlen, "cannot %s %s: %s", type == ZMQ_ROUTER ? "bind" : "connect",
                 endpoint, zmq_strerror(zmq_errno()));
        goto fail;
    }
    return s;
fail:
    zmq_close(s->zs);
    free(s);
    return NULL;
}

corridor_sock *corridor_sock_router_bind(corridor_transport *t, const char *endpoint,
                                         const corridor_security *sec,
                                         const corridor_sock_opts *o, char *err, size_t errlen)
{
    return sock_open(t, ZMQ_ROUTER, endpoint, sec, o, err, errlen);
}

corridor_sock *corridor_sock_dealer_connect(corridor_transport *t, const char *endpoint,
                                            const corridor_security *sec,
                                            const corridor_sock_opts *o, char *err,
                                            size_t errlen)
{
    return sock_open(t, ZMQ_DEALER, endpoint, sec, o, err, errlen);
}

void corridor_sock_free(corridor_sock **ps)
{
    if (!ps || !*ps)
        return;
    corridor_sock *s = *ps;
    if (s->has_last)
        zmq_msg_close(&s->last);
    zmq_close(s->zs);
    free(s);
    *ps = NULL;
}

const char *corridor_sock_endpoint(const corridor_sock *s) { return s->endpoint; }

int corridor_sock_send(corridor_sock *s, const corridor_peer *peer, const void *buf, size_t len)
{
    if (s->type == ZMQ_ROUTER) {
        if (!peer || peer->len == 0)
            return -EINVAL;
        if (zmq_send(s->zs, peer->id, peer->len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            return -zmq_errno();
    }
    if (zmq_send(s->zs, buf, len, ZMQ_DONTWAIT) < 0)
        return -zmq_errno();
    return 0;
}

static bool more_frames(void *zs)
{
    int more = 0;
    size_t sz = sizeof more;
    zmq_getsockopt(zs, ZMQ_RCVMORE, &more, &sz);
    return more != 0;
}

static size_t drain_rest(void *zs)
{
    size_t n = 0;
    while (more_frames(zs)) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, zs, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        zmq_msg_close(&m);
        n++;
    }
    return n;
}

int corridor_sock_recv(corridor_sock *s, corridor_frame *f)
{
    memset(f, 0, sizeof *f);
    if (s->has_last) {
        zmq_msg_close(&s->last);
        s->has_last = false;
    }
    if (s->type == ZMQ_ROUTER) {
        zmq_msg_t id;
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, s->zs, ZMQ_DONTWAIT) < 0) {
            int e = zmq_errno();
            zmq_msg_close(&id);
            return e == EAGAIN ? 0 : -e;
        }
        size_t n = zmq_msg_size(&id);
        f->peer.len = (uint8_t)(n > sizeof f->peer.id ? sizeof f->peer.id : n);
        memcpy(f->peer.id, zmq_msg_data(&id), f->peer.len);
        zmq_msg_close(&id);
        if (!more_frames(s->zs))
            return 1; /* an identity with no body: the caller sees an empty frame */
    }
    zmq_msg_init(&s->last);
    if (zmq_msg_recv(&s->last, s->zs, ZMQ_DONTWAIT) < 0) {
        int e = zmq_errno();
        zmq_msg_close(&s->last);
        return e == EAGAIN ? 0 : -e;
    }
    s->has_last = true;
    f->len = zmq_msg_size(&s->last);
    if (f->len > s->max_frame)
        f->truncated = true;
    else
        f->data = zmq_msg_data(&s->last);
    f->extra_frames = drain_rest(s->zs);
    return 1;
}

int corridor_poll(corridor_pollitem *items, size_t n, int timeout_ms)
{
    zmq_pollitem_t zi[16];
    if (n > 16)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        zi[i] = (zmq_pollitem_t){
            .socket = items[i].sock ? items[i].sock->zs : NULL,
            .fd = items[i].sock ? 0 : items[i].fd,
            .events = ZMQ_POLLIN,
        };
    }
    int rc = zmq_poll(zi, (int)n, timeout_ms);
    if (rc < 0)
        return -zmq_errno();
    for (size_t i = 0; i < n; i++)
        items[i].readable = (zi[i].revents & ZMQ_POLLIN) != 0;
    return rc;
}
