/*
 * GPU collector on this machine, for real:
 *  - auto on a node without the NVIDIA driver: "none", an empty list, and no error repeated
 *    however often it is asked (the log is captured and counted);
 *  - nvml pointed at a library that is not NVML: refused with the missing symbol named;
 *  - nvml/cuda with no library: refused with the library named;
 *  - the file source (SIMULATED readings): values, re-read on change through inotify, a bad
 *    file keeps the last good values and names file:line:column, editors' rename-over works.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu.h"
#include "log.h"
#include "testutil.h"

static int gpu_lines, warn_lines;
static char last_line[1024];

static void sink(void *ud, corridor_log_level lvl, const char *line)
{
    (void)ud;
    if (strstr(line, " gpu "))
        gpu_lines++;
    if (lvl >= CORRIDOR_LOG_WARN)
        warn_lines++;
    snprintf(last_line, sizeof last_line, "%s", line);
}

static void test_auto_without_driver(void)
{
    corridor_gpu_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.source, sizeof c.source, "auto");
    char err[512] = "";
    gpu_lines = warn_lines = 0;
    corridor_gpu_source *s = corridor_gpu_source_new(&c, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    const char *name = corridor_gpu_source_name(s);
    printf("  auto source on this machine: %s\n", name);
    if (strcmp(name, "none") != 0) {
        printf("  (this machine has a working GPU driver; the no-driver checks are moot)\n");
        corridor_gpu_source_free(&s);
        return;
    }
    int after_open = gpu_lines;
    CHECK(after_open >= 1 && after_open <= 2); /* "no GPU source" + "source ready" */
    for (int i = 0; i < 100; i++) {
        corridor_report r;
        memset(&r, 0, sizeof r);
        CHECK_EQ_INT(corridor_gpu_source_collect(s, &r), 0);
        CHECK_EQ_INT(r.n_gpus, 0);
        CHECK_EQ_STR(r.gpu_source, "none");
        corridor_report_fini(&r);
    }
    CHECK_EQ_INT(gpu_lines, after_open); /* nothing more logged, ever */
    CHECK_EQ_INT(warn_lines, 0);
    CHECK_EQ_INT(corridor_gpu_source_fd(s), -1);
    corridor_gpu_source_free(&s);
    CHECK(s == NULL);
    corridor_gpu_source_free(&s); /* NULL-safe */
}

static void test_explicit_sources_missing(void)
{
    corridor_gpu_config c;
    memset(&c, 0, sizeof c);
    char err[512] = "";
    snprintf(c.source, sizeof c.source, "nvml");
    snprintf(c.nvml_library, sizeof c.nvml_library, "libcorridor-no-such-nvml.so");
    CHECK(corridor_gpu_source_new(&c, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "libcorridor-no-such-nvml.so");
    /* a real library that is not NVML: the first missing entry point is named */
    snprintf(c.nvml_library, sizeof c.nvml_library, "libc.so.6");
    CHECK(corridor_gpu_source_new(&c, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "nvmlInit_v2");
    snprintf(c.source, sizeof c.source, "cuda");
    snprintf(c.cuda_library, sizeof c.cuda_library, "libc.so.6");
    CHECK(corridor_gpu_source_new(&c, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "cudaGetDeviceCount");
    snprintf(c.source, sizeof c.source, "quantum");
    CHECK(corridor_gpu_source_new(&c, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "unknown GPU source 'quantum'");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Wait for the source's fd and handle it; the on_fd result. */
static int wait_change(corridor_gpu_source *s)
{
    struct pollfd p = {.fd = corridor_gpu_source_fd(s), .events = POLLIN};
    if (poll(&p, 1, 2000) != 1)
        return -ETIMEDOUT;
    return corridor_gpu_source_on_fd(s);
}

static void test_file_source(void)
{
    char dir[] = "/tmp/corridor-gpu.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], tmp[128];
    snprintf(path, sizeof path, "%s/gpus.yaml", dir);
    snprintf(tmp, sizeof tmp, "%s/gpus.yaml.new", dir);
    write_file(path, "gpus:\n"
                     "  - {index: 0, name: \"L40S (simulated)\", uuid: GPU-sim-0, util_pct: 35,\n"
                     "     mem_util_pct: 20, mem_used_mb: 12000, mem_total_mb: 46068,\n"
                     "     temperature_c: 54, power_w: 180.5, compute_procs: 2,\n"
                     "     compute_capability: 89}\n"
                     "  - {index: 1, util_pct: 0, mem_total_mb: 46068}\n");
    corridor_gpu_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.source, sizeof c.source, "file");
    snprintf(c.file, sizeof c.file, "%s", path);
    char err[1200] = "";
    corridor_gpu_source *s = corridor_gpu_source_new(&c, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_EQ_STR(corridor_gpu_source_name(s), "file");
    corridor_report r;
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(corridor_gpu_source_collect(s, &r), 0);
    CHECK_EQ_STR(r.gpu_source, "file");
    CHECK_EQ_INT(r.n_gpus, 2);
    if (r.n_gpus == 2) {
        CHECK_EQ_STR(r.gpus[0].name, "L40S (simulated)");
        CHECK_EQ_INT(r.gpus[0].util_pct, 35);
        CHECK_EQ_INT(r.gpus[0].mem_used_bytes, 12000ll << 20);
        CHECK_EQ_INT(r.gpus[0].power_mw, 180500);
        CHECK_EQ_INT(r.gpus[0].temperature_c, 54);
        CHECK_EQ_INT(r.gpus[0].compute_capability, 89);
        CHECK_EQ_STR(r.gpus[1].name, "simulated GPU");
    }
    /* rewritten in place: re-read */
    write_file(path, "gpus:\n  - {index: 0, util_pct: 90, mem_total_mb: 1000}\n");
    CHECK_EQ_INT(wait_change(s), 1);
    CHECK_EQ_INT(corridor_gpu_source_collect(s, &r), 0);
    CHECK_EQ_INT(r.n_gpus, 1);
    CHECK_EQ_INT(r.n_gpus ? r.gpus[0].util_pct : 0, 90);
    /* broken: the last readings stay, the error names the position */
    warn_lines = 0;
    write_file(path, "gpus:\n  - {index: 0, util_pct: 190}\n");
    CHECK_EQ_INT(wait_change(s), 0);
    CHECK_EQ_INT(warn_lines, 1);
    CHECK_CONTAINS(last_line, "gpus.yaml:2:");
    CHECK_CONTAINS(last_line, "util_pct");
    CHECK_EQ_INT(corridor_gpu_source_collect(s, &r), 0);
    CHECK_EQ_INT(r.n_gpus ? r.gpus[0].util_pct : 0, 90);
    /* replaced by rename, as editors and config managers do */
    write_file(tmp, "gpus:\n  - {index: 3, util_pct: 7}\n");
    CHECK_EQ_INT(rename(tmp, path), 0);
    CHECK_EQ_INT(wait_change(s), 1);
    CHECK_EQ_INT(corridor_gpu_source_collect(s, &r), 0);
    CHECK_EQ_INT(r.n_gpus ? r.gpus[0].index : 99, 3);
    corridor_report_fini(&r);
    corridor_gpu_source_free(&s);

    /* a file source whose file is broken at start: refused, with the position */
    write_file(path, "gpus:\n  - {index: 0, mem_used_mb: 20, mem_total_mb: 10}\n");
    CHECK(corridor_gpu_source_new(&c, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "mem_used_mb");
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    corridor_log_set_sink(sink, NULL);
    RUN(test_auto_without_driver);
    RUN(test_explicit_sources_missing);
    RUN(test_file_source);
    return TEST_SUMMARY();
}
