/*
 * tracker.c - multi-person tracker (pose.h "tracker"): greedy matching of detections to tracks by
 * OKS-like keypoint similarity or box IoU, as tfjs-models' pose-detection trackers do; stable ids.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pose.h"

#define MAX_TRACKS 64

/* COCO keypoint falloffs (sigmas of the OKS metric), per keypoint of the COCO-17 set. */
static const double coco_falloff[17] = {0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
                                        0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089};

typedef struct track {
    int id;
    double last_t;
    pose_person last;
} track;

struct pose_tracker {
    pose_tracker_opts o;
    track tracks[MAX_TRACKS];
    int n_tracks;
    int next_id;
};

void pose_tracker_defaults(pose_tracker_opts *o)
{
    memset(o, 0, sizeof *o);
    o->metric = POSE_TRACK_AUTO;
    o->max_age = 1.0;
    o->min_similarity = 0.15;
    o->kp_threshold = 0.3;
    o->min_keypoints = 4;
    o->max_tracks = 18;
}

pose_tracker_t *pose_tracker_create(const pose_tracker_opts *o, pose_error *err)
{
    pose_tracker_opts d;
    if (!o) {
        pose_tracker_defaults(&d);
        o = &d;
    }
    if (o->max_tracks < 1 || o->max_tracks > MAX_TRACKS || o->max_age < 0 || o->min_keypoints < 1) {
        if (err) {
            err->code = POSE_EINVAL;
            snprintf(err->msg, sizeof err->msg, "tracker: bad options (max_tracks 1..%d, max_age >= 0)",
                     MAX_TRACKS);
        }
        return NULL;
    }
    pose_tracker_t *tr = calloc(1, sizeof *tr);
    if (!tr) {
        if (err) {
            err->code = POSE_ENOMEM;
            snprintf(err->msg, sizeof err->msg, "tracker: out of memory");
        }
        return NULL;
    }
    tr->o = *o;
    tr->next_id = 1;
    return tr;
}

void pose_tracker_free(pose_tracker_t *tr) { free(tr); }

double pose_box_iou(const float a[4], const float b[4])
{
    double ix0 = fmax(a[0], b[0]), iy0 = fmax(a[1], b[1]);
    double ix1 = fmin(a[2], b[2]), iy1 = fmin(a[3], b[3]);
    double iw = ix1 - ix0, ih = iy1 - iy0;
    if (!(iw > 0) || !(ih > 0)) return 0;
    double inter = iw * ih;
    double ua = ((double)a[2] - a[0]) * ((double)a[3] - a[1]) + ((double)b[2] - b[0]) * ((double)b[3] - b[1]) - inter;
    return ua > 0 ? inter / ua : 0;
}

/* Area of the box around a's confident keypoints (the OKS scale). */
static double keypoint_area(const pose_person *a, double thr)
{
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int k = 0; k < a->n_keypoints; k++) {
        if (a->kp[k].score <= thr) continue;
        x0 = fmin(x0, a->kp[k].x);
        y0 = fmin(y0, a->kp[k].y);
        x1 = fmax(x1, a->kp[k].x);
        y1 = fmax(y1, a->kp[k].y);
    }
    if (!(x1 >= x0)) return 0;
    return (x1 - x0) * (y1 - y0);
}

double pose_keypoint_similarity(const pose_person *a, const pose_person *b, double thr, int min_keypoints)
{
    int n = a->n_keypoints < b->n_keypoints ? a->n_keypoints : b->n_keypoints;
    double area = keypoint_area(b, thr) + 1e-6;
    double sum = 0;
    int valid = 0;
    for (int k = 0; k < n; k++) {
        if (a->kp[k].score <= thr || b->kp[k].score <= thr) continue;
        double falloff = n == 17 ? coco_falloff[k] : 0.05;
        double dx = (double)a->kp[k].x - b->kp[k].x, dy = (double)a->kp[k].y - b->kp[k].y;
        sum += exp(-(dx * dx + dy * dy) / (2.0 * area * falloff * falloff * 4.0));
        valid++;
    }
    if (valid < min_keypoints) return 0;
    return sum / valid;
}

static double similarity(const pose_tracker_t *tr, const pose_person *det, const pose_person *trk)
{
    switch (tr->o.metric) {
    case POSE_TRACK_IOU: return pose_box_iou(det->bbox, trk->bbox);
    case POSE_TRACK_OKS:
        return pose_keypoint_similarity(det, trk, tr->o.kp_threshold, tr->o.min_keypoints);
    default: {
        int conf = 0;
        for (int k = 0; k < det->n_keypoints && k < trk->n_keypoints; k++)
            conf += det->kp[k].score > tr->o.kp_threshold && trk->kp[k].score > tr->o.kp_threshold;
        if (conf >= tr->o.min_keypoints)
            return pose_keypoint_similarity(det, trk, tr->o.kp_threshold, tr->o.min_keypoints);
        return pose_box_iou(det->bbox, trk->bbox);
    }
    }
}

void pose_tracker_update(pose_tracker_t *tr, pose_result *r)
{
    /* end the tracks that are too old */
    int w = 0;
    for (int i = 0; i < tr->n_tracks; i++)
        if (r->t - tr->tracks[i].last_t <= tr->o.max_age) tr->tracks[w++] = tr->tracks[i];
    tr->n_tracks = w;

    /* detections in order of score, best first */
    int order[POSE_MAX_PERSONS];
    int n = r->n_persons;
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && r->persons[order[j]].score > r->persons[order[j - 1]].score; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int taken[MAX_TRACKS] = {0};
    int n_before = tr->n_tracks;
    for (int oi = 0; oi < n; oi++) {
        pose_person *p = &r->persons[order[oi]];
        int best = -1;
        double best_sim = tr->o.min_similarity;
        for (int k = 0; k < n_before; k++) {
            if (taken[k]) continue;
            double s = similarity(tr, p, &tr->tracks[k].last);
            if (s >= best_sim) {
                best_sim = s;
                best = k;
            }
        }
        if (best >= 0) {
            taken[best] = 1;
            p->id = tr->tracks[best].id;
            tr->tracks[best].last = *p;
            tr->tracks[best].last_t = r->t;
            continue;
        }
        p->id = tr->next_id++;
        if (tr->n_tracks >= tr->o.max_tracks) {
            /* replace the track seen longest ago (never one matched in this frame) */
            int old = -1;
            for (int k = 0; k < tr->n_tracks; k++)
                if (!(k < n_before && taken[k]) && tr->tracks[k].last_t < r->t &&
                    (old < 0 || tr->tracks[k].last_t < tr->tracks[old].last_t))
                    old = k;
            if (old < 0) continue;
            tr->tracks[old].id = p->id;
            tr->tracks[old].last = *p;
            tr->tracks[old].last_t = r->t;
            if (old < n_before) taken[old] = 1;
            continue;
        }
        track *t = &tr->tracks[tr->n_tracks++];
        t->id = p->id;
        t->last = *p;
        t->last_t = r->t;
    }
}
