/*
 * Live rule updates while forwarding: corridor-dataplane reads an infinite pcap (net_pcap
 * infinite_rx) of uplink GTP-U for SESSIONS sessions and writes what it forwards into a FIFO
 * that this test reads and checks packet by packet, while the test re-points 10,000 rules
 * per second between node A and node B through the control socket (RuleUpdate MODIFY).
 *
 * Each rule version sends session s to node k with TEID (k << 24 | s). A packet that saw a
 * half-written rule, or went to a node no version of its rule names, has an outer
 * destination and TEID that disagree, or a TEID whose session is not the inner packet's.
 * Passes when: every op applied, no packet dropped (all drop counters 0, tx == rx), every
 * packet read from the FIFO is consistent, and both nodes got traffic.
 * With WORKERS 2 the input port has two receive queues (a second infinite pcap with the
 * sessions in reverse order) and the output port a FIFO per worker (net_pcap: a transmit
 * queue per tx_pcap), each read by its own thread; both workers must have forwarded.
 * Usage: test_live_update CORRIDOR_DATAPLANE [WORKERS]   (1 or 2, default 1)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "harness.h"
#include "msg.h"
#include "pkt.h"
#include "pktgen.h"
#include "testutil.h"
#include "transport.h"

#define SESSIONS 1000
#define BATCH 100
#define BATCH_EVERY_MS 10          /* 100 ops / 10 ms = 10,000 rule updates per second */
#define RUN_MS 3000

static const uint8_t us4[4] = {198, 51, 100, 2}, gnb4[4] = {198, 51, 100, 1};
static const uint8_t node4[2][4] = {{203, 0, 113, 1}, {203, 0, 113, 2}};

/* ---- the input pcap ---- */

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }
static void put16(FILE *f, uint16_t v) { fwrite(&v, 2, 1, f); }

static int write_input(const char *path, bool reverse)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    put32(f, 0xa1b2c3d4); put16(f, 2); put16(f, 4); put32(f, 0); put32(f, 0);
    put32(f, 65535); put32(f, 1);
    for (uint32_t i = 0; i < SESSIONS; i++) {
        uint32_t s = reverse ? SESSIONS - 1 - i : i;
        uint8_t ip[128], fr[256];
        uint8_t ue[4] = {10, 45, (uint8_t)(s >> 8), (uint8_t)s};
        size_t n = pg_ip_udp(ip, 4, ue, (const uint8_t[4]){192, 0, 2, 10}, 64, 18);
        size_t fl = pg_gtpu(fr, 4, gnb4, us4, 0x10000 + s, -1, ip, n, 0);
        put32(f, s); put32(f, 0); put32(f, (uint32_t)fl); put32(f, (uint32_t)fl);
        fwrite(fr, 1, fl, f);
    }
    return fclose(f);
}

/* ---- the FIFO reader: every forwarded packet, checked ---- */

typedef struct {
    const char *path;
    uint64_t pkts, wrong, per_node[2];
    char first_wrong[200];
} reader;

static void *read_fifo(void *arg)
{
    reader *r = arg;
    FILE *f = fopen(r->path, "rb");   /* blocks until the dataplane opens it */
    if (!f)
        return NULL;
    uint8_t *buf = malloc(65536);   /* one per reader: two may run */
    uint32_t hdr[4];
    if (!buf || fread(buf, 1, 24, f) != 24) {
        free(buf);
        fclose(f);
        return NULL;
    }
    while (fread(hdr, 4, 4, f) == 4) {
        uint32_t len = hdr[2];
        if (len > 65536 || fread(buf, 1, len, f) != len)
            break;
        r->pkts++;
        corridor_pkt p;
        bool ok = corridor_pkt_parse(buf, len, &p) == CORRIDOR_PKT_OK &&
                  p.kind == CORRIDOR_PKT_KIND_GTPU && p.inner.family == 4;
        int k = -1;
        if (ok) {
            const uint8_t *dst = corridor_pkt_ip_dst(buf, &p.outer);
            k = memcmp(dst, node4[0], 4) == 0 ? 0 : memcmp(dst, node4[1], 4) == 0 ? 1 : -1;
            const uint8_t *src = corridor_pkt_ip_src(buf, &p.inner);
            uint32_t sess = (uint32_t)src[2] << 8 | src[3];
            ok = k >= 0 && (p.teid >> 24) == (uint32_t)k && (p.teid & 0xffffff) == sess;
        }
        if (ok) {
            r->per_node[k]++;
        } else if (r->wrong++ == 0) {
            snprintf(r->first_wrong, sizeof r->first_wrong, "packet %llu: node %d teid 0x%x",
                     (unsigned long long)r->pkts, k, p.teid);
        }
    }
    free(buf);
    fclose(f);
    return NULL;
}

/* ---- control client ---- */

static corridor_sock *sock;
static uint64_t seq;

static int request(corridor_msg *m, corridor_msg *reply, int timeout_ms)
{
    m->env.seq = ++seq;
    uint8_t *buf;
    size_t len;
    int rc = corridor_msg_encode(m, &buf, &len);
    if (rc < 0)
        return rc;
    uint64_t deadline = it_now_ms() + (uint64_t)timeout_ms;
    /* -EAGAIN until the DEALER has connected */
    while ((rc = corridor_sock_send(sock, NULL, buf, len)) == -EAGAIN && it_now_ms() < deadline)
        it_sleep_ms(10);
    free(buf);
    if (rc < 0)
        return rc;
    while (it_now_ms() < deadline) {
        corridor_pollitem it = {.sock = sock, .fd = -1};
        if (corridor_poll(&it, 1, 50) <= 0)
            continue;
        corridor_frame f;
        if (corridor_sock_recv(sock, &f) != 1)
            continue;
        corridor_msg_limits lim;
        corridor_msg_limits_default(&lim);
        if (corridor_msg_decode(f.data, f.len, &lim, reply, NULL) == 0 &&
            reply->env.correlation_id == m->env.seq)
            return 0;
        corridor_msg_fini(reply);
    }
    return -ETIMEDOUT;
}

static void fill_rule(corridor_dp_rule *r, uint32_t s, int k, uint64_t version)
{
    memset(r, 0, sizeof *r);
    r->rule_id = s + 1;
    r->uplink_teid = 0x10000 + s;
    r->uplink_address.family = 4;
    memcpy(r->uplink_address.a, us4, 4);
    r->action = CORRIDOR_DP_ACTION_FORWARD;
    snprintf(r->target_node, sizeof r->target_node, "node-%c", 'a' + k);
    r->target_address.family = 4;
    memcpy(r->target_address.a, node4[k], 4);
    r->target_teid = (uint32_t)k << 24 | s;
    r->out_port = 1;
    r->version = version;
}

static uint64_t stat_of(const char *file, const char *name)
{
    FILE *f = fopen(file, "r");
    char n[128];
    unsigned long long v;
    uint64_t out = UINT64_MAX;
    while (f && fscanf(f, "%127s %llu", n, &v) == 2)
        if (strcmp(n, name) == 0)
            out = v;
    if (f)
        fclose(f);
    return out;
}

static uint64_t drops_total(const char *file)
{
    return stat_of(file, "drops");
}

int main(int argc, char **argv)
{
    int workers = argc > 2 ? atoi(argv[2]) : 1;
    if (argc < 2 || workers < 1 || workers > 2) {
        fprintf(stderr, "usage: %s CORRIDOR_DATAPLANE [WORKERS: 1 or 2]\n", argv[0]);
        return 2;
    }
    it_env env;
    if (it_env_init(&env) < 0)
        return 1;
    char in[2][300], fifo[2][300], cfgpath[300], stats[300], endpoint[64];
    for (int w = 0; w < workers; w++) {
        snprintf(in[w], sizeof in[w], "%s/in%d.pcap", env.dir, w);
        snprintf(fifo[w], sizeof fifo[w], "%s/out%d.fifo", env.dir, w);
        CHECK_EQ_INT(write_input(in[w], w == 1), 0);
        CHECK_EQ_INT(mkfifo(fifo[w], 0600), 0);
    }
    snprintf(stats, sizeof stats, "%s/stats.txt", env.dir);
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", it_free_port());

    /* static rules: every session on node A (version 1) from the first packet on */
    size_t cap = 4096 + SESSIONS * 200;
    char *yaml = malloc(cap);
    size_t off = (size_t)snprintf(yaml, cap,
        "dataplane: {id: dp-live, sessions: 4096, mbufs: 8191, stats_interval_ms: 1000}\n"
        "ports:\n"
        "  - {name: net_pcap0, rx_queues: %d, address4: 198.51.100.2}\n"
        "  - {name: net_pcap1, address4: 198.51.100.2, gateway_mac: \"02:00:00:00:00:fe\"}\n"
        "control: {endpoint: \"%s\"}\nlog: {level: info}\nrules:\n", workers, endpoint);
    for (uint32_t s = 0; s < SESSIONS; s++)
        off += (size_t)snprintf(yaml + off, cap - off,
            "  - {id: %u, uplink_teid: %u, uplink_address: 198.51.100.2, action: forward, "
            "target_address: 203.0.113.1, target_teid: %u, out_port: 1}\n",
            s + 1, 0x10000 + s, s);
    snprintf(cfgpath, sizeof cfgpath, "%s", it_write(&env, "dp.yaml", "%s", yaml));
    free(yaml);

    reader rd[2] = {{.path = fifo[0]}, {.path = fifo[1]}};
    pthread_t th[2];
    for (int w = 0; w < workers; w++)
        pthread_create(&th[w], NULL, read_fifo, &rd[w]);
    char prefix[64], vdev0[700], vdev1[700];
    snprintf(prefix, sizeof prefix, "--file-prefix=cdp-live-%d", (int)getpid());
    if (workers == 1) {
        snprintf(vdev0, sizeof vdev0, "--vdev=net_pcap0,rx_pcap=%s,infinite_rx=1", in[0]);
        snprintf(vdev1, sizeof vdev1, "--vdev=net_pcap1,tx_pcap=%s", fifo[0]);
    } else {   /* a receive queue per rx_pcap, a transmit queue per tx_pcap */
        snprintf(vdev0, sizeof vdev0, "--vdev=net_pcap0,rx_pcap=%s,rx_pcap=%s,infinite_rx=1",
                 in[0], in[1]);
        snprintf(vdev1, sizeof vdev1, "--vdev=net_pcap1,tx_pcap=%s,tx_pcap=%s", fifo[0],
                 fifo[1]);
    }
    /* two workers may share a CPU on a 2-core machine: a functional test */
    const char *lcores = workers == 1 ? "0,1" : "0@0,(1-2)@(0-1)";
    const char *dargv[] = {argv[1], "--no-huge", "--no-pci", "-m", "512", "--lcores", lcores,
                           prefix, "--log-level=*:error", "--no-telemetry", vdev0, vdev1, "--",
                           "--config", cfgpath, "--stats-file", stats, NULL};
    pid_t pid = it_spawn(&env, "dataplane", dargv);

    corridor_transport *tr = corridor_transport_new();
    corridor_sock_opts o;
    corridor_sock_opts_default(&o);
    corridor_security sec = {0};
    char err[256];
    sock = corridor_sock_dealer_connect(tr, endpoint, &sec, &o, err, sizeof err);
    CHECK(sock != NULL);

    /* ready when it answers a stats request */
    corridor_msg req, rep;
    int ready = -1;
    for (uint64_t t = it_now_ms(); ready != 0 && it_now_ms() - t < 30000;) {
        corridor_msg_init(&req, CORRIDOR_MSG_DATAPLANE_STATS_REQUEST);
        ready = request(&req, &rep, 500);
        if (ready == 0)
            corridor_msg_fini(&rep);
    }
    CHECK_EQ_INT(ready, 0);

    uint64_t ops_ok = 0, ops_sent = 0, batches_failed = 0, version = 1;
    uint32_t next = 0;
    corridor_rule_op ops[BATCH];
    uint64_t t0 = it_now_ms(), due = t0;
    while (ready == 0 && it_now_ms() - t0 < RUN_MS) {
        version++;
        for (int i = 0; i < BATCH; i++, next = (next + 1) % SESSIONS) {
            ops[i].op = CORRIDOR_RULE_OP_MODIFY;
            /* every SESSIONS ops a full round: alternate the node per round */
            int k = (int)((version * BATCH / SESSIONS) % 2);
            fill_rule(&ops[i].rule, next, k ^ 1, version);
        }
        corridor_msg_init(&req, CORRIDOR_MSG_RULE_UPDATE);
        req.u.rupd.batch_id = version;
        req.u.rupd.ops = ops;
        req.u.rupd.n_ops = BATCH;
        ops_sent += BATCH;
        if (request(&req, &rep, 2000) == 0 && rep.env.type == CORRIDOR_MSG_RULE_RESULT &&
            rep.u.rres.failed == 0) {
            ops_ok += rep.u.rres.applied;
        } else {
            if (batches_failed++ == 0 && rep.env.type == CORRIDOR_MSG_RULE_RESULT)
                fprintf(stderr, "batch refused: %s\n", rep.u.rres.error);
        }
        corridor_msg_fini(&rep);
        due += BATCH_EVERY_MS;
        int64_t wait = (int64_t)due - (int64_t)it_now_ms();
        if (wait > 0)
            it_sleep_ms((int)wait);
    }
    uint64_t elapsed = it_now_ms() - t0;
    corridor_sock_free(&sock);
    corridor_transport_free(&tr);
    int st = it_stop(pid, SIGTERM, 20000);
    /* if the dataplane never opened a FIFO, its reader still waits in open(): release it */
    uint64_t read_pkts = 0, wrong = 0, per_node[2] = {0, 0};
    for (int w = 0; w < workers; w++) {
        int ufd = open(fifo[w], O_WRONLY | O_NONBLOCK);
        if (ufd >= 0)
            close(ufd);
        pthread_join(th[w], NULL);
        read_pkts += rd[w].pkts;
        wrong += rd[w].wrong;
        per_node[0] += rd[w].per_node[0];
        per_node[1] += rd[w].per_node[1];
        if (rd[w].wrong)
            fprintf(stderr, "first wrong (worker %d): %s\n", w, rd[w].first_wrong);
    }

    uint64_t rx = stat_of(stats, "rx_packets"), tx = stat_of(stats, "tx_packets");
    printf("re-pointed %llu rules in %llu ms (%.0f rules/s), %llu batches failed\n",
           (unsigned long long)ops_ok, (unsigned long long)elapsed,
           elapsed ? (double)ops_ok * 1000.0 / (double)elapsed : 0.0,
           (unsigned long long)batches_failed);
    printf("dataplane (%d workers) rx=%llu tx=%llu drops=%llu; read back %llu packets: node A "
           "%llu, node B %llu, wrong %llu\n", workers, (unsigned long long)rx,
           (unsigned long long)tx, (unsigned long long)drops_total(stats),
           (unsigned long long)read_pkts, (unsigned long long)per_node[0],
           (unsigned long long)per_node[1], (unsigned long long)wrong);
    CHECK_EQ_INT(st, 0);
    CHECK_EQ_INT(batches_failed, 0);
    CHECK_EQ_INT(ops_ok, ops_sent);
    CHECK(ops_ok >= 10000);
    CHECK_EQ_INT(drops_total(stats), 0);
    CHECK(rx > 0 && rx != UINT64_MAX);
    CHECK_EQ_INT(tx, rx);
    CHECK_EQ_INT(read_pkts, tx);
    CHECK_EQ_INT(wrong, 0);
    CHECK(per_node[0] > 0 && per_node[1] > 0);
    /* each worker forwarded, and what it sent is what its FIFO's reader got */
    for (int w = 0; w < workers; w++) {
        char n[64];
        snprintf(n, sizeof n, "worker%d_rx_packets", w);
        uint64_t wrx = stat_of(stats, n);
        snprintf(n, sizeof n, "worker%d_tx_packets", w);
        uint64_t wtx = stat_of(stats, n);
        printf("worker %d: rx=%llu tx=%llu read back %llu\n", w, (unsigned long long)wrx,
               (unsigned long long)wtx, (unsigned long long)rd[w].pkts);
        CHECK(wrx > 0 && wrx != UINT64_MAX);
        CHECK_EQ_INT(wtx, wrx);
        CHECK_EQ_INT(rd[w].pkts, wtx);
    }
    if (tu_failures)
        it_dump_log(&env, "dataplane");
    it_env_cleanup(&env);
    return TEST_SUMMARY();
}
