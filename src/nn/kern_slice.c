/*
 * kern_slice.c - StridedSlice (TF's mask rules, resolved once into per-dim start/stride/count) and
 * GatherNd.
 *
 * StridedSlice resolution follows TensorFlow's ValidateStridedSliceOp, which TF.js's slice_util
 * mirrors: the "sparse" spec given by the op (one entry per begin/end/strides element, with an
 * ellipsis standing for any number of dims and new axes that consume no input dim) is first
 * expanded to a "dense" spec with one entry per input dim; each dense entry is then canonicalized
 * (masks, negative indices, clamping) into a start, a stride and a count.
 */
#include <stdio.h>
#include <string.h>

#include "kernels.h"

#define BIT(m, i) (((m) >> (i)) & 1)

typedef struct dense_dim {
    int64_t begin, end, stride;
    int begin_masked, end_masked, shrink;
} dense_dim;

static int fail(char *err, size_t errlen, const char *msg)
{
    if (err && errlen) snprintf(err, errlen, "%s", msg);
    return -1;
}

int nn__strided_slice_resolve(const nn__shape *in, int nspec, const int64_t *begin,
                              const int64_t *end, const int64_t *strides, int begin_mask,
                              int end_mask, int ellipsis_mask, int new_axis_mask,
                              int shrink_axis_mask, nn__slice_spec *s, char *err, size_t errlen)
{
    int rank = in->rank;
    if (nspec < 0 || nspec > NN__MAX_RANK || rank > NN__MAX_RANK)
        return fail(err, errlen, "StridedSlice: too many dimensions");
    int n_ellipsis = 0;
    for (int i = 0; i < nspec; i++) n_ellipsis += BIT(ellipsis_mask, i);
    if (n_ellipsis > 1) return fail(err, errlen, "StridedSlice: more than one ellipsis");

    /* Without an ellipsis, TF behaves as if one followed the last entry (the rest is kept whole). */
    int has_ellipsis = n_ellipsis == 1, total = nspec + (has_ellipsis ? 0 : 1);

    /* Output dims in order: >= 0 = dense input dim kept, -1 = new axis. */
    int gather[2 * NN__MAX_RANK], ngather = 0;
    dense_dim dense[NN__MAX_RANK];
    int full = 0;
    for (int i = 0; i < total; i++) {
        int is_ellipsis = i == nspec || BIT(ellipsis_mask, i);
        if (is_ellipsis) {
            /* the ellipsis covers the input dims not named by the entries after it */
            int after = 0;
            for (int j = i + 1; j < nspec; j++)
                if (!BIT(new_axis_mask, j)) after++;
            int next = rank - after;
            if (next < full) return fail(err, errlen, "StridedSlice: more entries than input dims");
            for (; full < next; full++) {
                dense[full] = (dense_dim){0, 0, 1, 1, 1, 0};
                gather[ngather++] = full;
            }
        } else if (BIT(new_axis_mask, i)) {
            if (ngather >= 2 * NN__MAX_RANK) return fail(err, errlen, "StridedSlice: rank too large");
            gather[ngather++] = -1;
        } else {
            if (full >= rank) return fail(err, errlen, "StridedSlice: more entries than input dims");
            dense[full] = (dense_dim){begin[i], end[i], strides[i], BIT(begin_mask, i),
                                      BIT(end_mask, i), BIT(shrink_axis_mask, i)};
            if (!dense[full].shrink) gather[ngather++] = full;
            full++;
        }
    }
    if (full != rank) return fail(err, errlen, "StridedSlice: entries do not cover the input");

    s->rank = rank;
    for (int i = 0; i < rank; i++) {
        s->in_dims[i] = in->d[i];
        dense_dim *d = &dense[i];
        int64_t dim = in->d[i];
        if (d->stride == 0) return fail(err, errlen, "StridedSlice: stride 0");
        if (d->shrink) {
            int64_t x = d->begin < 0 ? dim + d->begin : d->begin;
            if (x < 0 || x >= dim) return fail(err, errlen, "StridedSlice: shrink index out of range");
            s->start[i] = x;
            s->stride[i] = 1;
            s->count[i] = 1;
            continue;
        }
        int64_t lo = d->stride > 0 ? 0 : -1, hi = d->stride > 0 ? dim : dim - 1;
        int64_t b, e;
        if (d->begin_masked) {
            b = d->stride > 0 ? lo : hi;
        } else {
            b = d->begin < 0 ? dim + d->begin : d->begin;
            b = b < lo ? lo : (b > hi ? hi : b);
        }
        if (d->end_masked) {
            e = d->stride > 0 ? hi : lo;
        } else {
            e = d->end < 0 ? dim + d->end : d->end;
            e = e < lo ? lo : (e > hi ? hi : e);
        }
        int64_t interval = e - b, count = 0;
        if (interval != 0 && ((interval < 0) == (d->stride < 0))) {
            int64_t ai = interval < 0 ? -interval : interval;
            int64_t as = d->stride < 0 ? -d->stride : d->stride;
            count = (ai + as - 1) / as;
        }
        s->start[i] = b;
        s->stride[i] = d->stride;
        s->count[i] = count;
    }
    if (ngather > NN__MAX_RANK) return fail(err, errlen, "StridedSlice: output rank too large");
    s->out.rank = ngather;
    for (int k = 0; k < ngather; k++) s->out.d[k] = gather[k] < 0 ? 1 : s->count[gather[k]];
    return 0;
}

void nn__strided_slice_ref(const void *x, size_t elem, const nn__slice_spec *s, void *y)
{
    int r = s->rank;
    int64_t in_st[NN__MAX_RANK], idx[NN__MAX_RANK], acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        in_st[i] = acc;
        acc *= s->in_dims[i];
        idx[i] = 0;
    }
    /* The selection's last elements are contiguous in x over the trailing dims taken whole plus
     * one more dim of stride 1: copy runs of that length (MultiPose's [64,64,6,17] -> [64,64,1,17]
     * is 4096 runs of 17 floats, not 69632 single copies). */
    int d = r - 1;
    int64_t run = 1, outer = 1;
    while (d >= 0 && s->stride[d] == 1 && s->start[d] == 0 && s->count[d] == s->in_dims[d]) run *= s->count[d--];
    if (d >= 0 && s->stride[d] == 1) run *= s->count[d--];
    for (int i = 0; i <= d; i++) outer *= s->count[i];
    int64_t base = 0; /* offset of the first selected element of the run dims (d+1 ..) */
    for (int i = d + 1; i < r; i++) base += s->start[i] * in_st[i];
    char *dst = y;
    size_t bytes = (size_t)run * elem;
    /* odometer over dims 0..d, last of them fastest */
    for (int64_t e = 0; e < outer && run > 0; e++) {
        int64_t off = base;
        for (int i = 0; i <= d; i++) off += (s->start[i] + idx[i] * s->stride[i]) * in_st[i];
        memcpy(dst, (const char *)x + (size_t)off * elem, bytes);
        dst += bytes;
        for (int i = d; i >= 0; i--) {
            if (++idx[i] < s->count[i]) break;
            idx[i] = 0;
        }
    }
}

int nn__gather_nd_shape(const nn__shape *ps, const nn__shape *is, nn__shape *out)
{
    if (is->rank < 1) return -1;
    int64_t k = is->d[is->rank - 1];
    if (k < 1 || k > ps->rank) return -1;
    int rank = is->rank - 1 + ps->rank - (int)k;
    if (rank > NN__MAX_RANK) return -1;
    nn__shape o = {.rank = rank};
    int j = 0;
    for (int i = 0; i < is->rank - 1; i++) o.d[j++] = is->d[i];
    for (int i = (int)k; i < ps->rank; i++) o.d[j++] = ps->d[i];
    *out = o;
    return 0;
}

int nn__gather_nd_ref(const void *params, size_t elem, const nn__shape *ps,
                      const int32_t *indices, const nn__shape *is, void *y)
{
    int k = (int)is->d[is->rank - 1];
    int64_t nidx = nn__shape_count(is) / k, slice = 1, st[NN__MAX_RANK], acc = 1;
    for (int i = k; i < ps->rank; i++) slice *= ps->d[i];
    for (int i = ps->rank - 1; i >= 0; i--) {
        st[i] = acc;
        acc *= ps->d[i];
    }
    size_t bytes = (size_t)slice * elem;
    for (int64_t q = 0; q < nidx; q++) {
        int64_t off = 0;
        for (int j = 0; j < k; j++) {
            int64_t v = indices[q * k + j];
            if (v < 0 || v >= ps->d[j]) return -1;
            off += v * st[j];
        }
        memcpy((char *)y + (size_t)q * bytes, (const char *)params + (size_t)off * elem, bytes);
    }
    return 0;
}
