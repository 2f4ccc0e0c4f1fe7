/*
 * test_simd_profile.c - the SIMD integration seen from the models, and a per-op profiler.
 *
 * Test (default): for each of the seven models in AIMP_MODELS_DIR (skips when absent), every
 * Conv2D/_FusedConv2D step of the batch-1 plan has its filter packed for the SIMD kernels (so no
 * conv silently stays on the reference path). The outputs under each table are test_models' job
 * (run it with NN_SIMD=scalar|avx2|avx512).
 *
 * Profile mode (a benchmark, not a test):
 *   test_simd_profile --profile MODEL.json [reps] [--top N] [--threads T] [--expand-min-bytes N]
 *                     [--band-bytes N] [--again] [--chunks]
 * runs the plan's steps one by one (reps times after one warm-up; on one thread, or with --threads T
 * each step the model would thread on a pool of T, one chunk per thread, as model.c does) and prints, per op
 * type, the sum over its steps of each step's fastest time, its share, GFLOP/s for the conv-like
 * ops, then the N slowest steps (8). Min-of-reps per step filters the noise of a shared machine; the
 * table in use is printed (NN_SIMD=scalar|avx2|avx512 to compare). The two options set the plan's
 * expansion fusion (plan_fuse.c; --expand-min-bytes 1e18 turns it off). --again runs each step twice
 * in a row and times the second run: its data is then where the step's own threads left it (in
 * their caches), so the difference to the plain profile is what the step loses to data last
 * touched by the previous steps, the other core or memory. --chunks (with --threads T) also lists
 * each pooled step's wall time beside the fastest time of each of its chunks: a chunk slower than
 * the others is an imbalance of the split (or of where its data lies), a wall time above them all
 * the pool's hand-off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cpu/cpu.h"
#include "nn_internal.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Graph + batch-1 plan with deterministic inputs; returns 0 or -1 (message printed). */
static int open_plan(const char *path, nn__graph *g, nn__plan *p, const nn__plan_opts *o)
{
    nn_error err;
    memset(&err, 0, sizeof err);
    memset(g, 0, sizeof *g);
    if (nn__graph_load(g, path, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    nn__shape sh[8];
    if (g->ninputs > 8) return -1;
    for (int i = 0; i < g->ninputs; i++) {
        sh[i] = g->inputs[i].shape;
        for (int d = 0; d < sh[i].rank; d++)
            if (sh[i].d[d] < 0) sh[i].d[d] = 1;
    }
    if (nn__plan_build(g, sh, o, p, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        nn__graph_free(g);
        return -1;
    }
    for (int i = 0; i < g->ninputs; i++) {
        nn__value *v = &p->vals[g->inputs[i].value];
        int64_t n = nn__shape_count(&v->shape);
        v->data = calloc((size_t)(n > 0 ? n : 1), 4);
        if (!v->data) return -1;
        for (int64_t k = 0; k < n; k++) {
            if (v->dtype == NN__F32) ((float *)v->data)[k] = (float)(k * 7 % 255) / 255.0f;
            else ((int32_t *)v->data)[k] = (int32_t)(k * 7 % 255);
        }
    }
    return 0;
}

static void close_plan(nn__graph *g, nn__plan *p)
{
    for (int i = 0; i < g->ninputs; i++) free(p->vals[g->inputs[i].value].data);
    nn__plan_free(p);
    nn__graph_free(g);
}

/* With --chunks: the fastest time of each chunk of each pooled step, [node * nth + ith]. */
static double *chunk_min;

static void step_fn(void *ctx, int ith, int nth)
{
    nn__exec *e = ctx;
    double t0 = chunk_min ? now_s() : 0;
    nn__enode(e)->def->run(e, ith, nth);
    if (chunk_min) {
        double dt = now_s() - t0, *m = &chunk_min[(size_t)e->node * (size_t)nth + (size_t)ith];
        if (dt < *m) *m = dt;
    }
}

static void run_steps(const nn__graph *g, nn__plan *p, nn__pool *pool, double *t, int again)
{
    nn_error err;
    memset(&err, 0, sizeof err);
    int nth = pool ? nn__pool_threads(pool) : 1;
    for (int s = 0; s < p->nsteps; s++) {
        nn__exec e = {g, p, p->steps[s], &err};
        double t0 = 0;
        for (int k = 0; k <= again; k++) {
            t0 = now_s();
            if (nth > 1 && nn__step_pooled(g, p, e.node)) nn__pool_run(pool, step_fn, &e, (int)sizeof e, nth);
            else g->nodes[e.node].def->run(&e, 0, 1);
        }
        double dt = now_s() - t0;
        if (t && dt < t[e.node]) t[e.node] = dt;
    }
}

static int profile(const char *path, int reps, const nn__plan_opts *o, int top, int threads, int again,
                   int chunks)
{
    nn__graph g;
    nn__plan p;
    if (open_plan(path, &g, &p, o) < 0) return 1;
    double *t = malloc((size_t)g.nnodes * sizeof *t);
    nn__pool *pool = threads > 1 ? nn__pool_create(threads) : NULL;
    if (!t || (threads > 1 && !pool)) return 1;
    for (int i = 0; i < g.nnodes; i++) t[i] = 1e30;
    if (chunks && pool) {
        chunk_min = malloc((size_t)g.nnodes * (size_t)threads * sizeof *chunk_min);
        if (!chunk_min) return 1;
        for (size_t i = 0; i < (size_t)g.nnodes * (size_t)threads; i++) chunk_min[i] = 1e30;
    }
    run_steps(&g, &p, pool, NULL, again);
    for (int r = 0; r < reps; r++) run_steps(&g, &p, pool, t, again);
    nn__pool_free(pool);
    double total = 0;  /* ms from here on */
    for (int i = 0; i < g.nnodes; i++) t[i] *= 1e3;
    for (int s = 0; s < p.nsteps; s++) total += t[p.steps[s]];
    printf("%s: table %s, %d thread%s, %d steps (%d expansions, %d depthwise, %d pointwise fused), sum of "
           "per-step minima %.3f ms (%.3f GFLOP)\n", path, nn__cpu_kernels_get()->name, threads,
           threads > 1 ? "s" : "", p.nsteps, p.expands_fused, p.dws_fused, p.pws_fused, total, p.gflops);
    /* Grouped by op type, slowest first, as nn_model_profile_get does for `nn bench --profile`. */
    nn_op_profile *rows = calloc((size_t)(p.nsteps > 0 ? p.nsteps : 1), sizeof *rows);
    int no = rows ? nn__profile_by_op(&g, &p, t, 1, rows, p.nsteps) : -1;
    if (no < 0) fprintf(stderr, "%s: out of memory for the per-op table\n", path);
    for (int k = 0; k < no; k++) {
        printf("  %-28s %4d steps %9.3f ms %5.1f%%", rows[k].op, rows[k].steps, rows[k].ms,
               rows[k].ms / total * 100.0);
        if (rows[k].gflop > 0) printf(" %7.1f GFLOP/s", rows[k].gflop / (rows[k].ms * 1e-3));
        printf("\n");
    }
    free(rows);
    if (chunk_min) { /* before the slowest steps' loop marks their times */
        printf("  pooled steps of >= 0.03 ms, in plan order: wall ms, then each chunk's (the fastest of each):\n");
        for (int s = 0; s < p.nsteps; s++) {
            int i = p.steps[s];
            if (t[i] < 0.03 || chunk_min[(size_t)i * (size_t)threads] > 1e29) continue;
            printf("  %8.3f ms |", t[i]);
            for (int c = 0; c < threads; c++) printf(" %.3f", chunk_min[(size_t)i * (size_t)threads + (size_t)c] * 1e3);
            printf("  %s\n", g.nodes[i].name);
        }
        free(chunk_min);
        chunk_min = NULL;
    }
    printf("  slowest steps:\n");
    for (int k = 0; k < top; k++) {
        int b = -1;
        for (int s = 0; s < p.nsteps; s++) {
            int i = p.steps[s];
            if (t[i] >= 0 && (b < 0 || t[i] > t[b])) b = i;
        }
        if (b < 0) break;
        const nn__shape *ys = &p.vals[g.nodes[b].out0].shape;
        char sh[96];
        nn__shape_str(ys, sh, sizeof sh);
        printf("  %8.3f ms %-26s %-18s %7.1f MFLOP  %s\n", t[b], g.nodes[b].op, sh,
               p.flops[b] * 1e-6, g.nodes[b].name);
        t[b] = -1;
    }
    free(t);
    close_plan(&g, &p);
    return 0;
}

static const char *const models[] = {"movenet-lightning", "movenet-thunder", "movenet-multipose",
                                     "blazepose-detector", "blazepose-lite", "blazepose-full",
                                     "blazepose-heavy"};

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "--profile")) {
        int reps = argc > 3 ? atoi(argv[3]) : 10;
        nn__plan_opts o = {1, 0, 0};
        int top = 8, threads = 1, again = 0, chunks = 0;
        for (int i = 4; i < argc; i++) {
            if (!strcmp(argv[i], "--again")) again = 1;
            else if (!strcmp(argv[i], "--chunks")) chunks = 1;
            else if (i + 1 == argc) return fprintf(stderr, "option %s needs a value\n", argv[i]), 2;
            else if (!strcmp(argv[i], "--top")) top = atoi(argv[++i]);
            else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[++i]);
            else if (!strcmp(argv[i], "--expand-min-bytes")) o.expand_min_bytes = atoll(argv[++i]);
            else if (!strcmp(argv[i], "--band-bytes")) o.band_bytes = atoll(argv[++i]);
            else return fprintf(stderr, "unknown option %s\n", argv[i]), 2;
        }
        if (threads < 1) threads = 1;
        o.nchunks = threads;
        return profile(argv[2], reps < 1 ? 1 : reps, &o, top, threads, again, chunks);
    }
    const char *dir = check_models_dir();
    int found = 0;
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.json", dir, models[m]);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        fclose(f);
        found++;
        nn__graph g;
        nn__plan p;
        CHECK_MSG(open_plan(path, &g, &p, NULL) == 0, "%s: cannot plan", path);
        int convs = 0, packed = 0;
        for (int s = 0; s < p.nsteps; s++) {
            const nn__node *n = &g.nodes[p.steps[s]];
            if (strcmp(n->op, "Conv2D") && strcmp(n->op, "_FusedConv2D")) continue;
            convs++;
            const nn__packed_conv *pk = p.vals[n->out0].aux;
            packed += pk != NULL && pk->oc == p.vals[n->out0].shape.d[3];
        }
        printf("%s: %d conv steps, %d packed\n", models[m], convs, packed);
        CHECK(convs > 0);
        CHECK_INT_EQ(packed, convs);
        close_plan(&g, &p);
    }
    if (!found) check_skip("no models in AIMP_MODELS_DIR");
    return check_report();
}
