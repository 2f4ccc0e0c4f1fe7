/*
 * kern_shape.c - data-movement kernels that do not look at values: Pad, DepthToSpace, ConcatV2,
 * Pack, Split, Unpack, Tile, Transpose, Fill, Range. They move elements of `elem` bytes, so one
 * kernel serves float32, int32 and bool.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "kernels.h"

/* Row-major element strides of s. */
static void strides_of(const nn__shape *s, int64_t *st)
{
    int64_t acc = 1;
    for (int i = s->rank - 1; i >= 0; i--) {
        st[i] = acc;
        acc *= s->d[i];
    }
}

void nn__pad_ref(const void *x, size_t elem, const nn__shape *xs, const int64_t *before,
                 const int64_t *after, const void *value, void *y)
{
    int r = xs->rank;
    nn__shape ys = {.rank = r};
    for (int i = 0; i < r; i++) ys.d[i] = xs->d[i] + before[i] + after[i];
    int64_t ny = nn__shape_count(&ys), nx = nn__shape_count(xs);
    /* 1. the whole output gets the pad value; 2. each innermost row of x is copied into place. */
    if (value) {
        for (int64_t i = 0; i < ny; i++) memcpy((char *)y + (size_t)i * elem, value, elem);
    } else {
        memset(y, 0, (size_t)ny * elem);
    }
    if (nx == 0) return;
    if (r == 0) {
        memcpy(y, x, elem);
        return;
    }
    int64_t yst[NN__MAX_RANK];
    strides_of(&ys, yst);
    /* The dims after the innermost padded dim k are unpadded, so x's block over dims k..r-1 lands
     * contiguous in y: copy those blocks whole (for NHWC spatial padding, a whole image row W*C at a
     * time rather than C values per memcpy). */
    int k = r - 1;
    while (k > 0 && before[k] == 0 && after[k] == 0) k--;
    int64_t row = 1;
    for (int i = k; i < r; i++) row *= xs->d[i];
    int64_t rows = nx / row;
    for (int64_t q = 0; q < rows; q++) {
        int64_t rem = q, off = before[k] * yst[k];
        for (int i = k - 1; i >= 0; i--) {
            off += (rem % xs->d[i] + before[i]) * yst[i];
            rem /= xs->d[i];
        }
        memcpy((char *)y + (size_t)off * elem, (const char *)x + (size_t)(q * row) * elem,
               (size_t)row * elem);
    }
}

void nn__depth_to_space_ref(const void *x, size_t elem, int64_t n, int64_t h, int64_t w, int64_t c,
                            int block, void *y)
{
    int64_t b = block, oc = c / (b * b), ow = w * b;
    for (int64_t bi = 0; bi < n; bi++)
        for (int64_t iy = 0; iy < h; iy++)
            for (int64_t ix = 0; ix < w; ix++)
                for (int64_t i = 0; i < b; i++)
                    for (int64_t j = 0; j < b; j++) {
                        /* DCR: the input channel block (i*b + j) goes to output pixel (iy*b+i, ix*b+j) */
                        const char *src = (const char *)x +
                                          (size_t)(((bi * h + iy) * w + ix) * c + (i * b + j) * oc) * elem;
                        char *dst = (char *)y +
                                    (size_t)(((bi * h * b + iy * b + i) * ow + ix * b + j) * oc) * elem;
                        memcpy(dst, src, (size_t)oc * elem);
                    }
}

int nn__concat_shape(int n, const nn__shape *shapes, int axis, nn__shape *out)
{
    if (n < 1) return -1;
    int r = shapes[0].rank;
    if (axis < 0 || axis >= r) return -1;
    nn__shape o = shapes[0];
    for (int k = 1; k < n; k++) {
        if (shapes[k].rank != r) return -1;
        for (int i = 0; i < r; i++)
            if (i != axis && shapes[k].d[i] != o.d[i]) return -1;
        o.d[axis] += shapes[k].d[axis];
    }
    *out = o;
    return 0;
}

void nn__concat_ref(size_t elem, int n, const void *const *xs, const nn__shape *shapes, int axis,
                    void *y)
{
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++) outer *= shapes[0].d[i];
    for (int i = axis + 1; i < shapes[0].rank; i++) inner *= shapes[0].d[i];
    char *dst = y;
    for (int64_t o = 0; o < outer; o++)
        for (int k = 0; k < n; k++) {
            size_t chunk = (size_t)(shapes[k].d[axis] * inner) * elem;
            memcpy(dst, (const char *)xs[k] + (size_t)o * chunk, chunk);
            dst += chunk;
        }
}

void nn__pack_ref(size_t elem, int n, const void *const *xs, const nn__shape *s, int axis, void *y)
{
    /* = concat of the inputs seen with a size-1 dim inserted at axis */
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++) outer *= s->d[i];
    for (int i = axis; i < s->rank; i++) inner *= s->d[i];
    size_t chunk = (size_t)inner * elem;
    char *dst = y;
    for (int64_t o = 0; o < outer; o++)
        for (int k = 0; k < n; k++) {
            memcpy(dst, (const char *)xs[k] + (size_t)o * chunk, chunk);
            dst += chunk;
        }
}

void nn__split_ref(const void *x, size_t elem, const nn__shape *xs, int axis, int n,
                   const int64_t *sizes, void *const *ys)
{
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++) outer *= xs->d[i];
    for (int i = axis + 1; i < xs->rank; i++) inner *= xs->d[i];
    const char *src = x;
    for (int64_t o = 0; o < outer; o++)
        for (int k = 0; k < n; k++) {
            size_t chunk = (size_t)(sizes[k] * inner) * elem;
            memcpy((char *)ys[k] + (size_t)o * chunk, src, chunk);
            src += chunk;
        }
}

void nn__unpack_ref(const void *x, size_t elem, const nn__shape *xs, int axis, void *const *ys)
{
    /* Split into size-1 pieces, written without a sizes array so any dim works. */
    int64_t outer = 1, inner = 1, n = xs->d[axis];
    for (int i = 0; i < axis; i++) outer *= xs->d[i];
    for (int i = axis + 1; i < xs->rank; i++) inner *= xs->d[i];
    size_t chunk = (size_t)inner * elem;
    const char *src = x;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < n; k++) {
            memcpy((char *)ys[k] + (size_t)o * chunk, src, chunk);
            src += chunk;
        }
}

void nn__tile_ref(const void *x, size_t elem, const nn__shape *xs, const int64_t *multiples,
                  void *y)
{
    nn__shape ys = {.rank = xs->rank};
    for (int i = 0; i < xs->rank; i++) ys.d[i] = xs->d[i] * multiples[i];
    int64_t xst[NN__MAX_RANK], ny = nn__shape_count(&ys);
    strides_of(xs, xst);
    for (int64_t e = 0; e < ny; e++) {
        /* output index (o_i) reads input index (o_i mod d_i) */
        int64_t rem = e, off = 0;
        for (int i = ys.rank - 1; i >= 0; i--) {
            off += (rem % ys.d[i]) % xs->d[i] * xst[i];
            rem /= ys.d[i];
        }
        memcpy((char *)y + (size_t)e * elem, (const char *)x + (size_t)off * elem, elem);
    }
}

void nn__transpose_ref(const void *x, size_t elem, const nn__shape *xs, const int *perm, void *y)
{
    nn__shape ys = {.rank = xs->rank};
    int64_t xst[NN__MAX_RANK];
    strides_of(xs, xst);
    for (int i = 0; i < xs->rank; i++) ys.d[i] = xs->d[perm[i]];
    int64_t ny = nn__shape_count(&ys);
    for (int64_t e = 0; e < ny; e++) {
        int64_t rem = e, off = 0;
        for (int i = ys.rank - 1; i >= 0; i--) {
            off += (rem % ys.d[i]) * xst[perm[i]];
            rem /= ys.d[i];
        }
        memcpy((char *)y + (size_t)e * elem, (const char *)x + (size_t)off * elem, elem);
    }
}

void nn__fill_ref(void *y, size_t elem, int64_t count, const void *value)
{
    for (int64_t i = 0; i < count; i++) memcpy((char *)y + (size_t)i * elem, value, elem);
}

int64_t nn__range_count(double start, double limit, double delta)
{
    if (delta == 0.0) return -1;
    double n = ceil((limit - start) / delta);
    if (!(n > 0.0)) return 0;
    if (n > 9.0e15) return -1;
    return (int64_t)n;
}

void nn__range_ref(nn__dtype dt, double start, double delta, int64_t count, void *y)
{
    if (count <= 0) return;
    if (dt == NN__I32) {
        int32_t *o = y;
        int32_t d = (int32_t)delta;
        o[0] = (int32_t)start;
        for (int64_t i = 1; i < count; i++) o[i] = (int32_t)((uint32_t)o[i - 1] + (uint32_t)d);
    } else {
        float *o = y;
        o[0] = (float)start;
        for (int64_t i = 1; i < count; i++) o[i] = (float)((double)o[i - 1] + delta);
    }
}
