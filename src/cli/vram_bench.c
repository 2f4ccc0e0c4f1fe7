/*
 * vram_bench.c - `vram bench [--reps N] [--ops N] [--tensors N]`: speed of the caching allocator's
 * hot path and of the static planner, with anchors measured in the same run (docs/BENCHMARKS.md):
 *   pool      vram_pool_alloc/free on an unbacked sim device, a fixed random workload
 *   malloc    glibc malloc/free on the same workload (the anchor)
 *   sim-dev   the sim device's own alloc/release: bookkeeping only (a real cudaMalloc costs ~100 us;
 *             scripts/gpu-check measures it), shown to separate the pool's own overhead
 *   planner   vram_plan_offsets on random lifetimes
 * Prints the median and the min..max of the repetitions, in nanoseconds per operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vram.h"
#include "vram_cmds.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: vram bench [--reps N] [--ops N] [--tensors N]\n\n"
               "Time the caching allocator (against malloc and the uncached device, same run) and the planner.\n\n"
               "  --reps N      repetitions, median reported (7)\n"
               "  --ops N       alloc/free operations per repetition (200000)\n"
               "  --tensors N   tensors in the planner's problem (2000)\n");
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct op { int slot; uint64_t size; } op; /* size 0: free the slot */

#define SLOTS 512

static op *workload(long n)
{
    op *w = malloc((size_t)n * sizeof *w);
    char live[SLOTS] = {0};
    uint64_t x = 88172645463325252ull;
    for (long i = 0; w && i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int s = (int)(x % SLOTS);
        uint64_t r = (x >> 20) % 100, z = x >> 32;
        uint64_t size = r < 70 ? 1 + z % 65536 : r < 95 ? 1 + z % (4u << 20) : 1 + z % (64u << 20);
        w[i] = (op){s, live[s] ? 0 : size};
        live[s] = !live[s];
    }
    return w;
}

static void report(const char *name, double *v, int reps, double anchor_median)
{
    qsort(v, (size_t)reps, sizeof *v, cmp_double);
    double med = v[reps / 2];
    printf("%-8s median %9.1f ns/op   min %9.1f   max %9.1f", name, med, v[0], v[reps - 1]);
    if (anchor_median > 0) printf("   malloc/%s = %.2f", name, anchor_median / med);
    printf("\n");
}

int cmd_bench(int argc, char **argv)
{
    int reps = 7, tensors = 2000;
    long ops = 200000;
    for (int i = 1; i < argc; i += 2) { /* every option takes one value */
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        long v = i + 1 < argc ? strtol(argv[i + 1], NULL, 10) : 0;
        if (strcmp(argv[i], "--reps") == 0 && v >= 1 && v <= 1000) reps = (int)v;
        else if (strcmp(argv[i], "--ops") == 0 && v >= 1000 && v <= 100000000) ops = v;
        else if (strcmp(argv[i], "--tensors") == 0 && v >= 1 && v <= 100000) tensors = (int)v;
        else {
            fprintf(stderr, "vram bench: bad or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    op *w = workload(ops);
    double *tp = calloc((size_t)reps, sizeof(double)), *tm = calloc((size_t)reps, sizeof(double));
    double *td = calloc((size_t)reps, sizeof(double)), *tl = calloc((size_t)reps, sizeof(double));
    vram_plan_tensor *t = calloc((size_t)tensors, sizeof *t);
    void **ptr = calloc(SLOTS, sizeof *ptr);
    vram_error err = {0};
    vram_device_options o = vram_device_defaults();
    o.capacity = 64ull << 30;
    o.backed = 0;
    vram_device_t *d = vram_device_create(&o, &err);
    int rc = 1;
    if (!w || !tp || !tm || !td || !tl || !t || !ptr || !d) {
        fprintf(stderr, "vram bench: %s\n", d ? "out of memory" : err.msg);
        goto done;
    }
    printf("vram bench: %d reps, %ld alloc/free ops (70%% <= 64 KiB, 25%% <= 4 MiB, 5%% <= 64 MiB, <= %d live), "
           "planner %d tensors\n", reps, ops, SLOTS, tensors);
    for (int r = 0; r < reps; r++) {
        vram_pool_t *p = vram_pool_create(d, NULL, &err);
        if (!p) {
            fprintf(stderr, "vram bench: %s\n", err.msg);
            goto done;
        }
        double t0 = now();
        for (long i = 0; i < ops; i++) {
            if (w[i].size) vram_pool_alloc(p, w[i].size, NULL, NULL, &ptr[w[i].slot], &err);
            else vram_pool_free(p, ptr[w[i].slot]); /* the pool's destroy releases what is live at the end */
        }
        tp[r] = (now() - t0) / (double)ops * 1e9;
        vram_pool_destroy(p);
        memset(ptr, 0, SLOTS * sizeof *ptr);
        t0 = now();
        for (long i = 0; i < ops; i++) {
            if (w[i].size) ptr[w[i].slot] = malloc(w[i].size);
            else {
                free(ptr[w[i].slot]);
                ptr[w[i].slot] = NULL;
            }
        }
        tm[r] = (now() - t0) / (double)ops * 1e9;
        for (int s = 0; s < SLOTS; s++) free(ptr[s]);
        memset(ptr, 0, SLOTS * sizeof *ptr);
        t0 = now();
        for (long i = 0; i < ops; i++) {
            if (w[i].size) vram_device_alloc(d, w[i].size, &ptr[w[i].slot], &err);
            else {
                vram_device_release(d, ptr[w[i].slot]);
                ptr[w[i].slot] = NULL;
            }
        }
        td[r] = (now() - t0) / (double)ops * 1e9;
        for (int s = 0; s < SLOTS; s++) vram_device_release(d, ptr[s]);
        memset(ptr, 0, SLOTS * sizeof *ptr);
        uint64_t x = 0x2545F4914F6CDD1Dull + (uint64_t)r;
        for (int i = 0; i < tensors; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int a = (int)(x % 400), len = (int)((x >> 16) % 40);
            t[i] = (vram_plan_tensor){1 + (x >> 32) % (8u << 20), a, a + len, 0};
        }
        t0 = now();
        vram_plan_result pr;
        if (vram_plan_offsets(t, (size_t)tensors, 256, &pr, &err) < 0) {
            fprintf(stderr, "vram bench: %s\n", err.msg);
            goto done;
        }
        tl[r] = (now() - t0) * 1e9;
        if (r == 0)
            printf("planner: peak %.1f MiB, lower bound %.1f MiB (%.3fx), no reuse %.1f MiB\n",
                   (double)pr.peak / 1048576, (double)pr.lower_bound / 1048576,
                   (double)pr.peak / (double)pr.lower_bound, (double)pr.no_reuse / 1048576);
    }
    report("malloc", tm, reps, 0);
    double anchor = tm[reps / 2];
    report("pool", tp, reps, anchor);
    report("sim-dev", td, reps, anchor);
    qsort(tl, (size_t)reps, sizeof *tl, cmp_double);
    printf("planner  median %9.2f ms per plan   min %9.2f   max %9.2f\n", tl[reps / 2] / 1e6, tl[0] / 1e6,
           tl[reps - 1] / 1e6);
    rc = 0;
done:
    vram_device_free(d);
    free(w);
    free(tp);
    free(tm);
    free(td);
    free(tl);
    free(t);
    free(ptr);
    return rc;
}
