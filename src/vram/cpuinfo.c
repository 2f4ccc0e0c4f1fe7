/*
 * cpuinfo.c - the host CPU: model, logical cores, memory, SIMD level and whether AVX-512 runs at
 * full width.
 * The SIMD level needs both the CPU (CPUID) and the OS (XGETBV: XCR0 says which register state
 * the kernel saves on a context switch); AVX on a CPU whose OS does not save YMM would fault.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vram.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static vram_simd detect_simd(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return VRAM_SIMD_NONE;
    int sse42 = (c >> 20) & 1, fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    int f16c = (c >> 29) & 1; /* VCVTPH2PS: libnn's half weights; every AVX2 CPU has it */
    if (!sse42) return VRAM_SIMD_NONE;
    if (!osxsave || !avx) return VRAM_SIMD_SSE42;
    uint64_t xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return VRAM_SIMD_SSE42; /* XMM and YMM state */
    unsigned int b7 = 0;
    if ((unsigned int)__get_cpuid_max(0, NULL) >= 7u) {
        unsigned int a7, c7, d7;
        __cpuid_count(7, 0, a7, b7, c7, d7);
        (void)a7, (void)c7, (void)d7;
    }
    int avx2 = (b7 >> 5) & 1, avx512f = (b7 >> 16) & 1;
    if (!avx2 || !fma || !f16c) return VRAM_SIMD_SSE42;
    if (avx512f && (xcr0 & 0xe0) == 0xe0) return VRAM_SIMD_AVX512; /* opmask, ZMM_Hi256, Hi16_ZMM */
    return VRAM_SIMD_AVX2;
}

/* AMD's family 19h (Zen 3 and Zen 4; only Zen 4 has AVX-512) executes each 512-bit operation
 * as two 256-bit halves on 256-bit units: one 512-bit FMA per cycle, as many flops as two AVX2
 * FMAs. Family 1Ah (Zen 5) has full-width units (in its server and desktop parts). */
static int detect_avx512_halves(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    if (strcmp(vendor, "AuthenticAMD") != 0 || !__get_cpuid(1, &a, &b, &c, &d)) return 0;
    unsigned int family = (a >> 8) & 0xF;
    if (family == 0xF) family += (a >> 20) & 0xFF;
    return family == 0x19;
}

static void detect_model(char *out, size_t size)
{
    unsigned int regs[12];
    if ((unsigned int)__get_cpuid_max(0x80000000, NULL) < 0x80000004u) return;
    for (unsigned int i = 0; i < 3; i++)
        __get_cpuid(0x80000002 + i, &regs[i * 4], &regs[i * 4 + 1], &regs[i * 4 + 2], &regs[i * 4 + 3]);
    char brand[49];
    memcpy(brand, regs, 48);
    brand[48] = '\0';
    const char *p = brand;
    while (*p == ' ') p++;
    snprintf(out, size, "%s", p);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == ' ') out[--n] = '\0';
}
#else
static vram_simd detect_simd(void) { return VRAM_SIMD_NONE; }
static void detect_model(char *out, size_t size) { (void)out, (void)size; }
static int detect_avx512_halves(void) { return 0; }
#endif

const char *vram_simd_name(vram_simd s)
{
    switch (s) {
    case VRAM_SIMD_SSE42: return "sse4.2";
    case VRAM_SIMD_AVX2: return "avx2+fma";
    case VRAM_SIMD_AVX512: return "avx512f";
    default: return "none";
    }
}

/* "MemTotal:  16318640 kB" -> bytes; 0 when absent. */
static uint64_t meminfo_field(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    unsigned long long kb = 0;
    if (p && sscanf(p + strlen(key), " %llu", &kb) == 1) return (uint64_t)kb * 1024u;
    return 0;
}

void vram_cpu_detect(vram_cpu_info *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->model, sizeof out->model, "unknown");
    detect_model(out->model, sizeof out->model);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    out->cores = n > 0 ? (int)n : 1;
    out->simd = detect_simd();
    out->avx512_halves = out->simd == VRAM_SIMD_AVX512 && detect_avx512_halves();

    char buf[4096];
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        buf[len] = '\0';
        fclose(f);
        out->memory_total_bytes = meminfo_field(buf, "MemTotal:");
        out->memory_available_bytes = meminfo_field(buf, "MemAvailable:");
        if (!out->memory_available_bytes) out->memory_available_bytes = meminfo_field(buf, "MemFree:");
    }
    if (!out->memory_total_bytes) {
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        if (pages > 0 && psize > 0) out->memory_total_bytes = (uint64_t)pages * (uint64_t)psize;
        long avail = sysconf(_SC_AVPHYS_PAGES);
        if (avail > 0 && psize > 0) out->memory_available_bytes = (uint64_t)avail * (uint64_t)psize;
    }
}
