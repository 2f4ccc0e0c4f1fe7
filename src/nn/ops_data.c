/*
 * ops_data.c - shape and run functions of the indexing, generating and reducing ops: StridedSlice,
 * GatherNd, Fill, Range, Sum/Max/Min/Mean, ArgMax, TopKV2. Their index arguments must be constants
 * known at load (after folding), which holds for every pose model.
 */
#include <string.h>

#include "cpu/cpu.h"
#include "nn_internal.h"

static int slice_shape(nn__exec *e)
{
    const nn__node *n = nn__enode(e);
    const nn__value *x = nn__ein(e, 0);
    int64_t b[NN__MAX_RANK], en[NN__MAX_RANK], st[NN__MAX_RANK];
    int nb, ne, ns, rc;
    if ((rc = nn__const_ints(e, 1, b, NN__MAX_RANK, &nb)) < 0 || (rc = nn__const_ints(e, 2, en, NN__MAX_RANK, &ne)) < 0 ||
        (rc = nn__const_ints(e, 3, st, NN__MAX_RANK, &ns)) < 0)
        return rc;
    if (nb != ne || nb != ns) return nn__node_err(e, NN_EINVAL, "begin, end and strides differ in length");
    int64_t m[5] = {0};
    static const char *names[5] = {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"};
    for (int i = 0; i < 5; i++)
        if (nn__attr_int(n, names[i], &m[i]) < 0 || m[i] < 0 || m[i] > 0xffff)
            return nn__node_err(e, NN_EINVAL, "malformed %s", names[i]);
    char msg[200] = "";
    if (nn__strided_slice_resolve(&x->shape, nb, b, en, st, (int)m[0], (int)m[1], (int)m[2], (int)m[3], (int)m[4],
                                  &nn__epar(e)->slice, msg, sizeof msg) < 0)
        return nn__node_err(e, NN_EINVAL, "%s", msg);
    rc = nn__set_out(e, 0, x->dtype, &nn__epar(e)->slice.out);
    return rc < 0 ? rc : 1;
}

static int slice_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *x = nn__ein(e, 0);
    nn__strided_slice_ref(x->data, nn__dtype_size(x->dtype), &e->p->par[e->node].slice, nn__eout(e, 0)->data);
    return 0;
}

static int gather_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0), *idx = nn__ein(e, 1);
    int rc;
    if ((rc = nn__want_dtype(e, 1, NN__I32)) < 0) return rc;
    nn__shape o;
    if (nn__gather_nd_shape(&x->shape, &idx->shape, &o) < 0) return nn__node_err(e, NN_EINVAL, "bad indices shape");
    rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int gather_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *x = nn__ein(e, 0), *idx = nn__ein(e, 1);
    if (nn__gather_nd_ref(x->data, nn__dtype_size(x->dtype), &x->shape, idx->data, &idx->shape, nn__eout(e, 0)->data) < 0)
        return nn__node_err(e, NN_EINVAL, "index out of range");
    return 0;
}

static int fill_shape(nn__exec *e)
{
    nn__params *p = nn__epar(e);
    const nn__value *v = nn__ein(e, 1);
    int cnt, rc;
    if ((rc = nn__const_ints(e, 0, p->misc.v, NN__MAX_RANK, &cnt)) < 0) return rc;
    if (nn__shape_count(&v->shape) != 1) return nn__node_err(e, NN_EINVAL, "value must be a scalar");
    nn__shape o = {cnt, {0}};
    for (int i = 0; i < cnt; i++) {
        if (p->misc.v[i] < 0 || p->misc.v[i] > ((int64_t)1 << 31)) return nn__node_err(e, NN_EINVAL, "bad dims");
        o.d[i] = p->misc.v[i];
    }
    rc = nn__set_out(e, 0, v->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int fill_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *v = nn__ein(e, 1), *y = nn__eout(e, 0);
    nn__fill_ref(y->data, nn__dtype_size(v->dtype), nn__shape_count(&y->shape), v->data);
    return 0;
}

static double scalar_at(const nn__value *v)
{
    return v->dtype == NN__F32 ? (double)*(const float *)v->data : (double)*(const int32_t *)v->data;
}

static int range_shape(nn__exec *e)
{
    nn__params *p = nn__epar(e);
    const nn__value *s = nn__ein(e, 0), *l = nn__ein(e, 1), *d = nn__ein(e, 2);
    for (int i = 0; i < 3; i++) {
        const nn__value *v = nn__ein(e, i);
        if (v->kind != NN__V_CONST || nn__shape_count(&v->shape) != 1 || v->dtype == NN__BOOL || v->dtype != s->dtype)
            return nn__node_err(e, NN_EUNSUPPORTED, "start, limit and delta must be constant scalars of one dtype");
    }
    p->misc.start = scalar_at(s);
    p->misc.delta = scalar_at(d);
    int64_t c = nn__range_count(p->misc.start, scalar_at(l), p->misc.delta);
    if (c < 0 || c > ((int64_t)1 << 31)) return nn__node_err(e, NN_EINVAL, "bad range");
    nn__shape o = {1, {c}};
    int rc = nn__set_out(e, 0, s->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int range_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__params *p = &e->p->par[e->node];
    const nn__value *y = nn__eout(e, 0);
    nn__range_ref(y->dtype, p->misc.start, p->misc.delta, y->shape.d[0], y->data);
    return 0;
}

static int reduce_shape(nn__exec *e)
{
    nn__params *p = nn__epar(e);
    const nn__value *x = nn__ein(e, 0);
    int rc, keep = 0;
    if (x->dtype == NN__BOOL) return nn__node_err(e, NN_EINVAL, "not defined on bool");
    if ((rc = nn__const_ints(e, 1, p->red.axes, NN__MAX_RANK, &p->red.naxes)) < 0) return rc;
    if (nn__attr_bool(nn__enode(e), "keep_dims", &keep) < 0) return nn__node_err(e, NN_EINVAL, "malformed keep_dims");
    nn__shape o;
    if (nn__reduce_shape(&x->shape, p->red.axes, p->red.naxes, keep, &o) < 0)
        return nn__node_err(e, NN_EINVAL, "axis out of range");
    rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int reduce_run(const nn__exec *e, int ith, int nth)
{
    const nn__params *p = &e->p->par[e->node];
    const nn__value *x = nn__ein(e, 0);
    /* The SIMD table's reduce where the layout allows (the same bits), else the reference on the
     * first thread (the choice depends on the shapes only, so every thread makes the same one). */
    if (x->dtype == NN__F32 &&
        nn__cpu_kernels_get()->reduce((nn__reduce)nn__enode(e)->def->arg, x->data, &x->shape, p->red.axes,
                                      p->red.naxes, nn__eout(e, 0)->data, ith, nth))
        return 0;
    if (ith != 0) return 0;
    nn__reduce_ref((nn__reduce)nn__enode(e)->def->arg, x->dtype, x->data, &x->shape, p->red.axes, p->red.naxes,
                   nn__eout(e, 0)->data);
    return 0;
}

static int argmax_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    int64_t ax;
    int rc;
    if (x->dtype == NN__BOOL) return nn__node_err(e, NN_EINVAL, "not defined on bool");
    if ((rc = nn__const_int(e, 1, &ax)) < 0) return rc;
    int a = nn__normalize_axis(ax, x->shape.rank);
    if (a < 0 || x->shape.d[a] < 1) return nn__node_err(e, NN_EINVAL, "axis %lld out of range", (long long)ax);
    nn__epar(e)->ax.axis = a;
    nn__shape o = {0, {0}};
    for (int i = 0; i < x->shape.rank; i++)
        if (i != a) o.d[o.rank++] = x->shape.d[i];
    rc = nn__set_out(e, 0, NN__I32, &o);
    return rc < 0 ? rc : 1;
}

static int argmax_run(const nn__exec *e, int ith, int nth)
{
    const nn__value *x = nn__ein(e, 0);
    int axis = e->p->par[e->node].ax.axis;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++) outer *= x->shape.d[i];
    for (int i = axis + 1; i < x->shape.rank; i++) inner *= x->shape.d[i];
    if (x->dtype == NN__F32 &&
        nn__cpu_kernels_get()->argmax(x->data, outer, x->shape.d[axis], inner, nn__eout(e, 0)->data, ith, nth))
        return 0;
    if (ith != 0) return 0; /* the reference on one thread (same choice on every thread) */
    nn__argmax_ref(x->dtype, x->data, &x->shape, e->p->par[e->node].ax.axis, nn__eout(e, 0)->data);
    return 0;
}

static int topk_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    int64_t k;
    int rc;
    if (x->dtype == NN__BOOL || x->shape.rank < 1) return nn__node_err(e, NN_EINVAL, "needs a numeric tensor of rank >= 1");
    if ((rc = nn__const_int(e, 1, &k)) < 0) return rc;
    if (k < 0 || k > x->shape.d[x->shape.rank - 1]) return nn__node_err(e, NN_EINVAL, "k = %lld out of range", (long long)k);
    nn__epar(e)->ax.k = k;
    nn__shape o = x->shape;
    o.d[o.rank - 1] = k;
    if ((rc = nn__set_out(e, 0, x->dtype, &o)) < 0 || (rc = nn__set_out(e, 1, NN__I32, &o)) < 0) return rc;
    return 2;
}

static int topk_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *x = nn__ein(e, 0);
    int64_t n = x->shape.d[x->shape.rank - 1];
    int64_t rows = n ? nn__shape_count(&x->shape) / n : 0;
    nn__topk_ref(x->dtype, x->data, rows, n, e->p->par[e->node].ax.k, nn__eout(e, 0)->data, nn__eout(e, 1)->data);
    return 0;
}

const nn__op_def nn__ops_data[] = {
    {"StridedSlice", 4, 4, 0, 0, slice_shape, slice_run},
    {"GatherNd", 2, 2, 0, 0, gather_shape, gather_run},
    {"Fill", 2, 2, 0, 0, fill_shape, fill_run},
    {"Range", 3, 3, 0, 0, range_shape, range_run},
    {"Sum", 2, 2, NN__OP_THREADED, NN__RED_SUM, reduce_shape, reduce_run},
    {"Max", 2, 2, NN__OP_THREADED, NN__RED_MAX, reduce_shape, reduce_run},
    {"Min", 2, 2, NN__OP_THREADED, NN__RED_MIN, reduce_shape, reduce_run},
    {"Mean", 2, 2, NN__OP_THREADED, NN__RED_MEAN, reduce_shape, reduce_run},
    {"ArgMax", 2, 2, NN__OP_THREADED, 0, argmax_shape, argmax_run},
    {"TopKV2", 2, 2, 0, 0, topk_shape, topk_run},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
