/*
 * The dataplane's counters in the node's Report, end to end: corridor-dataplane (DPDK on
 * vdevs: an infinite pcap in, net_null out) with a control endpoint, the orchestrator and an
 * agent configured with `dataplane.endpoint`, all on loopback. `corridorctl node` (table and
 * --json) shows the counters growing (forwarded, breakout, a drop reason, rules); after
 * `kill -9` of the dataplane the node shows it unreachable with no numbers while the agent
 * keeps reporting; a restarted dataplane comes back.
 * usage: test_dataplane_stats_it ORCHESTRATOR AGENT CORRIDORCTL [CORRIDOR_DATAPLANE]
 * (without the last argument, a build without DPDK, it skips with 77).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "testutil.h"

#define NODE "de-muc-far-01"
#define DP_ID "dp-it-01"

static it_env env;
static char control_ep[64], dp_ep[64], in_pcap[320], dp_cfg[320], node_cmd[512];
static const char *ctl_bin, *dp_bin;
static int dp_starts;
static char prefixes[4][64];

/* ---- the input pcap: uplink GTP-U with a forward rule, downlink with a breakout rule,
 * downlink for a UE nobody has (drops_no_session_dl) ---- */

static size_t ipv4_udp(uint8_t *p, const uint8_t src[4], const uint8_t dst[4], uint16_t sport,
                       uint16_t dport, size_t payload)
{
    size_t total = 20 + 8 + payload;
    memset(p, 0, total);
    p[0] = 0x45;
    p[2] = (uint8_t)(total >> 8);
    p[3] = (uint8_t)total;
    p[6] = 0x40; /* DF */
    p[8] = 64;
    p[9] = 17;
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    p[10] = (uint8_t)(~sum >> 8);
    p[11] = (uint8_t)~sum;
    uint8_t *u = p + 20;
    u[0] = (uint8_t)(sport >> 8);
    u[1] = (uint8_t)sport;
    u[2] = (uint8_t)(dport >> 8);
    u[3] = (uint8_t)dport;
    u[4] = (uint8_t)((8 + payload) >> 8);
    u[5] = (uint8_t)(8 + payload);
    return total;
}

static size_t ether(uint8_t *f)
{
    static const uint8_t hdr[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
    memcpy(f, hdr, sizeof hdr);
    return sizeof hdr;
}

static void put_rec(FILE *f, uint32_t ts, const uint8_t *fr, size_t len)
{
    uint32_t h[4] = {ts, 0, (uint32_t)len, (uint32_t)len};
    fwrite(h, 4, 4, f);
    fwrite(fr, 1, len, f);
}

static int write_input(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    uint32_t gh[6] = {0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, 1};
    fwrite(gh, 4, 6, f);
    static const uint8_t gnb[4] = {198, 51, 100, 1}, us[4] = {198, 51, 100, 2},
                         ue1[4] = {10, 45, 0, 1}, ue2[4] = {10, 45, 0, 2},
                         ue9[4] = {10, 45, 9, 9}, srv[4] = {192, 0, 2, 10};
    uint8_t fr[256], inner[128];
    /* uplink: GTP-U TEID 0x100 to us, inner UE 10.45.0.1 -> server (rule 1: forward) */
    size_t in = ipv4_udp(inner, ue1, srv, 40000, 5001, 18);
    size_t n = ether(fr);
    size_t outer = ipv4_udp(fr + n, gnb, us, 2152, 2152, 8 + in);
    uint8_t *g = fr + n + 28;
    g[0] = 0x30;
    g[1] = 0xff;
    g[2] = (uint8_t)(in >> 8);
    g[3] = (uint8_t)in;
    g[4] = 0;
    g[5] = 0;
    g[6] = 0x01;
    g[7] = 0x00;
    memcpy(g + 8, inner, in);
    put_rec(f, 1, fr, n + outer);
    /* downlink to UE 10.45.0.2 (rule 2: breakout) */
    n = ether(fr);
    n += ipv4_udp(fr + n, srv, ue2, 5001, 40000, 18);
    put_rec(f, 2, fr, n);
    /* downlink to 10.45.9.9: no session */
    n = ether(fr);
    n += ipv4_udp(fr + n, srv, ue9, 5001, 40000, 18);
    put_rec(f, 3, fr, n);
    return fclose(f);
}

static pid_t start_dataplane(void)
{
    char *prefix = prefixes[dp_starts++ % 4];
    snprintf(prefix, sizeof prefixes[0], "cdp-dps-%d-%d", (int)getpid(), dp_starts);
    char fp[96], vdev0[400];
    snprintf(fp, sizeof fp, "--file-prefix=%s", prefix);
    snprintf(vdev0, sizeof vdev0, "--vdev=net_pcap0,rx_pcap=%s,infinite_rx=1", in_pcap);
    const char *argv[] = {dp_bin, "--no-huge", "--no-pci", "-m", "512", "-l", "0,1", fp,
                          "--log-level=*:error", "--no-telemetry", vdev0,
                          "--vdev=net_null0,no-rx=1", "--", "--config", dp_cfg, NULL};
    return it_spawn(&env, "dataplane", argv);
}

/* `corridorctl node NODE [--json]` output (malloc'ed), or NULL. */
static char *node_out(bool json)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "%s%s 2>&1", node_cmd, json ? " --json" : "");
    char *out = NULL;
    if (it_run(cmd, &out) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* A counter's value in `node --json` output; UINT64_MAX when absent. */
static uint64_t counter(const char *json, const char *name)
{
    char key[96];
    snprintf(key, sizeof key, "\"%s\": ", name);
    const char *dp = json ? strstr(json, "\"dataplane\": {") : NULL;
    const char *p = dp ? strstr(dp, key) : NULL;
    return p ? strtoull(p + strlen(key), NULL, 10) : UINT64_MAX;
}

/* Wait until `node --json` contains needle; returns the ms it took, or -1 (last output shown). */
static long wait_json(const char *needle, int timeout_ms)
{
    uint64_t t0 = it_now_ms();
    char *out = NULL;
    while (it_now_ms() - t0 < (uint64_t)timeout_ms) {
        free(out);
        out = node_out(true);
        if (out && strstr(out, needle)) {
            free(out);
            return (long)(it_now_ms() - t0);
        }
        it_sleep_ms(100);
    }
    fprintf(stderr, "node --json never showed '%s'; last:\n%s\n", needle, out ? out : "");
    free(out);
    return -1;
}

static uint32_t reports_of(void)
{
    corridor_msg m;
    uint32_t n = 0;
    if (it_nodes(control_ep, &m) == 0) {
        const corridor_node_view *v = it_find(&m.u.crep, NODE);
        n = v && v->state == CORRIDOR_NODE_ALIVE ? v->reports : 0;
        corridor_msg_fini(&m);
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc == 4) {
        printf("SKIP: built without DPDK (libdpdk-dev not found, or -Ddpdk=disabled): no "
               "corridor-dataplane to poll\n");
        return 77;
    }
    int rc = it_main_init(argc, argv, 4, "ORCHESTRATOR AGENT CORRIDORCTL CORRIDOR_DATAPLANE",
                          &env);
    if (rc)
        return rc;
    ctl_bin = argv[3];
    dp_bin = argv[4];
    char agents_ep[64], orch_cfg[320], agent_cfg[320];
    snprintf(agents_ep, sizeof agents_ep, "tcp://127.0.0.1:%d", it_free_port());
    snprintf(control_ep, sizeof control_ep, "tcp://127.0.0.1:%d", it_free_port());
    snprintf(dp_ep, sizeof dp_ep, "tcp://127.0.0.1:%d", it_free_port());
    snprintf(node_cmd, sizeof node_cmd, "%s -e %s node " NODE, ctl_bin, control_ep);
    snprintf(in_pcap, sizeof in_pcap, "%s/in.pcap", env.dir);
    CHECK_EQ_INT(write_input(in_pcap), 0);
    snprintf(dp_cfg, sizeof dp_cfg, "%s",
             it_write(&env, "dataplane.yaml",
                      "dataplane: {id: " DP_ID ", sessions: 1024, mbufs: 4095, "
                      "stats_interval_ms: 1000}\n"
                      "ports:\n"
                      "  - {name: net_pcap0, address4: 198.51.100.2}\n"
                      "  - {name: net_null0, address4: 198.51.100.2, "
                      "gateway_mac: \"02:00:00:00:00:fe\"}\n"
                      "control: {endpoint: \"%s\"}\n"
                      "rules:\n"
                      "  - {id: 1, uplink_teid: 256, uplink_address: 198.51.100.2, "
                      "action: forward, target_address: 203.0.113.1, target_teid: 512, "
                      "out_port: 1}\n"
                      "  - {id: 2, ue_address: 10.45.0.2, action: breakout, out_port: 1}\n",
                      dp_ep));
    snprintf(orch_cfg, sizeof orch_cfg, "%s",
             it_write(&env, "orchestrator.yaml",
                      "orchestrator: {id: orch-it, region: eu-central}\n"
                      "agents: {endpoint: '%s', report_interval_ms: 300}\n"
                      "control: {endpoint: '%s'}\n", agents_ep, control_ep));
    snprintf(agent_cfg, sizeof agent_cfg, "%s",
             it_write(&env, "agent.yaml",
                      "node: {id: " NODE ", operator: '262-01', country: DE, "
                      "region: eu-central, tier: far-edge, location: {lat: 48.1, lon: 11.6}}\n"
                      "orchestrator: {endpoint: '%s', reconnect_min_ms: 50, "
                      "reconnect_max_ms: 200, register_timeout_ms: 200}\n"
                      "routing: {enabled: false}\nsteering: {enabled: false}\n"
                      "gpu: {source: none}\n"
                      "workloads: {state_dir: '%s/state'}\n"
                      "dataplane: {endpoint: '%s', interval_ms: 200, timeout_ms: 300, "
                      "retry_max_ms: 800}\n", agents_ep, env.dir, dp_ep));

    const char *oargv[] = {argv[1], "--config", orch_cfg, NULL};
    pid_t orch = it_spawn(&env, "orchestrator", oargv);
    const char *aargv[] = {argv[2], "--config", agent_cfg, NULL};
    pid_t agent = it_spawn(&env, "agent", aargv);

    /* the agent reports the dataplane before it exists: present, never answered */
    CHECK(wait_json("\"reachable\": false", 5000) >= 0);
    char *out = node_out(false);
    CHECK_CONTAINS(out, "dataplane:   - at ");
    CHECK_CONTAINS(out, "unreachable (never answered)");
    free(out);

    pid_t dp = start_dataplane();
    long ms = wait_json("\"reachable\": true", 30000);
    CHECK(ms >= 0);
    printf("  dataplane up -> reachable in corridorctl after %ld ms\n", ms);

    /* counters flow and grow */
    CHECK(wait_json("\"drops_no_session_dl\": ", 3000) >= 0);
    out = node_out(true);
    uint64_t rx1 = counter(out, "rx_packets"), fw1 = counter(out, "forwarded");
    uint64_t bo1 = counter(out, "breakout"), nsd1 = counter(out, "drops_no_session_dl");
    CHECK_EQ_INT(counter(out, "rules"), 2);
    CHECK_CONTAINS(out, "\"id\": \"" DP_ID "\"");
    CHECK(counter(out, "drops_trunc_eth") == UINT64_MAX); /* zero reasons are left out */
    free(out);
    it_sleep_ms(1000);
    out = node_out(true);
    uint64_t rx2 = counter(out, "rx_packets"), fw2 = counter(out, "forwarded");
    uint64_t bo2 = counter(out, "breakout"), nsd2 = counter(out, "drops_no_session_dl");
    uint64_t tx2 = counter(out, "tx_packets"), drops2 = counter(out, "drops");
    free(out);
    printf("  rx %llu -> %llu, forwarded %llu -> %llu, breakout %llu -> %llu, "
           "no_session_dl %llu -> %llu in 1 s\n", (unsigned long long)rx1,
           (unsigned long long)rx2, (unsigned long long)fw1, (unsigned long long)fw2,
           (unsigned long long)bo1, (unsigned long long)bo2, (unsigned long long)nsd1,
           (unsigned long long)nsd2);
    CHECK(rx1 != UINT64_MAX && rx2 != UINT64_MAX && rx2 > rx1);
    CHECK(fw1 != UINT64_MAX && fw2 > fw1);
    CHECK(bo1 != UINT64_MAX && bo2 > bo1);
    CHECK(nsd1 != UINT64_MAX && nsd2 > nsd1);
    /* what the dataplane sent is what it forwarded and broke out; the rest it dropped */
    CHECK(tx2 != UINT64_MAX && drops2 != UINT64_MAX && tx2 > 0 && drops2 > 0);
    out = node_out(false);
    CHECK_CONTAINS(out, "dataplane:   " DP_ID " at tcp://127.0.0.1:");
    CHECK_CONTAINS(out, ": reachable (answered ");
    CHECK_CONTAINS(out, "RX PACKETS");
    CHECK_CONTAINS(out, "FORWARDED");
    CHECK_CONTAINS(out, "drops by reason: no_session_dl ");
    printf("  corridorctl node " NODE ":\n%s", out ? out : "(nothing)\n");
    free(out);

    /* the dataplane crashes: unreachable, no stale numbers, the agent keeps reporting */
    CHECK_EQ_INT(it_stop(dp, SIGKILL, 5000), 128 + SIGKILL);
    uint64_t t_kill = it_now_ms();
    ms = wait_json("\"reachable\": false", 5000);
    CHECK(ms >= 0);
    printf("  kill -9 -> unreachable in corridorctl after %ld ms\n", ms);
    out = node_out(true);
    CHECK_CONTAINS(out, "\"counters\": {}");
    CHECK(counter(out, "rx_packets") == UINT64_MAX);
    CHECK_CONTAINS(out, "\"state\": \"alive\"");
    free(out);
    out = node_out(false);
    CHECK_CONTAINS(out, "dataplane:   " DP_ID " at ");
    CHECK_CONTAINS(out, ": unreachable (last answer ");
    CHECK(out && !strstr(out, "RX PACKETS"));
    free(out);
    uint32_t r0 = reports_of();
    it_sleep_ms(1500);
    uint32_t r1 = reports_of();
    printf("  while the dataplane is down: %u reports in 1.5 s (interval 300 ms)\n", r1 - r0);
    CHECK(r0 > 0 && r1 >= r0 + 3);

    /* it comes back */
    dp = start_dataplane();
    ms = wait_json("\"reachable\": true", 30000);
    CHECK(ms >= 0);
    printf("  restarted -> reachable again after %ld ms (down %llu ms in all)\n", ms,
           (unsigned long long)(it_now_ms() - t_kill));
    CHECK(wait_json("\"forwarded\": ", 3000) >= 0);
    out = node_out(true);
    CHECK(counter(out, "rx_packets") != UINT64_MAX && counter(out, "rx_packets") > 0);
    CHECK_EQ_INT(counter(out, "rules"), 2);
    free(out);

    CHECK_EQ_INT(it_stop(dp, SIGTERM, 20000), 0);
    CHECK_EQ_INT(it_stop(agent, SIGTERM, 5000), 0);
    CHECK_EQ_INT(it_stop(orch, SIGTERM, 5000), 0);
    if (tu_failures) {
        it_dump_log(&env, "orchestrator");
        it_dump_log(&env, "agent");
        it_dump_log(&env, "dataplane");
    }
    /* the EAL's runtime directories (a killed run cannot remove its own) */
    for (int i = 0; i < dp_starts && i < 4; i++) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf /var/run/dpdk/%.64s", prefixes[i]);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove /var/run/dpdk/%s\n", prefixes[i]);
    }
    it_env_cleanup(&env);
    return TEST_SUMMARY();
}
