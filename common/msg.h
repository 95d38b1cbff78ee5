/*
 * Protocol v1 messages as plain C structs, and their encoding.
 *
 * protobuf-c stays behind this header: no other module includes a *.pb-c.h file. A frame on
 * the wire is one protobuf Envelope whose payload holds the typed message. Decoding checks,
 * in order: the frame size, the envelope's wire structure, the protocol version, the message
 * type, then the payload's wire structure and repeated-field counts against the limits
 * (before protobuf-c allocates anything), then every field's value.
 */
#ifndef CORRIDOR_MSG_H
#define CORRIDOR_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"
#include "tier.h"

#define CORRIDOR_PROTOCOL_VERSION 1u

#define CORRIDOR_NAME_MAX 127    /* free-text names: GPU model, interface alias, workload name */
#define CORRIDOR_IFNAME_MAX 15   /* IFNAMSIZ - 1 */
#define CORRIDOR_ADDR_MAX 49     /* an IPv6 prefix in text, "ffff:...:ffff/128" */
#define CORRIDOR_REASON_MAX 255  /* error and status text */
#define CORRIDOR_GPU_SOURCE_MAX 15

typedef enum {
    CORRIDOR_MSG_NONE = 0,
    CORRIDOR_MSG_REGISTER = 1,
    CORRIDOR_MSG_REGISTER_ACK = 2,
    CORRIDOR_MSG_REPORT = 3,
    CORRIDOR_MSG_COMMAND = 4,
    CORRIDOR_MSG_COMMAND_RESULT = 5,
    CORRIDOR_MSG_ERROR = 6,
    CORRIDOR_MSG_PING = 7,
    CORRIDOR_MSG_PONG = 8,
    CORRIDOR_MSG_CONTROL_REQUEST = 20,
    CORRIDOR_MSG_CONTROL_REPLY = 21,
    CORRIDOR_MSG_RULE_UPDATE = 30,            /* controller -> dataplane */
    CORRIDOR_MSG_RULE_RESULT = 31,            /* dataplane -> controller */
    CORRIDOR_MSG_DATAPLANE_STATS_REQUEST = 32,/* controller -> dataplane, no fields */
    CORRIDOR_MSG_DATAPLANE_STATS = 33,        /* dataplane -> controller */
} corridor_msg_type;

const char *corridor_msg_type_name(corridor_msg_type t);

/* Why a frame was refused. Each has a counter in the daemons and a name in logs/metrics. */
typedef enum {
    CORRIDOR_REJECT_NONE = 0,
    CORRIDOR_REJECT_TOO_LARGE,        /* frame over limits.max_frame_bytes */
    CORRIDOR_REJECT_MALFORMED,        /* not a valid protobuf envelope/payload */
    CORRIDOR_REJECT_BAD_VERSION,      /* envelope.version != CORRIDOR_PROTOCOL_VERSION */
    CORRIDOR_REJECT_UNKNOWN_TYPE,     /* message type this build does not know */
    CORRIDOR_REJECT_LIMIT_EXCEEDED,   /* a repeated field over its limit, nesting too deep */
    CORRIDOR_REJECT_INVALID_FIELD,    /* decoded, but a field's value is out of range */
    CORRIDOR_REJECT_IDENTITY_MISMATCH,/* a connection speaking for another node */
    CORRIDOR_REJECT_NOT_REGISTERED,   /* a report before (or without) a register */
    CORRIDOR_REJECT_MULTIPART,        /* more than one frame where one is expected */
    CORRIDOR_REJECT_UNEXPECTED,       /* a known type on the wrong socket/direction */
    CORRIDOR_REJECT_CAPACITY,         /* a table is full (max_nodes, ...) */
    CORRIDOR_REJECT_COUNT
} corridor_reject_reason;

const char *corridor_reject_name(corridor_reject_reason r); /* "too_large", ... */

/* Limits on what a peer can make us allocate. */
typedef struct {
    uint32_t max_frame_bytes;  /* default 1 MiB */
    uint32_t max_gpus;         /* per report, default 64 */
    uint32_t max_routes;       /* per report, default 100000 */
    uint32_t max_links;        /* per report, default 1024 */
    uint32_t max_workloads;    /* per report, default 4096 */
    uint32_t max_args;         /* per command: args + env entries, default 256 */
    uint32_t max_nodes_reply;  /* node views in one control reply, default 100000 */
    uint32_t max_workloads_reply; /* workload views in one control reply, default 100000 */
    uint32_t max_rules_batch;  /* ops in one RuleUpdate, default 4096 */
    uint32_t max_stats_reply;  /* counters in one DataplaneStats, default 4096 */
} corridor_msg_limits;

void corridor_msg_limits_default(corridor_msg_limits *l);

/* ---- node identity (Register) ---- */
typedef struct {
    uint32_t cpu_millicores;
    uint64_t memory_bytes;
    uint32_t gpu_count;
    uint64_t gpu_memory_bytes;  /* total over all GPUs */
} corridor_capacity;

typedef struct {
    char node_id[CORRIDOR_ID_MAX + 1];
    char plmn[CORRIDOR_PLMN_MAX + 1];         /* operator, "MCC-MNC" */
    char country[CORRIDOR_COUNTRY_LEN + 1];   /* ISO 3166-1 alpha-2 */
    char region[CORRIDOR_ID_MAX + 1];
    corridor_tier tier;
    double lat, lon;                          /* WGS84 degrees */
    corridor_capacity capacity;
    char agent_version[32];
} corridor_register;

typedef struct {
    bool accepted;
    char reason[CORRIDOR_REASON_MAX + 1];     /* when rejected */
    uint32_t report_interval_ms;
    uint32_t heartbeat_timeout_ms;
    char orchestrator_id[CORRIDOR_ID_MAX + 1];
} corridor_register_ack;

/* ---- Report ---- */
typedef struct {
    uint32_t index;
    char uuid[CORRIDOR_ID_MAX + 1];
    char name[CORRIDOR_NAME_MAX + 1];
    uint32_t util_pct;          /* 0..100 */
    uint32_t mem_util_pct;      /* 0..100 */
    uint64_t mem_used_bytes;
    uint64_t mem_total_bytes;
    int32_t temperature_c;
    uint32_t power_mw;
    uint32_t compute_procs;
    uint32_t compute_capability; /* major*10 + minor, 0 unknown */
} corridor_gpu;

typedef struct {
    uint8_t family;             /* 4 or 6 */
    char dst[CORRIDOR_ADDR_MAX + 1];      /* prefix, "10.45.0.0/16", "default" */
    char gateway[CORRIDOR_ADDR_MAX + 1];  /* "" when none */
    char oif[CORRIDOR_IFNAME_MAX + 1];
    uint32_t table;
    uint32_t metric;
    uint32_t protocol;          /* rtnetlink RTPROT_* */
} corridor_route;

typedef struct {
    char name[CORRIDOR_IFNAME_MAX + 1];
    uint32_t ifindex;
    bool up;
    uint32_t mtu;
    uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
    uint64_t rx_errors, tx_errors, rx_dropped, tx_dropped;
} corridor_link;

typedef enum {
    CORRIDOR_WL_PENDING = 0,
    CORRIDOR_WL_RUNNING,
    CORRIDOR_WL_EXITED,
    CORRIDOR_WL_FAILED,
    CORRIDOR_WL_STOPPED,
} corridor_workload_state;

typedef struct {
    char instance_id[CORRIDOR_ID_MAX + 1];
    char name[CORRIDOR_NAME_MAX + 1];
    corridor_workload_state state;
    int32_t exit_code;
    uint32_t restarts;
    char reason[CORRIDOR_REASON_MAX + 1];
    uint64_t cpu_time_us;       /* cgroup cpu.stat usage, else /proc/PID/stat utime+stime */
    uint64_t memory_bytes;      /* cgroup memory.current, else RSS */
    uint32_t pid;               /* while running, else 0 */
    bool limits_enforced;       /* cpu.max/memory.max applied */
} corridor_workload_status;

/* Fixed-size arrays inside the report (no heap, copied with the struct). */
#define CORRIDOR_MAX_NEIGHBOURS 16

typedef struct {
    char address[CORRIDOR_ADDR_MAX + 1];  /* gateway IP */
    char lladdr[CORRIDOR_ADDR_MAX + 1];   /* "" when unresolved */
    char dev[CORRIDOR_IFNAME_MAX + 1];
    uint32_t state;                       /* NUD_* bits */
} corridor_neighbour;

/* Round trip to a peer node the agent pings (Report.peers). */
#define CORRIDOR_MAX_PEERS 16
#define CORRIDOR_PEER_ENDPOINT_MAX 63

typedef struct {
    char node_id[CORRIDOR_ID_MAX + 1];
    char endpoint[CORRIDOR_PEER_ENDPOINT_MAX + 1]; /* "tcp://HOST:PORT" */
    uint32_t rtt_us;                      /* smoothed; 0 = unknown or unreachable */
    bool reachable;
} corridor_peer_rtt;

/* The node's dataplane as the agent last polled it (Report.dataplane); defined below, after
 * corridor_stat. */
typedef struct corridor_dp_summary corridor_dp_summary;

typedef struct {
    char node_id[CORRIDOR_ID_MAX + 1];
    double cpu_util_pct;        /* 0..100, all cores */
    double load1, load5, load15;
    uint64_t mem_total_bytes;
    uint64_t mem_available_bytes;
    uint64_t uptime_s;
    char gpu_source[CORRIDOR_GPU_SOURCE_MAX + 1]; /* "none", "nvml", "cuda", "file" */
    bool routes_full;           /* routes/links are a full dump (vs unchanged since last) */
    uint32_t rtt_us;            /* measured RTT to the orchestrator, 0 = unknown */
    corridor_gpu *gpus;
    size_t n_gpus;
    corridor_route *routes;
    size_t n_routes;
    corridor_link *links;
    size_t n_links;
    corridor_workload_status *workloads;
    size_t n_workloads;
    corridor_neighbour neighbours[CORRIDOR_MAX_NEIGHBOURS];
    size_t n_neighbours;
    corridor_peer_rtt peers[CORRIDOR_MAX_PEERS];
    size_t n_peers;
    corridor_dp_summary *dataplane;  /* heap, freed with the report; NULL = no dataplane polled */
} corridor_report;

/* ---- Command / CommandResult (kinds reserved for later issues) ---- */
typedef enum {
    CORRIDOR_CMD_NONE = 0,
    CORRIDOR_CMD_START_WORKLOAD = 1,
    CORRIDOR_CMD_STOP_WORKLOAD = 2,
    CORRIDOR_CMD_EXPORT_STATE = 3,
    CORRIDOR_CMD_IMPORT_STATE = 4,
    CORRIDOR_CMD_INSTALL_STEERING = 5,
    CORRIDOR_CMD_REMOVE_STEERING = 6,
} corridor_command_kind;

/* A steering rule (agent: route in `table` via gateway/dev + rule "to ue_prefix lookup table";
 * dataplane: teid/target_address). */
typedef struct {
    char ue_prefix[CORRIDOR_ADDR_MAX + 1];
    uint32_t teid;
    char target_node[CORRIDOR_ID_MAX + 1];
    char target_address[CORRIDOR_ADDR_MAX + 1];
    uint32_t table;                        /* 0 = the agent's steering.table */
    char gateway[CORRIDOR_ADDR_MAX + 1];
    char dev[CORRIDOR_IFNAME_MAX + 1];
} corridor_steering;

typedef struct {
    char command_id[CORRIDOR_ID_MAX + 1];   /* idempotency key */
    corridor_command_kind kind;
    char instance_id[CORRIDOR_ID_MAX + 1];
    char name[CORRIDOR_NAME_MAX + 1];
    char path[256];
    char **args;                /* heap strings */
    size_t n_args;
    char **env;                 /* "KEY=VALUE" heap strings */
    size_t n_env;
    uint32_t cpu_millicores;
    uint64_t memory_bytes;
    uint32_t gpu_count;
    uint32_t timeout_ms;
    corridor_steering steering;  /* INSTALL_STEERING / REMOVE_STEERING */
    char restart[16];            /* START_WORKLOAD: "always", "on-failure", "never"; "" = on-failure */
} corridor_command;

typedef enum {
    CORRIDOR_RESULT_OK = 0,
    CORRIDOR_RESULT_FAILED = 1,
    CORRIDOR_RESULT_UNSUPPORTED = 2,
    CORRIDOR_RESULT_INVALID = 3,
} corridor_result_status;

typedef struct {
    char command_id[CORRIDOR_ID_MAX + 1];
    corridor_result_status status;
    int32_t error_code;         /* negative errno when failed */
    char message[CORRIDOR_REASON_MAX + 1];
} corridor_command_result;

/* ---- Error (sent back for a refused frame) ---- */
typedef struct {
    corridor_reject_reason reason;
    uint32_t supported_version;
    uint32_t received_version;
    char message[CORRIDOR_REASON_MAX + 1];
} corridor_error;

/* ---- Ping / Pong: RTT measurement; echo the ping's timestamp ---- */
typedef struct {
    uint64_t origin_timestamp_us;
} corridor_ping;

/* ---- Control API (corridorctl <-> orchestrator) ---- */
typedef enum {
    CORRIDOR_CTL_NONE = 0,
    CORRIDOR_CTL_LIST_NODES = 1,
    CORRIDOR_CTL_GET_NODE = 2,
    CORRIDOR_CTL_STATS = 3,
    CORRIDOR_CTL_NODE_COMMAND = 4,     /* forward `command` to node_id's agent, reply with result */
    CORRIDOR_CTL_DEPLOY = 5,           /* place `spec` */
    CORRIDOR_CTL_LIST_WORKLOADS = 6,
    CORRIDOR_CTL_GET_WORKLOAD = 7,     /* workload_id */
    CORRIDOR_CTL_DELETE_WORKLOAD = 8,  /* workload_id */
    CORRIDOR_CTL_CORDON = 9,           /* node_id: no new placements */
    CORRIDOR_CTL_UNCORDON = 10,        /* node_id */
    CORRIDOR_CTL_DRAIN = 11,           /* node_id: cordon and move its workloads away */
    CORRIDOR_CTL_EXPLAIN = 12,         /* workload_id: why each node was rejected */
    CORRIDOR_CTL_KIND_COUNT
} corridor_ctl_kind;

#define CORRIDOR_MAX_ALLOWED 32          /* countries / operators in a sovereignty list */

/* What a workload needs and where it may run (orchestrator/core/placement.h uses it). */
typedef struct {
    char name[CORRIDOR_ID_MAX + 1];
    char tenant[CORRIDOR_ID_MAX + 1];
    char path[256];                      /* the agent's process runtime */
    char **args;                         /* heap strings */
    size_t n_args;
    char **env;                          /* "KEY=VALUE" heap strings */
    size_t n_env;
    uint32_t cpu_millicores;
    uint64_t memory_bytes;
    uint32_t gpus;
    uint64_t gpu_memory_bytes;           /* minimum free GPU memory per GPU */
    int32_t latency_tier;                /* corridor_tier, or -1 when max_latency_us is given */
    uint32_t max_latency_us;             /* one-way budget; 0 = the tier's bound */
    bool has_anchor;                     /* anchor_lat/lon valid */
    double anchor_lat, anchor_lon;
    char anchor_region[CORRIDOR_ID_MAX + 1]; /* or a region name ("" = none) */
    char countries[CORRIDOR_MAX_ALLOWED][CORRIDOR_COUNTRY_LEN + 1]; /* allowed; none = any */
    size_t n_countries;
    char operators[CORRIDOR_MAX_ALLOWED][CORRIDOR_PLMN_MAX + 1];    /* allowed; none = any */
    size_t n_operators;
    uint32_t replicas;                   /* >= 1 */
    int32_t priority;                    /* higher places first */
    char restart[16];                    /* "always", "on-failure", "never" */
} corridor_workload_spec;

typedef struct {
    corridor_ctl_kind kind;
    char node_id[CORRIDOR_ID_MAX + 1];     /* GET_NODE, NODE_COMMAND, CORDON, UNCORDON, DRAIN */
    char workload_id[CORRIDOR_ID_MAX + 1]; /* GET/DELETE_WORKLOAD, EXPLAIN */
    corridor_command command;              /* NODE_COMMAND (heap args/env) */
    corridor_workload_spec spec;           /* DEPLOY (heap args/env) */
} corridor_control_request;

void corridor_workload_spec_fini(corridor_workload_spec *s);
void corridor_control_request_fini(corridor_control_request *r);

typedef enum {
    CORRIDOR_WORKLOAD_PENDING = 0,       /* no node fits (reason says why) or not yet placed */
    CORRIDOR_WORKLOAD_STARTING = 1,      /* placed, start command sent, not confirmed */
    CORRIDOR_WORKLOAD_RUNNING = 2,       /* every replica confirmed running */
    CORRIDOR_WORKLOAD_DEGRADED = 3,      /* some replicas running, some pending/failed */
    CORRIDOR_WORKLOAD_DELETING = 4,
    CORRIDOR_WORKLOAD_FAILED = 5,
} corridor_workload_phase;

const char *corridor_workload_phase_name(corridor_workload_phase p);

typedef struct {
    char instance_id[CORRIDOR_ID_MAX + 1];
    char node_id[CORRIDOR_ID_MAX + 1];   /* "" while pending */
    corridor_workload_state state;       /* as the agent reports it */
    uint32_t restarts;
    char reason[CORRIDOR_REASON_MAX + 1];
} corridor_replica_view;

/* "7 latency 6.2 ms over 5 ms budget" */
typedef struct {
    char reason[32];                     /* reason code: "latency", "country", "gpu_memory", ... */
    uint32_t count;
    char detail[CORRIDOR_REASON_MAX + 1];/* an example: the closest miss */
} corridor_reject_group;

/* Score breakdown of a chosen node (each term 0..1, weighted sum in total). */
typedef struct {
    char node_id[CORRIDOR_ID_MAX + 1];
    double latency_us;                   /* estimated one-way latency to the anchor */
    bool latency_measured;               /* from agent RTT rather than the model */
    double latency_headroom, gpu_balance, cpu_balance, spread, stickiness, total;
} corridor_score_view;

typedef struct {
    char workload_id[CORRIDOR_ID_MAX + 1];
    corridor_workload_spec spec;         /* args/env omitted in lists */
    corridor_workload_phase phase;
    char reason[CORRIDOR_REASON_MAX + 1];/* why pending/failed */
    uint64_t created_age_ms;
    corridor_replica_view *replicas;
    size_t n_replicas;
    /* the last placement decision, for explain */
    uint32_t nodes_total, nodes_feasible;
    corridor_reject_group *rejects;
    size_t n_rejects;
    corridor_score_view *scores;         /* chosen nodes, in replica order */
    size_t n_scores;
} corridor_workload_view;

void corridor_workload_view_fini(corridor_workload_view *v);

typedef enum {
    CORRIDOR_NODE_ALIVE = 0,
    CORRIDOR_NODE_SUSPECT = 1,
    CORRIDOR_NODE_DEAD = 2,
} corridor_node_state;

const char *corridor_node_state_name(corridor_node_state s);

typedef struct {
    corridor_register identity;
    corridor_node_state state;
    uint64_t last_seen_age_ms;  /* at the time of the reply */
    uint64_t registered_age_ms;
    uint32_t reports;           /* reports received since register */
    uint32_t registrations;     /* how many times this node registered */
    corridor_report report;     /* last report; routes/links only in GET_NODE */
    uint32_t n_routes_total;    /* route count even when routes are left out */
} corridor_node_view;

typedef struct {
    char name[64];              /* "msgs_in", "rejected_too_large", "nodes_alive", ... */
    uint64_t value;
} corridor_stat;

/* Report.dataplane. A heap object rather than an array inside corridor_report: most nodes
 * have no dataplane, and the registry keeps one report per node (100,000 nodes x 3.5 KiB
 * would be paid by all). Counters by name (the dataplane's own names), at most
 * CORRIDOR_MAX_DP_COUNTERS, and none while unreachable: no stale numbers. */
#define CORRIDOR_MAX_DP_COUNTERS 48

struct corridor_dp_summary {
    char dataplane_id[CORRIDOR_ID_MAX + 1];        /* from its last answer; "" = never */
    char endpoint[CORRIDOR_PEER_ENDPOINT_MAX + 1]; /* where the agent polls it */
    bool reachable;
    uint64_t last_answer_age_ms;                   /* at report time; 0 = never answered */
    corridor_stat counters[CORRIDOR_MAX_DP_COUNTERS];
    size_t n_counters;
};

/* The counter named `name` in s, or NULL. */
const corridor_stat *corridor_dp_summary_find(const corridor_dp_summary *s, const char *name);

typedef struct {
    int32_t status;             /* 0 ok, negative errno */
    char error[CORRIDOR_REASON_MAX + 1];
    char orchestrator_id[CORRIDOR_ID_MAX + 1];
    corridor_node_view *nodes;
    size_t n_nodes;
    corridor_stat *stats;
    size_t n_stats;
    corridor_command_result result;      /* NODE_COMMAND: the agent's answer */
    corridor_workload_view *workloads;   /* DEPLOY, LIST/GET_WORKLOAD(S), EXPLAIN */
    size_t n_workloads;
} corridor_control_reply;

/* ---- Dataplane control (RuleUpdate / RuleResult / DataplaneStats) ---- */
typedef enum {
    CORRIDOR_DP_ACTION_NONE = 0,      /* refused on the wire */
    CORRIDOR_DP_ACTION_FORWARD = 1,   /* re-encapsulate in GTP-U to the target node */
    CORRIDOR_DP_ACTION_BREAKOUT = 2,  /* decapsulate and route the inner packet */
    CORRIDOR_DP_ACTION_DROP = 3,
    CORRIDOR_DP_ACTION_KERNEL = 4,    /* exception path */
    CORRIDOR_DP_ACTION_COUNT
} corridor_dp_action;

const char *corridor_dp_action_name(corridor_dp_action a); /* "forward", ... */

/* An IP address in binary; family 0 = none. */
typedef struct {
    uint8_t family;             /* 0, 4 or 6 */
    uint8_t a[16];              /* network order; IPv4 in the first 4 bytes */
} corridor_ipaddr;

typedef struct {
    uint64_t rule_id;                        /* non-zero */
    char session_id[CORRIDOR_ID_MAX + 1];
    uint32_t uplink_teid;                    /* uplink key, with uplink_address */
    corridor_ipaddr uplink_address;          /* family 0: no uplink key */
    corridor_ipaddr ue_address;              /* downlink key; family 0: none */
    corridor_dp_action action;
    char target_node[CORRIDOR_ID_MAX + 1];
    corridor_ipaddr target_address;          /* FORWARD: N3/N9 address */
    uint32_t target_teid;
    uint8_t qfi;                             /* 1..63 set; 0 keep the packet's */
    uint32_t out_port;
    bool has_dst_mac;
    uint8_t dst_mac[6];                      /* else the port's gateway MAC */
    uint64_t version;
} corridor_dp_rule;

typedef enum {
    CORRIDOR_RULE_OP_NONE = 0,
    CORRIDOR_RULE_OP_ADD = 1,
    CORRIDOR_RULE_OP_MODIFY = 2,
    CORRIDOR_RULE_OP_DELETE = 3,
    CORRIDOR_RULE_OP_COUNT
} corridor_rule_op_kind;

typedef struct {
    corridor_rule_op_kind op;
    corridor_dp_rule rule;
} corridor_rule_op;

typedef struct {
    uint64_t batch_id;
    corridor_rule_op *ops;      /* heap */
    size_t n_ops;
} corridor_rule_update;

typedef struct {
    uint64_t batch_id;
    int32_t status;             /* 0, or the first failure's negative errno */
    uint32_t applied, failed;
    uint32_t first_failed;      /* index of the first refused op */
    char error[CORRIDOR_REASON_MAX + 1];
    uint64_t rules_total;
} corridor_rule_result;

typedef struct {
    char dataplane_id[CORRIDOR_ID_MAX + 1];
    corridor_stat *stats;       /* heap */
    size_t n_stats;
} corridor_dp_stats;

void corridor_rule_update_fini(corridor_rule_update *u);
void corridor_dp_stats_fini(corridor_dp_stats *s);

/* ---- envelope + tagged union ---- */
typedef struct {
    uint32_t version;
    corridor_msg_type type;
    char sender_id[CORRIDOR_ID_MAX + 1];
    uint64_t seq;
    uint64_t correlation_id;
    uint64_t timestamp_us;      /* sender's wall clock */
} corridor_envelope;

typedef struct {
    corridor_envelope env;
    union {
        corridor_register reg;
        corridor_register_ack ack;
        corridor_report report;
        corridor_command cmd;
        corridor_command_result result;
        corridor_error err;
        corridor_ping ping;      /* PING and PONG */
        corridor_control_request creq;
        corridor_control_reply crep;
        corridor_rule_update rupd;   /* RULE_UPDATE */
        corridor_rule_result rres;   /* RULE_RESULT */
        corridor_dp_stats dps;       /* DATAPLANE_STATS (the request has no fields) */
    } u;
} corridor_msg;

/* Zero the message and set env.version and env.type. */
void corridor_msg_init(corridor_msg *m, corridor_msg_type type);
/* Free what decode or the caller heap-allocated inside (arrays, strings); NULL-safe; leaves
 * the message zeroed. */
void corridor_msg_fini(corridor_msg *m);
void corridor_report_fini(corridor_report *r);
void corridor_control_reply_fini(corridor_control_reply *r);
void corridor_command_fini(corridor_command *c);

/* Encode into a malloc'ed buffer (caller frees). 0 or -EINVAL (bad type/field), -ENOMEM. */
int corridor_msg_encode(const corridor_msg *m, uint8_t **buf, size_t *len);

typedef struct {
    corridor_reject_reason reason;
    char detail[CORRIDOR_REASON_MAX + 1]; /* human text: which field, which limit */
} corridor_decode_error;

/*
 * Decode one frame. On success returns 0 and fills *out (free with corridor_msg_fini).
 * On failure returns a negative errno (-EMSGSIZE, -EBADMSG, -EPROTO, -ENOTSUP, -E2BIG,
 * -EINVAL), fills *err, and leaves *out zeroed except out->env, which holds whatever of the
 * envelope could be read (for BAD_VERSION: version, type, sender, seq — enough to reply).
 */
int corridor_msg_decode(const uint8_t *buf, size_t len, const corridor_msg_limits *lim,
                        corridor_msg *out, corridor_decode_error *err);

#endif
