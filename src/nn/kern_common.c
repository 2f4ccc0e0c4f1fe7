/*
 * kern_common.c - small helpers shared by the reference kernels: dtype sizes, element counts,
 * the thread split of a row range, and axis normalization.
 */
#include <assert.h>

#include "kernels.h"

size_t nn__dtype_size(nn__dtype t)
{
    switch (t) {
    case NN__F32: return sizeof(float);
    case NN__I32: return sizeof(int32_t);
    case NN__BOOL: return sizeof(uint8_t);
    }
    assert(0 && "unknown dtype");
    return 0;
}

int64_t nn__shape_count(const nn__shape *s)
{
    int64_t n = 1;
    for (int i = 0; i < s->rank; i++) n *= s->d[i];
    return n;
}

void nn__split_range(int64_t total, int ith, int nth, int64_t *begin, int64_t *end)
{
    assert(nth >= 1 && ith >= 0 && ith < nth);
    /* The first (total % nth) threads get one extra row. */
    int64_t base = total / nth, extra = total % nth;
    int64_t b = (int64_t)ith * base + (ith < extra ? ith : extra);
    *begin = b;
    *end = b + base + (ith < extra ? 1 : 0);
}

int nn__normalize_axis(int64_t axis, int rank)
{
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return -1;
    return (int)axis;
}
