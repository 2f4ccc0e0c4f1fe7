/*
 * test_simd_pool.c - differential test of the SIMD MaxPool (src/nn/cpu) against nn__maxpool_ref,
 * checkasm style: every SIMD table this CPU runs (a missing one is skipped with a message), random
 * windows 1-5 wide and tall, strides 1-3, SAME (cells in the padding skipped) and VALID, channel
 * counts around the vector widths, values with NaN, infinities and signed zeros (where the order
 * of the cells decides the result): bit-identical to the reference for 1, 2 and 3 threads, nothing
 * written past the output. The scalar table is the reference itself.
 *
 * Benchmark mode (not a test): test_simd_pool --bench [reps]: each table vs the reference on
 * BlazePose heavy's MaxPool shapes, one thread, median of reps.
 */
#include "simd_harness.h"

typedef struct pool_case {
    int64_t n, h, w, c;
    int kh, kw, s;
    nn__padding pad;
} pool_case;

typedef struct pool_run {
    const float *x;
    const pool_case *pc;
    const nn__conv_params *p;
    int64_t oh, ow;
} pool_run;

static void run_threads(const nn__cpu_kernels *k, const void *ctx, float *y, int nth)
{
    const pool_run *r = ctx;
    for (int t = nth - 1; t >= 0; t--)
        k->maxpool(r->x, r->pc->n, r->pc->h, r->pc->w, r->pc->c, r->p, y, r->oh, r->ow, t, nth);
}

static float special(void)
{
    static const float v[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 2.5f, -3.5f, 1e30f};
    return v[rng_int(0, 7)];
}

/* Returns 1 when the case was run (0 when the window does not fit). */
static int check_case(const nn__cpu_kernels **tabs, int ntabs, const pool_case *pc, int specials)
{
    nn__conv_params p;
    int64_t oh, ow;
    if (nn__conv_params_init(&p, pc->h, pc->w, pc->kh, pc->kw, pc->s, pc->s, pc->pad, NN__ACT_NONE, &oh, &ow) < 0)
        return 0;
    int64_t xs = pc->n * pc->h * pc->w * pc->c, ys = pc->n * oh * ow * pc->c;
    float *x = buf_random(xs), *ref = buf_new(ys), *y1 = buf_new(ys), *yt = buf_new(ys);
    for (int64_t i = 0; specials && i < xs; i++)
        if (rng_int(0, 3) == 0) x[i] = special();
    nn__maxpool_ref(x, pc->n, pc->h, pc->w, pc->c, &p, ref, oh, ow, 0, 1);
    const pool_run run = {x, pc, &p, oh, ow};
    char what[200];
    for (int ti = -1; ti < ntabs; ti++) {
        const nn__cpu_kernels *k = ti < 0 ? &nn__cpu_scalar : tabs[ti];
        snprintf(what, sizeof what, "%s maxpool n%" PRId64 " %" PRId64 "x%" PRId64 "x%" PRId64 " k%dx%d s%d %s%s",
                 k->name, pc->n, pc->h, pc->w, pc->c, pc->kh, pc->kw, pc->s,
                 pc->pad == NN__PAD_SAME ? "SAME" : "VALID", specials ? " specials" : "");
        simd_check_threads(what, k, run_threads, &run, y1, yt, ref, NULL, ys, 1);
    }
    free(x); free(ref); free(y1); free(yt);
    return 1;
}

static void bench_pool(const nn__cpu_kernels **tabs, int ntabs, const pool_case *pc, int reps)
{
    nn__conv_params p;
    int64_t oh, ow;
    if (nn__conv_params_init(&p, pc->h, pc->w, pc->kh, pc->kw, pc->s, pc->s, pc->pad, NN__ACT_NONE, &oh, &ow) < 0)
        return;
    float *x = buf_random(pc->n * pc->h * pc->w * pc->c), *y = buf_new(pc->n * oh * ow * pc->c);
    /* "MFLOP": one comparison per window cell and output, for the harness's rate column */
    double flop = (double)(pc->n * oh * ow * pc->c) * pc->kh * pc->kw;
    printf("maxpool %" PRId64 "x%" PRId64 "x%" PRId64 " k%d s%d (%.1f M compares):", pc->h, pc->w, pc->c,
           pc->kh, pc->s, flop * 1e-6);
    const pool_run run = {x, pc, &p, oh, ow};
    simd_bench_tables(tabs, ntabs, run_threads, &run, y, flop, reps);
    free(x); free(y);
}

int main(int argc, char **argv)
{
    const nn__cpu_kernels *tabs[SIMD_MAX_TABLES];
    int ntabs = simd_tables(tabs);
    if (argc > 1 && !strcmp(argv[1], "--bench")) {
        int reps = argc > 2 ? atoi(argv[2]) : 21;
        static const pool_case shapes[] = {
            {1, 128, 128, 48, 2, 2, 2, NN__PAD_VALID}, /* BlazePose heavy's downsampling */
            {1, 64, 64, 96, 2, 2, 2, NN__PAD_VALID},
            {1, 32, 32, 192, 2, 2, 2, NN__PAD_VALID},
        };
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            bench_pool(tabs, ntabs, &shapes[i], reps < 1 ? 1 : reps);
        return 0;
    }
    if (ntabs == 0) check_skip("no SIMD variant on this CPU");
    static const int64_t chans[] = {1, 3, 7, 8, 15, 16, 17, 31, 33, 48, 64, 65};
    int ran = 0;
    for (int i = 0; i < 250; i++) {
        pool_case pc = {
            .n = rng_int(1, 2),
            .h = rng_int(1, 12),
            .w = rng_int(1, 12),
            .c = chans[rng_int(0, 11)],
            .kh = (int)rng_int(1, 5),
            .kw = (int)rng_int(1, 5),
            .s = (int)rng_int(1, 3),
            .pad = rng_int(0, 1) ? NN__PAD_SAME : NN__PAD_VALID,
        };
        ran += check_case(tabs, ntabs, &pc, i % 2);
    }
    CHECK(ran > 150);
    static const pool_case fixed[] = {
        {1, 16, 16, 48, 2, 2, 2, NN__PAD_VALID}, /* the models' 2x2 stride 2 */
        {2, 9, 7, 33, 3, 3, 2, NN__PAD_SAME},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) CHECK(check_case(tabs, ntabs, &fixed[i], 1));
    return check_report();
}
