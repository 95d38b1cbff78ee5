/*
 * --live tcp://HOST:PORT: every simulated node is also a real agent of a running
 * corridor-orchestrator, over its own DEALER socket, speaking protocol v1 like
 * corridor-agent (agent/agent.c): Register, wait for the ack, then Reports; a NOT_REGISTERED
 * error (the orchestrator restarted) sends the Register again. The simulation is paced to
 * the wall clock, so the orchestrator sees real report intervals: a load generator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "msg.h"
#include "msg_send.h"
#include "sim_internal.h"
#include "transport.h"

typedef struct {
    corridor_sock *sock;
    corridor_register reg;
    bool acked;
    uint64_t seq;
} live_node;

struct corridor_live {
    corridor_transport *tr;
    live_node *nodes;
    size_t n;
    uint64_t acks, sent, send_failures;
};

corridor_live *corridor_live_new(const corridor_sim *sim, const char *endpoint, char *err,
                                 size_t errlen)
{
    corridor_live *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->n = sim->s->n_nodes;
    l->nodes = calloc(l->n ? l->n : 1, sizeof *l->nodes);
    l->tr = corridor_transport_new();
    if (!l->nodes || !l->tr) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    corridor_sock_opts so;
    corridor_sock_opts_default(&so);
    so.sndhwm = 16;
    corridor_security sec = {.mode = CORRIDOR_SEC_NULL};
    for (size_t i = 0; i < l->n; i++) {
        l->nodes[i].sock = corridor_sock_dealer_connect(l->tr, endpoint, &sec, &so, err, errlen);
        if (!l->nodes[i].sock)
            goto fail;
    }
    CLOG_INFO("sim", "live mode", "endpoint=%s nodes=%zu", endpoint, l->n);
    return l;
fail:
    corridor_live_free(&l);
    return NULL;
}

void corridor_live_free(corridor_live **pl)
{
    if (!pl || !*pl)
        return;
    corridor_live *l = *pl;
    for (size_t i = 0; l->nodes && i < l->n; i++)
        corridor_sock_free(&l->nodes[i].sock);
    free(l->nodes);
    corridor_transport_free(&l->tr);
    free(l);
    *pl = NULL;
}

static void send_msg(corridor_live *l, live_node *ln, corridor_msg *m)
{
    int rc = corridor_msg_send(ln->sock, NULL, m, ln->reg.node_id, &ln->seq, 0);
    if (rc < 0) {
        l->send_failures++;
        CLOG_WARN_RL("sim", "live send failed", "node=%s error=%s", ln->reg.node_id,
                     strerror(-rc));
        return;
    }
    l->sent++;
}

void corridor_live_register(corridor_live *l, uint32_t node, const corridor_register *reg)
{
    live_node *ln = &l->nodes[node];
    ln->reg = *reg;
    ln->acked = false;
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_REGISTER);
    m.u.reg = *reg;
    send_msg(l, ln, &m);
}

void corridor_live_report(corridor_live *l, uint32_t node, const corridor_report *rep)
{
    live_node *ln = &l->nodes[node];
    if (!ln->acked) { /* not registered yet (or the ack was lost): ask again */
        corridor_live_register(l, node, &ln->reg);
        return;
    }
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    m.u.report = *rep; /* shallow: encode only reads it */
    send_msg(l, ln, &m);
}

static void on_frame(corridor_live *l, uint32_t node, const corridor_frame *f)
{
    live_node *ln = &l->nodes[node];
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    corridor_msg m;
    corridor_decode_error de;
    if (f->truncated || f->extra_frames || !f->data ||
        corridor_msg_decode(f->data, f->len, &lim, &m, &de) < 0) {
        CLOG_WARN_RL("sim", "live: frame from orchestrator rejected", "node=%s",
                     ln->reg.node_id);
        if (!f->truncated && !f->extra_frames && f->data)
            corridor_msg_fini(&m);
        return;
    }
    if (m.env.type == CORRIDOR_MSG_REGISTER_ACK) {
        ln->acked = m.u.ack.accepted;
        l->acks += m.u.ack.accepted;
        if (!m.u.ack.accepted)
            CLOG_WARN_RL("sim", "live: registration refused", "node=%s reason=\"%s\"",
                         ln->reg.node_id, m.u.ack.reason);
    } else if (m.env.type == CORRIDOR_MSG_ERROR &&
               m.u.err.reason == CORRIDOR_REJECT_NOT_REGISTERED) {
        corridor_live_register(l, node, &ln->reg);
    } else if (m.env.type == CORRIDOR_MSG_COMMAND) {
        /* simulated nodes run nothing: say so, like an agent without an executor */
        corridor_msg r;
        corridor_msg_init(&r, CORRIDOR_MSG_COMMAND_RESULT);
        snprintf(r.u.result.command_id, sizeof r.u.result.command_id, "%s",
                 m.u.cmd.command_id);
        r.u.result.status = CORRIDOR_RESULT_UNSUPPORTED;
        r.u.result.error_code = -EOPNOTSUPP;
        snprintf(r.u.result.message, sizeof r.u.result.message,
                 "corridor-sim node: commands are not executed");
        r.env.correlation_id = m.env.seq;
        send_msg(l, ln, &r);
    }
    corridor_msg_fini(&m);
}

void corridor_live_poll(corridor_live *l, int timeout_ms)
{
    if (!l)
        return;
    /* corridor_poll takes 16 sockets at a time; the timeout applies to the first group */
    for (size_t base = 0; base < l->n; base += 16) {
        corridor_pollitem items[16];
        size_t k = l->n - base < 16 ? l->n - base : 16;
        for (size_t i = 0; i < k; i++)
            items[i] = (corridor_pollitem){.sock = l->nodes[base + i].sock, .fd = -1};
        int rc = corridor_poll(items, k, base == 0 ? timeout_ms : 0);
        if (rc <= 0)
            continue;
        for (size_t i = 0; i < k; i++) {
            if (!items[i].readable)
                continue;
            corridor_frame f;
            for (int n = 0; n < 16 && corridor_sock_recv(l->nodes[base + i].sock, &f) == 1; n++)
                on_frame(l, (uint32_t)(base + i), &f);
        }
    }
    if (l->n == 0 && timeout_ms > 0)
        usleep((useconds_t)timeout_ms * 1000);
}

uint64_t corridor_live_acks(const corridor_live *l) { return l ? l->acks : 0; }
