/*
 * one_euro.c - the One Euro filter and the per-track keypoint smoother (pose.h "tracker and One
 * Euro smoother"). Updates use x += alpha * (raw - x), so a constant signal passes through exactly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pose.h"

void pose_one_euro_preset(pose_smooth_preset preset, pose_one_euro_params *p)
{
    memset(p, 0, sizeof *p);
    p->freq = 30;
    switch (preset) {
    case POSE_SMOOTH_MOVENET:
        p->min_cutoff = 6.36;
        p->beta = 636.61;
        p->d_cutoff = 4.77;
        break;
    case POSE_SMOOTH_MEDIAPIPE:
        p->min_cutoff = 0.05;
        p->beta = 80;
        p->d_cutoff = 1;
        break;
    case POSE_SMOOTH_MEDIAPIPE_WORLD:
        p->min_cutoff = 0.1;
        p->beta = 40;
        p->d_cutoff = 1;
        break;
    default: break;
    }
}

double pose_one_euro_alpha(double cutoff, double dt)
{
    double tau = 1.0 / (2.0 * M_PI * cutoff);
    return 1.0 / (1.0 + tau / dt);
}

void pose_one_euro_reset(pose_one_euro *f, const pose_one_euro_params *p)
{
    memset(f, 0, sizeof *f);
    f->p = *p;
}

double pose_one_euro_apply(pose_one_euro *f, double x, double t, double value_scale)
{
    if (!isfinite(x)) return x;
    if (f->n == 0) {
        f->x = f->raw = x;
        f->dx = 0;
        f->t = t;
        f->n = 1;
        return x;
    }
    double dt = t - f->t;
    if (!(dt > 0)) return x;
    double dx = (x - f->raw) * value_scale / dt;
    f->dx += pose_one_euro_alpha(f->p.d_cutoff, dt) * (dx - f->dx);
    double cutoff = f->p.min_cutoff + f->p.beta * fabs(f->dx);
    f->x += pose_one_euro_alpha(cutoff, dt) * (x - f->x);
    f->raw = x;
    f->t = t;
    f->n++;
    return f->x;
}

/* ---- per-track smoother ---------------------------------------------------------------------- */

#define SMOOTH_TRACKS 32

typedef struct track_filters {
    int id;           /* 0 = free slot */
    double last_t;
    pose_one_euro kp[POSE_MAX_KEYPOINTS][2];
    pose_one_euro world[POSE_MAX_KEYPOINTS][3];
} track_filters;

struct pose_smoother {
    pose_smooth_preset kp_preset, world_preset;
    pose_one_euro_params kp_params, world_params;
    double max_age;
    track_filters tracks[SMOOTH_TRACKS];
};

pose_smoother_t *pose_smoother_create(pose_smooth_preset keypoints, pose_smooth_preset world,
                                      double max_age, pose_error *err)
{
    pose_smoother_t *s = calloc(1, sizeof *s);
    if (!s) {
        if (err) {
            err->code = POSE_ENOMEM;
            snprintf(err->msg, sizeof err->msg, "smoother: out of memory");
        }
        return NULL;
    }
    s->kp_preset = keypoints;
    s->world_preset = world;
    pose_one_euro_preset(keypoints, &s->kp_params);
    pose_one_euro_preset(world, &s->world_params);
    s->max_age = max_age > 0 ? max_age : 1.0;
    return s;
}

static track_filters *slot_for(pose_smoother_t *s, int id, double t)
{
    track_filters *free_slot = NULL, *oldest = NULL;
    for (int i = 0; i < SMOOTH_TRACKS; i++) {
        track_filters *tf = &s->tracks[i];
        if (tf->id && t - tf->last_t > s->max_age) tf->id = 0; /* expired */
        if (tf->id == id) return tf;
        if (!tf->id && !free_slot) free_slot = tf;
        if (tf->id && (!oldest || tf->last_t < oldest->last_t)) oldest = tf;
    }
    track_filters *tf = free_slot ? free_slot : oldest;
    tf->id = id;
    for (int k = 0; k < POSE_MAX_KEYPOINTS; k++) {
        for (int c = 0; c < 2; c++) pose_one_euro_reset(&tf->kp[k][c], &s->kp_params);
        for (int c = 0; c < 3; c++) pose_one_euro_reset(&tf->world[k][c], &s->world_params);
    }
    return tf;
}

void pose_smoother_apply(pose_smoother_t *s, pose_result *r, int frame_side)
{
    for (int i = 0; i < r->n_persons; i++) {
        pose_person *p = &r->persons[i];
        if (p->id <= 0) continue;
        track_filters *tf = slot_for(s, p->id, r->t);
        tf->last_t = r->t;
        if (s->kp_preset != POSE_SMOOTH_NONE) {
            double scale = 1.0;
            if (s->kp_preset == POSE_SMOOTH_MOVENET) {
                scale = frame_side > 0 ? 1.0 / frame_side : 1.0;
            } else {
                double size = ((p->bbox[2] - p->bbox[0]) + (p->bbox[3] - p->bbox[1])) / 2.0;
                scale = size > 1e-6 ? 1.0 / size : 0.0;
            }
            if (scale > 0)
                for (int k = 0; k < p->n_keypoints; k++) {
                    p->kp[k].x = (float)pose_one_euro_apply(&tf->kp[k][0], p->kp[k].x, r->t, scale);
                    p->kp[k].y = (float)pose_one_euro_apply(&tf->kp[k][1], p->kp[k].y, r->t, scale);
                }
        }
        if (p->has_world && s->world_preset != POSE_SMOOTH_NONE)
            for (int k = 0; k < p->n_keypoints; k++)
                for (int c = 0; c < 3; c++)
                    p->world[k][c] = (float)pose_one_euro_apply(&tf->world[k][c], p->world[k][c], r->t, 1.0);
    }
}

void pose_smoother_free(pose_smoother_t *s) { free(s); }
