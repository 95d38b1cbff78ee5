/*
 * Route change -> orchestrator's view, end to end, with an observer that costs next to
 * nothing: this program creates a network namespace (lo, a dummy "UPF" device, or a tun
 * device on kernels without dummy), enters it, runs the real orchestrator and agent there,
 * holds ONE control connection and polls the orchestrator every millisecond, while it adds
 * and deletes routes itself through a plain rtnetlink socket (no `ip` process in the timed
 * path). Per change: time from just before the netlink request to the first reply that shows
 * it. Two tables:
 *  - small (3 routes): GET_NODE polled, the changed route looked up in the reply;
 *  - 10,000 routes: LIST_NODES polled (GET_NODE would ship 10,000 routes per poll and load
 *    the orchestrator it measures), the node's route count compared.
 * Reference in the same run: the observer's own round trip with nothing changing (the
 * resolution of the figures). Goal (issue): change-to-orchestrator < 50 ms. Prints figures;
 * never fails on them. Root (namespaces); skips (77) with the reason otherwise.
 * usage: agent_route_latency ORCHESTRATOR AGENT [ITERATIONS=50] [BIG_ROUTES=10000]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "log.h"
#include "msg.h"

#define NODE "lat-upf-01"
#define CONTROL_EP "tcp://127.0.0.1:7701"
#define POLL_GAP_US 1000     /* between two polls */
#define WAIT_LIMIT_MS 2000   /* one change not seen after this: counted as a timeout */
#define PAUSE_MS 20          /* between changes, so each report is its own */

static char ns_name[64], dir[64], ip_bin[32];
static pid_t kids[2];
static volatile sig_atomic_t cleaned;

/* ---- cleanup: on every exit, and from a signal or the watchdog (async-signal-safe) ---- */

static void run_wait(char *const argv[])
{
    pid_t p = fork();
    if (p == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    if (p > 0)
        waitpid(p, NULL, 0);
}

static void cleanup(void)
{
    if (cleaned)
        return;
    cleaned = 1;
    for (int i = 0; i < 2; i++)
        if (kids[i] > 0) {
            kill(kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
            kids[i] = 0;
        }
    if (ns_name[0]) {
        char *argv[] = {ip_bin, "netns", "del", ns_name, NULL};
        run_wait(argv);
    }
    if (dir[0]) {
        char *argv[] = {"/bin/rm", "-rf", dir, NULL};
        run_wait(argv);
    }
}

static void on_signal(int sig)
{
    static const char msg[] = "agent_route_latency: interrupted, cleaning up\n";
    if (sig == SIGALRM)
        (void)!write(2, "agent_route_latency: watchdog: took too long\n", 46);
    else
        (void)!write(2, msg, sizeof msg - 1);
    cleanup();
    _exit(1);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh_rc;
static void sh(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    sh_rc = system(cmd);
}

static void dump_logs(void)
{
    for (int i = 0; i < 2; i++) {
        fprintf(stderr, "--- %s log (last lines)\n", i ? "agent" : "orchestrator");
        sh("tail -n 20 %s/%s.log >&2", dir, i ? "agent" : "orch");
    }
}

static pid_t spawn(const char *bin, const char *cfg, const char *log)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s.log", dir, log);
    pid_t p = fork();
    if (p == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(bin, bin, "--config", cfg, (char *)NULL);
        _exit(127);
    }
    return p;
}

/* ---- routes through plain rtnetlink: a few lines instead of an `ip` process ---- */

static int nl_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return -errno;
    return fd;
}

static void add_attr(struct nlmsghdr *n, int type, const void *data, size_t len)
{
    struct rtattr *a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
    a->rta_type = (unsigned short)type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* RTM_NEWROUTE / RTM_DELROUTE for 10.A.B.0/24 dev IFINDEX in the main table. With ack: waits
 * for the kernel's answer and returns its error (0 or -errno). */
static int nl_route(int fd, int cmd, uint32_t dst, int ifindex, uint32_t seq, bool ack)
{
    struct {
        struct nlmsghdr n;
        struct rtmsg r;
        char attrs[64];
    } req;
    memset(&req, 0, sizeof req);
    req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    req.n.nlmsg_type = (unsigned short)cmd;
    req.n.nlmsg_flags = NLM_F_REQUEST | (ack ? NLM_F_ACK : 0) |
                        (cmd == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0);
    req.n.nlmsg_seq = seq;
    req.r.rtm_family = AF_INET;
    req.r.rtm_dst_len = 24;
    req.r.rtm_table = RT_TABLE_MAIN;
    if (cmd == RTM_NEWROUTE) {
        req.r.rtm_protocol = RTPROT_STATIC;
        req.r.rtm_scope = RT_SCOPE_LINK;
        req.r.rtm_type = RTN_UNICAST;
    } else {
        req.r.rtm_scope = RT_SCOPE_NOWHERE; /* as `ip route del`: match any scope */
    }
    uint32_t d = htonl(dst);
    add_attr(&req.n, RTA_DST, &d, 4);
    add_attr(&req.n, RTA_OIF, &ifindex, 4);
    if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
        return -errno;
    if (!ack)
        return 0;
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0)
            return -errno;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == seq)
                return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
        }
    }
}

static uint32_t net_of(uint32_t i) { return (10u << 24) | ((64u + i / 256) << 16) | (i % 256) << 8; }

/* ---- the observer: one control connection ---- */

static corridor_ctl_client *client;
static corridor_control_request req;

/* One poll. Returns the node's route count (-1: no answer or no node) and, when want is
 * set, whether that route is in the reply (GET_NODE only). */
static long poll_once(corridor_ctl_kind kind, const char *want, bool *present)
{
    corridor_msg rep;
    char err[256];
    req.kind = kind;
    snprintf(req.node_id, sizeof req.node_id, "%s", kind == CORRIDOR_CTL_GET_NODE ? NODE : "");
    if (corridor_ctl_client_call(client, &req, 2000, &rep, err, sizeof err) != 0)
        return -1;
    long n = -1;
    for (size_t i = 0; i < rep.u.crep.n_nodes; i++) {
        const corridor_node_view *v = &rep.u.crep.nodes[i];
        if (strcmp(v->identity.node_id, NODE) != 0)
            continue;
        n = v->n_routes_total;
        if (want && present) {
            *present = false;
            for (size_t k = 0; k < v->report.n_routes; k++)
                *present = *present || strcmp(v->report.routes[k].dst, want) == 0;
        }
    }
    corridor_msg_fini(&rep);
    return n;
}

static void sleep_us(long us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    uint64_t v[1024];
    size_t n;
    size_t timeouts;
} series;

static double pct(series *s, double p)
{
    if (!s->n)
        return 0;
    qsort(s->v, s->n, sizeof s->v[0], cmp_u64);
    size_t i = (size_t)(p * (double)(s->n - 1) + 0.5);
    return (double)s->v[i] / 1000.0;
}

static void print_series(const char *what, series *s)
{
    printf("  %-44s min %6.2f  p50 %6.2f  p90 %6.2f  max %6.2f ms  (n=%zu%s)\n", what,
           pct(s, 0), pct(s, 0.5), pct(s, 0.9), pct(s, 1.0), s->n,
           s->timeouts ? ", TIMEOUTS" : "");
    if (s->timeouts)
        printf("  %zu changes not seen within %d ms\n", s->timeouts, WAIT_LIMIT_MS);
}

/* Poll until the change shows; the time from t0 (just before the netlink request). */
static void wait_seen(series *s, uint64_t t0, corridor_ctl_kind kind, const char *dst,
                      bool want_present, long want_count)
{
    for (;;) {
        bool present = !want_present;
        long n = poll_once(kind, dst, &present);
        uint64_t now = corridor_clock_mono_us();
        bool seen = kind == CORRIDOR_CTL_GET_NODE ? present == want_present : n == want_count;
        if (seen && n >= 0) {
            s->v[s->n++] = now - t0;
            return;
        }
        if (now - t0 > (uint64_t)WAIT_LIMIT_MS * 1000) {
            s->timeouts++;
            return;
        }
        sleep_us(POLL_GAP_US);
    }
}

/* The observer's round trip with nothing changing: the resolution of every figure. */
static void floor_of(corridor_ctl_kind kind, series *s)
{
    s->n = 0;
    for (int i = 0; i < 200; i++) {
        uint64_t t0 = corridor_clock_mono_us();
        bool p;
        poll_once(kind, "x", &p);
        s->v[s->n++] = corridor_clock_mono_us() - t0;
    }
}

/* iterations x (add, pause, delete, pause) of routes 10.(64+base+i/256).(i%256).0/24 */
static int measure(int nl, int ifindex, int iterations, uint32_t base, long count,
                   corridor_ctl_kind kind, series *add, series *del, series *ack)
{
    static uint32_t seq = 1000000;
    for (int i = 0; i < iterations; i++) {
        uint32_t net = net_of(base + (uint32_t)i);
        char dst[32];
        snprintf(dst, sizeof dst, "%u.%u.%u.0/24", net >> 24, (net >> 16) & 255,
                 (net >> 8) & 255);
        uint64_t t0 = corridor_clock_mono_us();
        int rc = nl_route(nl, RTM_NEWROUTE, net, ifindex, ++seq, true);
        ack->v[ack->n++] = corridor_clock_mono_us() - t0;
        if (rc < 0) {
            fprintf(stderr, "netlink: add %s: %s\n", dst, strerror(-rc));
            return rc;
        }
        wait_seen(add, t0, kind, dst, true, count + 1);
        sleep_us(PAUSE_MS * 1000);
        t0 = corridor_clock_mono_us();
        if ((rc = nl_route(nl, RTM_DELROUTE, net, ifindex, ++seq, true)) < 0) {
            fprintf(stderr, "netlink: delete %s: %s\n", dst, strerror(-rc));
            return rc;
        }
        wait_seen(del, t0, kind, dst, false, count);
        sleep_us(PAUSE_MS * 1000);
    }
    return 0;
}

static long wait_count(long want, int timeout_ms)
{
    uint64_t t0 = corridor_clock_mono_ms();
    long n = -1;
    while (corridor_clock_mono_ms() - t0 < (uint64_t)timeout_ms) {
        n = poll_once(CORRIDOR_CTL_LIST_NODES, NULL, NULL);
        if (n == want || (want < 0 && n >= 0))
            return n;
        sleep_us(20000);
    }
    return -1 - n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s ORCHESTRATOR AGENT [ITERATIONS] [BIG_ROUTES]\n", argv[0]);
        return 2;
    }
    const char *orch = argv[1], *agent = argv[2];
    int iterations = argc > 3 ? atoi(argv[3]) : 50;
    long big = argc > 4 ? atol(argv[4]) : 10000;
    if (iterations < 1 || iterations > 500 || big < 0 || big > 60000) {
        fprintf(stderr, "iterations 1..500, big routes 0..60000\n");
        return 2;
    }
    if (geteuid() != 0) {
        printf("SKIP: network namespaces need root (run as root, as CI does)\n");
        return 77;
    }
    snprintf(ip_bin, sizeof ip_bin, "%s", access("/usr/sbin/ip", X_OK) == 0 ? "/usr/sbin/ip"
                                          : access("/sbin/ip", X_OK) == 0 ? "/sbin/ip"
                                          : "/bin/ip");
    snprintf(ns_name, sizeof ns_name, "corr-lat-%d", (int)getpid());
    char nsadd[160];
    snprintf(nsadd, sizeof nsadd, "%s netns add %s 2>&1", ip_bin, ns_name);
    FILE *p = popen(nsadd, "r");
    char why[256] = "";
    size_t got = p ? fread(why, 1, sizeof why - 1, p) : 0;
    why[got] = '\0';
    if (!p || pclose(p) != 0) {
        ns_name[0] = '\0';
        printf("SKIP: this machine forbids network namespaces: %s\n", why);
        return 77;
    }
    atexit(cleanup);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    alarm(120); /* a hang must not leave the namespace behind */
    snprintf(dir, sizeof dir, "/tmp/corridor-lat.XXXXXX");
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        perror("mkdtemp");
        return 1;
    }

    /* into the namespace: the daemons (children) and our sockets live there */
    char nspath[128];
    snprintf(nspath, sizeof nspath, "/run/netns/%s", ns_name);
    int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
        printf("SKIP: cannot enter network namespace %s: %s\n", ns_name, strerror(errno));
        return 77;
    }
    close(nsfd);
    sh("ip link set lo up");
    const char *kind = "dummy";
    sh("ip link add upf0 type dummy 2>/dev/null");
    if (sh_rc != 0) {
        kind = "tun (this kernel has no dummy interfaces)";
        sh("ip tuntap add upf0 mode tun");
    }
    sh("ip link set upf0 up && ip route add 10.45.0.0/16 dev upf0 && "
       "ip route add 10.46.0.0/16 dev upf0 && ip route add 10.47.0.0/16 dev upf0");
    int ifindex = (int)if_nametoindex("upf0");
    if (sh_rc != 0 || ifindex <= 0) {
        fprintf(stderr, "could not set up upf0 in %s\n", ns_name);
        return 1;
    }
    char ocfg[128], acfg[128];
    snprintf(ocfg, sizeof ocfg, "%s/orch.yaml", dir);
    snprintf(acfg, sizeof acfg, "%s/agent.yaml", dir);
    FILE *f = fopen(ocfg, "w");
    if (!f)
        return 1;
    fprintf(f, "orchestrator: {id: orch-lat, region: eu-central}\n"
               "agents: {endpoint: \"tcp://127.0.0.1:7700\", report_interval_ms: 1000}\n"
               "control: {endpoint: \"%s\"}\nlog: {level: warn}\n", CONTROL_EP);
    fclose(f);
    if (!(f = fopen(acfg, "w")))
        return 1;
    fprintf(f, "node: {id: %s, operator: \"262-01\", country: DE, region: eu-central, "
               "tier: far-edge, location: {lat: 48.1, lon: 11.5}}\n"
               "orchestrator: {endpoint: \"tcp://127.0.0.1:7700\", reconnect_min_ms: 50, "
               "register_timeout_ms: 200}\n"
               "gpu: {source: none}\nrouting: {tables: [254], interfaces: [upf0]}\n"
               "steering: {enabled: false}\nworkloads: {state_dir: \"%s/state\"}\n"
               "log: {level: warn}\n", NODE, dir);
    fclose(f);
    kids[0] = spawn(orch, ocfg, "orch");
    usleep(100000);
    kids[1] = spawn(agent, acfg, "agent");

    corridor_log_set_level(CORRIDOR_LOG_WARN);
    char err[256];
    client = corridor_ctl_client_new(CONTROL_EP, NULL, err, sizeof err);
    int nl = nl_open();
    if (!client || nl < 0) {
        fprintf(stderr, "%s\n", client ? strerror(-nl) : err);
        return 1;
    }
    long base = wait_count(3, 10000);
    if (base != 3) {
        fprintf(stderr, "the node did not show its 3 routes within 10 s (last count %ld)\n",
                -1 - base);
        dump_logs();
        return 1;
    }
    printf("agent route latency: kernel route change (netlink, in the benchmark) -> the "
           "orchestrator's view,\none control connection polled every %d ms; namespace %s, "
           "UPF device %s, %d changes of each kind\n", POLL_GAP_US / 1000, ns_name, kind,
           iterations);
    static series add, del, ack, flr;
    floor_of(CORRIDOR_CTL_GET_NODE, &flr);
    printf("reference: observer round trip, nothing changing (the figures' resolution)\n");
    print_series("GET_NODE round trip, 3 routes", &flr);
    if (measure(nl, ifindex, iterations, 0, 3, CORRIDOR_CTL_GET_NODE, &add, &del, &ack) < 0) {
        dump_logs();
        return 1;
    }
    printf("table with 3 routes, GET_NODE polled, the route looked up in the reply:\n");
    print_series("route added -> in the orchestrator's view", &add);
    print_series("route deleted -> gone from the view", &del);
    print_series("the netlink request itself (until the ack)", &ack);
    double worst_p90 = pct(&add, 0.9) > pct(&del, 0.9) ? pct(&add, 0.9) : pct(&del, 0.9);
    size_t timeouts = add.timeouts + del.timeouts;

    if (big > 0) {
        uint64_t t0 = corridor_clock_mono_us();
        uint32_t seq = 1;
        for (long i = 0; i < big; i++) /* acked in one go at the end */
            if (nl_route(nl, RTM_NEWROUTE, net_of(1000 + (uint32_t)i), ifindex, seq++,
                         i == big - 1) < 0) {
                fprintf(stderr, "netlink: adding %ld routes failed at %ld\n", big, i);
                return 1;
            }
        long n = wait_count(3 + big, 20000);
        if (n != 3 + big) {
            fprintf(stderr, "the node did not show %ld routes (last count %ld)\n", 3 + big,
                    -1 - n);
            dump_logs();
            return 1;
        }
        printf("table with %ld routes: added and in the orchestrator's view after %.0f ms\n",
               3 + big, (double)(corridor_clock_mono_us() - t0) / 1000.0);
        static series badd, bdel, back, bflr;
        floor_of(CORRIDOR_CTL_LIST_NODES, &bflr);
        print_series("reference: LIST_NODES round trip", &bflr);
        /* base 1000 + big keeps clear of the bulk routes */
        if (measure(nl, ifindex, iterations, 1000 + (uint32_t)big, 3 + big,
                    CORRIDOR_CTL_LIST_NODES, &badd, &bdel, &back) < 0) {
            dump_logs();
            return 1;
        }
        printf("table with %ld routes, LIST_NODES polled, the route count compared:\n", 3 + big);
        print_series("route added -> in the orchestrator's view", &badd);
        print_series("route deleted -> gone from the view", &bdel);
        print_series("the netlink request itself (until the ack)", &back);
        double bp = pct(&badd, 0.9) > pct(&bdel, 0.9) ? pct(&badd, 0.9) : pct(&bdel, 0.9);
        worst_p90 = bp > worst_p90 ? bp : worst_p90;
        timeouts += badd.timeouts + bdel.timeouts;
    }
    printf("goal (issue): change -> orchestrator's view < 50 ms; worst p90 here %.2f ms: %s\n",
           worst_p90, timeouts ? "NOT MET (changes timed out)"
                      : worst_p90 < 50.0 ? "met" : "not met");
    corridor_ctl_client_free(&client);
    close(nl);
    return 0;
}
