/*
 * test_kinematics.c - joint and segment angles on synthetic skeletons with known angles: 2D (COCO-17
 * and BlazePose-33, facing either way) and 3D world landmarks (several yaws), both signs, both
 * sides; confidence gating; unwrapping, gap filling and Savitzky-Golay derivatives of a series.
 */
#include "check.h"
#include "kin_synth.h"
#include "pose.h"

static const double TOL = 1e-6;

static void check_pose_angles(const synth_pose *p, const double *a, int has_ankle, const char *what)
{
    for (int s = 0; s < 2; s++) {
        CHECK_MSG(fabs(a[POSE_ANGLE_HIP_FLEXION_R + s] - p->hip[s]) < TOL, "%s side %d hip %g vs %g", what, s, a[POSE_ANGLE_HIP_FLEXION_R + s], p->hip[s]);
        CHECK_MSG(fabs(a[POSE_ANGLE_KNEE_R + s] - p->knee[s]) < TOL, "%s side %d knee %g vs %g", what, s, a[POSE_ANGLE_KNEE_R + s], p->knee[s]);
        CHECK_MSG(fabs(a[POSE_ANGLE_ARM_FLEX_R + s] - p->arm[s]) < TOL, "%s side %d arm %g vs %g", what, s, a[POSE_ANGLE_ARM_FLEX_R + s], p->arm[s]);
        CHECK_MSG(fabs(a[POSE_ANGLE_ELBOW_FLEX_R + s] - p->elbow[s]) < TOL, "%s side %d elbow %g vs %g", what, s, a[POSE_ANGLE_ELBOW_FLEX_R + s], p->elbow[s]);
        if (has_ankle)
            CHECK_MSG(fabs(a[POSE_ANGLE_ANKLE_R + s] - p->ankle[s]) < TOL, "%s side %d ankle %g vs %g", what, s, a[POSE_ANGLE_ANKLE_R + s], p->ankle[s]);
        else CHECK_MSG(isnan(a[POSE_ANGLE_ANKLE_R + s]), "%s: COCO has no foot: ankle must be NaN", what);
    }
    CHECK_MSG(fabs(a[POSE_ANGLE_TRUNK_LEAN] - p->lean) < TOL, "%s lean %g vs %g", what, a[POSE_ANGLE_TRUNK_LEAN], p->lean);
}

static const synth_pose poses[] = {
    {0, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}},                          /* standing: all 0 */
    {10, {80, 30}, {100, 20}, {25, -10}, {45, -30}, {90, 10}},          /* squat-ish, mixed */
    {-5, {-15, 60}, {-5, 130}, {-20, 15}, {-40, 170}, {5, 120}},        /* negative signs */
    {30, {110, 95}, {125, 118}, {30, 28}, {90, 88}, {140, 60}},         /* deep */
};

static void test_2d(void)
{
    for (size_t i = 0; i < sizeof poses / sizeof *poses; i++)
        for (int facing = -1; facing <= 1; facing += 2)
            for (int sk = POSE_SKELETON_COCO17; sk <= POSE_SKELETON_BLAZEPOSE33; sk++) {
                double pts[33][3], kp[33 * 3], a[POSE_ANGLE_COUNT];
                synth_points(&poses[i], 90.0 * facing, pts);
                synth_kp(pts, (pose_skeleton)sk, 0.9, kp);
                pose_angles_frame_2d(kp, (pose_skeleton)sk, facing, 0.3, a);
                char what[64];
                snprintf(what, sizeof what, "2d pose %zu facing %d sk %d", i, facing, sk);
                check_pose_angles(&poses[i], a, sk == POSE_SKELETON_BLAZEPOSE33, what);
                /* the wrong facing mirrors the signed angles */
                double b[POSE_ANGLE_COUNT];
                pose_angles_frame_2d(kp, (pose_skeleton)sk, -facing, 0.3, b);
                if (poses[i].lean != 0) CHECK_NEAR(b[POSE_ANGLE_TRUNK_LEAN], -poses[i].lean, TOL);
            }
    /* segment angles, standing facing +x: vertical segments point up (90), foot forward (0) */
    double pts[33][3], kp[99], a[POSE_ANGLE_COUNT];
    synth_points(&poses[0], 90, pts);
    synth_kp(pts, POSE_SKELETON_BLAZEPOSE33, 0.9, kp);
    pose_angles_frame_2d(kp, POSE_SKELETON_BLAZEPOSE33, 1, 0.3, a);
    CHECK_NEAR(a[POSE_ANGLE_SHANK_R], 90, TOL);
    CHECK_NEAR(a[POSE_ANGLE_THIGH_L], 90, TOL);
    CHECK_NEAR(a[POSE_ANGLE_TRUNK], 90, TOL);
    CHECK_NEAR(a[POSE_ANGLE_ARM_R], 90, TOL);
    CHECK_NEAR(a[POSE_ANGLE_FOREARM_L], 90, TOL);
    CHECK_NEAR(a[POSE_ANGLE_FOOT_R], 0, TOL);
    /* facing -x: the foot points to 180 */
    synth_points(&poses[0], -90, pts);
    synth_kp(pts, POSE_SKELETON_BLAZEPOSE33, 0.9, kp);
    pose_angles_frame_2d(kp, POSE_SKELETON_BLAZEPOSE33, -1, 0.3, a);
    CHECK_NEAR(fabs(a[POSE_ANGLE_FOOT_L]), 180, TOL);
}

static void test_tilt_and_gating(void)
{
    /* frontal view: hips 120 px apart; raise the left hip 20 px -> +atan(20/120) */
    double pts[33][3], kp[17 * 3], a[POSE_ANGLE_COUNT];
    synth_points(&poses[0], 0, pts);
    synth_kp(pts, POSE_SKELETON_COCO17, 0.9, kp);
    pose_angles_frame_2d(kp, POSE_SKELETON_COCO17, 1, 0.3, a);
    CHECK_NEAR(a[POSE_ANGLE_PELVIS_TILT], 0, TOL);
    CHECK_NEAR(a[POSE_ANGLE_SHOULDER_TILT], 0, TOL);
    CHECK_NEAR(a[POSE_ANGLE_PELVIS], 0, TOL); /* facing the camera: right hip -> left hip points to +x */
    kp[11 * 3 + 1] -= 20; /* left hip up (y down) */
    kp[6 * 3 + 1] -= 30;  /* right shoulder up */
    pose_angles_frame_2d(kp, POSE_SKELETON_COCO17, 1, 0.3, a);
    CHECK_NEAR(a[POSE_ANGLE_PELVIS_TILT], atan2(20, 120) / SYN_D2R, 1e-9);
    CHECK_NEAR(a[POSE_ANGLE_SHOULDER_TILT], -atan2(30, 144) / SYN_D2R, 1e-9);
    /* gating: a right knee below the threshold -> right hip, knee NaN, left side intact */
    synth_points(&poses[1], 90, pts);
    synth_kp(pts, POSE_SKELETON_COCO17, 0.9, kp);
    kp[14 * 3 + 2] = 0.29;
    pose_angles_frame_2d(kp, POSE_SKELETON_COCO17, 1, 0.3, a);
    CHECK(isnan(a[POSE_ANGLE_KNEE_R]));
    CHECK(isnan(a[POSE_ANGLE_HIP_FLEXION_R]));
    CHECK(isnan(a[POSE_ANGLE_SHANK_R]));
    CHECK_NEAR(a[POSE_ANGLE_KNEE_L], poses[1].knee[1], TOL);
    CHECK_NEAR(a[POSE_ANGLE_ELBOW_FLEX_R], poses[1].elbow[0], TOL);
    /* a NaN coordinate is missing too, and never 0 */
    kp[14 * 3 + 2] = 0.9;
    kp[16 * 3] = NAN;
    pose_angles_frame_2d(kp, POSE_SKELETON_COCO17, 1, 0.3, a);
    CHECK(isnan(a[POSE_ANGLE_KNEE_R]));
    CHECK_NEAR(a[POSE_ANGLE_HIP_FLEXION_R], poses[1].hip[0], TOL);
    /* unknown skeleton: all NaN */
    pose_angles_frame_2d(kp, POSE_SKELETON_UNKNOWN, 1, 0.3, a);
    CHECK(isnan(a[0]) && isnan(a[POSE_ANGLE_COUNT - 1]));
}

static void test_3d(void)
{
    const double yaws[] = {0, 30, 90, -120, 180};
    for (size_t i = 0; i < sizeof poses / sizeof *poses; i++)
        for (size_t y = 0; y < sizeof yaws / sizeof *yaws; y++) {
            double pts[33][3], w[99], a[POSE_ANGLE_COUNT];
            synth_points(&poses[i], yaws[y], pts);
            synth_world(pts, w);
            pose_angles_frame_3d(w, NULL, POSE_SKELETON_BLAZEPOSE33, 0.3, a);
            char what[64];
            snprintf(what, sizeof what, "3d pose %zu yaw %g", i, yaws[y]);
            check_pose_angles(&poses[i], a, 1, what);
            CHECK_NEAR(a[POSE_ANGLE_PELVIS_TILT], 0, TOL);
        }
    /* 3D tilt: raise the left hip by 0.05 m over a 0.3 m hip width */
    double pts[33][3], w[99], kp[99], a[POSE_ANGLE_COUNT];
    synth_points(&poses[0], 45, pts);
    pts[23][1] += 0.05;
    synth_world(pts, w);
    pose_angles_frame_3d(w, NULL, POSE_SKELETON_BLAZEPOSE33, 0.3, a);
    CHECK_NEAR(a[POSE_ANGLE_PELVIS_TILT], atan2(0.05, 0.3) / SYN_D2R, 1e-9);
    /* gating by the image keypoint scores */
    synth_points(&poses[1], 0, pts);
    synth_world(pts, w);
    synth_kp(pts, POSE_SKELETON_BLAZEPOSE33, 0.9, kp);
    kp[31 * 3 + 2] = 0.1; /* left foot index */
    pose_angles_frame_3d(w, kp, POSE_SKELETON_BLAZEPOSE33, 0.3, a);
    CHECK(isnan(a[POSE_ANGLE_ANKLE_L]));
    CHECK_NEAR(a[POSE_ANGLE_ANKLE_R], poses[1].ankle[0], TOL);
    CHECK_NEAR(a[POSE_ANGLE_KNEE_L], poses[1].knee[1], TOL);
}

/* A series of n frames of BlazePose at 30 fps: right knee 60 + 40 sin(2 pi 0.5 t), right elbow
 * ramping 0 -> 170 (the forearm segment crosses 180 degrees). */
static void make_series(pose_kp_series *s, size_t n, int world)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->nkp = 33;
    s->skeleton = POSE_SKELETON_BLAZEPOSE33;
    s->t = calloc(n, sizeof(double));
    s->index = calloc(n, sizeof(int64_t));
    s->kp = calloc(n * 99, sizeof(double));
    if (world) s->world = calloc(n * 99, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / 30.0;
        synth_pose p = {0, {20, 0}, {60 + 40 * sin(2 * M_PI * 0.5 * t), 0}, {0, 0}, {0, 0},
                        {170.0 * (double)i / (double)(n - 1), 0}};
        double pts[33][3];
        synth_points(&p, 90, pts);
        s->t[i] = t;
        s->index[i] = (int64_t)i;
        synth_kp(pts, POSE_SKELETON_BLAZEPOSE33, 0.9, s->kp + i * 99);
        if (world) synth_world(pts, s->world + i * 99);
    }
}

static void test_series(void)
{
    pose_kp_series s;
    pose_error err = {0};
    make_series(&s, 120, 0);
    /* right knee missing in frames 30..34 (5 frames = 0.167 s: filled) and 60..74 (15: kept) */
    for (size_t i = 30; i < 35; i++) s.kp[(i * 33 + 26) * 3 + 2] = 0.05;
    for (size_t i = 60; i < 75; i++) s.kp[(i * 33 + 26) * 3 + 2] = 0.05;
    CHECK_INT_EQ(pose_kp_series_facing(&s, 0.3), 1);
    pose_angles a;
    CHECK_INT_EQ(pose_angles_compute(&s, NULL, &a, &err), POSE_OK);
    CHECK_INT_EQ(a.is_3d, 0);
    CHECK_INT_EQ(a.facing, 1);
    double maxjump = 0, maxfore = -1e9, maxerr_fill = 0;
    for (size_t i = 0; i < a.n; i++) {
        double truth = 60 + 40 * sin(2 * M_PI * 0.5 * a.t[i]);
        double k = a.deg[i * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R];
        if (i >= 30 && i < 35) maxerr_fill = fmax(maxerr_fill, fabs(k - truth));
        else if (i >= 60 && i < 75) CHECK_MSG(isnan(k), "frame %zu: a 0.5 s gap must stay NaN", i);
        else CHECK_NEAR(k, truth, 1e-6);
        double f = a.deg[i * POSE_ANGLE_COUNT + POSE_ANGLE_FOREARM_R];
        if (i) maxjump = fmax(maxjump, fabs(f - a.deg[(i - 1) * POSE_ANGLE_COUNT + POSE_ANGLE_FOREARM_R]));
        maxfore = fmax(maxfore, f);
    }
    CHECK_MSG(maxerr_fill < 1.0, "filled gap error %g deg", maxerr_fill);
    CHECK_MSG(maxjump < 5, "unwrapped forearm jumps by %g", maxjump);
    CHECK_MSG(maxfore > 200, "forearm angle passes 180 unwrapped (max %g)", maxfore);
    /* velocity and acceleration against the analytic derivatives, away from the gaps */
    double maxv = 0, maxa = 0;
    for (size_t i = 5; i < 25; i++) {
        double t = a.t[i], w = 2 * M_PI * 0.5;
        double v = 40 * w * cos(w * t), ac = -40 * w * w * sin(w * t);
        maxv = fmax(maxv, fabs(a.vel[i * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R] - v));
        maxa = fmax(maxa, fabs(a.acc[i * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R] - ac));
    }
    CHECK_MSG(maxv < 0.02 * 40 * M_PI, "velocity error %g deg/s", maxv);
    CHECK_MSG(maxa < 0.05 * 40 * M_PI * M_PI, "acceleration error %g deg/s^2", maxa);
    CHECK(isnan(a.vel[65 * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R]));
    CHECK(isfinite(a.vel[1 * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R])); /* shrunk window near the edge */
    CHECK(isnan(a.vel[0 * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R]));  /* no centred window at the edge */
    pose_angles_free(&a);
    pose_angles_free(&a); /* twice: zeroed */
    /* max_gap 0: nothing filled */
    pose_kin_options o = pose_kin_defaults();
    o.max_gap = 0;
    CHECK_INT_EQ(pose_angles_compute(&s, &o, &a, &err), POSE_OK);
    CHECK(isnan(a.deg[32 * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R]));
    pose_angles_free(&a);
    /* bad input */
    CHECK_INT_EQ(pose_angles_compute(&s, &(pose_kin_options){0.3, 0.25, 51, -1, 0}, &a, &err), POSE_EINVAL);
    o = pose_kin_defaults();
    o.use_world = 1;
    CHECK_INT_EQ(pose_angles_compute(&s, &o, &a, &err), POSE_EINVAL);
    CHECK(strstr(err.msg, "world") != NULL);
    s.skeleton = POSE_SKELETON_UNKNOWN;
    CHECK_INT_EQ(pose_angles_compute(&s, NULL, &a, &err), POSE_EINVAL);
    s.skeleton = POSE_SKELETON_BLAZEPOSE33;
    size_t n = s.n;
    s.n = 0;
    CHECK_INT_EQ(pose_angles_compute(&s, NULL, &a, &err), POSE_EINVAL);
    CHECK(strstr(err.msg, "empty") != NULL);
    s.n = n;
    pose_kp_series_free(&s);
    /* 3D series: same knee curve */
    make_series(&s, 60, 1);
    CHECK_INT_EQ(pose_angles_compute(&s, NULL, &a, &err), POSE_OK);
    CHECK_INT_EQ(a.is_3d, 1);
    CHECK_NEAR(a.deg[15 * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R], 60 + 40 * sin(M_PI * 0.5), 1e-6);
    pose_angles_free(&a);
    pose_kp_series_free(&s);
}

/* A 2D elbow passing 180 degrees (a projection flip) stays in (-180, 180]: joint angles are not
 * unwrapped, while the forearm segment angle is. */
static void test_no_joint_unwrap(void)
{
    pose_kp_series s;
    make_series(&s, 60, 0);
    for (size_t i = 0; i < s.n; i++) {
        synth_pose p = {0, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {150.0 + 60.0 * (double)i / 59.0, 0}};
        double pts[33][3];
        synth_points(&p, 90, pts);
        synth_kp(pts, POSE_SKELETON_BLAZEPOSE33, 0.9, s.kp + i * 99);
    }
    pose_angles a;
    pose_error err = {0};
    CHECK_INT_EQ(pose_angles_compute(&s, NULL, &a, &err), POSE_OK);
    double mn = 1e9, mx = -1e9, fjump = 0;
    for (size_t i = 0; i < a.n; i++) {
        double e = a.deg[i * POSE_ANGLE_COUNT + POSE_ANGLE_ELBOW_FLEX_R];
        mn = fmin(mn, e), mx = fmax(mx, e);
        if (i) fjump = fmax(fjump, fabs(a.deg[i * POSE_ANGLE_COUNT + POSE_ANGLE_FOREARM_R] -
                                        a.deg[(i - 1) * POSE_ANGLE_COUNT + POSE_ANGLE_FOREARM_R]));
    }
    CHECK_MSG(mx <= 180 && mn > -180 && mn < -140, "elbow in [%g, %g]", mn, mx);
    CHECK_MSG(fjump < 5, "forearm segment jumps by %g", fjump);
    pose_angles_free(&a);
    pose_kp_series_free(&s);
}

static void test_names(void)
{
    CHECK_STR_EQ(pose_angle_name(POSE_ANGLE_KNEE_R), "knee_angle_r");
    CHECK_STR_EQ(pose_angle_name(POSE_ANGLE_HIP_FLEXION_L), "hip_flexion_l");
    CHECK(pose_angle_name(POSE_ANGLE_COUNT) == NULL && pose_angle_name(-1) == NULL);
    for (int i = 0; i < POSE_ANGLE_COUNT; i++) CHECK_INT_EQ(pose_angle_find(pose_angle_name(i)), i);
    CHECK_INT_EQ(pose_angle_find("knee"), -1);
    CHECK_INT_EQ(POSE_ANGLE_JOINT_COUNT, POSE_ANGLE_FOOT_R);
}

int main(void)
{
    test_names();
    test_2d();
    test_tilt_and_gating();
    test_3d();
    test_series();
    test_no_joint_unwrap();
    return check_report();
}
