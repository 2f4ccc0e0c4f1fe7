/*
 * test_kern_elementwise.c - binary ops with broadcasting (scalar, row, column, both sides, rank
 * mismatch), int32 floor division of negatives, comparisons and logical ops to bool, unary ops,
 * Cast (truncation), Select with broadcasting, AddN; thread counts 1/2/3 agree bit for bit;
 * random broadcasts against a per-element index computation.
 */
#include "check.h"
#include "kernels.h"

static nn__shape S(int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    nn__shape s = {.rank = rank, .d = {d0, d1, d2, d3}};
    return s;
}

static void bin(nn__binop op, nn__dtype dt, const void *a, nn__shape as, const void *b, nn__shape bs,
                void *y, nn__shape *ys, int nth)
{
    CHECK_INT_EQ(nn__broadcast_shape(&as, &bs, ys), 0);
    for (int t = 0; t < nth; t++) nn__binary_ref(op, dt, a, &as, b, &bs, y, ys, t, nth);
}

static void test_broadcast_shape(void)
{
    nn__shape o;
    nn__shape a = S(3, 2, 1, 4, 0), b = S(2, 3, 1, 0, 0);
    CHECK_INT_EQ(nn__broadcast_shape(&a, &b, &o), 0);
    CHECK_INT_EQ(o.rank, 3); CHECK_INT_EQ(o.d[0], 2); CHECK_INT_EQ(o.d[1], 3); CHECK_INT_EQ(o.d[2], 4);
    nn__shape c = S(1, 3, 0, 0, 0), d = S(2, 2, 4, 0, 0);
    CHECK_INT_EQ(nn__broadcast_shape(&c, &d, &o), -1);
    nn__shape sc = S(0, 0, 0, 0, 0);
    CHECK_INT_EQ(nn__broadcast_shape(&sc, &d, &o), 0);
    CHECK_INT_EQ(o.rank, 2); CHECK_INT_EQ(o.d[1], 4);
    CHECK_INT_EQ(nn__binop_out_dtype(NN__BIN_LESS, NN__F32), NN__BOOL);
    CHECK_INT_EQ(nn__binop_out_dtype(NN__BIN_ADD, NN__I32), NN__I32);
    CHECK_INT_EQ(nn__binop_out_dtype(NN__BIN_LOGICAL_AND, NN__F32), -1);
    CHECK_INT_EQ(nn__binop_out_dtype(NN__BIN_ADD, NN__BOOL), -1);
}

static void test_float_ops(void)
{
    float a[6] = {1, 2, 3, 4, 5, 6}, s = 2.0f, row[3] = {10, 20, 30}, col[2] = {-1, 1}, y[6];
    nn__shape ys;
    bin(NN__BIN_ADD, NN__F32, a, S(2, 2, 3, 0, 0), &s, S(0, 0, 0, 0, 0), y, &ys, 1);
    CHECK_NEAR(y[0], 3, 0); CHECK_NEAR(y[5], 8, 0);
    bin(NN__BIN_SUB, NN__F32, &s, S(1, 1, 0, 0, 0), a, S(2, 2, 3, 0, 0), y, &ys, 2); /* scalar on the left */
    CHECK_INT_EQ(ys.rank, 2); CHECK_NEAR(y[0], 1, 0); CHECK_NEAR(y[5], -4, 0);
    bin(NN__BIN_MUL, NN__F32, a, S(2, 2, 3, 0, 0), row, S(1, 3, 0, 0, 0), y, &ys, 3);
    CHECK_NEAR(y[0], 10, 0); CHECK_NEAR(y[4], 100, 0); CHECK_NEAR(y[5], 180, 0);
    bin(NN__BIN_MUL, NN__F32, a, S(2, 2, 3, 0, 0), col, S(2, 2, 1, 0, 0), y, &ys, 2);
    CHECK_NEAR(y[0], -1, 0); CHECK_NEAR(y[2], -3, 0); CHECK_NEAR(y[3], 4, 0);
    /* both sides broadcast: [2,1] x [1,3] -> [2,3] */
    bin(NN__BIN_SQUARED_DIFFERENCE, NN__F32, col, S(2, 2, 1, 0, 0), row, S(2, 1, 3, 0, 0), y, &ys, 3);
    CHECK_INT_EQ(ys.d[0], 2); CHECK_INT_EQ(ys.d[1], 3);
    CHECK_NEAR(y[0], 121, 0); CHECK_NEAR(y[2], 961, 0); CHECK_NEAR(y[3], 81, 0); CHECK_NEAR(y[5], 841, 0);
    float n[4] = {-7, 7, -7, 7.5f}, d[4] = {2, -2, -2, 2};
    bin(NN__BIN_FLOORDIV, NN__F32, n, S(1, 4, 0, 0, 0), d, S(1, 4, 0, 0, 0), y, &ys, 1);
    CHECK_NEAR(y[0], -4, 0); CHECK_NEAR(y[1], -4, 0); CHECK_NEAR(y[2], 3, 0); CHECK_NEAR(y[3], 3, 0);
    bin(NN__BIN_REALDIV, NN__F32, n, S(1, 4, 0, 0, 0), d, S(1, 4, 0, 0, 0), y, &ys, 1);
    CHECK_NEAR(y[0], -3.5, 0); CHECK_NEAR(y[3], 3.75, 0);
    bin(NN__BIN_MAXIMUM, NN__F32, n, S(1, 4, 0, 0, 0), &s, S(0, 0, 0, 0, 0), y, &ys, 1);
    CHECK_NEAR(y[0], 2, 0); CHECK_NEAR(y[1], 7, 0);
    bin(NN__BIN_MINIMUM, NN__F32, n, S(1, 4, 0, 0, 0), &s, S(0, 0, 0, 0, 0), y, &ys, 1);
    CHECK_NEAR(y[0], -7, 0); CHECK_NEAR(y[1], 2, 0);
}

static void test_int_ops(void)
{
    int32_t n[6] = {-7, 7, -7, 7, -6, 0}, d[6] = {2, -2, -2, 2, 3, 5}, y[6];
    nn__shape ys, s6 = S(1, 6, 0, 0, 0);
    bin(NN__BIN_FLOORDIV, NN__I32, n, s6, d, s6, y, &ys, 2);
    CHECK_INT_EQ(y[0], -4); CHECK_INT_EQ(y[1], -4); CHECK_INT_EQ(y[2], 3); CHECK_INT_EQ(y[3], 3);
    CHECK_INT_EQ(y[4], -2); CHECK_INT_EQ(y[5], 0);
    bin(NN__BIN_REALDIV, NN__I32, n, s6, d, s6, y, &ys, 1); /* TF.js: int32 div is floorDiv */
    CHECK_INT_EQ(y[0], -4); CHECK_INT_EQ(y[2], 3);
    int32_t z = 0, big = INT32_MAX, one = 1;
    bin(NN__BIN_FLOORDIV, NN__I32, n, s6, &z, S(0, 0, 0, 0, 0), y, &ys, 1);
    CHECK_INT_EQ(y[0], 0);
    bin(NN__BIN_ADD, NN__I32, &big, S(0, 0, 0, 0, 0), &one, S(0, 0, 0, 0, 0), y, &ys, 1);
    CHECK_INT_EQ(y[0], INT32_MIN); /* wraps like Int32Array */
    int32_t m[3] = {48, 48, 48}, col[2] = {2, 3}, y2[6];
    bin(NN__BIN_MUL, NN__I32, col, S(2, 2, 1, 0, 0), m, S(1, 3, 0, 0, 0), y2, &ys, 3);
    CHECK_INT_EQ(y2[0], 96); CHECK_INT_EQ(y2[3], 144);
    bin(NN__BIN_SUB, NN__I32, n, s6, d, s6, y, &ys, 1);
    CHECK_INT_EQ(y[0], -9); CHECK_INT_EQ(y[1], 9);
    bin(NN__BIN_MAXIMUM, NN__I32, n, s6, &z, S(0, 0, 0, 0, 0), y, &ys, 1);
    CHECK_INT_EQ(y[0], 0); CHECK_INT_EQ(y[1], 7);
    bin(NN__BIN_SQUARED_DIFFERENCE, NN__I32, n, s6, d, s6, y, &ys, 1);
    CHECK_INT_EQ(y[0], 81); CHECK_INT_EQ(y[4], 81);
}

static void test_compare_logical(void)
{
    float a[4] = {1, 2, 3, 4}, t = 2.5f;
    uint8_t y[4], y2[4];
    nn__shape ys, s4 = S(1, 4, 0, 0, 0), sc = S(0, 0, 0, 0, 0);
    bin(NN__BIN_GREATER, NN__F32, a, s4, &t, sc, y, &ys, 1);
    CHECK(y[0] == 0 && y[1] == 0 && y[2] == 1 && y[3] == 1);
    bin(NN__BIN_LESS, NN__F32, a, s4, &t, sc, y2, &ys, 1);
    CHECK(y2[0] == 1 && y2[1] == 1 && y2[2] == 0 && y2[3] == 0);
    float two = 2.0f;
    bin(NN__BIN_GREATER_EQUAL, NN__F32, a, s4, &two, sc, y, &ys, 2);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 1);
    bin(NN__BIN_LESS_EQUAL, NN__F32, a, s4, &two, sc, y, &ys, 2);
    CHECK(y[0] == 1 && y[1] == 1 && y[2] == 0);
    bin(NN__BIN_EQUAL, NN__F32, a, s4, &two, sc, y, &ys, 3);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 0 && y[3] == 0);
    int32_t ia[3] = {5, -1, 5}, five = 5;
    bin(NN__BIN_EQUAL, NN__I32, ia, S(1, 3, 0, 0, 0), &five, sc, y, &ys, 1);
    CHECK(y[0] == 1 && y[1] == 0 && y[2] == 1);
    bin(NN__BIN_NOT_EQUAL, NN__I32, ia, S(1, 3, 0, 0, 0), &five, sc, y, &ys, 1);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 0);
    bin(NN__BIN_NOT_EQUAL, NN__F32, a, s4, &two, sc, y, &ys, 1);
    CHECK(y[0] == 1 && y[1] == 0 && y[2] == 1 && y[3] == 1);
    /* int32 comparisons and Minimum against a broadcast scalar 5 */
    int32_t iv[3] = {4, 5, 6}, im[3];
    nn__shape s3 = S(1, 3, 0, 0, 0);
    bin(NN__BIN_GREATER, NN__I32, iv, s3, &five, sc, y, &ys, 1);
    CHECK(y[0] == 0 && y[1] == 0 && y[2] == 1);
    bin(NN__BIN_GREATER_EQUAL, NN__I32, iv, s3, &five, sc, y, &ys, 1);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 1);
    bin(NN__BIN_LESS, NN__I32, iv, s3, &five, sc, y, &ys, 1);
    CHECK(y[0] == 1 && y[1] == 0 && y[2] == 0);
    bin(NN__BIN_LESS_EQUAL, NN__I32, iv, s3, &five, sc, y, &ys, 1);
    CHECK(y[0] == 1 && y[1] == 1 && y[2] == 0);
    bin(NN__BIN_MINIMUM, NN__I32, iv, s3, &five, sc, im, &ys, 2);
    CHECK_INT_EQ(im[0], 4); CHECK_INT_EQ(im[1], 5); CHECK_INT_EQ(im[2], 5);
    /* bool equality treats any non-zero byte as true */
    uint8_t ba[3] = {0, 1, 2}, bb = 1;
    bin(NN__BIN_EQUAL, NN__BOOL, ba, s3, &bb, sc, y, &ys, 1);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 1);
    bin(NN__BIN_NOT_EQUAL, NN__BOOL, ba, s3, &bb, sc, y, &ys, 1);
    CHECK(y[0] == 1 && y[1] == 0 && y[2] == 0);
    CHECK_INT_EQ(nn__binop_out_dtype(NN__BIN_EQUAL, NN__BOOL), NN__BOOL);
    CHECK_INT_EQ(nn__binop_out_dtype(NN__BIN_GREATER, NN__BOOL), -1);
    CHECK_INT_EQ(nn__binop_out_dtype(NN__BIN_COUNT, NN__F32), -1);
    uint8_t p[4] = {1, 1, 0, 0}, q[2] = {1, 0}, r[4];
    bin(NN__BIN_LOGICAL_AND, NN__BOOL, p, S(2, 2, 2, 0, 0), q, S(1, 2, 0, 0, 0), r, &ys, 1);
    CHECK(r[0] == 1 && r[1] == 0 && r[2] == 0 && r[3] == 0);
    bin(NN__BIN_LOGICAL_OR, NN__BOOL, p, S(2, 2, 2, 0, 0), q, S(1, 2, 0, 0, 0), r, &ys, 2);
    CHECK(r[0] == 1 && r[1] == 1 && r[2] == 1 && r[3] == 0);
}

/* A big rank-4 broadcast [2,5,7,3] x [5,1,3] gives the same bytes for 1, 2 and 3 threads and
 * matches a direct index computation. */
static void test_threads(void)
{
    enum { N = 2 * 5 * 7 * 3 };
    float a[N], b[15], y1[N], y2[N];
    for (int i = 0; i < N; i++) a[i] = (float)i * 0.5f;
    for (int i = 0; i < 15; i++) b[i] = (float)(i * i);
    nn__shape ys;
    bin(NN__BIN_ADD, NN__F32, a, S(4, 2, 5, 7, 3), b, S(3, 5, 1, 3, 0), y1, &ys, 1);
    int bad = 0;
    for (int n = 0; n < 2; n++)
        for (int h = 0; h < 5; h++)
            for (int w = 0; w < 7; w++)
                for (int c = 0; c < 3; c++) {
                    int i = ((n * 5 + h) * 7 + w) * 3 + c;
                    if (y1[i] != a[i] + b[h * 3 + c]) bad++;
                }
    CHECK_INT_EQ(bad, 0);
    for (int nth = 2; nth <= 3; nth++) {
        memset(y2, 0, sizeof y2);
        bin(NN__BIN_ADD, NN__F32, a, S(4, 2, 5, 7, 3), b, S(3, 5, 1, 3, 0), y2, &ys, nth);
        CHECK(memcmp(y1, y2, sizeof y1) == 0);
    }
}

/* Random broadcasts (ranks 0-5, dims 1-4, each dim of each operand 1 or full, rank mismatch):
 * float Sub and bool LogicalAnd against the output element's operand offsets computed one dim at
 * a time, for 1-3 threads (the row iterator merges and steps dims; this checks it on its own). */
static void test_random_broadcast(void)
{
    uint32_t seed = 12345;
    int bad = 0;
    for (int it = 0; it < 400; it++) {
        int r = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 6;
        nn__shape ys = {.rank = r}, as = {.rank = r}, bs = {.rank = r};
        for (int i = 0; i < r; i++) {
            seed = seed * 1103515245u + 12345u;
            ys.d[i] = 1 + (int64_t)((seed >> 16) % 4);
            as.d[i] = (seed >> 20) & 1 ? ys.d[i] : 1;
            bs.d[i] = (seed >> 21) & 1 ? ys.d[i] : 1;
        }
        int da = (int)((seed >> 24) % 3), db = (int)((seed >> 26) % 3); /* leading dims dropped */
        if (da > r) da = r;
        if (db > r) db = r;
        as.rank = r - da;
        bs.rank = r - db;
        memmove(as.d, as.d + da, sizeof(int64_t) * (size_t)as.rank);
        memmove(bs.d, bs.d + db, sizeof(int64_t) * (size_t)bs.rank);
        nn__shape chk;
        CHECK_INT_EQ(nn__broadcast_shape(&as, &bs, &chk), 0);
        int64_t na = nn__shape_count(&as), nb = nn__shape_count(&bs), ny = nn__shape_count(&chk);
        float fa[1024], fb[1024], fy[1024];
        uint8_t ba[1024], bb[1024], by[1024];
        for (int64_t i = 0; i < na; i++) fa[i] = (float)(i * 3 + 1), ba[i] = (uint8_t)(i % 3 != 0);
        for (int64_t i = 0; i < nb; i++) fb[i] = (float)(i * 7), bb[i] = (uint8_t)(i % 2 == 0);
        int nth = 1 + it % 3;
        bin(NN__BIN_SUB, NN__F32, fa, as, fb, bs, fy, &ys, nth);
        bin(NN__BIN_LOGICAL_AND, NN__BOOL, ba, as, bb, bs, by, &ys, nth);
        for (int64_t e = 0; e < ny; e++) {
            int64_t rest = e, oa = 0, ob = 0, sa = 1, sb = 1;
            for (int i = ys.rank - 1; i >= 0; i--) {
                int64_t idx = rest % ys.d[i];
                rest /= ys.d[i];
                int ia = i - (ys.rank - as.rank), ib = i - (ys.rank - bs.rank);
                if (ia >= 0) {
                    if (as.d[ia] != 1) oa += idx * sa;
                    sa *= as.d[ia];
                }
                if (ib >= 0) {
                    if (bs.d[ib] != 1) ob += idx * sb;
                    sb *= bs.d[ib];
                }
            }
            if (fy[e] != fa[oa] - fb[ob] || by[e] != (ba[oa] && bb[ob])) bad++;
        }
    }
    CHECK_INT_EQ(bad, 0);
    /* an empty output (a dim of size 0, found by fuzz_model) walks no row */
    float one = 1.0f, none[1] = {7.0f};
    nn__shape ez;
    bin(NN__BIN_ADD, NN__F32, none, S(3, 2, 0, 3, 0), &one, S(0, 0, 0, 0, 0), none, &ez, 2);
    CHECK(none[0] == 7.0f);
}

static void test_unary(void)
{
    float x[5] = {-2, 0, 1, 4, 9}, y[5];
    nn__unary_ref(NN__UN_SIGMOID, NN__F32, x, y, 5, 0, 1);
    CHECK_NEAR(y[1], 0.5, 1e-7); CHECK_NEAR(y[0], 1.0 / (1.0 + exp(2.0)), 1e-7);
    nn__unary_ref(NN__UN_RELU6, NN__F32, x, y, 5, 0, 2);
    nn__unary_ref(NN__UN_RELU6, NN__F32, x, y, 5, 1, 2);
    CHECK_NEAR(y[0], 0, 0); CHECK_NEAR(y[3], 4, 0); CHECK_NEAR(y[4], 6, 0);
    nn__unary_ref(NN__UN_RELU, NN__F32, x, y, 5, 0, 1);
    CHECK_NEAR(y[0], 0, 0); CHECK_NEAR(y[4], 9, 0);
    nn__unary_ref(NN__UN_SQRT, NN__F32, x + 2, y, 3, 0, 1);
    CHECK_NEAR(y[0], 1, 0); CHECK_NEAR(y[1], 2, 0); CHECK_NEAR(y[2], 3, 0);
    nn__unary_ref(NN__UN_EXP, NN__F32, x, y, 3, 0, 1);
    CHECK_NEAR(y[0], exp(-2.0), 1e-7); CHECK_NEAR(y[1], 1, 0);
    nn__unary_ref(NN__UN_ABS, NN__F32, x, y, 2, 0, 1);
    CHECK_NEAR(y[0], 2, 0);
    nn__unary_ref(NN__UN_NEG, NN__F32, x, y, 1, 0, 1);
    CHECK_NEAR(y[0], 2, 0);
    nn__unary_ref(NN__UN_RECIPROCAL, NN__F32, x + 3, y, 1, 0, 1);
    CHECK_NEAR(y[0], 0.25, 0);
    float inplace[2] = {-1, 7};
    nn__unary_ref(NN__UN_RELU6, NN__F32, inplace, inplace, 2, 0, 1);
    CHECK_NEAR(inplace[0], 0, 0); CHECK_NEAR(inplace[1], 6, 0);
    int32_t xi[3] = {-3, 4, INT32_MIN}, yi[3];
    nn__unary_ref(NN__UN_ABS, NN__I32, xi, yi, 3, 0, 1);
    CHECK_INT_EQ(yi[0], 3); CHECK_INT_EQ(yi[1], 4); CHECK_INT_EQ(yi[2], INT32_MIN);
    uint8_t bx[2] = {0, 1}, by[2];
    nn__unary_ref(NN__UN_LOGICAL_NOT, NN__BOOL, bx, by, 2, 0, 1);
    CHECK(by[0] == 1 && by[1] == 0);
    CHECK(nn__unop_supports(NN__UN_SIGMOID, NN__F32));
    CHECK(!nn__unop_supports(NN__UN_SIGMOID, NN__I32));
    CHECK(nn__unop_supports(NN__UN_ABS, NN__I32));
    CHECK(nn__unop_supports(NN__UN_LOGICAL_NOT, NN__BOOL));
    CHECK(!nn__unop_supports(NN__UN_LOGICAL_NOT, NN__F32));
    CHECK(!nn__unop_supports(NN__UN_COUNT, NN__F32));
}

static void test_cast(void)
{
    float f[6] = {1.9f, -1.9f, 0.5f, -0.5f, NAN, 3e9f};
    int32_t i[6];
    nn__cast_ref(f, NN__F32, i, NN__I32, 6);
    CHECK_INT_EQ(i[0], 1); CHECK_INT_EQ(i[1], -1); CHECK_INT_EQ(i[2], 0); CHECK_INT_EQ(i[3], 0);
    CHECK_INT_EQ(i[4], 0); CHECK_INT_EQ(i[5], INT32_MAX);
    int32_t src[3] = {-5, 0, 16777217};
    float g[3];
    nn__cast_ref(src, NN__I32, g, NN__F32, 3);
    CHECK_NEAR(g[0], -5, 0); CHECK_NEAR(g[2], 16777216.0, 0); /* rounds to nearest float */
    int32_t big[3] = {16777219, INT32_MIN, INT32_MAX}; /* a tie to even, and the ends */
    nn__cast_ref(big, NN__I32, g, NN__F32, 3);
    CHECK(g[0] == 16777220.0f && g[1] == -2147483648.0f && g[2] == 2147483648.0f);
    uint8_t b[3] = {1, 0, 1}, b2[3];
    nn__cast_ref(b, NN__BOOL, g, NN__F32, 3);
    CHECK_NEAR(g[0], 1, 0); CHECK_NEAR(g[1], 0, 0);
    nn__cast_ref(src, NN__I32, b2, NN__BOOL, 3);
    CHECK(b2[0] == 1 && b2[1] == 0 && b2[2] == 1);
    nn__cast_ref(b, NN__BOOL, i, NN__I32, 3);
    CHECK_INT_EQ(i[0], 1); CHECK_INT_EQ(i[1], 0);
    nn__cast_ref(src, NN__I32, i, NN__I32, 3);
    CHECK_INT_EQ(i[2], 16777217);
    /* 21 int32 -> float: two groups of 8 (the vectorized loop) and a tail of 5, with the rounding
     * cases in both */
    int32_t many[21];
    float h[21], want[21];
    for (int k = 0; k < 21; k++) many[k] = (k - 10) * 1000003;
    many[3] = 16777217, many[9] = 16777219, many[12] = INT32_MIN, many[15] = INT32_MAX;
    many[17] = 16777219, many[19] = -16777217, many[20] = 33554435;
    for (int k = 0; k < 21; k++) want[k] = (float)(double)many[k]; /* exact, then one rounding */
    nn__cast_ref(many, NN__I32, h, NN__F32, 21);
    CHECK(!memcmp(h, want, sizeof h));
    CHECK(h[3] == 16777216.0f && h[9] == 16777220.0f && h[12] == -2147483648.0f && h[15] == 2147483648.0f);
    CHECK(h[17] == 16777220.0f && h[19] == -16777216.0f && h[20] == 33554436.0f);
}

static void test_select_addn(void)
{
    uint8_t c[2] = {1, 0};
    float a[6] = {1, 2, 3, 4, 5, 6}, b = -1.0f, y[6];
    nn__shape cs = S(2, 2, 1, 0, 0), as = S(2, 2, 3, 0, 0), bs = S(0, 0, 0, 0, 0), t, ys;
    CHECK_INT_EQ(nn__broadcast_shape(&cs, &as, &t), 0);
    CHECK_INT_EQ(nn__broadcast_shape(&t, &bs, &ys), 0);
    nn__select_ref(c, &cs, NN__F32, a, &as, &b, &bs, y, &ys);
    CHECK_NEAR(y[0], 1, 0); CHECK_NEAR(y[2], 3, 0); CHECK_NEAR(y[3], -1, 0); CHECK_NEAR(y[5], -1, 0);
    /* same-shape condition, int32 */
    uint8_t c3[3] = {0, 1, 0};
    int32_t ia[3] = {1, 2, 3}, ib[3] = {7, 8, 9}, iy[3];
    nn__shape s3 = S(1, 3, 0, 0, 0);
    nn__select_ref(c3, &s3, NN__I32, ia, &s3, ib, &s3, iy, &s3);
    CHECK_INT_EQ(iy[0], 7); CHECK_INT_EQ(iy[1], 2); CHECK_INT_EQ(iy[2], 9);
    float p[2] = {1, 2}, q[2] = {10, 20}, r[2] = {100, 200}, s[2];
    const void *xs[3] = {p, q, r};
    nn__addn_ref(NN__F32, 3, xs, s, 2);
    CHECK_NEAR(s[0], 111, 0); CHECK_NEAR(s[1], 222, 0);
    int32_t pi[1] = {1}, qi[1] = {-5};
    const void *xi[2] = {pi, qi};
    int32_t si[1];
    nn__addn_ref(NN__I32, 2, xi, si, 1);
    CHECK_INT_EQ(si[0], -4);
}

int main(void)
{
    test_broadcast_shape();
    test_float_ops();
    test_int_ops();
    test_compare_logical();
    test_threads();
    test_random_broadcast();
    test_unary();
    test_cast();
    test_select_addn();
    return check_report();
}
