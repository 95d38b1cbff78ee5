/*
 * The simulation: the event loop and what each event does. Everything that happens is an
 * event on the engine's queue, in simulated microseconds; the orchestrator core sees the
 * same time in milliseconds, and its log lines carry it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "placement.h"
#include "sim_internal.h"

static double wall_s(void)
{
    /* for events/s and the progress bar only: nothing simulated depends on it */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sim_log_event(corridor_sim *sim, uint64_t now_us, const char *fmt, ...)
{
    if (!sim->events)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(sim->events, "%llu,", (unsigned long long)(now_us / 1000));
    vfprintf(sim->events, fmt, ap);
    fputc('\n', sim->events);
    va_end(ap);
}

static uint64_t log_now_us(void *ud)
{
    const corridor_sim *sim = ud;
    return corridor_engine_now(sim->eng);
}

static void on_core_event(void *ud, const corridor_core_event *ev)
{
    corridor_sim *sim = ud;
    uintptr_t i = (uintptr_t)corridor_hashmap_get(sim->node_ids, ev->node->identity.node_id);
    if (!i)
        return;
    sim_node_rt *rt = &sim->nodes[i - 1];
    if (ev->kind == CORRIDOR_CORE_EV_REGISTERED) {
        rt->core_alive = ev->node->state == CORRIDOR_NODE_ALIVE;
        return;
    }
    sim->k.core_transitions++;
    sim_log_event(sim, ev->now_ms * 1000, "node_state,%s,%s,%s", ev->node->identity.node_id,
                  corridor_node_state_name(ev->from), corridor_node_state_name(ev->to));
    bool alive = ev->to == CORRIDOR_NODE_ALIVE;
    if (rt->core_alive && !alive)
        rt->replace_pending = true; /* acted on after the core call returns */
    rt->core_alive = alive;
}

corridor_sim *corridor_sim_new(const corridor_scenario *s, const corridor_sim_options *o,
                               char *err, size_t errlen)
{
    corridor_sim *sim = calloc(1, sizeof *sim);
    if (!sim) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sim->s = s;
    sim->opt = *o;
    sim->seed = o->seed_set ? o->seed : s->seed;
    double dur = o->duration_s > 0 ? o->duration_s : s->duration_s;
    sim->end_us = (uint64_t)llround(dur * 1e6);
    sim->tick_us = (uint64_t)s->tick_ms * 1000;
    sim->eng = corridor_engine_new(4096);
    corridor_core_config cc = {
        .report_interval_ms = s->report_interval_ms,
        .heartbeat_timeout_ms = s->heartbeat_timeout_ms,
        .max_nodes = (uint32_t)s->n_nodes + 16,
    };
    snprintf(cc.orchestrator_id, sizeof cc.orchestrator_id, "sim-%.50s", s->name);
    sim->core = corridor_core_new(&cc);
    sim->links = calloc(s->n_operators * s->n_operators + 1, 1);
    if (!sim->eng || !sim->core || !sim->links) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    corridor_core_set_observer(sim->core, on_core_event, sim);
    corridor_log_set_time_source(log_now_us, sim);
    if (corridor_radio_init(&sim->radio, s) < 0 || sim_agents_init(sim) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (o->events_path) {
        sim->events = fopen(o->events_path, "w");
        if (!sim->events) {
            snprintf(err, errlen, "cannot write %s: %s", o->events_path, strerror(errno));
            goto fail;
        }
        fprintf(sim->events, "t_ms,event,subject,details\n");
    }
    if (o->live_endpoint) {
        sim->live = corridor_live_new(sim, o->live_endpoint, err, errlen);
        if (!sim->live)
            goto fail;
    }
    int rc = sim_mobility_init(sim);
    if (rc < 0) {
        snprintf(err, errlen, rc == -ENOMEM ? "out of memory" : "cannot read a trace (see the log)");
        goto fail;
    }
    return sim;
fail:
    corridor_sim_free(&sim);
    return NULL;
}

void corridor_sim_free(corridor_sim **ps)
{
    if (!ps || !*ps)
        return;
    corridor_sim *sim = *ps;
    corridor_log_set_time_source(NULL, NULL);
    sim_mobility_fini(sim);
    corridor_live_free(&sim->live);
    if (sim->events)
        fclose(sim->events);
    corridor_core_free(&sim->core);
    corridor_engine_free(&sim->eng);
    corridor_radio_fini(&sim->radio);
    corridor_hashmap_free(&sim->node_ids);
    free(sim->nodes);
    free(sim->links);
    free(sim->samples);
    free(sim->node_util);
    free(sim->chg_x);
    free(sim->chg_y);
    free(sim->chg_kind);
    free(sim);
    *ps = NULL;
}

const corridor_sim_kpis *corridor_sim_kpis_get(const corridor_sim *sim) { return &sim->k; }
const corridor_sim_perf *corridor_sim_perf_get(const corridor_sim *sim) { return &sim->perf; }

static void replace_lost(corridor_sim *sim, uint64_t now_us)
{
    for (size_t i = 0; i < sim->s->n_nodes; i++)
        if (sim->nodes[i].replace_pending) {
            sim->nodes[i].replace_pending = false;
            sim_session_node_lost(sim, (uint32_t)i, now_us);
        }
}

static void failure(corridor_sim *sim, uint32_t idx, uint64_t now_us)
{
    const sim_failure *f = &sim->s->failures[idx];
    const corridor_scenario *s = sim->s;
    switch (f->action) {
    case SIM_FAIL_NODE_DOWN: {
        sim_node_rt *rt = &sim->nodes[f->node];
        sim_log_event(sim, now_us, "failure,%s,down", s->nodes[f->node].id);
        CLOG_INFO("sim", "node down", "node=%s", s->nodes[f->node].id);
        rt->up = false;
        rt->registered = false;
        corridor_engine_cancel(sim->eng, rt->report_ev); /* the agent stops reporting */
        break;
    }
    case SIM_FAIL_NODE_UP:
        sim_log_event(sim, now_us, "failure,%s,up", s->nodes[f->node].id);
        CLOG_INFO("sim", "node up", "node=%s", s->nodes[f->node].id);
        if (!sim->nodes[f->node].up) {
            sim->nodes[f->node].up = true;
            sim_agent_register(sim, (uint32_t)f->node, now_us);
        }
        break;
    case SIM_FAIL_LINK_DOWN:
    case SIM_FAIL_LINK_UP: {
        uint8_t down = f->action == SIM_FAIL_LINK_DOWN;
        size_t n = s->n_operators;
        sim->links[(size_t)f->a * n + f->b] = sim->links[(size_t)f->b * n + f->a] = down;
        sim_log_event(sim, now_us, "failure,%s<->%s,%s", s->operators[f->a].plmn,
                      s->operators[f->b].plmn, down ? "link-down" : "link-up");
        CLOG_INFO("sim", down ? "interconnect lost" : "interconnect restored", "a=%s b=%s",
                  s->operators[f->a].plmn, s->operators[f->b].plmn);
        break;
    }
    }
}

static void close_window(corridor_sim *sim, uint64_t now_us)
{
    const corridor_scenario *s = sim->s;
    if (sim->n_samples == sim->cap_samples) {
        size_t nc = sim->cap_samples ? sim->cap_samples * 2 : 64;
        sim_sample *ns = realloc(sim->samples, nc * sizeof *ns);
        if (!ns)
            return;
        sim->samples = ns;
        float *nu = realloc(sim->node_util, nc * (s->n_nodes ? s->n_nodes : 1) * sizeof *nu);
        if (!nu)
            return;
        sim->node_util = nu;
        sim->cap_samples = nc;
    }
    sim_sample *x = &sim->samples[sim->n_samples];
    memset(x, 0, sizeof *x);
    x->t_s = (double)now_us / 1e6;
    x->vehicles = (uint32_t)sim->n_active;
    x->sessions = sim->sessions_now;
    for (size_t i = 0; i < sim->n_active; i++)
        x->sessions_out_now += sim->veh[sim->active[i]].out;
    x->requests = sim->win_req;
    x->requests_ok = sim->win_ok;
    x->lat_p50_us = sim_hist_quantile(&sim->win_lat, 0.50);
    x->lat_p95_us = sim_hist_quantile(&sim->win_lat, 0.95);
    x->lat_p99_us = sim_hist_quantile(&sim->win_lat, 0.99);
    memcpy(x->changes, sim->win_changes, sizeof x->changes);
    x->migrations = sim->win_migr;
    x->place_failed = sim->win_fail;
    double sum = 0;
    for (size_t n = 0; n < s->n_nodes; n++) {
        sim_node_rt *rt = &sim->nodes[n];
        double u = rt->util_n ? rt->util_acc / rt->util_n : 0;
        sim->node_util[sim->n_samples * s->n_nodes + n] = (float)u;
        sum += u;
        if (u > x->gpu_util_max)
            x->gpu_util_max = u;
        x->nodes_alive += rt->core_alive;
        rt->util_acc = 0;
        rt->util_n = 0;
    }
    x->gpu_util_mean = s->n_nodes ? sum / (double)s->n_nodes : 0;
    sim->n_samples++;
    memset(&sim->win_lat, 0, sizeof sim->win_lat);
    sim->win_req = sim->win_ok = 0;
    memset(sim->win_changes, 0, sizeof sim->win_changes);
    sim->win_migr = sim->win_fail = 0;
}

static void progress(corridor_sim *sim, uint64_t now_us, bool done)
{
    double frac = sim->end_us ? (double)now_us / (double)sim->end_us : 1;
    if (frac > 1)
        frac = 1;
    int w = 30, fill = (int)(frac * w);
    double el = wall_s() - sim->wall_start;
    fprintf(stderr, "\r[%.*s%*s] %3.0f%%  t=%.0fs  vehicles=%zu  sessions=%u  %.1fM events/s ",
            fill, "##############################", w - fill, "", frac * 100, now_us / 1e6,
            sim->n_active, sim->sessions_now,
            el > 0 ? (double)corridor_engine_processed(sim->eng) / el / 1e6 : 0.0);
    if (done)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

static void pace(corridor_sim *sim, uint64_t t_us)
{
    /* live mode: simulated time follows the wall clock (times --live-speed) */
    double speed = sim->opt.live_speed > 0 ? sim->opt.live_speed : 1;
    for (;;) {
        double due = sim->wall_start + (double)t_us / 1e6 / speed;
        double now = wall_s();
        if (now >= due) {
            corridor_live_poll(sim->live, 0);
            return;
        }
        double wait_ms = (due - now) * 1000;
        corridor_live_poll(sim->live, wait_ms > 100 ? 100 : (int)wait_ms + 1);
    }
}

int corridor_sim_run(corridor_sim *sim)
{
    const corridor_scenario *s = sim->s;
    corridor_engine *e = sim->eng;
    uint64_t sample_us = (uint64_t)llround(s->sample_s * 1e6);
    corridor_engine_schedule(e, sim->end_us, EV_END, 0, 0, NULL);
    corridor_engine_schedule(e, 0, EV_TICK, 0, 0, NULL);
    corridor_engine_schedule(e, 0, EV_CORE_TICK, 0, 0, NULL);
    corridor_engine_schedule(e, sample_us, EV_SAMPLE, 0, 0, NULL);
    for (size_t i = 0; i < s->n_failures; i++)
        corridor_engine_schedule(e, (uint64_t)llround(s->failures[i].at_s * 1e6), EV_FAILURE,
                                 (uint32_t)i, 0, NULL);
    sim->wall_start = wall_s();
    double last_progress = sim->wall_start;
    corridor_sim_event ev;
    int rc = 0;
    bool stop = false;
    while (!stop && corridor_engine_next(e, &ev)) {
        if (sim->live)
            pace(sim, ev.time_us);
        switch (ev.kind) {
        case EV_TICK:
            sim_tick(sim, ev.time_us);
            corridor_engine_schedule(e, ev.time_us + sim->tick_us, EV_TICK, 0, 0, NULL);
            break;
        case EV_FLOW:
            sim_flow_arrival(sim, ev.target, ev.time_us);
            break;
        case EV_SUMO:
            rc = sim_trace_step(sim, ev.target, ev.time_us);
            stop = rc < 0;
            break;
        case EV_REGISTER:
            sim_agent_register(sim, ev.target, ev.time_us);
            break;
        case EV_REPORT:
            sim_agent_report(sim, ev.target, ev.time_us);
            break;
        case EV_CORE_TICK:
            corridor_core_tick(sim->core, ev.time_us / 1000);
            corridor_engine_schedule(e, ev.time_us + 250000, EV_CORE_TICK, 0, 0, NULL);
            break;
        case EV_FAILURE:
            failure(sim, ev.target, ev.time_us);
            break;
        case EV_MIGRATED: {
            sim_vehicle *v = &sim->veh[ev.target];
            if (v->alive && v->serial == (uint32_t)(ev.arg >> 32) && v->next_node >= 0 &&
                v->next_gen == (uint32_t)ev.arg)
                sim_session_migrated(sim, v, ev.time_us);
            break;
        }
        case EV_SAMPLE:
            close_window(sim, ev.time_us);
            if (ev.time_us + sample_us <= sim->end_us)
                corridor_engine_schedule(e, ev.time_us + sample_us, EV_SAMPLE, 0, 0, NULL);
            break;
        case EV_END:
            stop = true;
            break;
        }
        replace_lost(sim, ev.time_us);
        if (sim->opt.stop && *sim->opt.stop)
            stop = true;
        if (sim->opt.progress && (corridor_engine_processed(e) & 1023) == 0) {
            double now = wall_s();
            if (now - last_progress > 0.2) {
                last_progress = now;
                progress(sim, ev.time_us, false);
            }
        }
    }
    uint64_t end = corridor_engine_now(e);
    /* sessions still out of budget at the end: their episode ends with the run */
    for (size_t i = 0; i < sim->n_active; i++) {
        sim_vehicle *v = &sim->veh[sim->active[i]];
        if (v->workload >= 0 && v->out) {
            double d = (double)(end - v->out_since_us) / 1e6;
            sim->k.episodes++;
            sim->k.out_s_total += d;
            sim->k.out_s_max = fmax(sim->k.out_s_max, d);
            sim_hist_add(&sim->k.episode_ms, d * 1000.0, 1);
            v->out = 0;
        }
    }
    if (sim->n_samples == 0 || sim->samples[sim->n_samples - 1].t_s * 1e6 < (double)end)
        close_window(sim, end);
    if (sim->opt.progress)
        progress(sim, end, true);
    sim->k.events = corridor_engine_processed(e);
    sim->k.sim_s = (double)end / 1e6;
    sim->perf.wall_s = wall_s() - sim->wall_start;
    if (sim->perf.wall_s > 0) {
        sim->perf.events_per_s = (double)sim->k.events / sim->perf.wall_s;
        sim->perf.updates_per_s = (double)sim->k.vehicle_updates / sim->perf.wall_s;
        sim->perf.realtime_factor = sim->k.sim_s / sim->perf.wall_s;
    }
    if (sim->events && (fflush(sim->events) != 0 || ferror(sim->events)))
        rc = rc ? rc : -EIO;
    return rc;
}
