/*
 * kin_synth.h - synthetic skeletons with known joint angles for the kinematics, reps and compare
 * tests: a body posed by (trunk lean, hip flexion, knee, ankle, arm flexion, elbow) per side, turned
 * by a yaw, projected to 2D image keypoints (COCO-17 or BlazePose-33) and BlazePose world landmarks,
 * and written as `pose analyze` JSONL lines.
 */
#ifndef KIN_SYNTH_H
#define KIN_SYNTH_H

#include <math.h>
#include <stdio.h>

#include "pose.h"

typedef struct synth_pose {
    double lean;                  /* trunk lean, forward positive, degrees */
    double hip[2], knee[2], ankle[2], arm[2], elbow[2]; /* [0] right, [1] left, degrees */
} synth_pose;

#define SYN_D2R 0.017453292519943295

/* Direction in the sagittal plane at angle th (degrees) from straight down toward forward: (F, U). */
static inline void syn_dir(double th, double *f, double *u)
{
    *f = sin(th * SYN_D2R);
    *u = -cos(th * SYN_D2R);
}

/* The 33 BlazePose points in x right, y up, z toward the camera (metres); yaw: degrees, 0 = facing
 * the camera, 90 = facing the image's +x. */
static inline void synth_points(const synth_pose *p, double yaw, double pts[33][3])
{
    double Fc[3] = {sin(yaw * SYN_D2R), 0, cos(yaw * SYN_D2R)};
    double Rc[3] = {-cos(yaw * SYN_D2R), 0, sin(yaw * SYN_D2R)};
    double loc[33][3]; /* F, U, R */
    double Hf = 0, Hu = 0;
    double tf = sin(p->lean * SYN_D2R), tu = cos(p->lean * SYN_D2R);
    double Sf = Hf + 0.5 * tf, Su = Hu + 0.5 * tu;
    for (int k = 0; k < 33; k++) loc[k][0] = Sf + 0.2 * tf, loc[k][1] = Su + 0.2 * tu, loc[k][2] = 0;
    /* head: nose forward of the ears */
    loc[0][0] = Sf + 0.22 * tf + 0.1 * tu; loc[0][1] = Su + 0.22 * tu - 0.1 * tf;
    loc[7][2] = -0.07; loc[8][2] = 0.07; /* ears */
    loc[7][0] -= 0.02 * tu; loc[8][0] -= 0.02 * tu;
    for (int s = 0; s < 2; s++) {
        double z = s == 0 ? 0.15 : -0.15, zs = s == 0 ? 0.18 : -0.18, f, u;
        int sh = 12 - s, el = 14 - s, wr = 16 - s, hip = 24 - s, kn = 26 - s, an = 28 - s;
        int heel = 30 - s, toe = 32 - s;
        loc[sh][0] = Sf, loc[sh][1] = Su, loc[sh][2] = zs;
        loc[hip][0] = Hf, loc[hip][1] = Hu, loc[hip][2] = z;
        double th_thigh = p->hip[s] - p->lean, th_shank = th_thigh - p->knee[s];
        double th_foot = th_shank + 90 + p->ankle[s];
        double th_arm = p->arm[s] - p->lean, th_fore = th_arm + p->elbow[s];
        syn_dir(th_thigh, &f, &u);
        loc[kn][0] = Hf + 0.45 * f, loc[kn][1] = Hu + 0.45 * u, loc[kn][2] = z;
        syn_dir(th_shank, &f, &u);
        loc[an][0] = loc[kn][0] + 0.42 * f, loc[an][1] = loc[kn][1] + 0.42 * u, loc[an][2] = z;
        loc[heel][0] = loc[an][0] + 0.06 * f, loc[heel][1] = loc[an][1] + 0.06 * u, loc[heel][2] = z;
        syn_dir(th_foot, &f, &u);
        loc[toe][0] = loc[heel][0] + 0.2 * f, loc[toe][1] = loc[heel][1] + 0.2 * u, loc[toe][2] = z;
        syn_dir(th_arm, &f, &u);
        loc[el][0] = Sf + 0.3 * f, loc[el][1] = Su + 0.3 * u, loc[el][2] = zs;
        syn_dir(th_fore, &f, &u);
        loc[wr][0] = loc[el][0] + 0.27 * f, loc[wr][1] = loc[el][1] + 0.27 * u, loc[wr][2] = zs;
        for (int h = 18 - s; h <= 22 - s; h += 2) /* pinky, index, thumb at the wrist */
            loc[h][0] = loc[wr][0], loc[h][1] = loc[wr][1], loc[h][2] = zs;
    }
    for (int k = 0; k < 33; k++)
        for (int c = 0; c < 3; c++)
            pts[k][c] = loc[k][0] * Fc[c] + loc[k][1] * (c == 1) + loc[k][2] * Rc[c];
}

static const int synth_coco_from_blaze[17] = {0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28};

/* Image keypoints [nkp][3] (pixels, y down, score) of the points: 400 px per metre around (640, 400). */
static inline void synth_kp(double pts[33][3], pose_skeleton sk, double score, double *kp)
{
    int n = sk == POSE_SKELETON_COCO17 ? 17 : 33;
    for (int k = 0; k < n; k++) {
        int b = sk == POSE_SKELETON_COCO17 ? synth_coco_from_blaze[k] : k;
        kp[3 * k] = 640 + 400 * pts[b][0];
        kp[3 * k + 1] = 400 - 400 * pts[b][1];
        kp[3 * k + 2] = score;
    }
}

/* World landmarks [33][3] as MediaPipe: x right, y down, z away from the camera. */
static inline void synth_world(double pts[33][3], double *w)
{
    for (int k = 0; k < 33; k++) w[3 * k] = pts[k][0], w[3 * k + 1] = -pts[k][1], w[3 * k + 2] = -pts[k][2];
}

static inline void synth_write_header(FILE *f, pose_skeleton sk)
{
    int n = sk == POSE_SKELETON_COCO17 ? 17 : 33;
    const char *const *names = sk == POSE_SKELETON_COCO17 ? pose_coco17_names : pose_blazepose33_names;
    fprintf(f, "{\"type\":\"header\",\"model\":\"%s\",\"keypoint_names\":[",
            sk == POSE_SKELETON_COCO17 ? "movenet-lightning" : "blazepose-full");
    for (int k = 0; k < n; k++) fprintf(f, "%s\"%s\"", k ? "," : "", names[k]);
    fprintf(f, "],\"width\":1280,\"height\":800,\"fps\":30,\"source\":\"synthetic\"}\n");
}

/* One frame line with one person (id) or none (id < 0). world may be NULL. */
static inline void synth_write_frame(FILE *f, long index, double t, long id, const double *kp, int nkp,
                                     const double *world)
{
    fprintf(f, "{\"type\":\"frame\",\"index\":%ld,\"t\":%.6f,\"persons\":[", index, t);
    if (id >= 0) {
        fprintf(f, "{\"id\":%ld,\"score\":0.9,\"bbox\":[0,0,10,10],\"keypoints\":[", id);
        for (int k = 0; k < nkp; k++)
            fprintf(f, "%s[%.4f,%.4f,%.3f]", k ? "," : "", kp[3 * k], kp[3 * k + 1], kp[3 * k + 2]);
        fprintf(f, "]");
        if (world) {
            fprintf(f, ",\"world\":[");
            for (int k = 0; k < nkp; k++)
                fprintf(f, "%s[%.6f,%.6f,%.6f]", k ? "," : "", world[3 * k], world[3 * k + 1], world[3 * k + 2]);
            fprintf(f, "]");
        }
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
}

#endif
