/*
 * GPU collector: one interface, four sources.
 *   nvml  libnvidia-ml.so.1 via dlopen (utilisation, memory, temperature, power, processes)
 *   cuda  the CUDA runtime via dlopen (count, compute capability, cudaMemGetInfo) when NVML
 *         is missing
 *   file  readings from a YAML file, re-read when it changes: SIMULATED, for tests and demos;
 *         reports say gpu_source "file" so they are never taken for real readings
 *   none  no driver or no GPU: an empty list
 * "auto" tries nvml, then cuda, then settles on none, logging why once.
 * No NVIDIA or CUDA header is needed at build time: the few types are declared locally.
 */
#ifndef CORRIDOR_GPU_H
#define CORRIDOR_GPU_H

#include <stddef.h>

#include "msg.h"

typedef struct corridor_gpu_source corridor_gpu_source;

/* What each source implements. collect fills gpus[0..max) and returns the count or -errno. */
typedef struct {
    const char *name;                                   /* "nvml", "cuda", "file", "none" */
    int (*collect)(void *impl, corridor_gpu *gpus, size_t max);
    int (*fd)(void *impl);                              /* pollable change fd, or -1 */
    int (*on_fd)(void *impl);                           /* 1 = readings changed, 0, -errno */
    void (*free)(void *impl);
} corridor_gpu_ops;

typedef struct {
    char source[16];             /* auto | nvml | cuda | file | none */
    char file[256];              /* file source: path of the YAML readings */
    char nvml_library[256];      /* default "libnvidia-ml.so.1" */
    char cuda_library[256];      /* default: libcudart.so, then versioned names */
} corridor_gpu_config;

/* An explicit source that cannot open is an error (NULL, message in err); "auto" never fails
 * for lack of a driver (it becomes "none"). */
corridor_gpu_source *corridor_gpu_source_new(const corridor_gpu_config *cfg, char *err,
                                             size_t errlen);
void corridor_gpu_source_free(corridor_gpu_source **s);
const char *corridor_gpu_source_name(const corridor_gpu_source *s);
/* Fill r->gpus/n_gpus (heap; corridor_report_fini frees) and r->gpu_source. A failing source
 * leaves an empty list, logs once per kind of failure, and returns -errno. */
int corridor_gpu_source_collect(corridor_gpu_source *s, corridor_report *r);
int corridor_gpu_source_fd(const corridor_gpu_source *s);
/* Call when the fd is readable: 1 when the readings changed (report now), 0, or -errno. */
int corridor_gpu_source_on_fd(corridor_gpu_source *s);

/* The sources' constructors (gpu_nvml.c, gpu_cuda.c, gpu_file.c); impl on success. */
int corridor_gpu_nvml_open(const char *library, void **impl, const corridor_gpu_ops **ops,
                           char *err, size_t errlen);
int corridor_gpu_cuda_open(const char *library, void **impl, const corridor_gpu_ops **ops,
                           char *err, size_t errlen);
int corridor_gpu_file_open(const char *path, void **impl, const corridor_gpu_ops **ops,
                           char *err, size_t errlen);

#define CORRIDOR_GPU_MAX 64      /* = the protocol's default limits.max_gpus */

#endif
