/*
 * fma_peak.c - the FMA ceiling of one core, the bound that docs/BENCHMARKS.md sets the models'
 * GFLOP/s against: 12 independent chains of 16-lane (AVX-512) or 8-lane (AVX2) fused multiply-adds,
 * enough to cover two FMA ports x 4 cycles of latency, no memory traffic.
 *
 * Build and run (not part of the CMake build: it is compiled for the machine it measures):
 *   gcc -O3 -march=native bench/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak
 * Prints "fma peak: X GFLOP/s per core (ISA)": best of 5 runs of 2e8 FMAs each.
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define ISA "avx512"
#define SET1(f) _mm512_set1_ps(f)
#define FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define SUM(v) _mm512_reduce_add_ps(v)
#elif defined(__AVX2__) && defined(__FMA__)
typedef __m256 vec;
#define LANES 8
#define ISA "avx2"
#define SET1(f) _mm256_set1_ps(f)
#define FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
static float SUM(__m256 v)
{
    float t[8];
    _mm256_storeu_ps(t, v);
    return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
#else
#error "build with -march=native on a CPU with AVX2+FMA or AVX-512"
#endif

enum { CHAINS = 12 };

static double run(long iters, float *sink)
{
    vec a[CHAINS];
    for (int i = 0; i < CHAINS; i++) a[i] = SET1((float)i * 1e-3f);
    vec m = SET1(0.999f), c = SET1(1e-4f);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long k = 0; k < iters; k++)
#pragma GCC unroll 12
        for (int i = 0; i < CHAINS; i++) a[i] = FMA(a[i], m, c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    float s = 0;
    for (int i = 0; i < CHAINS; i++) s += SUM(a[i]);
    *sink += s;
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
}

int main(void)
{
    long iters = 200000000L / CHAINS;
    float sink = 0;
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t = run(iters, &sink);
        if (t < best) best = t;
    }
    double flops = (double)iters * CHAINS * LANES * 2.0;
    printf("fma peak: %.1f GFLOP/s per core (%s)%s\n", flops / best * 1e-9, ISA, sink == 12345.0f ? " " : "");
    return 0;
}
