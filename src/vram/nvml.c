/*
 * nvml.c - the NVML GPU source: libnvidia-ml.so.1 loaded with dlopen, no link-time dependency.
 * We declare the few NVML types and functions we call ourselves (their C ABI is stable: the _v2
 * entry points have existed since driver 325). Every per-device query is optional: a card or
 * driver that answers NVML_ERROR_NOT_SUPPORTED leaves that field "unknown" (-1 / 0).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvml_internal.h"
#include "vram.h"

/* ---- the slice of nvml.h we use ----------------------------------------------------------- */
typedef int nvml_return;
typedef struct nvml_device_st *nvml_device;
typedef struct { unsigned long long total, free, used; } nvml_memory;
typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } nvml_memory_v2;
typedef struct { unsigned int gpu, memory; } nvml_utilization;
typedef struct { unsigned int pid; unsigned long long used; } nvml_process_v1;
typedef struct { unsigned int pid; unsigned long long used; unsigned int gi, ci; } nvml_process_v2;

#define NVML_SUCCESS 0
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_TEMPERATURE_GPU 0
#define NVML_MEMORY_V2_VERSION ((unsigned int)(sizeof(nvml_memory_v2) | (2u << 24)))

typedef struct nvml_api {
    nvml_return (*init)(void);
    nvml_return (*shutdown)(void);
    const char *(*error_string)(nvml_return);
    nvml_return (*driver_version)(char *, unsigned int);
    nvml_return (*cuda_version)(int *);
    nvml_return (*count)(unsigned int *);
    nvml_return (*handle)(unsigned int, nvml_device *);
    nvml_return (*name)(nvml_device, char *, unsigned int);
    nvml_return (*uuid)(nvml_device, char *, unsigned int);
    nvml_return (*memory)(nvml_device, nvml_memory *);
    nvml_return (*memory_v2)(nvml_device, nvml_memory_v2 *);
    nvml_return (*cc)(nvml_device, int *, int *);
    nvml_return (*power)(nvml_device, unsigned int *);
    nvml_return (*power_limit)(nvml_device, unsigned int *);
    nvml_return (*temperature)(nvml_device, int, unsigned int *);
    nvml_return (*utilization)(nvml_device, nvml_utilization *);
    nvml_return (*procs_v2)(nvml_device, unsigned int *, nvml_process_v2 *); /* _v3 or _v2 */
    nvml_return (*procs_v1)(nvml_device, unsigned int *, nvml_process_v1 *);
} nvml_api;

typedef struct nvml_state {
    void *lib;
    void *(*resolve)(const char *symbol); /* test seam; NULL: dlsym(lib, ...) */
    int initialised;
    int refs;                /* open() calls not yet closed: nested users share one NVML session */
    vram_gpu_system sys;     /* what the first open() found */
    nvml_api f;
} nvml_state;

static nvml_state g_nvml;

void vram__nvml_set_resolver(void *(*resolve)(const char *symbol)) { g_nvml.resolve = resolve; }

static void *sym(nvml_state *s, const char *name)
{
    if (s->resolve) return s->resolve(name);
    return dlsym(s->lib, name);
}

static const char *nvml_err(nvml_state *s, nvml_return rc)
{
    const char *m = s->f.error_string ? s->f.error_string(rc) : NULL;
    return m ? m : "unknown NVML error";
}

/* Function pointers from void *: the POSIX way (dlsym returns data pointers). */
#define LOAD(field, name) memcpy(&s->f.field, &(void *){sym(s, name)}, sizeof s->f.field)

static int nvml_open(void *ctx, vram_gpu_system *sys, vram_error *err)
{
    nvml_state *s = ctx;
    if (s->refs > 0) { /* already open (a server and a detection in one process) */
        s->refs++;
        *sys = s->sys;
        return VRAM_OK;
    }
    memset(sys, 0, sizeof *sys);
    memset(&s->f, 0, sizeof s->f);
    if (!s->resolve) {
        const char *path = getenv("VRAM_NVML_LIBRARY");
        if (!path || !*path) path = "libnvidia-ml.so.1";
        s->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!s->lib) {
            const char *why = dlerror();
            if (err) {
                err->code = VRAM_ENOTFOUND;
                snprintf(err->msg, sizeof err->msg, "cannot load %s: %s", path, why ? why : "dlopen failed");
            }
            return VRAM_ENOTFOUND;
        }
    }
    LOAD(init, "nvmlInit_v2");
    LOAD(shutdown, "nvmlShutdown");
    LOAD(error_string, "nvmlErrorString");
    LOAD(driver_version, "nvmlSystemGetDriverVersion");
    LOAD(cuda_version, "nvmlSystemGetCudaDriverVersion");
    LOAD(count, "nvmlDeviceGetCount_v2");
    LOAD(handle, "nvmlDeviceGetHandleByIndex_v2");
    LOAD(name, "nvmlDeviceGetName");
    LOAD(uuid, "nvmlDeviceGetUUID");
    LOAD(memory, "nvmlDeviceGetMemoryInfo");
    LOAD(memory_v2, "nvmlDeviceGetMemoryInfo_v2");
    LOAD(cc, "nvmlDeviceGetCudaComputeCapability");
    LOAD(power, "nvmlDeviceGetPowerUsage");
    LOAD(power_limit, "nvmlDeviceGetEnforcedPowerLimit");
    LOAD(temperature, "nvmlDeviceGetTemperature");
    LOAD(utilization, "nvmlDeviceGetUtilizationRates");
    LOAD(procs_v2, "nvmlDeviceGetComputeRunningProcesses_v3");
    if (!s->f.procs_v2) LOAD(procs_v2, "nvmlDeviceGetComputeRunningProcesses_v2");
    LOAD(procs_v1, "nvmlDeviceGetComputeRunningProcesses");

    const char *missing = !s->f.init ? "nvmlInit_v2" : !s->f.shutdown ? "nvmlShutdown"
                        : !s->f.count ? "nvmlDeviceGetCount_v2"
                        : !s->f.handle ? "nvmlDeviceGetHandleByIndex_v2" : NULL;
    if (missing) {
        if (err) {
            err->code = VRAM_ENOTFOUND;
            snprintf(err->msg, sizeof err->msg, "NVML library lacks %s (driver too old?)", missing);
        }
        goto fail;
    }
    nvml_return rc = s->f.init();
    if (rc != NVML_SUCCESS) {
        if (err) {
            err->code = VRAM_ENOTFOUND;
            snprintf(err->msg, sizeof err->msg, "nvmlInit failed: %s", nvml_err(s, rc));
        }
        goto fail;
    }
    s->initialised = 1;
    unsigned int n = 0;
    rc = s->f.count(&n);
    if (rc != NVML_SUCCESS) {
        if (err) {
            err->code = VRAM_EIO;
            snprintf(err->msg, sizeof err->msg, "nvmlDeviceGetCount failed: %s", nvml_err(s, rc));
        }
        s->f.shutdown();
        s->initialised = 0;
        if (s->lib) dlclose(s->lib);
        s->lib = NULL;
        return VRAM_EIO;
    }
    sys->gpu_count = n > VRAM_MAX_GPUS ? VRAM_MAX_GPUS : (int)n;
    if (s->f.driver_version && s->f.driver_version(sys->driver_version, sizeof sys->driver_version) != NVML_SUCCESS)
        sys->driver_version[0] = '\0';
    sys->driver_version[sizeof sys->driver_version - 1] = '\0';
    if (s->f.cuda_version && s->f.cuda_version(&sys->cuda_driver_version) != NVML_SUCCESS)
        sys->cuda_driver_version = 0;
    s->sys = *sys;
    s->refs = 1;
    return VRAM_OK;
fail:
    if (s->lib) dlclose(s->lib);
    s->lib = NULL;
    return VRAM_ENOTFOUND;
}

static void query_processes(nvml_state *s, nvml_device d, vram_gpu_info *g)
{
    unsigned int n = VRAM_MAX_GPU_PROCS;
    if (s->f.procs_v2) {
        nvml_process_v2 p[VRAM_MAX_GPU_PROCS];
        nvml_return rc = s->f.procs_v2(d, &n, p);
        if (rc == NVML_ERROR_INSUFFICIENT_SIZE) return; /* more than we list: report none rather than a wrong few */
        if (rc != NVML_SUCCESS) return;
        for (unsigned int i = 0; i < n && i < VRAM_MAX_GPU_PROCS; i++) {
            g->processes[i].pid = p[i].pid;
            g->processes[i].used_bytes = p[i].used;
        }
    } else if (s->f.procs_v1) {
        nvml_process_v1 p[VRAM_MAX_GPU_PROCS];
        if (s->f.procs_v1(d, &n, p) != NVML_SUCCESS) return;
        for (unsigned int i = 0; i < n && i < VRAM_MAX_GPU_PROCS; i++) {
            g->processes[i].pid = p[i].pid;
            g->processes[i].used_bytes = p[i].used;
        }
    } else {
        return;
    }
    g->process_count = n > VRAM_MAX_GPU_PROCS ? VRAM_MAX_GPU_PROCS : (int)n;
}

static int nvml_query(void *ctx, int index, vram_gpu_info *g, vram_error *err)
{
    nvml_state *s = ctx;
    memset(g, 0, sizeof *g);
    g->index = index;
    g->cc_major = g->cc_minor = -1;
    g->power_watts = g->power_limit_watts = g->temperature_celsius = -1;
    g->utilization_gpu = g->utilization_memory = -1;
    if (!s->initialised) {
        if (err) {
            err->code = VRAM_EINVAL;
            snprintf(err->msg, sizeof err->msg, "NVML query of GPU %d before open", index);
        }
        return VRAM_EINVAL;
    }
    nvml_device d = NULL;
    nvml_return rc = s->f.handle((unsigned int)index, &d);
    if (rc != NVML_SUCCESS) {
        if (err) {
            err->code = VRAM_EIO;
            snprintf(err->msg, sizeof err->msg, "GPU %d: nvmlDeviceGetHandleByIndex failed: %s", index,
                     nvml_err(s, rc));
        }
        return VRAM_EIO;
    }
    if (s->f.name && s->f.name(d, g->name, sizeof g->name) != NVML_SUCCESS) g->name[0] = '\0';
    g->name[sizeof g->name - 1] = '\0';
    if (s->f.uuid && s->f.uuid(d, g->uuid, sizeof g->uuid) != NVML_SUCCESS) g->uuid[0] = '\0';
    g->uuid[sizeof g->uuid - 1] = '\0';

    nvml_memory_v2 m2 = {.version = NVML_MEMORY_V2_VERSION};
    nvml_memory m1;
    if (s->f.memory_v2 && s->f.memory_v2(d, &m2) == NVML_SUCCESS) {
        g->memory_total_bytes = m2.total;
        g->memory_free_bytes = m2.free;
        g->memory_used_bytes = m2.used;
        g->memory_reserved_bytes = m2.reserved;
    } else if (s->f.memory && s->f.memory(d, &m1) == NVML_SUCCESS) {
        g->memory_total_bytes = m1.total;
        g->memory_free_bytes = m1.free;
        g->memory_used_bytes = m1.used;
    }
    int maj = -1, min = -1;
    if (s->f.cc && s->f.cc(d, &maj, &min) == NVML_SUCCESS) {
        g->cc_major = maj;
        g->cc_minor = min;
    }
    unsigned int u = 0;
    if (s->f.power && s->f.power(d, &u) == NVML_SUCCESS) g->power_watts = u / 1000.0; /* milliwatts */
    if (s->f.power_limit && s->f.power_limit(d, &u) == NVML_SUCCESS) g->power_limit_watts = u / 1000.0;
    if (s->f.temperature && s->f.temperature(d, NVML_TEMPERATURE_GPU, &u) == NVML_SUCCESS)
        g->temperature_celsius = (double)u;
    nvml_utilization ut;
    if (s->f.utilization && s->f.utilization(d, &ut) == NVML_SUCCESS) {
        g->utilization_gpu = ut.gpu / 100.0; /* percent */
        g->utilization_memory = ut.memory / 100.0;
    }
    query_processes(s, d, g);
    return VRAM_OK;
}

static void nvml_close(void *ctx)
{
    nvml_state *s = ctx;
    if (s->refs == 0 || --s->refs > 0) return; /* not open, or still used */
    if (s->initialised && s->f.shutdown) s->f.shutdown();
    s->initialised = 0;
    if (s->lib) dlclose(s->lib);
    s->lib = NULL;
}

static const vram_gpu_source g_source = {"nvml", &g_nvml, nvml_open, nvml_query, nvml_close};

const vram_gpu_source *vram_gpu_source_nvml(void) { return &g_source; }
