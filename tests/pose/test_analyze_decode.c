/*
 * test_analyze_decode.c - the decoding steps of the model pipelines against the reference runtime
 * (../shared/reference): raw TF.js outputs fed to our decoders must give the reference's decoded
 * keypoints (MoveNet single and multi pose, BlazePose detector with our SSD anchors, BlazePose
 * landmarks); plus MoveNet's crop rule, weighted NMS and the rotated ROI on synthetic cases.
 */
#include <dirent.h>
#include <jansson.h>

#include "check.h"
#include "models_internal.h"

static const char *shared;

static int read_floats(const char *path, float *buf, int cap)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    int n = (int)fread(buf, sizeof(float), (size_t)cap, fp);
    fclose(fp);
    return n;
}

/* Calls fn(json, stem path) for every <image>.json of a reference model folder. */
static int each_reference(const char *model, void (*fn)(json_t *, const char *))
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/reference/%s", shared, model);
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "%s", dir);
    if (!d) return 0;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        char path[4400], stem[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(stem, sizeof stem, "%s/%.*s", dir, (int)(len - 5), e->d_name);
        json_t *j = json_load_file(path, 0, NULL);
        CHECK_MSG(j != NULL, "%s", path);
        if (!j) continue;
        fn(j, stem);
        json_decref(j);
        n++;
    }
    closedir(d);
    return n;
}

static double jnum(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

static void image_size(json_t *j, int *w, int *h)
{
    json_t *im = json_object_get(j, "image");
    *w = (int)json_integer_value(json_object_get(im, "width"));
    *h = (int)json_integer_value(json_object_get(im, "height"));
}

static void check_movenet(json_t *j, const char *stem)
{
    float out[51];
    char p[4500];
    snprintf(p, sizeof p, "%s.out0.bin", stem);
    CHECK_INT_EQ(read_floats(p, out, 51), 51);
    int w, h;
    image_size(j, &w, &h);
    double box[4];
    pose__movenet_full_box(w, h, box);
    pose_person pp;
    pose__movenet_decode_single(out, box, w, h, &pp);
    json_t *kps = json_object_get(json_object_get(j, "decoded"), "keypoints");
    CHECK_INT_EQ(json_array_size(kps), 17);
    for (int k = 0; k < 17; k++) {
        json_t *kp = json_array_get(kps, (size_t)k);
        CHECK_MSG(fabs(pp.kp[k].x - jnum(kp, "x")) < 2e-3 && fabs(pp.kp[k].y - jnum(kp, "y")) < 2e-3 &&
                      fabs(pp.kp[k].score - jnum(kp, "score")) < 1e-6,
                  "%s kp %d: (%f,%f) vs (%f,%f)", stem, k, pp.kp[k].x, pp.kp[k].y, jnum(kp, "x"), jnum(kp, "y"));
    }
    CHECK(pp.score >= 0 && pp.score <= 1);
}

static void check_multipose(json_t *j, const char *stem)
{
    float out[6 * 56];
    char p[4500];
    snprintf(p, sizeof p, "%s.out0.bin", stem);
    CHECK_INT_EQ(read_floats(p, out, 6 * 56), 6 * 56);
    int w, h;
    image_size(j, &w, &h);
    pose_letterbox lb = {.src_w = w, .src_h = h, .square = w > h ? w : h, .size = 256};
    lb.pad_top = (lb.square - h) / 2;
    lb.pad_left = (lb.square - w) / 2;
    pose_result r;
    CHECK_INT_EQ(pose__movenet_decode_multi(out, 6, &lb, -1, &r), 6);
    json_t *people = json_object_get(json_object_get(j, "decoded"), "people");
    for (size_t i = 0; i < json_array_size(people) && i < 6; i++) {
        json_t *pe = json_array_get(people, i);
        CHECK_NEAR(r.persons[i].score, jnum(pe, "score"), 1e-6);
        json_t *bx = json_object_get(pe, "box_xyxy");
        for (int c = 0; c < 4; c++)
            CHECK_MSG(fabs(r.persons[i].bbox[c] - json_number_value(json_array_get(bx, (size_t)c))) < 2e-3,
                      "%s person %zu box %d", stem, i, c);
        json_t *kp = json_array_get(json_object_get(pe, "keypoints"), 9);
        CHECK_NEAR(r.persons[i].kp[9].x, jnum(kp, "x"), 2e-3);
        CHECK_NEAR(r.persons[i].kp[9].y, jnum(kp, "y"), 2e-3);
    }
    /* with the default threshold only confident people remain */
    int n = pose__movenet_decode_multi(out, 6, &lb, 0.25, &r);
    for (int i = 0; i < n; i++) CHECK(r.persons[i].score >= 0.25);
}

static pose__anchor anchors[POSE__BP_ANCHORS];

static void check_detector(json_t *j, const char *stem)
{
    static float out[POSE__BP_ANCHORS * 13];
    char p[4500];
    snprintf(p, sizeof p, "%s.out0.bin", stem);
    CHECK_INT_EQ(read_floats(p, out, POSE__BP_ANCHORS * 13), POSE__BP_ANCHORS * 13);
    int w, h;
    image_size(j, &w, &h);
    pose_letterbox lb = {.src_w = w, .src_h = h, .square = w > h ? w : h, .size = 224};
    lb.pad_top = (lb.square - h) / 2;
    lb.pad_left = (lb.square - w) / 2;
    json_t *top = json_object_get(json_object_get(j, "decoded"), "top");
    for (size_t i = 0; i < json_array_size(top); i++) {
        json_t *t = json_array_get(top, i);
        int a = (int)json_integer_value(json_object_get(t, "anchor"));
        pose__detection d;
        CHECK_INT_EQ(pose__blazepose_decode_detections(out + a * 13, anchors + a, 1, &lb, 0.0, &d, 1), 1);
        CHECK_NEAR(d.score, jnum(t, "score"), 1e-6);
        json_t *c = json_object_get(t, "center"), *s = json_object_get(t, "size"), *k = json_object_get(t, "keypoints");
        CHECK_MSG(fabs(d.cx - json_number_value(json_array_get(c, 0))) < 2e-3 &&
                      fabs(d.cy - json_number_value(json_array_get(c, 1))) < 2e-3,
                  "%s anchor %d: centre (%f,%f)", stem, a, d.cx, d.cy);
        CHECK_NEAR(d.w, json_number_value(json_array_get(s, 0)), 2e-3);
        CHECK_NEAR(d.h, json_number_value(json_array_get(s, 1)), 2e-3);
        for (int q = 0; q < 4; q++) {
            CHECK_NEAR(d.kp[q][0], json_number_value(json_array_get(json_array_get(k, (size_t)q), 0)), 2e-3);
            CHECK_NEAR(d.kp[q][1], json_number_value(json_array_get(json_array_get(k, (size_t)q), 1)), 2e-3);
        }
    }
}

static void check_landmarks(json_t *j, const char *stem)
{
    float ld[195], world[117];
    char p[4500];
    snprintf(p, sizeof p, "%s.out2.bin", stem);
    CHECK_INT_EQ(read_floats(p, ld, 195), 195);
    snprintf(p, sizeof p, "%s.out4.bin", stem);
    CHECK_INT_EQ(read_floats(p, world, 117), 117);
    int w, h;
    image_size(j, &w, &h);
    int S = w > h ? w : h;
    pose_roi roi = {.cx = S / 2.0 - (S - w) / 2, .cy = S / 2.0 - (S - h) / 2, .w = S, .h = S, .rotation = 0};
    pose_person pp;
    double aux[2][2];
    pose__blazepose_decode_landmarks(ld, world, &roi, &pp, aux);
    json_t *kps = json_object_get(json_object_get(j, "decoded"), "keypoints");
    CHECK(json_array_size(kps) >= 33);
    for (int k = 0; k < 33; k++) {
        json_t *kp = json_array_get(kps, (size_t)k);
        CHECK_MSG(fabs(pp.kp[k].x - jnum(kp, "x")) < 2e-3 && fabs(pp.kp[k].y - jnum(kp, "y")) < 2e-3,
                  "%s lm %d: (%f,%f) vs (%f,%f)", stem, k, pp.kp[k].x, pp.kp[k].y, jnum(kp, "x"), jnum(kp, "y"));
        CHECK_NEAR(pp.kp[k].score, jnum(kp, "visibility"), 1e-5);
        CHECK_NEAR(pp.presence[k], jnum(kp, "presence"), 1e-5);
    }
    CHECK(pp.has_world);
    /* world landmarks are metres around the hips: a person spans well under 3 m */
    for (int k = 0; k < 33; k++)
        for (int c = 0; c < 3; c++) CHECK(fabs(pp.world[k][c]) < 1.5);
}

static void test_synthetic(void)
{
    CHECK_INT_EQ(pose__blazepose_anchors(anchors, POSE__BP_ANCHORS), 2254);
    CHECK_NEAR(anchors[0].x, 0.5 / 28, 1e-7);
    CHECK_NEAR(anchors[1].x, 0.5 / 28, 1e-7);                 /* 2 anchors per cell */
    CHECK_NEAR(anchors[2].x, 1.5 / 28, 1e-7);
    CHECK_NEAR(anchors[28 * 28 * 2].x, 0.5 / 14, 1e-7);        /* second feature map */
    CHECK_NEAR(anchors[2254 - 1].y, 6.5 / 7, 1e-7);
    CHECK_NEAR(anchors[28 * 28 * 2 + 14 * 14 * 2 + 5].x, 0.5 / 7, 1e-7); /* 6 per cell at 7x7 */
    CHECK_NEAR(anchors[28 * 28 * 2 + 14 * 14 * 2 + 6].x, 1.5 / 7, 1e-7);

    /* alignment ROI: shoulders straight above the hips -> no rotation; to the right -> +90 deg */
    pose_roi roi;
    pose__roi_from_alignment(100, 200, 100, 150, 1.25, &roi);
    CHECK_NEAR(roi.rotation, 0, 1e-12);
    CHECK_NEAR(roi.w, 2 * 50 * 1.25, 1e-9);
    CHECK_NEAR(roi.cx, 100, 0);
    pose__roi_from_alignment(100, 200, 150, 200, 1.0, &roi);
    CHECK_NEAR(roi.rotation, M_PI / 2, 1e-12);
    double x, y;
    pose_roi_to_frame(&roi, 0.5, 0.25, &x, &y); /* "up" in the ROI points right in the frame */
    CHECK_NEAR(x, 125, 1e-9);
    CHECK_NEAR(y, 200, 1e-9);

    /* weighted NMS: two overlapping detections merge into their score-weighted mean */
    pose__detection d[3] = {{.score = 0.9f, .cx = 100, .cy = 100, .w = 50, .h = 50},
                            {.score = 0.6f, .cx = 110, .cy = 100, .w = 50, .h = 50},
                            {.score = 0.8f, .cx = 400, .cy = 100, .w = 50, .h = 50}};
    pose__detection o[3];
    CHECK_INT_EQ(pose__weighted_nms(d, 3, 0.3, o, 3), 2);
    CHECK_NEAR(o[0].score, 0.9, 1e-6);
    CHECK_NEAR(o[0].cx, (0.9 * 100 + 0.6 * 110) / 1.5, 1e-4);
    CHECK_NEAR(o[1].cx, 400, 0);

    /* MoveNet crop: a confident person in the middle gets a square body crop around the hips */
    pose_person p;
    memset(&p, 0, sizeof p);
    p.n_keypoints = 17;
    for (int k = 0; k < 17; k++) {
        p.kp[k].x = 640;
        p.kp[k].y = (float)(200 + 20 * k);
        p.kp[k].score = 0.9f;
    }
    p.kp[11].y = p.kp[12].y = 400;
    p.kp[5].y = p.kp[6].y = 300;
    double box[4];
    CHECK_INT_EQ(pose__movenet_next_crop(&p, 1280, 720, box), 1);
    /* body extent: max |y - 400| over keypoints = 200 (nose at 200) -> 1.2 x 200 = 240; torso 1.9 x 100 */
    CHECK_NEAR(box[0] * 720, 400 - 240, 1e-6);
    CHECK_NEAR(box[3] * 1280, 640 + 240, 1e-6);
    p.kp[11].score = p.kp[12].score = 0.1f; /* hips lost: back to the full frame */
    CHECK_INT_EQ(pose__movenet_next_crop(&p, 1280, 720, box), 0);
    CHECK_NEAR(box[0], -280.0 / 720, 1e-12);
    CHECK_NEAR(box[2], 1000.0 / 720, 1e-12);
}

int main(void)
{
    test_synthetic();
    shared = check_shared_dir();
    CHECK_INT_EQ(each_reference("movenet-lightning", check_movenet), 20);
    CHECK_INT_EQ(each_reference("movenet-thunder", check_movenet), 10);
    CHECK_INT_EQ(each_reference("movenet-multipose", check_multipose), 10);
    CHECK_INT_EQ(each_reference("blazepose-detector", check_detector), 10);
    CHECK_INT_EQ(each_reference("blazepose-full", check_landmarks), 6);
    CHECK_INT_EQ(each_reference("blazepose-lite", check_landmarks), 6);
    return check_report();
}
