/*
 * Small pure parts of the agent: UE prefix canonicalisation for steering, cgroup delegation
 * detection (on this machine for real, and on a hand-made /proc + cgroup2 directory), and the
 * new configuration keys with their errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_config.h"
#include "cgroup.h"
#include "steering.h"
#include "testutil.h"

static void test_prefix_canon(void)
{
    char out[64], msg[256];
    CHECK_EQ_INT(corridor_steering_prefix_canon("10.45.3.0/24", out, sizeof out, msg,
                                                sizeof msg), 0);
    CHECK_EQ_STR(out, "10.45.3.0/24");
    CHECK_EQ_INT(corridor_steering_prefix_canon("10.45.3.7", out, sizeof out, msg, sizeof msg),
                 0);
    CHECK_EQ_STR(out, "10.45.3.7/32");
    CHECK_EQ_INT(corridor_steering_prefix_canon("2001:0db8:0045::/48", out, sizeof out, msg,
                                                sizeof msg), 0);
    CHECK_EQ_STR(out, "2001:db8:45::/48");
    CHECK_EQ_INT(corridor_steering_prefix_canon("10.45.3.7/24", out, sizeof out, msg,
                                                sizeof msg), -EINVAL);
    CHECK_CONTAINS(msg, "did you mean 10.45.3.0/24?");
    CHECK_EQ_INT(corridor_steering_prefix_canon("10.45.3.0/33", out, sizeof out, msg,
                                                sizeof msg), -EINVAL);
    CHECK_CONTAINS(msg, "0..32");
    CHECK_EQ_INT(corridor_steering_prefix_canon("ue-pool", out, sizeof out, msg, sizeof msg),
                 -EINVAL);
    CHECK_EQ_INT(corridor_steering_prefix_canon("", out, sizeof out, msg, sizeof msg), -EINVAL);
    CHECK_EQ_INT(corridor_steering_prefix_canon("10.0.0.0/", out, sizeof out, msg, sizeof msg),
                 -EINVAL);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_cgroup_detect(void)
{
    corridor_cgroup cg;
    corridor_cgroup_detect(&cg, "", "/proc");
    printf("  this machine: delegated=%d: %s\n", cg.delegated, cg.why);
    CHECK(cg.why[0] != '\0');
    corridor_cgroup_detect(&cg, "off", "/proc");
    CHECK(!cg.delegated);
    CHECK_CONTAINS(cg.why, "turned off");

    /* a hand-made /proc and cgroup2 directory: the parsing and the decision */
    char root[] = "/tmp/corridor-cg.XXXXXX", p[256], mnt[200];
    CHECK(mkdtemp(root) != NULL);
    snprintf(p, sizeof p, "%s/self", root);
    mkdir(p, 0755);
    snprintf(mnt, sizeof mnt, "%s/cg2", root);
    mkdir(mnt, 0755);
    snprintf(p, sizeof p, "%s/cg2/corridor.service", root);
    mkdir(p, 0755);
    char mi[512];
    snprintf(mi, sizeof mi, "22 1 0:21 / /proc rw - proc proc rw\n"
                            "35 30 0:30 / %s rw,nosuid - cgroup2 cgroup2 rw\n", mnt);
    snprintf(p, sizeof p, "%s/self/mountinfo", root);
    put(p, mi);
    snprintf(p, sizeof p, "%s/self/cgroup", root);
    put(p, "0::/corridor.service\n");
    snprintf(p, sizeof p, "%s/cg2/corridor.service/cgroup.controllers", root);
    put(p, "cpuset io pids\n");
    corridor_cgroup_detect(&cg, "", root);
    CHECK(!cg.delegated);
    CHECK_CONTAINS(cg.why, "'cpuset io pids', not cpu and memory");
    CHECK_CONTAINS(cg.why, "/cg2/corridor.service");
    snprintf(p, sizeof p, "%s/self/cgroup", root);
    put(p, "1:name=systemd:/\n");
    corridor_cgroup_detect(&cg, "", root);
    CHECK(!cg.delegated);
    CHECK_CONTAINS(cg.why, "no cgroup v2 entry");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK_EQ_INT(system(cmd), 0);
}

static void test_config_keys(void)
{
    const char *base = "node: {id: n1, operator: \"262-01\", country: DE, region: r, "
                       "tier: far-edge, location: {lat: 1, lon: 2}}\n";
    char text[1024];
    corridor_agent_config cfg;
    corridor_cfg_error err;
    snprintf(text, sizeof text, "%s", base);
    CHECK_EQ_INT(corridor_cfg_load_string("a.yaml", text, strlen(text),
                                          corridor_agent_config_schema, NULL, &cfg, &err), 0);
    CHECK_EQ_STR(cfg.gpu_source, "auto");
    CHECK_EQ_INT(cfg.n_routing_tables, 0); /* nothing watched unless configured */
    CHECK_EQ_INT(cfg.steering_table, 100);
    CHECK(cfg.workloads_enabled && cfg.routing_enabled && cfg.steering_enabled);
    CHECK_EQ_INT(cfg.rtt_ping_interval_ms, 1000);

    snprintf(text, sizeof text, "%sgpu: {source: file, file: /etc/corridor/gpus.yaml}\n"
             "routing:\n  tables: [254, 200]\n  interfaces: [ogstun, n6]\n"
             "  gateways: [10.200.0.2, \"2001:db8::1\"]\n"
             "steering: {table: 101}\n", base);
    CHECK_EQ_INT(corridor_cfg_load_string("a.yaml", text, strlen(text),
                                          corridor_agent_config_schema, NULL, &cfg, &err), 0);
    CHECK_EQ_STR(cfg.gpu_file, "/etc/corridor/gpus.yaml");
    CHECK_EQ_INT(cfg.n_routing_tables, 2);
    CHECK_EQ_STR(cfg.routing_interfaces[0], "ogstun");
    CHECK_EQ_STR(cfg.routing_gateways[1], "2001:db8::1");
    CHECK_EQ_INT(cfg.steering_table, 101);

    snprintf(text, sizeof text, "%sgpu: {source: nvidia}\n", base);
    CHECK(corridor_cfg_load_string("a.yaml", text, strlen(text), corridor_agent_config_schema,
                                   NULL, &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "a.yaml:2:");
    CHECK_CONTAINS(err.text, "gpu.source");
    snprintf(text, sizeof text, "%srouting: {gateways: [10.200.0.300]}\n", base);
    CHECK(corridor_cfg_load_string("a.yaml", text, strlen(text), corridor_agent_config_schema,
                                   NULL, &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "not an IPv4 or IPv6 address");
    snprintf(text, sizeof text, "%srouting: {interfaces: [averyveryverylongname0]}\n", base);
    CHECK(corridor_cfg_load_string("a.yaml", text, strlen(text), corridor_agent_config_schema,
                                   NULL, &cfg, &err) < 0);
    snprintf(text, sizeof text, "%ssteering: {table: 254}\n", base);
    CHECK(corridor_cfg_load_string("a.yaml", text, strlen(text), corridor_agent_config_schema,
                                   NULL, &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "steering.table");
}

/* rtt.listen / rtt.peers / rtt.peer_misses, through the loader with its whole-file checks. */
static int load_rtt(const char *rtt, corridor_agent_config *cfg, corridor_cfg_error *err)
{
    char path[] = "/tmp/corridor-rtt-cfg.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -errno;
    close(fd);
    char text[2048];
    snprintf(text, sizeof text, "node: {id: n1, operator: \"262-01\", country: DE, region: r, "
             "tier: far-edge, location: {lat: 1, lon: 2}}\n%s", rtt);
    put(path, text);
    int rc = corridor_agent_config_load(path, cfg, err);
    unlink(path);
    return rc;
}

static void test_rtt_config(void)
{
    corridor_agent_config cfg;
    corridor_cfg_error err;
    CHECK_EQ_INT(load_rtt("", &cfg, &err), 0);
    CHECK_EQ_STR(cfg.rtt_listen, "");
    CHECK_EQ_INT(cfg.n_rtt_peers, 0);
    CHECK_EQ_INT(cfg.rtt_peer_misses, 3);

    CHECK_EQ_INT(load_rtt("rtt:\n  listen: tcp://0.0.0.0:7702\n  peer_misses: 5\n  peers:\n"
                          "    - {node: at-ibk-near-01, endpoint: \"tcp://192.0.2.7:7702\"}\n"
                          "    - {node: it-vr-metro-01, endpoint: \"tcp://[2001:db8::9]:7702\"}\n",
                          &cfg, &err), 0);
    CHECK_EQ_STR(cfg.rtt_listen, "tcp://0.0.0.0:7702");
    CHECK_EQ_INT(cfg.rtt_peer_misses, 5);
    CHECK_EQ_INT(cfg.n_rtt_peers, 2);
    CHECK_EQ_STR(cfg.rtt_peers[0].node, "at-ibk-near-01");
    CHECK_EQ_STR(cfg.rtt_peers[1].endpoint, "tcp://[2001:db8::9]:7702");

    /* refusals name file:line:column and the key */
    CHECK(load_rtt("rtt:\n  peers:\n    - {node: p1}\n", &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "missing required key 'endpoint'");
    CHECK(load_rtt("rtt:\n  peers:\n    - {node: \"-x\", endpoint: \"tcp://10.0.0.1:1\"}\n",
                   &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "rtt.peers[0].node");
    CHECK(load_rtt("rtt:\n  peers:\n    - {node: p1, endpoint: \"tcp://*:7702\"}\n", &cfg,
                   &err) < 0);
    CHECK_CONTAINS(err.text, ":4:28: rtt.peers[0].endpoint");
    CHECK_CONTAINS(err.text, "only makes sense for listening");
    CHECK(load_rtt("rtt:\n  peers:\n    - {node: p1, endpoint: \"tcp://a-very-long-host-name."
                   "that-does-not-fit-the-report.example.net:7702\"}\n", &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "rtt.peers[0].endpoint");
    CHECK(load_rtt("rtt:\n  peers:\n    - {node: p1, endpoint: \"tcp://10.0.0.1:1\"}\n"
                   "    - {node: p1, endpoint: \"tcp://10.0.0.2:1\"}\n", &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "rtt.peers[1].node: 'p1' is listed twice");
    CHECK_CONTAINS(err.text, ":5:14:");
    CHECK(load_rtt("rtt:\n  peers:\n    - {node: n1, endpoint: \"tcp://10.0.0.1:1\"}\n", &cfg,
                   &err) < 0);
    CHECK_CONTAINS(err.text, "is this node");
    CHECK(load_rtt("rtt: {listen: \"udp://0.0.0.0:1\"}\n", &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "rtt.listen");
    char many[2048] = "rtt:\n  peers:\n";
    for (int i = 0; i <= CORRIDOR_MAX_PEERS; i++) {
        size_t len = strlen(many);
        snprintf(many + len, sizeof many - len,
                 "    - {node: p%d, endpoint: \"tcp://10.0.0.1:%d\"}\n", i, 7000 + i);
    }
    CHECK(load_rtt(many, &cfg, &err) < 0);
    CHECK_CONTAINS(err.text, "rtt.peers");
}

int main(void)
{
    RUN(test_prefix_canon);
    RUN(test_cgroup_detect);
    RUN(test_config_keys);
    RUN(test_rtt_config);
    return TEST_SUMMARY();
}
