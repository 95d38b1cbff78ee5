/* common/: hash map, ids, tiers, JSON writer, log line format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "ids.h"
#include "json.h"
#include "log.h"
#include "tier.h"
#include "testutil.h"

static void test_hashmap(void)
{
    corridor_hashmap *m = corridor_hashmap_new(4);
    char key[32];
    static int vals[20000];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "node-%d", i);
        vals[i] = i;
        CHECK_EQ_INT(corridor_hashmap_put(m, key, &vals[i], NULL), 0);
    }
    CHECK_EQ_INT(corridor_hashmap_count(m), 20000);
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "node-%d", i);
        int *v = corridor_hashmap_get(m, key);
        bad += !v || *v != i;
    }
    CHECK_EQ_INT(bad, 0);
    /* remove the even ones; odd ones must survive the tombstones, and re-adding works */
    for (int i = 0; i < 20000; i += 2) {
        snprintf(key, sizeof key, "node-%d", i);
        CHECK(corridor_hashmap_remove(m, key) == &vals[i]);
    }
    CHECK(corridor_hashmap_remove(m, "node-0") == NULL);
    CHECK_EQ_INT(corridor_hashmap_count(m), 10000);
    bad = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "node-%d", i);
        void *v = corridor_hashmap_get(m, key);
        bad += (i % 2) ? v != &vals[i] : v != NULL;
    }
    CHECK_EQ_INT(bad, 0);
    /* churn: many remove/insert cycles must not grow without bound or lose entries */
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 1000; i += 2) {
            snprintf(key, sizeof key, "node-%d", i);
            corridor_hashmap_put(m, key, &vals[i], NULL);
        }
        for (int i = 0; i < 1000; i += 2) {
            snprintf(key, sizeof key, "node-%d", i);
            corridor_hashmap_remove(m, key);
        }
    }
    CHECK_EQ_INT(corridor_hashmap_count(m), 10000);
    void *old;
    CHECK_EQ_INT(corridor_hashmap_put(m, "node-1", &vals[5], &old), 0);
    CHECK(old == &vals[1]);
    size_t pos = 0, seen = 0;
    while (corridor_hashmap_next(m, &pos, NULL, NULL))
        seen++;
    CHECK_EQ_INT(seen, 10000);
    corridor_hashmap_free(&m);
    CHECK(m == NULL);
    corridor_hashmap_free(&m); /* NULL-safe */
}

static void test_ids(void)
{
    CHECK(corridor_id_valid("de-muc-far-01"));
    CHECK(corridor_id_valid("a"));
    CHECK(!corridor_id_valid(""));
    CHECK(!corridor_id_valid("-x"));
    CHECK(!corridor_id_valid("has space"));
    CHECK(!corridor_id_valid("0123456789012345678901234567890123456789012345678901234567890123"));
    CHECK(corridor_plmn_valid("262-01"));
    CHECK(corridor_plmn_valid("310-410"));
    CHECK(!corridor_plmn_valid("26201"));
    CHECK(!corridor_plmn_valid("262-0a"));
    CHECK(!corridor_plmn_valid("262-0123"));
    CHECK(corridor_country_valid("DE"));
    CHECK(corridor_country_valid("AT"));
    CHECK(corridor_country_valid("IT"));
    CHECK(!corridor_country_valid("XX"));
    CHECK(!corridor_country_valid("de"));
    CHECK(!corridor_country_valid("DEU"));
}

static void test_tiers(void)
{
    corridor_tier t;
    CHECK_EQ_INT(corridor_tier_parse("far-edge", &t), 0);
    CHECK_EQ_INT(t, CORRIDOR_TIER_FAR_EDGE);
    CHECK(corridor_tier_parse("far_edge", &t) < 0);
    CHECK_EQ_STR(corridor_tier_name(CORRIDOR_TIER_METRO_EDGE), "metro-edge");
    CHECK_EQ_INT(corridor_tier_latency_us(CORRIDOR_TIER_NEAR_PREMISE), 1000);
    CHECK_EQ_INT(corridor_tier_latency_us(CORRIDOR_TIER_NEAR_EDGE), 10000);
    CHECK_EQ_INT(corridor_tier_reach_km(CORRIDOR_TIER_FAR_EDGE), 100);
}

static void test_json(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    corridor_json j;
    corridor_json_init(&j, f, false);
    corridor_json_obj_begin(&j);
    corridor_json_kstr(&j, "s", "a\"b\\c\n\x01");
    corridor_json_ku64(&j, "u", 18446744073709551615ull);
    corridor_json_ki64(&j, "i", -5);
    corridor_json_kdbl(&j, "d", 1.0 / 0.0, 2);
    corridor_json_kdbl(&j, "e", 2.5, 2);
    corridor_json_key(&j, "a");
    corridor_json_arr_begin(&j);
    corridor_json_bool(&j, true);
    corridor_json_null(&j);
    corridor_json_obj_begin(&j);
    corridor_json_obj_end(&j);
    corridor_json_arr_end(&j);
    corridor_json_key(&j, "empty");
    corridor_json_arr_begin(&j);
    corridor_json_arr_end(&j);
    corridor_json_obj_end(&j);
    fclose(f);
    CHECK_EQ_STR(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"u\":18446744073709551615,\"i\":-5,"
                      "\"d\":null,\"e\":2.50,\"a\":[true,null,{}],\"empty\":[]}");
    free(buf);
}

static char last_line[4096];
static void sink(void *ud, corridor_log_level lvl, const char *line)
{
    (void)ud;
    (void)lvl;
    snprintf(last_line, sizeof last_line, "%s", line);
}

static void test_log_format(void)
{
    corridor_log_set_sink(sink, NULL);
    corridor_log_set_level(CORRIDOR_LOG_INFO);
    last_line[0] = '\0';
    CLOG_DEBUG("core", "hidden", "x=%d", 1);
    CHECK_EQ_STR(last_line, "");
    CLOG_WARN("core", "node state changed", "node=%s to=%s", "n1", "dead");
    /* "<ISO time> warn  core node state changed node=n1 to=dead" */
    CHECK(strlen(last_line) > 24 && last_line[4] == '-' && last_line[10] == 'T');
    CHECK_CONTAINS(last_line, " warn  core node state changed node=n1 to=dead");
    corridor_log_level l;
    CHECK_EQ_INT(corridor_log_level_parse("debug", &l), 0);
    CHECK_EQ_INT(l, CORRIDOR_LOG_DEBUG);
    CHECK(corridor_log_level_parse("loud", &l) < 0);
    /* rate limit: 10 per second per call site, then the next line reports suppressed */
    int shown = 0;
    for (int i = 0; i < 100; i++) {
        last_line[0] = '\0';
        CLOG_WARN_RL("t", "burst", "i=%d", i);
        shown += last_line[0] != '\0';
    }
    CHECK_EQ_INT(shown, 10);
    corridor_log_set_sink(NULL, NULL);
}

int main(void)
{
    RUN(test_hashmap);
    RUN(test_ids);
    RUN(test_tiers);
    RUN(test_json);
    RUN(test_log_format);
    return TEST_SUMMARY();
}
