#include "steering.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "log.h"
#include "nl_steer.h"

struct corridor_steering_table {
    corridor_steering_config cfg;
    corridor_nlsteer *nl;
    corridor_steering *rules;
    size_t n;
};

int corridor_steering_prefix_canon(const char *in, char *out, size_t outlen, char *msg,
                                   size_t msglen)
{
    char addr[64];
    const char *slash = strchr(in, '/');
    size_t alen = slash ? (size_t)(slash - in) : strlen(in);
    if (alen == 0 || alen >= sizeof addr) {
        snprintf(msg, msglen, "ue_prefix '%.60s' is not an address or prefix", in);
        return -EINVAL;
    }
    memcpy(addr, in, alen);
    addr[alen] = '\0';
    unsigned char bin[16];
    int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
    unsigned maxlen = fam == AF_INET6 ? 128 : 32;
    if (inet_pton(fam, addr, bin) != 1) {
        snprintf(msg, msglen, "ue_prefix '%.60s' is not an IPv4 or IPv6 address", in);
        return -EINVAL;
    }
    unsigned plen = maxlen;
    if (slash) {
        char *end;
        unsigned long v = strtoul(slash + 1, &end, 10);
        if (!slash[1] || *end || v > maxlen) {
            snprintf(msg, msglen, "ue_prefix '%.60s': prefix length must be 0..%u", in, maxlen);
            return -EINVAL;
        }
        plen = (unsigned)v;
    }
    for (unsigned bit = plen; bit < maxlen; bit++) {
        if (bin[bit / 8] & (0x80 >> (bit % 8))) {
            unsigned char net[16];
            memcpy(net, bin, sizeof net);
            for (unsigned b = plen; b < maxlen; b++)
                net[b / 8] &= (unsigned char)~(0x80 >> (b % 8));
            char nt[INET6_ADDRSTRLEN];
            inet_ntop(fam, net, nt, sizeof nt);
            snprintf(msg, msglen, "ue_prefix '%.60s' has host bits set (did you mean %s/%u?)",
                     in, nt, plen);
            return -EINVAL;
        }
    }
    char txt[INET6_ADDRSTRLEN];
    inet_ntop(fam, bin, txt, sizeof txt);
    snprintf(out, outlen, "%s/%u", txt, plen);
    return 0;
}

/* ---- persistence: JSON written with common/json, read back with the YAML loader ---- */

typedef struct {
    char ue_prefix[CORRIDOR_ADDR_MAX + 1];
    uint32_t table;
    char gateway[CORRIDOR_ADDR_MAX + 1];
    char dev[CORRIDOR_IFNAME_MAX + 1];
} srule;

typedef struct {
    size_t n_rules;
    srule arr[4096];
} sfile;

#define S(m) .offset = offsetof(srule, m), .size = sizeof(((srule *)0)->m)
static const corridor_cfg_field srule_schema[] = {
    {.name = "ue_prefix", .type = CORRIDOR_CFG_STRING, S(ue_prefix), .required = true},
    {.name = "table", .type = CORRIDOR_CFG_INT, S(table), .required = true, .min = 1,
     .max = 4294967295.0},
    {.name = "gateway", .type = CORRIDOR_CFG_STRING, S(gateway)},
    {.name = "dev", .type = CORRIDOR_CFG_STRING, S(dev)},
    {.name = NULL},
};
static const corridor_cfg_field sfile_schema[] = {
    {.name = "rules", .type = CORRIDOR_CFG_LIST, .offset = offsetof(sfile, arr),
     .size = sizeof(srule), .sub = srule_schema, .count_offset = offsetof(sfile, n_rules),
     .max_count = 4096},
    {.name = NULL},
};

static int save(const corridor_steering_table *t)
{
    if (!t->cfg.state_file[0])
        return 0;
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", t->cfg.state_file);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return -errno;
    corridor_json j;
    corridor_json_init(&j, f, true);
    corridor_json_obj_begin(&j);
    corridor_json_key(&j, "rules");
    corridor_json_arr_begin(&j);
    for (size_t i = 0; i < t->n; i++) {
        corridor_json_obj_begin(&j);
        corridor_json_kstr(&j, "ue_prefix", t->rules[i].ue_prefix);
        corridor_json_ku64(&j, "table", t->rules[i].table);
        corridor_json_kstr(&j, "gateway", t->rules[i].gateway);
        corridor_json_kstr(&j, "dev", t->rules[i].dev);
        corridor_json_obj_end(&j);
    }
    corridor_json_arr_end(&j);
    corridor_json_obj_end(&j);
    corridor_json_finish(&j);
    int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -errno;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, t->cfg.state_file) < 0)
        rc = -errno;
    if (rc < 0)
        CLOG_WARN("steering", "cannot save steering state", "file=%s error=\"%s\"",
                  t->cfg.state_file, strerror(-rc));
    return rc;
}

static ssize_t find(const corridor_steering_table *t, const char *prefix, uint32_t table)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->rules[i].table == table && strcmp(t->rules[i].ue_prefix, prefix) == 0)
            return (ssize_t)i;
    return -1;
}

corridor_steering_table *corridor_steering_new(const corridor_steering_config *cfg, char *err,
                                               size_t errlen)
{
    corridor_steering_table *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    if (!t->cfg.max_rules || t->cfg.max_rules > 4096)
        t->cfg.max_rules = 4096;
    t->rules = calloc(t->cfg.max_rules, sizeof *t->rules);
    t->nl = t->rules ? corridor_nlsteer_new((uint8_t)cfg->protocol, cfg->rule_priority, err,
                                            errlen) : NULL;
    if (!t->nl) {
        corridor_steering_free(&t);
        return NULL;
    }
    if (!cfg->state_file[0] || access(cfg->state_file, F_OK) != 0)
        return t;
    sfile *sf = calloc(1, sizeof *sf);
    corridor_cfg_error ce;
    if (!sf || corridor_cfg_load_file(cfg->state_file, sfile_schema, NULL, sf, &ce) < 0) {
        /* a damaged state file must not keep the agent down: start empty, say so */
        CLOG_WARN("steering", "steering state unreadable, starting with none",
                  "error=\"%s\"", sf ? ce.text : "out of memory");
        free(sf);
        return t;
    }
    for (size_t i = 0; i < sf->n_rules && t->n < t->cfg.max_rules; i++) {
        corridor_steering *r = &t->rules[t->n];
        char msg[160];
        if (corridor_steering_prefix_canon(sf->arr[i].ue_prefix, r->ue_prefix,
                                           sizeof r->ue_prefix, msg, sizeof msg) < 0) {
            CLOG_WARN("steering", "ignoring a bad rule in the state file", "error=\"%s\"", msg);
            continue;
        }
        r->table = sf->arr[i].table;
        snprintf(r->gateway, sizeof r->gateway, "%s", sf->arr[i].gateway);
        snprintf(r->dev, sizeof r->dev, "%s", sf->arr[i].dev);
        t->n++;
    }
    free(sf);
    return t;
}

void corridor_steering_free(corridor_steering_table **pt)
{
    if (!pt || !*pt)
        return;
    corridor_nlsteer_free(&(*pt)->nl);
    free((*pt)->rules);
    free(*pt);
    *pt = NULL;
}

size_t corridor_steering_count(const corridor_steering_table *t) { return t->n; }

typedef struct {
    corridor_steering_table *t;
    corridor_steering stale[256];
    size_t n_stale;
} reconcile_ctx;

static void on_kernel_entry(void *ud, const char *prefix, uint32_t table)
{
    reconcile_ctx *c = ud;
    if (find(c->t, prefix, table) >= 0)
        return;
    for (size_t i = 0; i < c->n_stale; i++)
        if (c->stale[i].table == table && strcmp(c->stale[i].ue_prefix, prefix) == 0)
            return; /* its route and its rule both show up */
    if (c->n_stale == sizeof c->stale / sizeof c->stale[0])
        return; /* the rest on the next start */
    corridor_steering *s = &c->stale[c->n_stale++];
    memset(s, 0, sizeof *s);
    snprintf(s->ue_prefix, sizeof s->ue_prefix, "%s", prefix);
    s->table = table;
}

int corridor_steering_reconcile(corridor_steering_table *t, size_t *kept, size_t *removed)
{
    reconcile_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->t = t;
    int rc = corridor_nlsteer_list(t->nl, on_kernel_entry, c);
    *kept = *removed = 0;
    char msg[256];
    for (size_t i = 0; rc == 0 && i < c->n_stale; i++) {
        if (corridor_nlsteer_del(t->nl, &c->stale[i], msg, sizeof msg) == 0) {
            (*removed)++;
            CLOG_INFO("steering", "removed a stale rule", "ue_prefix=%s table=%u",
                      c->stale[i].ue_prefix, c->stale[i].table);
        } else {
            CLOG_WARN("steering", "cannot remove a stale rule", "error=\"%s\"", msg);
        }
    }
    for (size_t i = 0; rc == 0 && i < t->n;) {
        if (corridor_nlsteer_add(t->nl, &t->rules[i], msg, sizeof msg) == 0) {
            (*kept)++;
            i++;
            continue;
        }
        /* the interface or gateway it needs is gone: drop it, the orchestrator re-sends */
        CLOG_WARN("steering", "cannot restore a rule, dropping it", "error=\"%s\"", msg);
        t->rules[i] = t->rules[--t->n];
    }
    free(c);
    if (rc == 0)
        save(t);
    return rc;
}

/* The rule as the table keeps it: canonical prefix, the configured table when none given. */
static int normalize(const corridor_steering_table *t, const corridor_steering *in,
                     corridor_steering *r, char *msg, size_t msglen)
{
    *r = *in;
    int rc = corridor_steering_prefix_canon(in->ue_prefix, r->ue_prefix, sizeof r->ue_prefix,
                                            msg, msglen);
    if (rc == 0 && !r->table)
        r->table = t->cfg.table;
    return rc;
}

int corridor_steering_install(corridor_steering_table *t, const corridor_steering *in,
                              char *msg, size_t msglen)
{
    corridor_steering r;
    int rc = normalize(t, in, &r, msg, msglen);
    if (rc < 0)
        return rc;
    if (r.table == 0 || r.table == 253 || r.table == 254 || r.table == 255) {
        snprintf(msg, msglen, "table %u is reserved (main/default/local); use a dedicated table",
                 r.table);
        return -EINVAL;
    }
    if (!r.gateway[0] && !r.dev[0]) {
        snprintf(msg, msglen, "a steering rule needs a gateway or a dev");
        return -EINVAL;
    }
    ssize_t at = find(t, r.ue_prefix, r.table);
    if (at < 0 && t->n >= t->cfg.max_rules) {
        snprintf(msg, msglen, "steering.max_rules (%u) reached", t->cfg.max_rules);
        return -ENOSPC;
    }
    rc = corridor_nlsteer_add(t->nl, &r, msg, msglen);
    if (rc < 0)
        return rc;
    if (at < 0)
        at = (ssize_t)t->n++;
    t->rules[at] = r;
    save(t);
    snprintf(msg, msglen, "%s lookup table %u via %s%s%s", r.ue_prefix, r.table,
             r.gateway[0] ? r.gateway : "", r.gateway[0] && r.dev[0] ? " dev " : "", r.dev);
    CLOG_INFO("steering", "installed", "ue_prefix=%s table=%u gateway=%s dev=%s", r.ue_prefix,
              r.table, r.gateway, r.dev);
    return 0;
}

int corridor_steering_remove(corridor_steering_table *t, const corridor_steering *in,
                             char *msg, size_t msglen)
{
    corridor_steering r;
    int rc = normalize(t, in, &r, msg, msglen);
    if (rc < 0)
        return rc;
    ssize_t at = find(t, r.ue_prefix, r.table);
    rc = corridor_nlsteer_del(t->nl, &r, msg, msglen);
    if (rc < 0)
        return rc;
    if (at >= 0) {
        t->rules[at] = t->rules[--t->n];
        save(t);
    }
    snprintf(msg, msglen, "%s in table %u %s", r.ue_prefix, r.table,
             at >= 0 ? "removed" : "was not installed");
    CLOG_INFO("steering", "removed", "ue_prefix=%s table=%u known=%s", r.ue_prefix, r.table,
              at >= 0 ? "yes" : "no");
    return 0;
}

void corridor_steering_remove_all(corridor_steering_table *t)
{
    char msg[256];
    for (size_t i = 0; i < t->n; i++)
        if (corridor_nlsteer_del(t->nl, &t->rules[i], msg, sizeof msg) < 0)
            CLOG_WARN("steering", "cannot remove a rule at shutdown", "error=\"%s\"", msg);
    if (t->n)
        CLOG_INFO("steering", "rules removed at shutdown", "count=%zu", t->n);
    t->n = 0;
    if (t->cfg.state_file[0])
        unlink(t->cfg.state_file);
}
