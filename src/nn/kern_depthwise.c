/*
 * kern_depthwise.c - DepthwiseConv2dNative / FusedDepthwiseConv2dNative reference kernel
 * (NHWC, filter [KH,KW,C,M]): a direct loop per output pixel, channels innermost so the loop over C
 * is contiguous in input, filter and output. Taps are summed in (ky, kx) order for every thread count.
 */
#include "kernels.h"

static inline float act_apply(float v, nn__act act)
{
    if (act == NN__ACT_RELU) return v > 0.0f ? v : 0.0f;
    if (act == NN__ACT_RELU6) return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    return v;
}

void nn__depthwise_ref(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                       const float *filt, int64_t m, const float *bias, const nn__conv_params *p,
                       float *y, int64_t oh, int64_t ow, int ith, int nth)
{
    int64_t r0, r1, oc = c * m;
    nn__split_range(n * oh, ith, nth, &r0, &r1);
    for (int64_t row = r0; row < r1; row++) {
        int64_t b = row / oh, oy = row % oh;
        for (int64_t ox = 0; ox < ow; ox++) {
            float *yp = y + ((b * oh + oy) * ow + ox) * oc;
            for (int64_t o = 0; o < oc; o++) yp[o] = bias ? bias[o] : 0.0f;
            for (int ky = 0; ky < p->kh; ky++) {
                int64_t iy = oy * p->sh - p->pad_top + ky;
                if (iy < 0 || iy >= h) continue;
                for (int kx = 0; kx < p->kw; kx++) {
                    int64_t ix = ox * p->sw - p->pad_left + kx;
                    if (ix < 0 || ix >= w) continue;
                    const float *xp = x + ((b * h + iy) * w + ix) * c;
                    const float *fp = filt + ((int64_t)ky * p->kw + kx) * oc;
                    if (m == 1) {
                        for (int64_t k = 0; k < c; k++) yp[k] += xp[k] * fp[k];
                    } else {
                        for (int64_t k = 0; k < c; k++)
                            for (int64_t j = 0; j < m; j++) yp[k * m + j] += xp[k] * fp[k * m + j];
                    }
                }
            }
            for (int64_t o = 0; o < oc; o++) yp[o] = act_apply(yp[o], p->act);
        }
    }
}
