#include "render_dp.h"

#include <string.h>

#include "table.h"

/* The totals an operator looks at first, in this order; the reasons follow on one line. */
static const struct { const char *name, *title; } cols[] = {
    {"rx_packets", "RX PACKETS"}, {"tx_packets", "TX PACKETS"}, {"forwarded", "FORWARDED"},
    {"breakout", "BREAKOUT"},     {"to_kernel", "TO KERNEL"},   {"from_kernel", "FROM KERNEL"},
    {"drops", "DROPS"},           {"rules", "RULES"},
};
#define N_COLS (sizeof cols / sizeof cols[0])

/* One line of the counters whose names start with prefix (the agent sends no zeros), the
 * prefix cut off when strip; nothing when there are none. */
static void reasons(FILE *f, const corridor_dp_summary *d, const char *title, const char *prefix,
                    bool strip)
{
    size_t shown = 0, plen = strlen(prefix);
    for (size_t i = 0; i < d->n_counters; i++) {
        const corridor_stat *s = &d->counters[i];
        if (strncmp(s->name, prefix, plen) != 0)
            continue;
        fprintf(f, "%s%s %llu", shown++ ? ", " : title, strip ? s->name + plen : s->name,
                (unsigned long long)s->value);
    }
    if (shown)
        fputc('\n', f);
}

void corridor_ctl_render_dp_text(FILE *f, const corridor_dp_summary *d, bool color)
{
    if (!d)
        return;
    double age = (double)d->last_answer_age_ms / 1000.0;
    const corridor_stat *up = corridor_dp_summary_find(d, "uptime_ms");
    const char *on = color ? (d->reachable ? "\033[32m" : "\033[31m") : "";
    const char *off = color ? "\033[0m" : "";
    fprintf(f, "dataplane:   %s at %s: %s%s%s", d->dataplane_id[0] ? d->dataplane_id : "-",
            d->endpoint, on, d->reachable ? "reachable" : "unreachable", off);
    if (!d->dataplane_id[0])
        fprintf(f, " (never answered)\n");
    else if (up && d->reachable)
        fprintf(f, " (answered %.1fs ago, up %.1fs)\n", age, (double)up->value / 1000.0);
    else
        fprintf(f, " (%s %.1fs ago)\n", d->reachable ? "answered" : "last answer", age);
    if (!d->reachable || !d->n_counters)
        return;
    const char *hdr[N_COLS];
    bool right[N_COLS];
    for (size_t c = 0; c < N_COLS; c++) {
        hdr[c] = cols[c].title;
        right[c] = true;
    }
    corridor_table *t = corridor_table_new(N_COLS, hdr, right);
    for (size_t c = 0; t && c < N_COLS; c++) {
        const corridor_stat *s = corridor_dp_summary_find(d, cols[c].name);
        if (s)
            corridor_table_cell(t, strcmp(cols[c].name, "drops") == 0 && s->value
                                       ? CORRIDOR_COLOR_YELLOW : CORRIDOR_COLOR_NONE,
                                "%llu", (unsigned long long)s->value);
        else
            corridor_table_cell(t, CORRIDOR_COLOR_DIM, "-");
    }
    if (t)
        corridor_table_print(t, f, color);
    corridor_table_free(&t);
    reasons(f, d, "to kernel by reason: ", "to_kernel_", true);
    reasons(f, d, "drops by reason: ", "drops_", true);
    reasons(f, d, "NIC: ", "port", false);
}

void corridor_ctl_render_dp_json(corridor_json *j, const corridor_dp_summary *d)
{
    corridor_json_key(j, "dataplane");
    if (!d) {
        corridor_json_null(j);
        return;
    }
    corridor_json_obj_begin(j);
    corridor_json_kstr(j, "id", d->dataplane_id);
    corridor_json_kstr(j, "endpoint", d->endpoint);
    corridor_json_kbool(j, "reachable", d->reachable);
    corridor_json_ku64(j, "last_answer_ms_ago", d->last_answer_age_ms);
    corridor_json_key(j, "counters");
    corridor_json_obj_begin(j);
    for (size_t i = 0; i < d->n_counters; i++)
        corridor_json_ku64(j, d->counters[i].name, d->counters[i].value);
    corridor_json_obj_end(j);
    corridor_json_obj_end(j);
}
