/*
 * Local steering (local breakout on nodes without the DPDK dataplane): the rules this agent
 * installed, validated, persisted in a state file, and reconciled with the kernel at start
 * (kernel entries with our protocol that the file does not list are removed; listed ones are
 * re-installed). The kernel work is agent/netlink/nl_steer.c.
 */
#ifndef CORRIDOR_STEERING_H
#define CORRIDOR_STEERING_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

typedef struct {
    uint32_t table;              /* steering.table, default 100 */
    uint32_t rule_priority;      /* steering.rule_priority, default 1000 */
    uint32_t protocol;           /* steering.protocol, default 193 (marks our routes/rules) */
    uint32_t max_rules;          /* steering.max_rules, default 4096 */
    char state_file[512];        /* where installed rules are remembered; "" = not kept */
} corridor_steering_config;

typedef struct corridor_steering_table corridor_steering_table;

corridor_steering_table *corridor_steering_new(const corridor_steering_config *cfg, char *err,
                                               size_t errlen);
/* Remove what a previous run left that the state file does not list; re-install what it
 * lists. Counts in *kept / *removed. 0 or -errno. */
int corridor_steering_reconcile(corridor_steering_table *t, size_t *kept, size_t *removed);
/* Validate and install (idempotent: the same rule again is OK). 0, or -errno with msg. */
int corridor_steering_install(corridor_steering_table *t, const corridor_steering *rule,
                              char *msg, size_t msglen);
int corridor_steering_remove(corridor_steering_table *t, const corridor_steering *rule,
                             char *msg, size_t msglen);
/* Clean shutdown: remove every rule and the state file. */
void corridor_steering_remove_all(corridor_steering_table *t);
size_t corridor_steering_count(const corridor_steering_table *t);
void corridor_steering_free(corridor_steering_table **t);

/* "10.45.3.7/32", "2001:db8::/64": canonical form (host bits must be zero, a bare address is
 * a host prefix) or -EINVAL with why. Pure; exposed for tests. */
int corridor_steering_prefix_canon(const char *in, char *out, size_t outlen, char *msg,
                                   size_t msglen);

#endif
