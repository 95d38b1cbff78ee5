/*
 * The simulator's model, piece by piece: radio attachment on a straight road at constant
 * speed (hand-overs where and when the hysteresis and time-to-trigger say, and skipping
 * measurements changes nothing), the latency model against hand-computed cases, Erlang C,
 * the histogram, scenario errors with file:line:column, and the SUMO trace reader on good
 * and broken input.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcd.h"
#include "kpi.h"
#include "latency.h"
#include "radio.h"
#include "scenario.h"
#include "testutil.h"

static int open_text(const char *text, corridor_scenario *s, char *err, size_t errlen)
{
    corridor_scenario_file *f = calloc(1, sizeof *f);
    corridor_cfg_error cerr;
    int rc = corridor_scenario_load_string("test.yaml", text, f, &cerr);
    if (rc < 0) {
        snprintf(err, errlen, "%s", cerr.text);
        free(f);
        return rc;
    }
    rc = corridor_scenario_build(f, NULL, s, err, errlen);
    free(f);
    return rc;
}

/* Six cells on the equator, 0.02 degrees (2.2239 km) apart, radius 1.5 km. */
static const char *line_yaml(double hyst_db, double ttt_ms)
{
    static char buf[2048];
    int o = snprintf(buf, sizeof buf,
                     "name: line\nradio: {hysteresis_db: %g, time_to_trigger_ms: %g, "
                     "pathloss_exponent: 3.5, home_bias_db: 0}\n"
                     "operators:\n  - {plmn: \"001-01\", country: DE}\ncells:\n",
                     hyst_db, ttt_ms);
    for (int i = 0; i < 6; i++)
        o += snprintf(buf + o, sizeof buf - (size_t)o,
                      "  - {id: c%d, operator: \"001-01\", lat: 0, lon: %g, radius_km: 1.5}\n",
                      i, 0.02 * i);
    return buf;
}

typedef struct {
    int n;
    int cell[16];
    uint64_t t_us[16];
} handovers;

/* Drive from cell 0 along the line at v km/s, measuring every 100 ms tick (or only when the
 * radio says something may change), for 5 cells' worth of road. */
static handovers drive(const corridor_scenario *s, double v, bool skip)
{
    corridor_radio r;
    handovers h = {0};
    CHECK_EQ_INT(corridor_radio_init(&r, s), 0);
    sim_radio_state st = {.cell = -1, .cand = -1, .bucket = UINT32_MAX};
    double x0 = s->cells[0].x;
    float budget = 0;
    for (uint64_t k = 0; k < 20000; k++) {
        uint64_t t = k * 100000;
        double x = x0 + v * (double)t / 1e6;
        if (x > s->cells[5].x)
            break;
        budget -= (float)(v * 0.1);
        if (skip && budget > 0)
            continue;
        int32_t from;
        float safe;
        sim_radio_event e = corridor_radio_step(&r, &st, (float)x, 0, 0, 1, t, &from, &safe);
        budget = safe;
        if (e == SIM_RADIO_ATTACH)
            CHECK_EQ_INT(st.cell, 0);
        if ((e == SIM_RADIO_HANDOVER || e == SIM_RADIO_RLF) && h.n < 16) {
            h.cell[h.n] = st.cell;
            h.t_us[h.n++] = t;
        }
    }
    corridor_radio_fini(&r);
    return h;
}

static void check_line(double hyst_db, double ttt_ms)
{
    corridor_scenario s;
    char err[1200];
    CHECK_EQ_INT(open_text(line_yaml(hyst_db, ttt_ms), &s, err, sizeof err), 0);
    const double v = 0.025; /* km/s: 90 km/h, 2.5 m per tick */
    handovers a = drive(&s, v, false), b = drive(&s, v, true);
    /* A3: d_serving / d_best > k = 10^(hyst / (10 n)) first holds at u = k D / (1 + k) past
     * the serving cell; the hand-over follows time-to-trigger later, on a tick. */
    double D = s.cells[1].x - s.cells[0].x;
    double k = pow(10, hyst_db / 35.0);
    double u = k * D / (1 + k);
    CHECK_EQ_INT(a.n, 5);
    for (int i = 0; i < a.n && i < 5; i++) {
        CHECK_EQ_INT(a.cell[i], i + 1);
        double cross_s = (s.cells[i].x - s.cells[0].x + u) / v;
        uint64_t first = (uint64_t)floor(cross_s * 10 + 1) * 100000;   /* first tick past */
        uint64_t ttt = (uint64_t)llround(ttt_ms * 1000);
        uint64_t expect = (first + ttt + 99999) / 100000 * 100000;     /* on a tick */
        double slack_m = fabs(fmod(cross_s * 10, 1.0)) * 2.5;          /* metres from a tick */
        if (slack_m > 0.05 && slack_m < 2.45) {
            if (a.t_us[i] != expect)
                fprintf(stderr, "hysteresis %g dB ttt %g ms: hand-over %d at %llu us, expected "
                        "%llu\n", hyst_db, ttt_ms, i, (unsigned long long)a.t_us[i],
                        (unsigned long long)expect);
            CHECK(a.t_us[i] == expect);
        } else { /* within float rounding of a tick boundary: either tick is right */
            CHECK(a.t_us[i] == expect || a.t_us[i] + 100000 == expect);
        }
    }
    /* skipping measurements the radio says cannot change anything changes nothing */
    CHECK_EQ_INT(b.n, a.n);
    for (int i = 0; i < a.n && i < b.n; i++) {
        CHECK_EQ_INT(b.cell[i], a.cell[i]);
        CHECK(b.t_us[i] == a.t_us[i]);
    }
    corridor_scenario_fini(&s);
}

static void test_radio_line(void)
{
    check_line(0, 0);
    check_line(3, 0);
    check_line(3, 320);
    check_line(6, 640);
}

static void test_radio_operators(void)
{
    /* two operators' cells at the same place; the vehicle's home operator may not use the
     * other's cells, so it stays detached from them */
    const char *y = "name: ops\noperators:\n  - {plmn: \"001-01\", country: DE}\n"
                    "  - {plmn: \"001-02\", country: DE}\n"
                    "cells:\n  - {id: a, operator: \"001-02\", lat: 0, lon: 0, radius_km: 1}\n"
                    "  - {id: b, operator: \"001-01\", lat: 0, lon: 0.05, radius_km: 1}\n";
    corridor_scenario s;
    char err[1200];
    CHECK_EQ_INT(open_text(y, &s, err, sizeof err), 0);
    corridor_radio r;
    corridor_radio_init(&r, &s);
    sim_radio_state st = {.cell = -1, .cand = -1, .bucket = UINT32_MAX};
    int32_t from;
    CHECK_EQ_INT(corridor_radio_step(&r, &st, s.cells[0].x, 0, 0, 1u << 0, 0, &from, NULL),
                 SIM_RADIO_NONE); /* op 0's vehicle at op 1's cell */
    CHECK_EQ_INT(corridor_radio_step(&r, &st, s.cells[0].x, 0, 0, 3u, 0, &from, NULL),
                 SIM_RADIO_ATTACH); /* with roaming onto op 1 */
    CHECK_EQ_INT(st.cell, 0);
    CHECK_EQ_INT(corridor_radio_step(&r, &st, s.cells[0].x + 3, 0, 0, 3u, 0, &from, NULL),
                 SIM_RADIO_DETACH); /* out of every cell */
    corridor_radio_fini(&r);
    corridor_scenario_fini(&s);
}

static void test_latency_hand_computed(void)
{
    /* one degree of longitude on the equator: 111.195 km of great circle */
    const char *y =
        "name: lat\nlatency: {fibre_us_per_km: 5, route_factor: 1.0, hop_us: 50, hops: 3,\n"
        "  interconnect_hops: 2, interconnect_us: 500, site_us: [50, 100, 200, 300, 500]}\n"
        "radio: {radio_us: 1000}\n"
        "operators:\n  - {plmn: \"001-01\", country: DE}\n  - {plmn: \"001-02\", country: DE}\n"
        "cells:\n  - {id: a, operator: \"001-01\", lat: 0, lon: 0, radius_km: 1}\n"
        "  - {id: b, operator: \"001-02\", lat: 0, lon: 0, radius_km: 1, radio_us: 400}\n"
        "nodes:\n  - {id: n1, operator: \"001-01\", tier: far-edge, lat: 0, lon: 1}\n"
        "  - {id: n2, operator: \"001-01\", tier: cloud, lat: 0, lon: 0}\n";
    corridor_scenario s;
    char err[1200];
    CHECK_EQ_INT(open_text(y, &s, err, sizeof err), 0);
    double km = 6371.0 * M_PI / 180.0; /* 111.19493 */
    /* radio 1000 + 5 us/km x 111.195 km + 3 hops x 50 + far-edge site 100 */
    CHECK(fabs(corridor_latency_path_us(&s, 0, 0) - (1000 + 5 * km + 150 + 100)) < 1e-6);
    /* cell b: radio 400, another operator: + 500 + 2 x 50 */
    CHECK(fabs(corridor_latency_path_us(&s, 1, 0) - (400 + 5 * km + 150 + 100 + 600)) < 1e-6);
    /* same place, cloud site: 1000 + 0 + 150 + 500 */
    CHECK(fabs(corridor_latency_path_us(&s, 0, 1) - 1650) < 1e-9);
    corridor_scenario_fini(&s);

    /* M/M/1: lambda 50/s, service 10 ms: rho 0.5, wait rho / (mu - lambda) = 10 ms */
    CHECK(fabs(corridor_latency_erlang_c_wait_s(1, 50, 0.01) - 0.010) < 1e-12);
    /* M/M/2: lambda 100/s, service 10 ms: a = 1, C(2,1) = 1/3, wait C / (c mu - lambda) */
    CHECK(fabs(corridor_latency_erlang_c(2, 1.0) - 1.0 / 3) < 1e-12);
    CHECK(fabs(corridor_latency_erlang_c_wait_s(2, 100, 0.01) - 1.0 / 300) < 1e-12);
    /* at or over capacity the queue grows without bound */
    CHECK(isinf(corridor_latency_erlang_c_wait_s(2, 200, 0.01)));
    CHECK(corridor_latency_erlang_c_wait_s(4, 0, 0.01) == 0);
}

static void test_hist(void)
{
    static sim_hist h;
    memset(&h, 0, sizeof h);
    for (int i = 1; i <= 1000; i++)
        sim_hist_add(&h, i * 10.0, 1);
    CHECK(fabs(sim_hist_quantile(&h, 0.5) - 5000) < 5000 * 0.04);
    CHECK(fabs(sim_hist_quantile(&h, 0.99) - 9900) < 9900 * 0.04);
    CHECK(sim_hist_quantile(&h, 1.0) <= 10000);
    memset(&h, 0, sizeof h);
    sim_hist_add(&h, 7, 3);
    CHECK(sim_hist_quantile(&h, 0.5) == 7); /* exact below 32 */
}

static void expect_error(const char *yaml, const char *want)
{
    corridor_scenario s;
    char err[1200];
    int rc = open_text(yaml, &s, err, sizeof err);
    CHECK(rc < 0);
    if (rc == 0)
        corridor_scenario_fini(&s);
    else
        CHECK_CONTAINS(err, want);
}

static void test_scenario_errors(void)
{
    expect_error("name: x\noperators:\n  - {plmn: \"001-01\", country: DE}\ncells:\n"
                 "  - {id: a, operator: \"001-01\", lat: 0, lon: 0, radius_km: 1}\n"
                 "  - {id: b, operator: \"009-09\", lat: 0, lon: 0, radius_km: 1}\n",
                 "test.yaml:6:23: cells[1].operator: unknown operator '009-09'");
    expect_error("name: x\noperators:\n  - {plmn: \"001-01\", country: DE}\nflows:\n"
                 "  - {id: f, road: nowhere, rate_per_hour: 10, speed_kmh: {mean: 50}, "
                 "operator: \"001-01\"}\n",
                 "test.yaml:5:19: flows[0].road: unknown road 'nowhere'");
    expect_error("name: x\noperators:\n  - {plmn: \"001-01\", country: DE}\n"
                 "nodes:\n  - {id: n, operator: \"001-01\", tier: far_edge, lat: 0, lon: 0}\n",
                 "test.yaml:5:39: nodes[0].tier: 'far_edge' is not one of");
    expect_error("name: x\noperators:\n  - {plmn: \"001-01\", country: DE}\nroads:\n"
                 "  - id: r\n    points:\n      - {lat: 0, lon: 0}\n",
                 "roads[0].points: a road needs at least 2 points");
    expect_error("name: x\noperators:\n  - {plmn: \"001-01\", country: DE}\nfailures:\n"
                 "  - {at_s: 5, action: node-down, node: ghost}\n",
                 "failures[0].node: unknown node 'ghost'");
    expect_error("name: x\noperatorz: []\n", "test.yaml:2:1: operatorz: unknown key");
    expect_error("name: x\noperators:\n  - {plmn: \"001-01\", country: DE}\n"
                 "generate: {cells: 10}\n", "generate.area: empty area");
}

static void test_generate(void)
{
    const char *y = "name: g\noperators:\n  - {plmn: \"001-01\", country: DE}\n"
                    "generate: {cells: 500, nodes: 20, area: {south: 0, west: 0, north: 0.5, "
                    "east: 0.5}, seed: 4}\n";
    corridor_scenario a, b;
    char err[1200];
    CHECK_EQ_INT(open_text(y, &a, err, sizeof err), 0);
    CHECK_EQ_INT(open_text(y, &b, err, sizeof err), 0);
    CHECK_EQ_INT(a.n_cells, 500);
    CHECK_EQ_INT(a.n_nodes, 20);
    bool same = true, inside = true;
    for (size_t i = 0; i < a.n_cells; i++) {
        same = same && a.cell_info[i].lat == b.cell_info[i].lat;
        inside = inside && a.cell_info[i].lat >= 0 && a.cell_info[i].lat <= 0.5;
    }
    CHECK(same);   /* generated from the seed, the same every time */
    CHECK(inside);
    corridor_scenario_fini(&a);
    corridor_scenario_fini(&b);
}

/* Read a whole trace: 0 at its end, or the first error. */
static int drain(corridor_fcd *f)
{
    double t;
    corridor_fcd_vehicle v;
    int rc;
    while ((rc = corridor_fcd_next_step(f, &t)) == 1) {
        while ((rc = corridor_fcd_next_vehicle(f, &v)) == 1)
            ;
        if (rc < 0)
            return rc;
    }
    return rc;
}

static void test_fcd(void)
{
    const char *good =
        "<?xml version=\"1.0\"?>\n<!-- generated by sumo > test -->\n"
        "<fcd-export xmlns:xsi=\"x\">\n"
        "  <timestep time=\"0.00\">\n"
        "    <vehicle id=\"a\" x=\"10.5\" y=\"20.25\" angle=\"90\" speed=\"13.9\"/>\n"
        "    <vehicle id='b' x='1' y='2' speed='0'/>\n"
        "  </timestep>\n  <timestep time=\"1.00\"/>\n"
        "  <timestep time=\"2.00\">\n    <person id=\"p\" x=\"0\" y=\"0\"/>\n"
        "    <vehicle id=\"a\" x=\"24.4\" y=\"20.25\" speed=\"13.9\"/>\n  </timestep>\n"
        "</fcd-export>\n";
    corridor_fcd *f = corridor_fcd_open_mem(good, strlen(good));
    double t;
    corridor_fcd_vehicle v;
    CHECK_EQ_INT(corridor_fcd_next_step(f, &t), 1);
    CHECK(t == 0);
    CHECK_EQ_INT(corridor_fcd_next_vehicle(f, &v), 1);
    CHECK_EQ_STR(v.id, "a");
    CHECK(v.x == 10.5 && v.y == 20.25 && fabs(v.speed - 13.9) < 1e-9);
    CHECK_EQ_INT(corridor_fcd_next_vehicle(f, &v), 1);
    CHECK_EQ_STR(v.id, "b");
    CHECK_EQ_INT(corridor_fcd_next_vehicle(f, &v), 0);
    CHECK_EQ_INT(corridor_fcd_next_step(f, &t), 1);
    CHECK(t == 1);
    CHECK_EQ_INT(corridor_fcd_next_vehicle(f, &v), 0); /* an empty step */
    CHECK_EQ_INT(corridor_fcd_next_step(f, &t), 1);
    CHECK_EQ_INT(corridor_fcd_next_vehicle(f, &v), 1); /* the person is passed over */
    CHECK(v.x == 24.4);
    CHECK_EQ_INT(corridor_fcd_next_vehicle(f, &v), 0);
    CHECK_EQ_INT(corridor_fcd_next_step(f, &t), 0);
    corridor_fcd_free(&f);
    CHECK(f == NULL);

    static const struct {
        const char *xml, *want;
    } bad[] = {
        {"<timestep time=\"x\">", "is not a number"},
        {"<timestep time=\"1\"><vehicle id=\"a\" y=\"1\"/>", "<vehicle> without x"},
        {"<timestep time=\"1\"><vehicle x=\"1\" y=\"1\"/>", "<vehicle> without id"},
        {"<timestep time=\"1\"><vehicle id=\"a\" x=\"1e999\" y=\"1\"/>", "not a number"},
        {"<timestep time=\"1\"><vehicle id=\"a\" x=\"1\"", "end of file inside a tag"},
        {"<timestep time=\"1\"><vehicle id=\"a\" x=\"1\" y=\"2\"/>", "end of file inside"},
        {"<timestep time=\"1\"><timestep time=\"2\">", "<timestep> inside a <timestep>"},
        {"<!-- never closed", "inside a comment"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f = corridor_fcd_open_mem(bad[i].xml, strlen(bad[i].xml));
        int rc = drain(f);
        CHECK_EQ_INT(rc, -EINVAL);
        CHECK_CONTAINS(corridor_fcd_error(f), bad[i].want);
        corridor_fcd_free(&f);
    }
    /* a tag longer than the reader's bound is an error, not an overflow */
    size_t n = 10000;
    char *big = malloc(n + 64);
    int o = snprintf(big, n + 64, "<timestep time=\"1\"><vehicle id=\"");
    memset(big + o, 'x', n);
    big[o + n] = '\0';
    f = corridor_fcd_open_mem(big, strlen(big));
    CHECK_EQ_INT(corridor_fcd_next_step(f, &t), 1);
    CHECK_EQ_INT(corridor_fcd_next_vehicle(f, &v), -EINVAL);
    CHECK_CONTAINS(corridor_fcd_error(f), "tag longer than");
    corridor_fcd_free(&f);
    free(big);
    /* every prefix of a good trace ends cleanly or with an error, never a crash */
    for (size_t len = 0; len < strlen(good); len++) {
        f = corridor_fcd_open_mem(good, len);
        int rc = drain(f);
        CHECK(rc == 0 || rc == -EINVAL);
        corridor_fcd_free(&f);
    }
}

int main(void)
{
    RUN(test_radio_line);
    RUN(test_radio_operators);
    RUN(test_latency_hand_computed);
    RUN(test_hist);
    RUN(test_scenario_errors);
    RUN(test_generate);
    RUN(test_fcd);
    return TEST_SUMMARY();
}
