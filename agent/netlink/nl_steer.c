#include "nl_steer.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <netlink/socket.h>

#include "nl_common.h"

struct corridor_nlsteer {
    struct nl_sock *sk;
    uint8_t protocol;
    uint32_t priority;
};

corridor_nlsteer *corridor_nlsteer_new(uint8_t protocol, uint32_t priority, char *err,
                                       size_t errlen)
{
    corridor_nlsteer *n = calloc(1, sizeof *n);
    if (!n || !(n->sk = nl_socket_alloc())) {
        free(n);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = nl_connect(n->sk, NETLINK_ROUTE);
    if (rc < 0) {
        snprintf(err, errlen, "netlink connect: %s", nl_geterror(rc));
        corridor_nlsteer_free(&n);
        return NULL;
    }
    n->protocol = protocol;
    n->priority = priority;
    return n;
}

void corridor_nlsteer_free(corridor_nlsteer **pn)
{
    if (!pn || !*pn)
        return;
    nl_socket_free((*pn)->sk);
    free(*pn);
    *pn = NULL;
}

static int fail(int nle, char *msg, size_t msglen, const char *what, const char *detail)
{
    snprintf(msg, msglen, "%s %s: %s", what, detail, nl_geterror(nle));
    return corridor_nl_errno(nle);
}

static struct rtnl_rule *make_rule(corridor_nlsteer *n, struct nl_addr *dst, uint32_t table)
{
    struct rtnl_rule *rule = rtnl_rule_alloc();
    if (!rule)
        return NULL;
    rtnl_rule_set_family(rule, nl_addr_get_family(dst));
    rtnl_rule_set_dst(rule, dst);
    rtnl_rule_set_table(rule, table);
    rtnl_rule_set_prio(rule, n->priority);
    rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
    rtnl_rule_set_protocol(rule, n->protocol);
    return rule;
}

static struct rtnl_route *make_route(corridor_nlsteer *n, struct nl_addr *dst, uint32_t table)
{
    struct rtnl_route *route = rtnl_route_alloc();
    if (!route)
        return NULL;
    rtnl_route_set_family(route, (uint8_t)nl_addr_get_family(dst));
    rtnl_route_set_dst(route, dst);
    rtnl_route_set_table(route, table);
    rtnl_route_set_protocol(route, n->protocol);
    rtnl_route_set_type(route, RTN_UNICAST);
    return route;
}

int corridor_nlsteer_add(corridor_nlsteer *n, const corridor_steering *r, char *msg,
                         size_t msglen)
{
    struct nl_addr *dst = NULL, *gw = NULL;
    struct rtnl_route *route = NULL;
    struct rtnl_rule *rule = NULL;
    int rc = nl_addr_parse(r->ue_prefix, AF_UNSPEC, &dst);
    if (rc < 0)
        return fail(rc, msg, msglen, "ue_prefix", r->ue_prefix);
    if (r->gateway[0] && (rc = nl_addr_parse(r->gateway, nl_addr_get_family(dst), &gw)) < 0) {
        rc = fail(rc, msg, msglen, "gateway", r->gateway);
        goto out;
    }
    int ifindex = 0;
    if (r->dev[0] && !(ifindex = (int)if_nametoindex(r->dev))) {
        snprintf(msg, msglen, "dev %s: no such interface", r->dev);
        rc = -ENODEV;
        goto out;
    }
    route = make_route(n, dst, r->table);
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    if (!route || !nh) {
        rtnl_route_nh_free(nh);
        snprintf(msg, msglen, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    if (gw)
        rtnl_route_nh_set_gateway(nh, gw);
    if (ifindex)
        rtnl_route_nh_set_ifindex(nh, ifindex);
    rtnl_route_add_nexthop(route, nh);
    rtnl_route_set_scope(route, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
    if ((rc = rtnl_route_add(n->sk, route, NLM_F_CREATE | NLM_F_REPLACE)) < 0) {
        rc = fail(rc, msg, msglen, "route", r->ue_prefix);
        goto out;
    }
    rule = make_rule(n, dst, r->table);
    if (!rule) {
        rc = -ENOMEM;
        goto out;
    }
    /* rules have no replace: an identical one already there is what we want */
    rc = rtnl_rule_add(n->sk, rule, NLM_F_CREATE | NLM_F_EXCL);
    if (rc == -NLE_EXIST)
        rc = 0;
    if (rc < 0) {
        int keep = rc;
        rtnl_route_delete(n->sk, route, 0); /* no half-installed rule */
        rc = fail(keep, msg, msglen, "rule to", r->ue_prefix);
    }
out:
    rtnl_rule_put(rule);
    rtnl_route_put(route);
    nl_addr_put(gw);
    nl_addr_put(dst);
    return rc < 0 ? rc : 0;
}

int corridor_nlsteer_del(corridor_nlsteer *n, const corridor_steering *r, char *msg,
                         size_t msglen)
{
    struct nl_addr *dst = NULL;
    int rc = nl_addr_parse(r->ue_prefix, AF_UNSPEC, &dst);
    if (rc < 0)
        return fail(rc, msg, msglen, "ue_prefix", r->ue_prefix);
    struct rtnl_rule *rule = make_rule(n, dst, r->table);
    struct rtnl_route *route = make_route(n, dst, r->table);
    if (route) /* any scope: libnl would otherwise guess one that may not match */
        rtnl_route_set_scope(route, RT_SCOPE_NOWHERE);
    int out = 0;
    if (!rule || !route) {
        out = -ENOMEM;
        snprintf(msg, msglen, "out of memory");
    } else {
        /* the kernel answers ENOENT (rules) or ESRCH (routes) for what is gone already */
        rc = rtnl_rule_delete(n->sk, rule, 0);
        if (rc < 0 && rc != -NLE_OBJ_NOTFOUND)
            out = fail(rc, msg, msglen, "rule to", r->ue_prefix);
        rc = rtnl_route_delete(n->sk, route, 0);
        if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && !out)
            out = fail(rc, msg, msglen, "route", r->ue_prefix);
    }
    rtnl_rule_put(rule);
    rtnl_route_put(route);
    nl_addr_put(dst);
    return out;
}

int corridor_nlsteer_list(corridor_nlsteer *n, corridor_nlsteer_fn fn, void *ud)
{
    struct nl_cache *rules = NULL, *routes = NULL;
    int rc = rtnl_rule_alloc_cache(n->sk, AF_UNSPEC, &rules);
    if (rc >= 0)
        rc = rtnl_route_alloc_cache(n->sk, AF_UNSPEC, 0, &routes);
    if (rc < 0)
        goto out;
    char pfx[64];
    for (struct nl_object *o = nl_cache_get_first(rules); o; o = nl_cache_get_next(o)) {
        struct rtnl_rule *rule = (struct rtnl_rule *)o;
        uint8_t proto = 0;
        if (rtnl_rule_get_protocol(rule, &proto) < 0 || proto != n->protocol ||
            !rtnl_rule_get_dst(rule))
            continue;
        corridor_nl_addr_str(rtnl_rule_get_dst(rule), 1, pfx, sizeof pfx);
        fn(ud, pfx, rtnl_rule_get_table(rule));
    }
    for (struct nl_object *o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
        struct rtnl_route *route = (struct rtnl_route *)o;
        if (rtnl_route_get_protocol(route) != n->protocol)
            continue;
        corridor_nl_addr_str(rtnl_route_get_dst(route), 1, pfx, sizeof pfx);
        fn(ud, pfx, rtnl_route_get_table(route));
    }
out:
    nl_cache_free(rules);
    nl_cache_free(routes);
    return rc < 0 ? corridor_nl_errno(rc) : 0;
}
