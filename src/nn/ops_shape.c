/*
 * ops_shape.c - shape and run functions of the ops that move data without arithmetic: Identity,
 * Reshape, Squeeze, ExpandDims (copies with a new shape), Shape and Size (computed from shapes at
 * load, never run), ConcatV2, Pack, Unpack, Split, Pad/PadV2, Tile, DepthToSpace, Transpose.
 */
#include <string.h>

#include "nn_internal.h"

static int copy_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *x = nn__ein(e, 0), *y = nn__eout(e, 0);
    if (x->data != y->data) memcpy(y->data, x->data, (size_t)nn__shape_count(&x->shape) * nn__dtype_size(x->dtype));
    return 0;
}

static int identity_shape(nn__exec *e)
{
    int rc = nn__set_out(e, 0, nn__ein(e, 0)->dtype, &nn__ein(e, 0)->shape);
    return rc < 0 ? rc : 1;
}

static int reshape_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    int64_t v[NN__MAX_RANK];
    int n, rc, neg = -1;
    if ((rc = nn__const_ints(e, 1, v, NN__MAX_RANK, &n)) < 0) return rc;
    nn__shape o = {n, {0}};
    int64_t known = 1, total = nn__shape_count(&x->shape);
    for (int i = 0; i < n; i++) {
        if (v[i] == -1 && neg < 0) neg = i;
        else if (v[i] < 0) return nn__node_err(e, NN_EINVAL, "bad target dimension %lld", (long long)v[i]);
        else if (v[i] > 0 && known > ((int64_t)1 << 40) / v[i]) return nn__node_err(e, NN_EINVAL, "target too large");
        else known *= v[i];
        o.d[i] = v[i];
    }
    if (neg >= 0) {
        if (known == 0 || total % known) return nn__node_err(e, NN_EINVAL, "cannot infer the -1 dimension");
        o.d[neg] = total / known;
        known *= o.d[neg];
    }
    if (known != total) {
        char a[96], b[96];
        nn__shape_str(&x->shape, a, sizeof a);
        nn__shape_str(&o, b, sizeof b);
        return nn__node_err(e, NN_EINVAL, "cannot reshape %s into %s", a, b);
    }
    rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int squeeze_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    int64_t ax[NN__MAX_RANK];
    int n = 0, drop[NN__MAX_RANK] = {0};
    int r = nn__attr_ints(nn__enode(e), "squeeze_dims", ax, NN__MAX_RANK, &n);
    if (r == 0) r = nn__attr_ints(nn__enode(e), "axis", ax, NN__MAX_RANK, &n);
    if (r < 0) return nn__node_err(e, NN_EINVAL, "malformed squeeze_dims");
    for (int i = 0; i < n; i++) {
        int a = nn__normalize_axis(ax[i], x->shape.rank);
        if (a < 0 || x->shape.d[a] != 1) return nn__node_err(e, NN_EINVAL, "cannot squeeze axis %lld", (long long)ax[i]);
        drop[a] = 1;
    }
    nn__shape o = {0, {0}};
    for (int i = 0; i < x->shape.rank; i++)
        if (!(n ? drop[i] : x->shape.d[i] == 1)) o.d[o.rank++] = x->shape.d[i];
    int rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int expand_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    int64_t ax;
    int rc;
    if ((rc = nn__const_int(e, 1, &ax)) < 0) return rc;
    if (x->shape.rank >= NN__MAX_RANK) return nn__node_err(e, NN_EINVAL, "rank too large");
    int a = nn__normalize_axis(ax, x->shape.rank + 1);
    if (a < 0) return nn__node_err(e, NN_EINVAL, "axis %lld out of range", (long long)ax);
    nn__shape o = {x->shape.rank + 1, {0}};
    for (int i = 0, k = 0; i < o.rank; i++) o.d[i] = i == a ? 1 : x->shape.d[k++];
    rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int shapeop_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    nn__shape o = {1, {x->shape.rank}};
    if (nn__enode(e)->def->arg) o.rank = 0;  /* Size: a scalar */
    int rc = nn__set_out(e, 0, NN__I32, &o);
    return rc < 0 ? rc : 1;
}

static int shapeop_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *x = nn__ein(e, 0);
    int32_t *y = nn__eout(e, 0)->data;
    if (nn__enode(e)->def->arg) y[0] = (int32_t)nn__shape_count(&x->shape);
    else
        for (int i = 0; i < x->shape.rank; i++) y[i] = (int32_t)x->shape.d[i];
    return 0;
}

static int concat_shape(nn__exec *e)
{
    const nn__node *n = nn__enode(e);
    int k = n->nin - 1, rc;
    int64_t ax;
    nn__shape sh[NN__MAX_OUTPUTS];
    if ((rc = nn__const_int(e, k, &ax)) < 0) return rc;
    for (int i = 0; i < k; i++) {
        if ((rc = nn__want_dtype(e, i, nn__ein(e, 0)->dtype)) < 0) return rc;
        sh[i] = nn__ein(e, i)->shape;
    }
    int a = nn__normalize_axis(ax, sh[0].rank);
    nn__shape o;
    if (a < 0 || nn__concat_shape(k, sh, a, &o) < 0) return nn__node_err(e, NN_EINVAL, "inputs do not concatenate");
    nn__epar(e)->ax.axis = a;
    rc = nn__set_out(e, 0, nn__ein(e, 0)->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int concat_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__node *n = nn__enode(e);
    const void *xs[NN__MAX_OUTPUTS];
    nn__shape sh[NN__MAX_OUTPUTS];
    for (int i = 0; i < n->nin - 1; i++) xs[i] = nn__ein(e, i)->data, sh[i] = nn__ein(e, i)->shape;
    nn__concat_ref(nn__dtype_size(nn__ein(e, 0)->dtype), n->nin - 1, xs, sh, e->p->par[e->node].ax.axis,
                   nn__eout(e, 0)->data);
    return 0;
}

static int pack_shape(nn__exec *e)
{
    const nn__node *n = nn__enode(e);
    const nn__value *x = nn__ein(e, 0);
    int64_t ax = 0;
    if (nn__attr_int(n, "axis", &ax) < 0) return nn__node_err(e, NN_EINVAL, "malformed axis");
    for (int i = 1; i < n->nin; i++) {
        const nn__value *b = nn__ein(e, i);
        if (b->dtype != x->dtype || b->shape.rank != x->shape.rank ||
            memcmp(b->shape.d, x->shape.d, sizeof(int64_t) * (size_t)x->shape.rank))
            return nn__node_err(e, NN_EINVAL, "input %d differs in dtype or shape from input 0", i);
    }
    if (x->shape.rank >= NN__MAX_RANK) return nn__node_err(e, NN_EINVAL, "rank too large");
    int a = nn__normalize_axis(ax, x->shape.rank + 1);
    if (a < 0) return nn__node_err(e, NN_EINVAL, "axis %lld out of range", (long long)ax);
    nn__epar(e)->ax.axis = a;
    nn__shape o = {x->shape.rank + 1, {0}};
    for (int i = 0, k = 0; i < o.rank; i++) o.d[i] = i == a ? n->nin : x->shape.d[k++];
    int rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int pack_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__node *n = nn__enode(e);
    const void *xs[NN__MAX_OUTPUTS];
    for (int i = 0; i < n->nin; i++) xs[i] = nn__ein(e, i)->data;
    const nn__value *x = nn__ein(e, 0);
    nn__pack_ref(nn__dtype_size(x->dtype), n->nin, xs, &x->shape, e->p->par[e->node].ax.axis, nn__eout(e, 0)->data);
    return 0;
}

/* Unpack (arg 0: input 0 is the value) and Split (arg 1: input 0 is the axis, input 1 the value). */
static int split_shape(nn__exec *e)
{
    const nn__node *n = nn__enode(e);
    int split = n->def->arg, rc;
    const nn__value *x = nn__ein(e, split);
    int64_t ax = 0, num = 0;
    if (split) {
        if ((rc = nn__const_int(e, 0, &ax)) < 0) return rc;
        if (nn__attr_int(n, "num_split", &num) != 1) return nn__node_err(e, NN_EINVAL, "missing num_split");
    } else if (nn__attr_int(n, "axis", &ax) < 0) return nn__node_err(e, NN_EINVAL, "malformed axis");
    int a = nn__normalize_axis(ax, x->shape.rank);
    if (a < 0) return nn__node_err(e, NN_EINVAL, "axis %lld out of range", (long long)ax);
    int64_t d = x->shape.d[a];
    if (!split) {
        if (nn__attr_int(n, "num", &num) == 1 && num != d)
            return nn__node_err(e, NN_EINVAL, "num %lld differs from the axis size %lld", (long long)num, (long long)d);
        num = d;
    }
    if (num < 1 || num > NN__MAX_OUTPUTS || d % num)
        return nn__node_err(e, NN_EUNSUPPORTED, "cannot split %lld into %lld pieces", (long long)d, (long long)num);
    if (n->nout != num)
        return nn__node_err(e, NN_EINVAL, "%d outputs declared (attribute num/num_split) for %lld pieces", n->nout,
                            (long long)num);
    nn__params *p = nn__epar(e);
    p->ax.axis = a;
    p->ax.n = (int)num;
    nn__shape o = x->shape;
    if (split) o.d[a] = d / num;
    else {
        for (int i = a; i + 1 < o.rank; i++) o.d[i] = o.d[i + 1];
        o.rank--;
    }
    for (int k = 0; k < n->nout; k++)
        if ((rc = nn__set_out(e, k, x->dtype, &o)) < 0) return rc;
    return (int)num;
}

static int split_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__node *n = nn__enode(e);
    const nn__params *p = &e->p->par[e->node];
    const nn__value *x = nn__ein(e, n->def->arg);
    void *ys[NN__MAX_OUTPUTS];
    int64_t sizes[NN__MAX_OUTPUTS];
    for (int k = 0; k < p->ax.n; k++) {
        ys[k] = nn__eout(e, k)->data;  /* nout == num: checked by split_shape */
        sizes[k] = x->shape.d[p->ax.axis] / p->ax.n;
    }
    size_t el = nn__dtype_size(x->dtype);
    if (n->def->arg) nn__split_ref(x->data, el, &x->shape, p->ax.axis, p->ax.n, sizes, ys);
    else nn__unpack_ref(x->data, el, &x->shape, p->ax.axis, ys);
    return 0;
}

static int pad_shape(nn__exec *e)
{
    const nn__node *n = nn__enode(e);
    const nn__value *x = nn__ein(e, 0);
    nn__params *p = nn__epar(e);
    int64_t v[2 * NN__MAX_RANK];
    int cnt, rc;
    if ((rc = nn__const_ints(e, 1, v, 2 * NN__MAX_RANK, &cnt)) < 0) return rc;
    if (cnt != 2 * x->shape.rank) return nn__node_err(e, NN_EINVAL, "paddings must be [%d,2]", x->shape.rank);
    nn__shape o = x->shape;
    for (int i = 0; i < x->shape.rank; i++) {
        if (v[2 * i] < 0 || v[2 * i + 1] < 0 || v[2 * i] > 65536 || v[2 * i + 1] > 65536)
            return nn__node_err(e, NN_EINVAL, "bad padding");
        p->pad.before[i] = v[2 * i];
        p->pad.after[i] = v[2 * i + 1];
        o.d[i] += v[2 * i] + v[2 * i + 1];
    }
    if (n->nin > 2) {
        const nn__value *c = nn__ein(e, 2);
        if (c->dtype != x->dtype || nn__shape_count(&c->shape) != 1)
            return nn__node_err(e, NN_EINVAL, "constant_values must be one value of the input's dtype");
    }
    rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int pad_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__params *p = &e->p->par[e->node];
    const nn__value *x = nn__ein(e, 0);
    const void *val = nn__enode(e)->nin > 2 ? nn__ein(e, 2)->data : NULL;
    nn__pad_ref(x->data, nn__dtype_size(x->dtype), &x->shape, p->pad.before, p->pad.after, val, nn__eout(e, 0)->data);
    return 0;
}

static int tile_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    nn__params *p = nn__epar(e);
    int cnt, rc;
    if ((rc = nn__const_ints(e, 1, p->misc.v, NN__MAX_RANK, &cnt)) < 0) return rc;
    if (cnt != x->shape.rank) return nn__node_err(e, NN_EINVAL, "multiples must have %d values", x->shape.rank);
    nn__shape o = x->shape;
    for (int i = 0; i < cnt; i++) {
        if (p->misc.v[i] < 0 || p->misc.v[i] > 65536) return nn__node_err(e, NN_EINVAL, "bad multiple");
        o.d[i] *= p->misc.v[i];
    }
    rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int tile_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *x = nn__ein(e, 0);
    nn__tile_ref(x->data, nn__dtype_size(x->dtype), &x->shape, e->p->par[e->node].misc.v, nn__eout(e, 0)->data);
    return 0;
}

static int d2s_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    int64_t b;
    char s[16];
    int r = nn__attr_str(nn__enode(e), "data_format", s, sizeof s);
    if (r < 0 || (r == 1 && strcmp(s, "NHWC"))) return nn__node_err(e, NN_EUNSUPPORTED, "only NHWC is supported");
    if (nn__attr_int(nn__enode(e), "block_size", &b) != 1 || b < 1 || b > 64)
        return nn__node_err(e, NN_EINVAL, "bad block_size");
    if (x->shape.rank != 4 || x->shape.d[3] % (b * b)) return nn__node_err(e, NN_EINVAL, "channels not divisible by block^2");
    nn__epar(e)->ax.k = b;
    nn__shape o = {4, {x->shape.d[0], x->shape.d[1] * b, x->shape.d[2] * b, x->shape.d[3] / (b * b)}};
    int rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int d2s_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *x = nn__ein(e, 0);
    const int64_t *d = x->shape.d;
    nn__depth_to_space_ref(x->data, nn__dtype_size(x->dtype), d[0], d[1], d[2], d[3], (int)e->p->par[e->node].ax.k,
                           nn__eout(e, 0)->data);
    return 0;
}

static int transpose_shape(nn__exec *e)
{
    const nn__value *x = nn__ein(e, 0);
    nn__params *p = nn__epar(e);
    int cnt, rc, seen[NN__MAX_RANK] = {0};
    if ((rc = nn__const_ints(e, 1, p->misc.v, NN__MAX_RANK, &cnt)) < 0) return rc;
    if (cnt != x->shape.rank) return nn__node_err(e, NN_EINVAL, "perm must have %d values", x->shape.rank);
    nn__shape o = x->shape;
    for (int i = 0; i < cnt; i++) {
        int64_t a = p->misc.v[i];
        if (a < 0 || a >= cnt || seen[a]++) return nn__node_err(e, NN_EINVAL, "perm is not a permutation");
        o.d[i] = x->shape.d[a];
    }
    rc = nn__set_out(e, 0, x->dtype, &o);
    return rc < 0 ? rc : 1;
}

static int transpose_run(const nn__exec *e, int ith, int nth)
{
    (void)ith, (void)nth;
    const nn__value *x = nn__ein(e, 0);
    int perm[NN__MAX_RANK];
    for (int i = 0; i < x->shape.rank; i++) perm[i] = (int)e->p->par[e->node].misc.v[i];
    nn__transpose_ref(x->data, nn__dtype_size(x->dtype), &x->shape, perm, nn__eout(e, 0)->data);
    return 0;
}

const nn__op_def nn__ops_shape[] = {
    {"Identity", 1, 1, NN__OP_ALIAS, 0, identity_shape, copy_run},
    {"Snapshot", 1, 1, NN__OP_ALIAS, 0, identity_shape, copy_run},
    {"StopGradient", 1, 1, NN__OP_ALIAS, 0, identity_shape, copy_run},
    {"Reshape", 2, 2, NN__OP_ALIAS, 0, reshape_shape, copy_run},
    {"Squeeze", 1, 1, NN__OP_ALIAS, 0, squeeze_shape, copy_run},
    {"ExpandDims", 2, 2, NN__OP_ALIAS, 0, expand_shape, copy_run},
    {"Shape", 1, 1, NN__OP_SHAPE_ONLY, 0, shapeop_shape, shapeop_run},
    {"Size", 1, 1, NN__OP_SHAPE_ONLY, 1, shapeop_shape, shapeop_run},
    {"ConcatV2", 2, NN__MAX_OUTPUTS, NN__OP_ALIAS_WHOLE, 0, concat_shape, concat_run},
    {"Pack", 1, NN__MAX_OUTPUTS, NN__OP_ALIAS_WHOLE, 0, pack_shape, pack_run},
    {"Unpack", 1, 1, NN__OP_ALIAS_WHOLE, 0, split_shape, split_run},
    {"Split", 2, 2, NN__OP_ALIAS_WHOLE, 1, split_shape, split_run},
    {"Pad", 2, 2, 0, 0, pad_shape, pad_run},
    {"PadV2", 3, 3, 0, 0, pad_shape, pad_run},
    {"Tile", 2, 2, 0, 0, tile_shape, tile_run},
    {"DepthToSpace", 1, 1, 0, 0, d2s_shape, d2s_run},
    {"Transpose", 2, 2, 0, 0, transpose_shape, transpose_run},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
