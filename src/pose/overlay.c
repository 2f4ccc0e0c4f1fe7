/*
 * overlay.c - the overlay video writer (pose.h "Overlay video"): draws on the frame's YUV420P
 * planes and encodes with libx264 (or mpeg4 when libx264 is missing) into an MP4 written to a
 * temporary name and renamed on close. Timestamps are the frames' own (milliseconds), so dropped
 * or sampled frames keep their real timing.
 */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "pose.h"

struct pose_overlay {
    AVFormatContext *oc;
    AVCodecContext *enc;
    AVStream *st;
    AVFrame *frame;
    AVPacket *pkt;
    int64_t last_pts;
    int64_t frame_ms; /* nominal frame duration, ms (packets without one get it, or the MP4 edit
                         list would cut the last frame) */
    int header_written;
    int width, height; /* encoded size (even) */
    char path[1024], tmp[1100];
    const char *encoder; /* FFmpeg's static codec name: outlives the writer */
};

static void overlay_free(pose_overlay_t *o)
{
    if (!o) return;
    av_packet_free(&o->pkt);
    av_frame_free(&o->frame);
    avcodec_free_context(&o->enc);
    if (o->oc) {
        if (o->oc->pb) avio_closep(&o->oc->pb);
        avformat_free_context(o->oc);
    }
    free(o);
}

const char *pose_overlay_encoder(const pose_overlay_t *o) { return o ? o->encoder : NULL; }

pose_overlay_t *pose_overlay_open(const char *path, int width, int height, double fps,
                                  const pose_stream_desc *desc, pose_error *err)
{
    (void)desc;
    char eb[128];
    if (!path || width < 2 || height < 2) {
        pose__err(err, POSE_EINVAL, "overlay: bad arguments (path, size >= 2x2)");
        return NULL;
    }
    pose_overlay_t *o = calloc(1, sizeof *o);
    if (!o) {
        pose__err(err, POSE_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp", o->path);
    o->width = width & ~1;
    o->height = height & ~1;
    o->last_pts = -1;
    o->frame_ms = fps > 0 && isfinite(fps) ? (int64_t)llround(1000.0 / fps) : 40;
    if (o->frame_ms < 1) o->frame_ms = 1;
    int rc = avformat_alloc_output_context2(&o->oc, NULL, NULL, o->path);
    if (rc < 0 || !o->oc) rc = avformat_alloc_output_context2(&o->oc, NULL, "mp4", NULL);
    if (rc < 0 || !o->oc) {
        pose__err(err, POSE_EUNSUPPORTED, "%s: no muxer for this file name", path);
        goto fail;
    }
    const AVCodec *c = avcodec_find_encoder_by_name("libx264");
    if (!c) c = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (!c) {
        pose__err(err, POSE_EUNSUPPORTED, "%s: neither libx264 nor mpeg4 encoders are available",
                  path);
        goto fail;
    }
    o->encoder = c->name;
    o->st = avformat_new_stream(o->oc, NULL);
    o->enc = avcodec_alloc_context3(c);
    o->frame = av_frame_alloc();
    o->pkt = av_packet_alloc();
    if (!o->st || !o->enc || !o->frame || !o->pkt) {
        pose__err(err, POSE_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    o->enc->width = o->width;
    o->enc->height = o->height;
    o->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    o->enc->time_base = (AVRational){1, 1000};
    if (fps > 0 && isfinite(fps)) o->enc->framerate = av_d2q(fps, 100000);
    o->enc->gop_size = fps > 0 && fps < 240 ? (int)lround(fps * 2) : 50;
    if (strcmp(c->name, "libx264") == 0) {
        av_opt_set(o->enc->priv_data, "preset", "veryfast", 0);
        av_opt_set(o->enc->priv_data, "crf", "23", 0);
    } else {
        o->enc->bit_rate = (int64_t)o->width * o->height * 4;
        o->enc->max_b_frames = 0;
    }
    if (o->oc->oformat->flags & AVFMT_GLOBALHEADER) o->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    rc = avcodec_open2(o->enc, c, NULL);
    if (rc < 0) {
        pose__err(err, POSE_EUNSUPPORTED, "%s: cannot open encoder %s: %s", path, c->name,
                  (av_strerror(rc, eb, sizeof eb), eb));
        goto fail;
    }
    avcodec_parameters_from_context(o->st->codecpar, o->enc);
    o->st->time_base = o->enc->time_base;
    rc = avio_open(&o->oc->pb, o->tmp, AVIO_FLAG_WRITE);
    if (rc < 0) {
        pose__err(err, POSE_EIO, "%s: cannot create: %s", o->tmp,
                  (av_strerror(rc, eb, sizeof eb), eb));
        goto fail;
    }
    rc = avformat_write_header(o->oc, NULL);
    if (rc < 0) {
        pose__err(err, POSE_EIO, "%s: cannot write the header: %s", o->tmp,
                  (av_strerror(rc, eb, sizeof eb), eb));
        goto fail;
    }
    o->header_written = 1;
    return o;
fail:
    if (o->oc && o->oc->pb) {
        avio_closep(&o->oc->pb);
        remove(o->tmp);
    }
    overlay_free(o);
    return NULL;
}

/* Sends frame (NULL: flush) and writes every packet the encoder has ready. */
static int encode(pose_overlay_t *o, AVFrame *frame, pose_error *err)
{
    char eb[128];
    int rc = avcodec_send_frame(o->enc, frame);
    if (rc < 0 && rc != AVERROR_EOF)
        return pose__err(err, POSE_EIO, "%s: encoding failed: %s", o->path,
                         (av_strerror(rc, eb, sizeof eb), eb));
    for (;;) {
        rc = avcodec_receive_packet(o->enc, o->pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return 0;
        if (rc < 0)
            return pose__err(err, POSE_EIO, "%s: encoding failed: %s", o->path,
                             (av_strerror(rc, eb, sizeof eb), eb));
        if (o->pkt->duration <= 0) o->pkt->duration = o->frame_ms;
        av_packet_rescale_ts(o->pkt, o->enc->time_base, o->st->time_base);
        o->pkt->stream_index = o->st->index;
        rc = av_interleaved_write_frame(o->oc, o->pkt);
        if (rc < 0)
            return pose__err(err, POSE_EIO, "%s: write failed: %s", o->tmp,
                             (av_strerror(rc, eb, sizeof eb), eb));
    }
}

int pose_overlay_write(pose_overlay_t *o, pose_frame *f, const pose_result *r, pose_error *err)
{
    if (!f->yuv[0])
        return pose__err(err, POSE_EINVAL, "%s: frame %lld has no YUV planes", o->path,
                         (long long)f->index);
    if (f->width < o->width || f->height < o->height)
        return pose__err(err, POSE_EINVAL, "%s: frame %lld is %dx%d, the video %dx%d", o->path,
                         (long long)f->index, f->width, f->height, o->width, o->height);
    if (r) pose_overlay_draw(f, r);
    AVFrame *fr = o->frame;
    fr->format = AV_PIX_FMT_YUV420P;
    fr->width = o->width;
    fr->height = o->height;
    for (int p = 0; p < 3; p++) {
        fr->data[p] = f->yuv[p];
        fr->linesize[p] = f->yuv_stride[p];
    }
    int64_t pts = (int64_t)llround(f->t * 1000.0);
    if (pts <= o->last_pts) pts = o->last_pts + 1;
    o->last_pts = pts;
    fr->pts = pts;
    /* the frame's planes are not refcounted by FFmpeg: the encoder copies what it keeps */
    int rc = encode(o, fr, err);
    for (int p = 0; p < 3; p++) fr->data[p] = NULL;
    return rc;
}

int pose_overlay_close(pose_overlay_t *o, pose_error *err)
{
    if (!o) return 0;
    int rc = encode(o, NULL, err);
    char eb[128];
    if (o->header_written) {
        int t = av_write_trailer(o->oc);
        if (t < 0 && rc == 0)
            rc = pose__err(err, POSE_EIO, "%s: cannot write the trailer: %s", o->tmp,
                           (av_strerror(t, eb, sizeof eb), eb));
    }
    if (o->oc->pb) avio_closep(&o->oc->pb);
    if (rc == 0 && rename(o->tmp, o->path) != 0)
        rc = pose__err(err, POSE_EIO, "%s: cannot rename to %s", o->tmp, o->path);
    if (rc != 0) remove(o->tmp);
    overlay_free(o);
    return rc;
}
