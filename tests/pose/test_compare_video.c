/*
 * test_compare_video.c - the comparison on real keypoints: tests/pose/data/squats_blazepose_full.jsonl
 * is `pose analyze ../shared/media/video/tfjs_pose_squats.mp4 --model blazepose-full` (65 frames,
 * 5 fps, 3 squats, the last cut by the end of the clip). Reference from the first part (t < 4.8 s,
 * one rep), compare the rest: the complete rep 2 is found, the cut rep 3 is not counted, no anomaly
 * at default thresholds; a copy with the right knee angle distorted (30 degrees at the deepest
 * point, scaled by depth) is flagged on knee_angle_r only, "less flexed". 3D uses every joint; 2D
 * (the camera is nearly frontal, outside what image-plane angles measure well) the hips, knees and
 * trunk lean only: a projected elbow in a frontal view is not a sagittal elbow angle.
 */
#include "check.h"
#include "pose.h"

/* Angles of frames [i0, i1) of s (a slice of the series). */
static int slice_angles(const pose_kp_series *s, size_t i0, size_t i1, int use_world, pose_angles *a)
{
    pose_kp_series p = *s;
    p.n = i1 - i0;
    p.t = s->t + i0;
    p.index = s->index + i0;
    p.kp = s->kp + i0 * s->nkp * 3;
    p.world = s->world ? s->world + i0 * s->nkp * 3 : NULL;
    pose_kin_options o = pose_kin_defaults();
    o.use_world = use_world;
    pose_error err = {0};
    int rc = pose_angles_compute(&p, &o, a, &err);
    CHECK_MSG(rc == POSE_OK, "%s", err.msg);
    return rc;
}

int main(void)
{
    const char *src = getenv("AIMP_SOURCE_DIR");
    if (!src) check_skip("AIMP_SOURCE_DIR not set");
    char path[4200];
    snprintf(path, sizeof path, "%s/tests/pose/data/squats_blazepose_full.jsonl", src);
    pose_error err = {0};
    pose_frames_t *f = pose_frames_read(path, &err);
    CHECK_MSG(f != NULL, "%s", err.msg);
    if (!f) return check_report();
    pose_kp_series s;
    CHECK_INT_EQ(pose_frames_series(f, -1, &s, &err), POSE_OK);
    CHECK_INT_EQ(s.n, 65);
    size_t cut = 0;
    while (cut < s.n && s.t[cut] < 4.8) cut++;
    for (int w = 1; w >= 0; w--) {
        pose_angles a1, a2, all;
        CHECK_INT_EQ(slice_angles(&s, 0, cut, w, &a1), POSE_OK);
        CHECK_INT_EQ(slice_angles(&s, cut, s.n, w, &a2), POSE_OK);
        CHECK_INT_EQ(slice_angles(&s, 0, s.n, w, &all), POSE_OK);
        pose_rep *reps;
        size_t nreps;
        CHECK_INT_EQ(pose_reps_detect(&all, POSE_ANGLE_KNEE_R, NULL, &reps, &nreps, &err), POSE_OK);
        CHECK_INT_EQ(nreps, 2); /* the third squat is cut by the end of the clip */
        for (size_t k = 0; k < nreps; k++) {
            CHECK_MSG(reps[k].rom > 60 && reps[k].rom < 110, "rep %zu rom %g", k, reps[k].rom);
            CHECK_MSG(reps[k].duration > 2.5 && reps[k].duration < 4.0, "rep %zu %g s", k, reps[k].duration);
        }
        free(reps);
        pose_reference ref;
        pose_reference_options ro = pose_reference_defaults();
        if (!w)
            ro.joints_mask = 1 << POSE_ANGLE_HIP_FLEXION_R | 1 << POSE_ANGLE_HIP_FLEXION_L |
                             1 << POSE_ANGLE_KNEE_R | 1 << POSE_ANGLE_KNEE_L | 1 << POSE_ANGLE_TRUNK_LEAN;
        CHECK_INT_EQ(pose_reference_build(&a1, POSE_ANGLE_KNEE_R, &ro, "video", &ref, &err), POSE_OK);
        CHECK_INT_EQ(ref.njoints, w ? 13 : 5);
        CHECK_INT_EQ(ref.nreps, 1);
        pose_comparison c;
        CHECK_INT_EQ(pose_compare_run(&a2, &ref, NULL, &c, &err), POSE_OK);
        CHECK_INT_EQ(c.nreps, 1);
        CHECK_MSG(c.nanomalies == 0, "%s: %zu anomalies, first: %s", w ? "3D" : "2D", c.nanomalies,
                  c.nfeedback ? c.feedback[0] : "");
        if (c.nreps) CHECK_MSG(c.reps[0].score > 80, "score %g", c.reps[0].score);
        pose_comparison_free(&c);
        /* the right knee 30 degrees less flexed at the deepest point, scaled by how deep it is */
        for (size_t i = 0; i < a2.n; i++) {
            double *k = &a2.deg[i * POSE_ANGLE_COUNT + POSE_ANGLE_KNEE_R];
            double u = (*k - 10) / 85;
            if (u > 0) *k -= 30 * (u > 1 ? 1 : u);
        }
        CHECK_INT_EQ(pose_compare_run(&a2, &ref, NULL, &c, &err), POSE_OK);
        CHECK(c.nanomalies >= 1);
        for (size_t i = 0; i < c.nanomalies; i++)
            CHECK_MSG(c.anomalies[i].joint == POSE_ANGLE_KNEE_R && c.anomalies[i].deviation < 0,
                      "anomaly on %s %+.1f", pose_angle_name(c.anomalies[i].joint), c.anomalies[i].deviation);
        CHECK_INT_EQ(c.nfeedback, 1);
        if (c.nfeedback) {
            printf("%s: %s\n", w ? "3D" : "2D", c.feedback[0]);
            CHECK(strstr(c.feedback[0], "rep 1: right knee ") == c.feedback[0]);
            CHECK(strstr(c.feedback[0], "less flexed than the reference") != NULL);
        }
        pose_comparison_free(&c);
        pose_reference_free(&ref);
        pose_angles_free(&a1);
        pose_angles_free(&a2);
        pose_angles_free(&all);
    }
    pose_kp_series_free(&s);
    pose_frames_free(f);
    return check_report();
}
