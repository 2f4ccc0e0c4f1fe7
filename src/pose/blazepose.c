/*
 * blazepose.c - BlazePose decoding as MediaPipe's pose graph does it: SSD anchors of the pose
 * detector, detection decoding (sigmoid scores, boxes and 4 keypoints relative to fixed-size
 * anchors), weighted NMS, the rotated ROI from the hip centre and the alignment point, and the
 * landmark decoding (ROI projection, visibility/presence sigmoids, world landmarks rotated back).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models_internal.h"

static double sigmoid(double x)
{
    if (x > 100) x = 100; /* MediaPipe's score_clipping_thresh */
    if (x < -100) x = -100;
    return 1.0 / (1.0 + exp(-x));
}

int pose__blazepose_anchors(pose__anchor *a, int cap)
{
    /* SsdAnchorsCalculatorOptions of MediaPipe's pose detection: num_layers 5, strides
     * 8 16 32 32 32, aspect ratio 1 plus one interpolated scale per layer, anchor offset 0.5,
     * fixed_anchor_size (w = h = 1): layers with the same stride share one feature map. */
    static const int strides[5] = {8, 16, 32, 32, 32};
    int n = 0, layer = 0;
    while (layer < 5) {
        int per_cell = 0, last = layer;
        while (last < 5 && strides[last] == strides[layer]) {
            per_cell += 2;
            last++;
        }
        int fm = (POSE__BP_DET_SIZE + strides[layer] - 1) / strides[layer];
        for (int y = 0; y < fm; y++)
            for (int x = 0; x < fm; x++)
                for (int k = 0; k < per_cell; k++) {
                    if (n < cap) {
                        a[n].x = (float)((x + 0.5) / fm);
                        a[n].y = (float)((y + 0.5) / fm);
                    }
                    n++;
                }
        layer = last;
    }
    return n;
}

int pose__blazepose_decode_detections(const float *raw, const pose__anchor *anchors, int n,
                                      const pose_letterbox *lb, double min_score, pose__detection *out,
                                      int cap)
{
    const double s = POSE__BP_DET_SIZE;
    int m = 0;
    for (int i = 0; i < n; i++) {
        const float *r = raw + (size_t)i * 13;
        double score = sigmoid(r[0]);
        if (score < min_score) continue;
        if (m >= cap) break;
        pose__detection *d = &out[m++];
        double cx = r[1] / s + anchors[i].x, cy = r[2] / s + anchors[i].y;
        double x, y;
        pose_letterbox_to_frame(lb, cx, cy, &x, &y);
        d->score = (float)score;
        d->cx = (float)x;
        d->cy = (float)y;
        d->w = (float)(r[3] / s * lb->square);
        d->h = (float)(r[4] / s * lb->square);
        for (int k = 0; k < 4; k++) {
            pose_letterbox_to_frame(lb, r[5 + 2 * k] / s + anchors[i].x, r[6 + 2 * k] / s + anchors[i].y, &x, &y);
            d->kp[k][0] = (float)x;
            d->kp[k][1] = (float)y;
        }
    }
    return m;
}

static double det_iou(const pose__detection *a, const pose__detection *b)
{
    float ba[4] = {a->cx - a->w / 2, a->cy - a->h / 2, a->cx + a->w / 2, a->cy + a->h / 2};
    float bb[4] = {b->cx - b->w / 2, b->cy - b->h / 2, b->cx + b->w / 2, b->cy + b->h / 2};
    return pose_box_iou(ba, bb);
}

int pose__weighted_nms(const pose__detection *d, int n, double iou_thr, pose__detection *out, int cap)
{
    if (n <= 0) return 0;
    int *idx = malloc((size_t)n * sizeof *idx), *used = calloc((size_t)n, sizeof *used);
    int m = 0;
    if (!idx || !used) goto done;
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = 1; i < n; i++) /* by score, best first */
        for (int j = i; j > 0 && d[idx[j]].score > d[idx[j - 1]].score; j--) {
            int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    for (int i = 0; i < n && m < cap; i++) {
        if (used[idx[i]]) continue;
        const pose__detection *top = &d[idx[i]];
        double wsum = 0, cx = 0, cy = 0, w = 0, h = 0, kp[4][2] = {{0}};
        for (int j = i; j < n; j++) {
            const pose__detection *c = &d[idx[j]];
            if (used[idx[j]] || det_iou(top, c) < iou_thr) continue;
            used[idx[j]] = 1;
            double s = c->score;
            wsum += s;
            cx += s * c->cx;
            cy += s * c->cy;
            w += s * c->w;
            h += s * c->h;
            for (int k = 0; k < 4; k++) {
                kp[k][0] += s * c->kp[k][0];
                kp[k][1] += s * c->kp[k][1];
            }
        }
        pose__detection *o = &out[m++];
        o->score = top->score;
        o->cx = (float)(cx / wsum);
        o->cy = (float)(cy / wsum);
        o->w = (float)(w / wsum);
        o->h = (float)(h / wsum);
        for (int k = 0; k < 4; k++) {
            o->kp[k][0] = (float)(kp[k][0] / wsum);
            o->kp[k][1] = (float)(kp[k][1] / wsum);
        }
    }
done:
    free(idx);
    free(used);
    return m;
}

void pose__roi_from_alignment(double x0, double y0, double x1, double y1, double scale, pose_roi *roi)
{
    double size = 2.0 * hypot(x1 - x0, y1 - y0) * scale;
    double rot = M_PI / 2 - atan2(-(y1 - y0), x1 - x0);
    rot = rot - 2 * M_PI * floor((rot + M_PI) / (2 * M_PI)); /* to [-pi, pi) */
    roi->cx = x0;
    roi->cy = y0;
    roi->w = roi->h = size;
    roi->rotation = rot;
}

void pose__blazepose_decode_landmarks(const float *ld, const float *world, const pose_roi *roi,
                                      pose_person *p, double aux[2][2])
{
    const double n = POSE__BP_LM_SIZE;
    memset(p, 0, sizeof *p);
    p->n_keypoints = 33;
    float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int k = 0; k < 33; k++) {
        const float *l = ld + k * 5;
        double x, y;
        pose_roi_to_frame(roi, l[0] / n, l[1] / n, &x, &y);
        p->kp[k].x = (float)x;
        p->kp[k].y = (float)y;
        p->kp[k].score = (float)sigmoid(l[3]);
        p->presence[k] = (float)sigmoid(l[4]);
        x0 = fminf(x0, p->kp[k].x);
        y0 = fminf(y0, p->kp[k].y);
        x1 = fmaxf(x1, p->kp[k].x);
        y1 = fmaxf(y1, p->kp[k].y);
    }
    p->bbox[0] = x0;
    p->bbox[1] = y0;
    p->bbox[2] = x1;
    p->bbox[3] = y1;
    if (aux)
        for (int k = 0; k < 2; k++) pose_roi_to_frame(roi, ld[(33 + k) * 5] / n, ld[(33 + k) * 5 + 1] / n, &aux[k][0], &aux[k][1]);
    if (world) {
        double c = cos(roi->rotation), s = sin(roi->rotation);
        p->has_world = 1;
        for (int k = 0; k < 33; k++) {
            const float *w = world + k * 3;
            p->world[k][0] = (float)(c * w[0] - s * w[1]);
            p->world[k][1] = (float)(s * w[0] + c * w[1]);
            p->world[k][2] = w[2];
        }
    }
}
