/*
 * The YAML config loader and the two daemons' schemas: the example files load, defaults are
 * filled, and every kind of error reads exactly as documented (docs/configuration.md), with
 * its line:column. Ends with a mutation loop: no input may crash or leak (run under ASan).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_config.h"
#include "config.h"
#include "orch_config.h"
#include "testutil.h"

#ifndef CORRIDOR_SOURCE_DIR
#define CORRIDOR_SOURCE_DIR "." /* meson passes the real one */
#endif

#define EXAMPLES CORRIDOR_SOURCE_DIR "/deploy/examples/"

/* A valid agent file; the error tests below are this with one thing broken. */
static const char AGENT_MIN[] =
    "node:\n"                                   /* 1 */
    "  id: de-muc-far-01\n"                     /* 2 */
    "  operator: \"262-01\"\n"                  /* 3 */
    "  country: DE\n"                           /* 4 */
    "  region: eu-central\n"                    /* 5 */
    "  tier: far-edge\n"                        /* 6 */
    "  location: {lat: 48.137, lon: 11.575}\n"; /* 7 */

static const char ORCH_MIN[] =
    "orchestrator:\n"
    "  id: orch-eu-central\n"
    "  region: eu-central\n";

/* Load text with the agent schema (no post checks) under the name "agent.yaml". */
static int agent_str(const char *text, corridor_agent_config *cfg, corridor_cfg_error *err)
{
    return corridor_cfg_load_string("agent.yaml", text, strlen(text), corridor_agent_config_schema,
                                    NULL, cfg, err);
}

/* Expect the agent text to fail with exactly this error text. */
static void agent_err(const char *text, const char *want)
{
    corridor_agent_config cfg;
    corridor_cfg_error err;
    int rc = agent_str(text, &cfg, &err);
    CHECK_EQ_INT(rc, -EINVAL);
    CHECK_EQ_STR(err.text, want);
}

/* Write text to a temporary file (for the daemons' loaders, which run the post checks). */
static void write_tmp(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/corridor-test-config-XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    size_t len = strlen(text);
    CHECK(write(fd, text, len) == (ssize_t)len);
    close(fd);
}

/* Load text with a daemon's loader; check the error text after the "FILE:" prefix. */
static void orch_file_err(const char *text, const char *want_after_file)
{
    char path[64], want[1200];
    corridor_orch_config cfg;
    corridor_cfg_error err;
    write_tmp(path, sizeof path, text);
    CHECK_EQ_INT(corridor_orch_config_load(path, &cfg, &err), -EINVAL);
    snprintf(want, sizeof want, "%s:%s", path, want_after_file);
    CHECK_EQ_STR(err.text, want);
    unlink(path);
}

static void agent_file_err(const char *text, const char *want_after_file)
{
    char path[64], want[1200];
    corridor_agent_config cfg;
    corridor_cfg_error err;
    write_tmp(path, sizeof path, text);
    CHECK_EQ_INT(corridor_agent_config_load(path, &cfg, &err), -EINVAL);
    snprintf(want, sizeof want, "%s:%s", path, want_after_file);
    CHECK_EQ_STR(err.text, want);
    unlink(path);
}

/* ---- the examples ---- */

static void test_example_orchestrator(void)
{
    corridor_orch_config cfg;
    corridor_cfg_error err;
    int rc = corridor_orch_config_load(EXAMPLES "orchestrator.yaml", &cfg, &err);
    CHECK_EQ_INT(rc, 0);
    if (rc)
        fprintf(stderr, "  %s\n", err.text);
    CHECK_EQ_STR(cfg.id, "orch-eu-central");
    CHECK_EQ_STR(cfg.region, "eu-central");
    CHECK_EQ_STR(cfg.agents_endpoint, "tcp://127.0.0.1:7700");
    CHECK_EQ_STR(cfg.control_endpoint, "tcp://127.0.0.1:7701");
    CHECK_EQ_INT(cfg.suspect_after_ms, 2000); /* 0 in the file: resolved */
    CHECK_EQ_INT(cfg.security.mode, CORRIDOR_SEC_NULL);
}

static void test_example_agents(void)
{
    static const struct {
        const char *file, *id, *plmn, *country;
        corridor_tier tier;
        double lat, lon;
        unsigned gpus;
    } ex[] = {
        {"agent-de-muc.yaml", "de-muc-far-01", "262-01", "DE", CORRIDOR_TIER_FAR_EDGE,
         48.137, 11.575, 2},
        {"agent-at-ibk.yaml", "at-ibk-near-01", "232-01", "AT", CORRIDOR_TIER_NEAR_EDGE,
         47.269, 11.404, 1},
        {"agent-it-vr.yaml", "it-vr-metro-01", "222-01", "IT", CORRIDOR_TIER_METRO_EDGE,
         45.438, 10.992, 0},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char path[512];
        corridor_agent_config cfg;
        corridor_cfg_error err;
        snprintf(path, sizeof path, "%s%s", EXAMPLES, ex[i].file);
        int rc = corridor_agent_config_load(path, &cfg, &err);
        CHECK_EQ_INT(rc, 0);
        if (rc)
            fprintf(stderr, "  %s\n", err.text);
        CHECK_EQ_STR(cfg.node_id, ex[i].id);
        CHECK_EQ_STR(cfg.plmn, ex[i].plmn);
        CHECK_EQ_STR(cfg.country, ex[i].country);
        CHECK_EQ_INT(cfg.tier, ex[i].tier);
        CHECK(cfg.lat == ex[i].lat && cfg.lon == ex[i].lon);
        CHECK_EQ_INT(cfg.gpus, ex[i].gpus);
        CHECK_EQ_STR(cfg.security.public_key_file, "");
    }
}

/* ---- defaults ---- */

static void test_agent_defaults(void)
{
    corridor_agent_config cfg;
    corridor_cfg_error err;
    memset(&cfg, 0xa5, sizeof cfg); /* the loader must zero what the file leaves out */
    CHECK_EQ_INT(agent_str(AGENT_MIN, &cfg, &err), 0);
    CHECK_EQ_INT(cfg.tier, CORRIDOR_TIER_FAR_EDGE);
    CHECK_EQ_STR(cfg.orchestrator_endpoint, "tcp://127.0.0.1:7700");
    CHECK_EQ_INT(cfg.reconnect_min_ms, 100);
    CHECK_EQ_INT(cfg.reconnect_max_ms, 5000);
    CHECK_EQ_INT(cfg.register_timeout_ms, 2000);
    CHECK_EQ_INT(cfg.report_interval_ms, 1000);
    CHECK_EQ_INT(cfg.max_frame_bytes, 1048576);
    CHECK_EQ_INT(cfg.log_level, CORRIDOR_LOG_INFO);
    CHECK_EQ_INT(cfg.security.mode, CORRIDOR_SEC_NULL);
    CHECK_EQ_STR(cfg.security.server_key_file, "");
    CHECK_EQ_INT(cfg.cpu_millicores, 0);
    CHECK_EQ_INT(cfg.memory_mb, 0);
    CHECK_EQ_INT(cfg.gpus, 0);
    CHECK_EQ_INT(cfg.gpu_memory_mb, 0);
}

static void test_orch_defaults(void)
{
    char path[64];
    corridor_orch_config cfg;
    corridor_cfg_error err;
    write_tmp(path, sizeof path, ORCH_MIN);
    CHECK_EQ_INT(corridor_orch_config_load(path, &cfg, &err), 0);
    unlink(path);
    CHECK_EQ_STR(cfg.agents_endpoint, "tcp://127.0.0.1:7700");
    CHECK_EQ_STR(cfg.control_endpoint, "tcp://127.0.0.1:7701");
    CHECK_EQ_INT(cfg.report_interval_ms, 1000);
    CHECK_EQ_INT(cfg.suspect_after_ms, 2000);
    CHECK_EQ_INT(cfg.heartbeat_timeout_ms, 5000);
    CHECK_EQ_INT(cfg.max_nodes, 100000);
    CHECK_EQ_INT(cfg.limits.max_frame_bytes, 1048576);
    CHECK_EQ_INT(cfg.limits.max_gpus, 64);
    CHECK_EQ_INT(cfg.limits.max_routes, 100000);
    CHECK_EQ_INT(cfg.limits.max_links, 1024);
    CHECK_EQ_INT(cfg.limits.max_workloads, 4096);
    CHECK_EQ_INT(cfg.limits.max_args, 256);
    CHECK_EQ_INT(cfg.limits.max_nodes_reply, 100000);
    CHECK_EQ_INT(cfg.log_level, CORRIDOR_LOG_INFO);
    CHECK_EQ_INT(cfg.security.mode, CORRIDOR_SEC_NULL);
}

/* security.mode: "null" quoted, a plain YAML null, ~ and an empty value all mean null */
static void test_security_mode_null(void)
{
    static const char *const modes[] = {"\"null\"", "null", "~", "", "'null'"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        char text[512];
        corridor_agent_config cfg;
        corridor_cfg_error err;
        snprintf(text, sizeof text, "%ssecurity:\n  mode: %s\n", AGENT_MIN, modes[i]);
        cfg.security.mode = CORRIDOR_SEC_CURVE;
        CHECK_EQ_INT(agent_str(text, &cfg, &err), 0);
        CHECK_EQ_INT(cfg.security.mode, CORRIDOR_SEC_NULL);
    }
    char text[512];
    corridor_agent_config cfg;
    corridor_cfg_error err;
    snprintf(text, sizeof text, "%ssecurity:\n  mode: curve\n", AGENT_MIN);
    CHECK_EQ_INT(agent_str(text, &cfg, &err), 0);
    CHECK_EQ_INT(cfg.security.mode, CORRIDOR_SEC_CURVE);
}

/* ---- each error kind, the exact text ---- */

static void test_unknown_key(void)
{
    char text[512];
    snprintf(text, sizeof text, "%sorchestrator:\n  reprot_interval_ms: 500\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:3: orchestrator.reprot_interval_ms: unknown key "
                    "'reprot_interval_ms' (did you mean 'report_interval_ms'?)");
    snprintf(text, sizeof text, "%sorchestrator:\n  colour: blue\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:3: orchestrator.colour: unknown key 'colour' (valid keys: "
                    "endpoint, reconnect_min_ms, reconnect_max_ms, register_timeout_ms, "
                    "report_interval_ms)");
    snprintf(text, sizeof text, "%snodes: {}\n", AGENT_MIN);
    agent_err(text, "agent.yaml:8:1: nodes: unknown key 'nodes' (did you mean 'node'?)");
}

static void test_bad_enum(void)
{
    static const char text[] =
        "node:\n"
        "  id: de-muc-far-01\n"
        "  operator: \"262-01\"\n"
        "  country: DE\n"
        "  region: eu-central\n"
        "  location: {lat: 48.137, lon: 11.575}\n"
        "  tier: far_edge\n";
    agent_err(text, "agent.yaml:7:9: node.tier: 'far_edge' is not one of near-premise, far-edge, "
                    "near-edge, metro-edge, cloud (did you mean 'far-edge'?)");
    char t2[512];
    snprintf(t2, sizeof t2, "%slog: {level: verbose}\n", AGENT_MIN);
    agent_err(t2, "agent.yaml:8:14: log.level: 'verbose' is not one of debug, info, warn, error");
    snprintf(t2, sizeof t2, "%slog: {level: warning}\n", AGENT_MIN);
    agent_err(t2, "agent.yaml:8:14: log.level: 'warning' is not one of debug, info, warn, error "
                  "(did you mean 'warn'?)");
}

static void test_int_errors(void)
{
    char text[512];
    snprintf(text, sizeof text, "%sorchestrator:\n  report_interval_ms: 30000000\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:23: orchestrator.report_interval_ms: 30000000 is out of range "
                    "50..3600000");
    snprintf(text, sizeof text, "%sorchestrator:\n  report_interval_ms: -5\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:23: orchestrator.report_interval_ms: -5 is out of range "
                    "50..3600000");
    snprintf(text, sizeof text, "%sorchestrator:\n  report_interval_ms: abc\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:23: orchestrator.report_interval_ms: expected an integer, "
                    "got 'abc'");
    snprintf(text, sizeof text, "%sorchestrator:\n  report_interval_ms: 1.5\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:23: orchestrator.report_interval_ms: expected an integer, "
                    "got '1.5'");
    snprintf(text, sizeof text, "%sorchestrator:\n  report_interval_ms:\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:22: orchestrator.report_interval_ms: expected an integer, "
                    "got an empty value");
    /* hex is accepted */
    corridor_agent_config cfg;
    corridor_cfg_error err;
    snprintf(text, sizeof text, "%sorchestrator:\n  report_interval_ms: 0x400\n", AGENT_MIN);
    CHECK_EQ_INT(agent_str(text, &cfg, &err), 0);
    CHECK_EQ_INT(cfg.report_interval_ms, 1024);
}

static void test_double_errors(void)
{
    static const char text[] =
        "node:\n"
        "  id: de-muc-far-01\n"
        "  operator: \"262-01\"\n"
        "  country: DE\n"
        "  region: eu-central\n"
        "  tier: far-edge\n"
        "  location: {lat: 91.5, lon: 11.575}\n";
    agent_err(text, "agent.yaml:7:19: node.location.lat: 91.5 is out of range -90..90");
    static const char t2[] =
        "node:\n"
        "  id: de-muc-far-01\n"
        "  operator: \"262-01\"\n"
        "  country: DE\n"
        "  region: eu-central\n"
        "  tier: far-edge\n"
        "  location: {lat: north, lon: 11.575}\n";
    agent_err(t2, "agent.yaml:7:19: node.location.lat: expected a number, got 'north'");
}

static void test_string_too_long(void)
{
    static const char text[] =
        "node:\n"
        "  id: de-muc-far-01-0123456789012345678901234567890123456789012345678901234567890\n"
        "  operator: \"262-01\"\n"
        "  country: DE\n"
        "  region: eu-central\n"
        "  tier: far-edge\n"
        "  location: {lat: 48.137, lon: 11.575}\n";
    agent_err(text, "agent.yaml:2:7: node.id: too long (max 63 characters)");
}

static void test_checks(void)
{
    static const char plmn[] =
        "node:\n"
        "  id: de-muc-far-01\n"
        "  operator: 26201\n"
        "  country: DE\n"
        "  region: eu-central\n"
        "  tier: far-edge\n"
        "  location: {lat: 48.137, lon: 11.575}\n";
    agent_err(plmn, "agent.yaml:3:13: node.operator: '26201' is not a PLMN (expected MCC-MNC, "
                    "e.g. 262-01)");
    static const char country[] =
        "node:\n"
        "  id: de-muc-far-01\n"
        "  operator: \"262-01\"\n"
        "  country: XX\n"
        "  region: eu-central\n"
        "  tier: far-edge\n"
        "  location: {lat: 48.137, lon: 11.575}\n";
    agent_err(country, "agent.yaml:4:12: node.country: 'XX' is not an ISO 3166-1 alpha-2 "
                       "country code");
    static const char id[] =
        "node:\n"
        "  id: -muc\n"
        "  operator: \"262-01\"\n"
        "  country: DE\n"
        "  region: eu-central\n"
        "  tier: far-edge\n"
        "  location: {lat: 48.137, lon: 11.575}\n";
    agent_err(id, "agent.yaml:2:7: node.id: '-muc' is not a valid id (1..63 characters of "
                  "A-Z a-z 0-9 . _ -, starting with a letter or digit)");
    char text[512];
    snprintf(text, sizeof text, "%sorchestrator:\n  endpoint: tcp://orch:99999\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:13: orchestrator.endpoint: 'tcp://orch:99999': the port must "
                    "be a number 1..65535");
    snprintf(text, sizeof text, "%sorchestrator:\n  endpoint: http://orch:7700\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:13: orchestrator.endpoint: 'http://orch:7700' is not an "
                    "endpoint (expected tcp://HOST:PORT, ipc://PATH or inproc://NAME)");
}

static void test_check_functions(void)
{
    char msg[256];
    static const char *const good[] = {"tcp://127.0.0.1:7700", "tcp://*:7700",
                                       "tcp://orch.example.net:1", "tcp://[::1]:65535",
                                       "ipc:///run/corridor/agents.sock", "inproc://agents"};
    static const char *const bad[] = {"tcp://:7700", "tcp://host", "tcp://host:0",
                                      "tcp://host:65536", "tcp://host:77a", "tcp://ho st:1",
                                      "tcp://[::1]", "ipc://", "inproc://", "udp://x:1", ""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_EQ_INT(corridor_cfg_check_endpoint(good[i], msg, sizeof msg), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msg[0] = '\0';
        CHECK_EQ_INT(corridor_cfg_check_endpoint(bad[i], msg, sizeof msg), -EINVAL);
        CHECK(msg[0] != '\0');
    }
    CHECK_EQ_INT(corridor_cfg_check_plmn("262-01", msg, sizeof msg), 0);
    CHECK_EQ_INT(corridor_cfg_check_plmn("310-410", msg, sizeof msg), 0);
    CHECK_EQ_INT(corridor_cfg_check_plmn("262-1", msg, sizeof msg), -EINVAL);
    CHECK_EQ_INT(corridor_cfg_check_country("AT", msg, sizeof msg), 0);
    CHECK_EQ_INT(corridor_cfg_check_country("de", msg, sizeof msg), -EINVAL);
    CHECK_EQ_STR(msg, "'de' is not an ISO 3166-1 alpha-2 country code (did you mean 'DE'?)");
    CHECK_EQ_INT(corridor_cfg_check_country("UK", msg, sizeof msg), -EINVAL);
    CHECK_EQ_STR(msg, "'UK' is not an ISO 3166-1 alpha-2 country code (the United Kingdom is "
                      "'GB')");
    CHECK_EQ_INT(corridor_cfg_check_id("de-muc-far-01", msg, sizeof msg), 0);
    CHECK_EQ_INT(corridor_cfg_check_id("", msg, sizeof msg), -EINVAL);
}

static void test_missing_required(void)
{
    static const char tier[] =
        "node:\n"
        "  id: de-muc-far-01\n"
        "  operator: \"262-01\"\n"
        "  country: DE\n"
        "  region: eu-central\n"
        "  location: {lat: 48.137, lon: 11.575}\n";
    agent_err(tier, "agent.yaml:2:3: node.tier: missing required key 'tier'");
    static const char lon[] =
        "node:\n"
        "  id: de-muc-far-01\n"
        "  operator: \"262-01\"\n"
        "  country: DE\n"
        "  region: eu-central\n"
        "  tier: far-edge\n"
        "  location: {lat: 48.137}\n";
    agent_err(lon, "agent.yaml:7:13: node.location.lon: missing required key 'lon'");
    agent_err("# no node section\nlog: {level: debug}\n",
              "agent.yaml:1:1: node: missing required key 'node'");
}

static void test_duplicate_key(void)
{
    char text[512];
    snprintf(text, sizeof text, "%s  country: AT\n", AGENT_MIN);
    agent_err(text, "agent.yaml:8:3: node.country: duplicate key (first at line 4)");
}

static void test_wrong_kind(void)
{
    char text[512];
    snprintf(text, sizeof text, "%sorchestrator: tcp://10.0.0.1:7700\n", AGENT_MIN);
    agent_err(text, "agent.yaml:8:15: orchestrator: expected a mapping, got "
                    "'tcp://10.0.0.1:7700'");
    snprintf(text, sizeof text, "%sorchestrator:\n  endpoint: {host: a, port: 1}\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:13: orchestrator.endpoint: expected a string, got a mapping");
    snprintf(text, sizeof text, "%slog:\n  - level: info\n", AGENT_MIN);
    agent_err(text, "agent.yaml:9:3: log: expected a mapping, got a sequence");
    agent_err("- node\n", "agent.yaml:1:1: (document): expected a mapping of settings at the "
                          "top level, got a sequence");
}

static void test_syntax_error(void)
{
    corridor_agent_config cfg;
    corridor_cfg_error err;
    char text[512];
    snprintf(text, sizeof text, "%sorchestrator:\n  endpoint: [tcp://a:1\n", AGENT_MIN);
    CHECK_EQ_INT(agent_str(text, &cfg, &err), -EINVAL);
    CHECK_EQ_INT(err.line, 10);
    CHECK_EQ_INT(err.column, 1);
    CHECK_CONTAINS(err.text, "agent.yaml:10:1: ");
    CHECK_CONTAINS(err.message, "syntax error");
    /* a tab for indentation */
    CHECK_EQ_INT(agent_str("node:\n\tid: x\n", &cfg, &err), -EINVAL);
    CHECK_EQ_INT(err.line, 2);
    CHECK_EQ_INT(err.column, 1);
    CHECK_CONTAINS(err.message, "syntax error");
    CHECK_EQ_STR(err.path, "node");
}

static void test_empty_and_missing_file(void)
{
    agent_err("", "agent.yaml:1:1: (document): the file is empty (expected a mapping of "
                  "settings)");
    agent_err("# nothing but a comment\n\n", "agent.yaml:1:1: (document): the file is empty "
                                             "(expected a mapping of settings)");
    corridor_agent_config cfg;
    corridor_cfg_error err;
    CHECK_EQ_INT(corridor_agent_config_load("/nonexistent/agent.yaml", &cfg, &err), -ENOENT);
    CHECK_EQ_STR(err.text, "/nonexistent/agent.yaml: cannot open: No such file or directory");
    CHECK_EQ_INT(err.line, 0);
    CHECK_EQ_INT(err.column, 0);
    CHECK_EQ_STR(err.message, "cannot open: No such file or directory");
    if (geteuid() != 0) { /* root reads anything */
        char path[64], want[256];
        write_tmp(path, sizeof path, AGENT_MIN);
        chmod(path, 0);
        CHECK_EQ_INT(corridor_agent_config_load(path, &cfg, &err), -EACCES);
        snprintf(want, sizeof want, "%s: cannot open: Permission denied", path);
        CHECK_EQ_STR(err.text, want);
        unlink(path);
    }
    CHECK_EQ_INT(corridor_agent_config_load("/", &cfg, &err), -EISDIR);
    CHECK_EQ_STR(err.text, "/: cannot read: Is a directory");
}

static void test_refused_constructs(void)
{
    char text[512];
    snprintf(text, sizeof text, "%sorchestrator: &o {endpoint: tcp://a:1}\nlimits: *o\n",
             AGENT_MIN);
    agent_err(text, "agent.yaml:8:15: orchestrator: anchors (&o) are not supported; write the "
                    "value out");
    snprintf(text, sizeof text, "%s---\nnode: {}\n", AGENT_MIN);
    agent_err(text, "agent.yaml:8:1: (document): multiple YAML documents are not supported");
    snprintf(text, sizeof text, "%slog: {level: !!str info}\n", AGENT_MIN);
    agent_err(text, "agent.yaml:8:14: log.level: YAML tags (!!str) are not supported");

    /* nesting deeper than 32 */
    char deep[256] = "node: ";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    agent_err(deep, "agent.yaml:1:38: node[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
                    "[0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nesting too deep "
                    "(max 32 levels)");

    /* over 4 MiB */
    size_t big = (4u << 20) + 1;
    char *huge = malloc(big + 1);
    CHECK(huge != NULL);
    if (huge) {
        memset(huge, '#', big);
        huge[big] = '\0';
        corridor_agent_config cfg;
        corridor_cfg_error err;
        CHECK_EQ_INT(corridor_cfg_load_string("agent.yaml", huge, big,
                                              corridor_agent_config_schema, NULL, &cfg, &err),
                     -EFBIG);
        CHECK_EQ_STR(err.text, "agent.yaml: file too large (max 4194304 bytes)");
        free(huge);
    }
}

/* ---- post checks (cross-field rules) ---- */

static void test_post_checks(void)
{
    char text[512];
    snprintf(text, sizeof text, "%sagents:\n  report_interval_ms: 1000\n"
                                "  heartbeat_timeout_ms: 1500\n", ORCH_MIN);
    orch_file_err(text, "6:25: agents.heartbeat_timeout_ms: heartbeat_timeout_ms (1500) must be "
                        "greater than suspect_after_ms (2000)");
    /* the key is not in the file: the error is at its section */
    snprintf(text, sizeof text, "%sagents:\n  suspect_after_ms: 6000\n", ORCH_MIN);
    orch_file_err(text, "5:3: agents.heartbeat_timeout_ms: heartbeat_timeout_ms (5000) must be "
                        "greater than suspect_after_ms (6000)");
    snprintf(text, sizeof text, "%scontrol: {endpoint: \"tcp://127.0.0.1:7700\"}\n", ORCH_MIN);
    orch_file_err(text, "4:21: control.endpoint: must differ from agents.endpoint (both are "
                        "'tcp://127.0.0.1:7700')");
    snprintf(text, sizeof text, "%ssecurity: {mode: curve, public_key_file: a.pub, "
                                "secret_key_file: a.key}\n", ORCH_MIN);
    orch_file_err(text, "4:11: security.allow_dir: required when security.mode is curve "
                        "(the agents' public keys)");

    snprintf(text, sizeof text, "%sorchestrator:\n  reconnect_min_ms: 1000\n"
                                "  reconnect_max_ms: 500\n", AGENT_MIN);
    agent_file_err(text, "10:21: orchestrator.reconnect_max_ms: reconnect_max_ms (500) must be "
                         "at least reconnect_min_ms (1000)");
    snprintf(text, sizeof text, "%sorchestrator:\n  endpoint: tcp://*:7700\n", AGENT_MIN);
    agent_file_err(text, "9:13: orchestrator.endpoint: '*' only makes sense for listening; "
                         "give the orchestrator's address");
}

/* ---- the generic loader on a schema of its own: lists, bools, corridor_cfg_fail ---- */

typedef struct {
    char name[16];
    int32_t weight;
} test_item;

typedef struct {
    bool enabled;
    int64_t offset;
    char tags[3][8];
    size_t n_tags;
    test_item items[2];
    size_t n_items;
} test_cfg;

static const corridor_cfg_field item_schema[] = {
    {.name = "name", .type = CORRIDOR_CFG_STRING, .offset = offsetof(test_item, name),
     .size = 16, .required = true},
    {.name = "weight", .type = CORRIDOR_CFG_INT, .offset = offsetof(test_item, weight),
     .size = 4, .is_signed = true, .def = "7"},
    {.name = NULL},
};

static const corridor_cfg_field test_schema[] = {
    {.name = "enabled", .type = CORRIDOR_CFG_BOOL, .offset = offsetof(test_cfg, enabled),
     .size = sizeof(bool), .def = "yes"},
    {.name = "offset", .type = CORRIDOR_CFG_INT, .offset = offsetof(test_cfg, offset),
     .size = 8, .is_signed = true, .def = "-0x10"},
    {.name = "tags", .type = CORRIDOR_CFG_LIST, .offset = offsetof(test_cfg, tags), .size = 8,
     .elem_type = CORRIDOR_CFG_STRING, .count_offset = offsetof(test_cfg, n_tags),
     .max_count = 3, .def = "[a, b]"},
    {.name = "items", .type = CORRIDOR_CFG_LIST, .offset = offsetof(test_cfg, items),
     .size = sizeof(test_item), .sub = item_schema, .count_offset = offsetof(test_cfg, n_items),
     .max_count = 2},
    {.name = NULL},
};

static int test_post(void *out, struct corridor_cfg_ctx *ctx)
{
    test_cfg *c = out;
    if (c->n_items == 2 && c->items[1].weight > 100)
        return corridor_cfg_fail(ctx, "items[1].weight", "heavier than %d", 100);
    if (c->offset == 42)
        return corridor_cfg_fail(ctx, "nowhere.at_all", "not at the answer");
    return 0;
}

static int test_str(const char *text, test_cfg *c, corridor_cfg_error *err)
{
    return corridor_cfg_load_string("t.yaml", text, strlen(text), test_schema, test_post, c, err);
}

static void test_generic_schema(void)
{
    test_cfg c;
    corridor_cfg_error err;
    CHECK_EQ_INT(test_str("{}\n", &c, &err), 0);
    CHECK(c.enabled);
    CHECK_EQ_INT(c.offset, -16);
    CHECK_EQ_INT(c.n_tags, 2);
    CHECK_EQ_STR(c.tags[1], "b");
    CHECK_EQ_INT(c.n_items, 0);

    CHECK_EQ_INT(test_str("enabled: off\noffset: -9223372036854775808\ntags: [x]\n"
                          "items:\n  - name: one\n  - {name: two, weight: -3}\n", &c, &err), 0);
    CHECK(!c.enabled);
    CHECK_EQ_INT(c.offset, INT64_MIN);
    CHECK_EQ_INT(c.n_tags, 1);
    CHECK_EQ_STR(c.tags[0], "x");
    CHECK_EQ_INT(c.n_items, 2);
    CHECK_EQ_INT(c.items[0].weight, 7);
    CHECK_EQ_INT(c.items[1].weight, -3);

    CHECK_EQ_INT(test_str("tags: [a, b, c, d]\n", &c, &err), -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:1:17: tags: too many entries (max 3)");
    CHECK_EQ_INT(test_str("items:\n  - name: a\n  - name: b\n  - name: c\n", &c, &err), -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:4:5: items: too many entries (max 2)");
    CHECK_EQ_INT(test_str("items:\n  - weight: 1\n", &c, &err), -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:2:5: items[0].name: missing required key 'name'");
    CHECK_EQ_INT(test_str("tags: [abcdefgh]\n", &c, &err), -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:1:8: tags[0]: too long (max 7 characters)");
    CHECK_EQ_INT(test_str("tags: [\"a\\0b\"]\n", &c, &err), -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:1:8: tags[0]: contains a NUL character");
    CHECK_EQ_INT(test_str("tags: x\n", &c, &err), -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:1:7: tags: expected a sequence (a list), got 'x'");
    CHECK_EQ_INT(test_str("enabled: maybe\n", &c, &err), -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:1:10: enabled: expected a boolean (true or false), got "
                           "'maybe'");
    CHECK_EQ_INT(test_str("offset: 9223372036854775808\n", &c, &err), -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:1:9: offset: 9223372036854775808 is out of range "
                           "-9223372036854775808..9223372036854775807");

    /* corridor_cfg_fail: at the value named, or 1:1 when nothing on its path is in the file */
    CHECK_EQ_INT(test_str("items:\n  - name: a\n  - name: b\n    weight: 101\n", &c, &err),
                 -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:4:13: items[1].weight: heavier than 100");
    CHECK_EQ_INT(test_str("offset: 42\n", &c, &err), -EINVAL);
    CHECK_EQ_STR(err.text, "t.yaml:1:1: nowhere.at_all: not at the answer");
}

static void test_edit_distance(void)
{
    CHECK_EQ_INT(corridor_cfg_edit_distance("", ""), 0);
    CHECK_EQ_INT(corridor_cfg_edit_distance("abc", ""), 3);
    CHECK_EQ_INT(corridor_cfg_edit_distance("kitten", "sitting"), 3);
    CHECK_EQ_INT(corridor_cfg_edit_distance("far_edge", "far-edge"), 1);
    CHECK_EQ_INT(corridor_cfg_edit_distance("reprot_interval_ms", "report_interval_ms"), 2);
    CHECK_EQ_INT(corridor_cfg_edit_distance(NULL, "ab"), 2);
}

/* ---- mutation loop ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 16);
    *len = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    return buf;
}

static int fuzz_failures;

static void fuzz_one(const corridor_cfg_field *schema, const char *text, size_t len)
{
    union {
        corridor_agent_config a;
        corridor_orch_config o;
    } out;
    corridor_cfg_error err;
    int rc = corridor_cfg_load_string("fuzz.yaml", text, len, schema, NULL, &out, &err);
    if (rc != 0 && (err.text[0] == '\0' || err.message[0] == '\0' || rc > 0)) {
        if (fuzz_failures++ < 5)
            fprintf(stderr, "fuzz: rc=%d with no message for '%.*s'\n", rc, (int)len, text);
    }
}

static void fuzz_file(const char *name, const corridor_cfg_field *schema)
{
    static const char tokens[] = {'\0', ':', '[', '{', '"', '\n', '\t', ' ',
                                  '&',  '*', '-', '#', '!', '\xff'};
    char path[512];
    size_t len = 0;
    snprintf(path, sizeof path, "%s%s", EXAMPLES, name);
    char *orig = slurp(path, &len);
    CHECK(orig != NULL && len > 0);
    if (!orig)
        return;
    char *buf = malloc(len + 1);
    if (!buf) {
        free(orig);
        return;
    }
    for (size_t cut = 0; cut <= len; cut++) /* every truncation */
        fuzz_one(schema, orig, cut);
    for (size_t i = 0; i < len; i++) { /* every byte replaced by each structural token */
        for (size_t t = 0; t < sizeof tokens; t++) {
            memcpy(buf, orig, len);
            buf[i] = tokens[t];
            fuzz_one(schema, buf, len);
        }
    }
    for (int round = 0; round < 2000; round++) { /* a few random flips at once */
        memcpy(buf, orig, len);
        int flips = 1 + (int)(rng() % 4);
        for (int k = 0; k < flips; k++)
            buf[rng() % len] ^= (char)(1u << (rng() % 8));
        fuzz_one(schema, buf, len);
    }
    free(buf);
    free(orig);
}

static void test_fuzz(void)
{
    fuzz_failures = 0;
    fuzz_file("agent-de-muc.yaml", corridor_agent_config_schema);
    fuzz_file("orchestrator.yaml", corridor_orch_config_schema);
    CHECK_EQ_INT(fuzz_failures, 0);
}

int main(void)
{
    RUN(test_example_orchestrator);
    RUN(test_example_agents);
    RUN(test_agent_defaults);
    RUN(test_orch_defaults);
    RUN(test_security_mode_null);
    RUN(test_unknown_key);
    RUN(test_bad_enum);
    RUN(test_int_errors);
    RUN(test_double_errors);
    RUN(test_string_too_long);
    RUN(test_checks);
    RUN(test_check_functions);
    RUN(test_missing_required);
    RUN(test_duplicate_key);
    RUN(test_wrong_kind);
    RUN(test_syntax_error);
    RUN(test_empty_and_missing_file);
    RUN(test_refused_constructs);
    RUN(test_post_checks);
    RUN(test_generic_schema);
    RUN(test_edit_distance);
    RUN(test_fuzz);
    return TEST_SUMMARY();
}
