/*
 * test_reps.c - repetition segmentation on synthetic periodic driver angles: clean, noisy, with
 * gaps, with partial reps at either end, the other direction, no movement, a short blip, bad input.
 */
#include "check.h"
#include "pose.h"

#define FPS 30.0

static unsigned long long rng = 12345;
static double noise(double amp) /* uniform in [-amp, amp], deterministic */
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return amp * (2.0 * (double)(rng >> 11) / 9007199254740992.0 - 1.0);
}

/* knee = 10 + 80 (1 - cos(2 pi t / 2)) / 2 from t0 for n samples: a 2 s squat cycle */
static void squats(double *t, double *x, size_t n, double t0, double amp)
{
    for (size_t i = 0; i < n; i++) {
        t[i] = t0 + (double)i / FPS;
        x[i] = 10 + 40 * (1 - cos(M_PI * t[i])) + noise(amp);
    }
}

static void test_clean(void)
{
    size_t n = 301; /* 10 s: 5 reps */
    double t[301], x[301];
    squats(t, x, n, 0, 0);
    pose_rep *r;
    size_t c;
    pose_error err = {0};
    CHECK_INT_EQ(pose_reps_detect_series(t, x, NULL, n, NULL, &r, &c, &err), POSE_OK);
    CHECK_INT_EQ(c, 5);
    for (size_t k = 0; k < c; k++) {
        CHECK_NEAR(r[k].t_start, 2.0 * (double)k, 1e-9);
        CHECK_NEAR(r[k].t_end, 2.0 * (double)k + 2, 1e-9);
        CHECK_NEAR(r[k].duration, 2.0, 1e-9);
        CHECK_NEAR(r[k].rom, 80, 1e-9);
        CHECK_NEAR(r[k].peak_angle, 90, 1e-9);
        CHECK_NEAR(r[k].t_start + 1.0, t[r[k].peak], 1e-9);
        CHECK_NEAR(r[k].peak_velocity, 40 * M_PI, 0.02 * 40 * M_PI);
    }
    free(r);
}

static void test_noise_gaps_partial(void)
{
    size_t n = 301;
    double t[301], x[301];
    pose_rep *r;
    size_t c;
    pose_error err = {0};
    squats(t, x, n, 0, 3.0);
    for (size_t i = 130; i < 140; i++) x[i] = NAN; /* gap inside rep 3 */
    CHECK_INT_EQ(pose_reps_detect_series(t, x, NULL, n, NULL, &r, &c, &err), POSE_OK);
    CHECK_INT_EQ(c, 5);
    for (size_t k = 0; k < c; k++) {
        CHECK_MSG(fabs(r[k].t_start - 2.0 * (double)k) < 0.35, "rep %zu starts at %g", k, r[k].t_start);
        CHECK_MSG(r[k].rom > 72 && r[k].rom < 88, "rep %zu rom %g", k, r[k].rom); /* noise +-3 at both ends */
        CHECK(r[k].duration > 1.5 && r[k].duration < 2.5);
    }
    free(r);
    /* cut mid-rep at both ends: starts at the bottom of a rep (t = 1), ends at the next-to-last bottom */
    size_t m = 240; /* t in [1, 9): reps [2,4] [4,6] [6,8] whole; [0,2] and [8,10] partial */
    squats(t, x, m, 1.0, 0);
    CHECK_INT_EQ(pose_reps_detect_series(t, x, NULL, m, NULL, &r, &c, &err), POSE_OK);
    CHECK_INT_EQ(c, 3);
    if (c == 3) CHECK_NEAR(r[0].t_start, 2.0, 1e-9);
    free(r);
    /* the other direction: elbow extension reps */
    squats(t, x, n, 0, 0);
    for (size_t i = 0; i < n; i++) x[i] = -x[i];
    pose_rep_options o = pose_rep_defaults();
    o.direction = -1;
    CHECK_INT_EQ(pose_reps_detect_series(t, x, NULL, n, &o, &r, &c, &err), POSE_OK);
    CHECK_INT_EQ(c, 5);
    if (c) CHECK_NEAR(r[0].peak_angle, -90, 1e-9);
    free(r);
}

static void test_no_reps_and_bad(void)
{
    double t[200], x[200];
    pose_rep *r;
    size_t c;
    pose_error err = {0};
    for (size_t i = 0; i < 200; i++) t[i] = (double)i / FPS, x[i] = 20 + noise(4);
    CHECK_INT_EQ(pose_reps_detect_series(t, x, NULL, 200, NULL, &r, &c, &err), POSE_OK);
    CHECK_INT_EQ(c, 0);
    CHECK(r == NULL);
    /* 5 squats, then rest with a 0.2 s blip to 90 degrees: shorter than min_duration */
    double tb[400], xb[400];
    squats(tb, xb, 400, 0, 0);
    for (size_t i = 300; i < 400; i++) xb[i] = 10 + ((i >= 340 && i < 346) ? 80 : 0);
    CHECK_INT_EQ(pose_reps_detect_series(tb, xb, NULL, 400, NULL, &r, &c, &err), POSE_OK);
    CHECK_INT_EQ(c, 5);
    free(r);
    pose_rep_options o = pose_rep_defaults();
    o.min_duration = 0.1;
    CHECK_INT_EQ(pose_reps_detect_series(tb, xb, NULL, 400, &o, &r, &c, &err), POSE_OK);
    CHECK_INT_EQ(c, 6);
    free(r);
    /* bad input */
    CHECK_INT_EQ(pose_reps_detect_series(t, x, NULL, 2, NULL, &r, &c, &err), POSE_EINVAL);
    CHECK(strstr(err.msg, "too short") != NULL);
    for (size_t i = 0; i < 200; i++) x[i] = NAN;
    CHECK_INT_EQ(pose_reps_detect_series(t, x, NULL, 200, NULL, &r, &c, &err), POSE_EINVAL);
    x[0] = 1, x[1] = 2, x[2] = 3;
    t[1] = t[0];
    CHECK_INT_EQ(pose_reps_detect_series(t, x, NULL, 3, NULL, &r, &c, &err), POSE_EINVAL);
    CHECK(strstr(err.msg, "does not increase") != NULL);
    t[1] = 0.5;
    o = pose_rep_defaults();
    o.exit = 0.6;
    CHECK_INT_EQ(pose_reps_detect_series(t, x, NULL, 3, &o, &r, &c, &err), POSE_EINVAL);
    CHECK(strstr(err.msg, "options") != NULL);
    CHECK_INT_EQ(pose_reps_detect(NULL, 0, NULL, &r, &c, &err), POSE_EINVAL);
}

int main(void)
{
    test_clean();
    test_noise_gaps_partial();
    test_no_reps_and_bad();
    return check_report();
}
