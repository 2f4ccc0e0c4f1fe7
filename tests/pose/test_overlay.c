/*
 * test_overlay.c - drawing on YUV420P (skeleton lines land on the right pixels in Y, U and V;
 * pixels away from the person are untouched; absurd coordinates are clipped without a crash) and
 * the H.264 (or MPEG-4 fallback) MP4 writer: frames read back with their count, size, timing and
 * the drawn colour; bad paths fail with the path in the message.
 */
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <unistd.h>

#include "check.h"
#include "pose.h"

enum { W = 160, H = 120 };

static uint8_t ybuf[W * H], ubuf[W * H / 4], vbuf[W * H / 4];

static void blank(pose_frame *f)
{
    memset(f, 0, sizeof *f);
    memset(ybuf, 16, sizeof ybuf);
    memset(ubuf, 128, sizeof ubuf);
    memset(vbuf, 128, sizeof vbuf);
    f->width = W;
    f->height = H;
    f->yuv[0] = ybuf;
    f->yuv[1] = ubuf;
    f->yuv[2] = vbuf;
    f->yuv_stride[0] = W;
    f->yuv_stride[1] = f->yuv_stride[2] = W / 2;
}

static void person(pose_result *r)
{
    memset(r, 0, sizeof *r);
    r->n_persons = 1;
    pose_person *p = &r->persons[0];
    p->id = 1;
    p->score = 0.87f;
    p->n_keypoints = 17;
    for (int k = 0; k < 17; k++) {
        p->kp[k].x = 80;
        p->kp[k].y = (float)(20 + 5 * k);
        p->kp[k].score = 0.9f;
    }
    /* left shoulder (5) -> left elbow (7): a horizontal edge from x 40 to 100 at y 60 */
    p->kp[5].x = 40;
    p->kp[5].y = 60;
    p->kp[7].x = 100;
    p->kp[7].y = 60;
    p->kp[9].score = 0.1f; /* wrist below threshold: edge 7-9 not drawn */
    p->kp[9].x = 140;
    p->kp[9].y = 110;
    p->bbox[0] = 30;
    p->bbox[1] = 40;
    p->bbox[2] = 110;
    p->bbox[3] = 110;
}

static void test_draw(void)
{
    pose_frame f;
    blank(&f);
    pose_result r;
    person(&r);
    pose_overlay_draw(&f, &r);
    /* track 1 is red: Y ~ 82+, V well above 128 */
    int y70 = ybuf[60 * W + 70];
    CHECK_MSG(y70 > 40 && y70 != 16, "Y on the shoulder-elbow edge: %d", y70);
    CHECK(vbuf[30 * (W / 2) + 35] > 180);
    CHECK(ubuf[30 * (W / 2) + 35] < 128);
    /* untouched away from the person and along the low-score edge */
    CHECK_INT_EQ(ybuf[5 * W + 5], 16);
    CHECK_INT_EQ(ybuf[100 * W + 130], 16);
    CHECK_INT_EQ(ubuf[55 * (W / 2) + 70], 128);
    /* keypoints are white dots */
    CHECK(ybuf[60 * W + 40] > 200);
    /* the label "#1 .87" above the box changes some pixels in rows 40 - 7*scale .. 40 */
    int label = 0;
    for (int y = 40 - 14; y < 40; y++)
        for (int x = 30; x < 80; x++) label += ybuf[y * W + x] != 16;
    CHECK_MSG(label > 10, "label pixels: %d", label);

    /* absurd coordinates: clipped, no crash, nothing written out of bounds (ASan would tell) */
    r.persons[0].kp[5].x = -1e9f;
    r.persons[0].kp[7].y = 1e9f;
    r.persons[0].kp[6].x = NAN;
    r.persons[0].bbox[0] = -INFINITY;
    r.persons[0].bbox[2] = 1e30f;
    pose_overlay_draw(&f, &r);
    r.persons[0].n_keypoints = 33;
    r.persons[0].id = 12345;
    pose_overlay_draw(&f, &r);
    CHECK(1);
}

static void test_encode(const char *dir)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/ov.mp4", dir);
    pose_stream_desc d = {.model = "movenet-lightning", .keypoint_names = pose_coco17_names, .n_keypoints = 17};
    pose_error err = {0};
    pose_overlay_t *o = pose_overlay_open(path, W, H, 10, &d, &err);
    CHECK_MSG(o != NULL, "%s", err.msg);
    if (!o) return;
    const char *enc = pose_overlay_encoder(o);
    printf("overlay encoder: %s (libx264 %s)\n", enc, avcodec_find_encoder_by_name("libx264") ? "present" : "absent");
    if (avcodec_find_encoder_by_name("libx264")) CHECK_STR_EQ(enc, "libx264");
    pose_result r;
    person(&r);
    for (int i = 0; i < 12; i++) {
        pose_frame f;
        blank(&f);
        f.t = i * 0.1;
        f.index = i;
        CHECK_INT_EQ(pose_overlay_write(o, &f, &r, &err), 0);
    }
    CHECK_INT_EQ(pose_overlay_close(o, &err), 0);
    pose_source_opts so;
    pose_source_defaults(&so);
    so.want_yuv = 1;
    pose_source_t *s = pose_source_open(path, &so, &err);
    CHECK_MSG(s != NULL, "%s", err.msg);
    if (!s) return;
    pose_frame *f;
    int n = 0;
    while (pose_source_read(s, &f, &err) > 0) {
        CHECK_INT_EQ(f->width, W);
        CHECK_INT_EQ(f->height, H);
        CHECK_NEAR(f->t, n * 0.1, 0.002);
        /* the red edge survives compression: V high on it, neutral far away */
        CHECK(f->yuv[2][30 * f->yuv_stride[2] + 35] > 170);
        CHECK(abs(f->yuv[2][5 * f->yuv_stride[2] + 5] - 128) < 10);
        n++;
        pose_frame_unref(f);
    }
    CHECK_INT_EQ(n, 12);
    pose_source_free(s);

    CHECK(pose_overlay_open("/nonexistent-dir/o.mp4", W, H, 10, &d, &err) == NULL);
    CHECK(strstr(err.msg, "/nonexistent-dir/o.mp4") != NULL);
    CHECK(pose_overlay_open(path, 1, 1, 10, &d, &err) == NULL);
    CHECK_INT_EQ(pose_overlay_close(NULL, &err), 0);
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    test_draw();
    test_encode(check_tmp_dir());
    return check_report();
}
