/*
 * kinematics.c - joint and segment angles of one frame (pose.h "kinematics"), 2D from image
 * keypoints (Sports2D style, in the image plane, signed by the facing direction) and 3D from
 * BlazePose world landmarks in a body frame (OpenSim/OpenCap style). docs/ANGLES.md is the
 * definition; the comments here only point at it.
 */
#include <math.h>
#include <string.h>

#include "pose.h"
#include "kinematics_internal.h"

static const char *const angle_names[POSE_ANGLE_COUNT] = {
    "hip_flexion_r", "hip_flexion_l", "knee_angle_r", "knee_angle_l", "ankle_angle_r",
    "ankle_angle_l", "arm_flex_r", "arm_flex_l", "elbow_flex_r", "elbow_flex_l", "trunk_lean",
    "pelvis_tilt", "shoulder_tilt", "foot_r", "foot_l", "shank_r", "shank_l", "thigh_r", "thigh_l",
    "arm_r", "arm_l", "forearm_r", "forearm_l", "trunk", "pelvis", "shoulders"};

const char *pose_angle_name(int id)
{
    return id >= 0 && id < POSE_ANGLE_COUNT ? angle_names[id] : NULL;
}

int pose_angle_find(const char *name)
{
    for (int i = 0; name && i < POSE_ANGLE_COUNT; i++)
        if (strcmp(name, angle_names[i]) == 0) return i;
    return -1;
}

/* Keypoint indices of the two skeletons; [0] right, [1] left; -1 = the skeleton has none. */
typedef struct kp_map {
    int sh[2], el[2], wr[2], hip[2], kn[2], an[2], heel[2], toe[2], nose, ear[2];
} kp_map;

static const kp_map coco = {{6, 5}, {8, 7}, {10, 9}, {12, 11}, {14, 13}, {16, 15},
                            {-1, -1}, {-1, -1}, 0, {4, 3}};
static const kp_map blaze = {{12, 11}, {14, 13}, {16, 15}, {24, 23}, {26, 25}, {28, 27},
                             {30, 29}, {32, 31}, 0, {8, 7}};

const void *pose__kin_map(pose_skeleton sk)
{
    return sk == POSE_SKELETON_COCO17 ? (const void *)&coco
           : sk == POSE_SKELETON_BLAZEPOSE33 ? (const void *)&blaze : NULL;
}

typedef struct v3 {
    double x, y, z;
    int ok;
} v3;

static const double R2D = 57.29577951308232;

static v3 sub(v3 a, v3 b) { return (v3){a.x - b.x, a.y - b.y, a.z - b.z, a.ok && b.ok}; }
static v3 mid(v3 a, v3 b)
{
    return (v3){(a.x + b.x) / 2, (a.y + b.y) / 2, (a.z + b.z) / 2, a.ok && b.ok};
}
static double dot(v3 a, v3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static v3 cross(v3 a, v3 b)
{
    return (v3){a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x, a.ok && b.ok};
}
static double norm(v3 a) { return sqrt(dot(a, a)); }
static v3 scale(v3 a, double s) { return (v3){a.x * s, a.y * s, a.z * s, a.ok}; }
static v3 unit(v3 a)
{
    double n = norm(a);
    if (!(n > 1e-12)) return (v3){0, 0, 0, 0};
    return scale(a, 1 / n);
}

/* Wraps degrees to (-180, 180]. */
double pose__wrap180(double d)
{
    if (!isfinite(d)) return NAN;
    d = fmod(d, 360.0);
    if (d <= -180) d += 360;
    else if (d > 180) d -= 360;
    return d;
}

/* A keypoint as a y-up vector, or not ok when missing / below the score threshold. */
static v3 pt2(const double *kp, int k, double min_score)
{
    if (k < 0) return (v3){0, 0, 0, 0};
    const double *p = kp + 3 * k;
    int ok = isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2]) && p[2] >= min_score;
    return (v3){p[0], -p[1], 0, ok};
}

/* 2D sagittal angle of v from straight down, positive toward the facing direction (degrees). */
static double theta2(v3 v, int facing)
{
    if (!v.ok || (v.x == 0 && v.y == 0)) return NAN;
    return atan2((double)facing * v.x, -v.y) * R2D;
}

/* Segment angle: anticlockwise from +x (y up), degrees. */
static double seg(v3 v)
{
    if (!v.ok || (v.x == 0 && v.y == 0)) return NAN;
    return atan2(v.y, v.x) * R2D;
}

/* Frontal tilt of the line right -> left: positive when left is higher (y up). */
static double tilt(v3 right, v3 left, v3 up)
{
    v3 d = sub(left, right);
    if (!d.ok) return NAN;
    double h = dot(d, up);
    v3 horiz = sub(d, scale(up, h));
    horiz.ok = 1;
    if (norm(horiz) == 0 && h == 0) return NAN;
    return atan2(h, norm(horiz)) * R2D;
}

static void segments(const kp_map *m, v3 (*get)(const void *, int, double), const void *src,
                     double min_score, double *out)
{
    for (int s = 0; s < 2; s++) {
        v3 sh = get(src, m->sh[s], min_score), el = get(src, m->el[s], min_score);
        v3 wr = get(src, m->wr[s], min_score), hip = get(src, m->hip[s], min_score);
        v3 kn = get(src, m->kn[s], min_score), an = get(src, m->an[s], min_score);
        v3 heel = get(src, m->heel[s], min_score), toe = get(src, m->toe[s], min_score);
        out[POSE_ANGLE_FOOT_R + s] = seg(sub(toe, heel));
        out[POSE_ANGLE_SHANK_R + s] = seg(sub(kn, an));
        out[POSE_ANGLE_THIGH_R + s] = seg(sub(hip, kn));
        out[POSE_ANGLE_ARM_R + s] = seg(sub(sh, el));
        out[POSE_ANGLE_FOREARM_R + s] = seg(sub(el, wr));
    }
    v3 rh = get(src, m->hip[0], min_score), lh = get(src, m->hip[1], min_score);
    v3 rs = get(src, m->sh[0], min_score), ls = get(src, m->sh[1], min_score);
    out[POSE_ANGLE_TRUNK] = seg(sub(mid(rs, ls), mid(rh, lh)));
    out[POSE_ANGLE_PELVIS] = seg(sub(lh, rh));
    out[POSE_ANGLE_SHOULDERS] = seg(sub(ls, rs));
}

static v3 get2(const void *src, int k, double min_score) { return pt2(src, k, min_score); }

void pose_angles_frame_2d(const double *kp, pose_skeleton sk, int facing, double min_score,
                          double *out)
{
    for (int i = 0; i < POSE_ANGLE_COUNT; i++) out[i] = NAN;
    const kp_map *m = pose__kin_map(sk);
    if (!m || !kp) return;
    int f = facing < 0 ? -1 : 1;
    v3 rh = pt2(kp, m->hip[0], min_score), lh = pt2(kp, m->hip[1], min_score);
    v3 rs = pt2(kp, m->sh[0], min_score), ls = pt2(kp, m->sh[1], min_score);
    v3 H = mid(rh, lh), S = mid(rs, ls);
    double trunk_down = theta2(sub(H, S), f);
    for (int s = 0; s < 2; s++) {
        v3 sh = pt2(kp, m->sh[s], min_score), el = pt2(kp, m->el[s], min_score);
        v3 wr = pt2(kp, m->wr[s], min_score), hip = pt2(kp, m->hip[s], min_score);
        v3 kn = pt2(kp, m->kn[s], min_score), an = pt2(kp, m->an[s], min_score);
        v3 heel = pt2(kp, m->heel[s], min_score), toe = pt2(kp, m->toe[s], min_score);
        double thigh = theta2(sub(kn, hip), f), shank = theta2(sub(an, kn), f);
        double foot = theta2(sub(toe, heel), f);
        double arm = theta2(sub(el, sh), f), forearm = theta2(sub(wr, el), f);
        out[POSE_ANGLE_HIP_FLEXION_R + s] = pose__wrap180(thigh - trunk_down);
        out[POSE_ANGLE_KNEE_R + s] = pose__wrap180(thigh - shank);
        out[POSE_ANGLE_ANKLE_R + s] = pose__wrap180(foot - shank - 90);
        out[POSE_ANGLE_ARM_FLEX_R + s] = pose__wrap180(arm - trunk_down);
        out[POSE_ANGLE_ELBOW_FLEX_R + s] = pose__wrap180(forearm - arm);
    }
    v3 T = sub(S, H);
    out[POSE_ANGLE_TRUNK_LEAN] = T.ok && norm(T) > 0 ? atan2((double)f * T.x, T.y) * R2D : NAN;
    v3 up = {0, 1, 0, 1};
    out[POSE_ANGLE_PELVIS_TILT] = tilt(rh, lh, up);
    out[POSE_ANGLE_SHOULDER_TILT] = tilt(rs, ls, up);
    segments(m, get2, kp, min_score, out);
}

/* 3D landmark source: world coordinates converted to x right, y up, z toward the camera. */
typedef struct src3 {
    const double *world, *kp;
} src3;

static v3 get3(const void *p, int k, double min_score)
{
    const src3 *s = p;
    if (k < 0) return (v3){0, 0, 0, 0};
    const double *w = s->world + 3 * k;
    int ok = isfinite(w[0]) && isfinite(w[1]) && isfinite(w[2]);
    if (s->kp) ok = ok && isfinite(s->kp[3 * k + 2]) && s->kp[3 * k + 2] >= min_score;
    return (v3){w[0], -w[1], -w[2], ok};
}

/* Signed angle from a to b, sign of (a x b) . axis; degrees in (-180, 180]. */
static double signed_angle(v3 a, v3 b, v3 axis)
{
    if (!a.ok || !b.ok || !axis.ok || norm(a) == 0 || norm(b) == 0) return NAN;
    v3 c = cross(a, b);
    double s = norm(c);
    if (dot(c, axis) < 0) s = -s;
    return atan2(s, dot(a, b)) * R2D;
}

/* Sagittal angle of v in the body frame: from -up, positive toward fwd. */
static double theta3(v3 v, v3 up, v3 fwd)
{
    if (!v.ok || !up.ok || !fwd.ok) return NAN;
    double a = dot(v, fwd), b = -dot(v, up);
    if (a == 0 && b == 0) return NAN;
    return atan2(a, b) * R2D;
}

void pose_angles_frame_3d(const double *world, const double *kp, pose_skeleton sk, double min_score,
                          double *out)
{
    for (int i = 0; i < POSE_ANGLE_COUNT; i++) out[i] = NAN;
    const kp_map *m = pose__kin_map(sk);
    if (!m || !world) return;
    src3 src = {world, kp};
    v3 rh = get3(&src, m->hip[0], min_score), lh = get3(&src, m->hip[1], min_score);
    v3 rs = get3(&src, m->sh[0], min_score), ls = get3(&src, m->sh[1], min_score);
    v3 H = mid(rh, lh), S = mid(rs, ls);
    /* body frame: right along the hips, up = trunk orthogonalised, forward = up x right */
    v3 right = unit(sub(rh, lh));
    v3 T = sub(S, H);
    v3 up = unit(sub(T, scale(right, dot(T, right))));
    up.ok = up.ok && right.ok && T.ok;
    v3 fwd = cross(up, right);
    v3 neg_right = scale(right, -1);
    for (int s = 0; s < 2; s++) {
        v3 sh = get3(&src, m->sh[s], min_score), el = get3(&src, m->el[s], min_score);
        v3 wr = get3(&src, m->wr[s], min_score), hip = get3(&src, m->hip[s], min_score);
        v3 kn = get3(&src, m->kn[s], min_score), an = get3(&src, m->an[s], min_score);
        v3 heel = get3(&src, m->heel[s], min_score), toe = get3(&src, m->toe[s], min_score);
        v3 thigh = sub(kn, hip), shank = sub(an, kn), foot = sub(toe, heel);
        v3 arm = sub(el, sh), forearm = sub(wr, el);
        out[POSE_ANGLE_HIP_FLEXION_R + s] = pose__wrap180(theta3(thigh, up, fwd));
        out[POSE_ANGLE_KNEE_R + s] = signed_angle(thigh, shank, neg_right);
        double a = signed_angle(shank, foot, right);
        out[POSE_ANGLE_ANKLE_R + s] = pose__wrap180(a - 90);
        out[POSE_ANGLE_ARM_FLEX_R + s] = pose__wrap180(theta3(arm, up, fwd));
        out[POSE_ANGLE_ELBOW_FLEX_R + s] = signed_angle(arm, forearm, right);
    }
    /* trunk lean and tilts against the world's vertical */
    v3 U = {0, 1, 0, 1};
    v3 rh_h = sub(right, scale(U, dot(right, U)));
    rh_h.ok = right.ok;
    v3 F = unit(cross(U, unit(rh_h)));
    F.ok = F.ok && rh_h.ok;
    out[POSE_ANGLE_TRUNK_LEAN] = T.ok && F.ok && norm(T) > 0 ? atan2(dot(T, F), dot(T, U)) * R2D
                                                             : NAN;
    out[POSE_ANGLE_PELVIS_TILT] = tilt(rh, lh, U);
    out[POSE_ANGLE_SHOULDER_TILT] = tilt(rs, ls, U);
    segments(m, get3, &src, min_score, out);
}
