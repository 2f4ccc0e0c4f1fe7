/*
 * test_kern_shape.c - Pad (spatial and channel padding, pad value, bool), DepthToSpace (DCR order),
 * ConcatV2 / Pack on every axis, Split / Unpack, Tile, Transpose, Fill, Range, on hand-computed cases.
 */
#include "check.h"
#include "kernels.h"

static nn__shape S(int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    nn__shape s = {.rank = rank, .d = {d0, d1, d2, d3}};
    return s;
}

static void test_pad(void)
{
    /* [1,2,2,1] with [[0,0],[1,1],[1,1],[0,0]] -> [1,4,4,1], zeros around */
    float x[4] = {1, 2, 3, 4}, y[16];
    nn__shape xs = S(4, 1, 2, 2, 1);
    int64_t b[4] = {0, 1, 1, 0}, a[4] = {0, 1, 1, 0};
    nn__pad_ref(x, 4, &xs, b, a, NULL, y);
    const float want[16] = {0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0};
    for (int i = 0; i < 16; i++) CHECK_NEAR(y[i], want[i], 0);
    /* channel padding [[0,0],[0,0],[0,0],[0,2]] on [1,1,2,2] -> [1,1,2,4] */
    float xc[4] = {1, 2, 3, 4}, yc[8];
    nn__shape cs = S(4, 1, 1, 2, 2);
    int64_t cb[4] = {0, 0, 0, 0}, ca[4] = {0, 0, 0, 2};
    nn__pad_ref(xc, 4, &cs, cb, ca, NULL, yc);
    const float wc[8] = {1, 2, 0, 0, 3, 4, 0, 0};
    for (int i = 0; i < 8; i++) CHECK_NEAR(yc[i], wc[i], 0);
    /* uneven pad with a value, int32, rank 2: [2,1] before (1,0) after (0,2) */
    int32_t xi[2] = {5, 6}, yi[9], v = -1;
    nn__shape is = S(2, 2, 1, 0, 0);
    int64_t ib[2] = {1, 0}, ia[2] = {0, 2};
    nn__pad_ref(xi, 4, &is, ib, ia, &v, yi);
    const int32_t wi[9] = {-1, -1, -1, 5, -1, -1, 6, -1, -1};
    for (int i = 0; i < 9; i++) CHECK_INT_EQ(yi[i], wi[i]);
    /* 2,2 spatial padding (BlazePose) on a 1x1 image keeps the value in the centre of 5x5 */
    float one = 7, y5[25];
    nn__shape s1 = S(4, 1, 1, 1, 1);
    int64_t b2[4] = {0, 2, 2, 0};
    nn__pad_ref(&one, 4, &s1, b2, b2, NULL, y5);
    for (int i = 0; i < 25; i++) CHECK_NEAR(y5[i], i == 12 ? 7 : 0, 0);
    /* a scalar pads to itself; an empty input gives only the pad value */
    float sc = 3, ys = 0;
    nn__shape s0 = S(0, 0, 0, 0, 0);
    nn__pad_ref(&sc, 4, &s0, NULL, NULL, NULL, &ys);
    CHECK_NEAR(ys, 3, 0);
    float ye[2] = {9, 9}, pv = -2;
    nn__shape se = S(1, 0, 0, 0, 0);
    int64_t eb[1] = {1}, ea[1] = {1};
    nn__pad_ref(NULL, 4, &se, eb, ea, &pv, ye);
    CHECK_NEAR(ye[0], -2, 0); CHECK_NEAR(ye[1], -2, 0);
}

static void test_depth_to_space(void)
{
    /* [1,1,1,4] block 2 -> [1,2,2,1]: channels (0,1,2,3) -> pixels (0,0),(0,1),(1,0),(1,1) */
    float x[4] = {1, 2, 3, 4}, y[4];
    nn__depth_to_space_ref(x, 4, 1, 1, 1, 4, 2, y);
    for (int i = 0; i < 4; i++) CHECK_NEAR(y[i], i + 1, 0);
    /* [1,1,2,8] block 2 -> [1,2,4,2]; x[0,0,w,c] = 100*w + c */
    float x2[16], y2[16];
    for (int w = 0; w < 2; w++)
        for (int c = 0; c < 8; c++) x2[w * 8 + c] = (float)(100 * w + c);
    nn__depth_to_space_ref(x2, 4, 1, 1, 2, 8, 2, y2);
    /* y[0, i, w*2 + j, k] = x[0, 0, w, (i*2 + j)*2 + k] */
    for (int i = 0; i < 2; i++)
        for (int ox = 0; ox < 4; ox++)
            for (int k = 0; k < 2; k++) {
                int w = ox / 2, j = ox % 2;
                CHECK_NEAR(y2[(i * 4 + ox) * 2 + k], 100 * w + (i * 2 + j) * 2 + k, 0);
            }
    CHECK_NEAR(y2[(1 * 4 + 1) * 2 + 1], 7, 0); /* spelled out: row 1, col 1, ch 1 = channel 7 */
}

static void test_concat_pack(void)
{
    float a[4] = {1, 2, 3, 4}, b[2] = {5, 6}, y[6];
    nn__shape sh[2] = {S(2, 2, 2, 0, 0), S(2, 2, 1, 0, 0)}, o;
    const void *xs[2] = {a, b};
    CHECK_INT_EQ(nn__concat_shape(2, sh, 1, &o), 0);
    CHECK_INT_EQ(o.d[0], 2); CHECK_INT_EQ(o.d[1], 3);
    nn__concat_ref(4, 2, xs, sh, 1, y);
    const float w1[6] = {1, 2, 5, 3, 4, 6};
    for (int i = 0; i < 6; i++) CHECK_NEAR(y[i], w1[i], 0);
    CHECK_INT_EQ(nn__concat_shape(2, sh, 0, &o), -1); /* dim 1 differs */
    nn__shape sh0[3] = {S(1, 2, 0, 0, 0), S(1, 1, 0, 0, 0), S(1, 3, 0, 0, 0)};
    int32_t p[2] = {1, 2}, q[1] = {3}, r[3] = {4, 5, 6}, yi[6];
    const void *xi[3] = {p, q, r};
    CHECK_INT_EQ(nn__concat_shape(3, sh0, 0, &o), 0);
    CHECK_INT_EQ(o.d[0], 6);
    nn__concat_ref(4, 3, xi, sh0, 0, yi);
    for (int i = 0; i < 6; i++) CHECK_INT_EQ(yi[i], i + 1);
    CHECK_INT_EQ(nn__normalize_axis(-1, 4), 3);
    CHECK_INT_EQ(nn__normalize_axis(4, 4), -1);
    CHECK_INT_EQ(nn__normalize_axis(-5, 4), -1);
    /* Pack two [2,2] along 0, 1, 2 */
    float u[4] = {1, 2, 3, 4}, v[4] = {5, 6, 7, 8}, z[8];
    const void *uv[2] = {u, v};
    nn__shape s22 = S(2, 2, 2, 0, 0);
    nn__pack_ref(4, 2, uv, &s22, 0, z);
    for (int i = 0; i < 8; i++) CHECK_NEAR(z[i], i + 1, 0);
    nn__pack_ref(4, 2, uv, &s22, 1, z);
    const float w2[8] = {1, 2, 5, 6, 3, 4, 7, 8};
    for (int i = 0; i < 8; i++) CHECK_NEAR(z[i], w2[i], 0);
    nn__pack_ref(4, 2, uv, &s22, 2, z);
    const float w3[8] = {1, 5, 2, 6, 3, 7, 4, 8};
    for (int i = 0; i < 8; i++) CHECK_NEAR(z[i], w3[i], 0);
    /* Pack of scalars (N=3, axis 0) */
    int32_t s0 = 1, s1 = 256, s2 = 3, ps[3];
    const void *sc[3] = {&s0, &s1, &s2};
    nn__shape scal = S(0, 0, 0, 0, 0);
    nn__pack_ref(4, 3, sc, &scal, 0, ps);
    CHECK_INT_EQ(ps[0], 1); CHECK_INT_EQ(ps[1], 256); CHECK_INT_EQ(ps[2], 3);
}

static void test_split_unpack(void)
{
    /* [2,4] split on axis 1 into 4 pieces of 1 (num_split=4) */
    float x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, p[4][2];
    nn__shape xs = S(2, 2, 4, 0, 0);
    int64_t sizes[4] = {1, 1, 1, 1};
    void *ys[4] = {p[0], p[1], p[2], p[3]};
    nn__split_ref(x, 4, &xs, 1, 4, sizes, ys);
    for (int k = 0; k < 4; k++) { CHECK_NEAR(p[k][0], k, 0); CHECK_NEAR(p[k][1], 4 + k, 0); }
    /* uneven sizes on axis 0 of [3,2] */
    float x3[6] = {1, 2, 3, 4, 5, 6}, a[2], b[4];
    nn__shape s3 = S(2, 3, 2, 0, 0);
    int64_t sz[2] = {1, 2};
    void *ab[2] = {a, b};
    nn__split_ref(x3, 4, &s3, 0, 2, sz, ab);
    CHECK_NEAR(a[1], 2, 0); CHECK_NEAR(b[0], 3, 0); CHECK_NEAR(b[3], 6, 0);
    /* Unpack [2,3,2] on axis 1 -> 3 x [2,2]; on axis 2 -> 2 x [2,3] */
    float t[12], u[3][4], v[2][6];
    for (int i = 0; i < 12; i++) t[i] = (float)i;
    nn__shape ts = S(3, 2, 3, 2, 0);
    void *uy[3] = {u[0], u[1], u[2]};
    nn__unpack_ref(t, 4, &ts, 1, uy);
    CHECK_NEAR(u[1][0], 2, 0); CHECK_NEAR(u[1][1], 3, 0); CHECK_NEAR(u[1][2], 8, 0); CHECK_NEAR(u[2][3], 11, 0);
    void *vy[2] = {v[0], v[1]};
    nn__unpack_ref(t, 4, &ts, 2, vy);
    for (int i = 0; i < 6; i++) { CHECK_NEAR(v[0][i], 2 * i, 0); CHECK_NEAR(v[1][i], 2 * i + 1, 0); }
}

static void test_tile_transpose_fill_range(void)
{
    int32_t x[2] = {1, 2}, y[12];
    nn__shape xs = S(2, 1, 2, 0, 0);
    int64_t m[2] = {3, 2};
    nn__tile_ref(x, 4, &xs, m, y);
    for (int i = 0; i < 12; i++) CHECK_INT_EQ(y[i], 1 + i % 2);
    float t[6] = {1, 2, 3, 4, 5, 6}, tt[6];
    nn__shape ts = S(2, 2, 3, 0, 0);
    int64_t m2[2] = {1, 1};
    nn__tile_ref(t, 4, &ts, m2, tt);
    CHECK(memcmp(t, tt, sizeof t) == 0);
    int64_t m3[2] = {2, 1};
    float t3[12];
    nn__tile_ref(t, 4, &ts, m3, t3);
    CHECK_NEAR(t3[6], 1, 0); CHECK_NEAR(t3[11], 6, 0);
    int perm[2] = {1, 0};
    nn__transpose_ref(t, 4, &ts, perm, tt);
    const float wt[6] = {1, 4, 2, 5, 3, 6};
    for (int i = 0; i < 6; i++) CHECK_NEAR(tt[i], wt[i], 0);
    float fv = 2.5f, f[3];
    nn__fill_ref(f, 4, 3, &fv);
    CHECK_NEAR(f[2], 2.5, 0);
    uint8_t bv = 1, bf[2] = {0, 0};
    nn__fill_ref(bf, 1, 2, &bv);
    CHECK(bf[0] == 1 && bf[1] == 1);
    CHECK_INT_EQ(nn__range_count(0, 5, 1), 5);
    CHECK_INT_EQ(nn__range_count(0, 5, 2), 3);
    CHECK_INT_EQ(nn__range_count(5, 0, -2), 3);
    CHECK_INT_EQ(nn__range_count(5, 0, 1), 0);
    CHECK_INT_EQ(nn__range_count(0, 0, 1), 0);
    CHECK_INT_EQ(nn__range_count(0, 1, 0), -1);
    int32_t r[5];
    nn__range_ref(NN__I32, 0, 1, 5, r);
    for (int i = 0; i < 5; i++) CHECK_INT_EQ(r[i], i);
    nn__range_ref(NN__I32, 5, -2, 3, r);
    CHECK_INT_EQ(r[0], 5); CHECK_INT_EQ(r[2], 1);
    float rf[3];
    nn__range_ref(NN__F32, 0.5, 0.25, 3, rf);
    CHECK_NEAR(rf[2], 1.0, 0);
}

int main(void)
{
    test_pad();
    test_depth_to_space();
    test_concat_pack();
    test_split_unpack();
    test_tile_transpose_fill_range();
    return check_report();
}
