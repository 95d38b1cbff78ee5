/*
 * Message transport over ZeroMQ (the only module that includes zmq.h).
 *
 * The orchestrator binds ROUTER sockets (agents, control clients); agents and corridorctl
 * connect DEALER sockets. One frame per message (the protobuf envelope); a ROUTER also sees
 * the peer's routing id, handed to the caller as an opaque corridor_peer. Every socket takes a
 * corridor_security: NULL mechanism today, CURVE with a ZAP allow-list later, with no change
 * for callers.
 */
#ifndef CORRIDOR_TRANSPORT_H
#define CORRIDOR_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CORRIDOR_SEC_NULL = 0,
    CORRIDOR_SEC_CURVE = 1,   /* reserved: rejected by corridor_sock_* until implemented */
} corridor_sec_mode;

extern const char *const corridor_sec_mode_names[]; /* "null", "curve", NULL */

typedef struct {
    corridor_sec_mode mode;
    char public_key_file[256];   /* CURVE: own keypair (z85) */
    char secret_key_file[256];
    char server_key_file[256];   /* CURVE client: the server's public key */
    char allow_dir[256];         /* CURVE server: directory of allowed client public keys */
} corridor_security;

typedef struct {
    uint32_t max_frame_bytes;    /* app-level limit; libzmq cuts peers at 2x this */
    uint32_t reconnect_min_ms;   /* DEALER: first reconnect delay */
    uint32_t reconnect_max_ms;   /* DEALER: backoff ceiling (exponential in libzmq) */
    uint32_t sndhwm, rcvhwm;     /* queue depths, messages */
} corridor_sock_opts;

void corridor_sock_opts_default(corridor_sock_opts *o);

typedef struct corridor_transport corridor_transport;
typedef struct corridor_sock corridor_sock;

/* The routing id libzmq gives a peer on a ROUTER socket. */
typedef struct {
    uint8_t id[255];
    uint8_t len;
} corridor_peer;

bool corridor_peer_equal(const corridor_peer *a, const corridor_peer *b);
/* hex text of a peer id for logs, "00a1b2c3d4" */
const char *corridor_peer_str(const corridor_peer *p, char *buf, size_t len);
/* the inverse of corridor_peer_str; 0 or -EINVAL */
int corridor_peer_parse(const char *hex, corridor_peer *p);

corridor_transport *corridor_transport_new(void);
void corridor_transport_free(corridor_transport **t);

/* NULL on failure with a message in err ("cannot bind tcp://...: Address already in use"). */
corridor_sock *corridor_sock_router_bind(corridor_transport *t, const char *endpoint,
                                         const corridor_security *sec,
                                         const corridor_sock_opts *o, char *err, size_t errlen);
corridor_sock *corridor_sock_dealer_connect(corridor_transport *t, const char *endpoint,
                                            const corridor_security *sec,
                                            const corridor_sock_opts *o, char *err,
                                            size_t errlen);
void corridor_sock_free(corridor_sock **s);
const char *corridor_sock_endpoint(const corridor_sock *s);

/* Non-blocking send of one frame; peer is required on ROUTER and ignored on DEALER.
 * 0, or -EAGAIN (queue full / no connection), -EHOSTUNREACH (peer gone), other -errno. */
int corridor_sock_send(corridor_sock *s, const corridor_peer *peer, const void *buf, size_t len);

typedef struct {
    uint8_t *data;               /* owned by the socket until the next recv */
    size_t len;
    corridor_peer peer;          /* ROUTER only */
    bool truncated;              /* frame was larger than max_frame_bytes: data is NULL */
    size_t extra_frames;         /* frames after the first (dropped) */
} corridor_frame;

/* Non-blocking receive of one message. 1 = got one, 0 = none waiting, <0 = -errno. */
int corridor_sock_recv(corridor_sock *s, corridor_frame *f);

/* Poll sockets and plain fds (signalfd) together. */
typedef struct {
    corridor_sock *sock;         /* or NULL and fd >= 0 */
    int fd;
    bool readable;               /* out */
} corridor_pollitem;

/* Returns the number of ready items, 0 on timeout, -EINTR / -errno. */
int corridor_poll(corridor_pollitem *items, size_t n, int timeout_ms);

#endif
