/*
 * test_simd_conv.c - differential test of the SIMD Conv2D kernels (src/nn/cpu) against the
 * reference nn__conv2d_ref, checkasm style: every SIMD table this CPU runs (a missing one is
 * skipped with a message), random shapes with odd sizes and channel counts that are not multiples
 * of the vector width, 1x1/2x2/3x3/5x5 windows, strides 1 and 2, SAME and VALID, every fused
 * activation, with and without bias and fused residual add, and the activation after that add
 * (post_act, a fused Relu/Relu6 step); results within the float tolerance of
 * simd_harness.h, bit-identical for 1, 2 and 3 threads, nothing written past the output; the
 * scalar table must equal the reference bit for bit. Output channel counts 1 and 3 take the
 * per-pixel dot-product path, and so do a 1x1 conv's last channels of 17, 18, 33, 35 (past full
 * panels); 7, 8, 17 and 24 otherwise end in a panel of <= 8 channels (the 8-lane
 * micro-kernel), and the thread splits put a pixel in blocks whose windows all lie inside the
 * image's columns (one tap per window row) or not, so the bit-identity across threads checks that
 * both forms give the same bits; the 8 -> 8 1x1 kernel gives the micro-kernel's bits. Filters of
 * exact halves, large enough to be packed as such, run the half-weight micro-kernels: within the
 * tolerance of the reference and bit-identical to the same values packed as floats. Also the
 * dispatch: NN_SIMD parsing, the override, and the packing layout.
 *
 * Benchmark mode (not a test): test_simd_conv --bench [reps [match]] prints GFLOP/s of each table vs
 * the reference on the layer shapes that dominate MoveNet / BlazePose, one thread, median of reps,
 * each with float weights and, where the filter is large enough, again with half weights (" f16");
 * with match, only the shapes whose line starts with it ("conv 192x192x3", for perf).
 */
#include <math.h>

#include "nn_internal.h"
#include "simd_harness.h"

typedef struct conv_case {
    int64_t n, h, w, c, oc;
    int k, s;
    nn__padding pad;
    nn__act act;
    int bias, res;
    nn__act post;  /* activation after the residual add (a fused Relu/Relu6 step) */
} conv_case;

/* Each weight as a nearby exact half: the mantissa cut to 10 bits, magnitudes below the halves'
 * normal range to 0 (rng_float's values lie in [-1, 1)). */
static void round_to_halves(float *f, int64_t count)
{
    for (int64_t i = 0; i < count; i++) {
        uint32_t u;
        memcpy(&u, &f[i], sizeof u);
        u &= 0xffffe000u;
        memcpy(&f[i], &u, sizeof u);
        if (fabsf(f[i]) < 0x1p-14f) f[i] = 0.0f;
    }
}

/* pk with its half panels widened back to floats (pk->wh set): the float kernels over the same
 * values, which must give the same bits. Free the copy's w with free(). */
static nn__packed_conv widened(const nn__packed_conv *pk)
{
    nn__packed_conv f = *pk;
    int64_t n = pk->npanels * pk->kdim * NN__PANEL;
    f.w = buf_new(n);
    f.wh = NULL;
    for (int64_t i = 0; i < n; i++) f.w[i] = nn__f16_to_f32(pk->wh[i]);
    return f;
}

/* A conv bound to its inputs, for simd_check_threads / simd_bench_tables. */
typedef struct conv_run {
    const float *x;
    const conv_case *cc;
    const nn__packed_conv *pk;
    const nn__conv_params *p;
    const float *res;
    int64_t oh, ow;
} conv_run;

static void run_threads(const nn__cpu_kernels *k, const void *ctx, float *y, int nth)
{
    const conv_run *c = ctx;
    for (int t = nth - 1; t >= 0; t--)
        k->conv2d(c->x, c->cc->n, c->cc->h, c->cc->w, c->cc->c, c->pk, c->p, c->res, y, c->oh, c->ow,
                  t, nth);
}

/* Returns 1 when the case was run (0 when the window does not fit the input). half: the weights
 * rounded to halves, so packed as such where there are enough of them (cpu.h: wh). */
static int check_case(const nn__cpu_kernels **tabs, int ntabs, const conv_case *cc, int halves)
{
    nn__conv_params p, pm;
    int64_t oh, ow;
    if (nn__conv_params_init(&p, cc->h, cc->w, cc->k, cc->k, cc->s, cc->s, cc->pad, cc->act, &oh,
                             &ow) < 0)
        return 0;
    p.post_act = cc->post;
    pm = p;
    pm.act = pm.post_act = NN__ACT_NONE;
    int64_t xs = cc->n * cc->h * cc->w * cc->c, fs = (int64_t)cc->k * cc->k * cc->c * cc->oc;
    int64_t ys = cc->n * oh * ow * cc->oc;
    float *x = buf_random(xs), *f = buf_random(fs);
    if (halves) round_to_halves(f, fs);
    float *b = cc->bias ? buf_random(cc->oc) : NULL;
    float *r = cc->res ? buf_random(ys) : NULL;
    float *ax = buf_abs(x, xs), *af = buf_abs(f, fs), *ab = buf_abs(b, cc->oc);
    float *ref = buf_new(ys), *mag = buf_new(ys), *y1 = buf_new(ys), *yt = buf_new(ys);

    nn__conv2d_ref(x, cc->n, cc->h, cc->w, cc->c, f, cc->oc, b, &p, ref, oh, ow, 0, 1);
    if (r)
        for (int64_t i = 0; i < ys; i++) ref[i] = ref[i] + r[i];
    if (cc->post != NN__ACT_NONE)
        nn__unary_ref(cc->post == NN__ACT_RELU ? NN__UN_RELU : NN__UN_RELU6, NN__F32, ref, ref, ys, 0, 1);
    nn__conv2d_ref(ax, cc->n, cc->h, cc->w, cc->c, af, cc->oc, ab, &pm, mag, oh, ow, 0, 1);

    nn__packed_conv *pk = nn__packed_conv_create(f, cc->k, cc->k, cc->c, cc->oc, b);
    CHECK(pk != NULL);
    if (!pk) exit(1);
    int half = halves && fs >= NN__HALF_MIN_WEIGHTS;
    CHECK_MSG((pk->wh != NULL) == half && (pk->w == NULL) == half,
              "conv k%d c%" PRId64 " oc%" PRId64 ": panels as %s, not %s", cc->k, cc->c, cc->oc,
              pk->wh ? "halves" : "floats", half ? "halves" : "floats");
    nn__packed_conv wide = half ? widened(pk) : *pk;
    const conv_run run = {x, cc, pk, &p, r, oh, ow}, run_wide = {x, cc, &wide, &p, r, oh, ow};
    char what[200];
    float *y512 = NULL, *yw = half ? buf_new(ys) : NULL;
    for (int ti = -1; ti < ntabs; ti++) {
        const nn__cpu_kernels *k = ti < 0 ? &nn__cpu_scalar : tabs[ti];
        snprintf(what, sizeof what,
                 "%s conv n%" PRId64 " %" PRId64 "x%" PRId64 "x%" PRId64 " -> oc%" PRId64
                 " k%d s%d %s act%d bias%d res%d post%d%s",
                 k->name, cc->n, cc->h, cc->w, cc->c, cc->oc, cc->k, cc->s,
                 cc->pad == NN__PAD_SAME ? "SAME" : "VALID", (int)cc->act, cc->bias, cc->res, (int)cc->post,
                 half ? " (half weights)" : "");
        simd_check_threads(what, k, run_threads, &run, y1, yt, ref, mag, ys,
                           k->level == NN__SIMD_SCALAR);
        if (half) { /* the same values as floats: the same products, the same bits */
            buf_fill(yw, ys);
            run_threads(k, &run_wide, yw, 1);
            CHECK_MSG(memcmp(yw, y1, (size_t)ys * sizeof(float)) == 0, "%s: differs from its float panels", what);
        }
#if defined(__x86_64__) || defined(__i386__)
        /* The two AVX-512 GEMM block shapes run the same FMAs per output: the same bits. */
        if (k == &nn__cpu_avx512 || k == &nn__cpu_narrow_avx512) {
            if (!y512) {
                y512 = buf_new(ys);
                memcpy(y512, y1, (size_t)ys * sizeof(float));
            } else {
                CHECK_MSG(memcmp(y512, y1, (size_t)ys * sizeof(float)) == 0,
                          "%s: differs from the other AVX-512 block shape", what);
            }
        }
#endif
    }
    free(y512);
    free(yw);
    if (half) free(wide.w);
    nn__packed_conv_free(pk);
    free(x); free(f); free(b); free(r); free(ax); free(af); free(ab);
    free(ref); free(mag); free(y1); free(yt);
    return 1;
}

static void test_packing(void)
{
    /* 2x1 window, c = 2, oc = 17: panel 0 holds channels 0..15, panel 1 channel 16 + zeros. */
    enum { KH = 2, KW = 1, C = 2, OC = 17 };
    float f[KH * KW * C * OC], b[OC];
    for (int i = 0; i < KH * KW * C * OC; i++) f[i] = (float)i;
    for (int i = 0; i < OC; i++) b[i] = (float)(100 + i);
    nn__packed_conv *pk = nn__packed_conv_create(f, KH, KW, C, OC, b);
    CHECK(pk != NULL);
    if (!pk) return;
    CHECK_INT_EQ(pk->kdim, 4);
    CHECK_INT_EQ(pk->npanels, 2);
    CHECK(pk->w[0] == 0.0f && pk->w[15] == 15.0f && pk->w[16] == 17.0f); /* row 1 starts at oc */
    CHECK(pk->w[4 * 16] == 16.0f && pk->w[4 * 16 + 1] == 0.0f);         /* panel 1, row 0 */
    CHECK(pk->w[4 * 16 + 3 * 16] == (float)(3 * OC + 16));               /* panel 1, row 3 */
    CHECK(pk->bias[16] == 116.0f && pk->bias[17] == 0.0f && pk->bias[31] == 0.0f);
    CHECK(((uintptr_t)pk->w & 63) == 0 && ((uintptr_t)pk->bias & 63) == 0);
    CHECK(pk->filt == f && pk->bias_ref == b && pk->wt == NULL && pk->dot0 == OC); /* 2x1: panels only */
    nn__packed_conv_free(pk);
    nn__packed_conv_free(NULL);
    CHECK(nn__packed_conv_create(f, 0, 1, C, OC, b) == NULL);
    pk = nn__packed_conv_create(f, 1, 1, 1, 1, NULL); /* no bias: zeros */
    CHECK(pk && pk->bias[0] == 0.0f && pk->bias_ref == NULL);
    free(pk); /* a plain free() releases it too */
    /* 3 output channels: also transposed for the dot path, wt[o][r] = f[r * 3 + o]. */
    pk = nn__packed_conv_create(f, 2, 1, 2, 3, b);
    CHECK(pk && pk->wt && pk->dot0 == 0 && pk->wt[0] == 0.0f && pk->wt[1] == 3.0f && pk->wt[4] == 1.0f &&
          pk->wt[2 * 4 + 3] == 11.0f);
    nn__packed_conv_free(pk);
    /* A 1x1 conv of c = 4 to 17: channel 16 also transposed, wt[0][r] = f[r * 17 + 16]; to 20 and
     * to 16 (4 past a panel, none): panels only. */
    pk = nn__packed_conv_create(f, 1, 1, 4, 17, b);
    CHECK(pk && pk->dot0 == 16 && pk->wt && pk->wt[0] == 16.0f && pk->wt[3] == (float)(3 * 17 + 16));
    CHECK(pk && pk->w[16 * 4] == 16.0f); /* the panel still holds it */
    nn__packed_conv_free(pk);
    pk = nn__packed_conv_create(f, 1, 1, 2, 20, NULL);
    CHECK(pk && pk->dot0 == 20 && pk->wt == NULL);
    nn__packed_conv_free(pk);
    pk = nn__packed_conv_create(f, 1, 1, 4, 16, b);
    CHECK(pk && pk->dot0 == 16 && pk->wt == NULL);
    nn__packed_conv_free(pk);
    /* In caller memory (a plan's region): the same packing over whatever the block held. */
    size_t nb = nn__packed_conv_bytes(2, 1, 2, 3, 0);
    CHECK(nb > 0 && nb % 64 == 0 && nn__packed_conv_bytes(1, 1, 0, 3, 0) == 0);
    CHECK(nn__packed_conv_half(f, 2, 1, 2, 3) == 0); /* exact halves, but too few of them */
    char *blk = aligned_alloc(64, nb);
    if (blk) memset(blk, 0x7f, nb);
    pk = nn__packed_conv_init(blk, 0, f, 2, 1, 2, 3, b);
    CHECK(pk && (void *)pk == (void *)blk && pk->wt && pk->wt[2 * 4 + 3] == 11.0f);
    CHECK(pk && pk->w[3] == 0.0f && pk->bias[3] == 0.0f); /* channels past oc cleared */
    CHECK(nn__packed_conv_init(NULL, 0, f, 2, 1, 2, 3, b) == NULL && nn__packed_conv_init(blk, 0, f, 0, 1, 2, 3, b) == NULL);
    f[5] = 0.1f; /* no half: packing the panels as halves is refused */
    CHECK(nn__packed_conv_init(blk, 1, f, 2, 1, 2, 3, b) == NULL);
    free(blk);
}

static void test_dispatch(void)
{
    CHECK_INT_EQ(nn__simd_level_parse("scalar"), NN__SIMD_SCALAR);
    CHECK_INT_EQ(nn__simd_level_parse("AVX2"), NN__SIMD_AVX2);
    CHECK_INT_EQ(nn__simd_level_parse("avx512"), NN__SIMD_AVX512);
    CHECK_INT_EQ(nn__simd_level_parse("avx512f"), NN__SIMD_AVX512);
    CHECK_INT_EQ(nn__simd_level_parse("sse9"), -1);
    CHECK_INT_EQ(nn__simd_level_parse(NULL), -1);
    CHECK(nn__cpu_kernels_for(NN__SIMD_SCALAR) == &nn__cpu_scalar);
    CHECK(nn__cpu_kernels_for(NN__SIMD_COUNT) == NULL);
    nn__simd_level best = nn__cpu_best_level();
    CHECK(nn__cpu_kernels_for(best) != NULL);
    for (int l = best + 1; l < NN__SIMD_COUNT; l++)
        CHECK(nn__cpu_kernels_for((nn__simd_level)l) == NULL);
    /* The override: the table is chosen on the first call. */
    setenv("NN_SIMD", "scalar", 1);
    const nn__cpu_kernels *k = nn__cpu_kernels_get();
    CHECK(k == &nn__cpu_scalar);
    setenv("NN_SIMD", "avx512", 1);
    CHECK(nn__cpu_kernels_get() == k); /* fixed for the process */
    printf("best level on this CPU: %s\n", nn__cpu_kernels_for(best)->name);
}

/* NaN and infinities through the fused activations, which every path must treat as the
 * reference does (NaN -> 0 under Relu/Relu6, +inf -> 6 under Relu6): a 3x3 conv to one channel
 * (the per-pixel dot path, whose scalar epilogue has its own max/min) and a 1x1 conv to 8 (GEMM),
 * each with Relu6 then a residual add and Relu. Weights and inputs are positive and the sums
 * small, so a finite output differs from the reference by rounding only; an output that saw the
 * NaN or the infinity must have exactly the reference's bits. */
static void test_nonfinite(const nn__cpu_kernels **tabs, int ntabs)
{
    static const conv_case cases[] = {
        {1, 6, 40, 8, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 1, NN__ACT_RELU},
        {1, 6, 40, 8, 8, 1, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 1, NN__ACT_RELU},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const conv_case *cc = &cases[ci];
        nn__conv_params p;
        int64_t oh, ow;
        CHECK(nn__conv_params_init(&p, cc->h, cc->w, cc->k, cc->k, 1, 1, cc->pad, cc->act, &oh, &ow) == 0);
        p.post_act = cc->post;
        int64_t xs = cc->h * cc->w * cc->c, fs = (int64_t)cc->k * cc->k * cc->c * cc->oc, ys = oh * ow * cc->oc;
        float *x = buf_new(xs), *f = buf_new(fs), *b = buf_new(cc->oc), *r = buf_new(ys);
        float *ref = buf_new(ys), *y = buf_new(ys);
        for (int64_t i = 0; i < xs; i++) x[i] = 0.25f + (float)(i % 7) * 0.01f;
        for (int64_t i = 0; i < fs; i++) f[i] = 0.05f + (float)(i % 5) * 0.01f;
        for (int64_t i = 0; i < cc->oc; i++) b[i] = 0.1f;
        for (int64_t i = 0; i < ys; i++) r[i] = -0.5f;
        x[(2 * cc->w + 3) * cc->c + 1] = NAN;      /* pixel (2, 3) */
        x[(3 * cc->w + 20) * cc->c + 4] = INFINITY; /* pixel (3, 20) */
        x[(1 * cc->w + 33) * cc->c] = -INFINITY;    /* pixel (1, 33) */
        nn__conv2d_ref(x, 1, cc->h, cc->w, cc->c, f, cc->oc, b, &p, ref, oh, ow, 0, 1);
        for (int64_t i = 0; i < ys; i++) {
            ref[i] = ref[i] + r[i];
            ref[i] = ref[i] > 0.0f ? ref[i] : 0.0f; /* post_act Relu; NaN -> 0 */
        }
        nn__packed_conv *pk = nn__packed_conv_create(f, cc->k, cc->k, cc->c, cc->oc, b);
        CHECK(pk != NULL);
        for (int ti = 0; ti < ntabs; ti++) {
            buf_fill(y, ys);
            tabs[ti]->conv2d(x, 1, cc->h, cc->w, cc->c, pk, &p, r, y, oh, ow, 0, 1);
            int64_t bad = 0, special = 0;
            for (int64_t i = 0; i < ys; i++) {
                int64_t px = i / cc->oc, oy = px / ow, ox = px % ow;
                int near = 0; /* the window covered a non-finite input */
                static const int at[3][2] = {{2, 3}, {3, 20}, {1, 33}};
                for (int s = 0; s < 3; s++)
                    if (llabs(oy - at[s][0]) <= cc->k / 2 && llabs(ox - at[s][1]) <= cc->k / 2) near = 1;
                special += near;
                if (near ? memcmp(&y[i], &ref[i], sizeof(float)) != 0 : !(fabsf(y[i] - ref[i]) <= 1e-5f)) bad++;
            }
            CHECK_MSG(bad == 0 && special > 0 && guard_ok(y, ys),
                      "%s conv k%d -> oc%" PRId64 " with NaN/inf inputs: %" PRId64 " outputs differ from the reference",
                      tabs[ti]->name, cc->k, cc->oc, bad);
        }
        nn__packed_conv_free(pk);
        free(x); free(f); free(b); free(r); free(ref); free(y);
    }
}

/* A 1x1 conv of 8 channels to 8 has its own AVX-512 kernel (pw_88); it must give the GEMM
 * micro-kernel's bits: each table's 8 -> 8 output equals the first 8 channels of the same conv to 9
 * channels (an extra weight column: a 9-channel panel, the micro-kernel), with and without a
 * residual and activations, odd and even pixel counts, 1-3 threads. */
static void test_pw88_bits(const nn__cpu_kernels **tabs, int ntabs)
{
    enum { C = 8, OC = 9 };
    float w9[C * OC], w8[C * 8], b9[OC];
    for (int i = 0; i < C * OC; i++) w9[i] = (float)((i * 37 % 23) - 11) / 7.0f;
    for (int k = 0; k < C; k++)
        for (int o = 0; o < 8; o++) w8[k * 8 + o] = w9[k * OC + o];
    for (int o = 0; o < OC; o++) b9[o] = (float)(o - 4) / 3.0f;
    nn__packed_conv *p8 = nn__packed_conv_create(w8, 1, 1, C, 8, b9), *p9 = nn__packed_conv_create(w9, 1, 1, C, OC, b9);
    static const int64_t sizes[][3] = {{1, 5, 7}, {2, 16, 16}, {1, 1, 1}, {1, 3, 33}};
    for (size_t si = 0; p8 && p9 && si < sizeof sizes / sizeof sizes[0]; si++) {
        int64_t n = sizes[si][0], h = sizes[si][1], w = sizes[si][2], np = n * h * w;
        float *x = buf_random(np * C), *r8 = buf_random(np * 8), *r9 = buf_new(np * OC);
        float *y8 = buf_new(np * 8), *y9 = buf_new(np * OC);
        for (int64_t q = 0; q < np; q++)
            for (int o = 0; o < OC; o++) r9[q * OC + o] = o < 8 ? r8[q * 8 + o] : 0.0f;
        for (int v = 0; v < 3; v++) {
            nn__conv_params cp;
            int64_t oh, ow;
            nn__conv_params_init(&cp, h, w, 1, 1, 1, 1, NN__PAD_SAME, v == 1 ? NN__ACT_RELU : NN__ACT_NONE, &oh, &ow);
            cp.post_act = v == 2 ? NN__ACT_RELU6 : NN__ACT_NONE;
            for (int ti = 0; ti < ntabs; ti++)
                for (int nth = 1; nth <= 3; nth++) {
                    for (int t = 0; t < nth; t++) {
                        tabs[ti]->conv2d(x, n, h, w, C, p8, &cp, v ? r8 : NULL, y8, oh, ow, t, nth);
                        tabs[ti]->conv2d(x, n, h, w, C, p9, &cp, v ? r9 : NULL, y9, oh, ow, t, nth);
                    }
                    int same = 1;
                    for (int64_t q = 0; q < np; q++) same &= !memcmp(y8 + q * 8, y9 + q * OC, 8 * sizeof(float));
                    CHECK_MSG(same && guard_ok(y8, np * 8), "%s 8 -> 8 %lldx%lldx%lld variant %d, %d threads: not the "
                              "bits of the 9-channel conv's first 8", tabs[ti]->name, (long long)n, (long long)h,
                              (long long)w, v, nth);
                }
        }
        free(x); free(r8); free(r9); free(y8); free(y9);
    }
    nn__packed_conv_free(p8);
    nn__packed_conv_free(p9);
}

/* A random case: up to nmax images of up to hwmax x hwmax pixels, channel counts and windows of the
 * lists below, every stride, padding, activation and epilogue. */
static conv_case random_case(int64_t nmax, int64_t hwmax)
{
    static const int64_t chans[] = {1, 3, 7, 8, 15, 16, 17, 24, 33, 18, 35};
    static const int ks[] = {1, 1, 1, 2, 3, 3, 5};
    conv_case cc = {
        .n = rng_int(1, nmax),
        .h = rng_int(1, hwmax),
        .w = rng_int(1, hwmax),
        .c = chans[rng_int(0, 10)],
        .oc = chans[rng_int(0, 10)],
        .k = ks[rng_int(0, 6)],
        .s = (int)rng_int(1, 2),
        .pad = rng_int(0, 1) ? NN__PAD_SAME : NN__PAD_VALID,
        .act = (nn__act)rng_int(0, 2),
        .bias = (int)rng_int(0, 3) != 0,
        .res = (int)rng_int(0, 2) == 0,
        .post = (nn__act)rng_int(0, 2),
    };
    return cc;
}

static void test_random(const nn__cpu_kernels **tabs, int ntabs)
{
    int ran = 0;
    for (int i = 0; i < 220; i++) {
        conv_case cc = random_case(2, 13);
        ran += check_case(tabs, ntabs, &cc, 0);
    }
    CHECK(ran > 150);
    /* Weights that are halves, enough of them to be packed as such (cpu.h: wh): each window and
     * output channel count with a depth that takes the filter just past the threshold. */
    ran = 0;
    for (int i = 0; i < 60; i++) {
        conv_case cc = random_case(1, 9);
        cc.c = (NN__HALF_MIN_WEIGHTS + cc.k * cc.k * cc.oc - 1) / (cc.k * cc.k * cc.oc) + rng_int(0, 20);
        ran += check_case(tabs, ntabs, &cc, 1);
    }
    CHECK(ran > 35);
    /* Model-like layers: several chunks of pixels and panels; 3x3 stride 2 on RGB. */
    static const conv_case fixed[] = {
        {1, 24, 24, 64, 96, 1, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE},
        {1, 20, 21, 40, 24, 1, 1, NN__PAD_VALID, NN__ACT_NONE, 1, 1, NN__ACT_NONE},
        {1, 33, 31, 3, 32, 3, 2, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE},
        {2, 17, 16, 16, 33, 3, 1, NN__PAD_SAME, NN__ACT_RELU, 1, 1, NN__ACT_RELU6},
        {1, 16, 16, 8, 8, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 1, NN__ACT_RELU6},  /* BlazePose tail */
        /* 1-3 output channels, channels dividing the register, stride 1, rows wide enough for the
         * dot path's packed runs of 4 VLEN / c pixels (c = 1 on AVX-512: 64). */
        {1, 6, 70, 1, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE},
        {1, 5, 37, 4, 3, 3, 1, NN__PAD_VALID, NN__ACT_RELU, 1, 1, NN__ACT_RELU6},
        {2, 7, 29, 8, 2, 5, 1, NN__PAD_SAME, NN__ACT_NONE, 0, 1, NN__ACT_RELU},
        {1, 9, 64, 8, 1, 3, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE}, /* BlazePose head */
        /* One output channel, every depth of the packing halving tree (c = 1, 4, 16; 2 and 8
         * above), with residual and post-activation: the whole-register epilogue. */
        {1, 3, 75, 1, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU, 1, 1, NN__ACT_RELU6},
        {2, 4, 37, 4, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 1, NN__ACT_RELU},
        {1, 3, 21, 16, 1, 1, 1, NN__PAD_VALID, NN__ACT_NONE, 0, 1, NN__ACT_RELU6},
        {1, 5, 23, 16, 3, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},
        {1, 4, 40, 2, 1, 2, 1, NN__PAD_VALID, NN__ACT_RELU6, 1, 1, NN__ACT_NONE},
        {1, 9, 9, 8, 7, 8, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},    /* 64 taps: reference */
        {1, 3, 2, 4100, 2, 3, 1, NN__PAD_SAME, NN__ACT_NONE, 0, 0, NN__ACT_NONE}, /* dot path, wide */
        {1, 3, 2, 4100, 5, 3, 1, NN__PAD_SAME, NN__ACT_NONE, 0, 0, NN__ACT_NONE}, /* wide padded: reference */
        /* a window row of 3 x 2000 floats is longer than the zero row: taps one by one */
        {1, 4, 5, 2000, 17, 3, 1, NN__PAD_SAME, NN__ACT_RELU, 1, 1, NN__ACT_NONE},
        {1, 40, 36, 8, 1, 3, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},  /* segmentation head */
        {2, 11, 13, 19, 3, 3, 2, NN__PAD_SAME, NN__ACT_RELU6, 1, 1, NN__ACT_NONE}, /* dot path, all features */
        /* 1x1 convs whose last 1-3 channels past full panels take the dot path (MoveNet's heads:
         * 96 -> 17, 34), c a multiple of the register or not, a ragged last group of four pixels;
         * a 6x6 image where threads split the panels (the tail goes with the last part); the
         * same 1x1 with stride 2, where the panels do the tail. */
        {1, 7, 9, 96, 34, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 1, NN__ACT_RELU},
        {2, 5, 7, 40, 17, 1, 1, NN__PAD_VALID, NN__ACT_RELU6, 1, 0, NN__ACT_NONE},
        {1, 6, 6, 24, 147, 1, 1, NN__PAD_SAME, NN__ACT_RELU, 1, 1, NN__ACT_RELU6},
        {1, 9, 9, 24, 35, 1, 2, NN__PAD_SAME, NN__ACT_RELU, 1, 0, NN__ACT_NONE},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) CHECK(check_case(tabs, ntabs, &fixed[i], 0));
    /* Half weights: an 8x8 projection split by panels on two threads, a 3x3 conv, a tail of 8, and
     * a filter below the threshold (float panels, however exact). */
    static const conv_case halves[] = {
        {1, 8, 8, 280, 160, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 1, NN__ACT_NONE},
        {1, 13, 11, 48, 40, 3, 2, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE},
        {1, 9, 10, 700, 24, 1, 1, NN__PAD_VALID, NN__ACT_RELU, 1, 0, NN__ACT_RELU6},
        {1, 9, 10, 64, 24, 1, 1, NN__PAD_SAME, NN__ACT_RELU, 1, 0, NN__ACT_NONE},
    };
    for (size_t i = 0; i < sizeof halves / sizeof halves[0]; i++) CHECK(check_case(tabs, ntabs, &halves[i], 1));
}

/* ---- benchmark mode ---- */

/* halves: the weights rounded to halves and packed as such (skipped where the filter is too small
 * for that): the float and half panels side by side. */
static void bench_conv(const nn__cpu_kernels **tabs, int ntabs, const conv_case *cc, int reps,
                       const char *match, int halves)
{
    nn__conv_params p;
    int64_t oh, ow;
    if (nn__conv_params_init(&p, cc->h, cc->w, cc->k, cc->k, cc->s, cc->s, cc->pad, cc->act, &oh,
                             &ow) < 0)
        return;
    p.post_act = cc->post;
    static const char *const acts[] = {"", " relu", " relu6"};
    char label[160];
    snprintf(label, sizeof label, "conv %" PRId64 "x%" PRId64 "x%" PRId64 " -> %" PRId64 " k%d s%d%s%s%s%s", cc->h,
             cc->w, cc->c, cc->oc, cc->k, cc->s, acts[cc->act], cc->res ? " +res" : "", acts[cc->post],
             halves ? " f16" : "");
    if (match && strncmp(label, match, strlen(match)) != 0) return;
    int64_t xs = cc->n * cc->h * cc->w * cc->c, fs = (int64_t)cc->k * cc->k * cc->c * cc->oc;
    if (halves && fs < NN__HALF_MIN_WEIGHTS) return;
    int64_t ys = cc->n * oh * ow * cc->oc;
    float *x = buf_random(xs), *f = buf_random(fs), *b = buf_random(cc->oc);
    if (halves) round_to_halves(f, fs);
    float *y = buf_new(ys), *r = cc->res ? buf_random(ys) : NULL;
    nn__packed_conv *pk = nn__packed_conv_create(f, cc->k, cc->k, cc->c, cc->oc, b);
    if (!pk) exit(1);
    double flop = 2.0 * (double)ys * cc->k * cc->k * (double)cc->c;
    printf("%s (%.1f MFLOP):", label, flop * 1e-6);
    const conv_run run = {x, cc, pk, &p, r, oh, ow};
    simd_bench_tables(tabs, ntabs, run_threads, &run, y, flop, reps);
    nn__packed_conv_free(pk);
    free(x); free(f); free(b); free(y); free(r);
}

int main(int argc, char **argv)
{
    const nn__cpu_kernels *tabs[SIMD_MAX_TABLES];
    if (argc > 1 && !strcmp(argv[1], "--bench")) {
        int reps = argc > 2 ? atoi(argv[2]) : 21;
        const char *match = argc > 3 ? argv[3] : NULL;
        if (reps < 1) reps = 1;
        int ntabs = simd_tables(tabs);
        static const conv_case shapes[] = {
            {1, 192, 192, 3, 32, 3, 2, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE}, /* MoveNet stem */
            {1, 96, 96, 16, 96, 1, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE},
            {1, 48, 48, 24, 144, 1, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE},
            {1, 128, 128, 32, 192, 1, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE}, /* Thunder */
            {1, 48, 48, 144, 24, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},
            {1, 24, 24, 32, 192, 1, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE},
            {1, 12, 12, 96, 576, 1, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE},
            {1, 6, 6, 960, 320, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},
            {1, 48, 48, 64, 64, 1, 1, NN__PAD_SAME, NN__ACT_RELU, 1, 0, NN__ACT_NONE},
            {1, 256, 256, 8, 1, 3, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE}, /* BlazePose segmentation */
            {1, 256, 256, 3, 24, 3, 2, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE}, /* BlazePose stem */
            {1, 256, 256, 8, 8, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},  /* its decoder */
            {1, 256, 256, 8, 8, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 1, NN__ACT_RELU6}, /* as fused there */
            {1, 128, 128, 24, 8, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},
            {1, 256, 256, 8, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6, 1, 0, NN__ACT_NONE}, /* 1-channel, Relu6 */
            {1, 48, 48, 96, 34, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE}, /* MoveNet's heads */
            {1, 48, 48, 96, 32, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},
            {1, 48, 48, 96, 17, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},
            {1, 48, 48, 96, 1, 1, 1, NN__PAD_SAME, NN__ACT_NONE, 1, 0, NN__ACT_NONE},
        };
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
            bench_conv(tabs, ntabs, &shapes[i], reps, match, 0);
            bench_conv(tabs, ntabs, &shapes[i], reps, match, 1);
        }
        return 0;
    }
    test_packing();
    test_dispatch();
    int ntabs = simd_tables(tabs);
    test_random(tabs, ntabs);
    test_pw88_bits(tabs, ntabs);
    test_nonfinite(tabs, ntabs);
    if (ntabs == 0) {
        check_report();
        check_skip("no SIMD variant on this CPU (dispatch and scalar table checked)");
    }
    return check_report();
}
