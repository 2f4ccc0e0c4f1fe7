/*
 * test_kern_resize.c - ResizeBilinear in its three modes on hand-computed cases (the TF.js unit-test
 * values for alignCorners true/false, half-pixel 2x upsampling of the models), batch and channels,
 * and identical bytes for 1/2/3 threads.
 */
#include "check.h"
#include "kernels.h"

static void resize(const float *x, int64_t n, int64_t ih, int64_t iw, int64_t c, float *y, int64_t oh,
                   int64_t ow, int ac, int hp, int nth)
{
    for (int t = 0; t < nth; t++) nn__resize_bilinear_ref(x, n, ih, iw, c, NULL, y, oh, ow, ac, hp, t, nth);
}

static void test_legacy_and_align_corners(void)
{
    /* [2,2,1] = [[2,2],[4,4]] -> 3x3 (tfjs-core resize_bilinear_test "simple"). */
    float x[4] = {2, 2, 4, 4}, y[9];
    resize(x, 1, 2, 2, 1, y, 3, 3, 0, 0, 1);
    const float legacy[9] = {2, 2, 2, 10.0f / 3, 10.0f / 3, 10.0f / 3, 4, 4, 4};
    for (int i = 0; i < 9; i++) CHECK_NEAR(y[i], legacy[i], 1e-6);
    resize(x, 1, 2, 2, 1, y, 3, 3, 1, 0, 2);
    const float ac[9] = {2, 2, 2, 3, 3, 3, 4, 4, 4};
    for (int i = 0; i < 9; i++) CHECK_NEAR(y[i], ac[i], 1e-6);
    /* align_corners 1x3 row [0, 10, 20] -> 5: src = dst * 0.5 */
    float r[3] = {0, 10, 20}, ry[5];
    resize(r, 1, 1, 3, 1, ry, 1, 5, 1, 0, 1);
    for (int i = 0; i < 5; i++) CHECK_NEAR(ry[i], 5.0 * i, 1e-6);
    /* legacy 1x3 -> 1x2: src = dst * 1.5: [0, 15] */
    resize(r, 1, 1, 3, 1, ry, 1, 2, 0, 0, 1);
    CHECK_NEAR(ry[0], 0, 0); CHECK_NEAR(ry[1], 15, 1e-6);
}

static void test_half_pixel(void)
{
    /* 1x2 row [0, 8] -> 1x4 (2x upsampling, the models' case): src = (d + 0.5) / 2 - 0.5 =
     * -0.25, 0.25, 0.75, 1.25 -> clamped 0, 2, 6, 8. */
    float x[2] = {0, 8}, y[4];
    resize(x, 1, 1, 2, 1, y, 1, 4, 0, 1, 1);
    CHECK_NEAR(y[0], 0, 0); CHECK_NEAR(y[1], 2, 1e-6); CHECK_NEAR(y[2], 6, 1e-6); CHECK_NEAR(y[3], 8, 0);
    /* 2D, 2 channels: [2,2,2] -> [4,4,2]; channel 1 = 10 * channel 0 */
    float x2[8] = {0, 0, 4, 40, 8, 80, 12, 120}, y2[32];
    resize(x2, 1, 2, 2, 2, y2, 4, 4, 0, 1, 2);
    /* row weights (0,0), (0,.25), (0,.75), (1,1); out(1,2) = lerp(lerp(0,4,.75), lerp(8,12,.75), .25) */
    CHECK_NEAR(y2[(1 * 4 + 2) * 2], 3 + 0.25 * 8, 1e-6);
    CHECK_NEAR(y2[(1 * 4 + 2) * 2 + 1], 30 + 0.25 * 80, 1e-5);
    CHECK_NEAR(y2[0], 0, 0);
    CHECK_NEAR(y2[(3 * 4 + 3) * 2], 12, 1e-6);
    /* downsampling 4 -> 2 with half pixel: src = 0.5, 2.5 -> mean of neighbours */
    float r[4] = {0, 2, 4, 6}, ry[2];
    resize(r, 1, 1, 4, 1, ry, 1, 2, 0, 1, 1);
    CHECK_NEAR(ry[0], 1, 1e-6); CHECK_NEAR(ry[1], 5, 1e-6);
    /* identity size: src = dst exactly */
    float id[3] = {1, -2, 3}, iy[3];
    resize(id, 1, 1, 3, 1, iy, 1, 3, 0, 1, 1);
    for (int i = 0; i < 3; i++) CHECK_NEAR(iy[i], id[i], 0);
}

static void test_batch_threads(void)
{
    enum { N = 2, IH = 3, IW = 5, C = 3, OH = 7, OW = 4 };
    float x[N * IH * IW * C], y1[N * OH * OW * C], y2[N * OH * OW * C];
    for (int i = 0; i < N * IH * IW * C; i++) x[i] = (float)((i * 37) % 23) - 11.0f;
    for (int mode = 0; mode < 3; mode++) {
        int ac = mode == 1, hp = mode == 2;
        resize(x, N, IH, IW, C, y1, OH, OW, ac, hp, 1);
        for (int nth = 2; nth <= 3; nth++) {
            memset(y2, 0, sizeof y2);
            resize(x, N, IH, IW, C, y2, OH, OW, ac, hp, nth);
            CHECK_MSG(memcmp(y1, y2, sizeof y1) == 0, "mode %d nth %d differ", mode, nth);
        }
        /* batch 1 is independent of batch 0: resizing it alone gives the same values */
        float yb[OH * OW * C];
        resize(x + IH * IW * C, 1, IH, IW, C, yb, OH, OW, ac, hp, 1);
        CHECK(memcmp(yb, y1 + OH * OW * C, sizeof yb) == 0);
        /* values stay within the input range (convex combinations) */
        int out = 0;
        for (int i = 0; i < N * OH * OW * C; i++) out += y1[i] < -11.0f || y1[i] > 11.0f;
        CHECK_INT_EQ(out, 0);
    }
}

int main(void)
{
    test_legacy_and_align_corners();
    test_half_pixel();
    test_batch_threads();
    return check_report();
}
