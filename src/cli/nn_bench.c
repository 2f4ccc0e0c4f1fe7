/*
 * nn_bench.c - `nn bench MODEL.json [--threads N] [--runs N] [--warmup N] [--batch N] [--profile]`:
 * runs the model on a fixed pseudo-random input (pixels 0..255 for int32 inputs, 0..1 for float32),
 * after warm-up, and prints `median X ms`, p90, min, GFLOP/s at the median and the peak RSS; with
 * --batch N the inputs carry N images in one pass and the time per image is printed too; with
 * --profile, a table of the time per op type over the timed runs (share, GFLOP/s).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nn.h"
#include "nn_cmds.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define USAGE "usage: nn bench MODEL.json [--threads N] [--runs N] [--warmup N] [--batch N] [--profile]\n"

/* The per-op table of the timed runs: mean ms per run, share of the summed step time, GFLOP/s. */
static int print_profile(const nn_model_t *m)
{
    int runs = 0, n = nn_model_profile_get(m, NULL, 0, &runs);
    nn_op_profile *rows = n >= 0 ? calloc((size_t)(n > 0 ? n : 1), sizeof *rows) : NULL;
    if (rows) n = nn_model_profile_get(m, rows, n, &runs);
    if (!rows || n < 0) {
        free(rows);
        return fprintf(stderr, "nn bench: out of memory for the profile\n"), 1;
    }
    double total = 0;
    int steps = 0;
    for (int i = 0; i < n; i++) total += rows[i].ms, steps += rows[i].steps;
    printf("profile: %d runs, time per run by op type (mean; wall time of each step, all threads)\n", runs);
    printf("  %-28s %6s %10s %7s %9s\n", "op", "steps", "ms", "share", "GFLOP/s");
    for (int i = 0; i < n; i++) {
        printf("  %-28s %6d %10.3f %6.1f%%", rows[i].op, rows[i].steps, rows[i].ms,
               total > 0 ? rows[i].ms / total * 100.0 : 0.0);
        if (rows[i].gflop > 0 && rows[i].ms > 0) printf(" %9.1f", rows[i].gflop / (rows[i].ms * 1e-3));
        printf("\n");
    }
    printf("  %-28s %6d %10.3f %6.1f%%\n", "total", steps, total, 100.0);
    free(rows);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    const char *model = NULL;
    long runs = 20, warm = 3, threads = 0, batch = 1;
    int profile = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("%s"
                   "  Times nn_model_run on a fixed input after warm-up (default 3 warm-up, 20 runs,\n"
                   "  threads = cores); prints median, p90, min, GFLOP/s and peak RSS.\n"
                   "  --batch N   N images per run in one pass (several streams); adds ms per image\n"
                   "  --profile   time per op type over the timed runs: ms per run, share, GFLOP/s\n",
                   USAGE);
            return 0;
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            if (nn_cli_long(argv[++i], 1, 256, &threads) < 0) return fprintf(stderr, "nn bench: bad --threads\n"), 2;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            if (nn_cli_long(argv[++i], 1, 100000, &runs) < 0) return fprintf(stderr, "nn bench: bad --runs\n"), 2;
        } else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) {
            if (nn_cli_long(argv[++i], 0, 100000, &warm) < 0) return fprintf(stderr, "nn bench: bad --warmup\n"), 2;
        } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            if (nn_cli_long(argv[++i], 1, 4096, &batch) < 0)
                return fprintf(stderr, "nn bench: bad --batch '%s' (1..4096)\n", argv[i]), 2;
        } else if (!strcmp(argv[i], "--profile")) {
            profile = 1;
        } else if (argv[i][0] != '-' && !model) {
            model = argv[i];
        } else {
            fprintf(stderr, "nn bench: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!model) {
        fprintf(stderr, "%s", USAGE);
        return 2;
    }
    nn_options o = nn_options_defaults();
    if (threads) o.threads = (int)threads;
    nn_error err = {0};
    nn_model_t *m = nn_model_load(model, &o, &err);
    if (!m) {
        fprintf(stderr, "nn bench: %s\n", err.msg);
        return 1;
    }
    int nin = nn_model_input_count(m), rc = 1;
    nn_tensor *x = calloc((size_t)nin, sizeof *x);
    double *t = calloc((size_t)runs, sizeof *t);
    for (int i = 0; x && i < nin; i++) {
        nn_tensor_info info;
        nn_model_input_info(m, i, &info);
        if (batch > 1) {
            if (info.rank < 1 || info.shape[0] != 1) {
                fprintf(stderr, "nn bench: %s: input '%s' has no batch dimension to set\n", model, info.key);
                goto done;
            }
            info.shape[0] = batch;
        }
        x[i].dtype = info.dtype;
        x[i].rank = info.rank;
        memcpy(x[i].shape, info.shape, sizeof x[i].shape);
        int64_t n = nn_tensor_count(&x[i]);
        x[i].data = malloc((size_t)n * nn_dtype_size(info.dtype) + 1);
        if (!x[i].data) goto done;
        uint32_t s = 12345;
        for (int64_t k = 0; k < n; k++) {
            s = s * 1664525u + 1013904223u;
            uint32_t v = s >> 24;
            if (info.dtype == NN_INT32) ((int32_t *)x[i].data)[k] = (int32_t)v;
            else if (info.dtype == NN_FLOAT32) ((float *)x[i].data)[k] = (float)v / 255.0f;
            else ((uint8_t *)x[i].data)[k] = (uint8_t)(v & 1);
        }
    }
    if (!x || !t) goto done;
    if (batch > 1 && nn_model_set_batch(m, batch, &err) < 0) {
        fprintf(stderr, "nn bench: %s\n", err.msg);
        goto done;
    }
    for (long r = 0; r < warm + runs; r++) {
        if (profile && r == warm && nn_model_profile(m, 1) < 0) {
            fprintf(stderr, "nn bench: out of memory for the profile\n");
            goto done;
        }
        double t0 = now_ms();
        if (nn_model_run(m, x, &err) < 0) {
            fprintf(stderr, "nn bench: %s\n", err.msg);
            goto done;
        }
        if (r >= warm) t[r - warm] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_d);
    double med = runs % 2 ? t[runs / 2] : 0.5 * (t[runs / 2 - 1] + t[runs / 2]);
    long p90i = (long)((double)(runs - 1) * 0.9 + 0.5);
    nn_model_stats s;
    nn_model_stats_get(m, &s);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("model %s threads %d runs %ld batch %ld kernels %s\n", model, s.threads, runs, batch,
           nn_cpu_kernels_name());
    printf("median %.2f ms  p90 %.2f ms  min %.2f ms  %.1f GFLOP/s  peak RSS %.1f MB\n", med, t[p90i], t[0],
           s.gflops / (med * 1e-3), (double)ru.ru_maxrss / 1024.0);
    if (batch > 1) printf("per image: median %.2f ms (batch %ld in one pass)\n", med / (double)batch, batch);
    rc = profile ? print_profile(m) : 0;
done:
    for (int i = 0; x && i < nin; i++) free(x[i].data);
    free(x);
    free(t);
    nn_model_free(m);
    return rc;
}
