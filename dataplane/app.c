/* corridor-dataplane: ports, workers and the main loop (see app.h). */
#include "app_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "clock.h"
#include "log.h"

#define MOD "dataplane"

const char *corridor_dp_app_id(const corridor_dp_app *a)
{
    return a->cfg->id;
}

int corridor_dp_app_apply(corridor_dp_app *a, const corridor_rule_op *ops, size_t n,
                          corridor_rule_result *res)
{
    return corridor_dpt_apply(a->t, ops, n, res);
}

static int find_port(const char *name, uint16_t *pid, char *err, size_t errlen)
{
    if (rte_eth_dev_get_port_by_name(name, pid) != 0) {
        snprintf(err, errlen, "port '%s' not found (is it given to the EAL with --vdev or -a?)",
                 name);
        return -ENODEV;
    }
    return 0;
}

static int setup_port(corridor_dp_app *a, uint16_t pid, const char *name, uint16_t n_rx,
                      uint16_t rx_desc, uint16_t tx_desc, char *err, size_t errlen)
{
    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(pid, &info);
    if (rc != 0) {
        snprintf(err, errlen, "port '%s': no device info: %s", name, strerror(-rc));
        return rc;
    }
    uint16_t n_tx = (uint16_t)a->n_workers;
    if (n_rx > info.max_rx_queues || n_tx > info.max_tx_queues) {
        snprintf(err, errlen, "port '%s': %u rx / %u tx queues wanted (one tx queue per worker), "
                 "the device has %u / %u", name, n_rx, n_tx, info.max_rx_queues,
                 info.max_tx_queues);
        return -EINVAL;
    }
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof conf);
    if (n_rx > 1) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf =
            (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    }
    rc = rte_eth_dev_configure(pid, n_rx, n_tx, &conf);
    if (rc != 0) {
        snprintf(err, errlen, "port '%s': configure: %s", name, strerror(-rc));
        return rc;
    }
    int socket = rte_eth_dev_socket_id(pid);
    if (socket < 0)
        socket = (int)rte_socket_id();
    for (uint16_t q = 0; q < n_rx && rc == 0; q++)
        rc = rte_eth_rx_queue_setup(pid, q, rx_desc, (unsigned)socket, NULL, a->mp);
    for (uint16_t q = 0; q < n_tx && rc == 0; q++)
        rc = rte_eth_tx_queue_setup(pid, q, tx_desc, (unsigned)socket, NULL);
    if (rc == 0)
        rc = rte_eth_dev_start(pid);
    if (rc != 0) {
        snprintf(err, errlen, "port '%s': queue setup/start: %s", name, strerror(-rc));
        return rc;
    }
    rte_eth_promiscuous_enable(pid);   /* not every vdev supports it; harmless */
    return 0;
}

static int setup_ports(corridor_dp_app *a, char *err, size_t errlen)
{
    const corridor_dp_config *cfg = a->cfg;
    a->n_ports = (uint16_t)cfg->n_ports;
    for (uint16_t i = 0; i < a->n_ports; i++) {
        const corridor_dp_port_cfg *pc = &cfg->ports[i];
        int rc = find_port(pc->name, &a->port_id[i], err, errlen);
        if (rc == 0)
            rc = setup_port(a, a->port_id[i], pc->name, (uint16_t)pc->rx_queues,
                            (uint16_t)pc->rx_desc, (uint16_t)pc->tx_desc, err, errlen);
        if (rc < 0)
            return rc;
        a->port_started[i] = true;
        corridor_dpt_port *p = &a->ports[i];
        if (!pc->mac[0] || corridor_dp_parse_mac(pc->mac, p->mac) < 0) {
            struct rte_ether_addr ea;
            if (rte_eth_macaddr_get(a->port_id[i], &ea) == 0)
                memcpy(p->mac, ea.addr_bytes, 6);
        }
        if (pc->gateway_mac[0])
            corridor_dp_parse_mac(pc->gateway_mac, p->gateway_mac);
        p->has_vlan = pc->vlan != 0;
        p->vlan_tci = (uint16_t)pc->vlan;
        corridor_dp_parse_addr(pc->address4, &p->addr4);
        corridor_dp_parse_addr(pc->address6, &p->addr6);
    }
    if (cfg->exception_port[0]) {
        uint16_t k = CORRIDOR_DP_KERNEL_SLOT;
        int rc = find_port(cfg->exception_port, &a->port_id[k], err, errlen);
        if (rc == 0)
            /* a queue pair per worker: net_tap wants as many rx as tx queues, and the
             * kernel spreads its packets over all of them; worker w reads queue w */
            rc = setup_port(a, a->port_id[k], cfg->exception_port, (uint16_t)a->n_workers, 512,
                            512, err, errlen);
        if (rc < 0)
            return rc;
        a->port_started[k] = true;
        a->has_kernel = true;
    }
    return 0;
}

static void setup_workers(corridor_dp_app *a)
{
    const corridor_dp_config *cfg = a->cfg;
    for (unsigned w = 0; w < a->n_workers; w++) {
        corridor_dp_worker *k = &a->workers[w];
        k->id = w;
        k->t = a->t;
        k->qsbr = corridor_dpt_qsbr(a->t);
        k->n_ports = a->n_ports;
        memcpy(k->port_id, a->port_id, sizeof k->port_id);
        memcpy(k->ports, a->ports, sizeof k->ports);
        k->has_kernel = a->has_kernel;
        k->kernel_return = (uint16_t)cfg->exception_return_port;
        k->burst = (uint16_t)cfg->burst;
        k->stop = &a->stop;
        k->poll_kernel = a->has_kernel;
    }
    /* every (port, rx queue) to one worker, round robin */
    unsigned j = 0;
    for (uint16_t i = 0; i < a->n_ports; i++)
        for (uint16_t q = 0; q < cfg->ports[i].rx_queues; q++, j++) {
            corridor_dp_worker *k = &a->workers[j % a->n_workers];
            if (k->n_rxq < CORRIDOR_DP_MAX_RXQ) {
                k->rxq[k->n_rxq].idx = i;
                k->rxq[k->n_rxq].queue = q;
                k->n_rxq++;
            }
        }
}

static int install_static_rules(corridor_dp_app *a, char *err, size_t errlen)
{
    const corridor_dp_config *cfg = a->cfg;
    if (!cfg->n_rules)
        return 0;
    corridor_rule_op *ops = calloc(cfg->n_rules, sizeof *ops);
    if (!ops)
        return -ENOMEM;
    for (size_t i = 0; i < cfg->n_rules; i++) {
        ops[i].op = CORRIDOR_RULE_OP_ADD;
        corridor_dp_rule_from_cfg(&cfg->rules[i], &ops[i].rule);
    }
    corridor_rule_result res;
    int rc = corridor_dpt_apply(a->t, ops, cfg->n_rules, &res);
    free(ops);
    if (rc < 0) {
        snprintf(err, errlen, "static rules: %s", res.error);
        return rc;
    }
    CLOG_INFO(MOD, "static rules installed", "rules=%zu", cfg->n_rules);
    return 0;
}

corridor_dp_app *corridor_dp_app_new(const corridor_dp_config *cfg, char *err, size_t errlen)
{
    corridor_dp_app *a = calloc(1, sizeof *a);
    if (a)
        a->start_us = corridor_clock_mono_us();
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->cfg = cfg;
    unsigned lc;
    RTE_LCORE_FOREACH_WORKER(lc) {
        if (a->n_workers < CORRIDOR_DP_MAX_WORKERS)
            a->lcores[a->n_workers++] = lc;
    }
    if (a->n_workers == 0) {
        snprintf(err, errlen, "no worker lcore: give the EAL at least two (-l 0,1): the main "
                 "lcore runs the control socket, workers forward");
        free(a);
        return NULL;
    }
    a->workers = rte_zmalloc("corridor_workers", a->n_workers * sizeof *a->workers,
                             RTE_CACHE_LINE_SIZE);
    a->mp = rte_pktmbuf_pool_create("corridor_mbufs", cfg->mbufs, cfg->mbuf_cache, 0,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
    if (!a->workers || !a->mp) {
        snprintf(err, errlen, "cannot allocate %u mbufs: %s (more memory: EAL -m)", cfg->mbufs,
                 rte_strerror(rte_errno));
        corridor_dp_app_free(&a);
        return NULL;
    }
    if (setup_ports(a, err, errlen) < 0) {
        corridor_dp_app_free(&a);
        return NULL;
    }
    corridor_dpt_params tp = {
        .name = "corridor",
        .capacity = cfg->sessions,
        .max_batch = cfg->limits.max_rules_batch,
        .n_readers = a->n_workers,
        .ports = a->ports,
        .n_ports = a->n_ports,
        .has_kernel_port = a->has_kernel,
        .socket_id = (int)rte_socket_id(),
    };
    a->t = corridor_dpt_new(&tp, err, errlen);
    if (!a->t || install_static_rules(a, err, errlen) < 0) {
        corridor_dp_app_free(&a);
        return NULL;
    }
    setup_workers(a);
    if (cfg->control_endpoint[0]) {
        a->ctl = corridor_dp_ctl_new(a, cfg->control_endpoint, &cfg->limits, err, errlen);
        if (!a->ctl) {
            corridor_dp_app_free(&a);
            return NULL;
        }
    }
    corridor_dp_stats_telemetry(a);
    CLOG_INFO(MOD, "ready", "id=%s ports=%u workers=%u sessions=%u exception=%s control=%s "
              "tsc_hz=%llu", cfg->id, a->n_ports, a->n_workers, cfg->sessions,
              a->has_kernel ? cfg->exception_port : "none",
              cfg->control_endpoint[0] ? cfg->control_endpoint : "none",
              (unsigned long long)rte_get_tsc_hz());
    return a;
}

static bool idle_for(const corridor_dp_app *a, uint64_t idle_cycles)
{
    uint64_t now = rte_get_tsc_cycles(), last = 0;
    for (unsigned w = 0; w < a->n_workers; w++) {
        uint64_t l = __atomic_load_n(&a->workers[w].st.last_rx_tsc, __ATOMIC_RELAXED);
        last = l > last ? l : last;
    }
    return last && now - last > idle_cycles;
}

int corridor_dp_app_run(corridor_dp_app *a, int stop_fd, uint32_t idle_exit_ms, uint32_t run_ms)
{
    a->stop = false;
    uint64_t start = rte_get_tsc_cycles();
    for (unsigned w = 0; w < a->n_workers; w++)
        a->workers[w].st.last_rx_tsc = start;
    for (unsigned w = 0; w < a->n_workers; w++) {
        int rc = rte_eal_remote_launch(corridor_dp_worker_main, &a->workers[w], a->lcores[w]);
        if (rc != 0) {
            CLOG_ERROR(MOD, "cannot launch worker", "lcore=%u error=%s", a->lcores[w],
                       strerror(-rc));
            a->stop = true;
            rte_eal_mp_wait_lcore();
            return rc;
        }
    }
    uint64_t hz = rte_get_tsc_hz();
    uint64_t idle_cycles = (uint64_t)idle_exit_ms * hz / 1000;
    uint64_t next_stats = corridor_clock_mono_ms() + a->cfg->stats_interval_ms;
    const char *why = "signal";
    uint64_t end_ms = run_ms ? corridor_clock_mono_ms() + run_ms : 0;
    a->last_stats_us = corridor_clock_mono_us();
    for (;;) {
        corridor_pollitem items[2];
        size_t n = 0;
        if (a->ctl)
            items[n++] = (corridor_pollitem){.sock = corridor_dp_ctl_sock(a->ctl), .fd = -1};
        if (stop_fd >= 0)
            items[n++] = (corridor_pollitem){.sock = NULL, .fd = stop_fd};
        int rc = n ? corridor_poll(items, n, 10) : (usleep(10000), 0);
        if (rc < 0 && rc != -EINTR) {
            why = "poll error";
            break;
        }
        if (stop_fd >= 0 && items[n - 1].readable)
            break;
        if (a->ctl && items[0].readable)
            corridor_dp_ctl_drain(a->ctl);
        uint64_t now = corridor_clock_mono_ms();
        if (a->cfg->stats_interval_ms && now >= next_stats) {
            corridor_dp_app_log_stats(a, "stats");
            next_stats = now + a->cfg->stats_interval_ms;
        }
        if (end_ms && now >= end_ms) {
            why = "run time over";
            break;
        }
        if (idle_exit_ms && idle_for(a, idle_cycles)) {
            why = "idle";
            break;
        }
    }
    a->stop = true;
    rte_eal_mp_wait_lcore();
    CLOG_INFO(MOD, "stopped", "reason=%s", why);
    return 0;
}

void corridor_dp_app_free(corridor_dp_app **ap)
{
    if (!ap || !*ap)
        return;
    corridor_dp_app *a = *ap;
    corridor_dp_stats_telemetry_clear(a);
    corridor_dp_ctl_free(&a->ctl);
    for (unsigned i = 0; i <= CORRIDOR_DPT_MAX_PORTS; i++) {
        if (!a->port_started[i])
            continue;
        rte_eth_dev_stop(a->port_id[i]);
        rte_eth_dev_close(a->port_id[i]);  /* net_pcap flushes and closes its file here */
    }
    corridor_dpt_free(&a->t);
    rte_mempool_free(a->mp);
    rte_free(a->workers);
    free(a);
    *ap = NULL;
}
