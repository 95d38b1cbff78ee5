/* Names of protocol enums for logs, metrics and corridorctl. Kept apart from msg.c so that
 * users of the names do not pull in protobuf-c. The strings are part of the operator
 * interface (metric labels, log fields): change them only with docs/operations.md. */
#include "msg.h"

const char *corridor_msg_type_name(corridor_msg_type t)
{
    switch (t) {
    case CORRIDOR_MSG_REGISTER: return "register";
    case CORRIDOR_MSG_REGISTER_ACK: return "register_ack";
    case CORRIDOR_MSG_REPORT: return "report";
    case CORRIDOR_MSG_COMMAND: return "command";
    case CORRIDOR_MSG_COMMAND_RESULT: return "command_result";
    case CORRIDOR_MSG_ERROR: return "error";
    case CORRIDOR_MSG_PING: return "ping";
    case CORRIDOR_MSG_PONG: return "pong";
    case CORRIDOR_MSG_CONTROL_REQUEST: return "control_request";
    case CORRIDOR_MSG_CONTROL_REPLY: return "control_reply";
    case CORRIDOR_MSG_RULE_UPDATE: return "rule_update";
    case CORRIDOR_MSG_RULE_RESULT: return "rule_result";
    case CORRIDOR_MSG_DATAPLANE_STATS_REQUEST: return "dataplane_stats_request";
    case CORRIDOR_MSG_DATAPLANE_STATS: return "dataplane_stats";
    case CORRIDOR_MSG_NONE:
    default: return "unknown";
    }
}

static const char *const reject_names[CORRIDOR_REJECT_COUNT] = {
    [CORRIDOR_REJECT_NONE] = "none",
    [CORRIDOR_REJECT_TOO_LARGE] = "too_large",
    [CORRIDOR_REJECT_MALFORMED] = "malformed",
    [CORRIDOR_REJECT_BAD_VERSION] = "bad_version",
    [CORRIDOR_REJECT_UNKNOWN_TYPE] = "unknown_type",
    [CORRIDOR_REJECT_LIMIT_EXCEEDED] = "limit_exceeded",
    [CORRIDOR_REJECT_INVALID_FIELD] = "invalid_field",
    [CORRIDOR_REJECT_IDENTITY_MISMATCH] = "identity_mismatch",
    [CORRIDOR_REJECT_NOT_REGISTERED] = "not_registered",
    [CORRIDOR_REJECT_MULTIPART] = "multipart",
    [CORRIDOR_REJECT_UNEXPECTED] = "unexpected",
    [CORRIDOR_REJECT_CAPACITY] = "capacity",
};

const char *corridor_reject_name(corridor_reject_reason r)
{
    return (unsigned)r < CORRIDOR_REJECT_COUNT ? reject_names[r] : "unknown";
}

const char *corridor_node_state_name(corridor_node_state s)
{
    switch (s) {
    case CORRIDOR_NODE_ALIVE: return "alive";
    case CORRIDOR_NODE_SUSPECT: return "suspect";
    case CORRIDOR_NODE_DEAD: return "dead";
    default: return "unknown";
    }
}

const char *corridor_workload_phase_name(corridor_workload_phase p)
{
    static const char *const names[] = {"pending", "starting", "running",
                                        "degraded", "deleting", "failed"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "unknown";
}

const char *corridor_dp_action_name(corridor_dp_action a)
{
    static const char *const names[] = {"none", "forward", "breakout", "drop", "kernel"};
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "unknown";
}
