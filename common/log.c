#include "log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"

static corridor_log_level g_level = CORRIDOR_LOG_INFO;
static corridor_log_sink_fn g_sink;
static void *g_sink_ud;
static uint64_t (*g_now_us)(void *ud);
static void *g_now_ud;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void corridor_log_set_level(corridor_log_level lvl) { g_level = lvl; }
corridor_log_level corridor_log_get_level(void) { return g_level; }

const char *corridor_log_level_name(corridor_log_level lvl)
{
    return (unsigned)lvl <= CORRIDOR_LOG_OFF ? level_names[lvl] : "?";
}

int corridor_log_level_parse(const char *name, corridor_log_level *out)
{
    for (int i = 0; i <= CORRIDOR_LOG_OFF; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (corridor_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(name, "warning") == 0) {
        *out = CORRIDOR_LOG_WARN;
        return 0;
    }
    return -22; /* -EINVAL */
}

void corridor_log_set_sink(corridor_log_sink_fn fn, void *ud)
{
    g_sink = fn;
    g_sink_ud = ud;
}

void corridor_log_set_time_source(uint64_t (*now_us)(void *ud), void *ud)
{
    g_now_us = now_us;
    g_now_ud = ud;
}

static void format_time(char *buf, size_t len)
{
    if (g_now_us) {
        /* simulated clock: seconds since scenario start */
        uint64_t us = g_now_us(g_now_ud);
        snprintf(buf, len, "sim+%llu.%06llu", (unsigned long long)(us / 1000000),
                 (unsigned long long)(us % 1000000));
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void corridor_logv(corridor_log_level lvl, const char *module, const char *msg,
                   const char *kv_fmt, va_list ap)
{
    if (lvl < g_level || lvl >= CORRIDOR_LOG_OFF)
        return;
    char line[2048];
    char ts[48];
    format_time(ts, sizeof ts);
    int n = snprintf(line, sizeof line, "%s %-5s %s %s", ts, level_names[lvl], module, msg);
    if (n < 0)
        return;
    if ((size_t)n < sizeof line - 2 && kv_fmt && kv_fmt[0]) {
        line[n++] = ' ';
        line[n] = '\0';
        vsnprintf(line + n, sizeof line - (size_t)n, kv_fmt, ap);
    }
    if (g_sink) {
        g_sink(g_sink_ud, lvl, line);
    } else {
        fputs(line, stderr);
        fputc('\n', stderr);
        fflush(stderr);
    }
}

void corridor_log(corridor_log_level lvl, const char *module, const char *msg,
                  const char *kv_fmt, ...)
{
    va_list ap;
    va_start(ap, kv_fmt);
    corridor_logv(lvl, module, msg, kv_fmt, ap);
    va_end(ap);
}

int corridor_log_ratelimit_allow(corridor_log_ratelimit *rl, uint32_t burst, uint32_t *suppressed)
{
    uint64_t now = corridor_clock_mono_us();
    if (now - rl->window_start_us >= 1000000) {
        rl->window_start_us = now;
        rl->in_window = 0;
    }
    if (rl->in_window >= burst) {
        rl->suppressed++;
        return 0;
    }
    rl->in_window++;
    *suppressed = rl->suppressed;
    rl->suppressed = 0;
    return 1;
}
