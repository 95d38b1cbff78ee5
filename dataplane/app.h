/* corridor-dataplane as a library: ports, workers, table, control socket, stats. main.c
 * initialises the EAL, loads the config and calls these. */
#ifndef CORRIDOR_DP_APP_H
#define CORRIDOR_DP_APP_H

#include <stddef.h>
#include <stdint.h>

#include "dp_config.h"
#include "msg.h"

typedef struct corridor_dp_app corridor_dp_app;

/* After rte_eal_init. cfg must outlive the app. NULL with a message in err. */
corridor_dp_app *corridor_dp_app_new(const corridor_dp_config *cfg, char *err, size_t errlen);
/* Forward until stop_fd turns readable (signalfd; -1 = none), or with idle_exit_ms > 0 no
 * packet arrived for that long, or with run_ms > 0 that much time passed. Stops the
 * workers and flushes before it returns. */
int corridor_dp_app_run(corridor_dp_app *a, int stop_fd, uint32_t idle_exit_ms, uint32_t run_ms);
/* Stop ports (net_pcap writes its file out here) and free. NULL-safe. */
void corridor_dp_app_free(corridor_dp_app **a);

/* Apply rule ops (control thread). */
int corridor_dp_app_apply(corridor_dp_app *a, const corridor_rule_op *ops, size_t n,
                          corridor_rule_result *res);
/* Counters by name into out[0..cap); returns how many. */
size_t corridor_dp_app_stats(const corridor_dp_app *a, corridor_stat *out, size_t cap);
/* A rule's packets and bytes summed over the workers (control thread); -ENOENT if unknown. */
int corridor_dp_app_rule_stats(const corridor_dp_app *a, uint64_t rule_id, uint64_t *pkts,
                               uint64_t *bytes);
/* One log line with the main counters and rates since the previous call. */
void corridor_dp_app_log_stats(corridor_dp_app *a, const char *what);
const char *corridor_dp_app_id(const corridor_dp_app *a);

#endif
