/*
 * preprocess.c - frame -> model input (pose.h "preprocessing"): the letterbox resize that matches
 * TF.js bit for bit (../shared/reference/README.md), MoveNet's cropAndResize, and the rotated-ROI
 * affine crop of MediaPipe's ImageToTensor for BlazePose.
 *
 * The letterboxed square is never materialised: a sample at square pixel (sy, sx) reads frame pixel
 * (sy - pad_top, sx - pad_left), or 0 outside the frame. Row/column tables live on the stack.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pose.h"

#define MAX_N 1024

static int bad_args(pose_error *err, const char *what)
{
    if (err) {
        err->code = POSE_EINVAL;
        snprintf(err->msg, sizeof err->msg, "preprocess: %s", what);
    }
    return POSE_EINVAL;
}

static int check(const uint8_t *rgb, int w, int h, int stride, int n, pose_norm norm, const void *out,
                 pose_error *err)
{
    if (!rgb || !out) return bad_args(err, "NULL image or output");
    if (w <= 0 || h <= 0 || stride < 3 * w) return bad_args(err, "bad image size or stride");
    if (n < 2 || n > MAX_N) return bad_args(err, "input size must be 2..1024");
    if (norm != POSE_NORM_INT32 && norm != POSE_NORM_PM1 && norm != POSE_NORM_01)
        return bad_args(err, "unknown normalisation");
    return 0;
}

/* Stores value v (0..255 scale, computed in double) as the model wants it. */
static inline void store(void *out, size_t i, double v, pose_norm norm)
{
    float f = (float)v;
    switch (norm) {
    case POSE_NORM_INT32: ((int32_t *)out)[i] = (int32_t)truncf(f); break;
    case POSE_NORM_PM1: ((float *)out)[i] = (f / 127.5f) - 1.0f; break;
    default: ((float *)out)[i] = f / 255.0f; break;
    }
}

/* A pixel of the letterboxed square, or NULL (zero) outside the frame. */
static inline const uint8_t *square_px(const uint8_t *rgb, int w, int h, int stride, int sy, int sx)
{
    if (sy < 0 || sx < 0 || sy >= h || sx >= w) return NULL;
    return rgb + (size_t)sy * (size_t)stride + (size_t)sx * 3;
}

int pose_preprocess_letterbox(const uint8_t *rgb, int w, int h, int stride, int n, pose_norm norm,
                              void *out, pose_letterbox *lb, pose_error *err)
{
    int rc = check(rgb, w, h, stride, n, norm, out, err);
    if (rc) return rc;
    int S = w > h ? w : h;
    int pad_top = (S - h) / 2, pad_left = (S - w) / 2;
    if (lb) {
        lb->src_w = w;
        lb->src_h = h;
        lb->square = S;
        lb->pad_top = pad_top;
        lb->pad_left = pad_left;
        lb->size = n;
    }
    int i0[MAX_N], i1[MAX_N];
    double frac[MAX_N];
    double scale = (double)S / (double)n;
    for (int r = 0; r < n; r++) {
        double src = scale * (double)r;
        double f0 = floor(src), c1 = ceil(src);
        i0[r] = (int)f0;
        i1[r] = c1 > (double)(S - 1) ? S - 1 : (int)c1;
        frac[r] = src - f0;
    }
    static const uint8_t zero[3] = {0, 0, 0};
    size_t o = 0;
    for (int r = 0; r < n; r++) {
        int y0 = i0[r] - pad_top, y1 = i1[r] - pad_top;
        double fy = frac[r];
        for (int c = 0; c < n; c++) {
            int x0 = i0[c] - pad_left, x1 = i1[c] - pad_left;
            double fx = frac[c];
            const uint8_t *tl = square_px(rgb, w, h, stride, y0, x0);
            const uint8_t *tr = square_px(rgb, w, h, stride, y0, x1);
            const uint8_t *bl = square_px(rgb, w, h, stride, y1, x0);
            const uint8_t *br = square_px(rgb, w, h, stride, y1, x1);
            if (!tl) tl = zero;
            if (!tr) tr = zero;
            if (!bl) bl = zero;
            if (!br) br = zero;
            for (int k = 0; k < 3; k++) {
                double top = (double)tl[k] + ((double)tr[k] - (double)tl[k]) * fx;
                double bot = (double)bl[k] + ((double)br[k] - (double)bl[k]) * fx;
                store(out, o++, top + (bot - top) * fy, norm);
            }
        }
    }
    return 0;
}

void pose_letterbox_to_frame(const pose_letterbox *lb, double u, double v, double *x, double *y)
{
    *x = u * (double)lb->square - (double)lb->pad_left;
    *y = v * (double)lb->square - (double)lb->pad_top;
}

/* Bilinear sample of channel values at continuous frame coordinates (x, y) where integer
 * coordinates are pixel positions; neighbours outside the frame count as 0. The common case (all
 * four neighbours inside) reads the pixels directly. */
static inline void sample(const uint8_t *rgb, int w, int h, int stride, double x, double y, double v[3])
{
    double fx0 = x >= 0 ? (double)(int64_t)x : floor(x), fy0 = y >= 0 ? (double)(int64_t)y : floor(y);
    int x0 = (int)fx0, y0 = (int)fy0;
    double ax = x - fx0, ay = y - fy0;
    static const uint8_t zero[3] = {0, 0, 0};
    const uint8_t *tl, *tr, *bl, *br;
    if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        tl = rgb + (size_t)y0 * (size_t)stride + (size_t)x0 * 3;
        tr = tl + 3;
        bl = tl + stride;
        br = bl + 3;
    } else {
        tl = square_px(rgb, w, h, stride, y0, x0);
        tr = square_px(rgb, w, h, stride, y0, x0 + 1);
        bl = square_px(rgb, w, h, stride, y0 + 1, x0);
        br = square_px(rgb, w, h, stride, y0 + 1, x0 + 1);
        if (!tl) tl = zero;
        if (!tr) tr = zero;
        if (!bl) bl = zero;
        if (!br) br = zero;
    }
    for (int k = 0; k < 3; k++) {
        double top = (double)tl[k] + ((double)tr[k] - (double)tl[k]) * ax;
        double bot = (double)bl[k] + ((double)br[k] - (double)bl[k]) * ax;
        v[k] = top + (bot - top) * ay;
    }
}

int pose_preprocess_crop(const uint8_t *rgb, int w, int h, int stride, const double box[4], int n,
                         pose_norm norm, void *out, pose_error *err)
{
    int rc = check(rgb, w, h, stride, n, norm, out, err);
    if (rc) return rc;
    if (!box || !(box[2] > box[0]) || !(box[3] > box[1])) return bad_args(err, "empty crop box");
    double hs = (box[2] - box[0]) * (double)(h - 1) / (double)(n - 1);
    double ws = (box[3] - box[1]) * (double)(w - 1) / (double)(n - 1);
    size_t o = 0;
    for (int r = 0; r < n; r++) {
        double y = box[0] * (double)(h - 1) + (double)r * hs;
        int y_out = y < 0 || y > (double)(h - 1);
        for (int c = 0; c < n; c++) {
            double x = box[1] * (double)(w - 1) + (double)c * ws;
            double v[3] = {0, 0, 0};
            /* TF: a sample outside the image takes the extrapolation value (0) as a whole */
            if (!y_out && !(x < 0 || x > (double)(w - 1))) sample(rgb, w, h, stride, x, y, v);
            for (int k = 0; k < 3; k++) store(out, o++, v[k], norm);
        }
    }
    return 0;
}

void pose_roi_to_frame(const pose_roi *roi, double u, double v, double *x, double *y)
{
    double dx = (u - 0.5) * roi->w, dy = (v - 0.5) * roi->h;
    double c = cos(roi->rotation), s = sin(roi->rotation);
    *x = roi->cx + dx * c - dy * s;
    *y = roi->cy + dx * s + dy * c;
}

int pose_preprocess_roi(const uint8_t *rgb, int w, int h, int stride, const pose_roi *roi, int n,
                        pose_norm norm, void *out, pose_error *err)
{
    int rc = check(rgb, w, h, stride, n, norm, out, err);
    if (rc) return rc;
    if (!roi || !(roi->w > 0) || !(roi->h > 0) || !isfinite(roi->cx) || !isfinite(roi->cy) ||
        !isfinite(roi->rotation))
        return bad_args(err, "bad ROI");
    double c = cos(roi->rotation), s = sin(roi->rotation);
    /* input pixel (col, r) -> frame point: affine in col and r, stepped incrementally */
    double sx = roi->w / n, sy = roi->h / n;
    double dxc = sx * c, dyc = sx * s;   /* one input column */
    double dxr = -sy * s, dyr = sy * c;  /* one input row */
    double u0 = (0.5 - n / 2.0);         /* centre-relative index of input pixel 0 */
    /* pixel centres are at integer + 0.5 in frame coordinates, hence the - 0.5 */
    double x00 = roi->cx + u0 * dxc + u0 * dxr - 0.5, y00 = roi->cy + u0 * dyc + u0 * dyr - 0.5;
    /* 16 x 16 output tiles: a rotated ROI walks across frame rows, and a whole output row would
     * touch hundreds of cache lines; a tile stays within a small patch (3x faster at 0.1 rad) */
    enum { TILE = 16 };
    for (int tr = 0; tr < n; tr += TILE)
        for (int tc = 0; tc < n; tc += TILE) {
            int r1 = tr + TILE < n ? tr + TILE : n, c1 = tc + TILE < n ? tc + TILE : n;
            for (int r = tr; r < r1; r++) {
                double x = x00 + r * dxr + tc * dxc, y = y00 + r * dyr + tc * dyc;
                size_t o = ((size_t)r * (size_t)n + (size_t)tc) * 3;
                for (int col = tc; col < c1; col++, x += dxc, y += dyc) {
                    double v[3];
                    sample(rgb, w, h, stride, x, y, v);
                    for (int k = 0; k < 3; k++) store(out, o++, v[k], norm);
                }
            }
        }
    return 0;
}
