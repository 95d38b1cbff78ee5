/* Workload spec files (deploy/examples/workloads/NAME.yaml) -> corridor_workload_spec. */
#ifndef CORRIDOR_WORKLOAD_FILE_H
#define CORRIDOR_WORKLOAD_FILE_H

#include "config.h"
#include "msg.h"

/* Load and validate; on success *spec holds heap args/env (corridor_workload_spec_fini).
 * 0, or a negative errno with err filled (file:line:column: key.path: message). */
int corridor_workload_file_load(const char *path, corridor_workload_spec *spec,
                                corridor_cfg_error *err);
int corridor_workload_file_parse(const char *name, const char *text, size_t len,
                                 corridor_workload_spec *spec, corridor_cfg_error *err);

#endif
