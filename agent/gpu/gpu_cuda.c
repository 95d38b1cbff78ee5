/*
 * CUDA runtime source, used when NVML is missing: libcudart loaded with dlopen (the plain name,
 * then versioned ones). It gives the device count, name, UUID, compute capability and
 * free/total memory (cudaMemGetInfo needs a context on each device, created once and kept);
 * utilisation, temperature and power need NVML and stay 0 here.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "log.h"

typedef int cuda_error;                  /* cudaError_t; 0 = cudaSuccess */
#define CUDA_ATTR_CC_MAJOR 75            /* cudaDevAttrComputeCapabilityMajor */
#define CUDA_ATTR_CC_MINOR 76            /* cudaDevAttrComputeCapabilityMinor */
/* cudaDeviceProp starts with char name[256] then cudaUUID_t uuid (16 bytes) in every CUDA
 * release since 10.0; the whole struct is about 1 KiB, the buffer is generously larger. */
#define CUDA_PROP_BUFFER 16384

static const char *const default_libs[] = {
    "libcudart.so", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so.11",
    "libcudart.so.10.2", "libcudart.so.10.1", "libcudart.so.10.0", NULL,
};

typedef struct {
    void *lib;
    char libname[64];
    cuda_error (*count)(int *);
    cuda_error (*attr)(int *, int, int);
    cuda_error (*set_device)(int);
    cuda_error (*mem_info)(size_t *, size_t *);
    cuda_error (*props)(void *, int);
    const char *(*error_string)(cuda_error);
    unsigned char *prop_buf;
} cuda;

static void fill_identity(cuda *c, int dev, corridor_gpu *g)
{
    memset(c->prop_buf, 0, CUDA_PROP_BUFFER);
    if (!c->props || c->props(c->prop_buf, dev) != 0)
        return;
    size_t nl = strnlen((const char *)c->prop_buf, 256);
    if (nl >= sizeof g->name)
        nl = sizeof g->name - 1;
    memcpy(g->name, c->prop_buf, nl);
    g->name[nl] = '\0';
    const unsigned char *u = c->prop_buf + 256;
    snprintf(g->uuid, sizeof g->uuid,
             "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
}

static int cuda_collect(void *impl, corridor_gpu *gpus, size_t max)
{
    cuda *c = impl;
    int count = 0;
    cuda_error e = c->count(&count);
    if (e != 0) {
        CLOG_WARN_RL("gpu", "cudaGetDeviceCount failed", "error=\"%s\"",
                     c->error_string ? c->error_string(e) : "CUDA error");
        return -EIO;
    }
    size_t k = 0;
    for (int i = 0; i < count && k < max; i++) {
        corridor_gpu *g = &gpus[k++];
        memset(g, 0, sizeof *g);
        g->index = (uint32_t)i;
        fill_identity(c, i, g);
        int major = 0, minor = 0;
        if (c->attr(&major, CUDA_ATTR_CC_MAJOR, i) == 0 &&
            c->attr(&minor, CUDA_ATTR_CC_MINOR, i) == 0)
            g->compute_capability = (uint32_t)(major * 10 + minor);
        size_t free_b = 0, total_b = 0;
        if (c->set_device(i) == 0 && c->mem_info(&free_b, &total_b) == 0) {
            g->mem_total_bytes = total_b;
            g->mem_used_bytes = total_b - free_b;
            g->mem_util_pct = 0; /* controller utilisation is NVML-only */
        }
    }
    return (int)k;
}

static int cuda_fd(void *impl) { (void)impl; return -1; }
static int cuda_on_fd(void *impl) { (void)impl; return 0; }

static void cuda_free(void *impl)
{
    cuda *c = impl;
    if (!c)
        return;
    if (c->lib)
        dlclose(c->lib);
    free(c->prop_buf);
    free(c);
}

static const corridor_gpu_ops cuda_ops = {"cuda", cuda_collect, cuda_fd, cuda_on_fd, cuda_free};

#define SYM(c, field, sym) (*(void **)(&(c)->field) = dlsym((c)->lib, (sym)))

int corridor_gpu_cuda_open(const char *library, void **impl, const corridor_gpu_ops **ops,
                           char *err, size_t errlen)
{
    cuda *c = calloc(1, sizeof *c);
    if (c)
        c->prop_buf = malloc(CUDA_PROP_BUFFER);
    if (!c || !c->prop_buf) {
        cuda_free(c);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    const char *one[] = {library, NULL};
    const char *const *names = library && library[0] ? one : default_libs;
    for (size_t i = 0; names[i] && !c->lib; i++) {
        c->lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (c->lib)
            snprintf(c->libname, sizeof c->libname, "%s", names[i]);
    }
    if (!c->lib) {
        snprintf(err, errlen, "cannot load %s%s", names[0],
                 names == default_libs ? " (or a versioned libcudart.so.N)" : "");
        cuda_free(c);
        return -ENOENT;
    }
    const char *missing = NULL;
    if (!SYM(c, count, "cudaGetDeviceCount"))
        missing = "cudaGetDeviceCount";
    else if (!SYM(c, attr, "cudaDeviceGetAttribute"))
        missing = "cudaDeviceGetAttribute";
    else if (!SYM(c, set_device, "cudaSetDevice"))
        missing = "cudaSetDevice";
    else if (!SYM(c, mem_info, "cudaMemGetInfo"))
        missing = "cudaMemGetInfo";
    if (!SYM(c, props, "cudaGetDeviceProperties_v2"))
        SYM(c, props, "cudaGetDeviceProperties");
    SYM(c, error_string, "cudaGetErrorString");
    if (missing) {
        snprintf(err, errlen, "%s has no %s", c->libname, missing);
        cuda_free(c);
        return -ENOSYS;
    }
    int count = 0;
    cuda_error e = c->count(&count);
    if (e != 0 || count == 0) {
        snprintf(err, errlen, "%s: %s", c->libname,
                 e ? (c->error_string ? c->error_string(e) : "cudaGetDeviceCount failed")
                   : "no CUDA device");
        cuda_free(c);
        return -ENODEV;
    }
    CLOG_INFO("gpu", "CUDA runtime loaded", "library=%s gpus=%d", c->libname, count);
    *impl = c;
    *ops = &cuda_ops;
    return 0;
}
