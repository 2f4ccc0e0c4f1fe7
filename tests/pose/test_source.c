/*
 * test_source.c - FFmpeg sources on synthetic videos made here: frame count, timestamps, sizes and
 * pixels; --fps/--start/--duration; the live drop-oldest policy; frames recycled from the pool; bad
 * input (missing, not a video, truncated, zero frames) gives a clear error or a clean end.
 */
#include <libavutil/log.h>
#include <pthread.h>
#include <unistd.h>

#include "check.h"
#include "pose.h"
#include "video_gen.h"

static char dir[4096];

static int read_all(const char *path, const pose_source_opts *o, double *ts, int cap, int *status,
                    pose_error *err)
{
    pose_source_t *s = pose_source_open(path, o, err);
    if (!s) return -1;
    pose_frame *f;
    int n = 0, rc;
    while ((rc = pose_source_read(s, &f, err)) > 0) {
        if (n < cap) ts[n] = f->t;
        n++;
        pose_frame_unref(f);
    }
    *status = rc;
    pose_source_free(s);
    return n;
}

static void test_basic(const char *path)
{
    pose_error err = {0};
    pose_source_opts o;
    pose_source_defaults(&o);
    o.want_yuv = 1;
    pose_source_t *s = pose_source_open(path, &o, &err);
    CHECK_MSG(s != NULL, "%s", err.msg);
    if (!s) return;
    pose_source_info info;
    pose_source_get_info(s, &info);
    CHECK_INT_EQ(info.width, 64);
    CHECK_INT_EQ(info.height, 48);
    CHECK_MSG(fabs(info.fps - 25) < 1e-6, "%s: fps %f", path, info.fps);
    CHECK_INT_EQ(info.live, 0);
    pose_frame *f, *seen[64] = {0};
    int n = 0, distinct = 0;
    while (pose_source_read(s, &f, &err) > 0) {
        CHECK_MSG(fabs(f->t - n / 25.0) < 1e-6, "%s: frame %d at t %f", path, n, f->t);
        CHECK_INT_EQ(f->index, n);
        CHECK_INT_EQ(f->width, 64);
        CHECK_INT_EQ(f->height, 48);
        /* the rectangle's left edge moves 2 px per frame: check inside and outside it */
        int x = 4 + (2 * n) % 40 + 8, y = 12 + 8;
        CHECK_MSG(f->rgb[y * f->rgb_stride + x * 3 + 1] > 180, "frame %d inside rect: %d", n,
                  f->rgb[y * f->rgb_stride + x * 3 + 1]);
        CHECK_MSG(f->yuv[0][y * f->yuv_stride[0] + x] > 180, "frame %d Y inside rect", n);
        CHECK(f->rgb[2 * f->rgb_stride + 1] < 60);
        int known = 0;
        for (int i = 0; i < distinct; i++) known |= seen[i] == f;
        if (!known && distinct < 64) seen[distinct++] = f;
        n++;
        pose_frame_unref(f);
    }
    CHECK_MSG(n == 50, "%s: %d frames", path, n);
    /* frames come back to the pool: queue (4) + in flight + spares, never one per frame */
    CHECK_MSG(distinct <= 11, "%d distinct frame buffers for 50 frames", distinct);
    pose_source_free(s);
}

static void test_sampling(const char *path)
{
    pose_error err = {0};
    pose_source_opts o;
    double ts[64];
    int st;
    pose_source_defaults(&o);
    o.fps = 5;
    CHECK_INT_EQ(read_all(path, &o, ts, 64, &st, &err), 10);
    CHECK_NEAR(ts[1], 0.2, 1e-6);
    CHECK_NEAR(ts[9], 1.8, 1e-6);
    pose_source_defaults(&o);
    o.start = 1.0;
    int n = read_all(path, &o, ts, 64, &st, &err);
    CHECK_INT_EQ(n, 25);
    CHECK_NEAR(ts[0], 1.0, 1e-6);
    if (n != 25) for (int i = 0; i < n && i < 64; i++) fprintf(stderr, "t[%d] = %f\n", i, ts[i]);
    /* after a seek, indices still count from the stream start */
    pose_source_t *s = pose_source_open(path, &o, &err);
    pose_frame *f = NULL;
    CHECK(s && pose_source_read(s, &f, &err) == 1);
    if (f) CHECK_INT_EQ(f->index, 25);
    pose_frame_unref(f);
    pose_source_free(s);
    o.duration = 0.4;
    CHECK_INT_EQ(read_all(path, &o, ts, 64, &st, &err), 10);
    CHECK_NEAR(ts[9], 1.36, 1e-6);
    CHECK_INT_EQ(st, 0);
}

static void test_live_drops_oldest(const char *path)
{
    pose_error err = {0};
    pose_source_opts o;
    pose_source_defaults(&o);
    o.live = 1;
    o.queue_size = 2;
    pose_source_t *s = pose_source_open(path, &o, &err);
    CHECK(s != NULL);
    if (!s) return;
    usleep(300000); /* a slow consumer: the decoder runs ahead and must drop */
    pose_frame *f;
    int n = 0;
    int64_t last = -1;
    while (pose_source_read(s, &f, &err) > 0) {
        CHECK(f->index > last);
        last = f->index;
        n++;
        pose_frame_unref(f);
    }
    CHECK_MSG(n < 50, "live source delivered %d of 50 frames to a slow consumer", n);
    CHECK_INT_EQ(last, 49); /* the newest frame is never the one dropped */
    CHECK_INT_EQ(pose_source_dropped(s) + n, 50);
    pose_source_free(s);
}

static void test_interrupt(const char *path)
{
    /* an interrupt flag ends the reads at once (the CLI's SIGINT flag) */
    static volatile int flag;
    pose_error err = {0};
    pose_source_opts o;
    pose_source_defaults(&o);
    o.interrupt = &flag;
    pose_source_t *s = pose_source_open(path, &o, &err);
    CHECK(s != NULL);
    if (!s) return;
    pose_frame *f;
    CHECK_INT_EQ(pose_source_read(s, &f, &err), 1);
    pose_frame_unref(f);
    flag = 1;
    int n = 0;
    while (pose_source_read(s, &f, &err) > 0 && n < 100) {
        n++;
        pose_frame_unref(f);
    }
    CHECK_MSG(n <= 5, "%d frames read after the interrupt", n);
    pose_source_free(s);
}

/* ---- an HTTP MJPEG stream served by FFmpeg itself (listen=1), read as a live URL ---- */

static char http_url[64];

static void *http_server(void *arg)
{
    (void)arg;
    AVFormatContext *oc = NULL;
    if (avformat_alloc_output_context2(&oc, NULL, "mpjpeg", NULL) < 0) return NULL;
    AVDictionary *o = NULL;
    av_dict_set(&o, "listen", "1", 0);
    av_dict_set(&o, "listen_timeout", "8000", 0);
    const AVCodec *c = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *enc = avcodec_alloc_context3(c);
    enc->width = 64;
    enc->height = 48;
    enc->time_base = (AVRational){1, 25};
    enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
    AVStream *st = avformat_new_stream(oc, NULL);
    if (avcodec_open2(enc, c, NULL) < 0 || avio_open2(&oc->pb, http_url, AVIO_FLAG_WRITE, NULL, &o) < 0) {
        av_dict_free(&o);
        avcodec_free_context(&enc);
        avformat_free_context(oc);
        return NULL;
    }
    av_dict_free(&o);
    avcodec_parameters_from_context(st->codecpar, enc);
    st->time_base = enc->time_base;
    if (avformat_write_header(oc, NULL) >= 0) {
        AVFrame *f = av_frame_alloc();
        f->format = enc->pix_fmt;
        f->width = 64;
        f->height = 48;
        av_frame_get_buffer(f, 0);
        AVPacket *pkt = av_packet_alloc();
        for (int i = 0; i < 40; i++) {
            av_frame_make_writable(f);
            for (int y = 0; y < 48; y++) memset(f->data[0] + y * f->linesize[0], y < 24 ? 200 : 40, 64);
            for (int p = 1; p < 3; p++)
                for (int y = 0; y < 24; y++) memset(f->data[p] + y * f->linesize[p], 128, 32);
            f->pts = i;
            avcodec_send_frame(enc, f);
            while (avcodec_receive_packet(enc, pkt) == 0) {
                pkt->stream_index = 0;
                if (av_write_frame(oc, pkt) < 0) i = 40; /* the client went away */
                av_packet_unref(pkt);
            }
            avio_flush(oc->pb);
            usleep(10000);
        }
        av_write_trailer(oc);
        av_packet_free(&pkt);
        av_frame_free(&f);
    }
    avcodec_free_context(&enc);
    avio_closep(&oc->pb);
    avformat_free_context(oc);
    return NULL;
}

static void test_http_live(void)
{
    snprintf(http_url, sizeof http_url, "http://127.0.0.1:%d/", 20000 + (int)(getpid() % 20000));
    pthread_t th;
    pthread_create(&th, NULL, http_server, NULL);
    pose_error err = {0};
    pose_source_t *s = NULL;
    for (int tries = 0; tries < 50 && !s; tries++) { /* until the server listens */
        s = pose_source_open(http_url, NULL, &err);
        if (!s) usleep(100000);
    }
    CHECK_MSG(s != NULL, "%s: %s", http_url, err.msg);
    if (s) {
        pose_source_info info;
        pose_source_get_info(s, &info);
        CHECK_INT_EQ(info.live, 1); /* an http stream without duration is live: drop, never stall */
        CHECK_INT_EQ(info.width, 64);
        pose_frame *f;
        int n = 0;
        while (pose_source_read(s, &f, &err) > 0) {
            CHECK(f->rgb[10 * f->rgb_stride] > 150 && f->rgb[40 * f->rgb_stride] < 90);
            n++;
            pose_frame_unref(f);
        }
        CHECK_MSG(n > 5 && n <= 40, "%d frames over HTTP", n);
        pose_source_free(s);
    }
    pthread_join(th, NULL);
}

static void test_bad_input(const char *good)
{
    pose_error err = {0};
    char p[4400];
    CHECK(pose_source_open("/nonexistent/video.mp4", NULL, &err) == NULL);
    CHECK(strstr(err.msg, "/nonexistent/video.mp4") != NULL);
    CHECK(err.code == POSE_EIO);

    snprintf(p, sizeof p, "%s/notvideo.mp4", dir);
    FILE *fp = fopen(p, "w");
    for (int i = 0; i < 200; i++) fprintf(fp, "this is a text file, not a video %d\n", i);
    fclose(fp);
    memset(&err, 0, sizeof err);
    CHECK(pose_source_open(p, NULL, &err) == NULL);
    CHECK_MSG(strstr(err.msg, "notvideo.mp4") != NULL, "message: %s", err.msg);

    /* truncated: first 60% of the file; either a clean end or an error, after some frames */
    static uint8_t buf[1 << 20];
    fp = fopen(good, "rb");
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    snprintf(p, sizeof p, "%s/truncated.avi", dir);
    fp = fopen(p, "wb");
    fwrite(buf, 1, n * 6 / 10, fp);
    fclose(fp);
    double ts[64];
    int st = 0;
    memset(&err, 0, sizeof err);
    int got = read_all(p, NULL, ts, 64, &st, &err);
    CHECK_MSG(got > 0 && got < 50, "truncated file gave %d frames (%s)", got, err.msg);
    CHECK(st == 0 || (st < 0 && err.msg[0]));

    /* a stream with no frame at all: opens or fails with a message; reads end at once */
    snprintf(p, sizeof p, "%s/empty.avi", dir);
    CHECK_INT_EQ(gen_video(p, "mjpeg", 0, 64, 48, 25), 0);
    memset(&err, 0, sizeof err);
    got = read_all(p, NULL, ts, 64, &st, &err);
    CHECK_MSG(got == 0 || (got < 0 && err.msg[0]), "empty stream: %d frames, '%s'", got, err.msg);

    pose_source_opts o;
    pose_source_defaults(&o);
    o.queue_size = 0;
    CHECK(pose_source_open(good, &o, &err) == NULL && err.code == POSE_EINVAL);
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    snprintf(dir, sizeof dir, "%s", check_tmp_dir());
    char mp4[4400], avi[4400];
    snprintf(mp4, sizeof mp4, "%s/rect.mp4", dir);
    snprintf(avi, sizeof avi, "%s/rect.avi", dir);
    CHECK_INT_EQ(gen_video(mp4, "mpeg4", 50, 64, 48, 25), 0);
    CHECK_INT_EQ(gen_video(avi, "mjpeg", 50, 64, 48, 25), 0);
    test_basic(mp4);
    test_basic(avi);
    test_sampling(mp4);
    test_live_drops_oldest(avi);
    test_interrupt(avi);
    test_http_live();
    test_bad_input(avi);
    return check_report();
}
