/*
 * Report ingest: agents' Reports over ZeroMQ on loopback into a real corridor-orchestrator
 * (library, its own thread): decode, identity check, registry update. Reference in the same
 * run: raw ZeroMQ throughput of the same frames over the same socket pattern (DEALER ->
 * ROUTER, a receiver that only counts). Prints reports/s, MB/s and the ratio.
 * usage: bench_ingest [reports per run, default 200000] [agents, default 100]
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "msg.h"
#include "orch_config.h"
#include "server.h"
#include "transport.h"

static uint64_t target;
static atomic_int ready;
static uint64_t recv_done_us;
static char endpoint[64], ctl_endpoint[64];

static uint64_t now_us(void) { return corridor_clock_mono_us(); }

/* ---- the orchestrator under test ---- */

static void *orch_thread(void *arg)
{
    corridor_orch_config *cfg = arg;
    char err[256];
    corridor_orch *o = corridor_orch_new(cfg, err, sizeof err);
    if (!o) {
        fprintf(stderr, "orchestrator: %s\n", err);
        exit(1);
    }
    atomic_store(&ready, 1);
    corridor_core *core = corridor_orch_core(o);
    while (corridor_core_stats_get(core)->reports < target)
        corridor_orch_step(o, 5);
    recv_done_us = now_us();
    corridor_orch_free(&o);
    return NULL;
}

/* ---- raw ZeroMQ reference: a ROUTER that counts frames ---- */

static void *raw_thread(void *arg)
{
    (void)arg;
    corridor_transport *t = corridor_transport_new();
    char err[256];
    corridor_sock_opts so;
    corridor_sock_opts_default(&so);
    corridor_sock *s = corridor_sock_router_bind(t, endpoint, NULL, &so, err, sizeof err);
    atomic_store(&ready, 1);
    uint64_t n = 0;
    corridor_frame f;
    while (n < target) {
        corridor_pollitem it = {.sock = s};
        corridor_poll(&it, 1, 5);
        while (n < target && corridor_sock_recv(s, &f) == 1)
            n++;
    }
    recv_done_us = now_us();
    corridor_sock_free(&s);
    corridor_transport_free(&t);
    return NULL;
}

static void fill_report(corridor_report *r, const char *id)
{
    memset(r, 0, sizeof *r);
    snprintf(r->node_id, sizeof r->node_id, "%s", id);
    snprintf(r->gpu_source, sizeof r->gpu_source, "file");
    r->cpu_util_pct = 42.5;
    r->mem_total_bytes = 256ull << 30;
    r->mem_available_bytes = 100ull << 30;
    static corridor_gpu gpus[4];
    static corridor_route routes[32];
    static corridor_link links[8];
    for (int i = 0; i < 4; i++) {
        gpus[i].index = (uint32_t)i;
        snprintf(gpus[i].uuid, sizeof gpus[i].uuid, "GPU-%08x-0000-1111-2222-333344445555", i);
        snprintf(gpus[i].name, sizeof gpus[i].name, "NVIDIA H100 80GB HBM3");
        gpus[i].util_pct = 50;
        gpus[i].mem_total_bytes = 80ull << 30;
        gpus[i].mem_used_bytes = 20ull << 30;
    }
    for (int i = 0; i < 32; i++) {
        routes[i].family = 4;
        snprintf(routes[i].dst, sizeof routes[i].dst, "10.45.%d.0/24", i);
        snprintf(routes[i].oif, sizeof routes[i].oif, "upf0");
        routes[i].table = 100;
    }
    for (int i = 0; i < 8; i++) {
        snprintf(links[i].name, sizeof links[i].name, "n3-%d", i);
        links[i].up = true;
        links[i].mtu = 9000;
        links[i].rx_bytes = 123456789ull * (uint64_t)i;
    }
    r->gpus = gpus;
    r->n_gpus = 4;
    r->routes = routes;
    r->n_routes = 32;
    r->links = links;
    r->n_links = 8;
}

static int send_retry(corridor_sock *s, const uint8_t *buf, size_t len)
{
    int rc;
    while ((rc = corridor_sock_send(s, NULL, buf, len)) == -EAGAIN)
        usleep(50);
    return rc;
}

/* Connect `agents` DEALERs, register each (when registering), then send the reports. */
static double run(uint32_t agents, bool orchestrator, size_t *frame_len)
{
    corridor_transport *t = corridor_transport_new();
    corridor_sock **socks = calloc(agents, sizeof *socks);
    uint8_t **frames = calloc(agents, sizeof *frames);
    size_t *lens = calloc(agents, sizeof *lens);
    char err[256];
    corridor_sock_opts so;
    corridor_sock_opts_default(&so);
    so.sndhwm = 1000;
    for (uint32_t a = 0; a < agents; a++) {
        socks[a] = corridor_sock_dealer_connect(t, endpoint, NULL, &so, err, sizeof err);
        char id[32];
        snprintf(id, sizeof id, "bench-%04u", a);
        corridor_msg m;
        if (orchestrator) {
            corridor_msg_init(&m, CORRIDOR_MSG_REGISTER);
            snprintf(m.u.reg.node_id, sizeof m.u.reg.node_id, "%s", id);
            snprintf(m.u.reg.plmn, sizeof m.u.reg.plmn, "262-01");
            snprintf(m.u.reg.country, sizeof m.u.reg.country, "DE");
            uint8_t *b;
            size_t l;
            corridor_msg_encode(&m, &b, &l);
            send_retry(socks[a], b, l);
            free(b);
        }
        corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
        snprintf(m.env.sender_id, sizeof m.env.sender_id, "%s", id);
        fill_report(&m.u.report, id);
        corridor_msg_encode(&m, &frames[a], &lens[a]);
    }
    *frame_len = lens[0];
    usleep(200000); /* registrations land before the clock starts */
    uint64_t t0 = now_us();
    for (uint64_t i = 0; i < target; i++) {
        uint32_t a = (uint32_t)(i % agents);
        send_retry(socks[a], frames[a], lens[a]);
    }
    /* wait for the receiver (the caller joins its thread) */
    while (!recv_done_us)
        usleep(100);
    double secs = (double)(recv_done_us - t0) / 1e6;
    for (uint32_t a = 0; a < agents; a++) {
        corridor_sock_free(&socks[a]);
        free(frames[a]);
    }
    free(socks);
    free(frames);
    free(lens);
    corridor_transport_free(&t);
    return secs;
}

int main(int argc, char **argv)
{
    target = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    uint32_t agents = argc > 2 ? (uint32_t)atoi(argv[2]) : 100;
    corridor_log_set_level(CORRIDOR_LOG_ERROR);
    int port = 20000 + getpid() % 20000;
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    snprintf(ctl_endpoint, sizeof ctl_endpoint, "tcp://127.0.0.1:%d", port + 1);

    /* reference first: raw ZeroMQ */
    pthread_t th;
    size_t flen = 0;
    atomic_store(&ready, 0);
    recv_done_us = 0;
    pthread_create(&th, NULL, raw_thread, NULL);
    while (!atomic_load(&ready))
        usleep(1000);
    double raw = run(agents, false, &flen);
    pthread_join(th, NULL);

    corridor_orch_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.id, sizeof cfg.id, "bench");
    snprintf(cfg.agents_endpoint, sizeof cfg.agents_endpoint, "%s", endpoint);
    snprintf(cfg.control_endpoint, sizeof cfg.control_endpoint, "%s", ctl_endpoint);
    cfg.report_interval_ms = 1000;
    cfg.heartbeat_timeout_ms = 600000;
    cfg.max_nodes = 100000;
    corridor_msg_limits_default(&cfg.limits);
    corridor_place_config_default(&cfg.place);
    atomic_store(&ready, 0);
    recv_done_us = 0;
    pthread_create(&th, NULL, orch_thread, &cfg);
    while (!atomic_load(&ready))
        usleep(1000);
    double ours = run(agents, true, &flen);
    pthread_join(th, NULL);

    printf("report ingest: %llu reports of %zu bytes (4 GPUs, 32 routes, 8 links) from %u agents "
           "over tcp loopback\n", (unsigned long long)target, flen, agents);
    printf("%-28s %12s %10s\n", "", "reports/s", "MB/s");
    printf("%-28s %12.0f %10.1f\n", "raw ZeroMQ (count only)", target / raw,
           target * (double)flen / raw / 1e6);
    printf("%-28s %12.0f %10.1f\n", "corridor-orchestrator", target / ours,
           target * (double)flen / ours / 1e6);
    printf("ratio: %.2f of raw ZeroMQ; at a 1 s report interval one orchestrator core keeps up "
           "with about %.0f nodes\n", raw / ours, target / ours);
    return 0;
}
