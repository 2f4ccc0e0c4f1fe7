/*
 * test_export.c - JSONL and CSV writers: the exact header and frame layout (read back with
 * jansson), null for non-finite numbers, world landmarks only when present, every line whole but a
 * cut last one when the writing process is killed mid-stream (and the reader skipping that one),
 * CSV columns and its temp + rename, bad paths.
 */
#include <jansson.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "pose.h"

static char dir[4096];

static void fill(pose_result *r, int64_t index, int n_persons, int nk, int world)
{
    memset(r, 0, sizeof *r);
    r->index = index;
    r->t = (double)index / 30.0;
    r->n_persons = n_persons;
    for (int i = 0; i < n_persons; i++) {
        pose_person *p = &r->persons[i];
        p->id = i + 1;
        p->score = 0.5f + 0.1f * (float)i;
        p->bbox[0] = 10;
        p->bbox[1] = 20;
        p->bbox[2] = 110.5f;
        p->bbox[3] = 220.25f;
        p->n_keypoints = nk;
        p->has_world = world;
        for (int k = 0; k < nk; k++) {
            p->kp[k].x = (float)(k * 10 + i);
            p->kp[k].y = (float)(k * 5) + 0.25f;
            p->kp[k].score = 0.75f;
            p->world[k][0] = 0.01f * (float)k;
            p->world[k][1] = -0.5f;
            p->world[k][2] = 0.25f;
        }
    }
}

static void test_jsonl_layout(void)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/out.jsonl", dir);
    pose_stream_desc d = {.model = "blazepose-full", .keypoint_names = pose_blazepose33_names,
                          .n_keypoints = 33, .has_world = 1, .width = 1280, .height = 720,
                          .fps = 29.97, .source = "dir/with \"quotes\".mp4"};
    pose_error err = {0};
    pose_jsonl_t *w = pose_jsonl_open(path, &d, &err);
    CHECK_MSG(w != NULL, "%s", err.msg);
    if (!w) return;
    pose_result r;
    fill(&r, 0, 2, 33, 1);
    r.persons[1].kp[3].x = NAN;
    CHECK_INT_EQ(pose_jsonl_write(w, &r, &err), 0);
    fill(&r, 1, 0, 33, 1);
    CHECK_INT_EQ(pose_jsonl_write(w, &r, &err), 0);
    fill(&r, 2, POSE_MAX_PERSONS, 33, 1);
    CHECK_INT_EQ(pose_jsonl_write(w, &r, &err), 0);
    CHECK_INT_EQ(pose_jsonl_close(w, &err), 0);

    FILE *fp = fopen(path, "r");
    char line[1 << 17];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        CHECK_MSG(j != NULL, "line %d: %s", n + 1, je.text);
        if (!j) break;
        if (n == 0) {
            CHECK_STR_EQ(json_string_value(json_object_get(j, "type")), "header");
            CHECK_STR_EQ(json_string_value(json_object_get(j, "model")), "blazepose-full");
            CHECK_STR_EQ(json_string_value(json_object_get(j, "source")), "dir/with \"quotes\".mp4");
            CHECK_INT_EQ(json_array_size(json_object_get(j, "keypoint_names")), 33);
            CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(j, "keypoint_names"), 32)),
                         "right_foot_index");
            CHECK_INT_EQ(json_integer_value(json_object_get(j, "width")), 1280);
            CHECK_INT_EQ(json_integer_value(json_object_get(j, "height")), 720);
            CHECK_NEAR(json_number_value(json_object_get(j, "fps")), 29.97, 1e-9);
        } else {
            CHECK_STR_EQ(json_string_value(json_object_get(j, "type")), "frame");
            CHECK_INT_EQ(json_integer_value(json_object_get(j, "index")), n - 1);
            CHECK_NEAR(json_number_value(json_object_get(j, "t")), (n - 1) / 30.0, 1e-6);
            json_t *ps = json_object_get(j, "persons");
            CHECK_INT_EQ(json_array_size(ps), n == 1 ? 2 : n == 2 ? 0 : POSE_MAX_PERSONS);
            if (n == 1) {
                json_t *p1 = json_array_get(ps, 1);
                CHECK_INT_EQ(json_integer_value(json_object_get(p1, "id")), 2);
                CHECK_NEAR(json_number_value(json_object_get(p1, "score")), 0.6, 1e-4);
                CHECK_NEAR(json_number_value(json_array_get(json_object_get(p1, "bbox"), 3)), 220.25, 1e-9);
                json_t *kps = json_object_get(p1, "keypoints");
                CHECK_INT_EQ(json_array_size(kps), 33);
                CHECK(json_is_null(json_array_get(json_array_get(kps, 3), 0)));
                CHECK_NEAR(json_number_value(json_array_get(json_array_get(kps, 4), 0)), 41, 1e-9);
                CHECK_NEAR(json_number_value(json_array_get(json_array_get(kps, 4), 1)), 20.25, 1e-9);
                CHECK_NEAR(json_number_value(json_array_get(json_array_get(kps, 4), 2)), 0.75, 1e-9);
                json_t *wl = json_object_get(p1, "world");
                CHECK_INT_EQ(json_array_size(wl), 33);
                CHECK_NEAR(json_number_value(json_array_get(json_array_get(wl, 10), 0)), 0.1, 1e-4);
                CHECK_NEAR(json_number_value(json_array_get(json_array_get(wl, 10), 2)), 0.25, 1e-9);
            }
        }
        json_decref(j);
        n++;
    }
    fclose(fp);
    CHECK_INT_EQ(n, 4);

    /* MoveNet: no "world" key */
    pose_stream_desc m = {.model = "movenet-lightning", .keypoint_names = pose_coco17_names,
                          .n_keypoints = 17, .width = 64, .height = 48, .fps = 25, .source = "x"};
    w = pose_jsonl_open(path, &m, &err);
    fill(&r, 7, 1, 17, 0);
    pose_jsonl_write(w, &r, &err);
    pose_jsonl_close(w, &err);
    fp = fopen(path, "r");
    CHECK(fgets(line, sizeof line, fp) != NULL);
    CHECK(fgets(line, sizeof line, fp) != NULL);
    fclose(fp);
    CHECK(strstr(line, "\"world\"") == NULL);
    CHECK(strncmp(line, "{\"type\":\"frame\",\"index\":7,\"t\":0.233333,\"persons\":[{\"id\":1,\"score\":0.5000,"
                        "\"bbox\":[10.00,20.00,110.50,220.25],\"keypoints\":[[0.00,0.25,0.7500],", 130) == 0);
}

/* A child writes frames as fast as it can and is SIGKILLed: every line must be complete JSON but
 * the last, which may be cut short (unterminated) when the kill lands inside the write() of a line
 * longer than a page; the reader skips it and returns every whole frame. */
static void test_jsonl_kill(void)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/killed.jsonl", dir);
    pid_t pid = fork();
    if (pid == 0) {
        pose_stream_desc d = {.model = "blazepose-full", .keypoint_names = pose_blazepose33_names,
                              .n_keypoints = 33, .has_world = 1, .width = 10, .height = 10,
                              .fps = 30, .source = "s"};
        pose_jsonl_t *w = pose_jsonl_open(path, &d, NULL);
        static pose_result r;
        for (int64_t i = 0;; i++) {
            fill(&r, i, 1 + (int)(i % POSE_MAX_PERSONS), 33, 1);
            pose_jsonl_write(w, &r, NULL);
        }
    }
    usleep(150000);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL);
    if (!fp) return;
    static char line[1 << 17];
    int n = 0, bad = 0, cut = 0;
    while (fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);
        json_t *j = json_loads(line, 0, NULL);
        if (line[len - 1] != '\n') cut = !j; /* only the last line can lack its newline */
        else if (!j) bad++;
        json_decref(j);
        n++;
    }
    fclose(fp);
    CHECK_MSG(n > 10, "only %d lines written in 150 ms", n);
    CHECK_MSG(bad == 0, "%d of %d newline-terminated lines incomplete after SIGKILL", bad, n);
    pose_error err = {0};
    pose_frames_t *f = pose_frames_read(path, &err);
    CHECK_MSG(f != NULL, "the killed writer's file does not read back: %s", err.msg);
    if (f) {
        pose_frames_info info;
        pose_frames_get_info(f, &info);
        CHECK_MSG((int)info.frames == n - 1 - cut, "%zu frames read, %d whole frame lines", info.frames,
                  n - 1 - cut);
        pose_frames_free(f);
    }
}

/* A file whose last line was cut short reads as the frames before it; a cut line elsewhere, or a
 * terminated bad last line, is still an error naming the line. */
static void test_jsonl_cut(void)
{
    static const char head[] = "{\"type\":\"header\",\"keypoint_names\":[\"a\"]}\n"
                               "{\"type\":\"frame\",\"index\":0,\"t\":0,\"persons\":[]}\n";
    char buf[512];
    pose_error err = {0};
    snprintf(buf, sizeof buf, "%s{\"type\":\"frame\",\"index\":1,\"t\":0.0", head);
    pose_frames_t *f = pose_frames_parse(buf, strlen(buf), "cut.jsonl", &err);
    CHECK_MSG(f != NULL, "%s", err.msg);
    if (f) {
        pose_frames_info info;
        pose_frames_get_info(f, &info);
        CHECK(info.frames == 1);
        pose_frames_free(f);
    }
    snprintf(buf, sizeof buf, "%s{\"type\":\"frame\",\"index\":1,\"t\":0.0\n", head);
    CHECK(pose_frames_parse(buf, strlen(buf), "bad.jsonl", &err) == NULL);
    CHECK(strstr(err.msg, "bad.jsonl:3:") != NULL);
    snprintf(buf, sizeof buf, "{\"type\":\"header\",\"keypoint_na");
    CHECK(pose_frames_parse(buf, strlen(buf), "head.jsonl", &err) == NULL); /* no header: an error */
}

static void test_csv(void)
{
    char path[4400], tmp[4500];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    remove(path);
    pose_stream_desc d = {.model = "movenet-lightning", .keypoint_names = pose_coco17_names,
                          .n_keypoints = 17, .width = 64, .height = 48, .fps = 25, .source = "x"};
    pose_error err = {0};
    pose_csv_t *w = pose_csv_open(path, &d, &err);
    CHECK(w != NULL);
    pose_result r;
    fill(&r, 0, 2, 17, 0);
    CHECK_INT_EQ(pose_csv_write(w, &r, &err), 0);
    fill(&r, 1, 1, 17, 0);
    CHECK_INT_EQ(pose_csv_write(w, &r, &err), 0);
    CHECK(access(path, F_OK) != 0); /* not there until closed */
    CHECK_INT_EQ(pose_csv_close(w, &err), 0);
    CHECK(access(tmp, F_OK) != 0);
    FILE *fp = fopen(path, "r");
    char line[8192];
    int rows = 0;
    while (fgets(line, sizeof line, fp)) {
        int commas = 0;
        for (char *c = line; *c; c++) commas += *c == ',';
        CHECK_INT_EQ(commas, 8 + 17 * 3 - 1);
        if (rows == 0) CHECK(strncmp(line, "frame,t,id,score,x0,y0,x1,y1,nose_x,nose_y,nose_score,left_eye_x", 64) == 0);
        if (rows == 2) CHECK(strncmp(line, "0,0.000000,2,0.6000,10.00,20.00,110.50,220.25,1.00,0.25,0.7500", 62) == 0);
        rows++;
    }
    fclose(fp);
    CHECK_INT_EQ(rows, 4);
}

static void test_bad_paths(void)
{
    pose_stream_desc d = {.model = "m", .keypoint_names = pose_coco17_names, .n_keypoints = 17};
    pose_error err = {0};
    CHECK(pose_jsonl_open("/nonexistent-dir/x.jsonl", &d, &err) == NULL);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.jsonl") != NULL);
    CHECK(pose_csv_open("/nonexistent-dir/x.csv", &d, &err) == NULL);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.csv") != NULL);
    d.n_keypoints = 0;
    CHECK(pose_jsonl_open("/tmp/x.jsonl", &d, &err) == NULL && err.code == POSE_EINVAL);
    CHECK_INT_EQ(pose_jsonl_close(NULL, &err), 0);
    CHECK_INT_EQ(pose_csv_close(NULL, &err), 0);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", check_tmp_dir());
    test_jsonl_layout();
    test_jsonl_kill();
    test_jsonl_cut();
    test_csv();
    test_bad_paths();
    return check_report();
}
