#include "nl_watch.h"

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "log.h"
#include "nl_common.h"

/* Big enough that a burst of 10,000+ route changes does not overflow before we read. */
#define NOTIFY_RCVBUF (8 << 20)

struct corridor_nlwatch {
    corridor_nlwatch_config cfg;
    struct nl_sock *notify_sk;   /* owned by the manager once handed over */
    struct nl_sock *sync_sk;     /* our dumps (link counters, resync) */
    struct nl_cache_mngr *mngr;
    struct nl_cache *routes, *links, *neigh;
    bool changed;                /* set by the change callback */
    corridor_nlwatch_stats stats;
    /* the watched routes as last formatted: reused while no route or link changed, which
     * is nearly always (formatting 10,000 routes costs more than sending them) */
    corridor_route *snap;
    size_t n_snap;
    bool snap_valid;
};

static bool table_watched(const corridor_nlwatch *w, uint32_t table)
{
    for (size_t i = 0; i < w->cfg.n_tables; i++)
        if (w->cfg.tables[i] == table)
            return true;
    return false;
}

static bool iface_watched(const corridor_nlwatch *w, const char *name)
{
    for (size_t i = 0; name && i < w->cfg.n_interfaces; i++)
        if (strcmp(w->cfg.interfaces[i], name) == 0)
            return true;
    return false;
}

static int route_oif(struct rtnl_route *r)
{
    struct rtnl_nexthop *nh = rtnl_route_get_nnexthops(r) > 0 ? rtnl_route_nexthop_n(r, 0)
                                                               : NULL;
    return nh ? rtnl_route_nh_get_ifindex(nh) : 0;
}

static bool route_watched(const corridor_nlwatch *w, struct rtnl_route *r)
{
    if (rtnl_route_get_type(r) != RTN_UNICAST)
        return false;
    int fam = rtnl_route_get_family(r);
    if (fam != AF_INET && fam != AF_INET6)
        return false;
    if (table_watched(w, rtnl_route_get_table(r)))
        return true;
    if (!w->cfg.n_interfaces)
        return false;
    char name[IFNAMSIZ];
    int oif = route_oif(r);
    return oif && rtnl_link_i2name(w->links, oif, name, sizeof name) &&
           iface_watched(w, name);
}

static bool link_watched(const corridor_nlwatch *w, struct rtnl_link *l)
{
    /* with no interface list, links follow the routes: any link change may matter */
    return !w->cfg.n_interfaces || iface_watched(w, rtnl_link_get_name(l));
}

static void on_change(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
    (void)cache, (void)action;
    corridor_nlwatch *w = arg;
    w->stats.notifications++;
    const char *type = nl_object_get_type(obj);
    if (strcmp(type, "route/neigh") != 0)
        w->snap_valid = false; /* a route, or a link whose name routes show */
    bool relevant = false;
    if (strcmp(type, "route/route") == 0)
        relevant = route_watched(w, (struct rtnl_route *)obj);
    else if (strcmp(type, "route/link") == 0)
        relevant = link_watched(w, (struct rtnl_link *)obj);
    if (relevant) {
        w->stats.relevant_changes++;
        w->changed = true;
    }
}

corridor_nlwatch *corridor_nlwatch_new(const corridor_nlwatch_config *cfg, char *err,
                                       size_t errlen)
{
    corridor_nlwatch *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->cfg = *cfg;
    if (!w->cfg.max_routes)
        w->cfg.max_routes = 100000;
    const char *step = "socket";
    int rc = -NLE_NOMEM;
    w->notify_sk = nl_socket_alloc();
    w->sync_sk = nl_socket_alloc();
    if (!w->notify_sk || !w->sync_sk)
        goto fail;
    step = "netlink connect";
    if ((rc = nl_connect(w->sync_sk, NETLINK_ROUTE)) < 0)
        goto fail;
    step = "cache manager";
    if ((rc = nl_cache_mngr_alloc(w->notify_sk, NETLINK_ROUTE, 0, &w->mngr)) < 0)
        goto fail;
    nl_socket_set_buffer_size(w->notify_sk, NOTIFY_RCVBUF, 0);
    /* links first: route filtering by interface name looks them up */
    step = "link cache";
    if ((rc = nl_cache_mngr_add(w->mngr, "route/link", on_change, w, &w->links)) < 0)
        goto fail;
    step = "route cache";
    if ((rc = nl_cache_mngr_add(w->mngr, "route/route", on_change, w, &w->routes)) < 0)
        goto fail;
    if (cfg->n_gateways) {
        step = "neighbour cache";
        if ((rc = nl_cache_mngr_add(w->mngr, "route/neigh", on_change, w, &w->neigh)) < 0)
            goto fail;
    }
    CLOG_INFO("netlink", "watching routes", "tables=%zu interfaces=%zu gateways=%zu routes=%d "
              "links=%d", cfg->n_tables, cfg->n_interfaces, cfg->n_gateways,
              nl_cache_nitems(w->routes), nl_cache_nitems(w->links));
    return w;
fail:
    snprintf(err, errlen, "netlink %s: %s", step, nl_geterror(rc));
    corridor_nlwatch_free(&w);
    return NULL;
}

void corridor_nlwatch_free(corridor_nlwatch **pw)
{
    if (!pw || !*pw)
        return;
    corridor_nlwatch *w = *pw;
    if (w->mngr)
        nl_cache_mngr_free(w->mngr); /* frees its caches; the socket stays ours */
    nl_socket_free(w->notify_sk);
    nl_socket_free(w->sync_sk);
    free(w->snap);
    free(w);
    *pw = NULL;
}

int corridor_nlwatch_fd(const corridor_nlwatch *w) { return nl_cache_mngr_get_fd(w->mngr); }

int corridor_nlwatch_resync(corridor_nlwatch *w)
{
    w->stats.resyncs++;
    w->snap_valid = false;
    int rc = nl_cache_refill(w->sync_sk, w->links);
    if (rc >= 0)
        rc = nl_cache_refill(w->sync_sk, w->routes);
    if (rc >= 0 && w->neigh)
        rc = nl_cache_refill(w->sync_sk, w->neigh);
    if (rc < 0) {
        CLOG_WARN_RL("netlink", "re-dump failed", "error=\"%s\"", nl_geterror(rc));
        return corridor_nl_errno(rc);
    }
    return 0;
}

int corridor_nlwatch_on_fd(corridor_nlwatch *w)
{
    w->changed = false;
    int rc = nl_cache_mngr_data_ready(w->mngr);
    if (rc < 0) {
        /* ENOBUFS: the kernel dropped notifications; only a full dump knows the truth now */
        w->stats.overflows++;
        CLOG_WARN_RL("netlink", "notifications lost, re-dumping", "error=\"%s\"",
                     nl_geterror(rc));
        int rrc = corridor_nlwatch_resync(w);
        return rrc < 0 ? rrc : 1;
    }
    return w->changed ? 1 : 0;
}

static void fill_route(corridor_nlwatch *w, struct rtnl_route *r, corridor_route *o)
{
    memset(o, 0, sizeof *o);
    o->family = rtnl_route_get_family(r) == AF_INET6 ? 6 : 4;
    corridor_nl_addr_str(rtnl_route_get_dst(r), 1, o->dst, sizeof o->dst);
    if (!o->dst[0])
        snprintf(o->dst, sizeof o->dst, "default");
    struct rtnl_nexthop *nh = rtnl_route_get_nnexthops(r) > 0 ? rtnl_route_nexthop_n(r, 0)
                                                               : NULL;
    if (nh) {
        corridor_nl_addr_str(rtnl_route_nh_get_gateway(nh), 0, o->gateway, sizeof o->gateway);
        int oif = rtnl_route_nh_get_ifindex(nh);
        if (oif)
            rtnl_link_i2name(w->links, oif, o->oif, sizeof o->oif);
    }
    o->table = rtnl_route_get_table(r);
    o->metric = rtnl_route_get_priority(r);
    o->protocol = rtnl_route_get_protocol(r);
}

static bool link_reported(corridor_nlwatch *w, struct rtnl_link *l, const corridor_report *r)
{
    if (w->cfg.n_interfaces)
        return iface_watched(w, rtnl_link_get_name(l));
    const char *name = rtnl_link_get_name(l);
    for (size_t i = 0; name && i < r->n_routes; i++)
        if (strcmp(r->routes[i].oif, name) == 0)
            return true;
    return false;
}

static void fill_link(struct rtnl_link *l, corridor_link *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "");
    o->ifindex = (uint32_t)rtnl_link_get_ifindex(l);
    uint8_t oper = rtnl_link_get_operstate(l);
    /* dummy and tun devices say "unknown" when they carry traffic */
    o->up = (rtnl_link_get_flags(l) & IFF_UP) && (oper == IF_OPER_UP || oper == IF_OPER_UNKNOWN);
    o->mtu = rtnl_link_get_mtu(l);
    o->rx_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
    o->tx_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
    o->rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
    o->tx_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
    o->rx_errors = rtnl_link_get_stat(l, RTNL_LINK_RX_ERRORS);
    o->tx_errors = rtnl_link_get_stat(l, RTNL_LINK_TX_ERRORS);
    o->rx_dropped = rtnl_link_get_stat(l, RTNL_LINK_RX_DROPPED);
    o->tx_dropped = rtnl_link_get_stat(l, RTNL_LINK_TX_DROPPED);
}

static void fill_neighbours(corridor_nlwatch *w, corridor_report *r)
{
    r->n_neighbours = 0;
    if (!w->neigh)
        return;
    for (struct nl_object *o = nl_cache_get_first(w->neigh);
         o && r->n_neighbours < CORRIDOR_MAX_NEIGHBOURS; o = nl_cache_get_next(o)) {
        struct rtnl_neigh *n = (struct rtnl_neigh *)o;
        char addr[CORRIDOR_ADDR_MAX + 1];
        corridor_nl_addr_str(rtnl_neigh_get_dst(n), 0, addr, sizeof addr);
        bool wanted = false;
        for (size_t i = 0; i < w->cfg.n_gateways && !wanted; i++)
            wanted = strcmp(w->cfg.gateways[i], addr) == 0;
        if (!wanted)
            continue;
        corridor_neighbour *x = &r->neighbours[r->n_neighbours++];
        memset(x, 0, sizeof *x);
        snprintf(x->address, sizeof x->address, "%s", addr);
        struct nl_addr *ll = rtnl_neigh_get_lladdr(n);
        if (ll && nl_addr_get_len(ll))
            nl_addr2str(ll, x->lladdr, sizeof x->lladdr);
        rtnl_link_i2name(w->links, rtnl_neigh_get_ifindex(n), x->dev, sizeof x->dev);
        x->state = (uint32_t)rtnl_neigh_get_state(n);
    }
}

static int snapshot_routes(corridor_nlwatch *w)
{
    free(w->snap);
    w->snap = NULL;
    w->n_snap = 0;
    size_t cap = (size_t)nl_cache_nitems(w->routes);
    if (cap > w->cfg.max_routes)
        cap = w->cfg.max_routes;
    if (cap && !(w->snap = malloc(cap * sizeof *w->snap)))
        return -ENOMEM;
    bool truncated = false;
    for (struct nl_object *o = nl_cache_get_first(w->routes); o; o = nl_cache_get_next(o)) {
        struct rtnl_route *rt = (struct rtnl_route *)o;
        if (!route_watched(w, rt))
            continue;
        if (w->n_snap == cap) {
            truncated = true;
            break;
        }
        fill_route(w, rt, &w->snap[w->n_snap++]);
    }
    if (truncated) {
        w->stats.routes_truncated++;
        CLOG_WARN_RL("netlink", "more watched routes than routing.max_routes, report cut",
                     "max_routes=%u", w->cfg.max_routes);
    }
    w->snap_valid = true;
    return 0;
}

int corridor_nlwatch_collect(corridor_nlwatch *w, corridor_report *r)
{
    free(r->routes);
    free(r->links);
    r->routes = NULL;
    r->links = NULL;
    r->n_routes = r->n_links = 0;
    /* counters are not notified: re-dump links (a few dozen objects) for fresh ones */
    int rc = nl_cache_refill(w->sync_sk, w->links);
    if (rc < 0)
        CLOG_WARN_RL("netlink", "link dump failed", "error=\"%s\"", nl_geterror(rc));
    if (!w->snap_valid && (rc = snapshot_routes(w)) < 0)
        return rc;
    if (w->n_snap) {
        r->routes = malloc(w->n_snap * sizeof *r->routes);
        if (!r->routes)
            return -ENOMEM;
        memcpy(r->routes, w->snap, w->n_snap * sizeof *r->routes);
        r->n_routes = w->n_snap;
    }
    size_t nl = (size_t)nl_cache_nitems(w->links);
    if (nl) {
        r->links = malloc(nl * sizeof *r->links);
        if (!r->links)
            return -ENOMEM;
    }
    for (struct nl_object *o = nl_cache_get_first(w->links); o && r->n_links < nl;
         o = nl_cache_get_next(o)) {
        struct rtnl_link *l = (struct rtnl_link *)o;
        if (link_reported(w, l, r))
            fill_link(l, &r->links[r->n_links++]);
    }
    fill_neighbours(w, r);
    return rc < 0 ? corridor_nl_errno(rc) : 0;
}

const corridor_nlwatch_stats *corridor_nlwatch_stats_get(const corridor_nlwatch *w)
{
    return &w->stats;
}
