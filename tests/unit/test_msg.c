/*
 * Protocol v1 message layer: round trips of every message type, the decode order and its
 * limits, refusals with the right reason and detail, hostile input, and the wire scanner on
 * hand-written bytes. Frames that encode cannot produce (other versions, over-long strings,
 * bad wire format) are written byte by byte with the small protobuf writer below, so this
 * test needs no protobuf-c.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "msgtest.h"
#include "testutil.h"
#include "wire.h"

/* ---- helpers ---------------------------------------------------------------------------- */

/* A deterministic PRNG (xorshift64*), so a failing input can be reproduced. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i])
            return false;
    }
    return true;
}

/* A failed decode leaves everything but the envelope zeroed. */
static void check_body_zero(const corridor_msg *m)
{
    CHECK(all_zero(&m->u, sizeof m->u));
}

/* Minimal protobuf writer for frames encode would never produce. */
typedef struct {
    uint8_t b[8192];
    size_t n;
} wbuf;

static void w_raw(wbuf *w, const void *p, size_t n)
{
    if (w->n + n > sizeof w->b)
        abort();  /* a test bug, not a finding */
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void w_varint(wbuf *w, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    w_raw(w, tmp, n);
}

static void w_uint(wbuf *w, uint32_t field, uint64_t v)
{
    w_varint(w, (uint64_t)field << 3);
    w_varint(w, v);
}

static void w_bytes(wbuf *w, uint32_t field, const void *p, size_t n)
{
    w_varint(w, (uint64_t)field << 3 | 2);
    w_varint(w, n);
    w_raw(w, p, n);
}

static void w_str(wbuf *w, uint32_t field, const char *s)
{
    w_bytes(w, field, s, strlen(s));
}

/* An envelope (version, type, sender, seq 7) around payload. */
static void w_envelope(wbuf *w, uint32_t version, uint32_t type, const char *sender,
                       const wbuf *payload)
{
    w->n = 0;
    w_uint(w, 1, version);
    w_uint(w, 2, type);
    if (sender)
        w_str(w, 3, sender);
    w_uint(w, 4, 7);
    if (payload)
        w_bytes(w, 7, payload->b, payload->n);
}

/* A valid Register payload on the wire: node n1, 262-01, DE, far-edge. */
static void w_register_ok(wbuf *p)
{
    p->n = 0;
    w_str(p, 1, "n1");
    w_str(p, 2, "262-01");
    w_str(p, 3, "DE");
    w_uint(p, 5, 2);
}

static char *repeat_char(char c, size_t n)
{
    static char s[1024];
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- fixtures: every field non-default ---------------------------------------------------- */

static void fill_register(corridor_register *r, int k)
{
    snprintf(r->node_id, sizeof r->node_id, "edge-muc-%02d", k);
    strcpy(r->plmn, k % 2 ? "232-001" : "262-01");
    strcpy(r->country, k % 2 ? "AT" : "DE");
    snprintf(r->region, sizeof r->region, "region_%d.south", k);
    r->tier = (corridor_tier)(1 + k % 4);
    r->lat = 47.2692 + k * 0.125;
    r->lon = -11.4041 - k * 0.5;
    r->capacity.cpu_millicores = 64000 + (uint32_t)k;
    r->capacity.memory_bytes = 512ull << 30;
    r->capacity.gpu_count = 4 + (uint32_t)k;
    r->capacity.gpu_memory_bytes = 320ull << 30;
    snprintf(r->agent_version, sizeof r->agent_version, "0.1.%d-test", k);
}

static void check_register_eq(const corridor_register *a, const corridor_register *b)
{
    CHECK_EQ_STR(a->node_id, b->node_id);
    CHECK_EQ_STR(a->plmn, b->plmn);
    CHECK_EQ_STR(a->country, b->country);
    CHECK_EQ_STR(a->region, b->region);
    CHECK_EQ_INT(a->tier, b->tier);
    CHECK(a->lat == b->lat);
    CHECK(a->lon == b->lon);
    CHECK_EQ_INT(a->capacity.cpu_millicores, b->capacity.cpu_millicores);
    CHECK(a->capacity.memory_bytes == b->capacity.memory_bytes);
    CHECK_EQ_INT(a->capacity.gpu_count, b->capacity.gpu_count);
    CHECK(a->capacity.gpu_memory_bytes == b->capacity.gpu_memory_bytes);
    CHECK_EQ_STR(a->agent_version, b->agent_version);
}

/* A report with n of each repeated field, heap arrays (free with corridor_report_fini). */
static void fill_report(corridor_report *r, const char *node, size_t n_gpus, size_t n_routes,
                        size_t n_links, size_t n_wl)
{
    snprintf(r->node_id, sizeof r->node_id, "%s", node);
    r->cpu_util_pct = 37.5;
    r->load1 = 1.25;
    r->load5 = 2.5;
    r->load15 = 3.75;
    r->mem_total_bytes = 256ull << 30;
    r->mem_available_bytes = 100ull << 30;
    r->uptime_s = 86400 * 3 + 17;
    strcpy(r->gpu_source, "nvml");
    r->routes_full = true;
    r->rtt_us = 1234;
    r->gpus = n_gpus ? calloc(n_gpus, sizeof *r->gpus) : NULL;
    r->n_gpus = n_gpus;
    for (size_t i = 0; i < n_gpus; i++) {
        corridor_gpu *g = &r->gpus[i];
        g->index = (uint32_t)i + 1;
        snprintf(g->uuid, sizeof g->uuid, "GPU-%08zx-aaaa", i);
        snprintf(g->name, sizeof g->name, "NVIDIA H100 80GB HBM3 #%zu", i);
        g->util_pct = (uint32_t)(10 * i + 5) % 101;
        g->mem_util_pct = 100;
        g->mem_used_bytes = (40ull << 30) + i;
        g->mem_total_bytes = 80ull << 30;
        g->temperature_c = -5 + (int32_t)i * 30;
        g->power_mw = 350000 + (uint32_t)i;
        g->compute_procs = 3 + (uint32_t)i;
    }
    r->routes = n_routes ? calloc(n_routes, sizeof *r->routes) : NULL;
    r->n_routes = n_routes;
    for (size_t i = 0; i < n_routes; i++) {
        corridor_route *rt = &r->routes[i];
        rt->family = i % 2 ? 6 : 4;
        if (i % 2)
            snprintf(rt->dst, sizeof rt->dst, "2001:db8:%zx::/48", i);
        else
            snprintf(rt->dst, sizeof rt->dst, "10.%zu.0.0/16", i % 256);
        snprintf(rt->gateway, sizeof rt->gateway, i % 2 ? "fe80::1" : "192.0.2.1");
        snprintf(rt->oif, sizeof rt->oif, "upf%u", (unsigned)(i % 100));
        rt->table = 254 + (uint32_t)i;
        rt->metric = 100 + (uint32_t)i;
        rt->protocol = 4;
    }
    r->links = n_links ? calloc(n_links, sizeof *r->links) : NULL;
    r->n_links = n_links;
    for (size_t i = 0; i < n_links; i++) {
        corridor_link *l = &r->links[i];
        snprintf(l->name, sizeof l->name, "n3-%u", (unsigned)(i % 1000));
        l->ifindex = 2 + (uint32_t)i;
        l->up = i % 2 == 0;
        l->mtu = 9000;
        l->rx_bytes = 1ull << 40;
        l->tx_bytes = (1ull << 40) + 1;
        l->rx_packets = 1000000 + i;
        l->tx_packets = 2000000 + i;
        l->rx_errors = 3;
        l->tx_errors = 4;
        l->rx_dropped = 5;
        l->tx_dropped = 6;
    }
    r->workloads = n_wl ? calloc(n_wl, sizeof *r->workloads) : NULL;
    r->n_workloads = n_wl;
    for (size_t i = 0; i < n_wl; i++) {
        corridor_workload_status *w = &r->workloads[i];
        snprintf(w->instance_id, sizeof w->instance_id, "wl-%zu", i);
        snprintf(w->name, sizeof w->name, "adas-tracker");
        w->state = (corridor_workload_state)((i + 1) % 5);
        w->exit_code = -9;
        w->restarts = 2 + (uint32_t)i;
        snprintf(w->reason, sizeof w->reason, "oom killed at step %zu", i);
    }
}

static void check_report_eq(const corridor_report *a, const corridor_report *b)
{
    CHECK_EQ_STR(a->node_id, b->node_id);
    CHECK(a->cpu_util_pct == b->cpu_util_pct);
    CHECK(a->load1 == b->load1 && a->load5 == b->load5 && a->load15 == b->load15);
    CHECK(a->mem_total_bytes == b->mem_total_bytes);
    CHECK(a->mem_available_bytes == b->mem_available_bytes);
    CHECK(a->uptime_s == b->uptime_s);
    CHECK_EQ_STR(a->gpu_source, b->gpu_source);
    CHECK_EQ_INT(a->routes_full, b->routes_full);
    CHECK_EQ_INT(a->rtt_us, b->rtt_us);
    CHECK_EQ_INT(a->n_gpus, b->n_gpus);
    CHECK_EQ_INT(a->n_routes, b->n_routes);
    CHECK_EQ_INT(a->n_links, b->n_links);
    CHECK_EQ_INT(a->n_workloads, b->n_workloads);
    for (size_t i = 0; i < a->n_gpus && i < b->n_gpus; i++) {
        const corridor_gpu *x = &a->gpus[i], *y = &b->gpus[i];
        CHECK_EQ_INT(x->index, y->index);
        CHECK_EQ_STR(x->uuid, y->uuid);
        CHECK_EQ_STR(x->name, y->name);
        CHECK_EQ_INT(x->util_pct, y->util_pct);
        CHECK_EQ_INT(x->mem_util_pct, y->mem_util_pct);
        CHECK(x->mem_used_bytes == y->mem_used_bytes);
        CHECK(x->mem_total_bytes == y->mem_total_bytes);
        CHECK_EQ_INT(x->temperature_c, y->temperature_c);
        CHECK_EQ_INT(x->power_mw, y->power_mw);
        CHECK_EQ_INT(x->compute_procs, y->compute_procs);
    }
    for (size_t i = 0; i < a->n_routes && i < b->n_routes; i++) {
        const corridor_route *x = &a->routes[i], *y = &b->routes[i];
        CHECK_EQ_INT(x->family, y->family);
        CHECK_EQ_STR(x->dst, y->dst);
        CHECK_EQ_STR(x->gateway, y->gateway);
        CHECK_EQ_STR(x->oif, y->oif);
        CHECK_EQ_INT(x->table, y->table);
        CHECK_EQ_INT(x->metric, y->metric);
        CHECK_EQ_INT(x->protocol, y->protocol);
    }
    for (size_t i = 0; i < a->n_links && i < b->n_links; i++) {
        const corridor_link *x = &a->links[i], *y = &b->links[i];
        CHECK_EQ_STR(x->name, y->name);
        CHECK_EQ_INT(x->ifindex, y->ifindex);
        CHECK_EQ_INT(x->up, y->up);
        CHECK_EQ_INT(x->mtu, y->mtu);
        CHECK(x->rx_bytes == y->rx_bytes && x->tx_bytes == y->tx_bytes);
        CHECK(x->rx_packets == y->rx_packets && x->tx_packets == y->tx_packets);
        CHECK(x->rx_errors == y->rx_errors && x->tx_errors == y->tx_errors);
        CHECK(x->rx_dropped == y->rx_dropped && x->tx_dropped == y->tx_dropped);
    }
    for (size_t i = 0; i < a->n_workloads && i < b->n_workloads; i++) {
        const corridor_workload_status *x = &a->workloads[i], *y = &b->workloads[i];
        CHECK_EQ_STR(x->instance_id, y->instance_id);
        CHECK_EQ_STR(x->name, y->name);
        CHECK_EQ_INT(x->state, y->state);
        CHECK_EQ_INT(x->exit_code, y->exit_code);
        CHECK_EQ_INT(x->restarts, y->restarts);
        CHECK_EQ_STR(x->reason, y->reason);
    }
}

static void fill_envelope(corridor_msg *m, const char *sender)
{
    snprintf(m->env.sender_id, sizeof m->env.sender_id, "%s", sender);
    m->env.seq = 0x1122334455667788ull;
    m->env.correlation_id = 42;
    m->env.timestamp_us = 1700000000123456ull;
}

static void check_envelope_eq(const corridor_envelope *a, const corridor_envelope *b)
{
    CHECK_EQ_INT(a->version, b->version);
    CHECK_EQ_INT(a->type, b->type);
    CHECK_EQ_STR(a->sender_id, b->sender_id);
    CHECK(a->seq == b->seq);
    CHECK(a->correlation_id == b->correlation_id);
    CHECK(a->timestamp_us == b->timestamp_us);
}

/* A control reply with 3 node views (nested reports) and stats, for round trips and fuzz. */
static void fill_control_reply(corridor_msg *m)
{
    corridor_msg_init(m, CORRIDOR_MSG_CONTROL_REPLY);
    fill_envelope(m, "orch-eu-1");
    corridor_control_reply *r = &m->u.crep;
    r->status = -ENOENT;
    strcpy(r->error, "node edge-x not found; partial answer");
    strcpy(r->orchestrator_id, "orch-eu-1");
    r->n_nodes = 3;
    r->nodes = calloc(3, sizeof *r->nodes);
    for (int i = 0; i < 3; i++) {
        corridor_node_view *v = &r->nodes[i];
        fill_register(&v->identity, i);
        v->state = (corridor_node_state)i;
        v->last_seen_age_ms = 1500 + (uint64_t)i;
        v->registered_age_ms = 3600000 + (uint64_t)i;
        v->reports = 3600 + (uint32_t)i;
        v->registrations = 1 + (uint32_t)i;
        fill_report(&v->report, v->identity.node_id, (size_t)i + 1, (size_t)i * 3, 2, (size_t)i);
        v->n_routes_total = 1000 + (uint32_t)i;
    }
    static const char *names[] = {"msgs_in", "rejected_too_large", "nodes_alive", "nodes_dead"};
    r->n_stats = 4;
    r->stats = calloc(4, sizeof *r->stats);
    for (int i = 0; i < 4; i++) {
        strcpy(r->stats[i].name, names[i]);
        r->stats[i].value = 1000000007ull * (uint64_t)(i + 1);
    }
}

/* ---- round trips ------------------------------------------------------------------------- */

static void test_register_roundtrip(void)
{
    for (int t = 0; t < CORRIDOR_TIER_COUNT; t++) {
        corridor_msg in, out;
        corridor_decode_error err;
        corridor_msg_init(&in, CORRIDOR_MSG_REGISTER);
        fill_envelope(&in, "edge-muc-01");
        fill_register(&in.u.reg, 1);
        in.u.reg.tier = (corridor_tier)t;  /* near-premise (0) included: offset on the wire */
        CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
        check_envelope_eq(&in.env, &out.env);
        check_register_eq(&in.u.reg, &out.u.reg);
        corridor_msg_fini(&out);
    }
}

static void test_register_ack_roundtrip(void)
{
    corridor_msg in, out;
    corridor_decode_error err;
    corridor_msg_init(&in, CORRIDOR_MSG_REGISTER_ACK);
    fill_envelope(&in, "orch-eu-1");
    in.u.ack.accepted = true;
    strcpy(in.u.ack.reason, "welcome back");
    in.u.ack.report_interval_ms = 1000;
    in.u.ack.heartbeat_timeout_ms = 5000;
    strcpy(in.u.ack.orchestrator_id, "orch-eu-1");
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
    check_envelope_eq(&in.env, &out.env);
    CHECK_EQ_INT(out.u.ack.accepted, true);
    CHECK_EQ_STR(out.u.ack.reason, "welcome back");
    CHECK_EQ_INT(out.u.ack.report_interval_ms, 1000);
    CHECK_EQ_INT(out.u.ack.heartbeat_timeout_ms, 5000);
    CHECK_EQ_STR(out.u.ack.orchestrator_id, "orch-eu-1");
    corridor_msg_fini(&out);
}

static void test_report_roundtrip(void)
{
    corridor_msg in, out;
    corridor_decode_error err;
    corridor_msg_init(&in, CORRIDOR_MSG_REPORT);
    fill_envelope(&in, "edge-muc-01");
    fill_report(&in.u.report, "edge-muc-01", 3, 7, 2, 4);
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
    check_envelope_eq(&in.env, &out.env);
    check_report_eq(&in.u.report, &out.u.report);
    corridor_msg_fini(&out);
    CHECK(all_zero(&out, sizeof out));   /* fini leaves it zeroed */
    corridor_msg_fini(&in);
}

static void test_empty_report_and_sender(void)
{
    /* All defaults, empty sender: proto3 sends almost nothing, and that must decode. */
    corridor_msg in, out;
    corridor_decode_error err;
    corridor_msg_init(&in, CORRIDOR_MSG_REPORT);
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
    CHECK_EQ_STR(out.env.sender_id, "");
    CHECK_EQ_INT(out.u.report.n_routes, 0);
    CHECK(out.u.report.routes == NULL);
    corridor_msg_fini(&out);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static void test_command_roundtrip(void)
{
    corridor_msg in, out;
    corridor_decode_error err;
    corridor_msg_init(&in, CORRIDOR_MSG_COMMAND);
    fill_envelope(&in, "orch-eu-1");
    corridor_command *c = &in.u.cmd;
    strcpy(c->command_id, "cmd-000017");
    c->kind = CORRIDOR_CMD_START_WORKLOAD;
    strcpy(c->instance_id, "wl-adas-0042");
    strcpy(c->name, "adas-tracker");
    strcpy(c->path, "/opt/corridor/bin/adas-tracker");
    c->n_args = 3;
    c->args = calloc(3, sizeof *c->args);
    c->args[0] = xstrdup("--model");
    c->args[1] = xstrdup("/models/yolo v8.onnx");
    c->args[2] = xstrdup("");
    c->n_env = 2;
    c->env = calloc(2, sizeof *c->env);
    c->env[0] = xstrdup("CUDA_VISIBLE_DEVICES=1");
    c->env[1] = xstrdup("TENANT=acme");
    c->cpu_millicores = 4000;
    c->memory_bytes = 16ull << 30;
    c->gpu_count = 1;
    c->timeout_ms = 30000;
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
    check_envelope_eq(&in.env, &out.env);
    corridor_command *d = &out.u.cmd;
    CHECK_EQ_STR(d->command_id, c->command_id);
    CHECK_EQ_INT(d->kind, c->kind);
    CHECK_EQ_STR(d->instance_id, c->instance_id);
    CHECK_EQ_STR(d->name, c->name);
    CHECK_EQ_STR(d->path, c->path);
    CHECK_EQ_INT(d->n_args, 3);
    CHECK_EQ_INT(d->n_env, 2);
    for (size_t i = 0; i < 3 && i < d->n_args; i++)
        CHECK_EQ_STR(d->args[i], c->args[i]);
    for (size_t i = 0; i < 2 && i < d->n_env; i++)
        CHECK_EQ_STR(d->env[i], c->env[i]);
    CHECK_EQ_INT(d->cpu_millicores, 4000);
    CHECK(d->memory_bytes == 16ull << 30);
    CHECK_EQ_INT(d->gpu_count, 1);
    CHECK_EQ_INT(d->timeout_ms, 30000);
    corridor_msg_fini(&out);

    /* A kind this build does not know passes through for the executor to answer UNSUPPORTED. */
    c->kind = (corridor_command_kind)77;
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
    CHECK_EQ_INT(out.u.cmd.kind, 77);
    corridor_msg_fini(&out);
    corridor_msg_fini(&in);
}

static void test_command_result_roundtrip(void)
{
    corridor_msg in, out;
    corridor_decode_error err;
    corridor_msg_init(&in, CORRIDOR_MSG_COMMAND_RESULT);
    fill_envelope(&in, "edge-muc-01");
    strcpy(in.u.result.command_id, "cmd-000017");
    in.u.result.status = CORRIDOR_RESULT_FAILED;
    in.u.result.error_code = -ENOEXEC;
    strcpy(in.u.result.message, "exec format error");
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
    check_envelope_eq(&in.env, &out.env);
    CHECK_EQ_STR(out.u.result.command_id, "cmd-000017");
    CHECK_EQ_INT(out.u.result.status, CORRIDOR_RESULT_FAILED);
    CHECK_EQ_INT(out.u.result.error_code, -ENOEXEC);
    CHECK_EQ_STR(out.u.result.message, "exec format error");
    corridor_msg_fini(&out);
}

static void test_error_roundtrip(void)
{
    corridor_msg in, out;
    corridor_decode_error err;
    corridor_msg_init(&in, CORRIDOR_MSG_ERROR);
    fill_envelope(&in, "orch-eu-1");
    in.u.err.reason = CORRIDOR_REJECT_IDENTITY_MISMATCH;
    in.u.err.supported_version = 1;
    in.u.err.received_version = 3;
    strcpy(in.u.err.message, "report for edge-b on a connection registered as edge-a");
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
    check_envelope_eq(&in.env, &out.env);
    CHECK_EQ_INT(out.u.err.reason, CORRIDOR_REJECT_IDENTITY_MISMATCH);
    CHECK_EQ_INT(out.u.err.supported_version, 1);
    CHECK_EQ_INT(out.u.err.received_version, 3);
    CHECK_EQ_STR(out.u.err.message, in.u.err.message);
    corridor_msg_fini(&out);
}

static void test_ping_pong_roundtrip(void)
{
    corridor_msg_type types[] = {CORRIDOR_MSG_PING, CORRIDOR_MSG_PONG};
    for (int i = 0; i < 2; i++) {
        corridor_msg in, out;
        corridor_decode_error err;
        corridor_msg_init(&in, types[i]);
        fill_envelope(&in, "edge-muc-01");
        in.u.ping.origin_timestamp_us = 1700000000999999ull + (uint64_t)i;
        CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
        check_envelope_eq(&in.env, &out.env);
        CHECK(out.u.ping.origin_timestamp_us == in.u.ping.origin_timestamp_us);
        corridor_msg_fini(&out);
    }
}

static void test_control_request_roundtrip(void)
{
    corridor_msg in, out;
    corridor_decode_error err;
    corridor_msg_init(&in, CORRIDOR_MSG_CONTROL_REQUEST);
    fill_envelope(&in, "");
    in.u.creq.kind = CORRIDOR_CTL_GET_NODE;
    strcpy(in.u.creq.node_id, "edge-muc-01");
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
    check_envelope_eq(&in.env, &out.env);
    CHECK_EQ_INT(out.u.creq.kind, CORRIDOR_CTL_GET_NODE);
    CHECK_EQ_STR(out.u.creq.node_id, "edge-muc-01");
    corridor_msg_fini(&out);
}

static void test_control_reply_roundtrip(void)
{
    corridor_msg in, out;
    corridor_decode_error err;
    fill_control_reply(&in);
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), 0);
    check_envelope_eq(&in.env, &out.env);
    const corridor_control_reply *a = &in.u.crep, *b = &out.u.crep;
    CHECK_EQ_INT(b->status, -ENOENT);
    CHECK_EQ_STR(b->error, a->error);
    CHECK_EQ_STR(b->orchestrator_id, a->orchestrator_id);
    CHECK_EQ_INT(b->n_nodes, 3);
    for (size_t i = 0; i < 3 && i < b->n_nodes; i++) {
        const corridor_node_view *x = &a->nodes[i], *y = &b->nodes[i];
        check_register_eq(&x->identity, &y->identity);
        CHECK_EQ_INT(x->state, y->state);
        CHECK(x->last_seen_age_ms == y->last_seen_age_ms);
        CHECK(x->registered_age_ms == y->registered_age_ms);
        CHECK_EQ_INT(x->reports, y->reports);
        CHECK_EQ_INT(x->registrations, y->registrations);
        check_report_eq(&x->report, &y->report);
        CHECK_EQ_INT(x->n_routes_total, y->n_routes_total);
    }
    CHECK_EQ_INT(b->n_stats, 4);
    for (size_t i = 0; i < 4 && i < b->n_stats; i++) {
        CHECK_EQ_STR(b->stats[i].name, a->stats[i].name);
        CHECK(b->stats[i].value == a->stats[i].value);
    }
    corridor_msg_fini(&out);
    corridor_msg_fini(&in);
}

/* ---- encode refusals --------------------------------------------------------------------- */

static void test_encode_rejects(void)
{
    corridor_msg m;
    uint8_t *buf = NULL;
    size_t len = 0;

    corridor_msg_init(&m, (corridor_msg_type)99);
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);
    corridor_msg_init(&m, CORRIDOR_MSG_NONE);
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);

    corridor_msg_init(&m, CORRIDOR_MSG_REGISTER);
    fill_register(&m.u.reg, 0);
    m.u.reg.tier = CORRIDOR_TIER_COUNT;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);

    corridor_msg_init(&m, CORRIDOR_MSG_REGISTER);
    fill_register(&m.u.reg, 0);
    memset(m.u.reg.node_id, 'a', sizeof m.u.reg.node_id);   /* no NUL inside the array */
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);

    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    m.u.report.n_routes = 3;                                  /* count without an array */
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);

    corridor_msg_init(&m, CORRIDOR_MSG_COMMAND);
    char *args[2] = {"ok", NULL};
    m.u.cmd.args = args;
    m.u.cmd.n_args = 2;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), -EINVAL);
    CHECK(buf == NULL);
}

/* ---- limits ------------------------------------------------------------------------------ */

static void test_frame_too_large(void)
{
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    CHECK_EQ_INT(lim.max_frame_bytes, 1024 * 1024);
    CHECK_EQ_INT(lim.max_gpus, 64);
    CHECK_EQ_INT(lim.max_routes, 100000);
    CHECK_EQ_INT(lim.max_links, 1024);
    CHECK_EQ_INT(lim.max_workloads, 4096);
    CHECK_EQ_INT(lim.max_args, 256);
    CHECK_EQ_INT(lim.max_nodes_reply, 100000);

    /* One byte over the default: refused on size alone, before anything is parsed. */
    size_t n = (size_t)lim.max_frame_bytes + 1;
    uint8_t *big = calloc(n, 1);
    corridor_msg out;
    corridor_decode_error err;
    CHECK_EQ_INT(corridor_msg_decode(big, n, NULL, &out, &err), -EMSGSIZE);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_TOO_LARGE);
    CHECK_CONTAINS(err.detail, "1048577");
    CHECK(all_zero(&out, sizeof out));
    free(big);

    /* A real frame against a limit one byte below and exactly at its size. */
    corridor_msg in;
    corridor_msg_init(&in, CORRIDOR_MSG_REPORT);
    fill_report(&in.u.report, "edge-1", 2, 2, 2, 2);
    uint8_t *buf;
    size_t len;
    CHECK_EQ_INT(corridor_msg_encode(&in, &buf, &len), 0);
    lim.max_frame_bytes = (uint32_t)len - 1;
    CHECK_EQ_INT(corridor_msg_decode(buf, len, &lim, &out, &err), -EMSGSIZE);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_TOO_LARGE);
    lim.max_frame_bytes = (uint32_t)len;
    CHECK_EQ_INT(corridor_msg_decode(buf, len, &lim, &out, &err), 0);
    corridor_msg_fini(&out);
    free(buf);
    corridor_msg_fini(&in);
}

/* Report with n routes against max_routes = 10. Every route has an invalid family: had
 * the fields been decoded before the count was checked, the answer would be INVALID_FIELD. */
static void test_route_limit(void)
{
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    lim.max_routes = 10;
    corridor_msg in, out;
    corridor_decode_error err;

    corridor_msg_init(&in, CORRIDOR_MSG_REPORT);
    fill_envelope(&in, "edge-1");
    fill_report(&in.u.report, "edge-1", 0, 11, 0, 0);
    for (size_t i = 0; i < 11; i++)
        in.u.report.routes[i].family = 0;
    CHECK_EQ_INT(round_trip(&in, &lim, &out, &err), -E2BIG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_LIMIT_EXCEEDED);
    CHECK_EQ_STR(err.detail, "report.routes: 11 entries over the limit of 10");
    CHECK_EQ_INT(out.env.type, CORRIDOR_MSG_REPORT);   /* env kept to log and answer */
    CHECK_EQ_STR(out.env.sender_id, "edge-1");
    check_body_zero(&out);
    corridor_msg_fini(&in);

    /* Exactly at the limit: fine. */
    corridor_msg_init(&in, CORRIDOR_MSG_REPORT);
    fill_report(&in.u.report, "edge-1", 0, 10, 0, 0);
    CHECK_EQ_INT(round_trip(&in, &lim, &out, &err), 0);
    CHECK_EQ_INT(out.u.report.n_routes, 10);
    corridor_msg_fini(&out);
    corridor_msg_fini(&in);
}

static void test_other_limits(void)
{
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    lim.max_gpus = 2;
    lim.max_links = 3;
    lim.max_workloads = 4;
    lim.max_args = 5;
    lim.max_nodes_reply = 2;
    corridor_msg in, out;
    corridor_decode_error err;

    struct { size_t g, l, w; const char *field; } cases[] = {
        {3, 0, 0, "report.gpus: 3 entries over the limit of 2"},
        {0, 4, 0, "report.links: 4 entries over the limit of 3"},
        {0, 0, 5, "report.workloads: 5 entries over the limit of 4"},
        {2, 3, 4, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        corridor_msg_init(&in, CORRIDOR_MSG_REPORT);
        fill_report(&in.u.report, "edge-1", cases[i].g, 1, cases[i].l, cases[i].w);
        int rc = round_trip(&in, &lim, &out, &err);
        if (cases[i].field) {
            CHECK_EQ_INT(rc, -E2BIG);
            CHECK_EQ_STR(err.detail, cases[i].field);
            check_body_zero(&out);
        } else {
            CHECK_EQ_INT(rc, 0);
        }
        corridor_msg_fini(&out);
        corridor_msg_fini(&in);
    }

    /* args and env count together against max_args. */
    for (size_t n_env = 2; n_env <= 3; n_env++) {
        corridor_msg_init(&in, CORRIDOR_MSG_COMMAND);
        in.u.cmd.n_args = 3;
        in.u.cmd.args = calloc(3, sizeof(char *));
        for (size_t i = 0; i < 3; i++)
            in.u.cmd.args[i] = xstrdup("a");
        in.u.cmd.n_env = n_env;
        in.u.cmd.env = calloc(n_env, sizeof(char *));
        for (size_t i = 0; i < n_env; i++)
            in.u.cmd.env[i] = xstrdup("K=V");
        int rc = round_trip(&in, &lim, &out, &err);
        if (n_env == 2) {
            CHECK_EQ_INT(rc, 0);
        } else {
            CHECK_EQ_INT(rc, -E2BIG);
            CHECK_EQ_STR(err.detail, "command.args+env: 6 entries over the limit of 5");
            check_body_zero(&out);
        }
        corridor_msg_fini(&out);
        corridor_msg_fini(&in);
    }

    /* Node views per reply; and the routes of a report nested in a view. */
    fill_control_reply(&in);
    CHECK_EQ_INT(round_trip(&in, &lim, &out, &err), -E2BIG);
    CHECK_EQ_STR(err.detail, "control_reply.nodes: 3 entries over the limit of 2");
    check_body_zero(&out);
    lim.max_nodes_reply = 3;
    lim.max_gpus = 64;
    lim.max_routes = 5;   /* node 2 carries 6 routes */
    CHECK_EQ_INT(round_trip(&in, &lim, &out, &err), -E2BIG);
    CHECK_EQ_STR(err.detail, "control_reply.nodes.report.routes: 6 entries over the limit of 5");
    lim.max_routes = 6;
    CHECK_EQ_INT(round_trip(&in, &lim, &out, &err), 0);
    corridor_msg_fini(&out);
    corridor_msg_fini(&in);
}

/* protobuf-c merges a singular sub-message that appears twice, which would add up the
 * repeated fields of both past the per-occurrence counts; a second occurrence is refused. */
static void test_singular_submessage_twice(void)
{
    wbuf route, rep, view, crep, frame;
    route.n = 0;
    w_uint(&route, 1, 4);
    rep.n = 0;
    w_bytes(&rep, 13, route.b, route.n);
    view.n = 0;
    wbuf reg;
    w_register_ok(&reg);
    w_bytes(&view, 1, reg.b, reg.n);
    w_bytes(&view, 7, rep.b, rep.n);
    w_bytes(&view, 7, rep.b, rep.n);
    crep.n = 0;
    w_bytes(&crep, 4, view.b, view.n);
    w_envelope(&frame, 1, CORRIDOR_MSG_CONTROL_REPLY, "orch-1", &crep);
    corridor_msg out;
    corridor_decode_error err;
    CHECK_EQ_INT(corridor_msg_decode(frame.b, frame.n, NULL, &out, &err), -E2BIG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_LIMIT_EXCEEDED);
    CHECK_CONTAINS(err.detail, "control_reply.nodes.report: 2 entries over the limit of 1");
}

/* ---- version and type -------------------------------------------------------------------- */

static void test_bad_version(void)
{
    /* A version-2 frame written by hand: version 2, type 3 (report), sender, seq 7. */
    wbuf frame;
    w_envelope(&frame, 2, CORRIDOR_MSG_REPORT, "edge-9", NULL);
    corridor_msg out;
    corridor_decode_error err;
    CHECK_EQ_INT(corridor_msg_decode(frame.b, frame.n, NULL, &out, &err), -EPROTO);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_BAD_VERSION);
    CHECK_EQ_STR(err.detail, "protocol version 2 not supported (this orchestrator speaks 1)");
    CHECK_EQ_INT(out.env.version, 2);
    CHECK_EQ_INT(out.env.type, CORRIDOR_MSG_REPORT);
    CHECK_EQ_STR(out.env.sender_id, "edge-9");
    CHECK(out.env.seq == 7);
    check_body_zero(&out);

    /* The same through encode: env.version is sent as set. */
    corridor_msg in;
    corridor_msg_init(&in, CORRIDOR_MSG_PING);
    in.env.version = 2;
    CHECK_EQ_INT(round_trip(&in, NULL, &out, &err), -EPROTO);
    CHECK_CONTAINS(err.detail, "version 2");
    CHECK_CONTAINS(err.detail, "speaks 1");

    /* A future envelope v1 cannot even unpack (payload as a varint, a type change): still
     * answered as a version problem, from the frozen fields 1 and 2. */
    frame.n = 0;
    w_uint(&frame, 1, 7);
    w_uint(&frame, 2, 3);
    w_uint(&frame, 7, 12345);
    CHECK_EQ_INT(corridor_msg_decode(frame.b, frame.n, NULL, &out, &err), -EPROTO);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_BAD_VERSION);
    CHECK_CONTAINS(err.detail, "version 7");
    CHECK_EQ_INT(out.env.version, 7);
    CHECK_EQ_INT(out.env.type, 3);

    /* The same broken envelope claiming version 1 is simply malformed. */
    frame.n = 0;
    w_uint(&frame, 1, 1);
    w_uint(&frame, 2, 3);
    w_uint(&frame, 7, 12345);
    CHECK_EQ_INT(corridor_msg_decode(frame.b, frame.n, NULL, &out, &err), -EBADMSG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_MALFORMED);

    /* No version at all reads as version 0. */
    frame.n = 0;
    w_uint(&frame, 2, 7);
    CHECK_EQ_INT(corridor_msg_decode(frame.b, frame.n, NULL, &out, &err), -EPROTO);
    CHECK_CONTAINS(err.detail, "version 0");
}

static void test_unknown_type(void)
{
    wbuf p, frame;
    p.n = 0;
    w_uint(&p, 1, 5);
    w_envelope(&frame, 1, 99, "edge-1", &p);
    corridor_msg out;
    corridor_decode_error err;
    CHECK_EQ_INT(corridor_msg_decode(frame.b, frame.n, NULL, &out, &err), -ENOTSUP);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_UNKNOWN_TYPE);
    CHECK_CONTAINS(err.detail, "99");
    CHECK_EQ_INT(out.env.type, 99);
    CHECK_EQ_INT(out.env.version, 1);
    CHECK_EQ_STR(out.env.sender_id, "edge-1");
    check_body_zero(&out);

    w_envelope(&frame, 1, 0, "edge-1", NULL);
    CHECK_EQ_INT(corridor_msg_decode(frame.b, frame.n, NULL, &out, &err), -ENOTSUP);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_UNKNOWN_TYPE);

    /* Unknown fields inside a known message are skipped (forward compatibility). */
    w_register_ok(&p);
    w_uint(&p, 100, 1);
    w_str(&p, 101, "from a newer agent");
    w_envelope(&frame, 1, CORRIDOR_MSG_REGISTER, "n1", &p);
    CHECK_EQ_INT(corridor_msg_decode(frame.b, frame.n, NULL, &out, &err), 0);
    CHECK_EQ_STR(out.u.reg.node_id, "n1");
    CHECK_EQ_INT(out.u.reg.tier, CORRIDOR_TIER_FAR_EDGE);
    corridor_msg_fini(&out);
}

/* ---- field validation -------------------------------------------------------------------- */

/* Decode a hand-written frame of type `type`; expect INVALID_FIELD naming `field`. */
static void expect_invalid_wire(uint32_t type, const wbuf *payload, const char *sender,
                                const char *field)
{
    wbuf frame;
    w_envelope(&frame, 1, type, sender, payload);
    corridor_msg out;
    corridor_decode_error err;
    int rc = corridor_msg_decode(frame.b, frame.n, NULL, &out, &err);
    CHECK_EQ_INT(rc, -EINVAL);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_INVALID_FIELD);
    CHECK_CONTAINS(err.detail, field);
    CHECK_EQ_INT(out.env.type, type);
    check_body_zero(&out);
    if (rc == 0)
        corridor_msg_fini(&out);
}

/* Encode m, expect the decoder to refuse it with INVALID_FIELD naming `field`. */
static void expect_invalid(corridor_msg *m, const char *field)
{
    corridor_msg out;
    corridor_decode_error err;
    int rc = round_trip(m, NULL, &out, &err);
    CHECK_EQ_INT(rc, -EINVAL);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_INVALID_FIELD);
    CHECK_CONTAINS(err.detail, field);
    check_body_zero(&out);
    if (rc == 0)
        corridor_msg_fini(&out);
}

static void test_string_too_long(void)
{
    wbuf p;
    /* node_id of 64 bytes: one over CORRIDOR_ID_MAX; never truncated to fit. */
    p.n = 0;
    w_str(&p, 1, repeat_char('a', 64));
    w_str(&p, 2, "262-01");
    w_str(&p, 3, "DE");
    w_uint(&p, 5, 1);
    expect_invalid_wire(CORRIDOR_MSG_REGISTER, &p, "n1", "register.node_id: 64 bytes");

    /* 63 is fine. */
    p.n = 0;
    w_str(&p, 1, repeat_char('a', 63));
    w_str(&p, 2, "262-01");
    w_str(&p, 3, "DE");
    w_uint(&p, 5, 1);
    wbuf frame;
    w_envelope(&frame, 1, CORRIDOR_MSG_REGISTER, "n1", &p);
    corridor_msg out;
    corridor_decode_error err;
    CHECK_EQ_INT(corridor_msg_decode(frame.b, frame.n, NULL, &out, &err), 0);
    CHECK_EQ_INT(strlen(out.u.reg.node_id), 63);
    corridor_msg_fini(&out);

    /* agent_version has its own, shorter array. */
    w_register_ok(&p);
    w_str(&p, 9, repeat_char('v', 32));
    expect_invalid_wire(CORRIDOR_MSG_REGISTER, &p, "n1", "register.agent_version");

    /* The sender id in the envelope. */
    w_register_ok(&p);
    expect_invalid_wire(CORRIDOR_MSG_REGISTER, &p, repeat_char('s', 64), "envelope.sender_id");

    /* Deep inside: a route's interface name in a report. */
    wbuf route, rep;
    route.n = 0;
    w_uint(&route, 1, 4);
    w_str(&route, 4, repeat_char('i', 16));
    rep.n = 0;
    w_bytes(&rep, 13, route.b, route.n);
    expect_invalid_wire(CORRIDOR_MSG_REPORT, &rep, "n1", "report.routes[0].oif: 16 bytes");

    /* A command argument may be long (heap string); a path may not exceed its array. */
    wbuf cmd;
    cmd.n = 0;
    w_str(&cmd, 6, repeat_char('x', 1000));
    w_str(&cmd, 5, repeat_char('p', 256));
    expect_invalid_wire(CORRIDOR_MSG_COMMAND, &cmd, "orch-1", "command.path");
}

static void test_invalid_values(void)
{
    wbuf p;
    /* Tier unset (TIER_UNSPECIFIED) or beyond cloud. */
    p.n = 0;
    w_str(&p, 1, "n1");
    w_str(&p, 2, "262-01");
    w_str(&p, 3, "DE");
    expect_invalid_wire(CORRIDOR_MSG_REGISTER, &p, "n1", "register.tier");
    w_uint(&p, 5, 6);
    expect_invalid_wire(CORRIDOR_MSG_REGISTER, &p, "n1", "register.tier");

    /* Enum values this build does not know. */
    wbuf wl, rep;
    wl.n = 0;
    w_uint(&wl, 3, 9);
    rep.n = 0;
    w_bytes(&rep, 15, wl.b, wl.n);
    expect_invalid_wire(CORRIDOR_MSG_REPORT, &rep, "n1", "report.workloads[0].state");
    p.n = 0;
    w_uint(&p, 1, 12);
    expect_invalid_wire(CORRIDOR_MSG_ERROR, &p, "n1", "error.reason");
    p.n = 0;
    w_uint(&p, 1, 99);
    expect_invalid_wire(CORRIDOR_MSG_CONTROL_REQUEST, &p, "", "control_request.kind");
    p.n = 0;
    w_uint(&p, 2, (uint64_t)-1);   /* negative enum: a 10-byte varint */
    expect_invalid_wire(CORRIDOR_MSG_COMMAND, &p, "orch-1", "command.kind");

    corridor_msg m;

    /* Register: identity fields. */
    corridor_msg_init(&m, CORRIDOR_MSG_REGISTER);
    fill_register(&m.u.reg, 0);
    strcpy(m.u.reg.node_id, "");
    expect_invalid(&m, "register.node_id");
    fill_register(&m.u.reg, 0);
    strcpy(m.u.reg.node_id, "-starts-with-dash");
    expect_invalid(&m, "register.node_id");
    fill_register(&m.u.reg, 0);
    strcpy(m.u.reg.plmn, "26201");
    expect_invalid(&m, "register.plmn");
    fill_register(&m.u.reg, 0);
    strcpy(m.u.reg.country, "XX");
    expect_invalid(&m, "register.country");
    fill_register(&m.u.reg, 0);
    strcpy(m.u.reg.region, "bad region");
    expect_invalid(&m, "register.region");
    fill_register(&m.u.reg, 0);
    m.u.reg.lat = 90.5;
    expect_invalid(&m, "register.lat");
    fill_register(&m.u.reg, 0);
    m.u.reg.lon = -180.5;
    expect_invalid(&m, "register.lon");
    fill_register(&m.u.reg, 0);
    m.u.reg.lat = NAN;
    expect_invalid(&m, "register.lat");
    fill_register(&m.u.reg, 0);
    strcpy(m.u.reg.region, "");   /* region is optional */
    m.u.reg.lat = -90;
    m.u.reg.lon = 180;
    corridor_msg out;
    corridor_decode_error err;
    CHECK_EQ_INT(round_trip(&m, NULL, &out, &err), 0);
    corridor_msg_fini(&out);

    /* Envelope sender must be an id when given. */
    fill_register(&m.u.reg, 0);
    strcpy(m.env.sender_id, "bad sender");
    expect_invalid(&m, "envelope.sender_id");

    /* Report values. */
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    fill_report(&m.u.report, "edge-1", 2, 2, 1, 1);
    m.u.report.cpu_util_pct = 100.5;
    expect_invalid(&m, "report.cpu_util_pct");
    m.u.report.cpu_util_pct = 50;
    m.u.report.load5 = -1;
    expect_invalid(&m, "report.load5");
    m.u.report.load5 = INFINITY;
    expect_invalid(&m, "report.load5");
    m.u.report.load5 = 1;
    m.u.report.gpus[1].util_pct = 101;
    expect_invalid(&m, "report.gpus[1].util_pct");
    m.u.report.gpus[1].util_pct = 100;
    m.u.report.gpus[0].mem_util_pct = 250;
    expect_invalid(&m, "report.gpus[0].mem_util_pct");
    m.u.report.gpus[0].mem_util_pct = 0;
    m.u.report.routes[1].family = 5;
    expect_invalid(&m, "report.routes[1].family: 5 is not 4 or 6");
    m.u.report.routes[1].family = 6;
    strcpy(m.u.report.node_id, "edge 1");
    expect_invalid(&m, "report.node_id");
    strcpy(m.u.report.node_id, "");   /* optional in a report */
    CHECK_EQ_INT(round_trip(&m, NULL, &out, &err), 0);
    corridor_msg_fini(&out);
    corridor_msg_fini(&m);

    /* Deep in a control reply: the path names the node view and the route. Nothing leaks
     * although two node views were already converted (ASan run). */
    fill_control_reply(&m);
    m.u.crep.nodes[2].report.routes[4].family = 0;
    expect_invalid(&m, "control_reply.nodes[2].report.routes[4].family");
    m.u.crep.nodes[2].report.routes[4].family = 4;
    strcpy(m.u.crep.nodes[1].identity.country, "de");
    expect_invalid(&m, "control_reply.nodes[1].identity.country");
    corridor_msg_fini(&m);
}

/* ---- hostile input ----------------------------------------------------------------------- */

/* Whatever the bytes, decode returns 0 or a clean error; on error the body is zeroed and
 * the reason set. Run under ASan/UBSan this also proves no read past len and no leak. */
static void decode_any(const uint8_t *buf, size_t len, const corridor_msg_limits *lim,
                       int *n_ok)
{
    corridor_msg out;
    corridor_decode_error err;
    int rc = corridor_msg_decode(buf, len, lim, &out, &err);
    if (rc == 0) {
        (*n_ok)++;
        corridor_msg_fini(&out);
        return;
    }
    bool known = rc == -EMSGSIZE || rc == -EBADMSG || rc == -EPROTO || rc == -ENOTSUP ||
                 rc == -E2BIG || rc == -EINVAL;
    CHECK(known);
    CHECK(err.reason != CORRIDOR_REJECT_NONE);
    CHECK(err.detail[0] != '\0');
    CHECK(all_zero(&out.u, sizeof out.u));
}

static void test_garbage(void)
{
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    int n_ok = 0;
    /* Random buffers; a copy of exactly len bytes so ASan sees any read past the end. */
    for (int i = 0; i < 10000; i++) {
        size_t len = (size_t)(rng() % 2048);
        uint8_t *exact = malloc(len ? len : 1);
        for (size_t j = 0; j < len; j++)
            exact[j] = (uint8_t)rng();
        /* Half of them start like a v1 envelope so they get past the version check. */
        if (i % 2 && len >= 4) {
            exact[0] = 0x08, exact[1] = 0x01, exact[2] = 0x10;
            exact[3] = (uint8_t)(1 + rng() % 8);
        }
        decode_any(exact, len, &lim, &n_ok);
        free(exact);
    }

    /* Every truncation and many single-byte mutations of a rich valid frame. */
    corridor_msg in;
    fill_control_reply(&in);
    uint8_t *frame;
    size_t len;
    CHECK_EQ_INT(corridor_msg_encode(&in, &frame, &len), 0);
    corridor_msg_fini(&in);
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *exact = malloc(cut ? cut : 1);
        memcpy(exact, frame, cut);
        decode_any(exact, cut, &lim, &n_ok);
        free(exact);
    }
    for (int i = 0; i < 5000; i++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, frame, len);
        for (int k = 0; k < 1 + (int)(rng() % 3); k++)
            copy[rng() % len] = (uint8_t)rng();
        decode_any(copy, len, &lim, &n_ok);
        free(copy);
    }
    free(frame);
    CHECK(n_ok > 0);   /* the full frame, at least */
}

/* ---- wire scanner on hand-written bytes -------------------------------------------------- */

static int wire(const uint8_t *b, size_t n, const corridor_wire_rule *rules,
                corridor_decode_error *err)
{
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    memset(err, 0, sizeof *err);
    /* Exact-size copy so that ASan catches any over-read. */
    uint8_t *exact = malloc(n ? n : 1);
    if (n)
        memcpy(exact, b, n);
    int rc = corridor_wire_check(exact, n, rules, &lim, 0, "t", err);
    free(exact);
    return rc;
}

#define WIRE(rules, err, ...)                                                                \
    wire((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}), (rules), (err))

static const corridor_wire_rule no_rules[] = {{.field = 0}};

static void test_wire_malformed(void)
{
    corridor_decode_error err;
    CHECK_EQ_INT(wire(NULL, 0, no_rules, &err), 0);
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x08, 0x96, 0x01), 0);           /* field 1 = 150 */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x09, 1, 2, 3, 4, 5, 6, 7, 8), 0); /* fixed64 */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x0d, 1, 2, 3, 4), 0);           /* fixed32 */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x12, 0x02, 'h', 'i'), 0);      /* bytes */
    /* Largest 64-bit varint: 10 bytes, the last one 0x01. */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0xff, 0x01), 0);

    /* Bad varints: truncated, 11 bytes, 10th byte overflowing 64 bits, in a tag. */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x08, 0x80), -EBADMSG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_MALFORMED);
    CHECK_CONTAINS(err.detail, "varint");
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0xff, 0xff, 0x01), -EBADMSG);
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0xff, 0x02), -EBADMSG);
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x80), -EBADMSG);
    CHECK_CONTAINS(err.detail, "tag");

    /* Lengths past the end, including one that would wrap a size_t. */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x12, 0x05, 'a'), -EBADMSG);
    CHECK_CONTAINS(err.detail, "length past the end");
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0xff, 0x01, 'a'), -EBADMSG);
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x12), -EBADMSG);
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x09, 1, 2, 3), -EBADMSG);       /* short fixed64 */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x0d, 1, 2, 3), -EBADMSG);       /* short fixed32 */

    /* Groups (3, 4) and the undefined wire types 6 and 7. */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x0b, 0x0c), -EBADMSG);
    CHECK_CONTAINS(err.detail, "group");
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x0c), -EBADMSG);
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x0e, 0x00), -EBADMSG);
    CHECK_CONTAINS(err.detail, "invalid wire type");
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x0f, 0x00), -EBADMSG);

    /* Field number 0, and one above 2^29 - 1. */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x00, 0x00), -EBADMSG);
    CHECK_CONTAINS(err.detail, "field number 0");
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x80, 0x80, 0x80, 0x80, 0x20, 0x00), -EBADMSG);

    /* Errors name the buffer and the byte offset. */
    CHECK_EQ_INT(WIRE(no_rules, &err, 0x08, 0x01, 0x0e), -EBADMSG);
    CHECK_EQ_STR(err.detail, "t: invalid wire type at byte 2");
}

static const corridor_wire_rule leaf[] = {{.field = 0}};
static const corridor_wire_rule counted[] = {
    {2, "t.fixed", 0, 3, NULL},
    {3, "t.routes", CORRIDOR_WIRE_LIMIT(max_routes), 0, NULL},
    {4, "t.args+env", CORRIDOR_WIRE_LIMIT(max_args), 0, NULL},
    {5, "t.args+env", CORRIDOR_WIRE_LIMIT(max_args), 0, NULL},
    {6, "t.sub", 0, 0, counted},
    {.field = 0},
};

static void test_wire_counts(void)
{
    corridor_decode_error err;
    corridor_msg_limits lim;
    corridor_msg_limits_default(&lim);
    lim.max_routes = 2;
    lim.max_args = 3;

    /* Fixed count 3. */
    CHECK_EQ_INT(WIRE(counted, &err, 0x10, 1, 0x10, 2, 0x10, 3), 0);
    CHECK_EQ_INT(WIRE(counted, &err, 0x10, 1, 0x10, 2, 0x10, 3, 0x10, 4, 0x10, 5), -E2BIG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_LIMIT_EXCEEDED);
    CHECK_EQ_STR(err.detail, "t.fixed: 5 entries over the limit of 3");

    /* Run-time limits from corridor_msg_limits. */
    const uint8_t three_routes[] = {0x1a, 0, 0x1a, 0, 0x1a, 0};
    CHECK_EQ_INT(corridor_wire_check(three_routes, 4, counted, &lim, 0, "t", &err), 0);
    CHECK_EQ_INT(corridor_wire_check(three_routes, 6, counted, &lim, 0, "t", &err), -E2BIG);
    CHECK_EQ_STR(err.detail, "t.routes: 3 entries over the limit of 2");
    lim.max_routes = 0;   /* 0 in the limits: none allowed */
    CHECK_EQ_INT(corridor_wire_check(three_routes, 2, counted, &lim, 0, "t", &err), -E2BIG);

    /* Shared counter: 2 args + 2 env over max_args 3. */
    const uint8_t args_env[] = {0x22, 0, 0x22, 0, 0x2a, 0, 0x2a, 0};
    CHECK_EQ_INT(corridor_wire_check(args_env, 6, counted, &lim, 0, "t", &err), 0);
    CHECK_EQ_INT(corridor_wire_check(args_env, 8, counted, &lim, 0, "t", &err), -E2BIG);
    CHECK_EQ_STR(err.detail, "t.args+env: 4 entries over the limit of 3");

    /* Counts are per occurrence of a sub-message; a sub-message must be length-delimited
     * and well-formed inside. */
    CHECK_EQ_INT(WIRE(counted, &err, 0x32, 0x04, 0x10, 1, 0x10, 2, 0x32, 0x02, 0x10, 1), 0);
    CHECK_EQ_INT(WIRE(counted, &err, 0x32, 0x08, 0x10, 1, 0x10, 2, 0x10, 3, 0x10, 4), -E2BIG);
    CHECK_EQ_STR(err.detail, "t.fixed: 4 entries over the limit of 3");
    CHECK_EQ_INT(WIRE(counted, &err, 0x30, 0x01), -EBADMSG);
    CHECK_CONTAINS(err.detail, "t.sub: wire type 0");
    CHECK_EQ_INT(WIRE(counted, &err, 0x32, 0x02, 0x08, 0x80), -EBADMSG);
    CHECK_CONTAINS(err.detail, "t.sub: bad varint value at byte 0");

    /* A malformed rest is still found after a count went over. */
    CHECK_EQ_INT(WIRE(counted, &err, 0x10, 1, 0x10, 2, 0x10, 3, 0x10, 4, 0x0f), -EBADMSG);
}

/* A message that contains itself: only the depth limit stops the recursion. */
static const corridor_wire_rule self_nested[] = {
    {1, "deep", 0, 0, self_nested},
    {.field = 0},
};

/* levels messages nested in field 1 around an empty innermost one. */
static size_t build_nested(uint8_t *buf, size_t cap, int levels)
{
    size_t n = 0;   /* built back to front */
    size_t start = cap;
    for (int i = 0; i < levels; i++) {
        /* length < 128 keeps every length one byte */
        buf[--start] = (uint8_t)n;
        buf[--start] = 0x0a;
        n += 2;
    }
    memmove(buf, buf + start, n);
    return n;
}

static void test_wire_depth(void)
{
    corridor_decode_error err;
    uint8_t buf[64];
    size_t n = build_nested(buf, sizeof buf, CORRIDOR_WIRE_MAX_DEPTH);
    CHECK_EQ_INT(corridor_wire_check(buf, n, self_nested, NULL, 0, "deep", &err), 0);
    n = build_nested(buf, sizeof buf, CORRIDOR_WIRE_MAX_DEPTH + 1);
    CHECK_EQ_INT(corridor_wire_check(buf, n, self_nested, NULL, 0, "deep", &err), -E2BIG);
    CHECK_EQ_INT(err.reason, CORRIDOR_REJECT_LIMIT_EXCEEDED);
    CHECK_CONTAINS(err.detail, "nested deeper than 8");
    /* The starting depth counts: a payload is checked at depth 1. */
    n = build_nested(buf, sizeof buf, CORRIDOR_WIRE_MAX_DEPTH);
    CHECK_EQ_INT(corridor_wire_check(buf, n, self_nested, NULL, 1, "deep", &err), -E2BIG);
    /* Nesting in fields without rules is not entered (protobuf-c keeps it as bytes). */
    n = build_nested(buf, sizeof buf, 20);
    CHECK_EQ_INT(corridor_wire_check(buf, n, leaf, NULL, 0, "deep", &err), 0);
}

static void test_wire_peek(void)
{
    uint32_t v = 99, t = 99;
    const uint8_t frame[] = {0x08, 0x02, 0x10, 0x15, 0x1a, 0x01, 'x', 0x08, 0x03};
    CHECK_EQ_INT(corridor_wire_peek_envelope(frame, sizeof frame, &v, &t), 0);
    CHECK_EQ_INT(v, 3);   /* last occurrence wins */
    CHECK_EQ_INT(t, 21);
    CHECK_EQ_INT(corridor_wire_peek_envelope(frame, 0, &v, &t), 0);
    CHECK_EQ_INT(v, 0);
    CHECK_EQ_INT(t, 0);
    const uint8_t bad[] = {0x08, 0x02, 0x12, 0x09};
    CHECK_EQ_INT(corridor_wire_peek_envelope(bad, sizeof bad, &v, &t), -EBADMSG);

    /* Agrees with the full decoder on an encoded frame. */
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_CONTROL_REQUEST);
    m.u.creq.kind = CORRIDOR_CTL_STATS;
    uint8_t *buf;
    size_t len;
    CHECK_EQ_INT(corridor_msg_encode(&m, &buf, &len), 0);
    CHECK_EQ_INT(corridor_wire_peek_envelope(buf, len, &v, &t), 0);
    CHECK_EQ_INT(v, CORRIDOR_PROTOCOL_VERSION);
    CHECK_EQ_INT(t, CORRIDOR_MSG_CONTROL_REQUEST);
    free(buf);
}

/* ---- names and odds and ends ------------------------------------------------------------- */

static void test_names(void)
{
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_REGISTER), "register");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_REGISTER_ACK), "register_ack");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_REPORT), "report");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_COMMAND), "command");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_COMMAND_RESULT), "command_result");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_ERROR), "error");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_PING), "ping");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_PONG), "pong");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_CONTROL_REQUEST), "control_request");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_CONTROL_REPLY), "control_reply");
    CHECK_EQ_STR(corridor_msg_type_name(CORRIDOR_MSG_NONE), "unknown");
    CHECK_EQ_STR(corridor_msg_type_name((corridor_msg_type)99), "unknown");

    static const char *const reasons[] = {
        "none", "too_large", "malformed", "bad_version", "unknown_type", "limit_exceeded",
        "invalid_field", "identity_mismatch", "not_registered", "multipart", "unexpected",
        "capacity",
    };
    CHECK_EQ_INT(sizeof reasons / sizeof reasons[0], CORRIDOR_REJECT_COUNT);
    for (int r = 0; r < CORRIDOR_REJECT_COUNT; r++)
        CHECK_EQ_STR(corridor_reject_name((corridor_reject_reason)r), reasons[r]);
    CHECK_EQ_STR(corridor_reject_name(CORRIDOR_REJECT_COUNT), "unknown");

    CHECK_EQ_STR(corridor_node_state_name(CORRIDOR_NODE_ALIVE), "alive");
    CHECK_EQ_STR(corridor_node_state_name(CORRIDOR_NODE_SUSPECT), "suspect");
    CHECK_EQ_STR(corridor_node_state_name(CORRIDOR_NODE_DEAD), "dead");
    CHECK_EQ_STR(corridor_node_state_name((corridor_node_state)7), "unknown");
}

static void test_fini_null_safe(void)
{
    corridor_msg_fini(NULL);
    corridor_report_fini(NULL);
    corridor_command_fini(NULL);
    corridor_control_reply_fini(NULL);
    corridor_msg m;
    corridor_msg_init(&m, CORRIDOR_MSG_REPORT);
    CHECK_EQ_INT(m.env.version, CORRIDOR_PROTOCOL_VERSION);
    CHECK_EQ_INT(m.env.type, CORRIDOR_MSG_REPORT);
    corridor_msg_fini(&m);
    CHECK(all_zero(&m, sizeof m));

    /* No error struct, no limits: still safe. */
    const uint8_t junk[] = {0xff};
    CHECK_EQ_INT(corridor_msg_decode(junk, sizeof junk, NULL, &m, NULL), -EBADMSG);
    CHECK_EQ_INT(corridor_msg_decode(NULL, 0, NULL, &m, NULL), -EBADMSG);
    CHECK_EQ_INT(corridor_msg_decode(junk, 1, NULL, NULL, NULL), -EINVAL);
}

int main(void)
{
    RUN(test_register_roundtrip);
    RUN(test_register_ack_roundtrip);
    RUN(test_report_roundtrip);
    RUN(test_empty_report_and_sender);
    RUN(test_command_roundtrip);
    RUN(test_command_result_roundtrip);
    RUN(test_error_roundtrip);
    RUN(test_ping_pong_roundtrip);
    RUN(test_control_request_roundtrip);
    RUN(test_control_reply_roundtrip);
    RUN(test_encode_rejects);
    RUN(test_frame_too_large);
    RUN(test_route_limit);
    RUN(test_other_limits);
    RUN(test_singular_submessage_twice);
    RUN(test_bad_version);
    RUN(test_unknown_type);
    RUN(test_string_too_long);
    RUN(test_invalid_values);
    RUN(test_garbage);
    RUN(test_wire_malformed);
    RUN(test_wire_counts);
    RUN(test_wire_depth);
    RUN(test_wire_peek);
    RUN(test_names);
    RUN(test_fini_null_safe);
    return TEST_SUMMARY();
}
