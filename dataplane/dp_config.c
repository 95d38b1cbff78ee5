/* corridor-dataplane's configuration schema (see dp_config.h, docs/dataplane.md). */
#include "dp_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define OFF(m) .offset = offsetof(corridor_dp_config, m), \
               .size = sizeof(((corridor_dp_config *)0)->m)
#define U32(m) .type = CORRIDOR_CFG_INT, OFF(m)
#define POFF(m) .offset = offsetof(corridor_dp_port_cfg, m), \
                .size = sizeof(((corridor_dp_port_cfg *)0)->m)
#define ROFF(m) .offset = offsetof(corridor_dp_rule_cfg, m), \
                .size = sizeof(((corridor_dp_rule_cfg *)0)->m)

int corridor_dp_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &tail) != 6 || strlen(s) != 17)
        return -EINVAL;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

int corridor_dp_parse_addr(const char *s, corridor_ipaddr *a)
{
    memset(a, 0, sizeof *a);
    if (!s[0])
        return 0;
    if (inet_pton(AF_INET, s, a->a) == 1) {
        a->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, s, a->a) == 1) {
        a->family = 6;
        return 0;
    }
    return -EINVAL;
}

static int check_mac(const void *value, char *msg, size_t msglen)
{
    uint8_t mac[6];
    const char *s = value;
    if (s[0] && corridor_dp_parse_mac(s, mac) < 0) {
        snprintf(msg, msglen, "'%s' is not a MAC address like 02:00:00:00:00:01", s);
        return -EINVAL;
    }
    return 0;
}

static int check_addr(const void *value, char *msg, size_t msglen)
{
    corridor_ipaddr a;
    const char *s = value;
    if (corridor_dp_parse_addr(s, &a) < 0) {
        snprintf(msg, msglen, "'%s' is not an IPv4 or IPv6 address", s);
        return -EINVAL;
    }
    return 0;
}

static int check_addr4(const void *value, char *msg, size_t msglen)
{
    corridor_ipaddr a;
    const char *s = value;
    if (corridor_dp_parse_addr(s, &a) < 0 || (s[0] && a.family != 4)) {
        snprintf(msg, msglen, "'%s' is not an IPv4 address", s);
        return -EINVAL;
    }
    return 0;
}

static int check_addr6(const void *value, char *msg, size_t msglen)
{
    corridor_ipaddr a;
    const char *s = value;
    if (corridor_dp_parse_addr(s, &a) < 0 || (s[0] && a.family != 6)) {
        snprintf(msg, msglen, "'%s' is not an IPv6 address", s);
        return -EINVAL;
    }
    return 0;
}

static int check_id_or_empty(const void *value, char *msg, size_t msglen)
{
    return ((const char *)value)[0] ? corridor_cfg_check_id(value, msg, msglen) : 0;
}

static const corridor_cfg_field port_fields[] = {
    {.name = "name", .type = CORRIDOR_CFG_STRING, POFF(name), .required = true,
     .help = "DPDK device name: net_pcap0, net_null0, or a PCI address"},
    {.name = "rx_queues", .type = CORRIDOR_CFG_INT, POFF(rx_queues), .def = "1", .min = 1,
     .max = 64, .help = "receive queues; RSS spreads flows over them"},
    {.name = "rx_desc", .type = CORRIDOR_CFG_INT, POFF(rx_desc), .def = "1024", .min = 64,
     .max = 32768, .help = "descriptors per receive queue"},
    {.name = "tx_desc", .type = CORRIDOR_CFG_INT, POFF(tx_desc), .def = "1024", .min = 64,
     .max = 32768, .help = "descriptors per transmit queue"},
    {.name = "mac", .type = CORRIDOR_CFG_STRING, POFF(mac), .check = check_mac,
     .help = "source MAC of what leaves; empty = the device's"},
    {.name = "gateway_mac", .type = CORRIDOR_CFG_STRING, POFF(gateway_mac), .check = check_mac,
     .help = "destination MAC when a rule names none"},
    {.name = "address4", .type = CORRIDOR_CFG_STRING, POFF(address4), .check = check_addr4,
     .help = "our N3/N9 IPv4 address: outer source of GTP-U sent from this port"},
    {.name = "address6", .type = CORRIDOR_CFG_STRING, POFF(address6), .check = check_addr6,
     .help = "our N3/N9 IPv6 address"},
    {.name = "vlan", .type = CORRIDOR_CFG_INT, POFF(vlan), .def = "0", .min = 0, .max = 4094,
     .help = "802.1Q VLAN id of what leaves; 0 = untagged"},
    {.name = NULL},
};

static const char *const action_names[] = {"forward", "breakout", "drop", "kernel", NULL};

static const corridor_cfg_field rule_fields[] = {
    {.name = "id", .type = CORRIDOR_CFG_INT, ROFF(id), .required = true, .min = 1,
     .max = 18446744073709551615.0, .help = "rule id (non-zero)"},
    {.name = "session", .type = CORRIDOR_CFG_STRING, ROFF(session), .check = check_id_or_empty,
     .help = "session id, for logs"},
    {.name = "uplink_teid", .type = CORRIDOR_CFG_INT, ROFF(uplink_teid), .min = 0,
     .max = 4294967295.0, .help = "uplink key: TEID"},
    {.name = "uplink_address", .type = CORRIDOR_CFG_STRING, ROFF(uplink_address),
     .check = check_addr, .help = "uplink key: outer destination address"},
    {.name = "ue_address", .type = CORRIDOR_CFG_STRING, ROFF(ue_address), .check = check_addr,
     .help = "downlink key: the UE's address"},
    {.name = "action", .type = CORRIDOR_CFG_ENUM, ROFF(action), .required = true,
     .enum_names = action_names, .help = "forward, breakout, drop or kernel"},
    {.name = "target_node", .type = CORRIDOR_CFG_STRING, ROFF(target_node),
     .check = check_id_or_empty, .help = "serving node id"},
    {.name = "target_address", .type = CORRIDOR_CFG_STRING, ROFF(target_address),
     .check = check_addr, .help = "forward: the node's N3/N9 address"},
    {.name = "target_teid", .type = CORRIDOR_CFG_INT, ROFF(target_teid), .min = 0,
     .max = 4294967295.0, .help = "forward: TEID at the node"},
    {.name = "qfi", .type = CORRIDOR_CFG_INT, ROFF(qfi), .min = 0, .max = 63,
     .help = "forward: QFI to set, 0 = keep the packet's"},
    {.name = "out_port", .type = CORRIDOR_CFG_INT, ROFF(out_port), .min = 0,
     .max = CORRIDOR_DP_MAX_PORTS - 1, .help = "index in ports of the egress port"},
    {.name = "dst_mac", .type = CORRIDOR_CFG_STRING, ROFF(dst_mac), .check = check_mac,
     .help = "next hop MAC; empty = the port's gateway_mac"},
    {.name = NULL},
};

static const corridor_cfg_field dp_section[] = {
    {.name = "id", .type = CORRIDOR_CFG_STRING, OFF(id), .required = true,
     .check = corridor_cfg_check_id, .help = "this dataplane's id"},
    {.name = "sessions", U32(sessions), .def = "1048576", .min = 16, .max = 67108864,
     .help = "rules the table holds (each with an uplink and a downlink key)"},
    {.name = "burst", U32(burst), .def = "32", .min = 1, .max = 64,
     .help = "packets per receive burst"},
    {.name = "mbufs", U32(mbufs), .def = "16383", .min = 1023, .max = 16777215,
     .help = "packet buffers in the pool"},
    {.name = "mbuf_cache", U32(mbuf_cache), .def = "256", .min = 0, .max = 512,
     .help = "per-lcore mbuf cache"},
    {.name = "stats_interval_ms", U32(stats_interval_ms), .def = "1000", .min = 0,
     .max = 3600000, .help = "period of the stats log line; 0 = none"},
    {.name = NULL},
};

static const corridor_cfg_field exception_section[] = {
    {.name = "port", .type = CORRIDOR_CFG_STRING, OFF(exception_port),
     .help = "device of the kernel exception path (net_tap0, virtio_user0); empty = none"},
    {.name = "return_port", U32(exception_return_port), .def = "0", .min = 0,
     .max = CORRIDOR_DP_MAX_PORTS - 1, .help = "index of the port the kernel's packets leave by"},
    {.name = NULL},
};

static const corridor_cfg_field control_section[] = {
    {.name = "endpoint", .type = CORRIDOR_CFG_STRING, OFF(control_endpoint),
     .help = "ROUTER bind for rule updates; empty = no control socket"},
    {.name = "max_frame_bytes", U32(limits.max_frame_bytes), .def = "4194304", .min = 1024,
     .max = 67108864, .help = "largest control message"},
    {.name = "max_rules_batch", U32(limits.max_rules_batch), .def = "4096", .min = 1,
     .max = 1000000, .help = "ops in one RuleUpdate"},
    {.name = NULL},
};

static const corridor_cfg_field log_section[] = {
    {.name = "level", .type = CORRIDOR_CFG_ENUM, OFF(log_level), .def = "info",
     .enum_names = corridor_cfg_log_level_names, .help = "debug, info, warn or error"},
    {.name = NULL},
};

const corridor_cfg_field corridor_dp_config_schema[] = {
    {.name = "dataplane", .type = CORRIDOR_CFG_MAP, .required = true, .sub = dp_section,
     .help = "identity and sizing"},
    {.name = "ports", .type = CORRIDOR_CFG_LIST, .offset = offsetof(corridor_dp_config, ports), .size = sizeof(corridor_dp_port_cfg),
     .sub = port_fields, .count_offset = offsetof(corridor_dp_config, n_ports),
     .max_count = CORRIDOR_DP_MAX_PORTS, .required = true, .help = "data ports, in index order"},
    {.name = "exception", .type = CORRIDOR_CFG_MAP, .sub = exception_section,
     .help = "the kernel exception path"},
    {.name = "control", .type = CORRIDOR_CFG_MAP, .sub = control_section,
     .help = "the rule update socket"},
    {.name = "rules", .type = CORRIDOR_CFG_LIST, .offset = offsetof(corridor_dp_config, rules), .size = sizeof(corridor_dp_rule_cfg),
     .sub = rule_fields, .count_offset = offsetof(corridor_dp_config, n_rules),
     .max_count = CORRIDOR_DP_MAX_STATIC_RULES, .help = "static rules installed at start"},
    {.name = "log", .type = CORRIDOR_CFG_MAP, .sub = log_section, .help = "logging"},
    {.name = NULL},
};

void corridor_dp_rule_from_cfg(const corridor_dp_rule_cfg *c, corridor_dp_rule *r)
{
    memset(r, 0, sizeof *r);
    r->rule_id = c->id;
    snprintf(r->session_id, sizeof r->session_id, "%s", c->session);
    r->uplink_teid = c->uplink_teid;
    corridor_dp_parse_addr(c->uplink_address, &r->uplink_address);
    corridor_dp_parse_addr(c->ue_address, &r->ue_address);
    r->action = (corridor_dp_action)(c->action + 1);
    snprintf(r->target_node, sizeof r->target_node, "%s", c->target_node);
    corridor_dp_parse_addr(c->target_address, &r->target_address);
    r->target_teid = c->target_teid;
    r->qfi = (uint8_t)c->qfi;
    r->out_port = c->out_port;
    r->has_dst_mac = corridor_dp_parse_mac(c->dst_mac, r->dst_mac) == 0;
    r->version = 1;
}

static int dp_post(void *out, struct corridor_cfg_ctx *ctx)
{
    corridor_dp_config *cfg = out;
    char path[64];
    if (cfg->n_ports == 0)
        return corridor_cfg_fail(ctx, "ports", "at least one port is needed");
    if (cfg->exception_port[0] && cfg->exception_return_port >= cfg->n_ports)
        return corridor_cfg_fail(ctx, "exception.return_port", "%u: there are %zu ports",
                                 cfg->exception_return_port, cfg->n_ports);
    for (size_t i = 0; i < cfg->n_rules; i++) {
        const corridor_dp_rule_cfg *r = &cfg->rules[i];
        snprintf(path, sizeof path, "rules[%zu]", i);
        if (!r->uplink_address[0] && !r->ue_address[0])
            return corridor_cfg_fail(ctx, path, "a rule needs uplink_address or ue_address");
        if (r->action == 0 && !r->target_address[0])
            return corridor_cfg_fail(ctx, path, "action forward needs target_address");
        if (r->out_port >= cfg->n_ports)
            return corridor_cfg_fail(ctx, path, "out_port %u: there are %zu ports", r->out_port,
                                     cfg->n_ports);
        for (size_t j = 0; j < i; j++)
            if (cfg->rules[j].id == r->id)
                return corridor_cfg_fail(ctx, path, "id %llu used twice",
                                         (unsigned long long)r->id);
    }
    cfg->limits.max_stats_reply = 4096;
    return 0;
}

int corridor_dp_config_load(const char *path, corridor_dp_config *cfg, corridor_cfg_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    corridor_msg_limits_default(&cfg->limits);
    return corridor_cfg_load_file(path, corridor_dp_config_schema, dp_post, cfg, err);
}
