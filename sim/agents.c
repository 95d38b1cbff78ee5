/*
 * The simulated agents of the edge nodes. Each registers with the orchestrator core and then
 * reports every report interval, exactly as corridor-agent does over ZeroMQ, but on the
 * simulated clock and with the load the simulated sessions put on the node: GPU utilisation
 * (gpu_source "sim", so nobody mistakes it for a measurement), GPU memory and CPU.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "latency.h"
#include "log.h"
#include "sim_internal.h"

int sim_agents_init(corridor_sim *sim)
{
    const corridor_scenario *s = sim->s;
    sim->nodes = calloc(s->n_nodes ? s->n_nodes : 1, sizeof *sim->nodes);
    sim->node_ids = corridor_hashmap_new(s->n_nodes * 2 + 16);
    if (!sim->nodes || !sim->node_ids)
        return -ENOMEM;
    for (size_t i = 0; i < s->n_nodes; i++) {
        sim->nodes[i].up = true;
        if (corridor_hashmap_put(sim->node_ids, s->nodes[i].id, (void *)(uintptr_t)(i + 1),
                                 NULL) < 0)
            return -ENOMEM;
        /* every agent registers at time 0, before the first tick (scheduled earlier, so it
         * runs first): vehicles find the nodes in place from the start */
        if (corridor_engine_schedule(sim->eng, 0, EV_REGISTER, (uint32_t)i, 0, NULL) < 0)
            return -ENOMEM;
    }
    return 0;
}

static void identity(const corridor_sim *sim, uint32_t node, corridor_register *r)
{
    const corridor_scenario *s = sim->s;
    const sim_node *n = &s->nodes[node];
    memset(r, 0, sizeof *r);
    snprintf(r->node_id, sizeof r->node_id, "%s", n->id);
    snprintf(r->plmn, sizeof r->plmn, "%s", s->operators[n->op].plmn);
    snprintf(r->country, sizeof r->country, "%s", n->country >= 0 ? s->countries[n->country].code : "");
    snprintf(r->region, sizeof r->region, "%s", s->region);
    snprintf(r->agent_version, sizeof r->agent_version, "corridor-sim");
    r->tier = n->tier;
    r->lat = n->lat;
    r->lon = n->lon;
    r->capacity.cpu_millicores = n->cpu_cores * 1000;
    r->capacity.memory_bytes = (uint64_t)n->memory_gb << 30;
    r->capacity.gpu_count = n->gpus;
    r->capacity.gpu_memory_bytes = (uint64_t)n->gpus * n->gpu_memory_gb << 30;
}

void sim_agent_register(corridor_sim *sim, uint32_t node, uint64_t now_us)
{
    sim_node_rt *rt = &sim->nodes[node];
    if (!rt->up)
        return;
    corridor_register reg;
    corridor_register_ack ack;
    identity(sim, node, &reg);
    if (sim->live)
        corridor_live_register(sim->live, node, &reg);
    int rc = corridor_core_register(sim->core, now_us / 1000, reg.node_id, &reg, &ack);
    if (rc < 0) {
        CLOG_WARN("sim", "core refused a simulated node", "node=%s reason=\"%s\"", reg.node_id,
                  ack.reason);
        return;
    }
    sim->k.registrations++;
    rt->registered = true;
    sim_agent_report(sim, node, now_us); /* like the agent: the first report right away */
}

void sim_agent_report(corridor_sim *sim, uint32_t node, uint64_t now_us)
{
    const sim_node *n = &sim->s->nodes[node];
    sim_node_rt *rt = &sim->nodes[node];
    if (!rt->up || !rt->registered)
        return;
    corridor_report rep;
    memset(&rep, 0, sizeof rep);
    snprintf(rep.node_id, sizeof rep.node_id, "%s", n->id);
    snprintf(rep.gpu_source, sizeof rep.gpu_source, "sim");
    double cpu = n->cpu_cores ? (double)rt->cpu_m / (n->cpu_cores * 10.0) : 0;
    rep.cpu_util_pct = cpu > 100 ? 100 : cpu;
    rep.mem_total_bytes = (uint64_t)n->memory_gb << 30;
    uint64_t used = (uint64_t)rt->mem_mb << 20;
    rep.mem_available_bytes = used < rep.mem_total_bytes ? rep.mem_total_bytes - used : 0;
    rep.uptime_s = now_us / 1000000;
    uint32_t upct = (uint32_t)lround(fmin(rt->util, 1.0) * 100);
    if (n->gpus) {
        rep.gpus = calloc(n->gpus, sizeof *rep.gpus);
        if (rep.gpus) {
            rep.n_gpus = n->gpus;
            uint64_t total = (uint64_t)n->gpu_memory_gb << 30;
            uint64_t per = (uint64_t)(rt->state_mb / n->gpus * 1048576.0);
            for (uint32_t g = 0; g < n->gpus; g++) {
                corridor_gpu *gp = &rep.gpus[g];
                gp->index = g;
                snprintf(gp->uuid, sizeof gp->uuid, "SIM-%.40s-%u", n->id, g % 100000u);
                snprintf(gp->name, sizeof gp->name, "simulated GPU");
                gp->util_pct = upct;
                gp->mem_total_bytes = total;
                gp->mem_used_bytes = per < total ? per : total;
                gp->mem_util_pct = total ? (uint32_t)(gp->mem_used_bytes * 100 / total) : 0;
            }
        }
    }
    if (sim->live)
        corridor_live_report(sim->live, node, &rep);
    int rc = corridor_core_report(sim->core, now_us / 1000, n->id, &rep);
    corridor_report_fini(&rep);
    if (rc == -ENOENT) { /* the core forgot us: register again, like the agent */
        rt->registered = false;
        sim_agent_register(sim, node, now_us);
        return;
    }
    sim->k.reports++;
    sim_hist_add(&sim->k.gpu_util_pm, fmin(rt->util, 1.0) * 1000.0, 1);
    rt->util_acc += fmin(rt->util, 1.0);
    rt->util_n++;
    corridor_engine_schedule(sim->eng, now_us + (uint64_t)sim->s->report_interval_ms * 1000,
                             EV_REPORT, node, 0, &rt->report_ev);
}

void sim_node_load(corridor_sim *sim, uint32_t node, int sign, const sim_workload *w)
{
    const sim_node *n = &sim->s->nodes[node];
    sim_node_rt *rt = &sim->nodes[node];
    const sim_workload_cfg *c = &w->cfg;
    if (sign > 0) {
        rt->sessions++;
        rt->cpu_m += c->cpu_millicores;
        rt->mem_mb += c->memory_mb;
    } else {
        rt->sessions--;
        rt->cpu_m -= c->cpu_millicores;
        rt->mem_mb -= c->memory_mb;
    }
    if (rt->sessions == 0) { /* no drift from adding and subtracting doubles */
        rt->lambda = rt->work = rt->state_mb = rt->util = rt->wait_us = 0;
        return;
    }
    rt->lambda += sign * c->request_rate_hz;
    rt->work += sign * c->request_rate_hz * c->gpu_ms / 1000.0;
    rt->state_mb += sign * c->state_mb;
    if (n->gpus == 0) {
        rt->util = 0;
        rt->wait_us = rt->work > 0 ? INFINITY : 0;
        return;
    }
    rt->util = rt->work / n->gpus;
    double service = rt->lambda > 0 ? rt->work / rt->lambda : 0;
    rt->wait_us = corridor_latency_erlang_c_wait_s(n->gpus, rt->lambda, service) * 1e6;
}
