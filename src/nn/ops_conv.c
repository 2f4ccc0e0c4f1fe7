/*
 * ops_conv.c - shape and run functions of the window ops: Conv2D, _FusedConv2D, (Fused)Depthwise-
 * Conv2dNative, MaxPool, ResizeBilinear. Attributes (strides, padding, fused_ops, ksize, ...) are
 * checked and resolved once at plan time; the run functions call the kernels (the CPU table's or
 * the reference), splitting output rows between the pool threads; a depthwise conv with a fused
 * 1x1 expansion, or a 1x1 conv with a fused depthwise or 1x1 conv, runs both kernels band by band
 * (expand_dw_run, band_pointwise_run).
 */
#include <string.h>

#include "cpu/cpu.h"
#include "nn_internal.h"

enum { CONV = 0, CONV_FUSED, DW, DW_FUSED };

/* padding, strides (and ksize for MaxPool); dilations 1 and NHWC only. */
static int window_attrs(const nn__exec *e, int *sh, int *sw, nn__padding *pad, int *kh, int *kw)
{
    const nn__node *n = nn__enode(e);
    char s[32];
    int r = nn__attr_str(n, "padding", s, sizeof s);
    if (r <= 0) return nn__node_err(e, NN_EINVAL, "missing or malformed padding");
    if (!strcmp(s, "SAME")) *pad = NN__PAD_SAME;
    else if (!strcmp(s, "VALID")) *pad = NN__PAD_VALID;
    else return nn__node_err(e, NN_EUNSUPPORTED, "padding '%s' is not supported", s);
    r = nn__attr_str(n, "data_format", s, sizeof s);
    if (r < 0 || (r == 1 && strcmp(s, "NHWC")))
        return nn__node_err(e, NN_EUNSUPPORTED, "only data_format NHWC is supported");
    int64_t v[8];
    int cnt;
    r = nn__attr_ints(n, "strides", v, 8, &cnt);
    if (r <= 0 || cnt != 4 || v[0] != 1 || v[3] != 1 || v[1] < 1 || v[2] < 1 || v[1] > 64 || v[2] > 64)
        return nn__node_err(e, NN_EINVAL, "strides must be [1,sh,sw,1]");
    *sh = (int)v[1];
    *sw = (int)v[2];
    r = nn__attr_ints(n, "dilations", v, 8, &cnt);
    if (r < 0) return nn__node_err(e, NN_EINVAL, "malformed dilations");
    for (int i = 0; i < cnt; i++)
        if (v[i] != 1) return nn__node_err(e, NN_EUNSUPPORTED, "dilations other than 1 are not supported");
    if (kh) {
        r = nn__attr_ints(n, "ksize", v, 8, &cnt);
        if (r <= 0 || cnt != 4 || v[0] != 1 || v[3] != 1 || v[1] < 1 || v[2] < 1 || v[1] > 1024 || v[2] > 1024)
            return nn__node_err(e, NN_EINVAL, "ksize must be [1,kh,kw,1]");
        *kh = (int)v[1];
        *kw = (int)v[2];
    }
    return 0;
}

/* fused_ops of _FusedConv2D / FusedDepthwiseConv2dNative: [BiasAdd] or [BiasAdd, Relu|Relu6]. */
static int fused_attrs(const nn__exec *e, nn__act *act)
{
    const nn__node *n = nn__enode(e);
    char s[32];
    int cnt, r = nn__attr_strs(n, "fused_ops", 0, s, sizeof s, &cnt);
    if (r < 0) return nn__node_err(e, NN_EINVAL, "malformed fused_ops");
    if (cnt < 1 || cnt > 2 || strcmp(s, "BiasAdd"))
        return nn__node_err(e, NN_EUNSUPPORTED, "fused_ops must be [BiasAdd] or [BiasAdd, Relu/Relu6]");
    *act = NN__ACT_NONE;
    if (cnt == 2) {
        if (nn__attr_strs(n, "fused_ops", 1, s, sizeof s, &cnt) <= 0)
            return nn__node_err(e, NN_EINVAL, "malformed fused_ops");
        if (!strcmp(s, "Relu")) *act = NN__ACT_RELU;
        else if (!strcmp(s, "Relu6")) *act = NN__ACT_RELU6;
        else return nn__node_err(e, NN_EUNSUPPORTED, "fused activation '%s' is not supported", s);
    }
    int64_t na;
    if (nn__attr_int(n, "num_args", &na) == 1 && na != 1)
        return nn__node_err(e, NN_EUNSUPPORTED, "num_args %lld is not supported", (long long)na);
    if (n->nin != 3) return nn__node_err(e, NN_EINVAL, "BiasAdd needs 3 inputs, got %d", n->nin);
    return 0;
}

static int conv_shape(nn__exec *e)
{
    const nn__op_def *d = nn__enode(e)->def;
    int dw = d->arg == DW || d->arg == DW_FUSED, fused = d->arg == CONV_FUSED || d->arg == DW_FUSED;
    nn__params *p = nn__epar(e);
    const nn__value *x = nn__ein(e, 0), *f = nn__ein(e, 1);
    int rc;
    if ((rc = nn__want_dtype(e, 0, NN__F32)) < 0 || (rc = nn__want_dtype(e, 1, NN__F32)) < 0) return rc;
    char a[96], b[96];
    nn__shape_str(&x->shape, a, sizeof a);
    nn__shape_str(&f->shape, b, sizeof b);
    if (x->shape.rank != 4 || f->shape.rank != 4)
        return nn__node_err(e, NN_EINVAL, "input %s and filter %s must both have rank 4", a, b);
    if (f->shape.d[2] != x->shape.d[3])
        return nn__node_err(e, NN_EINVAL, "filter %s does not match the %lld input channels of %s", b,
                            (long long)x->shape.d[3], a);
    if (f->shape.d[0] > 1024 || f->shape.d[1] > 1024 || f->shape.d[0] < 1 || f->shape.d[1] < 1)
        return nn__node_err(e, NN_EINVAL, "filter %s has a bad window", b);
    nn__act act = NN__ACT_NONE;
    if (fused && (rc = fused_attrs(e, &act)) < 0) return rc;
    if (!fused && nn__enode(e)->nin != 2) return nn__node_err(e, NN_EINVAL, "expected 2 inputs");
    int64_t oc = dw ? f->shape.d[2] * f->shape.d[3] : f->shape.d[3];
    if (fused) {
        const nn__value *bias = nn__ein(e, 2);
        if ((rc = nn__want_dtype(e, 2, NN__F32)) < 0) return rc;
        if (bias->shape.rank != 1 || bias->shape.d[0] != oc)
            return nn__node_err(e, NN_EINVAL, "bias must have shape [%lld]", (long long)oc);
    }
    int sh, sw;
    nn__padding pad;
    if ((rc = window_attrs(e, &sh, &sw, &pad, NULL, NULL)) < 0) return rc;
    p->conv.depthwise = dw;
    if (nn__conv_params_init(&p->conv.cp, x->shape.d[1], x->shape.d[2], (int)f->shape.d[0], (int)f->shape.d[1],
                             sh, sw, pad, act, &p->conv.oh, &p->conv.ow) < 0)
        return nn__node_err(e, NN_EINVAL, "window %s does not fit input %s", b, a);
    nn__shape o = {4, {x->shape.d[0], p->conv.oh, p->conv.ow, oc}};
    e->p->flops[e->node] = 2.0 * (double)nn__shape_count(&o) * (double)f->shape.d[0] * (double)f->shape.d[1] *
                           (dw ? 1.0 : (double)f->shape.d[2]);
    if ((rc = nn__set_out(e, 0, NN__F32, &o)) < 0) return rc;
    /* Conv2D with constant weights: packed once here for the SIMD kernels (src/nn/cpu). */
    const nn__value *bv = fused ? nn__ein(e, 2) : NULL;
    if (!dw && f->kind == NN__V_CONST && (!bv || bv->kind == NN__V_CONST)) {
        nn__value *y = nn__eout(e, 0);
        int kh = (int)f->shape.d[0], kw = (int)f->shape.d[1];
        int half = nn__packed_conv_half(f->data, kh, kw, f->shape.d[2], f->shape.d[3]);
        size_t bytes = nn__packed_conv_bytes(kh, kw, f->shape.d[2], f->shape.d[3], half);
        void *blk = nn__region_alloc(&e->p->region, bytes);
        nn__packed_conv *pk = nn__packed_conv_init(blk, half, f->data, kh, kw, f->shape.d[2], f->shape.d[3],
                                                   bv ? bv->data : NULL);
        if (!pk) return nn__node_err(e, NN_ENOMEM, "out of memory packing filter %s", b);
        y->aux = pk;
        e->p->convs_packed++;
        e->p->convs_half += pk->wh != NULL;
        e->p->packed_bytes += bytes;
    }
    return 1;
}

/* Rows of the expanded input that output row o of a depthwise window (p) reads: [first, last). */
static int64_t band_first(const nn__conv_params *p, int64_t o)
{
    int64_t r = o * p->sh - p->pad_top;
    return r > 0 ? r : 0;
}

static int64_t band_last(const nn__conv_params *p, int64_t o, int64_t ih)
{
    int64_t r = o * p->sh - p->pad_top + p->kh;
    return r < ih ? r : ih;
}

/* A depthwise conv with its 1x1 expansion fused in (plan_fuse.c): this chunk's output rows, band
 * by band, in the chunk's band (plan.c). The band holds expanded rows [lo, hi) of one
 * image; each pass takes the output rows whose window ends within lo + cap, expands the rows they
 * need beyond hi, and runs the depthwise kernel on the band as an image of hi - lo rows with its
 * top padding moved so the rows line up (the kernels skip taps outside that image: below the
 * real image they are padding, elsewhere no row of the pass needs them). The rows the next pass
 * still needs move to the band's top. */
static int expand_dw_run(const nn__exec *e, const nn__cpu_kernels *k, int ith, int nth)
{
    const nn__plan *pl = e->p;
    const nn__params *p = &pl->par[e->node];
    int en = p->conv.expand - 1;
    const nn__value *x = nn__ein(e, 0), *f = nn__ein(e, 1), *y = nn__eout(e, 0);
    const nn__packed_conv *pk = pl->vals[e->g->nodes[en].out0].aux;
    const nn__conv_params *ecp = &pl->par[en].conv.cp, *cp = &p->conv.cp;
    const float *bias = nn__enode(e)->nin > 2 ? nn__ein(e, 2)->data : NULL;
    if (ith >= pl->nchunks)
        return nn__node_err(e, NN_EINVAL, "internal: chunk %d of %d bands", ith, pl->nchunks);
    const float *xd = x->data;
    float *yd = y->data, *band = pl->bands + ith * pl->band_stride;
    int64_t ih = x->shape.d[1], iw = x->shape.d[2], ic = x->shape.d[3], c = pk->oc, m = f->shape.d[3];
    int64_t oh = p->conv.oh, ow = p->conv.ow, cap = p->conv.band_rows, row = iw * c, r0, r1;
    nn__split_range(x->shape.d[0] * oh, ith, nth, &r0, &r1);
    for (int64_t q = r0; q < r1;) {
        int64_t b = q / oh, o = q % oh, oend = r1 - b * oh < oh ? r1 - b * oh : oh;
        int64_t lo = band_first(cp, o), hi = lo;
        while (o < oend) {
            int64_t oe = o + 1;
            while (oe < oend && band_last(cp, oe, ih) <= lo + cap) oe++;
            int64_t need = band_last(cp, oe - 1, ih);
            if (need > hi) {
                k->conv2d(xd + (b * ih + hi) * iw * ic, 1, need - hi, iw, ic, pk, ecp, NULL,
                          band + (hi - lo) * row, need - hi, iw, 0, 1);
                hi = need;
            }
            nn__conv_params bp = *cp;
            bp.pad_top = (int)(cp->pad_top + lo - o * cp->sh);
            k->depthwise(band, 1, hi - lo, iw, c, f->data, m, bias, &bp, yd + (b * oh + o) * ow * c * m,
                         oe - o, ow, 0, 1);
            o = oe;
            int64_t nlo = o < oend ? band_first(cp, o) : hi;
            if (nlo < hi) memmove(band, band + (nlo - lo) * row, (size_t)((hi - nlo) * row) * sizeof(float));
            else hi = nlo;
            lo = nlo;
        }
        q = b * oh + oend;
    }
    return 0;
}

/* A 1x1 conv with the depthwise or 1x1 conv before it fused in (plan_fuse.c): this chunk's output
 * rows, band by band: the first conv's rows of the band into the chunk's band (with its
 * fused activations), then the 1x1 conv of those rows with its fused add and activations. A
 * depthwise kernel sees the input rows its band reads as its image, top padding moved (as
 * expand_dw_run does); a 1x1 conv is per pixel, so its band is the same rows of its input. */
static int band_pointwise_run(const nn__exec *e, const nn__cpu_kernels *k, int ith, int nth)
{
    const nn__plan *pl = e->p;
    const nn__params *p = &pl->par[e->node];
    int fn = p->conv.pre - 1, dw = pl->par[fn].conv.depthwise;
    const nn__node *fnode = &e->g->nodes[fn];
    const nn__conv_params *fcp = &pl->par[fn].conv.cp;
    const nn__value *x = nn__ein(e, 0), *y = nn__eout(e, 0);
    const nn__value *f = &pl->vals[nn__plan_in(e->g, pl, fn, 1)];
    const float *fbias = dw && fnode->nin > 2 ? pl->vals[nn__plan_in(e->g, pl, fn, 2)].data : NULL;
    const float *res = pl->res[e->node] ? pl->vals[pl->res[e->node] - 1].data : NULL;
    const nn__packed_conv *pk1 = dw ? NULL : pl->vals[fnode->out0].aux, *pk = y->aux;
    if (ith >= pl->nchunks)
        return nn__node_err(e, NN_EINVAL, "internal: chunk %d of %d bands", ith, pl->nchunks);
    const float *xd = x->data;
    float *yd = y->data, *band = pl->bands + ith * pl->band_stride;
    int64_t h = x->shape.d[1], w = x->shape.d[2], c = x->shape.d[3], m = dw ? f->shape.d[3] : 1, oc = pk->oc;
    int64_t mid = dw ? c * m : pk1->oc; /* channels of the band */
    int64_t oh = p->conv.oh, ow = p->conv.ow, cap = p->conv.band_rows, r0, r1;
    nn__split_range(x->shape.d[0] * oh, ith, nth, &r0, &r1);
    for (int64_t q = r0; q < r1;) {
        int64_t b = q / oh, a = q % oh, end = a + cap < oh ? a + cap : oh;
        if (b * oh + end > r1) end = r1 - b * oh;
        if (dw) {
            int64_t i0 = band_first(fcp, a), i1 = band_last(fcp, end - 1, h);
            nn__conv_params bp = *fcp;
            bp.pad_top = (int)(fcp->pad_top + i0 - a * fcp->sh);
            k->depthwise(xd + (b * h + i0) * w * c, 1, i1 - i0, w, c, f->data, m, fbias, &bp, band, end - a, ow, 0,
                         1);
        } else {
            k->conv2d(xd + (b * h + a) * w * c, 1, end - a, w, c, pk1, fcp, NULL, band, end - a, w, 0, 1);
        }
        int64_t at = (b * oh + a) * ow * oc;
        k->conv2d(band, 1, end - a, ow, mid, pk, &p->conv.cp, res ? res + at : NULL, yd + at, end - a, ow, 0, 1);
        q = b * oh + end;
    }
    return 0;
}

static int conv_run(const nn__exec *e, int ith, int nth)
{
    const nn__node *n = nn__enode(e);
    const nn__params *p = &e->p->par[e->node];
    const nn__value *x = nn__ein(e, 0), *f = nn__ein(e, 1);
    const float *bias = n->nin > 2 ? nn__ein(e, 2)->data : NULL;
    const int64_t *d = x->shape.d;
    /* The SIMD kernels chosen from the CPU (NN_SIMD=scalar|avx2|avx512 overrides; scalar = reference). */
    const nn__cpu_kernels *k = nn__cpu_kernels_get();
    const nn__value *y = nn__eout(e, 0);
    if (p->conv.expand) return expand_dw_run(e, k, ith, nth);
    if (p->conv.pre) return band_pointwise_run(e, k, ith, nth);
    if (p->conv.depthwise)
        k->depthwise(x->data, d[0], d[1], d[2], d[3], f->data, f->shape.d[3], bias, &p->conv.cp, y->data,
                     p->conv.oh, p->conv.ow, ith, nth);
    else if (y->aux)  /* with the other operand of a fused AddV2, if any (plan_fuse.c) */
        k->conv2d(x->data, d[0], d[1], d[2], d[3], y->aux, &p->conv.cp,
                  e->p->res[e->node] ? e->p->vals[e->p->res[e->node] - 1].data : NULL, y->data, p->conv.oh,
                  p->conv.ow, ith, nth);
    else
        nn__conv2d_ref(x->data, d[0], d[1], d[2], d[3], f->data, f->shape.d[3], bias, &p->conv.cp,
                       nn__eout(e, 0)->data, p->conv.oh, p->conv.ow, ith, nth);
    return 0;
}

static int maxpool_shape(nn__exec *e)
{
    nn__params *p = nn__epar(e);
    const nn__value *x = nn__ein(e, 0);
    int rc, sh, sw, kh, kw;
    nn__padding pad;
    if ((rc = nn__want_dtype(e, 0, NN__F32)) < 0) return rc;
    if (x->shape.rank != 4) return nn__node_err(e, NN_EINVAL, "input must have rank 4");
    if ((rc = window_attrs(e, &sh, &sw, &pad, &kh, &kw)) < 0) return rc;
    if (nn__conv_params_init(&p->conv.cp, x->shape.d[1], x->shape.d[2], kh, kw, sh, sw, pad, NN__ACT_NONE,
                             &p->conv.oh, &p->conv.ow) < 0)
        return nn__node_err(e, NN_EINVAL, "window does not fit the input");
    nn__shape o = {4, {x->shape.d[0], p->conv.oh, p->conv.ow, x->shape.d[3]}};
    if ((rc = nn__set_out(e, 0, NN__F32, &o)) < 0) return rc;
    return 1;
}

static int maxpool_run(const nn__exec *e, int ith, int nth)
{
    const nn__params *p = &e->p->par[e->node];
    const nn__value *x = nn__ein(e, 0);
    const int64_t *d = x->shape.d;
    nn__cpu_kernels_get()->maxpool(x->data, d[0], d[1], d[2], d[3], &p->conv.cp, nn__eout(e, 0)->data, p->conv.oh,
                                   p->conv.ow, ith, nth);
    return 0;
}

static int resize_shape(nn__exec *e)
{
    nn__params *p = nn__epar(e);
    const nn__value *x = nn__ein(e, 0);
    int rc, cnt;
    int64_t sz[2];
    if ((rc = nn__want_dtype(e, 0, NN__F32)) < 0) return rc;
    if (x->shape.rank != 4) return nn__node_err(e, NN_EINVAL, "input must have rank 4");
    if ((rc = nn__const_ints(e, 1, sz, 2, &cnt)) < 0) return rc;
    if (cnt != 2 || sz[0] < 1 || sz[1] < 1 || sz[0] > 65536 || sz[1] > 65536)
        return nn__node_err(e, NN_EINVAL, "size must be two positive values");
    p->resize.align = p->resize.half = 0;
    if (nn__attr_bool(nn__enode(e), "align_corners", &p->resize.align) < 0 ||
        nn__attr_bool(nn__enode(e), "half_pixel_centers", &p->resize.half) < 0)
        return nn__node_err(e, NN_EINVAL, "malformed align_corners/half_pixel_centers");
    if (p->resize.align && p->resize.half)
        return nn__node_err(e, NN_EINVAL, "align_corners and half_pixel_centers cannot both be set");
    nn__shape o = {4, {x->shape.d[0], sz[0], sz[1], x->shape.d[3]}};
    if ((rc = nn__set_out(e, 0, NN__F32, &o)) < 0) return rc;
    return 1;
}

static int resize_run(const nn__exec *e, int ith, int nth)
{
    const nn__params *p = &e->p->par[e->node];
    const nn__value *x = nn__ein(e, 0), *y = nn__eout(e, 0);
    const int64_t *d = x->shape.d;
    int res = e->p->res[e->node]; /* the other operand of a fused AddV2, if any (plan_fuse.c) */
    nn__cpu_kernels_get()->resize_bilinear(x->data, d[0], d[1], d[2], d[3], res ? e->p->vals[res - 1].data : NULL,
                                           y->data, y->shape.d[1], y->shape.d[2], p->resize.align, p->resize.half,
                                           ith, nth);
    return 0;
}

const nn__op_def nn__ops_conv[] = {
    {"Conv2D", 2, 2, NN__OP_THREADED | NN__OP_ZERO_PAD_IN, CONV, conv_shape, conv_run},
    {"_FusedConv2D", 2, 3, NN__OP_THREADED | NN__OP_ZERO_PAD_IN, CONV_FUSED, conv_shape, conv_run},
    {"DepthwiseConv2dNative", 2, 2, NN__OP_THREADED | NN__OP_ZERO_PAD_IN, DW, conv_shape, conv_run},
    {"FusedDepthwiseConv2dNative", 2, 3, NN__OP_THREADED | NN__OP_ZERO_PAD_IN, DW_FUSED, conv_shape, conv_run},
    {"MaxPool", 1, 1, NN__OP_THREADED, 0, maxpool_shape, maxpool_run},
    {"ResizeBilinear", 2, 2, NN__OP_THREADED, 0, resize_shape, resize_run},
    {NULL, 0, 0, 0, 0, NULL, NULL},
};
