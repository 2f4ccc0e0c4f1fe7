/*
 * kin_squats.h - synthetic squat sessions for the reference and compare tests: a 2D BlazePose side
 * view at 30 fps, `reps` squats of 2 s (knee 0 -> depth -> 0, hips following), with per-rep depth
 * jitter, and optionally one joint's angle offset at the bottom of the reps (a distortion).
 */
#ifndef KIN_SQUATS_H
#define KIN_SQUATS_H

#include <stdlib.h>
#include <string.h>

#include "kin_synth.h"

typedef struct squat_spec {
    int reps;
    double depth;        /* knee flexion at the bottom, degrees */
    double jitter;       /* per-rep depth variation, degrees (deterministic) */
    double knee_r_delta; /* added to the right knee, scaled by the squat phase (0 at rest) */
    double rest;         /* seconds of standing before and after */
    double period;       /* seconds per rep (0 = 2) */
    double jseed;        /* phase of the depth jitter pattern */
} squat_spec;

static inline double squat_period(const squat_spec *sp) { return sp->period > 0 ? sp->period : 2.0; }

static inline synth_pose squat_pose(const squat_spec *sp, double t)
{
    synth_pose p;
    memset(&p, 0, sizeof p);
    double tt = t - sp->rest, u = 0, T = squat_period(sp);
    int k = (int)floor(tt / T);
    if (tt >= 0 && k < sp->reps) {
        double depth = sp->depth + sp->jitter * sin(1.7 * k + 0.3 + sp->jseed);
        u = (1 - cos(2 * M_PI * (tt - T * k) / T)) / 2; /* 0 -> 1 -> 0 over a period */
        u *= depth / 90.0;
    }
    for (int s = 0; s < 2; s++) {
        p.knee[s] = 90 * u;
        p.hip[s] = 80 * u;
        p.ankle[s] = 25 * u;
        p.arm[s] = 70 * u;
        p.elbow[s] = 10;
    }
    p.lean = 20 * u;
    p.knee[0] += sp->knee_r_delta * u * 90 / sp->depth;
    return p;
}

/* Writes the session as `pose analyze` JSONL (person id 1). 0 or -1. */
static inline int squat_write_jsonl(const char *path, const squat_spec *sp)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    synth_write_header(f, POSE_SKELETON_BLAZEPOSE33);
    int n = (int)((2 * sp->rest + squat_period(sp) * sp->reps) * 30) + 1;
    for (int i = 0; i < n; i++) {
        double t = i / 30.0, pts[33][3], kp[99];
        synth_pose p = squat_pose(sp, t);
        synth_points(&p, 90, pts);
        synth_kp(pts, POSE_SKELETON_BLAZEPOSE33, 0.9, kp);
        synth_write_frame(f, i, t, 1, kp, 33, NULL);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* The same as an in-memory keypoint series (free with pose_kp_series_free). */
static inline void squat_series(pose_kp_series *s, const squat_spec *sp)
{
    int n = (int)((2 * sp->rest + squat_period(sp) * sp->reps) * 30) + 1;
    memset(s, 0, sizeof *s);
    s->n = (size_t)n;
    s->nkp = 33;
    s->skeleton = POSE_SKELETON_BLAZEPOSE33;
    s->person_id = 1;
    s->t = calloc((size_t)n, sizeof(double));
    s->index = calloc((size_t)n, sizeof(int64_t));
    s->kp = calloc((size_t)n * 99, sizeof(double));
    for (int i = 0; i < n; i++) {
        double pts[33][3];
        s->t[i] = i / 30.0;
        s->index[i] = i;
        synth_pose p = squat_pose(sp, s->t[i]);
        synth_points(&p, 90, pts);
        synth_kp(pts, POSE_SKELETON_BLAZEPOSE33, 0.9, s->kp + (size_t)i * 99);
    }
}

#endif
