/*
 * Vehicles and how they move: along road polylines at their own speed (flows), by random
 * waypoint or on a Manhattan grid inside an area (groups), or as a SUMO trace says. The tick
 * moves every live vehicle, measures the radio and accounts its session's requests.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim_internal.h"

static double draw_speed_kms(corridor_rng *r, const sim_speed_cfg *sp)
{
    double v = sp->sd > 0 ? corridor_rng_normal(r, sp->mean, sp->sd) : sp->mean;
    if (v < sp->min)
        v = sp->min;
    if (v > sp->max)
        v = sp->max;
    return v / 3600.0;
}

static int grow_vehicles(corridor_sim *sim)
{
    size_t ncap = sim->cap_veh ? sim->cap_veh * 2 : 1024;
    sim_vehicle *v = realloc(sim->veh, ncap * sizeof *v);
    if (!v)
        return -ENOMEM;
    sim->veh = v;
    corridor_rng *r = realloc(sim->veh_rng, ncap * sizeof *r);
    if (!r)
        return -ENOMEM;
    sim->veh_rng = r;
    uint32_t *a = realloc(sim->active, ncap * sizeof *a);
    if (!a)
        return -ENOMEM;
    sim->active = a;
    uint32_t *f = realloc(sim->free_veh, ncap * sizeof *f);
    if (!f)
        return -ENOMEM;
    sim->free_veh = f;
    if (sim->trace_id || sim->traces) {
        char (*t)[CORRIDOR_FCD_ID_MAX + 1] = realloc(sim->trace_id, ncap * sizeof *t);
        if (!t)
            return -ENOMEM;
        sim->trace_id = t;
    }
    for (size_t i = ncap; i > sim->cap_veh; i--) /* lowest slot first */
        sim->free_veh[sim->n_free_veh++] = (uint32_t)(i - 1);
    sim->cap_veh = ncap;
    return 0;
}

sim_vehicle *sim_vehicle_spawn(corridor_sim *sim, uint16_t home_op, int workload)
{
    if (sim->n_free_veh == 0 && grow_vehicles(sim) < 0)
        return NULL;
    uint32_t slot = sim->free_veh[--sim->n_free_veh];
    sim_vehicle *v = &sim->veh[slot];
    memset(v, 0, sizeof *v);
    v->alive = 1;
    v->home_op = home_op;
    v->serial = ++sim->next_serial;
    v->radio.cell = v->radio.cand = -1;
    v->radio.bucket = UINT32_MAX;
    v->node = v->next_node = -1;
    corridor_rng *r = &sim->veh_rng[slot];
    corridor_rng_seed(r, sim->seed, CORRIDOR_RNG_VEHICLE, v->serial);
    v->workload = -1;
    if (workload >= 0 && corridor_rng_unit(r) < sim->s->workloads[workload].cfg.share)
        v->workload = (int16_t)workload;
    v->active_pos = (uint32_t)sim->n_active;
    sim->active[sim->n_active++] = slot;
    if (slot + 1 > sim->n_veh)
        sim->n_veh = slot + 1;
    sim->k.vehicles++;
    if (sim->n_active > sim->k.vehicles_peak)
        sim->k.vehicles_peak = sim->n_active;
    if (v->workload >= 0)
        sim_session_start(sim, v, corridor_engine_now(sim->eng));
    return v;
}

void sim_vehicle_retire(corridor_sim *sim, sim_vehicle *v, uint64_t now_us)
{
    sim_session_end(sim, v, now_us);
    uint32_t slot = (uint32_t)(v - sim->veh), pos = v->active_pos;
    uint32_t last = sim->active[--sim->n_active];
    sim->active[pos] = last;
    sim->veh[last].active_pos = pos;
    v->alive = 0;
    sim->free_veh[sim->n_free_veh++] = slot;
}

/* ---- roads ---- */

static void road_place(corridor_sim *sim, sim_vehicle *v)
{
    const sim_road *r = &sim->s->roads[v->road];
    double x, y;
    corridor_road_at(r, v->s, &v->seg, &x, &y, NULL, NULL);
    v->x = (float)x;
    v->y = (float)y;
}

static void spawn_on_road(corridor_sim *sim, uint32_t flow, double s_km)
{
    const sim_flow *fl = &sim->s->flows[flow];
    sim_vehicle *v = sim_vehicle_spawn(sim, fl->op, fl->workload);
    if (!v)
        return;
    v->model = VM_ROAD;
    v->road = (uint16_t)fl->road;
    v->dir = (uint8_t)fl->direction;
    v->speed = (float)draw_speed_kms(&sim->veh_rng[v - sim->veh], &fl->speed_kmh);
    const sim_road *r = &sim->s->roads[fl->road];
    v->s = fl->direction == SIM_DIR_FORWARD ? s_km : r->length_km - s_km;
    v->seg = fl->direction == SIM_DIR_FORWARD ? 0 : r->n - 2;
    road_place(sim, v);
    sim_log_event(sim, corridor_engine_now(sim->eng), "spawn,v%u,%s,%.6f,%.6f", v->serial,
                  fl->id, v->s, v->speed * 3600.0);
}

void sim_flow_arrival(corridor_sim *sim, uint32_t flow, uint64_t now_us)
{
    const sim_flow *fl = &sim->s->flows[flow];
    if (fl->end_s > 0 && now_us >= (uint64_t)(fl->end_s * 1e6))
        return;
    spawn_on_road(sim, flow, 0);
    double gap_s = corridor_rng_exp(&sim->flow_rng[flow], 3600.0 / fl->rate_per_hour);
    corridor_engine_schedule(sim->eng, now_us + (uint64_t)llround(gap_s * 1e6), EV_FLOW, flow,
                             0, NULL);
}

/* ---- groups: random waypoint and Manhattan grid ---- */

typedef struct {
    double x0, y0, x1, y1;
} area_xy;

static area_xy group_area(const corridor_sim *sim, const sim_group *g)
{
    area_xy a;
    corridor_proj_fwd(&sim->s->proj, g->cfg.area.south, g->cfg.area.west, &a.x0, &a.y0);
    corridor_proj_fwd(&sim->s->proj, g->cfg.area.north, g->cfg.area.east, &a.x1, &a.y1);
    return a;
}

static void waypoint_leg(corridor_sim *sim, sim_vehicle *v)
{
    const sim_group *g = &sim->s->groups[v->group];
    corridor_rng *r = &sim->veh_rng[v - sim->veh];
    area_xy a = group_area(sim, g);
    double tx = corridor_rng_uniform(r, a.x0, a.x1), ty = corridor_rng_uniform(r, a.y0, a.y1);
    double sp = draw_speed_kms(r, &g->cfg.speed_kmh);
    double dx = tx - v->x, dy = ty - v->y, d = hypot(dx, dy);
    v->speed = (float)sp;
    v->vx = d > 0 ? (float)(dx / d * sp) : 0;
    v->vy = d > 0 ? (float)(dy / d * sp) : 0;
    v->leg_left_s = (float)(d / sp);
    v->pausing = 0;
}

/* Manhattan: legs of one block between intersections; straight ahead half the time, left
 * or right a quarter each, turning back only at the area's edge. */
static const int mdx[4] = {1, 0, -1, 0}, mdy[4] = {0, 1, 0, -1};

static void manhattan_leg(corridor_sim *sim, sim_vehicle *v, bool first)
{
    const sim_group *g = &sim->s->groups[v->group];
    corridor_rng *r = &sim->veh_rng[v - sim->veh];
    area_xy a = group_area(sim, g);
    double b = g->cfg.block_m / 1000.0;
    int32_t nx = (int32_t)((a.x1 - a.x0) / b), ny = (int32_t)((a.y1 - a.y0) / b);
    if (nx < 1)
        nx = 1;
    if (ny < 1)
        ny = 1;
    if (first) {
        v->gx = (int32_t)corridor_rng_below(r, (uint32_t)nx + 1);
        v->gy = (int32_t)corridor_rng_below(r, (uint32_t)ny + 1);
        v->dir = (uint8_t)corridor_rng_below(r, 4);
        v->speed = (float)draw_speed_kms(r, &g->cfg.speed_kmh);
    } else {
        v->gx += mdx[v->dir];
        v->gy += mdy[v->dir];
        double u = corridor_rng_unit(r);
        v->dir = (uint8_t)(u < 0.5 ? v->dir : u < 0.75 ? (v->dir + 1) % 4 : (v->dir + 3) % 4);
    }
    for (int k = 0; k < 4; k++) { /* keep inside: turn until the next block is in the area */
        int32_t ex = v->gx + mdx[v->dir], ey = v->gy + mdy[v->dir];
        if (ex >= 0 && ex <= nx && ey >= 0 && ey <= ny)
            break;
        v->dir = (uint8_t)((v->dir + 1) % 4);
    }
    v->x = (float)(a.x0 + v->gx * b);
    v->y = (float)(a.y0 + v->gy * b);
    v->vx = (float)(mdx[v->dir] * v->speed);
    v->vy = (float)(mdy[v->dir] * v->speed);
    v->leg_left_s = (float)(b / v->speed);
}

static int spawn_groups(corridor_sim *sim)
{
    for (size_t gi = 0; gi < sim->s->n_groups; gi++) {
        const sim_group *g = &sim->s->groups[gi];
        if (g->cfg.model == SIM_MODEL_SUMO)
            continue;
        area_xy a = group_area(sim, g);
        for (uint32_t k = 0; k < g->cfg.vehicles; k++) {
            sim_vehicle *v = sim_vehicle_spawn(sim, g->op, g->workload);
            if (!v)
                return -ENOMEM;
            v->group = (uint16_t)gi;
            corridor_rng *r = &sim->veh_rng[v - sim->veh];
            if (g->cfg.model == SIM_MODEL_RANDOM_WAYPOINT) {
                v->model = VM_WAYPOINT;
                v->x = (float)corridor_rng_uniform(r, a.x0, a.x1);
                v->y = (float)corridor_rng_uniform(r, a.y0, a.y1);
                waypoint_leg(sim, v);
            } else {
                v->model = VM_MANHATTAN;
                manhattan_leg(sim, v, true);
            }
        }
    }
    return 0;
}

/* ---- SUMO traces ---- */

static int open_traces(corridor_sim *sim)
{
    size_t n = sim->s->n_groups;
    sim->traces = calloc(n ? n : 1, sizeof *sim->traces);
    sim->trace_ids = calloc(n ? n : 1, sizeof *sim->trace_ids);
    sim->trace_step = calloc(n ? n : 1, sizeof *sim->trace_step);
    if (!sim->traces || !sim->trace_ids || !sim->trace_step)
        return -ENOMEM;
    for (size_t gi = 0; gi < n; gi++) {
        const sim_group *g = &sim->s->groups[gi];
        if (g->cfg.model != SIM_MODEL_SUMO)
            continue;
        char err[300];
        sim->traces[gi] = corridor_fcd_open(g->trace_path, err, sizeof err);
        if (!sim->traces[gi]) {
            CLOG_ERROR("sim", "cannot open trace", "group=%s error=\"%s\"", g->cfg.id, err);
            return -ENOENT;
        }
        sim->trace_ids[gi] = corridor_hashmap_new(1024);
        if (!sim->trace_ids[gi])
            return -ENOMEM;
        double t;
        int rc = corridor_fcd_next_step(sim->traces[gi], &t);
        if (rc < 0) {
            CLOG_ERROR("sim", "bad trace", "file=%s error=\"%s\"", g->trace_path,
                       corridor_fcd_error(sim->traces[gi]));
            return rc;
        }
        if (rc > 0)
            corridor_engine_schedule(sim->eng, t > 0 ? (uint64_t)llround(t * 1e6) : 0, EV_SUMO,
                                     (uint32_t)gi, 0, NULL);
    }
    if (!sim->trace_id) {
        bool any = false;
        for (size_t gi = 0; gi < n; gi++)
            any = any || sim->traces[gi];
        if (any) {
            sim->trace_id = calloc(sim->cap_veh ? sim->cap_veh : 1, sizeof *sim->trace_id);
            if (!sim->trace_id)
                return -ENOMEM;
        }
    }
    return 0;
}

int sim_trace_step(corridor_sim *sim, uint32_t gi, uint64_t now_us)
{
    const sim_group *g = &sim->s->groups[gi];
    corridor_fcd *f = sim->traces[gi];
    corridor_hashmap *ids = sim->trace_ids[gi];
    uint64_t step = ++sim->trace_step[gi];
    double ox = 0, oy = 0;
    if (!g->cfg.geo)
        corridor_proj_fwd(&sim->s->proj, g->cfg.origin.lat, g->cfg.origin.lon, &ox, &oy);
    corridor_fcd_vehicle fv;
    int rc;
    while ((rc = corridor_fcd_next_vehicle(f, &fv)) == 1) {
        uintptr_t slot = (uintptr_t)corridor_hashmap_get(ids, fv.id);
        sim_vehicle *v;
        if (!slot) {
            v = sim_vehicle_spawn(sim, g->op, g->workload);
            if (!v)
                return -ENOMEM;
            v->model = VM_TRACE;
            v->group = (uint16_t)gi;
            snprintf(sim->trace_id[v - sim->veh], sizeof sim->trace_id[0], "%s", fv.id);
            if (corridor_hashmap_put(ids, fv.id, (void *)(uintptr_t)(v - sim->veh + 1), NULL) < 0)
                return -ENOMEM;
        } else {
            v = &sim->veh[slot - 1];
        }
        double x, y;
        if (g->cfg.geo)
            corridor_proj_fwd(&sim->s->proj, fv.y, fv.x, &x, &y);
        else {
            x = ox + fv.x / 1000.0;
            y = oy + fv.y / 1000.0;
        }
        v->x = (float)x;
        v->y = (float)y;
        v->speed = (float)(fv.speed / 1000.0);
        v->seen_step = step;
    }
    if (rc < 0) {
        CLOG_ERROR("sim", "bad trace", "file=%s error=\"%s\"", g->trace_path,
                   corridor_fcd_error(f));
        return rc;
    }
    /* vehicles the step no longer lists have arrived: they leave */
    for (size_t i = 0; i < sim->n_active;) {
        sim_vehicle *v = &sim->veh[sim->active[i]];
        if (v->model == VM_TRACE && v->group == gi && v->seen_step != step) {
            corridor_hashmap_remove(ids, sim->trace_id[v - sim->veh]);
            sim_vehicle_retire(sim, v, now_us);
            continue;
        }
        i++;
    }
    double t;
    rc = corridor_fcd_next_step(f, &t);
    if (rc < 0) {
        CLOG_ERROR("sim", "bad trace", "file=%s error=\"%s\"", g->trace_path,
                   corridor_fcd_error(f));
        return rc;
    }
    if (rc > 0) {
        uint64_t at = (uint64_t)llround(t * 1e6);
        corridor_engine_schedule(sim->eng, at > now_us ? at : now_us, EV_SUMO, gi, 0, NULL);
    }
    return 0;
}

/* ---- init ---- */

int sim_mobility_init(corridor_sim *sim)
{
    const corridor_scenario *s = sim->s;
    sim->flow_rng = calloc(s->n_flows ? s->n_flows : 1, sizeof *sim->flow_rng);
    if (!sim->flow_rng || grow_vehicles(sim) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < s->n_flows; i++) {
        const sim_flow *fl = &s->flows[i];
        corridor_rng_seed(&sim->flow_rng[i], sim->seed, CORRIDOR_RNG_FLOW, i);
        if (fl->rate_per_hour <= 0)
            continue;
        if (fl->prefill) {
            /* the road in steady state: a Poisson process in space, spacing mean speed/rate */
            double mean_gap_km = fl->speed_kmh.mean / fl->rate_per_hour;
            double len = s->roads[fl->road].length_km;
            for (double at = corridor_rng_exp(&sim->flow_rng[i], mean_gap_km); at < len;
                 at += corridor_rng_exp(&sim->flow_rng[i], mean_gap_km))
                spawn_on_road(sim, (uint32_t)i, at);
        }
        double first = fl->start_s + corridor_rng_exp(&sim->flow_rng[i], 3600.0 / fl->rate_per_hour);
        if (corridor_engine_schedule(sim->eng, (uint64_t)llround(first * 1e6), EV_FLOW,
                                     (uint32_t)i, 0, NULL) < 0)
            return -ENOMEM;
    }
    int rc = spawn_groups(sim);
    if (rc < 0)
        return rc;
    return open_traces(sim);
}

void sim_mobility_fini(corridor_sim *sim)
{
    for (size_t gi = 0; sim->traces && gi < sim->s->n_groups; gi++) {
        corridor_fcd_free(&sim->traces[gi]);
        corridor_hashmap_free(&sim->trace_ids[gi]);
    }
    free(sim->traces);
    free(sim->trace_ids);
    free(sim->trace_step);
    free(sim->trace_id);
    free(sim->flow_rng);
    free(sim->veh);
    free(sim->veh_rng);
    free(sim->active);
    free(sim->free_veh);
}

/* ---- the tick ---- */

static void record_change(corridor_sim *sim, const sim_vehicle *v, sim_change_kind kind)
{
    sim->k.changes[kind]++;
    sim->win_changes[kind]++;
    if (sim->n_chg == sim->cap_chg) {
        if (sim->cap_chg >= 20000) /* the map shows the first 20000; counts stay exact */
            return;
        size_t nc = sim->cap_chg ? sim->cap_chg * 2 : 1024;
        if (nc > 20000)
            nc = 20000;
        float *x = realloc(sim->chg_x, nc * sizeof *x);
        if (x)
            sim->chg_x = x;
        float *y = realloc(sim->chg_y, nc * sizeof *y);
        if (y)
            sim->chg_y = y;
        uint8_t *k = realloc(sim->chg_kind, nc);
        if (k)
            sim->chg_kind = k;
        if (!x || !y || !k)
            return;
        sim->cap_chg = nc;
    }
    sim->chg_x[sim->n_chg] = v->x;
    sim->chg_y[sim->n_chg] = v->y;
    sim->chg_kind[sim->n_chg] = (uint8_t)kind;
    sim->n_chg++;
}

static void radio_event(corridor_sim *sim, sim_vehicle *v, sim_radio_event e, int32_t from,
                        uint64_t now_us)
{
    const corridor_scenario *s = sim->s;
    switch (e) {
    case SIM_RADIO_NONE:
        return;
    case SIM_RADIO_ATTACH:
        sim->k.attaches++;
        sim_log_event(sim, now_us, "attach,v%u,%s", v->serial, s->cell_info[v->radio.cell].id);
        break;
    case SIM_RADIO_DETACH:
        sim->k.detaches++;
        sim_log_event(sim, now_us, "detach,v%u,%s", v->serial, s->cell_info[from].id);
        return;
    case SIM_RADIO_RLF:
    case SIM_RADIO_HANDOVER: {
        if (e == SIM_RADIO_RLF)
            sim->k.rlf++;
        const sim_cell *a = &s->cells[from], *b = &s->cells[v->radio.cell];
        sim_change_kind kind = a->country != b->country ? SIM_CHANGE_CROSS_BORDER
                               : a->op != b->op          ? SIM_CHANGE_INTER_OPERATOR
                                                         : SIM_CHANGE_INTRA;
        record_change(sim, v, kind);
        sim_log_event(sim, now_us, "handover,v%u,%s,%s,%s%s", v->serial, s->cell_info[from].id,
                      s->cell_info[v->radio.cell].id, sim_change_kind_names[kind],
                      e == SIM_RADIO_RLF ? ",rlf" : "");
        break;
    }
    }
    sim_session_cell_changed(sim, v, now_us);
}

void sim_tick(corridor_sim *sim, uint64_t now_us)
{
    const corridor_scenario *s = sim->s;
    const double dt = (double)sim->tick_us / 1e6;
    const float dtf = (float)dt;
    for (size_t i = 0; i < sim->n_active;) {
        sim_vehicle *v = &sim->veh[sim->active[i]];
        /* the radio's grid is bigger than the caches and vehicles are scattered over it:
         * fetch ahead what measurements a few vehicles later will read */
        if (i + 16 < sim->n_active)
            corridor_radio_prefetch(&sim->radio, &sim->veh[sim->active[i + 16]].radio, 1);
        if (i + 8 < sim->n_active)
            corridor_radio_prefetch(&sim->radio, &sim->veh[sim->active[i + 8]].radio, 2);
        switch (v->model) {
        case VM_ROAD: {
            const sim_road *r = &s->roads[v->road];
            v->s += v->dir == SIM_DIR_FORWARD ? v->speed * dt : -v->speed * dt;
            if (v->s > r->length_km || v->s < 0) {
                sim_log_event(sim, now_us, "exit,v%u", v->serial);
                sim_vehicle_retire(sim, v, now_us);
                continue; /* the last vehicle moved into position i */
            }
            road_place(sim, v);
            break;
        }
        case VM_WAYPOINT:
            v->leg_left_s -= dtf;
            if (!v->pausing) {
                v->x += v->vx * dtf;
                v->y += v->vy * dtf;
            }
            if (v->leg_left_s <= 0) {
                const sim_group *g = &s->groups[v->group];
                if (!v->pausing && g->cfg.pause_s > 0) {
                    v->pausing = 1;
                    v->leg_left_s = (float)g->cfg.pause_s;
                } else {
                    waypoint_leg(sim, v);
                }
            }
            break;
        case VM_MANHATTAN:
            v->leg_left_s -= dtf;
            v->x += v->vx * dtf;
            v->y += v->vy * dtf;
            if (v->leg_left_s <= 0)
                manhattan_leg(sim, v, false);
            break;
        default:
            break;
        }
        /* measure only when the vehicle may have moved far enough for something to change
         * (corridor_radio_step says how far); trace vehicles jump, so always */
        v->radio_skip_km -= v->pausing ? 0 : v->speed * dtf;
        if (v->radio_skip_km <= 0 || v->model == VM_TRACE || sim->opt.measure_every_tick) {
            int32_t from;
            float safe;
            sim_radio_event e = corridor_radio_step(&sim->radio, &v->radio, v->x, v->y,
                                                    v->home_op,
                                                    s->operators[v->home_op].attach_mask,
                                                    now_us, &from, &safe);
            v->radio_skip_km = safe;
            sim->k.radio_measurements++;
            if (e != SIM_RADIO_NONE)
                radio_event(sim, v, e, from, now_us);
        }
        if (v->workload >= 0)
            sim_session_sample(sim, v, now_us, dt);
        sim->k.vehicle_updates++;
        i++;
    }
}
