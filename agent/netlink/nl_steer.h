/*
 * Kernel side of local steering (libnl): a route for a UE prefix in a dedicated table plus a
 * policy rule "to PREFIX lookup TABLE", both tagged with the agent's protocol number so that
 * what a crashed run left behind can be found and reconciled. agent/steering.c owns the
 * rule table, validation and persistence; this file only talks to the kernel.
 */
#ifndef CORRIDOR_NL_STEER_H
#define CORRIDOR_NL_STEER_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

typedef struct corridor_nlsteer corridor_nlsteer;

/* protocol: RTPROT_* value marking our routes and rules; priority: the rules' preference. */
corridor_nlsteer *corridor_nlsteer_new(uint8_t protocol, uint32_t priority, char *err,
                                       size_t errlen);
void corridor_nlsteer_free(corridor_nlsteer **n);
/* Install (replace) route + rule for r (r->table must be set). 0 or -errno, msg says why. */
int corridor_nlsteer_add(corridor_nlsteer *n, const corridor_steering *r, char *msg,
                         size_t msglen);
/* Remove both; what is already gone is not an error. 0 or -errno. */
int corridor_nlsteer_del(corridor_nlsteer *n, const corridor_steering *r, char *msg,
                         size_t msglen);
/* Every route and rule in the kernel tagged with our protocol: fn(ud, prefix, table). */
typedef void (*corridor_nlsteer_fn)(void *ud, const char *prefix, uint32_t table);
int corridor_nlsteer_list(corridor_nlsteer *n, corridor_nlsteer_fn fn, void *ud);

#endif
