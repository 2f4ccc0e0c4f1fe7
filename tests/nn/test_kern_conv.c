/*
 * test_kern_conv.c - Conv2D, depthwise and MaxPool reference kernels on hand-computed cases (TF's
 * uneven SAME padding, VALID, strides, fused activations), against a naive loop on odd shapes,
 * and bit-identical results for 1, 2 and 3 threads.
 */
#include "check.h"
#include "kernels.h"

static void run_conv(const float *x, int64_t n, int64_t h, int64_t w, int64_t c, const float *f,
                     int64_t oc, const float *b, const nn__conv_params *p, float *y, int64_t oh,
                     int64_t ow, int nth)
{
    for (int t = nth - 1; t >= 0; t--) nn__conv2d_ref(x, n, h, w, c, f, oc, b, p, y, oh, ow, t, nth);
}

static void run_dw(const float *x, int64_t n, int64_t h, int64_t w, int64_t c, const float *f,
                   int64_t m, const float *b, const nn__conv_params *p, float *y, int64_t oh,
                   int64_t ow, int nth)
{
    for (int t = 0; t < nth; t++) nn__depthwise_ref(x, n, h, w, c, f, m, b, p, y, oh, ow, t, nth);
}

/* Straightforward conv in double: output (oy, ox) reads input (oy*s - pad + ky, ...) when inside. */
static void naive_conv(const float *x, int64_t n, int64_t h, int64_t w, int64_t c, const float *f,
                       int64_t oc, const float *b, const nn__conv_params *p, float *y, int64_t oh,
                       int64_t ow, int depthwise)
{
    int64_t outc = depthwise ? c * oc : oc;
    for (int64_t bi = 0; bi < n; bi++)
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++)
                for (int64_t o = 0; o < outc; o++) {
                    double s = b ? b[o] : 0.0;
                    for (int ky = 0; ky < p->kh; ky++)
                        for (int kx = 0; kx < p->kw; kx++) {
                            int64_t iy = oy * p->sh + ky - p->pad_top, ix = ox * p->sw + kx - p->pad_left;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            const float *xp = x + ((bi * h + iy) * w + ix) * c;
                            if (depthwise) {
                                int64_t ci = o / oc;
                                s += (double)xp[ci] * f[((ky * p->kw + kx) * c + ci) * oc + o % oc];
                            } else {
                                for (int64_t k = 0; k < c; k++)
                                    s += (double)xp[k] * f[((ky * p->kw + kx) * c + k) * oc + o];
                            }
                        }
                    if (p->act == NN__ACT_RELU && s < 0) s = 0;
                    if (p->act == NN__ACT_RELU6) s = s < 0 ? 0 : (s > 6 ? 6 : s);
                    y[((bi * oh + oy) * ow + ox) * outc + o] = (float)s;
                }
}

static uint32_t rng_state = 12345;
static float frand(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((rng_state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static void test_same_padding(void)
{
    int a, b;
    int64_t o;
    nn__same_padding(5, 3, 2, &a, &b, &o); /* total (3-1)*2+3-5 = 2 */
    CHECK_INT_EQ(o, 3); CHECK_INT_EQ(a, 1); CHECK_INT_EQ(b, 1);
    nn__same_padding(6, 3, 2, &a, &b, &o); /* total 1: the extra at the end */
    CHECK_INT_EQ(o, 3); CHECK_INT_EQ(a, 0); CHECK_INT_EQ(b, 1);
    nn__same_padding(7, 5, 1, &a, &b, &o);
    CHECK_INT_EQ(o, 7); CHECK_INT_EQ(a, 2); CHECK_INT_EQ(b, 2);
    nn__same_padding(6, 5, 2, &a, &b, &o); /* total 3 -> 1 before, 2 after */
    CHECK_INT_EQ(o, 3); CHECK_INT_EQ(a, 1); CHECK_INT_EQ(b, 2);
    nn__same_padding(256, 3, 2, &a, &b, &o); /* the models' stride-2 layers: total 1 */
    CHECK_INT_EQ(o, 128); CHECK_INT_EQ(a, 0); CHECK_INT_EQ(b, 1);
    nn__same_padding(4, 2, 2, &a, &b, &o);
    CHECK_INT_EQ(o, 2); CHECK_INT_EQ(a, 0); CHECK_INT_EQ(b, 0);
    nn__same_padding(9, 1, 1, &a, &b, &o);
    CHECK_INT_EQ(o, 9); CHECK_INT_EQ(a, 0); CHECK_INT_EQ(b, 0);

    nn__conv_params p;
    int64_t oh, ow;
    CHECK_INT_EQ(nn__conv_params_init(&p, 7, 6, 3, 3, 2, 2, NN__PAD_VALID, NN__ACT_NONE, &oh, &ow), 0);
    CHECK_INT_EQ(oh, 3); CHECK_INT_EQ(ow, 2); CHECK_INT_EQ(p.pad_top + p.pad_bottom, 0);
    CHECK_INT_EQ(nn__conv_params_init(&p, 8, 8, 5, 5, 2, 2, NN__PAD_VALID, NN__ACT_NONE, &oh, &ow), 0);
    CHECK_INT_EQ(oh, 2); CHECK_INT_EQ(ow, 2);
    CHECK_INT_EQ(nn__conv_params_init(&p, 2, 8, 3, 3, 1, 1, NN__PAD_VALID, NN__ACT_NONE, &oh, &ow), -1);
    CHECK_INT_EQ(nn__conv_params_init(&p, 2, 8, 3, 3, 0, 1, NN__PAD_SAME, NN__ACT_NONE, &oh, &ow), -1);
    CHECK_INT_EQ(nn__conv_params_init(&p, 6, 5, 5, 3, 2, 1, NN__PAD_SAME, NN__ACT_RELU, &oh, &ow), 0);
    CHECK_INT_EQ(oh, 3); CHECK_INT_EQ(ow, 5);
    CHECK_INT_EQ(p.pad_top, 1); CHECK_INT_EQ(p.pad_bottom, 2);
    CHECK_INT_EQ(p.pad_left, 1); CHECK_INT_EQ(p.pad_right, 1);
}

/* 4x4 input 1..16, 3x3 ones filter, stride 2 SAME: pad total 1, all of it bottom/right. */
static void test_conv3x3_s2_same_hand(void)
{
    float x[16], f[9], y[4];
    for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
    for (int i = 0; i < 9; i++) f[i] = 1.0f;
    nn__conv_params p;
    int64_t oh, ow;
    CHECK_INT_EQ(nn__conv_params_init(&p, 4, 4, 3, 3, 2, 2, NN__PAD_SAME, NN__ACT_NONE, &oh, &ow), 0);
    CHECK_INT_EQ(oh, 2);
    run_conv(x, 1, 4, 4, 1, f, 1, NULL, &p, y, oh, ow, 1);
    CHECK_NEAR(y[0], 54, 0); /* rows 0-2, cols 0-2 */
    CHECK_NEAR(y[1], 45, 0); /* rows 0-2, cols 2-3 (+ pad) */
    CHECK_NEAR(y[2], 72, 0);
    CHECK_NEAR(y[3], 54, 0);
    /* with a bias of -50 and Relu: 4, 0, 22, 4; Relu6 clips 22 to 6 */
    float b = -50.0f;
    p.act = NN__ACT_RELU;
    run_conv(x, 1, 4, 4, 1, f, 1, &b, &p, y, oh, ow, 2);
    CHECK_NEAR(y[0], 4, 0); CHECK_NEAR(y[1], 0, 0); CHECK_NEAR(y[2], 22, 0); CHECK_NEAR(y[3], 4, 0);
    p.act = NN__ACT_RELU6;
    run_conv(x, 1, 4, 4, 1, f, 1, &b, &p, y, oh, ow, 3);
    CHECK_NEAR(y[0], 4, 0); CHECK_NEAR(y[1], 0, 0); CHECK_NEAR(y[2], 6, 0); CHECK_NEAR(y[3], 4, 0);
}

/* 1x1 conv, 2 pixels x 2 channels -> 3 channels, by hand. */
static void test_conv1x1_hand(void)
{
    float x[4] = {1, 2, 3, 4};
    float f[6] = {1, 0, -1, /* c0 */ 10, 1, 2 /* c1 */};
    float b[3] = {0.5f, 0, 0};
    float y[6];
    nn__conv_params p;
    int64_t oh, ow;
    CHECK_INT_EQ(nn__conv_params_init(&p, 1, 2, 1, 1, 1, 1, NN__PAD_SAME, NN__ACT_NONE, &oh, &ow), 0);
    run_conv(x, 1, 1, 2, 2, f, 3, b, &p, y, oh, ow, 1);
    CHECK_NEAR(y[0], 21.5, 0); CHECK_NEAR(y[1], 2, 0); CHECK_NEAR(y[2], 3, 0);
    CHECK_NEAR(y[3], 43.5, 0); CHECK_NEAR(y[4], 4, 0); CHECK_NEAR(y[5], 5, 0);
}

/* A random case of test_conv_random / test_depthwise_random: cm is the output channel count of a
 * conv, the channel multiplier of a depthwise (whose output has c * cm channels). */
typedef struct rand_case {
    int64_t n, h, w, c, cm;
    int k, s;
    nn__padding pad;
    nn__act act;
} rand_case;

/* One random case vs the naive loop (within 1e-5), then 2 and 3 threads bit-identical to 1.
 * kind ("conv" or "depthwise") names the case in a failure. */
static void check_rand_case(const char *kind, size_t ci, const rand_case *rc, int depthwise)
{
    nn__conv_params p;
    int64_t oh, ow;
    CHECK_INT_EQ(nn__conv_params_init(&p, rc->h, rc->w, rc->k, rc->k, rc->s, rc->s, rc->pad,
                                      rc->act, &oh, &ow),
                 0);
    int64_t oc = depthwise ? rc->c * rc->cm : rc->cm;
    int64_t nx = rc->n * rc->h * rc->w * rc->c;
    int64_t nf = rc->k * rc->k * rc->c * rc->cm, ny = rc->n * oh * ow * oc;
    float *x = malloc((size_t)nx * 4), *f = malloc((size_t)nf * 4), *b = malloc((size_t)oc * 4);
    float *ref = malloc((size_t)ny * 4), *y1 = malloc((size_t)ny * 4), *y2 = malloc((size_t)ny * 4);
    for (int64_t i = 0; i < nx; i++) x[i] = frand() * 3;
    for (int64_t i = 0; i < nf; i++) f[i] = frand();
    for (int64_t i = 0; i < oc; i++) b[i] = frand();
    void (*run)(const float *, int64_t, int64_t, int64_t, int64_t, const float *, int64_t,
                const float *, const nn__conv_params *, float *, int64_t, int64_t, int) =
        depthwise ? run_dw : run_conv;
    naive_conv(x, rc->n, rc->h, rc->w, rc->c, f, rc->cm, b, &p, ref, oh, ow, depthwise);
    run(x, rc->n, rc->h, rc->w, rc->c, f, rc->cm, b, &p, y1, oh, ow, 1);
    double worst = 0;
    for (int64_t i = 0; i < ny; i++) worst = fmax(worst, fabs((double)y1[i] - ref[i]));
    CHECK_MSG(worst < 1e-5, "%s case %zu: worst diff %g", kind, ci, worst);
    for (int nth = 2; nth <= 3; nth++) {
        run(x, rc->n, rc->h, rc->w, rc->c, f, rc->cm, b, &p, y2, oh, ow, nth);
        CHECK_MSG(memcmp(y1, y2, (size_t)ny * 4) == 0, "%s case %zu: %d threads differ", kind, ci,
                  nth);
    }
    free(x);
    free(f);
    free(b);
    free(ref);
    free(y1);
    free(y2);
}

/* Random odd shapes for every conv variant of the models, vs the naive loop; threads 1/2/3. */
static void test_conv_random(void)
{
    static const rand_case cases[] = {
        /* cm: output channels */
        {1, 5, 7, 5, 11, 1, 1, NN__PAD_SAME, NN__ACT_NONE}, /* GEMM with edges in both dims */
        {2, 3, 3, 17, 19, 1, 1, NN__PAD_VALID, NN__ACT_RELU6},
        {1, 9, 4, 3, 16, 1, 1, NN__PAD_VALID, NN__ACT_RELU}, /* exact blocks */
        {1, 7, 6, 3, 5, 3, 2, NN__PAD_SAME, NN__ACT_RELU6},  /* 3x3 s2 SAME, uneven */
        {1, 8, 8, 3, 4, 3, 2, NN__PAD_SAME, NN__ACT_RELU6},
        {1, 9, 9, 3, 4, 3, 2, NN__PAD_VALID, NN__ACT_RELU6}, /* 3x3 s2 VALID */
        {2, 6, 6, 4, 3, 2, 1, NN__PAD_VALID, NN__ACT_NONE},  /* 2x2 VALID */
        {1, 5, 6, 4, 3, 3, 1, NN__PAD_SAME, NN__ACT_NONE},   /* 3x3 s1 SAME */
        {1, 5, 5, 2, 3, 1, 2, NN__PAD_SAME, NN__ACT_NONE},   /* strided 1x1: direct loop */
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
        check_rand_case("conv", ci, &cases[ci], 0);
}

/* Depthwise 3x3 SAME stride 1 on a 3x3 single-channel input, by hand: centre sees all 9 values. */
static void test_depthwise_hand(void)
{
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, f[9], y[9];
    for (int i = 0; i < 9; i++) f[i] = 1.0f;
    nn__conv_params p;
    int64_t oh, ow;
    CHECK_INT_EQ(nn__conv_params_init(&p, 3, 3, 3, 3, 1, 1, NN__PAD_SAME, NN__ACT_NONE, &oh, &ow), 0);
    run_dw(x, 1, 3, 3, 1, f, 1, NULL, &p, y, oh, ow, 1);
    CHECK_NEAR(y[0], 12, 0); CHECK_NEAR(y[1], 21, 0); CHECK_NEAR(y[4], 45, 0); CHECK_NEAR(y[8], 28, 0);
    /* 5x5 SAME stride 2 on 6x6 (pad 1 top, 2 bottom): output (0,0) covers rows/cols 0..3 */
    float x6[36], f5[25], y3[9];
    for (int i = 0; i < 36; i++) x6[i] = 1.0f;
    for (int i = 0; i < 25; i++) f5[i] = 1.0f;
    CHECK_INT_EQ(nn__conv_params_init(&p, 6, 6, 5, 5, 2, 2, NN__PAD_SAME, NN__ACT_NONE, &oh, &ow), 0);
    CHECK_INT_EQ(oh, 3);
    run_dw(x6, 1, 6, 6, 1, f5, 1, NULL, &p, y3, oh, ow, 2);
    CHECK_NEAR(y3[0], 16, 0);  /* rows 0..3 x cols 0..3 */
    CHECK_NEAR(y3[1], 20, 0);  /* rows 0..3 x cols 1..5 */
    CHECK_NEAR(y3[4], 25, 0);  /* rows 1..5 x cols 1..5 */
    CHECK_NEAR(y3[8], 9, 0);   /* rows 3..5 x cols 3..5 (2 padded at the end) */
    /* channel multiplier 2: channel c*2 + m uses filt[.., c, m] */
    float x2[2] = {3, 5}, f2[4] = {1, 2, 10, 20}, b2[4] = {0, 0, 0, 1}, y4[4];
    CHECK_INT_EQ(nn__conv_params_init(&p, 1, 1, 1, 1, 1, 1, NN__PAD_VALID, NN__ACT_NONE, &oh, &ow), 0);
    run_dw(x2, 1, 1, 1, 2, f2, 2, b2, &p, y4, oh, ow, 1);
    CHECK_NEAR(y4[0], 3, 0); CHECK_NEAR(y4[1], 6, 0); CHECK_NEAR(y4[2], 50, 0); CHECK_NEAR(y4[3], 101, 0);
}

static void test_depthwise_random(void)
{
    static const rand_case cases[] = {
        /* cm: channel multiplier */
        {1, 7, 5, 13, 1, 3, 1, NN__PAD_SAME, NN__ACT_RELU6},
        {2, 8, 7, 5, 1, 3, 2, NN__PAD_SAME, NN__ACT_RELU6},
        {1, 9, 9, 3, 1, 3, 2, NN__PAD_VALID, NN__ACT_NONE},
        {1, 6, 7, 4, 1, 5, 1, NN__PAD_SAME, NN__ACT_RELU6},
        {1, 11, 10, 3, 1, 5, 2, NN__PAD_VALID, NN__ACT_RELU6},
        {1, 6, 6, 3, 1, 5, 2, NN__PAD_SAME, NN__ACT_NONE},
        {1, 4, 5, 3, 2, 3, 1, NN__PAD_SAME, NN__ACT_RELU},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
        check_rand_case("depthwise", ci, &cases[ci], 1);
}

/* Both GEMM variants against the naive loop on sizes that hit every edge (pixels % 4, OC % 16, % 8). */
static void test_gemm_variants(void)
{
    static const int64_t sizes[][3] = {{7, 5, 11}, {8, 16, 16}, {13, 33, 40}, {4, 3, 8}, {9, 17, 25}, {1, 1, 1}};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        int64_t np = sizes[si][0], c = sizes[si][1], oc = sizes[si][2];
        float *x = malloc((size_t)(np * c) * 4), *w = malloc((size_t)(c * oc) * 4), *b = malloc((size_t)oc * 4);
        float *ref = malloc((size_t)(np * oc) * 4), *y = malloc((size_t)(np * oc) * 4);
        for (int64_t i = 0; i < np * c; i++) x[i] = frand() * 4;
        for (int64_t i = 0; i < c * oc; i++) w[i] = frand();
        for (int64_t i = 0; i < oc; i++) b[i] = frand() * 3;
        nn__conv_params p;
        int64_t oh, ow;
        CHECK_INT_EQ(nn__conv_params_init(&p, 1, np, 1, 1, 1, 1, NN__PAD_VALID, NN__ACT_RELU6, &oh, &ow), 0);
        naive_conv(x, 1, 1, np, c, w, oc, b, &p, ref, oh, ow, 0);
        for (int v = NN__GEMM_PORTABLE; v <= NN__GEMM_AVX2; v++) {
            if (!nn__gemm_variant_available((nn__gemm_variant)v)) {
                printf("gemm variant %d not available on this CPU\n", v);
                continue;
            }
            memset(y, 0xff, (size_t)(np * oc) * 4);
            /* in two pieces, as two threads would */
            nn__conv1x1_ref((nn__gemm_variant)v, x, c, w, oc, b, NN__ACT_RELU6, y, 0, np / 2);
            nn__conv1x1_ref((nn__gemm_variant)v, x, c, w, oc, b, NN__ACT_RELU6, y, np / 2, np);
            double worst = 0;
            for (int64_t i = 0; i < np * oc; i++) worst = fmax(worst, fabs((double)y[i] - ref[i]));
            CHECK_MSG(worst < 1e-5, "gemm variant %d size %zu: worst diff %g", v, si, worst);
        }
        free(x); free(w); free(b); free(ref); free(y);
    }
    CHECK(nn__gemm_variant_available(NN__GEMM_PORTABLE));
    CHECK(nn__gemm_variant_available(NN__GEMM_AUTO));
}

static void test_maxpool(void)
{
    /* 2x2 VALID stride 2 on 4x4 (the BlazePose variant), 2 channels: channel 1 = -channel 0 */
    float x[32], y[8];
    for (int i = 0; i < 16; i++) { x[2 * i] = (float)i; x[2 * i + 1] = -(float)i; }
    nn__conv_params p;
    int64_t oh, ow;
    CHECK_INT_EQ(nn__conv_params_init(&p, 4, 4, 2, 2, 2, 2, NN__PAD_VALID, NN__ACT_NONE, &oh, &ow), 0);
    for (int t = 0; t < 2; t++) nn__maxpool_ref(x, 1, 4, 4, 2, &p, y, oh, ow, t, 2);
    CHECK_NEAR(y[0], 5, 0); CHECK_NEAR(y[1], 0, 0); CHECK_NEAR(y[2], 7, 0); CHECK_NEAR(y[3], -2, 0);
    CHECK_NEAR(y[4], 13, 0); CHECK_NEAR(y[5], -8, 0); CHECK_NEAR(y[6], 15, 0); CHECK_NEAR(y[7], -10, 0);
    /* 5x5 SAME stride 1 (MultiPose) on 3x3 all negative: padding must not act as 0 */
    float xn[9] = {-9, -8, -7, -6, -5, -4, -3, -2, -1}, yn[9];
    CHECK_INT_EQ(nn__conv_params_init(&p, 3, 3, 5, 5, 1, 1, NN__PAD_SAME, NN__ACT_NONE, &oh, &ow), 0);
    nn__maxpool_ref(xn, 1, 3, 3, 1, &p, yn, oh, ow, 0, 1);
    for (int i = 0; i < 9; i++) CHECK_NEAR(yn[i], -1, 0);
    /* 3x3 SAME stride 1 on 1x4 row: windows clipped at both ends */
    float xr[4] = {-1, 3, -2, 0}, yr[4];
    CHECK_INT_EQ(nn__conv_params_init(&p, 1, 4, 3, 3, 1, 1, NN__PAD_SAME, NN__ACT_NONE, &oh, &ow), 0);
    for (int t = 0; t < 3; t++) nn__maxpool_ref(xr, 1, 1, 4, 1, &p, yr, oh, ow, t, 3);
    CHECK_NEAR(yr[0], 3, 0); CHECK_NEAR(yr[1], 3, 0); CHECK_NEAR(yr[2], 3, 0); CHECK_NEAR(yr[3], 0, 0);
}

static void test_split_range(void)
{
    int64_t b, e, covered = 0, prev = 0;
    for (int t = 0; t < 3; t++) {
        nn__split_range(10, t, 3, &b, &e);
        CHECK_INT_EQ(b, prev);
        covered += e - b;
        prev = e;
    }
    CHECK_INT_EQ(covered, 10);
    nn__split_range(2, 2, 3, &b, &e);
    CHECK_INT_EQ(e - b, 0);
}

int main(void)
{
    test_split_range();
    test_same_padding();
    test_conv3x3_s2_same_hand();
    test_conv1x1_hand();
    test_conv_random();
    test_gemm_variants();
    test_depthwise_hand();
    test_depthwise_random();
    test_maxpool();
    return check_report();
}
