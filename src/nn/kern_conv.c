/*
 * kern_conv.c - Conv2D / _FusedConv2D reference kernel (NHWC, filter [KH,KW,C,OC]) and the TF
 * padding arithmetic shared with depthwise and MaxPool.
 *
 * Two loops, both plain C:
 *   - 1x1, stride 1, no padding (most of the FLOPs of our models): a GEMM Y[P,OC] = X[P,C] W[C,OC]
 *     blocked as MR pixels x NR output channels of accumulators (kept in registers) over a chunk of
 *     pixels, so the W tile stays in L1 and the NR loop vectorizes under -O2.
 *   - everything else (3x3 stride 2, 2x2, 3x3 SAME, strided 1x1): a direct loop that accumulates
 *     each output pixel in place, OC innermost (contiguous in both filter row and output).
 * Both sum over c (and kh, kw) in increasing order, so results do not depend on the thread count.
 */
#include <assert.h>
#include <string.h>

#include "kernels.h"

void nn__same_padding(int64_t in, int k, int stride, int *before, int *after, int64_t *out)
{
    int64_t o = (in + stride - 1) / stride;
    int64_t total = (o - 1) * stride + k - in;
    if (total < 0) total = 0;
    *before = (int)(total / 2);
    *after = (int)(total - total / 2);
    *out = o;
}

int nn__conv_params_init(nn__conv_params *p, int64_t ih, int64_t iw, int kh, int kw, int sh, int sw,
                         nn__padding pad, nn__act act, int64_t *oh, int64_t *ow)
{
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ih < 1 || iw < 1) return -1;
    p->kh = kh;
    p->kw = kw;
    p->sh = sh;
    p->sw = sw;
    p->act = act;
    if (pad == NN__PAD_SAME) {
        nn__same_padding(ih, kh, sh, &p->pad_top, &p->pad_bottom, oh);
        nn__same_padding(iw, kw, sw, &p->pad_left, &p->pad_right, ow);
    } else {
        p->pad_top = p->pad_bottom = p->pad_left = p->pad_right = 0;
        if (ih < kh || iw < kw) return -1;
        *oh = (ih - kh) / sh + 1; /* = ceil((in - k + 1) / stride) */
        *ow = (iw - kw) / sw + 1;
    }
    return (*oh > 0 && *ow > 0) ? 0 : -1;
}

static inline float apply_act(float v, nn__act act)
{
    switch (act) {
    case NN__ACT_NONE: return v;
    case NN__ACT_RELU: return v > 0.0f ? v : 0.0f;
    case NN__ACT_RELU6: return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    }
    return v;
}

enum { MR = 4, NR = 8, PCHUNK = 64 };

/* Four floats as one value: GCC/Clang generic vectors (SSE2 on x86-64, NEON on arm64, scalar code
 * elsewhere). This is the only non-ISO construct of the kernels; it keeps the accumulators of the
 * GEMM block in registers, which the auto-vectorizer of -O2 does not manage for this loop nest. */
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static inline v4f v4_load(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline v4f v4_act(v4f v, nn__act act)
{
    if (act == NN__ACT_NONE) return v;
    const v4f zero = {0, 0, 0, 0}, six = {6, 6, 6, 6};
    v4i pos = v > zero; /* lanes all-ones where v > 0 (false for NaN, as in apply_act) */
    v = (v4f)((v4i)v & pos);
    if (act == NN__ACT_RELU6) {
        v4i below = v < six;
        v = (v4f)(((v4i)v & below) | ((v4i)six & ~below));
    }
    return v;
}

/* One MR x NR block: pixels x[0..MR) (stride c), channels [o0, o0 + NR) of w (row stride oc).
 * acc[r][j] = bias + sum_k x[r][k] * w[k][o0 + 4j .. +4], k in increasing order. */
static void gemm_block(const float *x, int64_t c, const float *w, int64_t oc, int64_t o0,
                       const float *bias, nn__act act, float *y)
{
    v4f acc[MR][NR / 4];
    for (int j = 0; j < NR / 4; j++) {
        v4f b0 = {0, 0, 0, 0};
        if (bias) b0 = v4_load(bias + o0 + 4 * j);
        for (int r = 0; r < MR; r++) acc[r][j] = b0;
    }
    for (int64_t k = 0; k < c; k++) {
        const float *wr = w + k * oc + o0;
        v4f wv[NR / 4];
        for (int j = 0; j < NR / 4; j++) wv[j] = v4_load(wr + 4 * j);
        for (int r = 0; r < MR; r++) {
            float xs = x[r * c + k];
            v4f xv = {xs, xs, xs, xs};
            for (int j = 0; j < NR / 4; j++) acc[r][j] += xv * wv[j];
        }
    }
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < NR / 4; j++) {
            v4f v = v4_act(acc[r][j], act);
            memcpy(y + r * oc + o0 + 4 * j, &v, sizeof v);
        }
}

/* The leftovers: any rows x cols block, one output at a time, same summation order. */
static void gemm_edge(const float *x, int64_t rows, int64_t c, const float *w, int64_t oc,
                      int64_t o0, int64_t o1, const float *bias, nn__act act, float *y)
{
    for (int64_t r = 0; r < rows; r++)
        for (int64_t o = o0; o < o1; o++) {
            float acc = bias ? bias[o] : 0.0f;
            for (int64_t k = 0; k < c; k++) acc += x[r * c + k] * w[k * oc + o];
            y[r * oc + o] = apply_act(acc, act);
        }
}

/* Y[p0..p1) = act(X W + b) over pixels p0..p1 of the flattened [P, C] input. */
static void conv1x1_gemm(const float *x, int64_t c, const float *w, int64_t oc, const float *bias,
                         nn__act act, float *y, int64_t p0, int64_t p1)
{
    int64_t oc_full = oc - oc % NR;
    for (int64_t q0 = p0; q0 < p1; q0 += PCHUNK) {
        int64_t q1 = q0 + PCHUNK < p1 ? q0 + PCHUNK : p1;
        int64_t qfull = q0 + (q1 - q0) / MR * MR;
        for (int64_t o0 = 0; o0 < oc_full; o0 += NR) {
            for (int64_t p = q0; p < qfull; p += MR)
                gemm_block(x + p * c, c, w, oc, o0, bias, act, y + p * oc);
            if (qfull < q1)
                gemm_edge(x + qfull * c, q1 - qfull, c, w, oc, o0, o0 + NR, bias, act,
                          y + qfull * oc);
        }
        if (oc_full < oc)
            gemm_edge(x + q0 * c, q1 - q0, c, w, oc, oc_full, oc, bias, act, y + q0 * oc);
    }
}

/* Output rows [r0, r1) of the flattened n*oh rows, direct loop. */
static void conv_direct(const float *x, int64_t h, int64_t w, int64_t c, const float *filt,
                        int64_t oc, const float *bias, const nn__conv_params *p, float *y,
                        int64_t oh, int64_t ow, int64_t r0, int64_t r1)
{
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
                    const float *fp = filt + ((int64_t)ky * p->kw + kx) * c * oc;
                    for (int64_t k = 0; k < c; k++) {
                        float xv = xp[k];
                        const float *fr = fp + k * oc;
                        for (int64_t o = 0; o < oc; o++) yp[o] += xv * fr[o];
                    }
                }
            }
            for (int64_t o = 0; o < oc; o++) yp[o] = apply_act(yp[o], p->act);
        }
    }
}

void nn__conv2d_ref(const float *x, int64_t n, int64_t h, int64_t w, int64_t c,
                    const float *filt, int64_t oc, const float *bias, const nn__conv_params *p,
                    float *y, int64_t oh, int64_t ow, int ith, int nth)
{
    int64_t r0, r1;
    nn__split_range(n * oh, ith, nth, &r0, &r1);
    if (r0 >= r1) return;
    int pointwise = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pad_top == 0 &&
                    p->pad_left == 0 && oh == h && ow == w;
    if (pointwise)
        conv1x1_gemm(x, c, filt, oc, bias, p->act, y, r0 * ow, r1 * ow);
    else
        conv_direct(x, h, w, c, filt, oc, bias, p, y, oh, ow, r0, r1);
}
