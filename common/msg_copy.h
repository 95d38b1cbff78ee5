/* Deep copies of decoded messages (the registry keeps reports; views copy them out). */
#ifndef CORRIDOR_MSG_COPY_H
#define CORRIDOR_MSG_COPY_H

#include <stdbool.h>

#include "msg.h"

/* dst is overwritten (not freed first). with_routes=false leaves routes, links and the
 * dataplane's counters empty.
 * 0 or -ENOMEM (dst then holds nothing to free). */
int corridor_report_copy(corridor_report *dst, const corridor_report *src, bool with_routes);

/* Deep copies of heap string vectors inside specs and commands; 0 or -ENOMEM (dst then holds
 * nothing to free). */
int corridor_workload_spec_copy(corridor_workload_spec *dst, const corridor_workload_spec *src);
int corridor_strv_copy(char ***dst, size_t *dst_n, char *const *src, size_t n);

#endif
