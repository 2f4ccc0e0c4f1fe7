/*
 * fake_nvml.c - a stand-in libnvidia-ml.so.1 for the bash tests (built by them with `cc -shared`,
 * loaded through $VRAM_NVML_LIBRARY): one "NVIDIA GeForce RTX 4070 Ti" with 12 GB, so `vram detect`
 * and `vram serve` run their GPU paths, through the real dlopen code, on a machine without a GPU.
 * The layouts are NVML's (nvmlMemory_v2_t, nvmlUtilization_t, nvmlProcessInfo_t).
 */
#include <stdio.h>

typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } mem2;
typedef struct { unsigned int gpu, memory; } util;
typedef struct { unsigned int pid; unsigned long long used; unsigned int gi, ci; } proc;

#define GIB (1024ull * 1024ull * 1024ull)

int nvmlInit_v2(void) { return 0; }
int nvmlShutdown(void) { return 0; }
const char *nvmlErrorString(int rc) { return rc ? "Unknown Error" : "Success"; }
int nvmlSystemGetDriverVersion(char *b, unsigned int n) { snprintf(b, n, "550.54.14"); return 0; }
int nvmlSystemGetCudaDriverVersion(int *v) { *v = 12040; return 0; }
int nvmlDeviceGetCount_v2(unsigned int *n) { *n = 1; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **d) { *d = (void *)(unsigned long)(i + 1); return i == 0 ? 0 : 2; }
int nvmlDeviceGetName(void *d, char *b, unsigned int n) { (void)d; snprintf(b, n, "NVIDIA GeForce RTX 4070 Ti"); return 0; }
int nvmlDeviceGetUUID(void *d, char *b, unsigned int n) { (void)d; snprintf(b, n, "GPU-4070ti-fake"); return 0; }
int nvmlDeviceGetMemoryInfo_v2(void *d, mem2 *m)
{
    (void)d;
    if (m->version != (unsigned int)(sizeof(mem2) | (2u << 24))) return 25; /* version mismatch */
    m->total = 12 * GIB - 300ull * 1024 * 1024;
    m->reserved = 200ull * 1024 * 1024;
    m->used = 2 * GIB;
    m->free = m->total - m->used;
    return 0;
}
int nvmlDeviceGetCudaComputeCapability(void *d, int *a, int *b) { (void)d; *a = 8; *b = 9; return 0; }
int nvmlDeviceGetPowerUsage(void *d, unsigned int *mw) { (void)d; *mw = 35500; return 0; }
int nvmlDeviceGetEnforcedPowerLimit(void *d, unsigned int *mw) { (void)d; *mw = 285000; return 0; }
int nvmlDeviceGetTemperature(void *d, int s, unsigned int *t) { (void)d; (void)s; *t = 47; return 0; }
int nvmlDeviceGetUtilizationRates(void *d, util *u) { (void)d; u->gpu = 12; u->memory = 3; return 0; }
int nvmlDeviceGetComputeRunningProcesses_v3(void *d, unsigned int *n, proc *p)
{
    (void)d;
    if (*n < 1) { *n = 1; return 7; }
    *n = 1;
    p[0].pid = 4242;
    p[0].used = 512ull * 1024 * 1024;
    p[0].gi = p[0].ci = 0;
    return 0;
}
