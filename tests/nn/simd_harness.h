/*
 * simd_harness.h - shared pieces of the SIMD differential tests (tests/nn/test_simd_*.c), in the
 * manner of FFmpeg's checkasm: a seeded random source, buffers with guard cells past the end,
 * the list of kernel tables this CPU can run (a missing one is reported and skipped), and the
 * float tolerance: |simd - ref| <= 1e-5 * mag + 2^-22 * |ref|, where mag is the same convolution
 * computed on |x|, |w|, |bias| (the scale of the rounding error of any summation order).
 */
#ifndef NN_TESTS_SIMD_HARNESS_H
#define NN_TESTS_SIMD_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cpu/cpu.h"
#include "simd_emu16.h"

#define GUARD 16
static const float sentinel = -12345.5f;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static inline uint32_t rng_u32(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Uniform integer in [lo, hi]. */
static inline int64_t rng_int(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_u32() % (uint32_t)(hi - lo + 1));
}

/* Uniform float in [-1, 1). */
static inline float rng_float(void)
{
    return (float)((double)(rng_u32() & 0xFFFFFF) / 8388608.0 - 1.0);
}

static inline float *buf_new(int64_t count)
{
    float *b = malloc((size_t)(count + GUARD) * sizeof(float));
    if (!b) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int64_t i = 0; i < count + GUARD; i++) b[i] = sentinel;
    return b;
}

/* Random inputs, allocated to the exact size so that ASan catches a read past the end. */
static inline float *buf_random(int64_t count)
{
    float *b = malloc((size_t)(count > 0 ? count : 1) * sizeof(float));
    if (!b) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (int64_t i = 0; i < count; i++) b[i] = rng_float();
    return b;
}

static inline float *buf_abs(const float *src, int64_t count)
{
    if (!src) return NULL;
    float *b = buf_new(count);
    for (int64_t i = 0; i < count; i++) b[i] = fabsf(src[i]);
    return b;
}

static inline void buf_fill(float *b, int64_t count)
{
    for (int64_t i = 0; i < count + GUARD; i++) b[i] = sentinel;
}

static inline int guard_ok(const float *b, int64_t count)
{
    for (int64_t i = count; i < count + GUARD; i++)
        if (b[i] != sentinel) return 0;
    return 1;
}

/* Counts the elements out of tolerance; prints the first few. */
static inline int64_t compare_tol(const char *what, const float *got, const float *ref, const float *mag,
                           int64_t count)
{
    int64_t bad = 0;
    for (int64_t i = 0; i < count; i++) {
        double tol = 1e-5 * (double)mag[i] + 0x1p-22 * fabs((double)ref[i]);
        double d = fabs((double)got[i] - (double)ref[i]);
        if (!(d <= tol)) {
            if (bad < 5)
                fprintf(stderr, "  %s: element %" PRId64 ": %.9g vs reference %.9g (tol %.3g)\n",
                        what, i, (double)got[i], (double)ref[i], tol);
            bad++;
        }
    }
    return bad;
}

/* The SIMD tables this CPU runs, into out[] (room for SIMD_MAX_TABLES); prints a SKIP line for
 * each one it lacks. With AVX-512 both of its GEMM block shapes (12 x 32 and 12 x 16); with AVX2,
 * also "emu16": the avx512 code paths on emulated 16-lane vectors. */
#define SIMD_MAX_TABLES (NN__SIMD_COUNT + 2)
static inline int simd_tables(const nn__cpu_kernels **out)
{
    static const struct { nn__simd_level l; const char *name; } all[] = {
        {NN__SIMD_AVX2, "avx2"}, {NN__SIMD_AVX512, "avx512"}};
    int n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const nn__cpu_kernels *k = nn__cpu_kernels_for(all[i].l);
        if (k) out[n++] = k;
        else printf("SKIP variant %s: this CPU (or build) lacks it\n", all[i].name);
        /* Both AVX-512 GEMM block shapes, whichever this CPU prefers. */
        if (k && all[i].l == NN__SIMD_AVX512)
            out[n++] = k == &nn__cpu_avx512 ? &nn__cpu_narrow_avx512 : &nn__cpu_avx512;
    }
#ifdef NN_TEST_HAVE_EMU16
    if (nn__cpu_kernels_for(NN__SIMD_AVX2)) out[n++] = &nn__cpu_emu16;
#endif
    return n;
}

/* Runs one kernel on nth threads into y; ctx is the test's binding of the kernel's inputs. */
typedef void (*simd_run_fn)(const nn__cpu_kernels *k, const void *ctx, float *y, int nth);

/* The checks of one table on one case: 1 thread into y1 writes nothing past ys elements and is within
 * the tolerance of ref (mag: the same op on absolute values), or equal to ref bit for bit when
 * scalar (the scalar table); then 2 and 3 threads into yt equal 1 thread bit for bit, nothing past
 * the end. what names the case in the failure messages. */
static inline void simd_check_threads(const char *what, const nn__cpu_kernels *k, simd_run_fn run,
                                      const void *ctx, float *y1, float *yt, const float *ref,
                                      const float *mag, int64_t ys, int scalar)
{
    buf_fill(y1, ys);
    run(k, ctx, y1, 1);
    CHECK_MSG(guard_ok(y1, ys), "%s: wrote past the output", what);
    if (scalar)
        CHECK_MSG(memcmp(y1, ref, (size_t)ys * sizeof(float)) == 0,
                  "%s: scalar table differs from the reference", what);
    else
        CHECK_MSG(compare_tol(what, y1, ref, mag, ys) == 0, "%s: out of tolerance", what);
    for (int nth = 2; nth <= 3; nth++) {
        buf_fill(yt, ys);
        run(k, ctx, yt, nth);
        CHECK_MSG(guard_ok(yt, ys) && memcmp(yt, y1, (size_t)ys * sizeof(float)) == 0,
                  "%s: %d threads differ from 1 thread", what, nth);
    }
}

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Benchmark mode: after the caller's "shape (N MFLOP):" heading, times the scalar table (the anchor)
 * and then each of tabs on one thread, reps runs after 2 warm-ups, and prints per table the median,
 * the fastest, GFLOP/s and the speed-up over scalar, then ends the line. */
static inline void simd_bench_tables(const nn__cpu_kernels **tabs, int ntabs, simd_run_fn run,
                                     const void *ctx, float *y, double flop, int reps)
{
    double *t = calloc((size_t)reps, sizeof(double)), ref_med = 0;
    for (int ti = -1; ti < ntabs; ti++) {
        const nn__cpu_kernels *k = ti < 0 ? &nn__cpu_scalar : tabs[ti];
        for (int i = 0; i < reps + 2; i++) {
            double t0 = now_s();
            run(k, ctx, y, 1);
            if (i >= 2) t[i - 2] = now_s() - t0;
        }
        qsort(t, (size_t)reps, sizeof(double), cmp_double);
        double med = t[reps / 2];
        if (ti < 0) ref_med = med;
        printf("  %s %.3f ms (min %.3f) %.1f GFLOP/s x%.1f", k->name, med * 1e3, t[0] * 1e3,
               flop / med * 1e-9, ref_med / med);
    }
    printf("\n");
    free(t);
}

#endif
