/*
 * kern_depthwise.c - DepthwiseConv2dNative / FusedDepthwiseConv2dNative reference kernel
 * (NHWC, filter [KH,KW,C,M]): a direct loop per output pixel over the taps that fall inside the
 * input. With M = 1 (all our models) four channels are accumulated at once in a register: start
 * from the bias, add the taps in (ky, kx) order, apply the activation. The channel tail does the
 * same in scalar code, so every output sees the same arithmetic.
 */
#include "kern_vec.h"

/* The valid tap range [*k0, *k1) of a window starting at in-coordinate `start` (may be < 0). */
static void tap_range(int64_t start, int k, int64_t in, int *k0, int *k1)
{
    int64_t a = start < 0 ? -start : 0, b = in - start < k ? in - start : k;
    *k0 = (int)a;
    *k1 = (int)(b > a ? b : a);
}

static void depthwise_m1_pixel(const float *xb, int64_t w, int64_t c, const float *filt,
                               const float *bias, const nn__conv_params *p, int64_t iy0,
                               int ky0, int ky1, int64_t ix0, int kx0, int kx1, float *yp)
{
    int64_t k = 0;
    for (; k + 8 <= c; k += 8) { /* two independent 4-channel sums in flight */
        nn__v4f a0 = bias ? nn__v4_load(bias + k) : nn__v4_splat(0.0f);
        nn__v4f a1 = bias ? nn__v4_load(bias + k + 4) : nn__v4_splat(0.0f);
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++) {
                const float *xp = xb + ((iy0 + ky) * w + ix0 + kx) * c + k;
                const float *fp = filt + ((int64_t)ky * p->kw + kx) * c + k;
                a0 += nn__v4_load(xp) * nn__v4_load(fp);
                a1 += nn__v4_load(xp + 4) * nn__v4_load(fp + 4);
            }
        nn__v4_store(yp + k, nn__v4_act(a0, p->act));
        nn__v4_store(yp + k + 4, nn__v4_act(a1, p->act));
    }
    for (; k + 4 <= c; k += 4) {
        nn__v4f acc = bias ? nn__v4_load(bias + k) : nn__v4_splat(0.0f);
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++) {
                const float *xp = xb + ((iy0 + ky) * w + ix0 + kx) * c + k;
                const float *fp = filt + ((int64_t)ky * p->kw + kx) * c + k;
                acc += nn__v4_load(xp) * nn__v4_load(fp);
            }
        nn__v4_store(yp + k, nn__v4_act(acc, p->act));
    }
    for (; k < c; k++) {
        float acc = bias ? bias[k] : 0.0f;
        for (int ky = ky0; ky < ky1; ky++)
            for (int kx = kx0; kx < kx1; kx++)
                acc += xb[((iy0 + ky) * w + ix0 + kx) * c + k] *
                       filt[((int64_t)ky * p->kw + kx) * c + k];
        yp[k] = nn__act_apply(acc, p->act);
    }
}

void nn__depthwise_ref(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                       const float *filt, int64_t m, const float *bias, const nn__conv_params *p,
                       float *y, int64_t oh, int64_t ow, int ith, int nth)
{
    int64_t r0, r1, oc = c * m;
    nn__split_range(n * oh, ith, nth, &r0, &r1);
    for (int64_t row = r0; row < r1; row++) {
        int64_t b = row / oh, oy = row % oh, iy0 = oy * p->sh - p->pad_top;
        int ky0, ky1;
        tap_range(iy0, p->kh, h, &ky0, &ky1);
        const float *xb = x + b * h * w * c;
        for (int64_t ox = 0; ox < ow; ox++) {
            int64_t ix0 = ox * p->sw - p->pad_left;
            int kx0, kx1;
            tap_range(ix0, p->kw, w, &kx0, &kx1);
            float *yp = y + ((b * oh + oy) * ow + ox) * oc;
            if (m == 1) {
                depthwise_m1_pixel(xb, w, c, filt, bias, p, iy0, ky0, ky1, ix0, kx0, kx1, yp);
                continue;
            }
            /* channel multiplier > 1: output channel k*m + j = x[.., k] * filt[.., k, j] */
            for (int64_t o = 0; o < oc; o++) {
                float acc = bias ? bias[o] : 0.0f;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                        acc += xb[((iy0 + ky) * w + ix0 + kx) * c + o / m] *
                               filt[((int64_t)ky * p->kw + kx) * oc + o];
                yp[o] = nn__act_apply(acc, p->act);
            }
        }
    }
}
