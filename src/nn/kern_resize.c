/*
 * kern_resize.c - ResizeBilinear reference kernel (NHWC float32), TF.js arithmetic:
 *   scale = in/out, or (in-1)/(out-1) with align_corners (when out > 1);
 *   src   = (dst + 0.5) * scale - 0.5 with half_pixel_centers, else dst * scale;
 *   lo = max(floor(src), 0), hi = min(ceil(src), in - 1), frac = src - lo;
 *   top = tl + (tr - tl) * fx, bottom = bl + (br - bl) * fx, y = top + (bottom - top) * fy.
 * When src < 0 (first half-pixel row) lo == hi == 0, so the negative frac has no effect.
 * A residual (an AddV2 fused by the planner) is added to each output after that, one more rounding:
 * the bits of ResizeBilinear followed by AddV2.
 */
#include <math.h>

#include "kernels.h"

/* Source cells and weight of output coordinate dst along one axis. */
static void source_coord(int64_t dst, int64_t in, int64_t out, int align_corners,
                         int half_pixel_centers, int64_t *lo, int64_t *hi, float *frac)
{
    float scale = (align_corners && out > 1) ? (float)(in - 1) / (float)(out - 1)
                                             : (float)in / (float)out;
    float src = half_pixel_centers ? ((float)dst + 0.5f) * scale - 0.5f : (float)dst * scale;
    float fl = floorf(src);
    int64_t l = (int64_t)fl, h = (int64_t)ceilf(src);
    if (l < 0) l = 0;
    if (h > in - 1) h = in - 1;
    if (h < 0) h = 0;
    *lo = l;
    *hi = h;
    *frac = src - (float)l;
}

void nn__resize_bilinear_ref(const float *x, int64_t n, int64_t ih, int64_t iw, int64_t c,
                             const float *residual, float *y, int64_t oh, int64_t ow, int align_corners,
                             int half_pixel_centers, int ith, int nth)
{
    int64_t r0, r1;
    nn__split_range(n * oh, ith, nth, &r0, &r1);
    for (int64_t row = r0; row < r1; row++) {
        int64_t b = row / oh, oy = row % oh, y0, y1;
        float fy;
        source_coord(oy, ih, oh, align_corners, half_pixel_centers, &y0, &y1, &fy);
        const float *top_row = x + (b * ih + y0) * iw * c;
        const float *bot_row = x + (b * ih + y1) * iw * c;
        float *yp = y + row * ow * c;
        const float *rp = residual ? residual + row * ow * c : NULL;
        for (int64_t ox = 0; ox < ow; ox++) {
            int64_t x0, x1;
            float fx;
            source_coord(ox, iw, ow, align_corners, half_pixel_centers, &x0, &x1, &fx);
            const float *tl = top_row + x0 * c, *tr = top_row + x1 * c;
            const float *bl = bot_row + x0 * c, *br = bot_row + x1 * c;
            for (int64_t k = 0; k < c; k++) {
                float top = tl[k] + (tr[k] - tl[k]) * fx;
                float bottom = bl[k] + (br[k] - bl[k]) * fx;
                float v = top + (bottom - top) * fy;
                yp[ox * c + k] = rp ? v + rp[ox * c + k] : v;
            }
        }
    }
}
