/*
 * test_tracker.c - stable ids on synthetic people: two people walking towards each other and
 * crossing (boxes overlap heavily at the crossing), detections in shuffled order, a short occlusion
 * (same id after) and a long one (new id after max_age), IoU and OKS similarities.
 */
#include "check.h"
#include "pose.h"

/* A standing stick figure: 17 COCO keypoints around (cx, top), height hgt pixels. */
static void figure(pose_person *p, double cx, double top, double hgt, float score)
{
    static const double rel[17][2] = {{0, 0.05},    {0.03, 0.03},  {-0.03, 0.03}, {0.06, 0.05},
                                      {-0.06, 0.05}, {0.12, 0.2},   {-0.12, 0.2},  {0.16, 0.38},
                                      {-0.16, 0.38}, {0.18, 0.52},  {-0.18, 0.52}, {0.08, 0.55},
                                      {-0.08, 0.55}, {0.09, 0.77},  {-0.09, 0.77}, {0.1, 0.98},
                                      {-0.1, 0.98}};
    memset(p, 0, sizeof *p);
    p->n_keypoints = 17;
    p->score = score;
    p->bbox[0] = (float)(cx - 0.2 * hgt);
    p->bbox[1] = (float)top;
    p->bbox[2] = (float)(cx + 0.2 * hgt);
    p->bbox[3] = (float)(top + hgt);
    for (int k = 0; k < 17; k++) {
        p->kp[k].x = (float)(cx + rel[k][0] * hgt);
        p->kp[k].y = (float)(top + rel[k][1] * hgt);
        p->kp[k].score = 0.8f;
    }
}

static void test_similarities(void)
{
    float a[4] = {0, 0, 10, 10}, b[4] = {5, 0, 15, 10}, c[4] = {20, 20, 30, 30};
    CHECK_NEAR(pose_box_iou(a, a), 1, 1e-12);
    CHECK_NEAR(pose_box_iou(a, b), 50.0 / 150.0, 1e-12);
    CHECK_NEAR(pose_box_iou(a, c), 0, 0);
    pose_person p, q;
    figure(&p, 100, 50, 200, 0.9f);
    figure(&q, 100, 50, 200, 0.9f);
    CHECK_NEAR(pose_keypoint_similarity(&p, &q, 0.3, 4), 1, 1e-12);
    figure(&q, 110, 50, 200, 0.9f);
    double s10 = pose_keypoint_similarity(&p, &q, 0.3, 4);
    figure(&q, 140, 50, 200, 0.9f);
    double s40 = pose_keypoint_similarity(&p, &q, 0.3, 4);
    CHECK(s10 < 1 && s40 < s10 && s40 >= 0);
    for (int k = 0; k < 17; k++) q.kp[k].score = k < 3 ? 0.9f : 0.1f; /* too few confident */
    CHECK_NEAR(pose_keypoint_similarity(&p, &q, 0.3, 4), 0, 0);
}

static void run_crossing(pose_track_metric metric)
{
    pose_tracker_opts o;
    pose_tracker_defaults(&o);
    o.metric = metric;
    pose_error err = {0};
    pose_tracker_t *tr = pose_tracker_create(&o, &err);
    CHECK(tr != NULL);
    int id_a = -1, id_b = -1, swaps = 0;
    for (int i = 0; i < 60; i++) {
        pose_result r;
        memset(&r, 0, sizeof r);
        r.t = i / 30.0;
        r.n_persons = 2;
        /* A walks right, B walks left; they cross at frame 30; B stands a little lower and is smaller */
        double xa = 100 + 10 * i, xb = 700 - 10 * i;
        int a_first = (i * 7) % 3 != 0; /* shuffled order */
        figure(&r.persons[a_first ? 0 : 1], xa, 50, 300, 0.9f);
        figure(&r.persons[a_first ? 1 : 0], xb, 90, 260, 0.85f);
        pose_tracker_update(tr, &r);
        int ia = r.persons[a_first ? 0 : 1].id, ib = r.persons[a_first ? 1 : 0].id;
        if (i == 0) {
            id_a = ia;
            id_b = ib;
            CHECK(ia != ib && ia >= 1 && ib >= 1);
        } else if (ia != id_a || ib != id_b) {
            swaps++;
        }
    }
    CHECK_MSG(swaps == 0, "metric %d: ids changed in %d frames", (int)metric, swaps);
    pose_tracker_free(tr);
}

static void test_occlusion(void)
{
    pose_tracker_opts o;
    pose_tracker_defaults(&o);
    o.max_age = 0.5;
    pose_tracker_t *tr = pose_tracker_create(&o, NULL);
    pose_result r;
    int first = 0;
    for (int i = 0; i < 60; i++) {
        memset(&r, 0, sizeof r);
        r.t = i / 30.0;
        /* hidden for frames 10..19 (0.33 s < max_age) and 30..49 (0.67 s > max_age) */
        int visible = !(i >= 10 && i < 20) && !(i >= 30 && i < 50);
        r.n_persons = visible;
        if (visible) figure(&r.persons[0], 300 + 2 * i, 50, 300, 0.9f);
        pose_tracker_update(tr, &r);
        if (!visible) continue;
        if (i == 0) first = r.persons[0].id;
        if (i < 30) CHECK_INT_EQ(r.persons[0].id, first);
        else CHECK_MSG(r.persons[0].id != first, "frame %d: id %d reused after max_age", i, first);
    }
    pose_tracker_free(tr);
    o.max_tracks = 0;
    pose_error err = {0};
    CHECK(pose_tracker_create(&o, &err) == NULL && err.code == POSE_EINVAL);
}

static void test_many(void)
{
    /* more people than max_tracks: ids stay unique within a frame */
    pose_tracker_opts o;
    pose_tracker_defaults(&o);
    o.max_tracks = 3;
    pose_tracker_t *tr = pose_tracker_create(&o, NULL);
    for (int f = 0; f < 3; f++) {
        pose_result r;
        memset(&r, 0, sizeof r);
        r.t = f / 30.0;
        r.n_persons = 5;
        for (int i = 0; i < 5; i++) figure(&r.persons[i], 100 + 150 * i, 50, 100, 0.5f + 0.05f * (float)i);
        pose_tracker_update(tr, &r);
        for (int i = 0; i < 5; i++)
            for (int j = i + 1; j < 5; j++) CHECK(r.persons[i].id != r.persons[j].id);
    }
    pose_tracker_free(tr);
}

int main(void)
{
    test_similarities();
    run_crossing(POSE_TRACK_AUTO);
    run_crossing(POSE_TRACK_OKS);
    test_occlusion();
    test_many();
    return check_report();
}
