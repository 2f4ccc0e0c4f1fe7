/*
 * test_frames.c - the JSONL frames reader: a good file (persons coming and going, null numbers,
 * world landmarks), person selection, and bad lines whose messages name file:line and the reason.
 */
#include "check.h"
#include "kin_synth.h"
#include "pose.h"

static const char *HDR17 =
    "{\"type\":\"header\",\"model\":\"movenet-lightning\",\"keypoint_names\":[\"nose\",\"left_eye\","
    "\"right_eye\",\"left_ear\",\"right_ear\",\"left_shoulder\",\"right_shoulder\",\"left_elbow\","
    "\"right_elbow\",\"left_wrist\",\"right_wrist\",\"left_hip\",\"right_hip\",\"left_knee\","
    "\"right_knee\",\"left_ankle\",\"right_ankle\"],\"width\":640,\"height\":480,\"fps\":25,"
    "\"source\":\"a.mp4\"}\n";

static char *kps(int n, double x)
{
    static char buf[8192];
    size_t o = 0;
    o += (size_t)snprintf(buf + o, sizeof buf - o, "[");
    for (int k = 0; k < n; k++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s[%g,%d,0.8]", k ? "," : "", x + k, k);
    snprintf(buf + o, sizeof buf - o, "]");
    return buf;
}

static void test_good(void)
{
    char doc[65536];
    size_t o = (size_t)snprintf(doc, sizeof doc, "%s\n", HDR17);
    o += (size_t)snprintf(doc + o, sizeof doc - o,
                          "{\"type\":\"frame\",\"index\":0,\"t\":0,\"persons\":[{\"id\":2,\"score\":0.9,"
                          "\"bbox\":[0,0,1,1],\"keypoints\":%s}]}\n", kps(17, 10));
    o += (size_t)snprintf(doc + o, sizeof doc - o,
                          "{\"type\":\"frame\",\"index\":1,\"t\":0.04,\"persons\":[{\"id\":2,\"keypoints\":%s},",
                          kps(17, 20));
    o += (size_t)snprintf(doc + o, sizeof doc - o, "{\"id\":5,\"keypoints\":%s}]}\r\n", kps(17, 30));
    o += (size_t)snprintf(doc + o, sizeof doc - o, "{\"type\":\"frame\",\"index\":2,\"t\":0.08,\"persons\":[]}\n");
    o += (size_t)snprintf(doc + o, sizeof doc - o, "{\"type\":\"event\",\"what\":\"ignored\"}\n");
    char k3[8192];
    snprintf(k3, sizeof k3, "%s", kps(17, 40));
    char *p = strstr(k3, "[40,0,0.8]");
    memmove(p + 16, p + 10, strlen(p + 10) + 1);
    memcpy(p, "[null,null,null]", 16); /* writer's non-finite values */
    o += (size_t)snprintf(doc + o, sizeof doc - o,
                          "{\"type\":\"frame\",\"index\":3,\"t\":0.12,\"persons\":[{\"id\":2,\"keypoints\":%s}]}", k3);
    pose_error err = {0};
    pose_frames_t *f = pose_frames_parse(doc, o, "good.jsonl", &err);
    CHECK_MSG(f != NULL, "parse: %s", err.msg);
    if (!f) return;
    pose_frames_info info;
    pose_frames_get_info(f, &info);
    CHECK_INT_EQ(info.frames, 4);
    CHECK_INT_EQ(info.persons, 2);
    CHECK_INT_EQ(info.nkp, 17);
    CHECK_INT_EQ(info.skeleton, POSE_SKELETON_COCO17);
    CHECK_INT_EQ(info.width, 640);
    CHECK_NEAR(info.fps, 25, 0);
    CHECK_STR_EQ(info.model, "movenet-lightning");
    CHECK_STR_EQ(info.keypoint_names[16], "right_ankle");
    int64_t ids[4];
    CHECK_INT_EQ(pose_frames_person_ids(f, ids, 4), 2);
    CHECK_INT_EQ(ids[0], 2);
    CHECK_INT_EQ(ids[1], 5);
    pose_kp_series s;
    CHECK_INT_EQ(pose_frames_series(f, -1, &s, &err), POSE_OK); /* id 2: in 3 frames */
    CHECK_INT_EQ(s.person_id, 2);
    CHECK_INT_EQ(s.n, 4);
    CHECK(s.world == NULL);
    CHECK_NEAR(s.kp[(1 * 17 + 3) * 3], 23, 0);
    CHECK_NEAR(s.t[3], 0.12, 1e-12);
    CHECK(isnan(s.kp[(2 * 17 + 0) * 3]));  /* absent in frame 2 */
    CHECK_NEAR(s.kp[(2 * 17 + 0) * 3 + 2], 0, 0);
    CHECK(isnan(s.kp[(3 * 17 + 0) * 3]));  /* null coordinates */
    CHECK_NEAR(s.kp[(3 * 17 + 0) * 3 + 2], 0, 0);
    CHECK_NEAR(s.kp[(3 * 17 + 1) * 3], 41, 0);
    pose_kp_series_free(&s);
    CHECK_INT_EQ(pose_frames_series(f, 5, &s, &err), POSE_OK);
    CHECK(isnan(s.kp[0]));
    CHECK_NEAR(s.kp[(1 * 17) * 3], 30, 0);
    pose_kp_series_free(&s);
    CHECK_INT_EQ(pose_frames_series(f, 7, &s, &err), POSE_ENOTFOUND);
    CHECK(strstr(err.msg, "7") != NULL);
    pose_frames_free(f);
    pose_frames_free(NULL);
}

static void test_world_file(void)
{
    const char *dir = check_tmp_dir();
    char path[4200];
    snprintf(path, sizeof path, "%s/frames_world.jsonl", dir);
    FILE *fp = fopen(path, "w");
    CHECK(fp != NULL);
    if (!fp) return;
    synth_write_header(fp, POSE_SKELETON_BLAZEPOSE33);
    synth_pose p = {0, {30, 0}, {45, 0}, {0, 0}, {0, 0}, {0, 0}};
    double pts[33][3], kp[99], w[99];
    synth_points(&p, 0, pts);
    synth_kp(pts, POSE_SKELETON_BLAZEPOSE33, 0.9, kp);
    synth_world(pts, w);
    synth_write_frame(fp, 0, 0.0, 1, kp, 33, w);
    synth_write_frame(fp, 1, 0.033, 1, kp, 33, NULL);
    fclose(fp);
    pose_error err = {0};
    pose_frames_t *f = pose_frames_read(path, &err);
    CHECK_MSG(f != NULL, "%s", err.msg);
    if (!f) return;
    pose_kp_series s;
    CHECK_INT_EQ(pose_frames_series(f, -1, &s, &err), POSE_OK);
    CHECK_INT_EQ(s.skeleton, POSE_SKELETON_BLAZEPOSE33);
    CHECK(s.world != NULL);
    if (s.world) {
        CHECK_NEAR(s.world[26 * 3 + 1], w[26 * 3 + 1], 1e-6);
        CHECK(isnan(s.world[99 + 5]));
    }
    pose_kp_series_free(&s);
    pose_frames_free(f);
    snprintf(path, sizeof path, "%s/does_not_exist.jsonl", dir);
    CHECK(pose_frames_read(path, &err) == NULL);
    CHECK_INT_EQ(err.code, POSE_EIO);
    CHECK(strstr(err.msg, "does_not_exist.jsonl") != NULL);
}

/* Bad input: NULL result and a message containing want (e.g. "bad.jsonl:3:"). */
static void bad(const char *doc, const char *want, const char *want2)
{
    pose_error err = {0};
    pose_frames_t *f = pose_frames_parse(doc, strlen(doc), "bad.jsonl", &err);
    CHECK_MSG(f == NULL, "accepted: %.80s", doc + (strlen(doc) > 600 ? 600 : 0));
    pose_frames_free(f);
    CHECK_MSG(strstr(err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
    if (want2) CHECK_MSG(strstr(err.msg, want2) != NULL, "message '%s' lacks '%s'", err.msg, want2);
    CHECK_INT_EQ(err.code, POSE_EINVAL);
}

static void test_bad(void)
{
    char doc[65536];
    bad("", "no header", NULL);
    bad("\n\n  \n", "no header", NULL);
    bad("{\"type\":\"frame\",\"t\":0,\"persons\":[]}\n", "bad.jsonl:1:", "before the header");
    snprintf(doc, sizeof doc, "%s{\"type\":\"frame\",\"t\":0,\"persons\":[]\n", HDR17);
    bad(doc, "bad.jsonl:2:", "bad JSON");
    snprintf(doc, sizeof doc, "%s\n{\"type\":\"frame\",\"persons\":[]}\n", HDR17);
    bad(doc, "bad.jsonl:3:", "\"t\"");
    snprintf(doc, sizeof doc, "%s{\"type\":\"frame\",\"t\":0}\n", HDR17);
    bad(doc, "bad.jsonl:2:", "persons");
    snprintf(doc, sizeof doc, "%s{\"type\":\"frame\",\"t\":0,\"persons\":[{\"keypoints\":%s}]}\n", HDR17, kps(17, 0));
    bad(doc, "bad.jsonl:2:", "id");
    snprintf(doc, sizeof doc, "%s{\"type\":\"frame\",\"t\":0,\"persons\":[{\"id\":1,\"keypoints\":%s}]}\n", HDR17, kps(16, 0));
    bad(doc, "bad.jsonl:2:", "16 points, the header names 17");
    snprintf(doc, sizeof doc, "%s{\"type\":\"frame\",\"t\":0,\"persons\":[{\"id\":1,\"keypoints\":%s,\"world\":%s}]}\n",
             HDR17, kps(17, 0), "[[1,2]]");
    bad(doc, "bad.jsonl:2:", "world");
    snprintf(doc, sizeof doc, "%s{\"type\":\"frame\",\"t\":0,\"persons\":[{\"id\":1,\"keypoints\":%s}]}\n", HDR17, kps(17, 0));
    char *q = strstr(doc, "[3,3,0.8]");
    memcpy(q, "[3,\"x\",1]", 9);
    bad(doc, "bad.jsonl:2:", "keypoints[3][1]");
    snprintf(doc, sizeof doc, "%s{\"type\":\"frame\",\"t\":1,\"persons\":[]}\n{\"type\":\"frame\",\"t\":0.5,\"persons\":[]}\n", HDR17);
    bad(doc, "bad.jsonl:3:", "back in time");
    snprintf(doc, sizeof doc, "%s%s", HDR17, HDR17);
    bad(doc, "bad.jsonl:2:", "second header");
    bad("{\"type\":\"header\",\"keypoint_names\":[]}\n", "bad.jsonl:1:", "keypoint_names");
    bad("{\"type\":\"header\",\"keypoint_names\":[1,2]}\n", "bad.jsonl:1:", "keypoint_names[0]");
    bad("[1,2,3]\n", "bad.jsonl:1:", "type");
    snprintf(doc, sizeof doc, "%s{\"type\":\"frame\",\"t\":0,\"persons\":[{\"id\":1,\"keypoints\":%s},{\"id\":1,\"keypoints\":%s}]}\n",
             HDR17, kps(17, 0), kps(17, 0));
    bad(doc, "bad.jsonl:2:", "twice");
    /* an unknown keypoint set parses (angles refuse it later) */
    pose_error err = {0};
    const char *odd = "{\"type\":\"header\",\"keypoint_names\":[\"a\",\"b\"]}\n"
                      "{\"type\":\"frame\",\"t\":0,\"persons\":[{\"id\":1,\"keypoints\":[[1,2,3],[4,5,6]]}]}\n";
    pose_frames_t *f = pose_frames_parse(odd, strlen(odd), "odd", &err);
    CHECK(f != NULL);
    if (f) {
        pose_frames_info info;
        pose_frames_get_info(f, &info);
        CHECK_INT_EQ(info.skeleton, POSE_SKELETON_UNKNOWN);
        pose_kp_series s;
        CHECK_INT_EQ(pose_frames_series(f, -1, &s, &err), POSE_OK);
        pose_angles a;
        CHECK_INT_EQ(pose_angles_compute(&s, NULL, &a, &err), POSE_EINVAL);
        pose_kp_series_free(&s);
        pose_frames_free(f);
    }
    /* header only: valid, no person */
    f = pose_frames_parse(HDR17, strlen(HDR17), "h", &err);
    CHECK(f != NULL);
    if (f) {
        pose_kp_series s;
        CHECK_INT_EQ(pose_frames_series(f, -1, &s, &err), POSE_ENOTFOUND);
        pose_frames_free(f);
    }
}

int main(void)
{
    test_good();
    test_world_file();
    test_bad();
    return check_report();
}
