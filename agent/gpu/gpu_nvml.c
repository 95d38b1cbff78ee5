/*
 * NVML source: libnvidia-ml.so.1 loaded with dlopen, so the agent runs (and builds) on nodes
 * without the NVIDIA driver. Only the documented entry points below are used; their types are
 * declared here rather than taken from nvml.h.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "log.h"

typedef int nvml_return;                       /* nvmlReturn_t; 0 = NVML_SUCCESS */
typedef struct nvml_device_st *nvml_device;    /* nvmlDevice_t */
typedef struct { unsigned int gpu, memory; } nvml_utilization;           /* nvmlUtilization_t */
typedef struct { unsigned long long total, free, used; } nvml_memory;   /* nvmlMemory_t */

#define NVML_SUCCESS 0
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_TEMPERATURE_GPU 0
#define NVML_NAME_BUFFER 96                    /* NVML_DEVICE_NAME_V2_BUFFER_SIZE */
#define NVML_UUID_BUFFER 96                    /* >= NVML_DEVICE_UUID_V2_BUFFER_SIZE (96) */

typedef struct {
    void *lib;
    nvml_return (*init)(void);
    nvml_return (*shutdown)(void);
    const char *(*error_string)(nvml_return);
    nvml_return (*count)(unsigned int *);
    nvml_return (*handle)(unsigned int, nvml_device *);
    nvml_return (*name)(nvml_device, char *, unsigned int);
    nvml_return (*uuid)(nvml_device, char *, unsigned int);
    nvml_return (*util)(nvml_device, nvml_utilization *);
    nvml_return (*memory)(nvml_device, nvml_memory *);
    nvml_return (*temperature)(nvml_device, int, unsigned int *);
    nvml_return (*power)(nvml_device, unsigned int *);
    nvml_return (*procs)(nvml_device, unsigned int *, void *);  /* v3; NULL buffer = count */
    nvml_return (*cc)(nvml_device, int *, int *);               /* optional (NVML >= 11) */
} nvml;

static const char *nverr(const nvml *n, nvml_return r)
{
    return n->error_string ? n->error_string(r) : "NVML error";
}

static int nvml_collect(void *impl, corridor_gpu *gpus, size_t max)
{
    nvml *n = impl;
    unsigned int count = 0;
    nvml_return r = n->count(&count);
    if (r != NVML_SUCCESS) {
        CLOG_WARN_RL("gpu", "nvmlDeviceGetCount_v2 failed", "error=\"%s\"", nverr(n, r));
        return -EIO;
    }
    size_t k = 0;
    for (unsigned int i = 0; i < count && k < max; i++) {
        nvml_device d;
        if (n->handle(i, &d) != NVML_SUCCESS)
            continue; /* a GPU that fell off the bus: leave it out, keep the others */
        corridor_gpu *g = &gpus[k++];
        memset(g, 0, sizeof *g);
        g->index = i;
        char name[NVML_NAME_BUFFER] = "", uuid[NVML_UUID_BUFFER] = "";
        n->name(d, name, sizeof name);
        n->uuid(d, uuid, sizeof uuid);
        snprintf(g->name, sizeof g->name, "%s", name);
        snprintf(g->uuid, sizeof g->uuid, "%.63s", uuid); /* NVML UUIDs are 40 chars */
        nvml_utilization u;
        if (n->util(d, &u) == NVML_SUCCESS) {
            g->util_pct = u.gpu > 100 ? 100 : u.gpu;
            g->mem_util_pct = u.memory > 100 ? 100 : u.memory;
        }
        nvml_memory m;
        if (n->memory(d, &m) == NVML_SUCCESS) {
            g->mem_used_bytes = m.used;
            g->mem_total_bytes = m.total;
        }
        unsigned int t, mw, np = 0;
        if (n->temperature(d, NVML_TEMPERATURE_GPU, &t) == NVML_SUCCESS)
            g->temperature_c = (int32_t)t;
        if (n->power(d, &mw) == NVML_SUCCESS)
            g->power_mw = mw;
        r = n->procs(d, &np, NULL);
        if (r == NVML_SUCCESS || r == NVML_ERROR_INSUFFICIENT_SIZE)
            g->compute_procs = np;
        int major = 0, minor = 0;
        if (n->cc && n->cc(d, &major, &minor) == NVML_SUCCESS && major > 0)
            g->compute_capability = (uint32_t)(major * 10 + minor);
    }
    return (int)k;
}

static int nvml_fd(void *impl) { (void)impl; return -1; }
static int nvml_on_fd(void *impl) { (void)impl; return 0; }

static void nvml_free(void *impl)
{
    nvml *n = impl;
    if (!n)
        return;
    if (n->shutdown)
        n->shutdown();
    dlclose(n->lib);
    free(n);
}

static const corridor_gpu_ops nvml_ops = {"nvml", nvml_collect, nvml_fd, nvml_on_fd, nvml_free};

/* dlsym into a function pointer without a cast from void * (ISO C forbids it). */
#define SYM(n, field, sym) (*(void **)(&(n)->field) = dlsym((n)->lib, (sym)))

int corridor_gpu_nvml_open(const char *library, void **impl, const corridor_gpu_ops **ops,
                           char *err, size_t errlen)
{
    const char *lib = library && library[0] ? library : "libnvidia-ml.so.1";
    nvml *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    n->lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!n->lib) {
        snprintf(err, errlen, "cannot load %s: %s", lib, dlerror());
        free(n);
        return -ENOENT;
    }
    const char *missing = NULL;
    if (!SYM(n, init, "nvmlInit_v2"))
        missing = "nvmlInit_v2";
    else if (!SYM(n, shutdown, "nvmlShutdown"))
        missing = "nvmlShutdown";
    else if (!SYM(n, count, "nvmlDeviceGetCount_v2"))
        missing = "nvmlDeviceGetCount_v2";
    else if (!SYM(n, handle, "nvmlDeviceGetHandleByIndex_v2"))
        missing = "nvmlDeviceGetHandleByIndex_v2";
    else if (!SYM(n, name, "nvmlDeviceGetName"))
        missing = "nvmlDeviceGetName";
    else if (!SYM(n, uuid, "nvmlDeviceGetUUID"))
        missing = "nvmlDeviceGetUUID";
    else if (!SYM(n, util, "nvmlDeviceGetUtilizationRates"))
        missing = "nvmlDeviceGetUtilizationRates";
    else if (!SYM(n, memory, "nvmlDeviceGetMemoryInfo"))
        missing = "nvmlDeviceGetMemoryInfo";
    else if (!SYM(n, temperature, "nvmlDeviceGetTemperature"))
        missing = "nvmlDeviceGetTemperature";
    else if (!SYM(n, power, "nvmlDeviceGetPowerUsage"))
        missing = "nvmlDeviceGetPowerUsage";
    else if (!SYM(n, procs, "nvmlDeviceGetComputeRunningProcesses_v3") &&
             !SYM(n, procs, "nvmlDeviceGetComputeRunningProcesses_v2") &&
             !SYM(n, procs, "nvmlDeviceGetComputeRunningProcesses"))
        missing = "nvmlDeviceGetComputeRunningProcesses";
    SYM(n, error_string, "nvmlErrorString");
    SYM(n, cc, "nvmlDeviceGetCudaComputeCapability");
    if (missing) {
        snprintf(err, errlen, "%s has no %s (not NVML, or too old)", lib, missing);
        n->shutdown = NULL;
        nvml_free(n);
        return -ENOSYS;
    }
    nvml_return r = n->init();
    if (r != NVML_SUCCESS) {
        /* the library is there but no driver/GPU answers (container without devices, ...) */
        snprintf(err, errlen, "nvmlInit_v2: %s", nverr(n, r));
        n->shutdown = NULL;
        nvml_free(n);
        return -ENODEV;
    }
    unsigned int count = 0;
    n->count(&count);
    CLOG_INFO("gpu", "NVML loaded", "library=%s gpus=%u", lib, count);
    *impl = n;
    *ops = &nvml_ops;
    return 0;
}
