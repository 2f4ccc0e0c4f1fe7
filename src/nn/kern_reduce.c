/*
 * kern_reduce.c - Sum / Max / Min / Mean over a set of axes (keep_dims only changes the shape).
 * For each output element the reduced elements are visited in row-major order of the reduced
 * dims, which is the order TF.js sums them in (it moves the reduced axes innermost first).
 */
#include <assert.h>

#include "kernels.h"

/* Which dims of xs are reduced; -1 on an axis out of range. */
static int reduced_dims(const nn__shape *xs, const int64_t *axes, int naxes, int *red)
{
    for (int i = 0; i < xs->rank; i++) red[i] = 0;
    for (int k = 0; k < naxes; k++) {
        int a = nn__normalize_axis(axes[k], xs->rank);
        if (a < 0) return -1;
        red[a] = 1;
    }
    return 0;
}

int nn__reduce_shape(const nn__shape *xs, const int64_t *axes, int naxes, int keep_dims,
                     nn__shape *out)
{
    int red[NN__MAX_RANK];
    if (reduced_dims(xs, axes, naxes, red) < 0) return -1;
    nn__shape o = {.rank = 0};
    for (int i = 0; i < xs->rank; i++) {
        if (!red[i]) o.d[o.rank++] = xs->d[i];
        else if (keep_dims) o.d[o.rank++] = 1;
    }
    *out = o;
    return 0;
}

void nn__reduce_ref(nn__reduce op, nn__dtype dt, const void *x, const nn__shape *xs,
                    const int64_t *axes, int naxes, void *y)
{
    int red[NN__MAX_RANK], r = xs->rank;
    int rc = reduced_dims(xs, axes, naxes, red);
    assert(rc == 0);
    (void)rc;
    int64_t st[NN__MAX_RANK], acc = 1;
    for (int i = r - 1; i >= 0; i--) {
        st[i] = acc;
        acc *= xs->d[i];
    }
    /* kept dims (k*) and reduced dims (r*) with their input strides */
    int64_t kd[NN__MAX_RANK], ks[NN__MAX_RANK], rd[NN__MAX_RANK], rs[NN__MAX_RANK];
    int nk = 0, nr = 0;
    int64_t nout = 1, nred = 1;
    for (int i = 0; i < r; i++) {
        if (red[i]) { rd[nr] = xs->d[i]; rs[nr++] = st[i]; nred *= xs->d[i]; }
        else { kd[nk] = xs->d[i]; ks[nk++] = st[i]; nout *= xs->d[i]; }
    }
    for (int64_t o = 0; o < nout; o++) {
        int64_t base = 0, rem = o;
        for (int i = nk - 1; i >= 0; i--) {
            base += (rem % kd[i]) * ks[i];
            rem /= kd[i];
        }
        float facc = 0;
        int32_t iacc = 0;
        uint32_t usum = 0;
        for (int64_t q = 0; q < nred; q++) {
            int64_t off = base, rq = q;
            for (int i = nr - 1; i >= 0; i--) {
                off += (rq % rd[i]) * rs[i];
                rq /= rd[i];
            }
            if (dt == NN__F32) {
                float v = ((const float *)x)[off];
                if (q == 0) facc = v;
                else if (op == NN__RED_MAX) facc = v > facc ? v : facc;
                else if (op == NN__RED_MIN) facc = v < facc ? v : facc;
                else facc += v; /* float32 accumulation, like Float32Array sums */
            } else {
                int32_t v = ((const int32_t *)x)[off];
                if (q == 0) { iacc = v; usum = (uint32_t)v; }
                else if (op == NN__RED_MAX) iacc = v > iacc ? v : iacc;
                else if (op == NN__RED_MIN) iacc = v < iacc ? v : iacc;
                else usum += (uint32_t)v;
            }
        }
        if (dt == NN__F32) {
            if (nred == 0) facc = 0.0f;
            if (op == NN__RED_MEAN && nred > 0) facc /= (float)nred;
            ((float *)y)[o] = facc;
        } else {
            if (op == NN__RED_SUM || op == NN__RED_MEAN) iacc = (int32_t)usum;
            if (nred == 0) iacc = 0;
            if (op == NN__RED_MEAN && nred > 0) iacc = (int32_t)(iacc / nred);
            ((int32_t *)y)[o] = iacc;
        }
    }
}
