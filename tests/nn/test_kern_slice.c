/*
 * test_kern_slice.c - StridedSlice resolution for every mask combination the models use
 * (shrink_axis on a shape vector, new_axis with begin/end masks in several positions), plus
 * negative indices, strides, reversal, clamping, ellipsis and the error cases; the copy by
 * contiguous runs against a one-element-at-a-time copy on random specs; GatherNd.
 */
#include "check.h"
#include "kernels.h"

static nn__shape S(int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    nn__shape s = {.rank = rank, .d = {d0, d1, d2, d3}};
    return s;
}

static int resolve(nn__shape in, int n, const int64_t *b, const int64_t *e, const int64_t *s, int bm,
                   int em, int elm, int nam, int sam, nn__slice_spec *spec)
{
    char err[128] = "";
    int rc = nn__strided_slice_resolve(&in, n, b, e, s, bm, em, elm, nam, sam, spec, err, sizeof err);
    if (rc != 0) CHECK_MSG(err[0] != 0, "an error comes with a message");
    return rc;
}

static void test_models_masks(void)
{
    nn__slice_spec sp;
    int64_t z3[3] = {0, 0, 0}, o3[3] = {1, 1, 1}, z4[4] = {0, 0, 0, 0}, o4[4] = {1, 1, 1, 1};
    /* shrink_axis_mask=1 on a shape vector [1,224,224,3]: x[1] as a scalar */
    int32_t shp[4] = {1, 224, 224, 3}, one;
    int64_t b1[1] = {1}, e1[1] = {2}, s1[1] = {1};
    CHECK_INT_EQ(resolve(S(1, 4, 0, 0, 0), 1, b1, e1, s1, 0, 0, 0, 0, 1, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 0);
    nn__strided_slice_ref(shp, 4, &sp, &one);
    CHECK_INT_EQ(one, 224);
    /* shrink with a negative index: x[-1] */
    int64_t bm1[1] = {-1}, em1[1] = {0};
    CHECK_INT_EQ(resolve(S(1, 4, 0, 0, 0), 1, bm1, em1, s1, 0, 0, 0, 0, 1, &sp), 0);
    nn__strided_slice_ref(shp, 4, &sp, &one);
    CHECK_INT_EQ(one, 3);
    /* begin_mask=3 end_mask=3 new_axis_mask=4 on [2,3]: x[:, :, newaxis] -> [2,3,1] */
    float x6[6] = {1, 2, 3, 4, 5, 6}, y[24];
    CHECK_INT_EQ(resolve(S(2, 2, 3, 0, 0), 3, z3, z3, o3, 3, 3, 0, 4, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 3);
    CHECK_INT_EQ(sp.out.d[0], 2); CHECK_INT_EQ(sp.out.d[1], 3); CHECK_INT_EQ(sp.out.d[2], 1);
    nn__strided_slice_ref(x6, 4, &sp, y);
    CHECK(memcmp(x6, y, sizeof x6) == 0);
    /* begin_mask=12 end_mask=12 new_axis_mask=3: x[newaxis, newaxis, :, :] -> [1,1,2,3] */
    CHECK_INT_EQ(resolve(S(2, 2, 3, 0, 0), 4, z4, z4, o4, 12, 12, 0, 3, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 4);
    CHECK_INT_EQ(sp.out.d[0], 1); CHECK_INT_EQ(sp.out.d[1], 1);
    CHECK_INT_EQ(sp.out.d[2], 2); CHECK_INT_EQ(sp.out.d[3], 3);
    /* begin_mask=3 end_mask=3 new_axis_mask=12: x[:, :, newaxis, newaxis] -> [2,3,1,1] */
    CHECK_INT_EQ(resolve(S(2, 2, 3, 0, 0), 4, z4, z4, o4, 3, 3, 0, 12, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 4);
    CHECK_INT_EQ(sp.out.d[1], 3); CHECK_INT_EQ(sp.out.d[2], 1); CHECK_INT_EQ(sp.out.d[3], 1);
    /* begin_mask=11 end_mask=11 new_axis_mask=4 on [2,3,4]: x[:, :, newaxis, :] -> [2,3,1,4] */
    CHECK_INT_EQ(resolve(S(3, 2, 3, 4, 0), 4, z4, z4, o4, 11, 11, 0, 4, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 4);
    CHECK_INT_EQ(sp.out.d[0], 2); CHECK_INT_EQ(sp.out.d[1], 3);
    CHECK_INT_EQ(sp.out.d[2], 1); CHECK_INT_EQ(sp.out.d[3], 4);
    /* begin_mask=7 end_mask=7 new_axis_mask=8 on [2,3,4]: x[:, :, :, newaxis] */
    CHECK_INT_EQ(resolve(S(3, 2, 3, 4, 0), 4, z4, z4, o4, 7, 7, 0, 8, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 4); CHECK_INT_EQ(sp.out.d[2], 4); CHECK_INT_EQ(sp.out.d[3], 1);
    /* begin_mask=5 end_mask=1 new_axis_mask=2 on [4,6]: x[:, newaxis, :2] -> [4,1,2] */
    float x24[24];
    for (int i = 0; i < 24; i++) x24[i] = (float)i;
    int64_t e5[3] = {0, 0, 2};
    CHECK_INT_EQ(resolve(S(2, 4, 6, 0, 0), 3, z3, e5, o3, 5, 1, 0, 2, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 3);
    CHECK_INT_EQ(sp.out.d[0], 4); CHECK_INT_EQ(sp.out.d[1], 1); CHECK_INT_EQ(sp.out.d[2], 2);
    nn__strided_slice_ref(x24, 4, &sp, y);
    CHECK_NEAR(y[0], 0, 0); CHECK_NEAR(y[1], 1, 0); CHECK_NEAR(y[2], 6, 0); CHECK_NEAR(y[7], 19, 0);
    /* no masks: x[1:3, 2:5] of [4,6] */
    int64_t b2[2] = {1, 2}, e2[2] = {3, 5}, s2[2] = {1, 1};
    CHECK_INT_EQ(resolve(S(2, 4, 6, 0, 0), 2, b2, e2, s2, 0, 0, 0, 0, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.d[0], 2); CHECK_INT_EQ(sp.out.d[1], 3);
    nn__strided_slice_ref(x24, 4, &sp, y);
    CHECK_NEAR(y[0], 8, 0); CHECK_NEAR(y[2], 10, 0); CHECK_NEAR(y[3], 14, 0); CHECK_NEAR(y[5], 16, 0);
}

static void test_general(void)
{
    nn__slice_spec sp;
    float x[10], y[10];
    for (int i = 0; i < 10; i++) x[i] = (float)i;
    nn__shape v10 = S(1, 10, 0, 0, 0);
    /* negative begin/end: x[-3:-1] = 7, 8 */
    int64_t b[1] = {-3}, e[1] = {-1}, s[1] = {1};
    CHECK_INT_EQ(resolve(v10, 1, b, e, s, 0, 0, 0, 0, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.d[0], 2);
    nn__strided_slice_ref(x, 4, &sp, y);
    CHECK_NEAR(y[0], 7, 0); CHECK_NEAR(y[1], 8, 0);
    /* stride 3 from 1 to the end (end clamped from 100): 1, 4, 7 */
    b[0] = 1; e[0] = 100; s[0] = 3;
    CHECK_INT_EQ(resolve(v10, 1, b, e, s, 0, 0, 0, 0, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.d[0], 3);
    nn__strided_slice_ref(x, 4, &sp, y);
    CHECK_NEAR(y[2], 7, 0);
    /* reversal x[::-1] via masks, and x[8:2:-2] = 8, 6, 4 */
    s[0] = -1;
    CHECK_INT_EQ(resolve(v10, 1, b, e, s, 1, 1, 0, 0, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.d[0], 10);
    nn__strided_slice_ref(x, 4, &sp, y);
    CHECK_NEAR(y[0], 9, 0); CHECK_NEAR(y[9], 0, 0);
    b[0] = 8; e[0] = 2; s[0] = -2;
    CHECK_INT_EQ(resolve(v10, 1, b, e, s, 0, 0, 0, 0, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.d[0], 3);
    nn__strided_slice_ref(x, 4, &sp, y);
    CHECK_NEAR(y[0], 8, 0); CHECK_NEAR(y[2], 4, 0);
    /* empty: x[5:2] with stride 1 */
    b[0] = 5; e[0] = 2; s[0] = 1;
    CHECK_INT_EQ(resolve(v10, 1, b, e, s, 0, 0, 0, 0, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.d[0], 0);
    /* ellipsis: x[..., 1:3] of [2,3,4] -> [2,3,2]; x[0, ...] (shrink) -> [3,4] */
    float t[24];
    for (int i = 0; i < 24; i++) t[i] = (float)i;
    int64_t eb[2] = {0, 1}, ee[2] = {0, 3}, es[2] = {1, 1};
    CHECK_INT_EQ(resolve(S(3, 2, 3, 4, 0), 2, eb, ee, es, 0, 0, 1, 0, 0, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 3); CHECK_INT_EQ(sp.out.d[2], 2);
    float ty[24];
    nn__strided_slice_ref(t, 4, &sp, ty);
    CHECK_NEAR(ty[0], 1, 0); CHECK_NEAR(ty[1], 2, 0); CHECK_NEAR(ty[2], 5, 0); CHECK_NEAR(ty[11], 22, 0);
    int64_t sb[2] = {1, 0}, se[2] = {2, 0};
    CHECK_INT_EQ(resolve(S(3, 2, 3, 4, 0), 2, sb, se, es, 0, 0, 2, 0, 1, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 2); CHECK_INT_EQ(sp.out.d[0], 3); CHECK_INT_EQ(sp.out.d[1], 4);
    nn__strided_slice_ref(t, 4, &sp, ty);
    CHECK_NEAR(ty[0], 12, 0); CHECK_NEAR(ty[11], 23, 0);
    /* a spec shorter than the rank keeps the trailing dims whole: x[1] of [2,3,4] -> [3,4] */
    CHECK_INT_EQ(resolve(S(3, 2, 3, 4, 0), 1, sb, se, es, 0, 0, 0, 0, 1, &sp), 0);
    CHECK_INT_EQ(sp.out.rank, 2); CHECK_INT_EQ(sp.out.d[1], 4);
    /* errors */
    int64_t zb[1] = {0}, ze[1] = {1}, zs[1] = {0};
    CHECK_INT_EQ(resolve(v10, 1, zb, ze, zs, 0, 0, 0, 0, 0, &sp), -1);    /* stride 0 */
    int64_t ob[1] = {10}, os[1] = {1};
    CHECK_INT_EQ(resolve(v10, 1, ob, ze, os, 0, 0, 0, 0, 1, &sp), -1);    /* shrink out of range */
    CHECK_INT_EQ(resolve(S(3, 2, 3, 4, 0), 2, eb, ee, es, 0, 0, 3, 0, 0, &sp), -1); /* 2 ellipses */
    int64_t lb[2] = {0, 0}, le[2] = {1, 1}, ls[2] = {1, 1};
    CHECK_INT_EQ(resolve(v10, 2, lb, le, ls, 0, 0, 0, 0, 0, &sp), -1);   /* more entries than dims */
    CHECK_INT_EQ(resolve(v10, NN__MAX_RANK + 1, lb, le, ls, 0, 0, 0, 0, 0, &sp), -1); /* spec too long */
}

static void test_gather_nd(void)
{
    float p[6] = {0, 1, 2, 10, 11, 12}, y[6];
    nn__shape ps = S(2, 2, 3, 0, 0), o;
    /* full indices [[1,2],[0,0]] -> elements */
    int32_t i1[4] = {1, 2, 0, 0};
    nn__shape is1 = S(2, 2, 2, 0, 0);
    CHECK_INT_EQ(nn__gather_nd_shape(&ps, &is1, &o), 0);
    CHECK_INT_EQ(o.rank, 1); CHECK_INT_EQ(o.d[0], 2);
    CHECK_INT_EQ(nn__gather_nd_ref(p, 4, &ps, i1, &is1, y), 0);
    CHECK_NEAR(y[0], 12, 0); CHECK_NEAR(y[1], 0, 0);
    /* partial indices [[1]] -> row 1, shape [1,3] */
    int32_t i2[1] = {1};
    nn__shape is2 = S(2, 1, 1, 0, 0);
    CHECK_INT_EQ(nn__gather_nd_shape(&ps, &is2, &o), 0);
    CHECK_INT_EQ(o.rank, 2); CHECK_INT_EQ(o.d[1], 3);
    CHECK_INT_EQ(nn__gather_nd_ref(p, 4, &ps, i2, &is2, y), 0);
    CHECK_NEAR(y[0], 10, 0); CHECK_NEAR(y[2], 12, 0);
    /* MoveNet-like: params [1,4,4,2] gathered with [1,2,4] indices (batch,y,x,channel) */
    float h[32];
    for (int i = 0; i < 32; i++) h[i] = (float)i;
    int32_t i3[8] = {0, 3, 1, 1, 0, 0, 2, 0};
    nn__shape hs = S(4, 1, 4, 4, 2), is3 = S(3, 1, 2, 4, 0);
    CHECK_INT_EQ(nn__gather_nd_shape(&hs, &is3, &o), 0);
    CHECK_INT_EQ(o.rank, 2); CHECK_INT_EQ(o.d[0], 1); CHECK_INT_EQ(o.d[1], 2);
    CHECK_INT_EQ(nn__gather_nd_ref(h, 4, &hs, i3, &is3, y), 0);
    CHECK_NEAR(y[0], (3 * 4 + 1) * 2 + 1, 0); CHECK_NEAR(y[1], 4, 0);
    /* errors: index out of range, K > rank */
    int32_t bad[2] = {2, 0};
    nn__shape isb = S(2, 1, 2, 0, 0);
    CHECK_INT_EQ(nn__gather_nd_ref(p, 4, &ps, bad, &isb, y), -1);
    int32_t neg[2] = {0, -1};
    CHECK_INT_EQ(nn__gather_nd_ref(p, 4, &ps, neg, &isb, y), -1);
    nn__shape isk = S(2, 1, 3, 0, 0);
    CHECK_INT_EQ(nn__gather_nd_shape(&ps, &isk, &o), -1);
}

/* The copy takes contiguous runs (trailing dims taken whole plus one more of stride 1): on random
 * specs of ranks 1-4 (starts, counts including 0, strides -2..2), the same elements as a copy of
 * one element at a time. */
static void test_runs_random(void)
{
    uint32_t seed = 12345;
    float x[4 * 5 * 3 * 6], y[4 * 5 * 3 * 6], want[4 * 5 * 3 * 6];
    for (int i = 0; i < 360; i++) x[i] = (float)i;
    for (int it = 0; it < 400; it++) {
        nn__slice_spec sp = {0};
        static const int64_t dims[4] = {4, 5, 3, 6};
        sp.rank = 1 + (int)(seed % 4);
        for (int i = 0; i < sp.rank; i++) {
            seed = seed * 1103515245u + 12345u;
            int64_t n = dims[i], st = (int64_t)((seed >> 8) % 5) - 2;
            if (st == 0) st = 1;
            if ((seed >> 20) % 3 == 0) st = 1; /* favour stride 1: the runs */
            int64_t start = (int64_t)((seed >> 12) % (uint32_t)n);
            int64_t room = st > 0 ? (n - start + st - 1) / st : start / -st + 1;
            int64_t cnt = (seed >> 16) % 4 == 0 ? room : (int64_t)((seed >> 4) % (uint32_t)(room + 1));
            if ((seed >> 24) % 3 == 0) start = 0, st = 1, cnt = n; /* a dim taken whole */
            sp.in_dims[i] = n;
            sp.start[i] = start;
            sp.stride[i] = st;
            sp.count[i] = cnt;
        }
        int64_t total = 1, idx[4] = {0}, acc = 1, ist[4];
        for (int i = sp.rank - 1; i >= 0; i--) ist[i] = acc, acc *= sp.in_dims[i], total *= sp.count[i];
        for (int64_t e = 0; e < total; e++) {
            int64_t off = 0;
            for (int i = 0; i < sp.rank; i++) off += (sp.start[i] + idx[i] * sp.stride[i]) * ist[i];
            want[e] = x[off];
            for (int i = sp.rank - 1; i >= 0; i--) {
                if (++idx[i] < sp.count[i]) break;
                idx[i] = 0;
            }
        }
        for (int i = 0; i < 360; i++) y[i] = -1.0f;
        nn__strided_slice_ref(x, 4, &sp, y);
        CHECK_MSG(memcmp(y, want, (size_t)total * sizeof(float)) == 0 && (total == 360 || y[total] == -1.0f),
                  "case %d: rank %d, %lld elements differ from the one-by-one copy", it, sp.rank, (long long)total);
        seed = seed * 1103515245u + 12345u;
    }
}

int main(void)
{
    test_models_masks();
    test_general();
    test_runs_random();
    test_gather_nd();
    return check_report();
}
