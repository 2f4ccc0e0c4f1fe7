/* test_nvml.c - the NVML source: absent (no library), and present through fake nvml* functions given
 * to nvml.c's resolver seam, so the real code path (init, queries, fallbacks, units) runs here. */
#include <stdlib.h>

#include "check.h"
#include "nvml_internal.h"
#include "vram.h"

typedef struct { unsigned long long total, free, used; } mem1;
typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } mem2;
typedef struct { unsigned int gpu, memory; } util;
typedef struct { unsigned int pid; unsigned long long used; } proc1;
typedef struct { unsigned int pid; unsigned long long used; unsigned int gi, ci; } proc2;

static struct {
    int init_rc, count_rc, handle_rc, n, inits, shutdowns;
    int no_v2_memory, no_procs_v3, no_procs, procs_overflow, no_optional;
    unsigned int mem2_version_seen;
} F;

static int f_init(void) { F.inits++; return F.init_rc; }
static int f_shutdown(void) { F.shutdowns++; return 0; }
static const char *f_error_string(int rc) { return rc == 9 ? "Driver Not Loaded" : "Unknown Error"; }
static int f_driver(char *b, unsigned int n) { snprintf(b, n, "535.104.05"); return 0; }
static int f_cuda(int *v) { *v = 12020; return 0; }
static int f_count(unsigned int *n) { *n = (unsigned int)F.n; return F.count_rc; }
static int f_handle(unsigned int i, void **d) { *d = (void *)(uintptr_t)(i + 1); return F.handle_rc; }
static int f_name(void *d, char *b, unsigned int n) { snprintf(b, n, "Fake GPU %d", (int)(uintptr_t)d); return 0; }
static int f_uuid(void *d, char *b, unsigned int n) { (void)d; snprintf(b, n, "GPU-1234"); return 0; }
static int f_mem1(void *d, mem1 *m) { (void)d; m->total = 8ull << 30; m->free = 6ull << 30; m->used = 2ull << 30; return 0; }
static int f_mem2(void *d, mem2 *m)
{
    (void)d;
    F.mem2_version_seen = m->version;
    m->total = 12ull << 30; m->reserved = 300ull << 20; m->free = 10ull << 30; m->used = (2ull << 30) - (300ull << 20);
    return 0;
}
static int f_cc(void *d, int *a, int *b) { (void)d; *a = 8; *b = 9; return 0; }
static int f_power(void *d, unsigned int *mw) { (void)d; *mw = 123456; return 0; }
static int f_limit(void *d, unsigned int *mw) { (void)d; *mw = 285000; return 0; }
static int f_temp(void *d, int sensor, unsigned int *t) { (void)d; *t = sensor == 0 ? 61 : 0; return 0; }
static int f_util(void *d, util *u) { (void)d; u->gpu = 37; u->memory = 12; return 0; }
static int f_procs_v3(void *d, unsigned int *n, proc2 *p)
{
    (void)d;
    if (F.procs_overflow) { *n = 99; return 7; }
    if (*n < 2) return 7;
    *n = 2;
    p[0] = (proc2){100, 1ull << 30, 0, 0};
    p[1] = (proc2){200, 5ull << 20, 0, 0};
    return 0;
}
static int f_procs_v1(void *d, unsigned int *n, proc1 *p)
{
    (void)d;
    *n = 1;
    p[0] = (proc1){300, 7ull << 20};
    return 0;
}

static void *fn(void (*f)(void)) { void *p; memcpy(&p, &f, sizeof p); return p; }
#define FN(f) fn((void (*)(void))(f))

static void *resolve(const char *s)
{
    if (!strcmp(s, "nvmlInit_v2")) return FN(f_init);
    if (!strcmp(s, "nvmlShutdown")) return FN(f_shutdown);
    if (!strcmp(s, "nvmlErrorString")) return FN(f_error_string);
    if (!strcmp(s, "nvmlDeviceGetCount_v2")) return FN(f_count);
    if (!strcmp(s, "nvmlDeviceGetHandleByIndex_v2")) return FN(f_handle);
    if (F.no_optional) return NULL;
    if (!strcmp(s, "nvmlSystemGetDriverVersion")) return FN(f_driver);
    if (!strcmp(s, "nvmlSystemGetCudaDriverVersion")) return FN(f_cuda);
    if (!strcmp(s, "nvmlDeviceGetName")) return FN(f_name);
    if (!strcmp(s, "nvmlDeviceGetUUID")) return FN(f_uuid);
    if (!strcmp(s, "nvmlDeviceGetMemoryInfo")) return FN(f_mem1);
    if (!strcmp(s, "nvmlDeviceGetMemoryInfo_v2")) return F.no_v2_memory ? NULL : FN(f_mem2);
    if (!strcmp(s, "nvmlDeviceGetCudaComputeCapability")) return FN(f_cc);
    if (!strcmp(s, "nvmlDeviceGetPowerUsage")) return FN(f_power);
    if (!strcmp(s, "nvmlDeviceGetEnforcedPowerLimit")) return FN(f_limit);
    if (!strcmp(s, "nvmlDeviceGetTemperature")) return FN(f_temp);
    if (!strcmp(s, "nvmlDeviceGetUtilizationRates")) return FN(f_util);
    if (!strcmp(s, "nvmlDeviceGetComputeRunningProcesses_v3")) return F.no_procs_v3 || F.no_procs ? NULL : FN(f_procs_v3);
    if (!strcmp(s, "nvmlDeviceGetComputeRunningProcesses")) return F.no_procs ? NULL : FN(f_procs_v1);
    return NULL;
}

static void *resolve_nothing(const char *s) { (void)s; return NULL; }

static void reset(void)
{
    memset(&F, 0, sizeof F);
    F.n = 2;
}

static void test_absent(void)
{
    vram__nvml_set_resolver(NULL);
    setenv("VRAM_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
    const vram_gpu_source *s = vram_gpu_source_nvml();
    CHECK_STR_EQ(s->name, "nvml");
    vram_gpu_system sys;
    vram_error err = {0};
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_ENOTFOUND);
    CHECK(strstr(err.msg, "cannot load /nonexistent/libnvidia-ml.so.1") != NULL);
    /* a library that loads but is not NVML */
    setenv("VRAM_NVML_LIBRARY", "libm.so.6", 1);
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_ENOTFOUND);
    CHECK(strstr(err.msg, "lacks nvmlInit_v2") != NULL);
    unsetenv("VRAM_NVML_LIBRARY");
    /* detection on this machine never fails: GPUs or a reason */
    static vram_machine m;
    CHECK_INT_EQ(vram_machine_detect(&m, NULL, &err), VRAM_OK);
    CHECK(m.nvml_available ? m.nvml_error[0] == '\0' : strstr(m.nvml_error, "libnvidia-ml") != NULL ||
                                                           strstr(m.nvml_error, "nvml") != NULL);
    /* query before open */
    vram_gpu_info g;
    CHECK_INT_EQ(s->query(s->ctx, 0, &g, &err), VRAM_EINVAL);
    s->close(s->ctx); /* harmless when not open */
}

static void test_present(void)
{
    reset();
    vram__nvml_set_resolver(resolve);
    const vram_gpu_source *s = vram_gpu_source_nvml();
    vram_gpu_system sys;
    vram_error err = {0};
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_OK);
    CHECK_INT_EQ(sys.gpu_count, 2);
    CHECK_STR_EQ(sys.driver_version, "535.104.05");
    CHECK_INT_EQ(sys.cuda_driver_version, 12020);
    vram_gpu_info g;
    CHECK_INT_EQ(s->query(s->ctx, 1, &g, &err), VRAM_OK);
    CHECK_INT_EQ(g.index, 1);
    CHECK_STR_EQ(g.name, "Fake GPU 2");
    CHECK_STR_EQ(g.uuid, "GPU-1234");
    CHECK_INT_EQ(g.memory_total_bytes, 12ull << 30);
    CHECK_INT_EQ(g.memory_free_bytes, 10ull << 30);
    CHECK_INT_EQ(g.memory_reserved_bytes, 300ull << 20);
    CHECK_INT_EQ(F.mem2_version_seen, (unsigned int)(sizeof(mem2) | (2u << 24)));
    CHECK_INT_EQ(g.cc_major, 8);
    CHECK_INT_EQ(g.cc_minor, 9);
    CHECK_NEAR(g.power_watts, 123.456, 1e-9);      /* milliwatts -> watts */
    CHECK_NEAR(g.power_limit_watts, 285.0, 1e-9);
    CHECK_NEAR(g.temperature_celsius, 61, 1e-9);
    CHECK_NEAR(g.utilization_gpu, 0.37, 1e-9);     /* percent -> ratio */
    CHECK_NEAR(g.utilization_memory, 0.12, 1e-9);
    CHECK_INT_EQ(g.process_count, 2);
    CHECK_INT_EQ(g.processes[1].pid, 200);
    CHECK_INT_EQ(g.processes[0].used_bytes, 1ull << 30);
    s->close(s->ctx);
    CHECK_INT_EQ(F.shutdowns, 1);

    /* older drivers: memory v1, processes v1 */
    reset();
    F.no_v2_memory = 1;
    F.no_procs_v3 = 1;
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_OK);
    CHECK_INT_EQ(s->query(s->ctx, 0, &g, &err), VRAM_OK);
    CHECK_INT_EQ(g.memory_total_bytes, 8ull << 30);
    CHECK_INT_EQ(g.memory_reserved_bytes, 0);
    CHECK_INT_EQ(g.process_count, 1);
    CHECK_INT_EQ(g.processes[0].pid, 300);
    s->close(s->ctx);

    /* too many processes to list, or none listed */
    reset();
    F.procs_overflow = 1;
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_OK);
    CHECK_INT_EQ(s->query(s->ctx, 0, &g, &err), VRAM_OK);
    CHECK_INT_EQ(g.process_count, 0);
    s->close(s->ctx);
    reset();
    F.no_procs = 1;
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_OK);
    CHECK_INT_EQ(s->query(s->ctx, 0, &g, &err), VRAM_OK);
    CHECK_INT_EQ(g.process_count, 0);
    s->close(s->ctx);

    /* only the required functions: every optional field is unknown */
    reset();
    F.no_optional = 1;
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_OK);
    CHECK_STR_EQ(sys.driver_version, "");
    CHECK_INT_EQ(sys.cuda_driver_version, 0);
    CHECK_INT_EQ(s->query(s->ctx, 0, &g, &err), VRAM_OK);
    CHECK_STR_EQ(g.name, "");
    CHECK_INT_EQ(g.memory_total_bytes, 0);
    CHECK_INT_EQ(g.cc_major, -1);
    CHECK(g.power_watts < 0 && g.temperature_celsius < 0 && g.utilization_gpu < 0);
    s->close(s->ctx);

    /* a handle failure names the GPU and NVML's reason */
    reset();
    F.handle_rc = 9;
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_OK);
    CHECK_INT_EQ(s->query(s->ctx, 1, &g, &err), VRAM_EIO);
    CHECK(strstr(err.msg, "GPU 1") != NULL && strstr(err.msg, "Driver Not Loaded") != NULL);
    s->close(s->ctx);

    /* nested opens share one session: the last close shuts NVML down */
    reset();
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_OK);
    vram_gpu_system sys2;
    CHECK_INT_EQ(s->open(s->ctx, &sys2, &err), VRAM_OK);
    CHECK_INT_EQ(F.inits, 1);
    CHECK_INT_EQ(sys2.gpu_count, 2);
    CHECK_STR_EQ(sys2.driver_version, "535.104.05");
    s->close(s->ctx);
    CHECK_INT_EQ(F.shutdowns, 0);
    CHECK_INT_EQ(s->query(s->ctx, 0, &g, &err), VRAM_OK);
    s->close(s->ctx);
    CHECK_INT_EQ(F.shutdowns, 1);
    CHECK_INT_EQ(s->query(s->ctx, 0, &g, &err), VRAM_EINVAL);
    s->close(s->ctx); /* one close too many: ignored */
    CHECK_INT_EQ(F.shutdowns, 1);

    /* machine detection through the real NVML code */
    reset();
    static vram_machine m;
    CHECK_INT_EQ(vram_machine_detect(&m, NULL, &err), VRAM_OK);
    CHECK_INT_EQ(m.gpu_count, 2);
    CHECK_INT_EQ(m.nvml_available, 1);
    CHECK_STR_EQ(m.profile.source, "memory rule");
    CHECK_INT_EQ(m.profile.max_batch, 128); /* 12 GB, unknown name */
    CHECK_INT_EQ(F.inits, 1);
    CHECK_INT_EQ(F.shutdowns, 1);
}

static void test_failures(void)
{
    const vram_gpu_source *s = vram_gpu_source_nvml();
    vram_gpu_system sys;
    vram_error err = {0};
    /* nvmlInit fails: the driver is not loaded */
    reset();
    F.init_rc = 9;
    vram__nvml_set_resolver(resolve);
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_ENOTFOUND);
    CHECK(strstr(err.msg, "nvmlInit failed: Driver Not Loaded") != NULL);
    /* detection then reports no GPU, with the reason */
    static vram_machine m;
    CHECK_INT_EQ(vram_machine_detect(&m, NULL, &err), VRAM_OK);
    CHECK_INT_EQ(m.gpu_count, 0);
    CHECK(strstr(m.nvml_error, "Driver Not Loaded") != NULL);
    /* the count fails after init: an I/O error, and NVML is shut down again */
    reset();
    F.count_rc = 2;
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_EIO);
    CHECK(strstr(err.msg, "nvmlDeviceGetCount failed: Unknown Error") != NULL);
    CHECK_INT_EQ(F.shutdowns, 1);
    /* a library without NVML's functions */
    vram__nvml_set_resolver(resolve_nothing);
    CHECK_INT_EQ(s->open(s->ctx, &sys, &err), VRAM_ENOTFOUND);
    CHECK(strstr(err.msg, "lacks nvmlInit_v2") != NULL);
    vram__nvml_set_resolver(NULL);
}

int main(void)
{
    test_absent();
    test_present();
    test_failures();
    return check_report();
}
