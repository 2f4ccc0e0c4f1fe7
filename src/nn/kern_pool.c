/*
 * kern_pool.c - MaxPool reference kernel (NHWC). Cells of the window that fall in the SAME padding
 * are skipped (TF: they never win, they are not zeros); a window is never entirely padding.
 */
#include <math.h>

#include "kernels.h"

void nn__maxpool_ref(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                     const nn__conv_params *p, float *y, int64_t oh, int64_t ow, int ith, int nth)
{
    int64_t r0, r1;
    nn__split_range(n * oh, ith, nth, &r0, &r1);
    for (int64_t row = r0; row < r1; row++) {
        int64_t b = row / oh, oy = row % oh;
        for (int64_t ox = 0; ox < ow; ox++) {
            float *yp = y + ((b * oh + oy) * ow + ox) * c;
            for (int64_t k = 0; k < c; k++) yp[k] = -INFINITY;
            for (int ky = 0; ky < p->kh; ky++) {
                int64_t iy = oy * p->sh - p->pad_top + ky;
                if (iy < 0 || iy >= h) continue;
                for (int kx = 0; kx < p->kw; kx++) {
                    int64_t ix = ox * p->sw - p->pad_left + kx;
                    if (ix < 0 || ix >= w) continue;
                    const float *xp = x + ((b * h + iy) * w + ix) * c;
                    for (int64_t k = 0; k < c; k++)
                        if (xp[k] > yp[k]) yp[k] = xp[k];
                }
            }
        }
    }
}
