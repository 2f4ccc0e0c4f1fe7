/*
 * kern_elementwise.c - binary ops with numpy/TF broadcasting, unary ops, Cast, Select (tf.where)
 * and AddN, for float32, int32 and bool (uint8 0/1) tensors.
 *
 * A binary op walks the flat output range of its thread in rows (nn__bcast_iter: size-1 dims
 * dropped, dims with the same broadcast pattern merged); along a row each input advances by 1 or
 * stays put, so the per-op loops below are simple strided loops with the switch on the op outside
 * them.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "kernels.h"

int nn__broadcast_shape(const nn__shape *a, const nn__shape *b, nn__shape *out)
{
    int rank = a->rank > b->rank ? a->rank : b->rank;
    if (rank > NN__MAX_RANK) return -1;
    nn__shape r = {.rank = rank};
    for (int i = 0; i < rank; i++) {
        int ia = i - (rank - a->rank), ib = i - (rank - b->rank);
        int64_t da = ia >= 0 ? a->d[ia] : 1, db = ib >= 0 ? b->d[ib] : 1;
        if (da != db && da != 1 && db != 1) return -1;
        r.d[i] = da == 1 ? db : da;
    }
    *out = r;
    return 0;
}

int nn__binop_out_dtype(nn__binop op, nn__dtype in)
{
    switch (op) {
    case NN__BIN_ADD: case NN__BIN_SUB: case NN__BIN_MUL: case NN__BIN_REALDIV:
    case NN__BIN_FLOORDIV: case NN__BIN_MAXIMUM: case NN__BIN_MINIMUM:
    case NN__BIN_SQUARED_DIFFERENCE:
        return in == NN__BOOL ? -1 : (int)in;
    case NN__BIN_EQUAL: case NN__BIN_NOT_EQUAL:
        return NN__BOOL;
    case NN__BIN_GREATER: case NN__BIN_GREATER_EQUAL: case NN__BIN_LESS: case NN__BIN_LESS_EQUAL:
        return in == NN__BOOL ? -1 : NN__BOOL;
    case NN__BIN_LOGICAL_AND: case NN__BIN_LOGICAL_OR:
        return in == NN__BOOL ? NN__BOOL : -1;
    case NN__BIN_COUNT: break;
    }
    return -1;
}

/* Integer floor division: the quotient rounded toward -infinity; x / 0 -> 0. */
static int32_t floordiv_i32(int32_t a, int32_t b)
{
    if (b == 0) return 0;
    if (b == -1) return (int32_t)(0u - (uint32_t)a); /* INT32_MIN / -1 wraps instead of trapping */
    int32_t q = a / b, r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}

/* The cases of row_f32 and row_i32 that are the same C for both types (no arithmetic, so no int32
 * wrapping to care about): max/min into y, the comparisons into the bool output yb. They use the
 * locals and parameters of those two functions (a, sa, b, sb, y, yb, n, i). */
#define ROW_MAX_MIN_CASES                                                                          \
    case NN__BIN_MAXIMUM:                                                                          \
        for (i = 0; i < n; i++) y[i] = a[i * sa] > b[i * sb] ? a[i * sa] : b[i * sb];              \
        break;                                                                                     \
    case NN__BIN_MINIMUM:                                                                          \
        for (i = 0; i < n; i++) y[i] = a[i * sa] < b[i * sb] ? a[i * sa] : b[i * sb];              \
        break;
#define ROW_COMPARE_CASES                                                                          \
    case NN__BIN_EQUAL: for (i = 0; i < n; i++) yb[i] = a[i * sa] == b[i * sb]; break;             \
    case NN__BIN_NOT_EQUAL: for (i = 0; i < n; i++) yb[i] = a[i * sa] != b[i * sb]; break;         \
    case NN__BIN_GREATER: for (i = 0; i < n; i++) yb[i] = a[i * sa] > b[i * sb]; break;            \
    case NN__BIN_GREATER_EQUAL: for (i = 0; i < n; i++) yb[i] = a[i * sa] >= b[i * sb]; break;     \
    case NN__BIN_LESS: for (i = 0; i < n; i++) yb[i] = a[i * sa] < b[i * sb]; break;               \
    case NN__BIN_LESS_EQUAL: for (i = 0; i < n; i++) yb[i] = a[i * sa] <= b[i * sb]; break;

static void row_f32(nn__binop op, const float *a, int64_t sa, const float *b, int64_t sb, void *yv,
                    int64_t n)
{
    float *y = yv;
    uint8_t *yb = yv;
    int64_t i;
    switch (op) {
    case NN__BIN_ADD: for (i = 0; i < n; i++) y[i] = a[i * sa] + b[i * sb]; break;
    case NN__BIN_SUB: for (i = 0; i < n; i++) y[i] = a[i * sa] - b[i * sb]; break;
    case NN__BIN_MUL: for (i = 0; i < n; i++) y[i] = a[i * sa] * b[i * sb]; break;
    case NN__BIN_REALDIV: for (i = 0; i < n; i++) y[i] = a[i * sa] / b[i * sb]; break;
    case NN__BIN_FLOORDIV: for (i = 0; i < n; i++) y[i] = floorf(a[i * sa] / b[i * sb]); break;
    ROW_MAX_MIN_CASES
    case NN__BIN_SQUARED_DIFFERENCE:
        for (i = 0; i < n; i++) {
            float d = a[i * sa] - b[i * sb];
            y[i] = d * d;
        }
        break;
    ROW_COMPARE_CASES
    default: assert(0 && "op not defined on float32");
    }
}

static void row_i32(nn__binop op, const int32_t *a, int64_t sa, const int32_t *b, int64_t sb,
                    void *yv, int64_t n)
{
    int32_t *y = yv;
    uint8_t *yb = yv;
    int64_t i;
    /* Wrapping arithmetic through uint32_t, like Int32Array stores, without signed-overflow UB. */
    switch (op) {
    case NN__BIN_ADD:
        for (i = 0; i < n; i++) y[i] = (int32_t)((uint32_t)a[i * sa] + (uint32_t)b[i * sb]);
        break;
    case NN__BIN_SUB:
        for (i = 0; i < n; i++) y[i] = (int32_t)((uint32_t)a[i * sa] - (uint32_t)b[i * sb]);
        break;
    case NN__BIN_MUL:
        for (i = 0; i < n; i++) y[i] = (int32_t)((uint32_t)a[i * sa] * (uint32_t)b[i * sb]);
        break;
    case NN__BIN_REALDIV: /* TF.js: tf.div of two int32 tensors is floorDiv */
    case NN__BIN_FLOORDIV:
        for (i = 0; i < n; i++) y[i] = floordiv_i32(a[i * sa], b[i * sb]);
        break;
    ROW_MAX_MIN_CASES
    case NN__BIN_SQUARED_DIFFERENCE:
        for (i = 0; i < n; i++) {
            uint32_t d = (uint32_t)a[i * sa] - (uint32_t)b[i * sb];
            y[i] = (int32_t)(d * d);
        }
        break;
    ROW_COMPARE_CASES
    default: assert(0 && "op not defined on int32");
    }
}

static void row_bool(nn__binop op, const uint8_t *a, int64_t sa, const uint8_t *b, int64_t sb,
                     uint8_t *y, int64_t n)
{
    int64_t i;
    switch (op) {
    case NN__BIN_LOGICAL_AND: for (i = 0; i < n; i++) y[i] = (a[i * sa] && b[i * sb]); break;
    case NN__BIN_LOGICAL_OR: for (i = 0; i < n; i++) y[i] = (a[i * sa] || b[i * sb]); break;
    case NN__BIN_EQUAL: for (i = 0; i < n; i++) y[i] = (!a[i * sa] == !b[i * sb]); break;
    case NN__BIN_NOT_EQUAL: for (i = 0; i < n; i++) y[i] = (!a[i * sa] != !b[i * sb]); break;
    default: assert(0 && "op not defined on bool");
    }
}

void nn__bcast_iter_init(nn__bcast_iter *it, const nn__shape *as, const nn__shape *bs, const nn__shape *ys,
                         int64_t e0, int64_t e1)
{
    it->e = e0;
    it->e1 = e1;
    if (e0 >= e1) return; /* nothing to walk (also an output with a dim of size 0) */
    int fa[NN__MAX_RANK], fb[NN__MAX_RANK], nd = 0, r = ys->rank;
    for (int i = 0; i < r; i++) {
        if (ys->d[i] == 1) continue;
        int ia = i - (r - as->rank), ib = i - (r - bs->rank);
        int full_a = ia >= 0 && as->d[ia] != 1, full_b = ib >= 0 && bs->d[ib] != 1;
        if (nd > 0 && fa[nd - 1] == full_a && fb[nd - 1] == full_b) {
            it->cd[nd - 1] *= ys->d[i];
            continue;
        }
        it->cd[nd] = ys->d[i];
        fa[nd] = full_a;
        fb[nd] = full_b;
        nd++;
    }
    if (nd == 0) { /* one element */
        it->cd[0] = 1;
        fa[0] = fb[0] = 1;
        nd = 1;
    }
    int64_t acc_a = 1, acc_b = 1;
    for (int k = nd - 1; k >= 0; k--) {
        it->sta[k] = fa[k] ? acc_a : 0;
        it->stb[k] = fb[k] ? acc_b : 0;
        if (fa[k]) acc_a *= it->cd[k];
        if (fb[k]) acc_b *= it->cd[k];
    }
    it->nd = nd;
    it->ia = fa[nd - 1];
    it->ib = fb[nd - 1];
    it->len = it->cd[nd - 1];
    it->pos = e0 % it->len;
    it->oa = it->ob = 0;
    int64_t rest = e0 / it->len;
    for (int k = nd - 2; k >= 0; k--) { /* the odometer at e0's row */
        it->idx[k] = rest % it->cd[k];
        rest /= it->cd[k];
        it->oa += it->idx[k] * it->sta[k];
        it->ob += it->idx[k] * it->stb[k];
    }
}

int nn__bcast_iter_next(nn__bcast_iter *it, int64_t *e, int64_t *len, int64_t *oa, int64_t *ob)
{
    if (it->e >= it->e1) return 0;
    int64_t n = it->len - it->pos < it->e1 - it->e ? it->len - it->pos : it->e1 - it->e;
    *e = it->e;
    *len = n;
    *oa = it->oa + it->pos * it->ia;
    *ob = it->ob + it->pos * it->ib;
    it->e += n;
    it->pos = 0;
    for (int k = it->nd - 2; k >= 0; k--) { /* next row */
        it->oa += it->sta[k];
        it->ob += it->stb[k];
        if (++it->idx[k] < it->cd[k]) break;
        it->oa -= it->cd[k] * it->sta[k];
        it->ob -= it->cd[k] * it->stb[k];
        it->idx[k] = 0;
    }
    return 1;
}

void nn__binary_ref(nn__binop op, nn__dtype dt, const void *a, const nn__shape *as,
                    const void *b, const nn__shape *bs, void *y, const nn__shape *ys,
                    int ith, int nth)
{
    int odt = nn__binop_out_dtype(op, dt);
    assert(odt >= 0);
    size_t ein = nn__dtype_size(dt), eout = nn__dtype_size((nn__dtype)odt);
    int64_t e0, e1, e, len, oa, ob;
    nn__split_range(nn__shape_count(ys), ith, nth, &e0, &e1);
    nn__bcast_iter it;
    nn__bcast_iter_init(&it, as, bs, ys, e0, e1);
    while (nn__bcast_iter_next(&it, &e, &len, &oa, &ob)) {
        const char *pa = (const char *)a + (size_t)oa * ein, *pb = (const char *)b + (size_t)ob * ein;
        char *py = (char *)y + (size_t)e * eout;
        switch (dt) {
        case NN__F32: row_f32(op, (const float *)pa, it.ia, (const float *)pb, it.ib, py, len); break;
        case NN__I32: row_i32(op, (const int32_t *)pa, it.ia, (const int32_t *)pb, it.ib, py, len); break;
        case NN__BOOL:
            row_bool(op, (const uint8_t *)pa, it.ia, (const uint8_t *)pb, it.ib, (uint8_t *)py, len);
            break;
        }
    }
}

int nn__unop_supports(nn__unop op, nn__dtype dt)
{
    switch (op) {
    case NN__UN_ABS: case NN__UN_NEG: return dt == NN__F32 || dt == NN__I32;
    case NN__UN_LOGICAL_NOT: return dt == NN__BOOL;
    case NN__UN_SIGMOID: case NN__UN_SQRT: case NN__UN_EXP: case NN__UN_RECIPROCAL:
    case NN__UN_RELU: case NN__UN_RELU6:
        return dt == NN__F32;
    case NN__UN_COUNT: break;
    }
    return 0;
}

void nn__unary_ref(nn__unop op, nn__dtype dt, const void *xv, void *yv, int64_t count,
                   int ith, int nth)
{
    int64_t i0, i1, i;
    nn__split_range(count, ith, nth, &i0, &i1);
    if (dt == NN__I32) {
        const int32_t *x = xv;
        int32_t *y = yv;
        for (i = i0; i < i1; i++) {
            uint32_t u = (uint32_t)x[i];
            if (op == NN__UN_NEG || (op == NN__UN_ABS && x[i] < 0)) u = 0u - u;
            y[i] = (int32_t)u;
        }
        return;
    }
    if (dt == NN__BOOL) {
        const uint8_t *x = xv;
        uint8_t *y = yv;
        for (i = i0; i < i1; i++) y[i] = !x[i];
        return;
    }
    const float *x = xv;
    float *y = yv;
    switch (op) {
    case NN__UN_SIGMOID: for (i = i0; i < i1; i++) y[i] = 1.0f / (1.0f + expf(-x[i])); break;
    case NN__UN_SQRT: for (i = i0; i < i1; i++) y[i] = sqrtf(x[i]); break;
    case NN__UN_EXP: for (i = i0; i < i1; i++) y[i] = expf(x[i]); break;
    case NN__UN_ABS: for (i = i0; i < i1; i++) y[i] = fabsf(x[i]); break;
    case NN__UN_NEG: for (i = i0; i < i1; i++) y[i] = -x[i]; break;
    case NN__UN_RECIPROCAL: for (i = i0; i < i1; i++) y[i] = 1.0f / x[i]; break;
    case NN__UN_RELU: for (i = i0; i < i1; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f; break;
    case NN__UN_RELU6:
        for (i = i0; i < i1; i++) y[i] = x[i] > 0.0f ? (x[i] < 6.0f ? x[i] : 6.0f) : 0.0f;
        break;
    default: assert(0 && "op not defined on float32");
    }
}

static int32_t f32_to_i32(float v)
{
    if (!(v == v)) return 0;                      /* NaN */
    if (v >= 2147483647.0f) return INT32_MAX;
    if (v <= -2147483648.0f) return INT32_MIN;
    return (int32_t)v;                            /* C truncates toward zero */
}

void nn__cast_ref(const void *x, nn__dtype from, void *y, nn__dtype to, int64_t count)
{
    if (from == to) {
        memcpy(y, x, (size_t)count * nn__dtype_size(from));
        return;
    }
    if (from == NN__I32 && to == NN__F32) { /* an int32 image into a float model: one rounding, as below */
        const int32_t *xi = x;
        float *yf = y;
        int64_t i = 0;
        /* Groups of 8 with a literal trip count, which GCC's -O2 vectorizer takes (cvtdq2ps); the plain
         * loop it left scalar (cvtsi2ss). The same conversion per element. */
        for (; i + 8 <= count; i += 8)
            for (int j = 0; j < 8; j++) yf[i + j] = (float)xi[i + j];
        for (; i < count; i++) yf[i] = (float)xi[i];
        return;
    }
    if (from == NN__BOOL && to == NN__F32) {
        const uint8_t *xb = x;
        float *yf = y;
        for (int64_t i = 0; i < count; i++) yf[i] = xb[i] ? 1.0f : 0.0f;
        return;
    }
    for (int64_t i = 0; i < count; i++) {
        /* read as a double (exact for all three dtypes), write in the target dtype */
        double v;
        if (from == NN__F32) v = ((const float *)x)[i];
        else if (from == NN__I32) v = ((const int32_t *)x)[i];
        else v = ((const uint8_t *)x)[i] ? 1.0 : 0.0;
        if (to == NN__F32) ((float *)y)[i] = (float)v;
        else if (to == NN__I32) ((int32_t *)y)[i] = f32_to_i32(from == NN__F32 ? ((const float *)x)[i] : (float)v);
        else ((uint8_t *)y)[i] = v != 0.0;
    }
}

/* Element strides of s (aligned from the right to the rank-r output), 0 on broadcast dims. */
static void bcast_strides(const nn__shape *s, int r, int64_t *st)
{
    int64_t acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        int is = i - (r - s->rank);
        if (is < 0 || s->d[is] == 1) {
            st[i] = 0;
        } else {
            st[i] = acc;
            acc *= s->d[is];
        }
    }
}

/* Offset into an input (strides st) of the output element with flat index flat. */
static int64_t bcast_offset(int64_t flat, const nn__shape *ys, const int64_t *st)
{
    int64_t off = 0;
    for (int i = ys->rank - 1; i >= 0; i--) {
        off += (flat % ys->d[i]) * st[i];
        flat /= ys->d[i];
    }
    return off;
}

void nn__select_ref(const uint8_t *cond, const nn__shape *cs, nn__dtype dt,
                    const void *a, const nn__shape *as, const void *b, const nn__shape *bs,
                    void *y, const nn__shape *ys)
{
    int64_t stc[NN__MAX_RANK], sta[NN__MAX_RANK], stb[NN__MAX_RANK];
    bcast_strides(cs, ys->rank, stc);
    bcast_strides(as, ys->rank, sta);
    bcast_strides(bs, ys->rank, stb);
    size_t e = nn__dtype_size(dt);
    int64_t n = nn__shape_count(ys);
    for (int64_t i = 0; i < n; i++) {
        const char *src = cond[bcast_offset(i, ys, stc)]
                              ? (const char *)a + (size_t)bcast_offset(i, ys, sta) * e
                              : (const char *)b + (size_t)bcast_offset(i, ys, stb) * e;
        memcpy((char *)y + (size_t)i * e, src, e);
    }
}

void nn__addn_ref(nn__dtype dt, int n, const void *const *xs, void *y, int64_t count)
{
    assert(n >= 1 && dt != NN__BOOL);
    for (int64_t i = 0; i < count; i++) {
        if (dt == NN__F32) {
            float s = ((const float *)xs[0])[i];
            for (int k = 1; k < n; k++) s += ((const float *)xs[k])[i];
            ((float *)y)[i] = s;
        } else {
            uint32_t s = (uint32_t)((const int32_t *)xs[0])[i];
            for (int k = 1; k < n; k++) s += (uint32_t)((const int32_t *)xs[k])[i];
            ((int32_t *)y)[i] = (int32_t)s;
        }
    }
}
