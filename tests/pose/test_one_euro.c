/*
 * test_one_euro.c - the One Euro filter against its definition (Casiez et al. 2012): a constant
 * passes unchanged; with beta = 0 a step decays exactly like a first-order low-pass at min_cutoff;
 * alpha = 1 / (1 + 1 / (2 pi fc dt)); with beta > 0 the cutoff follows min_cutoff + beta |speed|,
 * so a ramp lags by v dt (1 - a) / a for that cutoff; value scaling; the per-track smoother.
 */
#include "check.h"
#include "pose.h"

static void test_alpha(void)
{
    CHECK_NEAR(pose_one_euro_alpha(1.0, 1.0 / 30), 1.0 / (1.0 + 30.0 / (2 * M_PI)), 1e-15);
    CHECK_NEAR(pose_one_euro_alpha(1e9, 0.01), 1.0, 1e-6);   /* huge cutoff: follow the input */
    CHECK(pose_one_euro_alpha(0.01, 0.01) < 1e-3);           /* tiny cutoff: barely move */
}

static void test_constant(void)
{
    pose_one_euro_params p;
    pose_one_euro_preset(POSE_SMOOTH_MEDIAPIPE, &p);
    pose_one_euro f;
    pose_one_euro_reset(&f, &p);
    for (int i = 0; i < 100; i++) {
        double y = pose_one_euro_apply(&f, 123.456, i / 30.0, 1.0 / 200);
        if (y != 123.456) {
            CHECK_MSG(0, "constant changed at sample %d: %.17g", i, y);
            break;
        }
    }
    CHECK(f.dx == 0);
}

static void test_step(void)
{
    pose_one_euro_params p = {.min_cutoff = 2.0, .beta = 0, .d_cutoff = 1.0, .freq = 30};
    pose_one_euro f;
    pose_one_euro_reset(&f, &p);
    double dt = 0.02;
    pose_one_euro_apply(&f, 0, 0, 1);
    double a = pose_one_euro_alpha(2.0, dt);
    for (int n = 1; n <= 50; n++) {
        double y = pose_one_euro_apply(&f, 1.0, n * dt, 1);
        CHECK_NEAR(y, 1.0 - pow(1.0 - a, n), 1e-12);
    }
    /* time that does not advance: the value passes, the state is untouched */
    double before = f.x;
    CHECK_NEAR(pose_one_euro_apply(&f, 5.0, 50 * dt, 1), 5.0, 0);
    CHECK_NEAR(f.x, before, 0);
}

static void test_ramp_cutoff(void)
{
    /* x = v t: the derivative estimate converges to v * scale, so the cutoff to min + beta v s */
    pose_one_euro_params p = {.min_cutoff = 1.0, .beta = 0.5, .d_cutoff = 1.0, .freq = 30};
    double v = 100, scale = 0.1, dt = 1.0 / 30;
    pose_one_euro f;
    pose_one_euro_reset(&f, &p);
    double y = 0;
    for (int n = 0; n < 600; n++) y = pose_one_euro_apply(&f, v * n * dt, n * dt, scale);
    CHECK_NEAR(f.dx, v * scale, 1e-6);
    double fc = 1.0 + 0.5 * v * scale;
    double a = pose_one_euro_alpha(fc, dt);
    double lag = v * dt * (1 - a) / a;
    CHECK_NEAR(v * 599 * dt - y, lag, 1e-6);
    /* beta = 0 lags more: speed opens the filter */
    pose_one_euro g;
    p.beta = 0;
    pose_one_euro_reset(&g, &p);
    double z = 0;
    for (int n = 0; n < 600; n++) z = pose_one_euro_apply(&g, v * n * dt, n * dt, scale);
    CHECK(v * 599 * dt - z > 2 * lag);
}

static void test_presets(void)
{
    pose_one_euro_params p;
    pose_one_euro_preset(POSE_SMOOTH_MOVENET, &p);
    CHECK_NEAR(p.min_cutoff, 6.36, 0);
    CHECK_NEAR(p.beta, 636.61, 0);
    CHECK_NEAR(p.d_cutoff, 4.77, 0);
    pose_one_euro_preset(POSE_SMOOTH_MEDIAPIPE_WORLD, &p);
    CHECK_NEAR(p.min_cutoff, 0.1, 0);
    CHECK_NEAR(p.beta, 40, 0);
}

static void test_smoother(void)
{
    /* two tracks: noise on one does not leak into the other; a new id starts unfiltered */
    pose_error err = {0};
    pose_smoother_t *s = pose_smoother_create(POSE_SMOOTH_MEDIAPIPE, POSE_SMOOTH_MEDIAPIPE_WORLD, 1.0, &err);
    CHECK(s != NULL);
    pose_result r;
    double jitter_in = 0, jitter_out = 0;
    /* person 0's keypoint y must equal a lone filter with the preset at scale 1 / person size,
     * person size = (bbox w + bbox h) / 2 = 150 px */
    pose_one_euro_params mp;
    pose_one_euro_preset(POSE_SMOOTH_MEDIAPIPE, &mp);
    pose_one_euro lone;
    pose_one_euro_reset(&lone, &mp);
    for (int i = 0; i < 60; i++) {
        memset(&r, 0, sizeof r);
        r.t = i / 30.0;
        r.n_persons = 2;
        for (int p = 0; p < 2; p++) {
            pose_person *pp = &r.persons[p];
            pp->id = p + 1;
            pp->n_keypoints = 17;
            pp->bbox[2] = 100;
            pp->bbox[3] = 200;
            pp->has_world = 1;
            for (int k = 0; k < 17; k++) {
                pp->kp[k].x = (float)(50 + p * 300);
                pp->kp[k].y = (float)(100 + (p == 0 ? ((i & 1) ? 3 : -3) : 0));
                pp->kp[k].score = 0.9f;
                pp->world[k][0] = 0.5f;
            }
        }
        double want = pose_one_euro_apply(&lone, r.persons[0].kp[5].y, r.t, 1.0 / 150);
        pose_smoother_apply(s, &r, 640);
        CHECK_NEAR(r.persons[0].kp[5].y, want, 1e-4);
        if (i > 30) {
            jitter_in += 3;
            jitter_out += fabs(r.persons[0].kp[5].y - 100);
        }
        CHECK_NEAR(r.persons[1].kp[5].y, 100, 0);
        CHECK_NEAR(r.persons[1].kp[5].x, 350, 0);
        CHECK_NEAR(r.persons[1].world[5][0], 0.5, 1e-7);
    }
    CHECK_MSG(jitter_out < 0.6 * jitter_in, "jitter %g -> %g", jitter_in, jitter_out);
    pose_smoother_free(s);
    pose_smoother_free(NULL);
}

int main(void)
{
    test_alpha();
    test_constant();
    test_step();
    test_ramp_cutoff();
    test_presets();
    test_smoother();
    return check_report();
}
