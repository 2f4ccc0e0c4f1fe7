/*
 * test_kern_reduce.c - Sum/Max/Min/Mean over one, several, negative and no axes with and without
 * keep_dims; ArgMax on every axis with ties; TopKV2 sorted with ties, k = 0 and k = n.
 */
#include "check.h"
#include "kernels.h"

static nn__shape S(int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    nn__shape s = {.rank = rank, .d = {d0, d1, d2, d3}};
    return s;
}

static void test_reduce(void)
{
    /* x [2,3]: [[1,2,3],[4,5,6]] */
    float x[6] = {1, 2, 3, 4, 5, 6}, y[6];
    nn__shape xs = S(2, 2, 3, 0, 0), o;
    int64_t ax1[1] = {1}, ax0[1] = {0}, axn[1] = {-1}, both[2] = {0, 1};
    CHECK_INT_EQ(nn__reduce_shape(&xs, ax1, 1, 0, &o), 0);
    CHECK_INT_EQ(o.rank, 1); CHECK_INT_EQ(o.d[0], 2);
    nn__reduce_ref(NN__RED_SUM, NN__F32, x, &xs, ax1, 1, y);
    CHECK_NEAR(y[0], 6, 0); CHECK_NEAR(y[1], 15, 0);
    CHECK_INT_EQ(nn__reduce_shape(&xs, ax0, 1, 1, &o), 0);
    CHECK_INT_EQ(o.rank, 2); CHECK_INT_EQ(o.d[0], 1); CHECK_INT_EQ(o.d[1], 3);
    nn__reduce_ref(NN__RED_SUM, NN__F32, x, &xs, ax0, 1, y);
    CHECK_NEAR(y[0], 5, 0); CHECK_NEAR(y[1], 7, 0); CHECK_NEAR(y[2], 9, 0);
    nn__reduce_ref(NN__RED_MAX, NN__F32, x, &xs, axn, 1, y);
    CHECK_NEAR(y[0], 3, 0); CHECK_NEAR(y[1], 6, 0);
    nn__reduce_ref(NN__RED_MIN, NN__F32, x, &xs, ax0, 1, y);
    CHECK_NEAR(y[0], 1, 0); CHECK_NEAR(y[2], 3, 0);
    nn__reduce_ref(NN__RED_MEAN, NN__F32, x, &xs, ax1, 1, y);
    CHECK_NEAR(y[0], 2, 0); CHECK_NEAR(y[1], 5, 0);
    CHECK_INT_EQ(nn__reduce_shape(&xs, both, 2, 0, &o), 0);
    CHECK_INT_EQ(o.rank, 0);
    nn__reduce_ref(NN__RED_MAX, NN__F32, x, &xs, both, 2, y);
    CHECK_NEAR(y[0], 6, 0);
    nn__reduce_ref(NN__RED_SUM, NN__F32, x, &xs, both, 2, y);
    CHECK_NEAR(y[0], 21, 0);
    /* no axes: identity copy */
    CHECK_INT_EQ(nn__reduce_shape(&xs, NULL, 0, 0, &o), 0);
    CHECK_INT_EQ(o.rank, 2);
    nn__reduce_ref(NN__RED_SUM, NN__F32, x, &xs, NULL, 0, y);
    CHECK(memcmp(x, y, sizeof x) == 0);
    /* bad axis */
    int64_t bad[1] = {2};
    CHECK_INT_EQ(nn__reduce_shape(&xs, bad, 1, 0, &o), -1);
    /* rank 3, middle and outer axes reduced together: [2,3,2] over {0, 1} -> [2] */
    float t[12];
    for (int i = 0; i < 12; i++) t[i] = (float)i;
    nn__shape ts = S(3, 2, 3, 2, 0);
    int64_t a01[2] = {0, -2};
    nn__reduce_ref(NN__RED_SUM, NN__F32, t, &ts, a01, 2, y);
    CHECK_NEAR(y[0], 0 + 2 + 4 + 6 + 8 + 10, 0); CHECK_NEAR(y[1], 1 + 3 + 5 + 7 + 9 + 11, 0);
    /* int32 sum and max, negative values */
    int32_t xi[4] = {-5, 3, -1, -7}, yi[2];
    nn__shape is = S(2, 2, 2, 0, 0);
    nn__reduce_ref(NN__RED_SUM, NN__I32, xi, &is, ax1, 1, yi);
    CHECK_INT_EQ(yi[0], -2); CHECK_INT_EQ(yi[1], -8);
    nn__reduce_ref(NN__RED_MAX, NN__I32, xi, &is, ax0, 1, yi);
    CHECK_INT_EQ(yi[0], -1); CHECK_INT_EQ(yi[1], 3);
}

static void test_argmax(void)
{
    /* [2,3] with ties: row 0 [5,5,1] -> 0; row 1 [0,2,2] -> 1 */
    float x[6] = {5, 5, 1, 0, 2, 2};
    int32_t y[3];
    nn__shape xs = S(2, 2, 3, 0, 0);
    nn__argmax_ref(NN__F32, x, &xs, 1, y);
    CHECK_INT_EQ(y[0], 0); CHECK_INT_EQ(y[1], 1);
    /* over axis 0: columns [5,0] [5,2] [1,2] -> 0, 0, 1 */
    nn__argmax_ref(NN__F32, x, &xs, 0, y);
    CHECK_INT_EQ(y[0], 0); CHECK_INT_EQ(y[1], 0); CHECK_INT_EQ(y[2], 1);
    /* MoveNet-like: flattened heatmap [1, 9] with the max at the end, negative values */
    float h[9] = {-3, -2, -9, -1, -5, -1, -8, -7, -0.5f};
    int32_t yi;
    nn__shape hs = S(2, 1, 9, 0, 0);
    nn__argmax_ref(NN__F32, h, &hs, 1, &yi);
    CHECK_INT_EQ(yi, 8);
    int32_t xi[4] = {-1, 7, 7, 3};
    nn__shape is = S(1, 4, 0, 0, 0);
    nn__argmax_ref(NN__I32, xi, &is, 0, &yi);
    CHECK_INT_EQ(yi, 1);
    /* middle axis of [2,2,2] */
    float m[8] = {0, 9, 1, 2, 5, 5, 5, 6};
    int32_t ym[4];
    nn__shape ms = S(3, 2, 2, 2, 0);
    nn__argmax_ref(NN__F32, m, &ms, 1, ym);
    CHECK_INT_EQ(ym[0], 1); CHECK_INT_EQ(ym[1], 0); CHECK_INT_EQ(ym[2], 0); CHECK_INT_EQ(ym[3], 1);
    /* an empty axis reads nothing and writes index 0 */
    nn__shape es = S(2, 2, 0, 0, 0);
    ym[0] = ym[1] = 7;
    nn__argmax_ref(NN__F32, m, &es, 1, ym);
    CHECK_INT_EQ(ym[0], 0); CHECK_INT_EQ(ym[1], 0);
}

static void test_topk(void)
{
    float x[8] = {1, 3, 3, 0, 7, 3, -1, 7}, v[8];
    int32_t ind[8];
    nn__topk_ref(NN__F32, x, 1, 8, 4, v, ind);
    /* 7@4, 7@7, 3@1, 3@2 */
    CHECK_NEAR(v[0], 7, 0); CHECK_INT_EQ(ind[0], 4);
    CHECK_NEAR(v[1], 7, 0); CHECK_INT_EQ(ind[1], 7);
    CHECK_NEAR(v[2], 3, 0); CHECK_INT_EQ(ind[2], 1);
    CHECK_NEAR(v[3], 3, 0); CHECK_INT_EQ(ind[3], 2);
    nn__topk_ref(NN__F32, x, 1, 8, 8, v, ind);
    const int32_t all[8] = {4, 7, 1, 2, 5, 0, 3, 6};
    for (int i = 0; i < 8; i++) CHECK_INT_EQ(ind[i], all[i]);
    nn__topk_ref(NN__F32, x, 1, 8, 0, v, ind); /* k = 0: nothing written, no crash */
    /* two rows, int32 */
    int32_t xi[6] = {2, 9, 4, -1, -1, -3}, vi[4];
    nn__topk_ref(NN__I32, xi, 2, 3, 2, vi, ind);
    CHECK_INT_EQ(vi[0], 9); CHECK_INT_EQ(ind[0], 1); CHECK_INT_EQ(vi[1], 4); CHECK_INT_EQ(ind[1], 2);
    CHECK_INT_EQ(vi[2], -1); CHECK_INT_EQ(ind[2], 0); CHECK_INT_EQ(vi[3], -1); CHECK_INT_EQ(ind[3], 1);
    /* all equal: indices in order */
    float e[5] = {1, 1, 1, 1, 1};
    nn__topk_ref(NN__F32, e, 1, 5, 3, v, ind);
    CHECK_INT_EQ(ind[0], 0); CHECK_INT_EQ(ind[1], 1); CHECK_INT_EQ(ind[2], 2);
}

int main(void)
{
    test_reduce();
    test_argmax();
    test_topk();
    return check_report();
}
