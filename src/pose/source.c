/*
 * source.c - video sources through FFmpeg (pose.h "video source"): open a file, an image, a URL or a
 * V4L2 camera, decode on a thread of its own into a bounded queue of pooled, refcounted frames.
 *
 * Queue policy: a file source blocks the decoder while the queue is full (nothing is lost); a live
 * source drops the oldest queued frame instead, so the consumer always gets the freshest picture.
 * Times: (pts - stream start_time) * time_base, so the first frame of a file is at 0.
 */
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame_pool.h"
#include "pose.h"

#define QUEUE_MAX 64

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct pose_source {
    char url[1024];
    pose_source_opts o;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    int stream;
    double start_time_s; /* stream start time, seconds */
    double tb;           /* time base, seconds */
    struct SwsContext *sws_rgb, *sws_yuv;
    AVPacket *pkt;
    AVFrame *avf;
    pose__pool *pool;
    pose_source_info info;

    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pose_frame *queue[QUEUE_MAX];
    int q_head, q_len;
    int eof;              /* the decoder thread is done */
    int status;           /* < 0: the failure that ended decoding */
    char errmsg[512];
    atomic_int stop;
    atomic_llong dropped;

    int64_t decoded;      /* frames decoded (thread only) */
    double pending_ms;    /* decoder time not yet attributed to a frame (thread only) */
    double next_t;        /* --fps sampling: next time to keep (thread only) */
};

static void set_err(pose_error *err, int code, const char *fmt, const char *a, const char *b)
{
    if (!err) return;
    err->code = code;
    snprintf(err->msg, sizeof err->msg, fmt, a, b);
}

static const char *averr(int e, char *buf, size_t n)
{
    av_strerror(e, buf, n);
    return buf;
}

void pose_source_defaults(pose_source_opts *o)
{
    memset(o, 0, sizeof *o);
    o->queue_size = 4;
    o->live = -1;
    o->want_rgb = 1;
    o->threads = 1;
}

static pthread_once_t devices_once = PTHREAD_ONCE_INIT;
static void register_devices(void) { avdevice_register_all(); }

static int url_is_live(const char *url, const AVFormatContext *fmt)
{
    static const char *const live_schemes[] = {"rtsp:", "rtsps:", "rtmp:", "rtmps:", "udp:",
                                               "rtp:",  "srt:",   "tcp:",  NULL};
    for (int i = 0; live_schemes[i]; i++)
        if (strncmp(url, live_schemes[i], strlen(live_schemes[i])) == 0) return 1;
    if (fmt->iformat && strstr(fmt->iformat->name, "v4l2")) return 1;
    if (strncmp(url, "/dev/video", 10) == 0) return 1;
    if ((strncmp(url, "http:", 5) == 0 || strncmp(url, "https:", 6) == 0) &&
        (fmt->duration == AV_NOPTS_VALUE || !fmt->pb || !(fmt->pb->seekable & AVIO_SEEKABLE_NORMAL)))
        return 1;
    return 0;
}

static int interrupted(const pose_source_t *s)
{
    return atomic_load(&((pose_source_t *)s)->stop) || (s->o.interrupt && *s->o.interrupt);
}

/* FFmpeg's blocking I/O asks this whether to give up (network sources that send nothing). */
static int io_interrupt(void *opaque) { return interrupted(opaque); }

/* ---- the queue ------------------------------------------------------------------------------- */

/* Pushes f (the queue takes the reference). Files wait for room; live sources drop the oldest. */
static void queue_push(pose_source_t *s, pose_frame *f)
{
    pthread_mutex_lock(&s->mu);
    while (s->q_len >= s->o.queue_size && !atomic_load(&s->stop)) {
        if (s->info.live) {
            pose_frame *old = s->queue[s->q_head];
            s->q_head = (s->q_head + 1) % QUEUE_MAX;
            s->q_len--;
            atomic_fetch_add(&s->dropped, 1);
            pthread_mutex_unlock(&s->mu);
            pose_frame_unref(old);
            pthread_mutex_lock(&s->mu);
        } else {
            pthread_cond_wait(&s->cv, &s->mu);
        }
    }
    if (atomic_load(&s->stop)) {
        pthread_mutex_unlock(&s->mu);
        pose_frame_unref(f);
        return;
    }
    s->queue[(s->q_head + s->q_len) % QUEUE_MAX] = f;
    s->q_len++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Live sources: when the pool is exhausted, recycle the oldest queued frame. */
static int drop_oldest(pose_source_t *s)
{
    pose_frame *old = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->q_len > 0) {
        old = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % QUEUE_MAX;
        s->q_len--;
    }
    pthread_mutex_unlock(&s->mu);
    if (!old) return 0;
    atomic_fetch_add(&s->dropped, 1);
    pose_frame_unref(old);
    return 1;
}

/* ---- the decoding thread --------------------------------------------------------------------- */

/* Converts the decoded AVFrame into a pooled frame and queues it. 0, 1 when past --duration, <0. */
static int emit(pose_source_t *s, AVFrame *in)
{
    int64_t pts = in->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) pts = in->pts;
    double t = pts == AV_NOPTS_VALUE ? (double)s->decoded / (s->info.fps > 0 ? s->info.fps : 25.0)
                                     : (double)pts * s->tb - s->start_time_s;
    if (s->decoded == 0 && s->o.start > 0 && s->info.fps > 0)
        s->decoded = (int64_t)llround(t * s->info.fps); /* after a seek: count from the stream start */
    int64_t index = s->decoded++;
    if (t < 0) t = 0;
    if (s->o.start > 0 && t + 1e-6 < s->o.start) return 0;
    if (s->o.duration > 0 && t >= s->o.start + s->o.duration - 1e-6) return 1;
    if (s->o.fps > 0) {
        if (t + 1e-6 < s->next_t) return 0;
        s->next_t += 1.0 / s->o.fps;
        if (s->next_t <= t) s->next_t = t + 1.0 / s->o.fps;
    }

    pose_frame *f = NULL;
    for (;;) {
        int oom = 0;
        f = pose__pool_get(s->pool, in->width, in->height, s->o.want_rgb, s->o.want_yuv,
                           !s->info.live, &s->stop, &oom);
        if (f) break;
        if (oom) return AVERROR(ENOMEM);
        if (atomic_load(&s->stop)) return 1;
        if (!drop_oldest(s)) {
            /* the consumer holds every frame: wait for one to come back */
            f = pose__pool_get(s->pool, in->width, in->height, s->o.want_rgb, s->o.want_yuv, 1,
                               &s->stop, &oom);
            if (f) break;
            if (oom) return AVERROR(ENOMEM);
            return 1;
        }
    }
    double t0 = now_ms();
    f->t = t;
    f->index = index;
    enum AVPixelFormat src_fmt = (enum AVPixelFormat)in->format;
    if (s->o.want_rgb) {
        s->sws_rgb = sws_getCachedContext(s->sws_rgb, in->width, in->height, src_fmt, in->width,
                                          in->height, AV_PIX_FMT_RGB24, SWS_BILINEAR, NULL, NULL, NULL);
        if (!s->sws_rgb) goto unsupported;
        uint8_t *dst[4] = {f->rgb, NULL, NULL, NULL};
        int dls[4] = {f->rgb_stride, 0, 0, 0};
        sws_scale(s->sws_rgb, (const uint8_t *const *)in->data, in->linesize, 0, in->height, dst, dls);
    }
    if (s->o.want_yuv) {
        if (src_fmt == AV_PIX_FMT_YUV420P || src_fmt == AV_PIX_FMT_YUVJ420P) {
            for (int p = 0; p < 3; p++) {
                int pw = p ? (in->width + 1) / 2 : in->width, ph = p ? (in->height + 1) / 2 : in->height;
                av_image_copy_plane(f->yuv[p], f->yuv_stride[p], in->data[p], in->linesize[p], pw, ph);
            }
        } else {
            s->sws_yuv = sws_getCachedContext(s->sws_yuv, in->width, in->height, src_fmt, in->width,
                                              in->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL,
                                              NULL, NULL);
            if (!s->sws_yuv) goto unsupported;
            uint8_t *dst[4] = {f->yuv[0], f->yuv[1], f->yuv[2], NULL};
            int dls[4] = {f->yuv_stride[0], f->yuv_stride[1], f->yuv_stride[2], 0};
            sws_scale(s->sws_yuv, (const uint8_t *const *)in->data, in->linesize, 0, in->height, dst, dls);
        }
    }
    f->decode_ms = s->pending_ms + (now_ms() - t0);
    s->pending_ms = 0;
    queue_push(s, f);
    return 0;
unsupported:
    pose_frame_unref(f);
    return AVERROR(ENOSYS);
}

/* Receives every frame the decoder has ready. 0, 1 (stop: duration reached), <0 failure. */
static int drain(pose_source_t *s)
{
    for (;;) {
        double t0 = now_ms();
        int rc = avcodec_receive_frame(s->dec, s->avf);
        s->pending_ms += now_ms() - t0;
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return 0;
        if (rc < 0) return rc;
        rc = emit(s, s->avf);
        av_frame_unref(s->avf);
        if (rc != 0) return rc;
    }
}

static void *decode_thread(void *arg)
{
    pose_source_t *s = arg;
    int rc = 0;
    char eb[128];
    while (!atomic_load(&s->stop)) {
        rc = av_read_frame(s->fmt, s->pkt);
        if (rc == AVERROR_EOF) {
            rc = 0;
            break;
        }
        if (rc < 0) {
            snprintf(s->errmsg, sizeof s->errmsg, "%.300s: read failed after %lld frames: %s", s->url,
                     (long long)s->decoded, averr(rc, eb, sizeof eb));
            break;
        }
        if (s->pkt->stream_index != s->stream) {
            av_packet_unref(s->pkt);
            continue;
        }
        double t0 = now_ms();
        rc = avcodec_send_packet(s->dec, s->pkt);
        av_packet_unref(s->pkt);
        s->pending_ms += now_ms() - t0;
        if (rc < 0 && rc != AVERROR(EAGAIN)) {
            /* one corrupt packet: skip it, as players do */
            rc = 0;
            continue;
        }
        rc = drain(s);
        if (rc == 1) break;
        if (rc < 0 && rc != AVERROR_INVALIDDATA) {
            snprintf(s->errmsg, sizeof s->errmsg, "%.300s: decoding failed at frame %lld: %s", s->url,
                     (long long)s->decoded, averr(rc, eb, sizeof eb));
            break;
        }
        rc = 0;
    }
    if (rc == 0 && !atomic_load(&s->stop)) {
        avcodec_send_packet(s->dec, NULL); /* flush the frames the decoder still holds */
        int d = drain(s);
        if (d < 0 && d != AVERROR_INVALIDDATA) {
            rc = d;
            snprintf(s->errmsg, sizeof s->errmsg, "%.300s: decoding failed at frame %lld: %s", s->url,
                     (long long)s->decoded, averr(d, eb, sizeof eb));
        }
    }
    if (rc == 1) rc = 0;
    pthread_mutex_lock(&s->mu);
    s->eof = 1;
    s->status = rc < 0 ? (rc == AVERROR(ENOMEM) ? POSE_ENOMEM : POSE_EIO) : 0;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- open / read / free ---------------------------------------------------------------------- */

pose_source_t *pose_source_open(const char *url, const pose_source_opts *opts, pose_error *err)
{
    pose_source_opts defaults;
    if (!opts) {
        pose_source_defaults(&defaults);
        opts = &defaults;
    }
    if (!url || !*url) {
        set_err(err, POSE_EINVAL, "source: empty input name%s%s", "", "");
        return NULL;
    }
    if (opts->queue_size < 1 || opts->queue_size > QUEUE_MAX || opts->fps < 0 || opts->start < 0 ||
        opts->duration < 0 || (!opts->want_rgb && !opts->want_yuv)) {
        set_err(err, POSE_EINVAL, "%s: bad source options (queue 1..64, fps/start/duration >= 0)%s",
                url, "");
        return NULL;
    }
    pthread_once(&devices_once, register_devices);
    pose_source_t *s = calloc(1, sizeof *s);
    char eb[128];
    if (!s) {
        set_err(err, POSE_ENOMEM, "%s: out of memory%s", url, "");
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    snprintf(s->url, sizeof s->url, "%s", url);
    s->o = *opts;
    s->stream = -1;

    const AVInputFormat *ifmt = NULL;
    if (strncmp(url, "/dev/video", 10) == 0) ifmt = av_find_input_format("v4l2");
    s->fmt = avformat_alloc_context();
    if (!s->fmt) {
        set_err(err, POSE_ENOMEM, "%s: out of memory%s", url, "");
        goto fail;
    }
    s->fmt->interrupt_callback.callback = io_interrupt;
    s->fmt->interrupt_callback.opaque = s;
    int rc = avformat_open_input(&s->fmt, url, ifmt, NULL);
    if (rc < 0) {
        set_err(err, POSE_EIO, "%s: cannot open: %s", url, averr(rc, eb, sizeof eb));
        goto fail;
    }
    rc = avformat_find_stream_info(s->fmt, NULL);
    if (rc < 0) {
        set_err(err, POSE_EINVAL, "%s: cannot read stream info: %s", url, averr(rc, eb, sizeof eb));
        goto fail;
    }
    const AVCodec *codec = NULL;
    s->stream = av_find_best_stream(s->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (s->stream < 0) {
        set_err(err, s->stream == AVERROR_DECODER_NOT_FOUND ? POSE_EUNSUPPORTED : POSE_EINVAL,
                "%s: %s", url,
                s->stream == AVERROR_DECODER_NOT_FOUND ? "no decoder for its video codec"
                                                       : "no video stream");
        goto fail;
    }
    AVStream *st = s->fmt->streams[s->stream];
    s->dec = avcodec_alloc_context3(codec);
    if (!s->dec) {
        set_err(err, POSE_ENOMEM, "%s: out of memory%s", url, "");
        goto fail;
    }
    avcodec_parameters_to_context(s->dec, st->codecpar);
    s->dec->thread_count = opts->threads > 0 ? opts->threads : 1;
    rc = avcodec_open2(s->dec, codec, NULL);
    if (rc < 0) {
        set_err(err, POSE_EUNSUPPORTED, "%s: cannot open decoder: %s", url, averr(rc, eb, sizeof eb));
        goto fail;
    }
    if (s->dec->width <= 0 || s->dec->height <= 0) {
        set_err(err, POSE_EINVAL, "%s: video stream has no frame size%s", url, "");
        goto fail;
    }
    s->tb = av_q2d(st->time_base);
    s->start_time_s = st->start_time != AV_NOPTS_VALUE ? (double)st->start_time * s->tb : 0.0;
    s->info.width = s->dec->width;
    s->info.height = s->dec->height;
    AVRational fr = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
    s->info.fps = fr.num && fr.den ? av_q2d(fr) : 0.0;
    if (s->fmt->nb_streams == 1 && st->nb_frames == 1) s->info.fps = 0;
    s->info.duration = s->fmt->duration != AV_NOPTS_VALUE ? (double)s->fmt->duration / AV_TIME_BASE : 0;
    s->info.live = opts->live >= 0 ? opts->live : url_is_live(url, s->fmt);
    s->info.codec = codec->name; /* FFmpeg's static string: outlives the source */
    s->next_t = opts->start;

    if (opts->start > 0 && !s->info.live) {
        int64_t target = (int64_t)((opts->start + s->start_time_s) / s->tb);
        /* seek to the keyframe at or before start; frames before start are decoded and skipped */
        if (av_seek_frame(s->fmt, s->stream, target, AVSEEK_FLAG_BACKWARD) < 0)
            av_seek_frame(s->fmt, s->stream, 0, AVSEEK_FLAG_BACKWARD);
    }
    s->pkt = av_packet_alloc();
    s->avf = av_frame_alloc();
    /* queue + the frame being filled + a few the consumer may hold (overlay, tracker) */
    s->pool = pose__pool_create(opts->queue_size + 6);
    if (!s->pkt || !s->avf || !s->pool) {
        set_err(err, POSE_ENOMEM, "%s: out of memory%s", url, "");
        goto fail;
    }
    if (pthread_create(&s->thread, NULL, decode_thread, s) != 0) {
        set_err(err, POSE_ENOMEM, "%s: cannot start the decoding thread%s", url, "");
        goto fail;
    }
    s->thread_started = 1;
    return s;
fail:
    pose_source_free(s);
    return NULL;
}

int pose_source_read(pose_source_t *s, pose_frame **out, pose_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&s->mu);
    while (s->q_len == 0 && !s->eof && !atomic_load(&s->stop)) {
        if (s->o.interrupt && *s->o.interrupt) {
            pthread_mutex_unlock(&s->mu);
            pose_source_stop(s);
            return 0;
        }
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += 50 * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &dl);
    }
    if (s->q_len > 0 && !atomic_load(&s->stop)) {
        *out = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % QUEUE_MAX;
        s->q_len--;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return 1;
    }
    int status = atomic_load(&s->stop) ? 0 : s->status;
    pthread_mutex_unlock(&s->mu);
    if (status < 0 && err) {
        err->code = status;
        snprintf(err->msg, sizeof err->msg, "%s", s->errmsg);
    }
    return status;
}

void pose_source_get_info(const pose_source_t *s, pose_source_info *info) { *info = s->info; }

int64_t pose_source_dropped(const pose_source_t *s)
{
    return atomic_load(&((pose_source_t *)s)->dropped);
}

void pose_source_stop(pose_source_t *s)
{
    if (!s) return;
    atomic_store(&s->stop, 1);
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->pool) pose__pool_wake(s->pool);
}

void pose_source_free(pose_source_t *s)
{
    if (!s) return;
    if (s->thread_started) {
        pose_source_stop(s);
        pthread_join(s->thread, NULL);
    }
    while (s->q_len > 0) {
        pose_frame_unref(s->queue[s->q_head]);
        s->q_head = (s->q_head + 1) % QUEUE_MAX;
        s->q_len--;
    }
    pose__pool_close(s->pool);
    sws_freeContext(s->sws_rgb);
    sws_freeContext(s->sws_yuv);
    av_packet_free(&s->pkt);
    av_frame_free(&s->avf);
    avcodec_free_context(&s->dec);
    avformat_close_input(&s->fmt);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
