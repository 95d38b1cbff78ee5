/* Helpers shared by the libnl modules of agent/netlink/ (private to this directory). */
#ifndef CORRIDOR_NL_COMMON_H
#define CORRIDOR_NL_COMMON_H

#include <stddef.h>

#include <netlink/addr.h>

/* libnl's -NLE_* as a negative errno. */
int corridor_nl_errno(int nle);
/* "10.45.0.0/16", "2001:db8::/64", "default" (prefix length 0); with_len=0 prints the
 * address alone (gateways, neighbours). */
void corridor_nl_addr_str(struct nl_addr *a, int with_len, char *buf, size_t len);

#endif
