/*
 * test_simd_depthwise.c - differential test of the SIMD depthwise kernels (src/nn/cpu) against
 * nn__depthwise_ref, checkasm style: every SIMD table this CPU runs (a missing one is skipped with
 * a message), 3x3 and 5x5 (and 2x2, 1x1) windows, strides 1 and 2, TF SAME (uneven padding) and
 * VALID, channel counts around the vector widths (1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 96;
 * and 1, 2, 4, 8, 16 on rows wide enough for the packed small-channel runs), rows up to 40 wide
 * (the 8- and 4-pixel tiles of every window and stride, next to per-pixel borders and, at stride 1,
 * 4-pixel tiles overhanging the left or right edge (the clipped column range: a tap too few or too
 * many fails here); at stride 1 two rows at a time, and the thread splits put a row in a pair or
 * alone: same bits either way),
 * every fused activation, with and without bias, multiplier 2 (the reference path); within the
 * tolerance of simd_harness.h, bit-identical for 1, 2 and 3 threads, nothing written past the end.
 *
 * Benchmark mode (not a test): test_simd_depthwise --bench [reps [match]]: GFLOP/s of each table vs
 * the reference on MoveNet / BlazePose depthwise shapes, one thread, median of reps; with match,
 * only the shapes whose line starts with it ("depthwise 256x256x8").
 */
#include "simd_harness.h"

typedef struct dw_case {
    int64_t n, h, w, c, m;
    int k, s;
    nn__padding pad;
    nn__act act;
    int bias;
} dw_case;

/* A depthwise conv bound to its inputs, for simd_check_threads / simd_bench_tables. */
typedef struct dw_run {
    const float *x;
    const dw_case *dc;
    const float *f, *b;
    const nn__conv_params *p;
    int64_t oh, ow;
} dw_run;

static void run_threads(const nn__cpu_kernels *k, const void *ctx, float *y, int nth)
{
    const dw_run *d = ctx;
    for (int t = 0; t < nth; t++)
        k->depthwise(d->x, d->dc->n, d->dc->h, d->dc->w, d->dc->c, d->f, d->dc->m, d->b, d->p, y,
                     d->oh, d->ow, t, nth);
}

static int check_case(const nn__cpu_kernels **tabs, int ntabs, const dw_case *dc)
{
    nn__conv_params p, pm;
    int64_t oh, ow;
    if (nn__conv_params_init(&p, dc->h, dc->w, dc->k, dc->k, dc->s, dc->s, dc->pad, dc->act, &oh,
                             &ow) < 0)
        return 0;
    pm = p;
    pm.act = NN__ACT_NONE;
    int64_t oc = dc->c * dc->m;
    int64_t xs = dc->n * dc->h * dc->w * dc->c, fs = (int64_t)dc->k * dc->k * oc;
    int64_t ys = dc->n * oh * ow * oc;
    float *x = buf_random(xs), *f = buf_random(fs), *b = dc->bias ? buf_random(oc) : NULL;
    float *ax = buf_abs(x, xs), *af = buf_abs(f, fs), *ab = buf_abs(b, oc);
    float *ref = buf_new(ys), *mag = buf_new(ys), *y1 = buf_new(ys), *yt = buf_new(ys);
    nn__depthwise_ref(x, dc->n, dc->h, dc->w, dc->c, f, dc->m, b, &p, ref, oh, ow, 0, 1);
    nn__depthwise_ref(ax, dc->n, dc->h, dc->w, dc->c, af, dc->m, ab, &pm, mag, oh, ow, 0, 1);
    const dw_run run = {x, dc, f, b, &p, oh, ow};
    char what[200];
    for (int ti = 0; ti < ntabs; ti++) {
        const nn__cpu_kernels *k = tabs[ti];
        snprintf(what, sizeof what,
                 "%s depthwise n%" PRId64 " %" PRId64 "x%" PRId64 "x%" PRId64 " m%" PRId64
                 " k%d s%d %s act%d bias%d",
                 k->name, dc->n, dc->h, dc->w, dc->c, dc->m, dc->k, dc->s,
                 dc->pad == NN__PAD_SAME ? "SAME" : "VALID", (int)dc->act, dc->bias);
        simd_check_threads(what, k, run_threads, &run, y1, yt, ref, mag, ys, 0);
    }
    free(x); free(f); free(b); free(ax); free(af); free(ab);
    free(ref); free(mag); free(y1); free(yt);
    return 1;
}

static void bench_dw(const nn__cpu_kernels **tabs, int ntabs, const dw_case *dc, int reps,
                     const char *match)
{
    nn__conv_params p;
    int64_t oh, ow;
    if (nn__conv_params_init(&p, dc->h, dc->w, dc->k, dc->k, dc->s, dc->s, dc->pad, dc->act, &oh,
                             &ow) < 0)
        return;
    char label[96];
    snprintf(label, sizeof label, "depthwise %" PRId64 "x%" PRId64 "x%" PRId64 " k%d s%d", dc->h, dc->w,
             dc->c, dc->k, dc->s);
    if (match && strncmp(label, match, strlen(match)) != 0) return;
    int64_t xs = dc->n * dc->h * dc->w * dc->c, fs = (int64_t)dc->k * dc->k * dc->c;
    int64_t ys = dc->n * oh * ow * dc->c;
    float *x = buf_random(xs), *f = buf_random(fs), *b = buf_random(dc->c), *y = buf_new(ys);
    double flop = 2.0 * (double)ys * dc->k * dc->k;
    printf("%s (%.1f MFLOP):", label, flop * 1e-6);
    /* multiplier 1 whatever dc->m says: the filter above has k * k * c values */
    const dw_case one = {dc->n, dc->h, dc->w, dc->c, 1, dc->k, dc->s, dc->pad, dc->act, dc->bias};
    const dw_run run = {x, &one, f, b, &p, oh, ow};
    simd_bench_tables(tabs, ntabs, run_threads, &run, y, flop, reps);
    free(x); free(f); free(b); free(y);
}

int main(int argc, char **argv)
{
    const nn__cpu_kernels *tabs[SIMD_MAX_TABLES];
    int ntabs = simd_tables(tabs);
    if (argc > 1 && !strcmp(argv[1], "--bench")) {
        int reps = argc > 2 ? atoi(argv[2]) : 21;
        if (reps < 1) reps = 1;
        static const dw_case shapes[] = {
            {1, 96, 96, 32, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1},
            {1, 96, 96, 96, 1, 3, 2, NN__PAD_SAME, NN__ACT_RELU6, 1},
            {1, 48, 48, 144, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1},
            {1, 24, 24, 192, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1},
            {1, 12, 12, 576, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1},
            {1, 64, 64, 48, 1, 5, 1, NN__PAD_SAME, NN__ACT_NONE, 1},
            {1, 32, 32, 96, 1, 5, 2, NN__PAD_SAME, NN__ACT_NONE, 1},
            {1, 32, 32, 336, 1, 5, 1, NN__PAD_SAME, NN__ACT_NONE, 1},  /* BlazePose heavy */
            {1, 16, 16, 960, 1, 5, 1, NN__PAD_SAME, NN__ACT_NONE, 1},
            {1, 8, 8, 1632, 1, 5, 1, NN__PAD_SAME, NN__ACT_NONE, 1},   /* heavy's last stage */
            {1, 16, 16, 288, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1}, /* narrow 3x3 rows */
            {1, 6, 6, 960, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1},   /* MoveNet's last stage */
            {1, 128, 128, 192, 1, 3, 2, NN__PAD_SAME, NN__ACT_RELU6, 1}, /* MoveNet Thunder */
            {1, 256, 256, 8, 1, 3, 1, NN__PAD_SAME, NN__ACT_NONE, 1},     /* BlazePose segmentation */
        };
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            bench_dw(tabs, ntabs, &shapes[i], reps, argc > 3 ? argv[3] : NULL);
        return 0;
    }
    if (ntabs == 0) check_skip("no SIMD variant on this CPU");
    static const int64_t chans[] = {1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 96};
    static const int ks[] = {3, 3, 5, 5, 2, 1};
    int ran = 0;
    for (int i = 0; i < 300; i++) {
        dw_case dc = {
            .n = rng_int(1, 2),
            .h = rng_int(1, 14),
            .w = rng_int(1, 40), /* up to 40: the 8- and 4-pixel tiles of every window, stride 2 too */
            .c = chans[rng_int(0, 12)],
            .m = rng_int(0, 9) == 0 ? 2 : 1,
            .k = ks[rng_int(0, 5)],
            .s = (int)rng_int(1, 2),
            .pad = rng_int(0, 3) ? NN__PAD_SAME : NN__PAD_VALID,
            .act = (nn__act)rng_int(0, 2),
            .bias = (int)rng_int(0, 3) != 0,
        };
        ran += check_case(tabs, ntabs, &dc);
    }
    CHECK(ran > 200);
    /* Model-like: several rows per thread, uneven SAME padding on both sides. */
    static const dw_case fixed[] = {
        {1, 24, 24, 144, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1},
        {1, 25, 24, 96, 1, 3, 2, NN__PAD_SAME, NN__ACT_RELU6, 1},
        {1, 24, 25, 40, 1, 5, 2, NN__PAD_SAME, NN__ACT_NONE, 1},
        {2, 13, 12, 33, 1, 5, 1, NN__PAD_SAME, NN__ACT_RELU, 0},
        /* Channel counts dividing the register, stride 1, rows wide enough for the packed runs
         * of 4 VLEN / c pixels (c = 1 on AVX-512: 64 pixels), with borders and a ragged end. */
        {1, 5, 70, 1, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1},
        {1, 4, 41, 2, 1, 3, 1, NN__PAD_VALID, NN__ACT_NONE, 1},
        {1, 6, 37, 4, 1, 5, 1, NN__PAD_SAME, NN__ACT_RELU, 0},
        {2, 7, 29, 8, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1},
        {1, 5, 23, 16, 1, 5, 1, NN__PAD_VALID, NN__ACT_NONE, 1},
        {1, 9, 64, 8, 1, 3, 1, NN__PAD_SAME, NN__ACT_NONE, 1}, /* BlazePose's 256x256x8, narrower */
        /* Tiles of 8 and 4 pixels with a channel tail; 16 wide: one tile of each on AVX-512. */
        {1, 6, 45, 17, 1, 5, 2, NN__PAD_SAME, NN__ACT_RELU6, 1},
        {1, 5, 16, 40, 1, 5, 1, NN__PAD_SAME, NN__ACT_NONE, 1},
        {2, 4, 31, 20, 1, 3, 2, NN__PAD_VALID, NN__ACT_RELU, 1},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        CHECK(check_case(tabs, ntabs, &fixed[i]));
    return check_report();
}
