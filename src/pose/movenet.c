/*
 * movenet.c - MoveNet output decoding and the single-pose crop-from-previous-keypoints rule of
 * tfjs-models (determineNextCropRegion: torso visibility with MIN_CROP_KEYPOINT_SCORE 0.2, crop
 * half-size max(1.9 x torso extent, 1.2 x body extent), capped by the frame).
 */
#include <math.h>
#include <string.h>

#include "models_internal.h"

enum { NOSE = 0, L_SHOULDER = 5, R_SHOULDER = 6, L_HIP = 11, R_HIP = 12 };

void pose__movenet_full_box(int w, int h, double box[4])
{
    int s = w > h ? w : h;
    int pad_top = (s - h) / 2, pad_left = (s - w) / 2;
    box[0] = -(double)pad_top / h;
    box[1] = -(double)pad_left / w;
    box[2] = (double)(s - pad_top) / h;
    box[3] = (double)(s - pad_left) / w;
}

static void bbox_from_keypoints(pose_person *p, double thr)
{
    float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int pass = 0; pass < 2 && !(x1 >= x0); pass++)
        for (int k = 0; k < p->n_keypoints; k++) {
            if (pass == 0 && p->kp[k].score <= thr) continue;
            x0 = fminf(x0, p->kp[k].x);
            y0 = fminf(y0, p->kp[k].y);
            x1 = fmaxf(x1, p->kp[k].x);
            y1 = fmaxf(y1, p->kp[k].y);
        }
    p->bbox[0] = x0;
    p->bbox[1] = y0;
    p->bbox[2] = x1;
    p->bbox[3] = y1;
}

void pose__movenet_decode_single(const float *out, const double box[4], int w, int h, pose_person *p)
{
    memset(p, 0, sizeof *p);
    p->n_keypoints = 17;
    double bh = box[2] - box[0], bw = box[3] - box[1];
    double sum = 0;
    int valid = 0;
    for (int k = 0; k < 17; k++) {
        p->kp[k].y = (float)((box[0] + out[k * 3 + 0] * bh) * h);
        p->kp[k].x = (float)((box[1] + out[k * 3 + 1] * bw) * w);
        p->kp[k].score = out[k * 3 + 2];
        if (p->kp[k].score > POSE__MOVENET_MIN_CROP_SCORE) {
            sum += p->kp[k].score;
            valid++;
        }
    }
    p->score = valid ? (float)(sum / valid) : 0.0f;
    bbox_from_keypoints(p, POSE__MOVENET_MIN_CROP_SCORE);
}

int pose__movenet_next_crop(const pose_person *p, int w, int h, double box[4])
{
    const double thr = POSE__MOVENET_MIN_CROP_SCORE;
    const pose_keypoint *kp = p->kp;
    int torso = (kp[L_HIP].score > thr || kp[R_HIP].score > thr) &&
                (kp[L_SHOULDER].score > thr || kp[R_SHOULDER].score > thr);
    if (p->n_keypoints != 17 || !torso) {
        pose__movenet_full_box(w, h, box);
        return 0;
    }
    double cy = (kp[L_HIP].y + kp[R_HIP].y) / 2.0, cx = (kp[L_HIP].x + kp[R_HIP].x) / 2.0;
    static const int torso_joints[4] = {L_SHOULDER, R_SHOULDER, L_HIP, R_HIP};
    double ty = 0, tx = 0, by = 0, bx = 0;
    for (int i = 0; i < 4; i++) {
        ty = fmax(ty, fabs(cy - kp[torso_joints[i]].y));
        tx = fmax(tx, fabs(cx - kp[torso_joints[i]].x));
    }
    for (int k = 0; k < 17; k++) {
        if (kp[k].score < thr) continue;
        by = fmax(by, fabs(cy - kp[k].y));
        bx = fmax(bx, fabs(cx - kp[k].x));
    }
    double half = fmax(fmax(tx * 1.9, ty * 1.9), fmax(by * 1.2, bx * 1.2));
    half = fmin(half, fmax(fmax(cx, w - cx), fmax(cy, h - cy)));
    if (!(half > 0) || half > (w > h ? w : h) / 2.0) {
        pose__movenet_full_box(w, h, box);
        return 0;
    }
    box[0] = (cy - half) / h;
    box[1] = (cx - half) / w;
    box[2] = (cy + half) / h;
    box[3] = (cx + half) / w;
    return 1;
}

int pose__movenet_decode_multi(const float *out, int n_inst, const pose_letterbox *lb, double min_score,
                               pose_result *r)
{
    r->n_persons = 0;
    for (int i = 0; i < n_inst && r->n_persons < POSE_MAX_PERSONS; i++) {
        const float *o = out + (size_t)i * 56;
        if (!(o[55] >= min_score)) continue;
        pose_person *p = &r->persons[r->n_persons++];
        memset(p, 0, sizeof *p);
        p->n_keypoints = 17;
        p->score = o[55];
        for (int k = 0; k < 17; k++) {
            double x, y;
            pose_letterbox_to_frame(lb, o[k * 3 + 1], o[k * 3 + 0], &x, &y);
            p->kp[k].x = (float)x;
            p->kp[k].y = (float)y;
            p->kp[k].score = o[k * 3 + 2];
        }
        double x0, y0, x1, y1;
        pose_letterbox_to_frame(lb, o[52], o[51], &x0, &y0);
        pose_letterbox_to_frame(lb, o[54], o[53], &x1, &y1);
        p->bbox[0] = (float)x0;
        p->bbox[1] = (float)y0;
        p->bbox[2] = (float)x1;
        p->bbox[3] = (float)y1;
    }
    return r->n_persons;
}
