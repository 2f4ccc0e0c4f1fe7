/*
 * validate.c - the environment checks of `vram validate`, as data: each check is one function in
 * the table below that fills a vram_check (name, status, detail, the fix when it is not a pass).
 * Required checks decide the exit status; optional ones (GPU, CUDA) may be skipped on a CPU machine.
 */
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "vram.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

const char *vram_check_status_name(vram_check_status s)
{
    switch (s) {
    case VRAM_CHECK_PASS: return "pass";
    case VRAM_CHECK_WARN: return "warn";
    case VRAM_CHECK_SKIP: return "skip";
    default: return "FAIL";
    }
}

void vram_check_set(vram_check *c, const char *name, int required, vram_check_status status, const char *fix,
                    const char *detail_fmt, ...)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->required = required;
    c->status = status;
    va_list ap;
    va_start(ap, detail_fmt);
    vsnprintf(c->detail, sizeof c->detail, detail_fmt, ap);
    va_end(ap);
    if (fix && status != VRAM_CHECK_PASS) snprintf(c->fix, sizeof c->fix, "%s", fix);
}

vram_validate_options vram_validate_defaults(void)
{
    vram_validate_options o;
    memset(&o, 0, sizeof o);
    o.disk_path = ".";
    o.min_memory_bytes = 2ull << 30;
    o.min_disk_bytes = 1ull << 30;
    return o;
}

typedef struct ctx {
    const vram_validate_options *o;
    vram_machine *m;
} ctx;

static void check_compiler(const ctx *x, vram_check *c)
{
    (void)x;
#if defined(__clang__)
    const char *cc = "clang";
#elif defined(__GNUC__)
    const char *cc = "gcc";
#else
    const char *cc = "cc";
#endif
    vram_check_set(c, "compiler", 1, VRAM_CHECK_PASS, NULL, "%s %s, C%ld", cc, __VERSION__,
                   (long)(__STDC_VERSION__ / 100 % 100));
}

static void check_libc(const ctx *x, vram_check *c)
{
    (void)x;
    const char *v = gnu_get_libc_version();
    int major = 0, minor = 0;
    sscanf(v, "%d.%d", &major, &minor);
    int ok = major > 2 || (major == 2 && minor >= 31);
    vram_check_set(c, "C runtime", 1, ok ? VRAM_CHECK_PASS : VRAM_CHECK_FAIL,
                   "use Debian 12 or newer (glibc >= 2.31)", "glibc %s", v);
}

static void check_jansson(const ctx *x, vram_check *c)
{
    (void)x;
    const char *v = jansson_version_str();
    int ok = jansson_version_cmp(2, 13, 0) >= 0;
    vram_check_set(c, "jansson", 1, ok ? VRAM_CHECK_PASS : VRAM_CHECK_FAIL,
                   "install libjansson-dev >= 2.13 (scripts/setup)", "%s (built with %s)", v, JANSSON_VERSION);
}

static void check_lws(const ctx *x, vram_check *c)
{
    (void)x;
    const char *v = lws_get_library_version();
    int major = 0, minor = 0;
    sscanf(v, "%d.%d", &major, &minor);
    int ok = major > 4 || (major == 4 && minor >= 1);
    vram_check_set(c, "libwebsockets", 1, ok ? VRAM_CHECK_PASS : VRAM_CHECK_FAIL,
                   "install libwebsockets-dev >= 4.1 (scripts/setup)", "%s", v);
}

/* The first of names that dlopen finds, or NULL (dlerror of the last in why). */
static const char *try_dlopen(const char *const *names, char *why, size_t size)
{
    for (const char *const *n = names; *n; n++) {
        void *h = dlopen(*n, RTLD_NOW | RTLD_LOCAL);
        if (h) {
            dlclose(h);
            return *n;
        }
        const char *e = dlerror();
        snprintf(why, size, "%s", e ? e : "not found");
    }
    return NULL;
}

static void check_cuda_driver(const ctx *x, vram_check *c)
{
    (void)x;
    static const char *const names[] = {"libcuda.so.1", NULL};
    char why[200] = "";
    const char *found = try_dlopen(names, why, sizeof why);
    if (found) vram_check_set(c, "CUDA driver", 0, VRAM_CHECK_PASS, NULL, "%s loads", found);
    else vram_check_set(c, "CUDA driver", 0, VRAM_CHECK_SKIP,
                        "optional: install the NVIDIA driver to use a GPU", "not found (CPU only): %s", why);
}

static void check_cuda_runtime(const ctx *x, vram_check *c)
{
    (void)x;
    static const char *const names[] = {"libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so", NULL};
    char why[200] = "";
    const char *found = try_dlopen(names, why, sizeof why);
    if (found) vram_check_set(c, "CUDA runtime", 0, VRAM_CHECK_PASS, NULL, "%s loads", found);
    else vram_check_set(c, "CUDA runtime", 0, VRAM_CHECK_SKIP,
                        "optional: install the CUDA toolkit (libcudart) to run nn on a GPU",
                        "not found (CPU only): %s", why);
}

static void check_nvml(const ctx *x, vram_check *c)
{
    const vram_machine *m = x->m;
    if (m->nvml_available)
        vram_check_set(c, "NVML", 0, VRAM_CHECK_PASS, NULL, "driver %s, CUDA %d.%d, %d GPU(s)",
                       m->system.driver_version[0] ? m->system.driver_version : "?",
                       m->system.cuda_driver_version / 1000, m->system.cuda_driver_version % 1000 / 10,
                       m->gpu_count);
    else
        vram_check_set(c, "NVML", 0, VRAM_CHECK_SKIP, "optional: install the NVIDIA driver (libnvidia-ml.so.1)",
                       "not available: %s", m->nvml_error);
}

static void check_gpu_memory(const ctx *x, vram_check *c)
{
    const vram_machine *m = x->m;
    if (m->gpu_count == 0) {
        vram_check_set(c, "GPU memory", 0, VRAM_CHECK_SKIP, "optional: no GPU found, nn runs on the CPU",
                       "no GPU");
        return;
    }
    const vram_gpu_info *g = &m->gpus[0];
    double total = (double)g->memory_total_bytes / GIB, free_ = (double)g->memory_free_bytes / GIB;
    int low = g->memory_free_bytes * 10 < g->memory_total_bytes;
    vram_check_set(c, "GPU memory", 0, low ? VRAM_CHECK_WARN : VRAM_CHECK_PASS,
                   "less than 10 % free: stop other GPU processes (nvidia-smi lists them)",
                   "GPU 0 %s: %.1f GiB, %.1f GiB free", g->name, total, free_);
}

static void check_memory(const ctx *x, vram_check *c)
{
    const vram_cpu_info *cpu = &x->m->cpu;
    double total = (double)cpu->memory_total_bytes / GIB, avail = (double)cpu->memory_available_bytes / GIB;
    vram_check_status s = VRAM_CHECK_PASS;
    if (cpu->memory_total_bytes < x->o->min_memory_bytes) s = VRAM_CHECK_FAIL;
    else if (cpu->memory_available_bytes < (1ull << 30)) s = VRAM_CHECK_WARN;
    char fix[160];
    snprintf(fix, sizeof fix, "need %.1f GiB of memory in total and 1 GiB available: close other programs",
             (double)x->o->min_memory_bytes / GIB);
    vram_check_set(c, "system memory", 1, s, fix, "%.1f GiB, %.1f GiB available", total, avail);
}

static void check_disk(const ctx *x, vram_check *c)
{
    const char *path = x->o->disk_path ? x->o->disk_path : ".";
    struct statvfs st;
    if (statvfs(path, &st) != 0) {
        vram_check_set(c, "free disk", 1, VRAM_CHECK_FAIL, "check that the folder exists", "%s: cannot stat", path);
        return;
    }
    uint64_t avail = (uint64_t)st.f_bavail * st.f_frsize;
    vram_check_status s = avail < x->o->min_disk_bytes ? VRAM_CHECK_FAIL
                        : avail < 4 * x->o->min_disk_bytes ? VRAM_CHECK_WARN : VRAM_CHECK_PASS;
    char fix[160];
    snprintf(fix, sizeof fix, "free disk space in %s (need %.1f GiB, 4x that to be comfortable)", path,
             (double)x->o->min_disk_bytes / GIB);
    vram_check_set(c, "free disk", 1, s, fix, "%.1f GiB free in %s", (double)avail / GIB, path);
}

static void check_simd(const ctx *x, vram_check *c)
{
    vram_simd s = x->m->cpu.simd;
    vram_check_set(c, "SIMD", 0, s >= VRAM_SIMD_AVX2 ? VRAM_CHECK_PASS : VRAM_CHECK_WARN,
                   "nn falls back to slower kernels on this CPU (AVX2+FMA or AVX-512 is best)", "%s%s (%s)",
                   vram_simd_name(s), x->m->cpu.avx512_halves ? ", 512-bit ops as two halves" : "",
                   x->m->cpu.model);
}

static void (*const checks[])(const ctx *, vram_check *) = {
    check_compiler, check_libc, check_jansson, check_lws, check_cuda_driver, check_cuda_runtime,
    check_nvml, check_gpu_memory, check_memory, check_disk, check_simd,
};

int vram_validate_run(const vram_validate_options *o, vram_check *out, int cap)
{
    vram_validate_options defaults = vram_validate_defaults();
    if (!o) o = &defaults;
    vram_machine m;
    vram_error err = {0};
    if (vram_machine_detect(&m, o->gpus, &err) < 0) {
        /* the source opened but a GPU query failed: report it as NVML's problem */
        m.nvml_available = 0;
        m.gpu_count = 0;
        snprintf(m.nvml_error, sizeof m.nvml_error, "%s", err.msg);
    }
    ctx x = {o, &m};
    int n = 0;
    for (size_t i = 0; i < sizeof checks / sizeof checks[0] && n < cap; i++) checks[i](&x, &out[n++]);
    return n;
}

int vram_checks_ok(const vram_check *c, int n)
{
    for (int i = 0; i < n; i++)
        if (c[i].required && c[i].status == VRAM_CHECK_FAIL) return 0;
    return 1;
}
