/*
 * ADAS sessions: one per vehicle that runs a workload. A session needs a node that meets its
 * latency budget from where the vehicle is and that its tenant's sovereignty rules and the
 * roaming agreements allow. The decision is the orchestrator core's (corridor_place_decide,
 * the same call the daemon makes); the simulator decides only *when* to ask, as a production
 * trigger would: when the session starts, when its vehicle changes cell and the current node
 * no longer fits, when it has been out of budget for a while, and when the core declares its
 * node not alive. A move is make-before-break: the session stays on the old node while its
 * state transfers (state_mb at latency.transfer_mbps), then switches.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "latency.h"
#include "log.h"
#include "placement.h"
#include "sim_internal.h"

#define RETRY_US 2000000        /* a failed or pointless decision is retried after this */
#define GRACE_US 1000000        /* out of budget this long before the session is moved */

static const sim_workload *wl(const corridor_sim *sim, const sim_vehicle *v)
{
    return &sim->s->workloads[v->workload];
}

static double budget_us(const sim_workload *w) { return w->cfg.latency_budget_ms * 1000.0; }

static void instance(char *buf, size_t len, const sim_vehicle *v, uint32_t gen)
{
    snprintf(buf, len, "v%u-%u", v->serial, gen);
}

/* Is the node still good for this session from the current cell, in the simulator's model? */
static bool node_fits(const corridor_sim *sim, const sim_vehicle *v, int32_t node)
{
    const corridor_scenario *s = sim->s;
    const sim_node_rt *rt = &sim->nodes[node];
    const sim_workload *w = wl(sim, v);
    if (!rt->up || !rt->core_alive || v->radio.cell < 0)
        return false;
    if (w->restricted && !((w->country_mask >> s->nodes[node].country) & 1))
        return false;
    uint16_t serving = s->cells[v->radio.cell].op;
    if (sim_link_down(sim, serving, s->nodes[node].op))
        return false;
    return v->path_us + rt->wait_us <= budget_us(w);
}

static void fill_spec(const corridor_sim *sim, const sim_vehicle *v,
                      corridor_workload_spec *spec)
{
    const corridor_scenario *s = sim->s;
    const sim_workload *w = wl(sim, v);
    memset(spec, 0, sizeof *spec);
    snprintf(spec->name, sizeof spec->name, "%s", w->cfg.name);
    snprintf(spec->tenant, sizeof spec->tenant, "%s", w->cfg.tenant);
    snprintf(spec->restart, sizeof spec->restart, "never");
    spec->cpu_millicores = w->cfg.cpu_millicores;
    spec->memory_bytes = (uint64_t)w->cfg.memory_mb << 20;
    /* GPU demand is a fraction of a GPU per session (gpu_ms x rate); the core counts whole
     * GPUs, so the share shows up as the node's reported GPU utilisation instead */
    spec->gpus = 0;
    spec->latency_tier = -1;
    spec->max_latency_us = (uint32_t)lround(budget_us(w));
    spec->has_anchor = true;
    corridor_proj_inv(&s->proj, v->x, v->y, &spec->anchor_lat, &spec->anchor_lon);
    for (size_t i = 0; i < w->n_countries; i++)
        memcpy(spec->countries[spec->n_countries++], w->countries[i], sizeof spec->countries[0]);
    uint64_t mask = s->operators[v->home_op].edge_mask;
    uint16_t serving = v->radio.cell >= 0 ? s->cells[v->radio.cell].op : v->home_op;
    for (size_t o = 0; o < s->n_operators && spec->n_operators < CORRIDOR_MAX_ALLOWED; o++)
        if (((mask >> o) & 1) && !sim_link_down(sim, serving, (uint16_t)o))
            snprintf(spec->operators[spec->n_operators++], sizeof spec->operators[0], "%s",
                     s->operators[o].plmn);
    spec->replicas = 1;
}

static int32_t node_index(const corridor_sim *sim, const corridor_node *n)
{
    uintptr_t i = (uintptr_t)corridor_hashmap_get(sim->node_ids, n->identity.node_id);
    return i ? (int32_t)(i - 1) : -1;
}

static void countries_text(const sim_workload *w, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < w->n_countries && o + 4 < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ";" : "", w->countries[i]);
    if (!w->restricted)
        snprintf(buf, len, "*");
}

static void attach(corridor_sim *sim, sim_vehicle *v, int32_t node, uint32_t gen)
{
    v->node = node;
    v->cur_gen = gen;
    sim_node_load(sim, (uint32_t)node, +1, wl(sim, v));
    v->path_us = v->radio.cell >= 0
                     ? (float)corridor_latency_path_us(sim->s, (uint32_t)v->radio.cell,
                                                       (uint32_t)node)
                     : INFINITY;
}

static void detach(corridor_sim *sim, sim_vehicle *v)
{
    char inst[48];
    if (v->node >= 0) {
        instance(inst, sizeof inst, v, v->cur_gen);
        corridor_place_release(sim->core, inst);
        sim_node_load(sim, (uint32_t)v->node, -1, wl(sim, v));
        v->node = -1;
    }
}

/* Ask the core for a node. exclude_current: the simulator knows the current node is bad. */
static void place(corridor_sim *sim, sim_vehicle *v, uint64_t now_us, const char *why)
{
    const corridor_scenario *s = sim->s;
    if (v->radio.cell < 0 || v->next_node >= 0)
        return;
    corridor_workload_spec spec;
    fill_spec(sim, v, &spec);
    const char *excl[1];
    corridor_place_hints hints = {0};
    if (v->node >= 0) {
        excl[0] = s->nodes[v->node].id;
        hints.exclude = excl;
        hints.n_exclude = 1;
    }
    char wid[24], inst[48], allowed[3 * SIM_MAX_SOV_COUNTRIES + 2];
    snprintf(wid, sizeof wid, "v%u", v->serial);
    uint32_t gen = v->gen + 1;
    corridor_placement out;
    sim->k.decisions++;
    v->retry_at_us = now_us + RETRY_US;
    /* -ENOSPC leaves out.n_chosen at 0 with the reasons filled: handled below */
    corridor_place_decide(sim->core, now_us / 1000, &spec, wid, gen, 1, &hints, &out);
    const sim_workload *w = wl(sim, v);
    if (out.n_chosen == 0) {
        sim->k.place_failed++;
        sim->win_fail++;
        char reasons[256];
        size_t o = 0;
        reasons[0] = '\0';
        for (int r = 0; r < CORRIDOR_REJ_COUNT; r++) {
            sim->k.rejected[r] += out.rejected[r];
            if (out.rejected[r] && o + 32 < sizeof reasons)
                o += (size_t)snprintf(reasons + o, sizeof reasons - o, "%s%s=%u", o ? ";" : "",
                                      corridor_reject_code_name((corridor_reject_code)r),
                                      out.rejected[r]);
        }
        sim_log_event(sim, now_us, "place_failed,v%u,%s,%s,%s,%s", v->serial, w->cfg.name,
                      w->cfg.tenant, why, reasons);
        return;
    }
    v->gen = gen;
    int32_t chosen = node_index(sim, out.chosen[0]);
    instance(inst, sizeof inst, v, gen);
    corridor_place_confirm(sim->core, inst); /* the simulated agent starts it at once */
    const sim_node *n = &s->nodes[chosen];
    countries_text(w, allowed, sizeof allowed);
    sim_log_event(sim, now_us, "place,v%u,%s,%s,%s,%s,%s,%s,%s", v->serial, w->cfg.name,
                  w->cfg.tenant, why, n->id, s->countries[n->country].code,
                  s->operators[n->op].plmn, allowed);
    if (v->node < 0) {
        sim->k.placed++;
        attach(sim, v, chosen, gen);
        return;
    }
    /* make-before-break: the new instance is reserved; the switch waits for the state */
    const sim_node *from = &s->nodes[v->node];
    sim->k.migrations++;
    sim->win_migr++;
    if (from->op != n->op)
        sim->k.migrations_operator++;
    if (from->country != n->country)
        sim->k.migrations_border++;
    v->next_node = chosen;
    v->next_gen = gen;
    double transfer_s = w->cfg.state_mb * 8.0 / s->latency.transfer_mbps;
    corridor_engine_schedule(sim->eng, now_us + (uint64_t)llround(transfer_s * 1e6), EV_MIGRATED,
                             (uint32_t)(v - sim->veh), ((uint64_t)v->serial << 32) | gen, NULL);
}

void sim_session_start(corridor_sim *sim, sim_vehicle *v, uint64_t now_us)
{
    v->node = v->next_node = -1;
    v->gen = v->cur_gen = v->next_gen = 0;
    v->out = v->ever_out = 0;
    v->retry_at_us = 0;
    v->path_us = INFINITY;
    sim->k.sessions++;
    sim->sessions_now++;
    if (sim->sessions_now > sim->k.sessions_peak)
        sim->k.sessions_peak = sim->sessions_now;
    if (v->radio.cell >= 0)
        place(sim, v, now_us, "start");
}

static void close_episode(corridor_sim *sim, sim_vehicle *v, uint64_t now_us)
{
    double d = (double)(now_us - v->out_since_us) / 1e6;
    sim->k.episodes++;
    sim->k.out_s_total += d;
    if (d > sim->k.out_s_max)
        sim->k.out_s_max = d;
    sim_hist_add(&sim->k.episode_ms, d * 1000.0, 1);
    v->out = 0;
}

void sim_session_end(corridor_sim *sim, sim_vehicle *v, uint64_t now_us)
{
    if (v->workload < 0)
        return;
    if (v->out)
        close_episode(sim, v, now_us);
    if (v->next_node >= 0) {
        char inst[48];
        instance(inst, sizeof inst, v, v->next_gen);
        corridor_place_release(sim->core, inst);
        v->next_node = -1;
    }
    detach(sim, v);
    sim->sessions_now--;
    v->workload = -1;
}

void sim_session_cell_changed(corridor_sim *sim, sim_vehicle *v, uint64_t now_us)
{
    if (v->workload < 0 || v->radio.cell < 0)
        return;
    if (v->node >= 0)
        v->path_us = (float)corridor_latency_path_us(sim->s, (uint32_t)v->radio.cell,
                                                     (uint32_t)v->node);
    if (v->node < 0)
        place(sim, v, now_us, "attach");
    else if (!node_fits(sim, v, v->node))
        place(sim, v, now_us, "cell-change");
}

void sim_session_migrated(corridor_sim *sim, sim_vehicle *v, uint64_t now_us)
{
    if (v->next_node < 0)
        return;
    int32_t to = v->next_node;
    uint32_t gen = v->next_gen;
    v->next_node = -1;
    detach(sim, v);
    attach(sim, v, to, gen);
    sim_log_event(sim, now_us, "migrated,v%u,%s", v->serial, sim->s->nodes[to].id);
}

void sim_session_node_lost(corridor_sim *sim, uint32_t node, uint64_t now_us)
{
    for (size_t i = 0; i < sim->n_active; i++) {
        sim_vehicle *v = &sim->veh[sim->active[i]];
        if (v->workload < 0)
            continue;
        if (v->next_node == (int32_t)node) { /* the target died mid-transfer: abandon it */
            char inst[48];
            instance(inst, sizeof inst, v, v->next_gen);
            corridor_place_release(sim->core, inst);
            v->next_node = -1;
        }
        if (v->node == (int32_t)node) {
            sim->k.node_failures_replaced++;
            place(sim, v, now_us, "node-lost");
        }
    }
}

void sim_session_sample(corridor_sim *sim, sim_vehicle *v, uint64_t now_us, double dt_s)
{
    const sim_workload *w = wl(sim, v);
    double req = w->cfg.request_rate_hz * dt_s;
    double lat = INFINITY;
    sim->k.requests += req;
    sim->win_req += req;
    if (v->radio.cell < 0) {
        sim->k.requests_no_coverage += req;
    } else if (v->node < 0) {
        sim->k.requests_no_node += req;
    } else {
        const sim_node_rt *rt = &sim->nodes[v->node];
        if (rt->up && !sim_link_down(sim, sim->s->cells[v->radio.cell].op,
                                     sim->s->nodes[v->node].op))
            lat = v->path_us + rt->wait_us;
    }
    bool ok = lat <= budget_us(w);
    if (isfinite(lat)) {
        sim_hist_add(&sim->k.latency_us, lat, req);
        sim_hist_add(&sim->win_lat, lat, req);
    }
    if (ok) {
        sim->k.requests_ok += req;
        sim->win_ok += req;
        if (v->out)
            close_episode(sim, v, now_us);
        return;
    }
    if (!v->out) {
        v->out = 1;
        v->out_since_us = now_us;
        if (!v->ever_out) {
            v->ever_out = 1;
            sim->k.sessions_out++;
        }
    }
    if (now_us >= v->retry_at_us && now_us - v->out_since_us >= GRACE_US)
        place(sim, v, now_us, v->node < 0 ? "retry" : "over-budget");
}
