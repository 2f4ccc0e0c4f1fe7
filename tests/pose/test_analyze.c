/*
 * test_analyze.c - the analyze pipeline end to end with the inference replaced by recorded outputs
 * (tests need no engine): the MoveNet input built from messi5 equals the reference input and its
 * reference output comes back as keypoints in JSONL/CSV; BlazePose's two stages run (detector ->
 * ROI -> landmarks with world); a synthetic video gives one JSONL line per frame with its time and
 * an overlay video with as many frames; a stop request ends cleanly with complete outputs.
 */
#include <jansson.h>
#include <libavutil/log.h>
#include <unistd.h>

#include "check.h"
#include "net.h"
#include "pose.h"
#include "video_gen.h"

static const char *shared;
static char dir[4096];
static int runs;

typedef struct fake_net {
    pose__net base;
    char name[64];
    int n, is_int;
    float out[2254 * 13];
    float ld[195], flag[1], world[117];
    size_t out_count;
    const char *ref_input; /* when set, the first run's input must equal this file */
    int first;
} fake_net;

static size_t slurp(const char *path, void *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

static int fake_run(pose__net *n, const void *input, pose_error *err)
{
    fake_net *f = (fake_net *)n;
    (void)err;
    runs++;
    if (f->ref_input && f->first) {
        static uint8_t want[256 * 256 * 3 * 4];
        size_t bytes = (size_t)f->n * (size_t)f->n * 3 * 4;
        CHECK_INT_EQ(slurp(f->ref_input, want, sizeof want), bytes);
        CHECK_MSG(memcmp(want, input, bytes) == 0, "%s: input differs from the reference", f->name);
    }
    f->first = 0;
    return 0;
}

static const float *fake_output(pose__net *n, size_t count)
{
    fake_net *f = (fake_net *)n;
    if (count == f->out_count) return f->out;
    if (strncmp(f->name, "blazepose-", 10) == 0 && strcmp(f->name, "blazepose-detector") != 0) {
        if (count == 195) return f->ld;
        if (count == 1) return f->flag;
        if (count == 117) return f->world;
    }
    return NULL;
}

static void fake_free(pose__net *n) { free(n); }

static const char *ref_image = "opencv_messi5";
static int check_input; /* the input is ref_image: the model input must equal the reference */

static pose__net *fake_loader(const char *models_dir, const char *name, int n, int is_int, int threads,
                              pose_error *err)
{
    (void)models_dir;
    (void)threads;
    (void)err;
    fake_net *f = calloc(1, sizeof *f);
    f->base.run = fake_run;
    f->base.output = fake_output;
    f->base.free = fake_free;
    snprintf(f->name, sizeof f->name, "%s", name);
    f->n = n;
    f->is_int = is_int;
    f->first = 1;
    char p[4400];
    if (strcmp(name, "blazepose-detector") == 0) {
        snprintf(p, sizeof p, "%s/reference/%s/%s.out0.bin", shared, name, ref_image);
        f->out_count = 2254 * 13;
        CHECK_INT_EQ(slurp(p, f->out, sizeof f->out), f->out_count * 4);
    } else if (strncmp(name, "blazepose-", 10) == 0) {
        snprintf(p, sizeof p, "%s/reference/%s/%s.out2.bin", shared, name, ref_image);
        CHECK_INT_EQ(slurp(p, f->ld, sizeof f->ld), sizeof f->ld);
        snprintf(p, sizeof p, "%s/reference/%s/%s.out3.bin", shared, name, ref_image);
        CHECK_INT_EQ(slurp(p, f->flag, sizeof f->flag), sizeof f->flag);
        snprintf(p, sizeof p, "%s/reference/%s/%s.out4.bin", shared, name, ref_image);
        CHECK_INT_EQ(slurp(p, f->world, sizeof f->world), sizeof f->world);
        f->out_count = 195;
        memcpy(f->out, f->ld, sizeof f->ld);
    } else {
        snprintf(p, sizeof p, "%s/reference/%s/%s.out0.bin", shared, name, ref_image);
        f->out_count = strcmp(name, "movenet-multipose") == 0 ? 6 * 56 : 51;
        CHECK_INT_EQ(slurp(p, f->out, sizeof f->out), f->out_count * 4);
        static char ref_in[4400];
        snprintf(ref_in, sizeof ref_in, "%s/reference/%s/%s.input.bin", shared, name, ref_image);
        f->ref_input = check_input ? ref_in : NULL;
    }
    return &f->base;
}

/* Reads a JSONL file: number of frame lines, and the parsed second line (first frame). */
static int read_jsonl(const char *path, json_t **first_frame, json_t **header)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    static char line[1 << 17];
    int n = 0;
    while (fgets(line, sizeof line, fp)) {
        json_t *j = json_loads(line, 0, NULL);
        CHECK_MSG(j != NULL, "%s: line %d is not JSON", path, n + 1);
        if (n == 0 && header) *header = j;
        else if (n == 1 && first_frame) *first_frame = j;
        else json_decref(j);
        n++;
    }
    fclose(fp);
    return n - 1;
}

static void test_movenet_image(void)
{
    pose_analyze_opts o;
    pose_analyze_defaults(&o);
    char in[4400], out[4400], csv[4400];
    snprintf(in, sizeof in, "%s/media/images/opencv_messi5.png", shared);
    snprintf(out, sizeof out, "%s/messi.jsonl", dir);
    snprintf(csv, sizeof csv, "%s/messi.csv", dir);
    o.input = in;
    o.out_jsonl = out;
    o.out_csv = csv;
    o.est.models_dir = "unused";
    pose_analyze_stats st;
    pose_error err = {0};
    int rc = pose_analyze_run(&o, &st, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    CHECK_INT_EQ(st.frames, 1);
    CHECK_INT_EQ(st.persons, 1);
    json_t *fr = NULL, *hdr = NULL;
    CHECK_INT_EQ(read_jsonl(out, &fr, &hdr), 1);
    if (!fr || !hdr) return;
    CHECK_STR_EQ(json_string_value(json_object_get(hdr, "model")), "movenet-lightning");
    CHECK_INT_EQ(json_integer_value(json_object_get(hdr, "width")), 548);
    json_t *p = json_array_get(json_object_get(fr, "persons"), 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(p, "id")), 1);
    json_t *kp0 = json_array_get(json_object_get(p, "keypoints"), 0);
    /* the reference's decoded nose: (249.343976, 119.545693); the first sample passes the filter */
    CHECK_NEAR(json_number_value(json_array_get(kp0, 0)), 249.34, 0.006);
    CHECK_NEAR(json_number_value(json_array_get(kp0, 1)), 119.55, 0.006);
    json_decref(fr);
    json_decref(hdr);
    FILE *fp = fopen(csv, "r");
    CHECK(fp != NULL);
    if (fp) {
        char line[8192];
        int rows = 0;
        while (fgets(line, sizeof line, fp)) rows++;
        fclose(fp);
        CHECK_INT_EQ(rows, 2);
    }
}

static void test_blazepose_image(void)
{
    pose_analyze_opts o;
    pose_analyze_defaults(&o);
    char in[4400], out[4400];
    snprintf(in, sizeof in, "%s/media/images/opencv_messi5.png", shared);
    snprintf(out, sizeof out, "%s/messi_bp.jsonl", dir);
    o.input = in;
    o.out_jsonl = out;
    o.est.models_dir = "unused";
    o.est.model = POSE_MODEL_BLAZEPOSE_FULL;
    pose_analyze_stats st;
    pose_error err = {0};
    runs = 0;
    int rc = pose_analyze_run(&o, &st, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    CHECK_INT_EQ(runs, 2); /* detector, then landmarks */
    CHECK_INT_EQ(st.persons, 1);
    json_t *fr = NULL, *hdr = NULL;
    CHECK_INT_EQ(read_jsonl(out, &fr, &hdr), 1);
    if (!fr || !hdr) return;
    CHECK_INT_EQ(json_array_size(json_object_get(hdr, "keypoint_names")), 33);
    json_t *p = json_array_get(json_object_get(fr, "persons"), 0);
    CHECK_INT_EQ(json_array_size(json_object_get(p, "keypoints")), 33);
    CHECK_INT_EQ(json_array_size(json_object_get(p, "world")), 33);
    json_decref(fr);
    json_decref(hdr);
}

static int stop_flag;
static void stop_after_5(void *user, const pose_analyze_stats *st)
{
    (void)user;
    if (st->frames == 5) stop_flag = 1;
}

static void test_video(void)
{
    char vid[4400], out[4400], ov[4400];
    snprintf(vid, sizeof vid, "%s/rect.avi", dir);
    snprintf(out, sizeof out, "%s/rect.jsonl", dir);
    snprintf(ov, sizeof ov, "%s/rect_overlay.mp4", dir);
    CHECK_INT_EQ(gen_video(vid, "mjpeg", 30, 96, 64, 25), 0);
    pose_analyze_opts o;
    pose_analyze_defaults(&o);
    o.input = vid;
    o.out_jsonl = out;
    o.overlay = ov;
    o.est.models_dir = "unused";
    pose_analyze_stats st;
    pose_error err = {0};
    int rc = pose_analyze_run(&o, &st, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    CHECK_INT_EQ(st.frames, 30);
    CHECK(st.encoder != NULL && strlen(st.encoder) > 0); /* still valid after the run */
    json_t *fr = NULL;
    CHECK_INT_EQ(read_jsonl(out, &fr, NULL), 30);
    json_decref(fr);
    /* the overlay reads back with as many frames, same size */
    pose_source_t *s = pose_source_open(ov, NULL, &err);
    CHECK_MSG(s != NULL, "overlay: %s", err.msg);
    if (s) {
        pose_frame *f;
        int n = 0;
        while (pose_source_read(s, &f, &err) > 0) {
            CHECK_INT_EQ(f->width, 96);
            if (n == 10) CHECK_NEAR(f->t, 0.4, 0.002);
            n++;
            pose_frame_unref(f);
        }
        CHECK_INT_EQ(n, 30);
        pose_source_free(s);
    }
    /* stop request after 5 frames: clean end, outputs complete */
    o.stop = &stop_flag;
    o.progress = stop_after_5;
    rc = pose_analyze_run(&o, &st, &err);
    CHECK_INT_EQ(rc, 0);
    CHECK_INT_EQ(st.frames, 5);
    CHECK_INT_EQ(read_jsonl(out, NULL, NULL), 5);
    char tmp[4500];
    snprintf(tmp, sizeof tmp, "%s.tmp", ov);
    CHECK(access(tmp, F_OK) != 0);
    CHECK(access(ov, F_OK) == 0);

    /* errors: missing input; unknown model folder is the loader's business */
    o.input = "/nonexistent.mp4";
    o.stop = NULL;
    rc = pose_analyze_run(&o, &st, &err);
    CHECK(rc < 0 && strstr(err.msg, "/nonexistent.mp4"));
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    snprintf(dir, sizeof dir, "%s", check_tmp_dir());
    shared = check_shared_dir();
    pose__net_set_loader(fake_loader);
    check_input = 1;
    test_movenet_image();
    check_input = 0;
    test_blazepose_image();
    test_video();
    return check_report();
}
