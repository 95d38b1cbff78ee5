#include "workloads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "log.h"
#include "msg_copy.h"

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000

typedef enum { SLOT_PENDING, SLOT_STARTING, SLOT_RUNNING } slot_state;

/* One replica position of a workload; its instance changes when it is re-placed. */
typedef struct {
    slot_state st;
    char instance[CORRIDOR_ID_MAX + 1];
    char node[CORRIDOR_ID_MAX + 1];
    corridor_workload_state agent_state;
    uint32_t restarts;
    char reason[CORRIDOR_REASON_MAX + 1];
    char cmd_id[CORRIDOR_ID_MAX + 1];     /* start command in flight */
    uint64_t cmd_deadline_ms;
    uint32_t fails;
    uint64_t next_try_ms;
    char avoid[CORRIDOR_ID_MAX + 1];      /* the node that failed it last */
    /* drain, make-before-break: the instance to stop once the new one runs */
    char old_instance[CORRIDOR_ID_MAX + 1];
    char old_node[CORRIDOR_ID_MAX + 1];
} slot;

typedef struct {
    char id[CORRIDOR_ID_MAX + 1];
    corridor_workload_spec spec;          /* owned copy */
    uint64_t created_ms;
    uint32_t next_serial;                 /* instance "<id>-<serial>" */
    slot *slots;
    uint32_t n_slots;
    corridor_placement last;              /* the last decision that left something pending */
    char reason[CORRIDOR_REASON_MAX + 1];
} workload;

typedef struct {
    char node_id[CORRIDOR_ID_MAX + 1];
    corridor_command cmd;
} outcmd;

/* What a command id stands for, to route its result. */
typedef struct {
    char workload[CORRIDOR_ID_MAX + 1];   /* "" for stops of forgotten instances */
    char instance[CORRIDOR_ID_MAX + 1];
    corridor_command_kind kind;
} cmdref;

/* Which slots sit on a node (as their node or as the old node of a move): reports and node
 * deaths touch only those, not every workload. */
typedef struct {
    workload *wl;
    uint32_t idx;
} slotref;

typedef struct {
    slotref *v;
    uint32_t n, cap;
} noderefs;

struct corridor_workloads {
    corridor_hashmap *by_id;              /* id -> workload */
    corridor_hashmap *by_node;            /* node id -> noderefs */
    corridor_hashmap *by_cmd;             /* command id -> cmdref */
    outcmd *outbox;
    size_t out_head, out_n, out_cap;
    uint64_t cmd_seq;
    corridor_workload_stats stats;
};

/* ---- setup ---- */

int corridor_workloads_init(corridor_core *c)
{
    struct corridor_workloads *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    w->by_id = corridor_hashmap_new(16);
    w->by_cmd = corridor_hashmap_new(16);
    w->by_node = corridor_hashmap_new(16);
    c->wl = w;
    return w->by_id && w->by_cmd && w->by_node ? 0 : -ENOMEM;
}

static void workload_free(workload *w)
{
    corridor_workload_spec_fini(&w->spec);
    free(w->slots);
    free(w);
}

void corridor_workloads_fini(corridor_core *c)
{
    struct corridor_workloads *w = c->wl;
    if (!w)
        return;
    size_t pos = 0;
    void *v;
    while (w->by_id && corridor_hashmap_next(w->by_id, &pos, NULL, &v))
        workload_free(v);
    pos = 0;
    while (w->by_cmd && corridor_hashmap_next(w->by_cmd, &pos, NULL, &v))
        free(v);
    pos = 0;
    while (w->by_node && corridor_hashmap_next(w->by_node, &pos, NULL, &v)) {
        free(((noderefs *)v)->v);
        free(v);
    }
    corridor_hashmap_free(&w->by_node);
    for (size_t i = 0; i < w->out_n; i++)
        corridor_command_fini(&w->outbox[(w->out_head + i) % w->out_cap].cmd);
    free(w->outbox);
    corridor_hashmap_free(&w->by_id);
    corridor_hashmap_free(&w->by_cmd);
    free(w);
    c->wl = NULL;
}

const corridor_workload_stats *corridor_core_workload_stats(const corridor_core *c)
{
    return &c->wl->stats;
}

/* ---- the outbox ---- */

static int out_push(struct corridor_workloads *w, const char *node, corridor_command *cmd)
{
    if (w->out_n == w->out_cap) {
        size_t cap = w->out_cap ? w->out_cap * 2 : 16;
        outcmd *nb = calloc(cap, sizeof *nb);
        if (!nb)
            return -ENOMEM;
        for (size_t i = 0; i < w->out_n; i++)
            nb[i] = w->outbox[(w->out_head + i) % w->out_cap];
        free(w->outbox);
        w->outbox = nb;
        w->out_cap = cap;
        w->out_head = 0;
    }
    outcmd *o = &w->outbox[(w->out_head + w->out_n++) % w->out_cap];
    snprintf(o->node_id, sizeof o->node_id, "%s", node);
    o->cmd = *cmd;
    memset(cmd, 0, sizeof *cmd);
    return 0;
}

int corridor_core_next_command(corridor_core *c, char *node_id, size_t len,
                               corridor_command *cmd)
{
    struct corridor_workloads *w = c->wl;
    if (w->out_n == 0)
        return 0;
    outcmd *o = &w->outbox[w->out_head];
    snprintf(node_id, len, "%s", o->node_id);
    *cmd = o->cmd;
    w->out_head = (w->out_head + 1) % w->out_cap;
    w->out_n--;
    return 1;
}

/* Queue a command and remember what its result will be about. */
static int send_cmd(corridor_core *c, corridor_command_kind kind, const workload *wl,
                    const char *instance, const char *node, char *cmd_id_out)
{
    struct corridor_workloads *w = c->wl;
    corridor_command cmd;
    memset(&cmd, 0, sizeof cmd);
    snprintf(cmd.command_id, sizeof cmd.command_id, "wl-%08x-%llu", c->cfg.instance_tag,
             (unsigned long long)++w->cmd_seq);
    cmd.kind = kind;
    snprintf(cmd.instance_id, sizeof cmd.instance_id, "%s", instance);
    cmd.timeout_ms = CORRIDOR_COMMAND_TIMEOUT_MS;
    if (wl) {
        const corridor_workload_spec *s = &wl->spec;
        snprintf(cmd.name, sizeof cmd.name, "%s", s->name);
        if (kind == CORRIDOR_CMD_START_WORKLOAD) {
            snprintf(cmd.path, sizeof cmd.path, "%s", s->path);
            if (corridor_strv_copy(&cmd.args, &cmd.n_args, s->args, s->n_args) < 0 ||
                corridor_strv_copy(&cmd.env, &cmd.n_env, s->env, s->n_env) < 0) {
                corridor_command_fini(&cmd);
                return -ENOMEM;
            }
            cmd.cpu_millicores = s->cpu_millicores;
            cmd.memory_bytes = s->memory_bytes;
            cmd.gpu_count = s->gpus;
        }
    }
    cmdref *ref = calloc(1, sizeof *ref);
    if (!ref) {
        corridor_command_fini(&cmd);
        return -ENOMEM;
    }
    snprintf(ref->workload, sizeof ref->workload, "%s", wl ? wl->id : "");
    snprintf(ref->instance, sizeof ref->instance, "%s", instance);
    ref->kind = kind;
    if (cmd_id_out)
        snprintf(cmd_id_out, CORRIDOR_ID_MAX + 1, "%s", cmd.command_id);
    if (corridor_hashmap_put(w->by_cmd, cmd.command_id, ref, NULL) < 0) {
        free(ref);
        corridor_command_fini(&cmd);
        return -ENOMEM;
    }
    char id[CORRIDOR_ID_MAX + 1];
    snprintf(id, sizeof id, "%s", cmd.command_id);
    if (out_push(w, node, &cmd) < 0) {
        free(corridor_hashmap_remove(w->by_cmd, id));
        corridor_command_fini(&cmd);
        return -ENOMEM;
    }
    w->stats.commands_sent++;
    return 0;
}

/* ---- the node -> slots index ---- */

static void ref_add(corridor_core *c, const char *node, workload *wl, uint32_t idx)
{
    noderefs *r = corridor_hashmap_get(c->wl->by_node, node);
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r || corridor_hashmap_put(c->wl->by_node, node, r, NULL) < 0) {
            free(r);
            return; /* out of memory: the slot is then only found by the periodic tick */
        }
    }
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 4;
        slotref *nv = realloc(r->v, cap * sizeof *nv);
        if (!nv)
            return;
        r->v = nv;
        r->cap = cap;
    }
    r->v[r->n++] = (slotref){wl, idx};
}

static void ref_del(corridor_core *c, const char *node, const workload *wl, uint32_t idx)
{
    noderefs *r = corridor_hashmap_get(c->wl->by_node, node);
    for (uint32_t i = 0; r && i < r->n; i++) {
        if (r->v[i].wl == wl && r->v[i].idx == idx) {
            r->v[i] = r->v[--r->n];
            return;
        }
    }
}

static void slot_set_node(corridor_core *c, workload *wl, slot *s, const char *node)
{
    uint32_t idx = (uint32_t)(s - wl->slots);
    if (s->node[0])
        ref_del(c, s->node, wl, idx);
    snprintf(s->node, sizeof s->node, "%s", node);
    if (node[0])
        ref_add(c, node, wl, idx);
}

static void slot_set_old(corridor_core *c, workload *wl, slot *s, const char *node,
                         const char *instance)
{
    uint32_t idx = (uint32_t)(s - wl->slots);
    if (s->old_node[0])
        ref_del(c, s->old_node, wl, idx);
    snprintf(s->old_node, sizeof s->old_node, "%s", node);
    snprintf(s->old_instance, sizeof s->old_instance, "%s", instance);
    if (node[0])
        ref_add(c, node, wl, idx);
}

/* A snapshot of the slots on a node: handlers change the index while they run. Free it. */
static slotref *refs_of(const corridor_core *c, const char *node, uint32_t *n)
{
    const noderefs *r = corridor_hashmap_get(c->wl->by_node, node);
    *n = 0;
    if (!r || !r->n)
        return NULL;
    slotref *copy = malloc(r->n * sizeof *copy);
    if (!copy)
        return NULL;
    memcpy(copy, r->v, r->n * sizeof *copy);
    *n = r->n;
    return copy;
}

/* Stop an instance and give its capacity back at once (the process ends shortly). */
static void stop_instance(corridor_core *c, const workload *wl, const char *instance,
                          const char *node)
{
    corridor_place_release(c, instance);
    const corridor_node *n = corridor_hashmap_get(c->nodes, node);
    if (n && n->state != CORRIDOR_NODE_DEAD)
        send_cmd(c, CORRIDOR_CMD_STOP_WORKLOAD, wl, instance, node, NULL);
}

/* ---- replica state ---- */

static void slot_pending(corridor_core *c, workload *wl, slot *s, uint64_t now_ms,
                         const char *why, bool backoff)
{
    if (s->node[0])
        snprintf(s->avoid, sizeof s->avoid, "%s", s->node);
    s->st = SLOT_PENDING;
    slot_set_node(c, wl, s, "");
    s->cmd_id[0] = '\0';
    s->agent_state = CORRIDOR_WL_PENDING;
    snprintf(s->reason, sizeof s->reason, "%s", why);
    if (backoff) {
        s->fails++;
        uint64_t d = BACKOFF_MIN_MS;
        for (uint32_t i = 1; i < s->fails && d < BACKOFF_MAX_MS; i++)
            d *= 2;
        s->next_try_ms = now_ms + (d < BACKOFF_MAX_MS ? d : BACKOFF_MAX_MS);
    } else {
        s->next_try_ms = now_ms;
    }
}

/* A replica stopped counting as placed where it was: free that capacity, place again. */
static void slot_failed(corridor_core *c, workload *wl, slot *s, uint64_t now_ms, const char *why)
{
    CLOG_WARN("workload", "replica failed", "workload=%s instance=%s node=%s reason=\"%s\"",
              wl->id, s->instance, s->node[0] ? s->node : "-", why);
    corridor_place_release(c, s->instance);
    c->wl->stats.replicas_failed++;
    slot_pending(c, wl, s, now_ms, why, true);
}

static void summarize(const corridor_placement *p, char *buf, size_t len)
{
    int o = snprintf(buf, len, "%u/%u nodes available:", p->nodes_feasible, p->nodes_total);
    const char *sep = "";
    for (int r = 0; r < CORRIDOR_REJ_COUNT && o > 0 && (size_t)o < len; r++) {
        if (!p->rejected[r])
            continue;
        o += snprintf(buf + o, len - (size_t)o, "%s %u %s", sep, p->rejected[r],
                      corridor_reject_code_name(r));
        sep = ",";
    }
}

static void place_slot(corridor_core *c, workload *wl, uint32_t idx, uint64_t now_ms)
{
    slot *s = &wl->slots[idx];
    const char *exclude[CORRIDOR_PLACE_MAX_REPLICAS + 1];
    size_t n_ex = 0;
    for (uint32_t i = 0; i < wl->n_slots && n_ex < CORRIDOR_PLACE_MAX_REPLICAS; i++)
        if (i != idx && wl->slots[i].node[0])
            exclude[n_ex++] = wl->slots[i].node;
    if (s->avoid[0] && s->fails)
        exclude[n_ex++] = s->avoid; /* not straight back to the node that just failed it */
    corridor_place_hints h = {.exclude = exclude, .n_exclude = n_ex,
                              .prefer = s->old_node[0] ? NULL : s->avoid};
    corridor_placement p;
    uint32_t serial = wl->next_serial;
    int rc = corridor_place_decide(c, now_ms, &wl->spec, wl->id, serial, 1, &h, &p);
    if (rc < 0 || p.n_chosen == 0) {
        if (s->avoid[0] && s->fails && rc == -ENOSPC) {
            /* nothing else fits: the failing node is still better than nothing */
            h.n_exclude--;
            rc = corridor_place_decide(c, now_ms, &wl->spec, wl->id, serial, 1, &h, &p);
        }
    }
    if (rc < 0 || p.n_chosen == 0) {
        wl->last = p;
        summarize(&p, s->reason, sizeof s->reason);
        snprintf(wl->reason, sizeof wl->reason, "%s", s->reason);
        c->wl->stats.placement_failures++;
        /* retry later: nodes come and go */
        s->next_try_ms = now_ms + BACKOFF_MIN_MS * 2;
        return;
    }
    wl->next_serial++;
    c->wl->stats.placements++;
    snprintf(s->instance, sizeof s->instance, "%.52s-%u", wl->id, serial);
    slot_set_node(c, wl, s, p.chosen[0]->identity.node_id);
    s->st = SLOT_STARTING;
    s->reason[0] = '\0';
    wl->reason[0] = '\0';
    s->cmd_deadline_ms = now_ms + CORRIDOR_COMMAND_TIMEOUT_MS;
    CLOG_INFO("workload", "replica placed", "workload=%s instance=%s node=%s latency_us=%.0f "
              "score=%.3f feasible=%u/%u", wl->id, s->instance, s->node, p.scores[0].latency_us,
              p.scores[0].total, p.nodes_feasible, p.nodes_total);
    if (send_cmd(c, CORRIDOR_CMD_START_WORKLOAD, wl, s->instance, s->node, s->cmd_id) < 0)
        slot_failed(c, wl, s, now_ms, "out of memory queueing the start command");
}

/* ---- API ---- */

static int validate(const corridor_workload_spec *s, char *err, size_t errlen)
{
    if (!corridor_id_valid(s->name))
        return snprintf(err, errlen, "name '%s' is not a valid id", s->name), -EINVAL;
    if (!s->path[0])
        return snprintf(err, errlen, "path is required (the program the agent runs)"), -EINVAL;
    if (s->replicas == 0 || s->replicas > CORRIDOR_PLACE_MAX_REPLICAS)
        return snprintf(err, errlen, "replicas must be 1..%d", CORRIDOR_PLACE_MAX_REPLICAS),
               -EINVAL;
    if (corridor_place_budget_us(s) == 0)
        return snprintf(err, errlen, "a latency tier or max_latency_ms is required"), -EINVAL;
    return 0;
}

int corridor_core_deploy(corridor_core *c, uint64_t now_ms, const corridor_workload_spec *spec,
                         char *id_out, size_t id_len, char *err, size_t errlen)
{
    int rc = validate(spec, err, errlen);
    if (rc < 0)
        return rc;
    workload *wl = calloc(1, sizeof *wl);
    if (!wl || corridor_workload_spec_copy(&wl->spec, spec) < 0) {
        free(wl);
        return snprintf(err, errlen, "out of memory"), -ENOMEM;
    }
    snprintf(wl->id, sizeof wl->id, "%s", spec->name);
    for (int k = 2; corridor_hashmap_get(c->wl->by_id, wl->id); k++) {
        char suffix[16];
        int sl = snprintf(suffix, sizeof suffix, "-%d", k);
        size_t base = strlen(spec->name);
        if (base + (size_t)sl > CORRIDOR_ID_MAX - 8) /* leave room for "-<serial>" */
            base = CORRIDOR_ID_MAX - 8 - (size_t)sl;
        snprintf(wl->id, sizeof wl->id, "%.*s%s", (int)base, spec->name, suffix);
    }
    wl->created_ms = now_ms;
    wl->n_slots = spec->replicas;
    wl->slots = calloc(wl->n_slots, sizeof *wl->slots);
    if (!wl->slots || corridor_hashmap_put(c->wl->by_id, wl->id, wl, NULL) < 0) {
        workload_free(wl);
        return snprintf(err, errlen, "out of memory"), -ENOMEM;
    }
    c->wl->stats.deployed++;
    CLOG_INFO("workload", "deployed", "workload=%s tenant=%s replicas=%u budget_us=%u",
              wl->id, spec->tenant, spec->replicas, corridor_place_budget_us(spec));
    for (uint32_t i = 0; i < wl->n_slots; i++)
        place_slot(c, wl, i, now_ms);
    snprintf(id_out, id_len, "%s", wl->id);
    return 0;
}

int corridor_core_delete(corridor_core *c, uint64_t now_ms, const char *workload_id)
{
    (void)now_ms;
    workload *wl = corridor_hashmap_remove(c->wl->by_id, workload_id);
    if (!wl)
        return -ENOENT;
    for (uint32_t i = 0; i < wl->n_slots; i++) {
        slot *s = &wl->slots[i];
        if (s->node[0])
            stop_instance(c, NULL, s->instance, s->node);
        if (s->old_node[0])
            stop_instance(c, NULL, s->old_instance, s->old_node);
        slot_set_node(c, wl, s, "");
        slot_set_old(c, wl, s, "", "");
    }
    c->wl->stats.deleted++;
    CLOG_INFO("workload", "deleted", "workload=%s", workload_id);
    workload_free(wl);
    return 0;
}

int corridor_core_drain(corridor_core *c, uint64_t now_ms, const char *node_id)
{
    if (corridor_core_cordon(c, node_id, true) < 0)
        return -ENOENT;
    int moving = 0;
    uint32_t n;
    slotref *refs = refs_of(c, node_id, &n);
    for (uint32_t k = 0; k < n; k++) {
        workload *wl = refs[k].wl;
        slot *s = &wl->slots[refs[k].idx];
        if (strcmp(s->node, node_id) != 0 || s->old_node[0])
            continue;
        if (s->st != SLOT_RUNNING) { /* nothing to keep alive: just place it again */
            corridor_place_release(c, s->instance);
            if (s->st == SLOT_STARTING)
                stop_instance(c, wl, s->instance, s->node);
            slot_pending(c, wl, s, now_ms, "node drained", false);
            s->avoid[0] = '\0';
            place_slot(c, wl, refs[k].idx, now_ms);
            moving++;
            continue;
        }
        /* make before break: the old instance runs until the new one does */
        slot_set_old(c, wl, s, s->node, s->instance);
        slot_set_node(c, wl, s, "");
        s->st = SLOT_PENDING;
        s->next_try_ms = now_ms;
        place_slot(c, wl, refs[k].idx, now_ms);
        moving++;
    }
    free(refs);
    CLOG_INFO("workload", "draining node", "node=%s replicas_moving=%d", node_id, moving);
    return moving;
}

/* The new instance runs: stop the one it replaces. */
static void finish_move(corridor_core *c, workload *wl, slot *s)
{
    if (!s->old_node[0])
        return;
    CLOG_INFO("workload", "replica moved", "workload=%s from=%s to=%s", wl->id, s->old_node,
              s->node);
    stop_instance(c, wl, s->old_instance, s->old_node);
    slot_set_old(c, wl, s, "", "");
    c->wl->stats.replacements++;
}

int corridor_core_command_result(corridor_core *c, uint64_t now_ms, const char *node_id,
                                 const corridor_command_result *r)
{
    cmdref *ref = corridor_hashmap_remove(c->wl->by_cmd, r->command_id);
    if (!ref)
        return -ENOENT;
    workload *wl = ref->workload[0] ? corridor_hashmap_get(c->wl->by_id, ref->workload) : NULL;
    if (ref->kind == CORRIDOR_CMD_START_WORKLOAD && wl) {
        for (uint32_t i = 0; i < wl->n_slots; i++) {
            slot *s = &wl->slots[i];
            if (strcmp(s->instance, ref->instance) != 0 || strcmp(s->node, node_id) != 0 ||
                s->st != SLOT_STARTING)
                continue;
            s->cmd_id[0] = '\0';
            if (r->status == CORRIDOR_RESULT_OK) {
                s->st = SLOT_RUNNING;
                s->agent_state = CORRIDOR_WL_RUNNING;
                s->fails = 0;
                corridor_place_confirm(c, s->instance);
                CLOG_INFO("workload", "replica running", "workload=%s instance=%s node=%s",
                          wl->id, s->instance, s->node);
                finish_move(c, wl, s);
            } else {
                char why[CORRIDOR_REASON_MAX + 1];
                snprintf(why, sizeof why, "start failed on %.63s: %.160s", node_id, r->message);
                slot_failed(c, wl, s, now_ms, why);
            }
        }
    } else if (r->status != CORRIDOR_RESULT_OK) {
        CLOG_WARN("workload", "command failed", "command=%s instance=%s node=%s message=\"%s\"",
                  r->command_id, ref->instance, node_id, r->message);
    }
    free(ref);
    return 0;
}

static const corridor_workload_status *find_status(const corridor_report *rep, const char *inst)
{
    for (size_t i = 0; i < rep->n_workloads; i++)
        if (strcmp(rep->workloads[i].instance_id, inst) == 0)
            return &rep->workloads[i];
    return NULL;
}

void corridor_workloads_on_report(corridor_core *c, corridor_node *n, uint64_t now_ms)
{
    const char *node_id = n->identity.node_id;
    uint32_t count;
    slotref *refs = refs_of(c, node_id, &count);
    for (uint32_t k = 0; k < count; k++) {
        workload *wl = refs[k].wl;
        slot *s = &wl->slots[refs[k].idx];
        if (strcmp(s->node, node_id) != 0)
            continue; /* indexed as the old node of a move: nothing to learn here */
        const corridor_workload_status *st = find_status(&n->report, s->instance);
        if (!st) {
            if (s->st == SLOT_RUNNING)
                slot_failed(c, wl, s, now_ms, "instance missing from the node's report");
            continue;
        }
        s->agent_state = st->state;
        s->restarts = st->restarts;
        if (st->state == CORRIDOR_WL_RUNNING && s->st == SLOT_STARTING) {
            s->st = SLOT_RUNNING;
            s->cmd_id[0] = '\0';
            corridor_place_confirm(c, s->instance);
            finish_move(c, wl, s);
        } else if (st->state == CORRIDOR_WL_FAILED || st->state == CORRIDOR_WL_EXITED) {
            char why[CORRIDOR_REASON_MAX + 1];
            snprintf(why, sizeof why, "%s on %s (exit %d%s%.150s)",
                     st->state == CORRIDOR_WL_FAILED ? "failed" : "exited", node_id,
                     st->exit_code, st->reason[0] ? ": " : "", st->reason);
            slot_failed(c, wl, s, now_ms, why);
        }
    }
    free(refs);
}

void corridor_workloads_on_state(corridor_core *c, corridor_node *n, corridor_node_state to,
                                 uint64_t now_ms)
{
    if (to != CORRIDOR_NODE_DEAD || !c->wl)
        return;
    const char *node_id = n->identity.node_id;
    uint32_t count;
    slotref *refs = refs_of(c, node_id, &count);
    for (uint32_t k = 0; k < count; k++) {
        workload *wl = refs[k].wl;
        slot *s = &wl->slots[refs[k].idx];
        if (s->old_node[0] && strcmp(s->old_node, node_id) == 0) {
            corridor_place_release(c, s->old_instance);
            slot_set_old(c, wl, s, "", "");
        }
        if (strcmp(s->node, node_id) != 0)
            continue;
        corridor_place_release(c, s->instance);
        c->wl->stats.replicas_failed++;
        char why[96];
        snprintf(why, sizeof why, "node %.60s is dead", node_id);
        CLOG_WARN("workload", "replica lost with its node", "workload=%s instance=%s node=%s",
                  wl->id, s->instance, node_id);
        slot_pending(c, wl, s, now_ms, why, false); /* re-place at once, elsewhere */
    }
    free(refs);
}

/* Pending replicas of higher-priority workloads are placed first. */
static int cmp_priority(const void *a, const void *b)
{
    const workload *x = *(const workload *const *)a, *y = *(const workload *const *)b;
    if (x->spec.priority != y->spec.priority)
        return x->spec.priority > y->spec.priority ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Whether any replica needs the tick now: a pending one due for a try, or a start command
 * past its deadline. Most ticks find none, and then skip the sort below. */
static bool tick_due(const struct corridor_workloads *w, uint64_t now_ms)
{
    size_t pos = 0;
    void *v;
    while (corridor_hashmap_next(w->by_id, &pos, NULL, &v)) {
        const workload *wl = v;
        for (uint32_t i = 0; i < wl->n_slots; i++) {
            const slot *s = &wl->slots[i];
            if ((s->st == SLOT_PENDING && now_ms >= s->next_try_ms) ||
                (s->st == SLOT_STARTING && s->cmd_id[0] && now_ms >= s->cmd_deadline_ms))
                return true;
        }
    }
    return false;
}

size_t corridor_workloads_tick(corridor_core *c, uint64_t now_ms)
{
    struct corridor_workloads *w = c->wl;
    size_t n = corridor_hashmap_count(w->by_id), k = 0, acted = 0, pos = 0;
    if (n == 0 || !tick_due(w, now_ms))
        return 0;
    workload **list = malloc(n * sizeof *list);
    if (!list)
        return 0;
    void *v;
    while (corridor_hashmap_next(w->by_id, &pos, NULL, &v))
        list[k++] = v;
    qsort(list, n, sizeof *list, cmp_priority);
    for (size_t j = 0; j < n; j++) {
        workload *wl = list[j];
        for (uint32_t i = 0; i < wl->n_slots; i++) {
            slot *s = &wl->slots[i];
            if (s->st == SLOT_STARTING && s->cmd_id[0] && now_ms >= s->cmd_deadline_ms) {
                free(corridor_hashmap_remove(w->by_cmd, s->cmd_id));
                w->stats.command_timeouts++;
                char why[128];
                snprintf(why, sizeof why, "no answer from %s within %d ms", s->node,
                         CORRIDOR_COMMAND_TIMEOUT_MS);
                slot_failed(c, wl, s, now_ms, why);
                acted++;
            }
            if (s->st == SLOT_PENDING && now_ms >= s->next_try_ms) {
                place_slot(c, wl, i, now_ms);
                acted++;
            }
        }
    }
    free(list);
    return acted;
}

/* ---- views ---- */

size_t corridor_core_workload_count(const corridor_core *c)
{
    return corridor_hashmap_count(c->wl->by_id);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int corridor_core_workload_ids(const corridor_core *c, const char ***ids, size_t *n)
{
    size_t count = corridor_hashmap_count(c->wl->by_id), i = 0, pos = 0;
    const char **v = calloc(count ? count : 1, sizeof *v);
    if (!v)
        return -ENOMEM;
    const char *key;
    while (corridor_hashmap_next(c->wl->by_id, &pos, &key, NULL))
        v[i++] = key;
    qsort(v, count, sizeof *v, cmp_str);
    *ids = v;
    *n = count;
    return 0;
}

static corridor_workload_phase phase_of(const workload *wl)
{
    uint32_t running = 0, starting = 0;
    for (uint32_t i = 0; i < wl->n_slots; i++) {
        running += wl->slots[i].st == SLOT_RUNNING;
        starting += wl->slots[i].st == SLOT_STARTING;
    }
    if (running == wl->n_slots)
        return CORRIDOR_WORKLOAD_RUNNING;
    if (running)
        return CORRIDOR_WORKLOAD_DEGRADED;
    return starting ? CORRIDOR_WORKLOAD_STARTING : CORRIDOR_WORKLOAD_PENDING;
}

static void fill_rejects(const corridor_placement *p, corridor_workload_view *v)
{
    v->nodes_total = p->nodes_total;
    v->nodes_feasible = p->nodes_feasible;
    size_t n = 0;
    for (int r = 0; r < CORRIDOR_REJ_COUNT; r++)
        n += p->rejected[r] > 0;
    v->rejects = n ? calloc(n, sizeof *v->rejects) : NULL;
    if (!v->rejects)
        return;
    for (int r = 0; r < CORRIDOR_REJ_COUNT; r++) {
        if (!p->rejected[r])
            continue;
        corridor_reject_group *g = &v->rejects[v->n_rejects++];
        snprintf(g->reason, sizeof g->reason, "%s", corridor_reject_code_name(r));
        g->count = p->rejected[r];
        snprintf(g->detail, sizeof g->detail, "%s", p->detail[r]);
    }
}

int corridor_core_workload_view(const corridor_core *c, const char *workload_id,
                                uint64_t now_ms, bool full, corridor_workload_view *v)
{
    memset(v, 0, sizeof *v);
    const workload *wl = corridor_hashmap_get(c->wl->by_id, workload_id);
    if (!wl)
        return -ENOENT;
    snprintf(v->workload_id, sizeof v->workload_id, "%s", wl->id);
    v->spec = wl->spec;
    v->spec.args = v->spec.env = NULL;
    v->spec.n_args = v->spec.n_env = 0;
    if (full && corridor_workload_spec_copy(&v->spec, &wl->spec) < 0)
        return -ENOMEM;
    v->phase = phase_of(wl);
    const char *why = wl->reason;
    for (uint32_t i = 0; !why[0] && i < wl->n_slots; i++)
        if (wl->slots[i].st != SLOT_RUNNING)
            why = wl->slots[i].reason;
    snprintf(v->reason, sizeof v->reason, "%s", v->phase == CORRIDOR_WORKLOAD_RUNNING ? "" : why);
    v->created_age_ms = now_ms > wl->created_ms ? now_ms - wl->created_ms : 0;
    v->replicas = calloc(wl->n_slots, sizeof *v->replicas);
    if (!v->replicas) {
        corridor_workload_view_fini(v);
        return -ENOMEM;
    }
    v->n_replicas = wl->n_slots;
    for (uint32_t i = 0; i < wl->n_slots; i++) {
        const slot *s = &wl->slots[i];
        corridor_replica_view *r = &v->replicas[i];
        snprintf(r->instance_id, sizeof r->instance_id, "%s", s->st == SLOT_PENDING ? "" : s->instance);
        snprintf(r->node_id, sizeof r->node_id, "%s", s->node);
        r->state = s->st == SLOT_RUNNING ? s->agent_state : CORRIDOR_WL_PENDING;
        r->restarts = s->restarts;
        snprintf(r->reason, sizeof r->reason, "%s", s->reason);
    }
    if (v->phase != CORRIDOR_WORKLOAD_RUNNING)
        fill_rejects(&wl->last, v);
    return 0;
}

int corridor_core_explain(corridor_core *c, const char *workload_id, uint64_t now_ms,
                          corridor_workload_view *v)
{
    int rc = corridor_core_workload_view(c, workload_id, now_ms, false, v);
    if (rc < 0)
        return rc;
    const workload *wl = corridor_hashmap_get(c->wl->by_id, workload_id);
    /* judge every node as if placing the workload now */
    corridor_placement *p = malloc(sizeof *p);
    if (!p) {
        corridor_workload_view_fini(v);
        return -ENOMEM;
    }
    corridor_place_hints h = {.exclude = NULL, .n_exclude = 0, .prefer = NULL};
    rc = corridor_place_explain(c, now_ms, &wl->spec, &h, p);
    if (rc == 0) {
        free(v->rejects);
        v->rejects = NULL;
        v->n_rejects = 0;
        fill_rejects(p, v);
        /* scores of the nodes the replicas run on, as the placement would score them now */
        v->scores = calloc(wl->n_slots, sizeof *v->scores);
        for (uint32_t i = 0; v->scores && i < wl->n_slots; i++) {
            for (uint32_t k = 0; k < p->n_chosen; k++) {
                if (strcmp(p->scores[k].node_id, wl->slots[i].node) == 0)
                    v->scores[v->n_scores++] = p->scores[k];
            }
        }
        if (v->n_scores == 0 && p->n_chosen && v->scores)
            v->scores[v->n_scores++] = p->scores[0]; /* at least: the best node now */
    }
    free(p);
    return rc;
}
