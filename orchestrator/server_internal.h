/* Shared by server.c (sockets, agents) and control.c (the control API). */
#ifndef CORRIDOR_ORCH_SERVER_INTERNAL_H
#define CORRIDOR_ORCH_SERVER_INTERNAL_H

#include "hashmap.h"
#include "server.h"
#include "transport.h"

struct corridor_orch {
    corridor_orch_config cfg;
    corridor_transport *tr;
    corridor_sock *agents;
    corridor_sock *control;
    corridor_core *core;
    corridor_orch_stats stats;
    uint64_t seq;
    uint64_t started_ms;
    uint64_t last_tick_ms;
    corridor_hashmap *ctl_pending;  /* command id -> pending node command (control.c) */
    uint64_t ctl_cmd_seq;
};

/* Encode and send; fills the envelope (version, seq, time, sender). */
void corridor_orch_send(corridor_orch *o, corridor_sock *s, const corridor_peer *peer,
                        corridor_msg *m, uint64_t correlation_id);
/* Count a refused frame, log it, and answer with an Error when the protocol says so. */
void corridor_orch_reject(corridor_orch *o, corridor_sock *s, const corridor_peer *peer,
                          const corridor_envelope *env, corridor_reject_reason why,
                          const char *detail);
/* Send a command to a node's agent; -ENOENT (no node), -EHOSTUNREACH (not connected). */
int corridor_orch_send_command(corridor_orch *o, const char *node_id, corridor_command *cmd);

/* control.c */
int corridor_orch_control_init(corridor_orch *o);
void corridor_orch_control_fini(corridor_orch *o);
void corridor_orch_on_control(corridor_orch *o, const corridor_peer *peer, corridor_msg *m);
/* A CommandResult from node_id: true when it answered a control request. */
bool corridor_orch_control_result(corridor_orch *o, const char *node_id,
                                  const corridor_command_result *r);
/* Answer node commands whose agents did not reply in time. */
void corridor_orch_control_expire(corridor_orch *o, uint64_t now_ms);

#endif
