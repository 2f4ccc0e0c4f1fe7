/*
 * pool_latency.c - what one nn__pool_run costs beyond its work, the price every threaded step of a
 * model pays: a 2-thread pool runs back-to-back runs of two chunks, each chunk a busy wait of W us,
 * and the time per run minus W is the overhead (waking the worker, handing it the run, learning
 * that it is done). On a machine whose two CPUs sit on different L3s (core round trip ~440 ns,
 * bench/core_latency.c) that is a few line transfers; docs/BENCHMARKS.md has the figures.
 *
 * Build and run (not part of the CMake build):
 *   gcc -O2 -pthread -Isrc/nn -Iinclude bench/pool_latency.c src/nn/pool.c -o /tmp/pool_latency
 *   /tmp/pool_latency [runs]        (default 50000 runs per figure; 5 figures of each work size)
 * Prints per work size the median of the 5 figures (and their range), and the share of chunks the
 * worker ran (~50 %: it keeps up; less: the caller ran its chunks).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn_internal.h"

typedef struct job {
    double us;        /* busy time per chunk */
    float *sink;      /* one float per chunk, 64 bytes apart */
} job;

static pthread_t caller;
static atomic_long worker_chunks;

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

static void chunk(void *ctx, int ith, int nth)
{
    const job *j = ctx;
    (void)nth;
    double t0 = now_us();
    while (now_us() - t0 < j->us) {
    }
    j->sink[ith * 16] += 1.0f;
    if (!pthread_equal(pthread_self(), caller)) atomic_fetch_add(&worker_chunks, 1);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 50000;
    if (runs < 1) runs = 1;
    caller = pthread_self();
    nn__pool *p = nn__pool_create(2);
    if (!p) {
        fprintf(stderr, "pool_latency: nn__pool_create failed\n");
        return 1;
    }
    static float sink[64];
    static const double work[] = {0.0, 5.0, 20.0};
    for (size_t w = 0; w < sizeof work / sizeof work[0]; w++) {
        double fig[5];
        long chunks = 0;
        for (int f = 0; f < 5; f++) {
            atomic_store(&worker_chunks, 0);
            double t0 = now_us();
            for (int r = 0; r < runs; r++) {
                job j = {work[w], sink};
                nn__pool_run(p, chunk, &j, (int)sizeof j, 2);
            }
            fig[f] = (now_us() - t0) / runs - work[w];
            chunks += atomic_load(&worker_chunks);
        }
        qsort(fig, 5, sizeof fig[0], cmp);
        printf("work %4.1f us per chunk: overhead %.3f us per run (%.3f-%.3f), worker ran %.1f %% of chunks\n",
               work[w], fig[2], fig[0], fig[4], 100.0 * (double)chunks / (10.0 * runs));
    }
    nn__pool_free(p);
    return 0;
}
