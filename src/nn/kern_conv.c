/*
 * kern_conv.c - Conv2D / _FusedConv2D reference kernel (NHWC, filter [KH,KW,C,OC]) and the TF
 * padding arithmetic shared with depthwise and MaxPool.
 *
 * Two loops:
 *   - 1x1, stride 1, no padding (most of the FLOPs of our models): a GEMM Y[P,OC] = X[P,C] W[C,OC]
 *     blocked as MR pixels x NR output channels of accumulators (kept in registers) over a chunk of
 *     pixels, so the W tile stays in L1. The reference uses 4-wide generic vectors; on x86-64 CPUs
 *     with AVX2+FMA the same blocking runs 8-wide with fused multiply-adds (nn__conv1x1_ref).
 *   - everything else (3x3 stride 2, 2x2, 3x3 SAME, strided 1x1): a direct loop that accumulates
 *     each output pixel in place, OC innermost (contiguous in both filter row and output).
 * Both sum over c (and kh, kw) in increasing order, so results do not depend on the thread count.
 */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "kern_vec.h"

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
    p->post_act = NN__ACT_NONE;
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

#define apply_act nn__act_apply

enum { MR = 4, NR = 8, PCHUNK = 64 };

/* Short names for the 4-float vector of kern_vec.h (the accumulators of the blocks below). */
typedef nn__v4f v4f;
#define v4_load nn__v4_load
#define v4_act nn__v4_act

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

/* The leftovers: any rows x cols block, same summation order per output as the blocks (bias, then
 * k ascending); four rows at a time so the four sums run in parallel. */
static void gemm_edge(const float *x, int64_t rows, int64_t c, const float *w, int64_t oc,
                      int64_t o0, int64_t o1, const float *bias, nn__act act, float *y)
{
    int64_t r = 0;
    for (; r + 4 <= rows; r += 4)
        for (int64_t o = o0; o < o1; o++) {
            float b = bias ? bias[o] : 0.0f, a0 = b, a1 = b, a2 = b, a3 = b;
            const float *x0 = x + r * c;
            for (int64_t k = 0; k < c; k++) {
                float wv = w[k * oc + o];
                a0 += x0[k] * wv;
                a1 += x0[c + k] * wv;
                a2 += x0[2 * c + k] * wv;
                a3 += x0[3 * c + k] * wv;
            }
            y[r * oc + o] = apply_act(a0, act);
            y[(r + 1) * oc + o] = apply_act(a1, act);
            y[(r + 2) * oc + o] = apply_act(a2, act);
            y[(r + 3) * oc + o] = apply_act(a3, act);
        }
    for (; r < rows; r++)
        for (int64_t o = o0; o < o1; o++) {
            float acc = bias ? bias[o] : 0.0f;
            for (int64_t k = 0; k < c; k++) acc += x[r * c + k] * w[k * oc + o];
            y[r * oc + o] = apply_act(acc, act);
        }
}

/* Y[p0..p1) = act(X W + b) over pixels p0..p1 of the flattened [P, C] input (the reference). */
static void conv1x1_portable(const float *x, int64_t c, const float *w, int64_t oc,
                             const float *bias, nn__act act, float *y, int64_t p0, int64_t p1)
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

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The same blocking with 8-wide AVX2 registers and fused multiply-adds: 4 pixels x 16 channels
 * of accumulators. Compiled for AVX2+FMA by the target attribute and only called when the CPU
 * has both (nn__gemm_variant_available). Edges go through the portable code. */
#include <immintrin.h>
#define NN_HAVE_AVX2_GEMM 1

__attribute__((target("avx2,fma"))) static void gemm_block_avx2(const float *x, int64_t c,
                                                                 const float *w, int64_t oc,
                                                                 int64_t o0, const float *bias,
                                                                 nn__act act, float *y)
{
    __m256 acc[4][2];
    __m256 b0 = bias ? _mm256_loadu_ps(bias + o0) : _mm256_setzero_ps();
    __m256 b1 = bias ? _mm256_loadu_ps(bias + o0 + 8) : _mm256_setzero_ps();
    for (int r = 0; r < 4; r++) {
        acc[r][0] = b0;
        acc[r][1] = b1;
    }
    for (int64_t k = 0; k < c; k++) {
        const float *wr = w + k * oc + o0;
        __m256 w0 = _mm256_loadu_ps(wr), w1 = _mm256_loadu_ps(wr + 8);
        for (int r = 0; r < 4; r++) {
            __m256 xv = _mm256_broadcast_ss(x + r * c + k);
            acc[r][0] = _mm256_fmadd_ps(xv, w0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(xv, w1, acc[r][1]);
        }
    }
    const __m256 zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6.0f);
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 2; j++) {
            __m256 v = acc[r][j];
            /* max(v, 0) returns the second operand for NaN, so NaN -> 0 as in apply_act */
            if (act != NN__ACT_NONE) v = _mm256_max_ps(v, zero);
            if (act == NN__ACT_RELU6) v = _mm256_min_ps(v, six);
            _mm256_storeu_ps(y + r * oc + o0 + 8 * j, v);
        }
}

/* Edges of the AVX2 path: the same fused multiply-add per term (fmaf rounds once, like each lane
 * of _mm256_fmadd_ps), so an output does not depend on whether a block or an edge computed it,
 * which keeps results identical for every thread split. */
__attribute__((target("avx2,fma"))) static void gemm_edge_fma(const float *x, int64_t rows,
                                                               int64_t c, const float *w,
                                                               int64_t oc, int64_t o0, int64_t o1,
                                                               const float *bias, nn__act act,
                                                               float *y)
{
    int64_t r = 0;
    for (; r + 4 <= rows; r += 4) /* four independent chains per output channel */
        for (int64_t o = o0; o < o1; o++) {
            float b = bias ? bias[o] : 0.0f, a0 = b, a1 = b, a2 = b, a3 = b;
            const float *x0 = x + r * c;
            for (int64_t k = 0; k < c; k++) {
                float wv = w[k * oc + o];
                a0 = fmaf(x0[k], wv, a0);
                a1 = fmaf(x0[c + k], wv, a1);
                a2 = fmaf(x0[2 * c + k], wv, a2);
                a3 = fmaf(x0[3 * c + k], wv, a3);
            }
            y[r * oc + o] = apply_act(a0, act);
            y[(r + 1) * oc + o] = apply_act(a1, act);
            y[(r + 2) * oc + o] = apply_act(a2, act);
            y[(r + 3) * oc + o] = apply_act(a3, act);
        }
    for (; r < rows; r++)
        for (int64_t o = o0; o < o1; o++) {
            float acc = bias ? bias[o] : 0.0f;
            for (int64_t k = 0; k < c; k++) acc = fmaf(x[r * c + k], w[k * oc + o], acc);
            y[r * oc + o] = apply_act(acc, act);
        }
}

__attribute__((target("avx2,fma"))) static void conv1x1_avx2(const float *x, int64_t c,
                                                              const float *w, int64_t oc,
                                                              const float *bias, nn__act act,
                                                              float *y, int64_t p0, int64_t p1)
{
    int64_t oc16 = oc - oc % 16;
    for (int64_t q0 = p0; q0 < p1; q0 += PCHUNK) {
        int64_t q1 = q0 + PCHUNK < p1 ? q0 + PCHUNK : p1;
        int64_t qfull = q0 + (q1 - q0) / 4 * 4;
        for (int64_t o0 = 0; o0 < oc16; o0 += 16)
            for (int64_t p = q0; p < qfull; p += 4)
                gemm_block_avx2(x + p * c, c, w, oc, o0, bias, act, y + p * oc);
        if (oc16 < oc)
            gemm_edge_fma(x + q0 * c, qfull - q0, c, w, oc, oc16, oc, bias, act, y + q0 * oc);
        if (qfull < q1)
            gemm_edge_fma(x + qfull * c, q1 - qfull, c, w, oc, 0, oc, bias, act, y + qfull * oc);
    }
}
#endif

int nn__gemm_variant_available(nn__gemm_variant v)
{
    switch (v) {
    case NN__GEMM_AUTO:
    case NN__GEMM_PORTABLE: return 1;
    case NN__GEMM_AVX2:
#ifdef NN_HAVE_AVX2_GEMM
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return 0;
#endif
    }
    return 0;
}

void nn__conv1x1_ref(nn__gemm_variant v, const float *x, int64_t c, const float *w, int64_t oc,
                     const float *bias, nn__act act, float *y, int64_t p0, int64_t p1)
{
    if (v == NN__GEMM_AUTO)
        v = nn__gemm_variant_available(NN__GEMM_AVX2) ? NN__GEMM_AVX2 : NN__GEMM_PORTABLE;
#ifdef NN_HAVE_AVX2_GEMM
    if (v == NN__GEMM_AVX2) {
        conv1x1_avx2(x, c, w, oc, bias, act, y, p0, p1);
        return;
    }
#endif
    conv1x1_portable(x, c, w, oc, bias, act, y, p0, p1);
}

/* The valid tap range [*k0, *k1) of a window starting at in-coordinate `start` (may be < 0). */
static void tap_range(int64_t start, int k, int64_t in, int *k0, int *k1)
{
    int64_t a = start < 0 ? -start : 0, b = in - start < k ? in - start : k;
    *k0 = (int)a;
    *k1 = (int)(b > a ? b : a);
}

/* One output pixel, channels [o0, o0 + 4*NV): start from the bias, add x * w over the valid taps
 * in (ky, kx, c) order, apply the activation. */
#define DIRECT_BLOCK(NV)                                                                       \
    do {                                                                                       \
        v4f acc[NV];                                                                           \
        for (int j = 0; j < NV; j++) acc[j] = bias ? v4_load(bias + o + 4 * j) : (v4f){0, 0, 0, 0}; \
        for (int ky = ky0; ky < ky1; ky++)                                                     \
            for (int kx = kx0; kx < kx1; kx++) {                                               \
                const float *xp = xb + ((iy0 + ky) * w + ix0 + kx) * c;                        \
                const float *fp = filt + ((int64_t)ky * p->kw + kx) * c * oc + o;              \
                for (int64_t k = 0; k < c; k++) {                                              \
                    float xs = xp[k];                                                          \
                    v4f xv = {xs, xs, xs, xs};                                                 \
                    for (int j = 0; j < NV; j++) acc[j] += xv * v4_load(fp + k * oc + 4 * j);  \
                }                                                                              \
            }                                                                                  \
        for (int j = 0; j < NV; j++) {                                                         \
            v4f v = v4_act(acc[j], p->act);                                                    \
            memcpy(yp + o + 4 * j, &v, sizeof v);                                              \
        }                                                                                      \
    } while (0)

/* Output rows [r0, r1) of the flattened n*oh rows, direct loop (any window, stride, padding). */
static void conv_direct(const float *x, int64_t h, int64_t w, int64_t c, const float *filt,
                        int64_t oc, const float *bias, const nn__conv_params *p, float *y,
                        int64_t oh, int64_t ow, int64_t r0, int64_t r1)
{
    for (int64_t row = r0; row < r1; row++) {
        int64_t b = row / oh, oy = row % oh, iy0 = oy * p->sh - p->pad_top;
        int ky0, ky1;
        tap_range(iy0, p->kh, h, &ky0, &ky1);
        const float *xb = x + b * h * w * c;
        for (int64_t ox = 0; ox < ow; ox++) {
            int64_t ix0 = ox * p->sw - p->pad_left, o = 0;
            int kx0, kx1;
            tap_range(ix0, p->kw, w, &kx0, &kx1);
            float *yp = y + ((b * oh + oy) * ow + ox) * oc;
            for (; o + 8 <= oc; o += 8) DIRECT_BLOCK(2);
            for (; o + 4 <= oc; o += 4) DIRECT_BLOCK(1);
            for (; o < oc; o++) {
                float acc = bias ? bias[o] : 0.0f;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        const float *xp = xb + ((iy0 + ky) * w + ix0 + kx) * c;
                        const float *fp = filt + ((int64_t)ky * p->kw + kx) * c * oc + o;
                        for (int64_t k = 0; k < c; k++) acc += xp[k] * fp[k * oc];
                    }
                yp[o] = apply_act(acc, p->act);
            }
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
        nn__conv1x1_ref(NN__GEMM_AUTO, x, c, filt, oc, bias, p->act, y, r0 * ow, r1 * ow);
    else
        conv_direct(x, h, w, c, filt, oc, bias, p, y, oh, ow, r0, r1);
}
