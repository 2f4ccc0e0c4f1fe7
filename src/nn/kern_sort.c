/*
 * kern_sort.c - ArgMax (first index on ties) and TopKV2 (sorted, ties -> lower index), the TF.js
 * orderings: ArgMax keeps the current best unless a later value is strictly greater; TopK orders
 * by value descending, then index ascending.
 */
#include <string.h>

#include "kernels.h"

static double value_at(nn__dtype dt, const void *x, int64_t i)
{
    return dt == NN__F32 ? (double)((const float *)x)[i] : (double)((const int32_t *)x)[i];
}

void nn__argmax_ref(nn__dtype dt, const void *x, const nn__shape *xs, int axis, int32_t *y)
{
    int64_t outer = 1, inner = 1, n = xs->d[axis];
    for (int i = 0; i < axis; i++) outer *= xs->d[i];
    for (int i = axis + 1; i < xs->rank; i++) inner *= xs->d[i];
    if (n == 0) { /* an empty axis has no maximum; TF rejects it, we write index 0 */
        memset(y, 0, (size_t)(outer * inner) * sizeof *y);
        return;
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            int64_t base = o * n * inner + in, best = 0;
            double bv = value_at(dt, x, base);
            for (int64_t j = 1; j < n; j++) {
                double v = value_at(dt, x, base + j * inner);
                if (v > bv) {
                    bv = v;
                    best = j;
                }
            }
            y[o * inner + in] = (int32_t)best;
        }
}

void nn__topk_ref(nn__dtype dt, const void *x, int64_t rows, int64_t n, int64_t k, void *values,
                  int32_t *indices)
{
    for (int64_t r = 0; r < rows; r++) {
        int32_t *ind = indices + r * k;
        int64_t filled = 0;
        /* insertion into the sorted best-k list; an equal value never passes an earlier index */
        for (int64_t i = 0; i < n; i++) {
            double v = value_at(dt, x, r * n + i);
            if (filled == k && (k == 0 || !(v > value_at(dt, x, r * n + ind[k - 1])))) continue;
            int64_t p = filled < k ? filled++ : k - 1;
            while (p > 0 && v > value_at(dt, x, r * n + ind[p - 1])) {
                ind[p] = ind[p - 1];
                p--;
            }
            ind[p] = (int32_t)i;
        }
        for (int64_t j = 0; j < k; j++) {
            if (dt == NN__F32)
                ((float *)values)[r * k + j] = ((const float *)x)[r * n + ind[j]];
            else
                ((int32_t *)values)[r * k + j] = ((const int32_t *)x)[r * n + ind[j]];
        }
    }
}
