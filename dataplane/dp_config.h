/* corridor-dataplane's configuration (YAML, through common/config.h). Every key is
 * documented in docs/dataplane.md; keep the two in step. */
#ifndef CORRIDOR_DP_CONFIG_H
#define CORRIDOR_DP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "msg.h"

#define CORRIDOR_DP_MAX_PORTS 8
#define CORRIDOR_DP_MAX_STATIC_RULES 4096
#define CORRIDOR_DP_DEVNAME_MAX 63

typedef struct {
    char name[CORRIDOR_DP_DEVNAME_MAX + 1];  /* DPDK device name ("net_pcap0", "0000:3b:00.0") */
    uint32_t rx_queues;                      /* RSS spreads over them */
    uint32_t rx_desc, tx_desc;
    char mac[18];                            /* "" = the device's own */
    char gateway_mac[18];                    /* default next hop; "" = broadcast-free 00:..:00 */
    char address4[CORRIDOR_ADDR_MAX + 1];    /* our N3/N9 IPv4 address (outer source) */
    char address6[CORRIDOR_ADDR_MAX + 1];    /* our N3/N9 IPv6 address */
    uint32_t vlan;                           /* 0 = untagged egress, else the 802.1Q VLAN id */
} corridor_dp_port_cfg;

typedef struct {
    uint64_t id;
    char session[CORRIDOR_ID_MAX + 1];
    uint32_t uplink_teid;
    char uplink_address[CORRIDOR_ADDR_MAX + 1];
    char ue_address[CORRIDOR_ADDR_MAX + 1];
    int action;                              /* corridor_dp_action - 1 (index in the names) */
    char target_node[CORRIDOR_ID_MAX + 1];
    char target_address[CORRIDOR_ADDR_MAX + 1];
    uint32_t target_teid;
    uint32_t qfi;
    uint32_t out_port;
    char dst_mac[18];
} corridor_dp_rule_cfg;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    corridor_dp_port_cfg ports[CORRIDOR_DP_MAX_PORTS];
    size_t n_ports;
    char exception_port[CORRIDOR_DP_DEVNAME_MAX + 1]; /* "" = none */
    uint32_t exception_return_port;          /* where the kernel's packets leave */
    uint32_t sessions;                       /* table size: rules (each up to two keys) */
    uint32_t burst;
    uint32_t mbufs;
    uint32_t mbuf_cache;
    char control_endpoint[256];              /* "" = no control socket */
    uint32_t stats_interval_ms;              /* 0 = no periodic stats line */
    corridor_msg_limits limits;
    int log_level;
    corridor_dp_rule_cfg rules[CORRIDOR_DP_MAX_STATIC_RULES];
    size_t n_rules;
} corridor_dp_config;

extern const corridor_cfg_field corridor_dp_config_schema[];

/* Load and validate; the config is large (static rules): allocate it on the heap. */
int corridor_dp_config_load(const char *path, corridor_dp_config *cfg, corridor_cfg_error *err);

/* Text -> binary helpers shared with the control path and tests. 0 or -EINVAL. */
int corridor_dp_parse_mac(const char *s, uint8_t mac[6]);
int corridor_dp_parse_addr(const char *s, corridor_ipaddr *a);   /* "" = family 0 */
/* A static rule as a protocol rule. */
void corridor_dp_rule_from_cfg(const corridor_dp_rule_cfg *c, corridor_dp_rule *r);

#endif
