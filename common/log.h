/* One line per event: timestamp, level, module, message, key=value fields. */
#ifndef CORRIDOR_LOG_H
#define CORRIDOR_LOG_H

#include <stdarg.h>
#include <stdint.h>

typedef enum {
    CORRIDOR_LOG_DEBUG = 0,
    CORRIDOR_LOG_INFO,
    CORRIDOR_LOG_WARN,
    CORRIDOR_LOG_ERROR,
    CORRIDOR_LOG_OFF,
} corridor_log_level;

/* A sink receives one finished line (no trailing newline). The default writes to stderr. */
typedef void (*corridor_log_sink_fn)(void *ud, corridor_log_level lvl, const char *line);

void corridor_log_set_level(corridor_log_level lvl);
corridor_log_level corridor_log_get_level(void);
int corridor_log_level_parse(const char *name, corridor_log_level *out);
const char *corridor_log_level_name(corridor_log_level lvl);
void corridor_log_set_sink(corridor_log_sink_fn fn, void *ud);
/* The simulator stamps lines with simulated time; NULL restores the wall clock. */
void corridor_log_set_time_source(uint64_t (*now_us)(void *ud), void *ud);

/* kv_fmt is a printf format for the "key=value ..." tail; may be "" */
void corridor_log(corridor_log_level lvl, const char *module, const char *msg,
                  const char *kv_fmt, ...) __attribute__((format(printf, 4, 5)));
void corridor_logv(corridor_log_level lvl, const char *module, const char *msg,
                   const char *kv_fmt, va_list ap);

/* Rate limit for peer-triggered lines: at most `burst` lines per second per call site;
 * the next line that gets through says how many were suppressed. */
typedef struct {
    uint64_t window_start_us;
    uint32_t in_window;
    uint32_t suppressed;
} corridor_log_ratelimit;

int corridor_log_ratelimit_allow(corridor_log_ratelimit *rl, uint32_t burst, uint32_t *suppressed);

#define CLOG_DEBUG(mod, msg, ...) \
    do { if (corridor_log_get_level() <= CORRIDOR_LOG_DEBUG) \
        corridor_log(CORRIDOR_LOG_DEBUG, mod, msg, __VA_ARGS__); } while (0)
#define CLOG_INFO(mod, msg, ...)  corridor_log(CORRIDOR_LOG_INFO, mod, msg, __VA_ARGS__)
#define CLOG_WARN(mod, msg, ...)  corridor_log(CORRIDOR_LOG_WARN, mod, msg, __VA_ARGS__)
#define CLOG_ERROR(mod, msg, ...) corridor_log(CORRIDOR_LOG_ERROR, mod, msg, __VA_ARGS__)

/* Rate-limited warning: 10 lines/s per call site. */
#define CLOG_WARN_RL(mod, msg, fmt, ...) do { \
        static corridor_log_ratelimit rl_; uint32_t sup_; \
        if (corridor_log_ratelimit_allow(&rl_, 10, &sup_)) \
            corridor_log(CORRIDOR_LOG_WARN, mod, msg, fmt " suppressed=%u", __VA_ARGS__, sup_); \
    } while (0)

#endif
