/*
 * video_gen.h - test helper: writes small synthetic videos with the FFmpeg libraries (a bright
 * rectangle moving right by 2 px per frame on a dark background), so source/overlay/analyze tests
 * need no data files. Header-only; include from one test file.
 */
#ifndef POSE_TEST_VIDEO_GEN_H
#define POSE_TEST_VIDEO_GEN_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

/* Writes n frames of w x h at fps (integer) to path with the named encoder ("mpeg4", "mjpeg",
 * "libx264"); n = 0 writes a file with a video stream but no frames. 0 on success. */
static inline int gen_video(const char *path, const char *encoder, int n, int w, int h, int fps)
{
    AVFormatContext *oc = NULL;
    if (avformat_alloc_output_context2(&oc, NULL, NULL, path) < 0) return -1;
    const AVCodec *c = avcodec_find_encoder_by_name(encoder);
    if (!c) {
        avformat_free_context(oc);
        return -2;
    }
    AVStream *st = avformat_new_stream(oc, NULL);
    AVCodecContext *enc = avcodec_alloc_context3(c);
    enc->width = w;
    enc->height = h;
    enc->time_base = (AVRational){1, fps};
    enc->framerate = (AVRational){fps, 1};
    enc->pix_fmt = strcmp(encoder, "mjpeg") == 0 ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P;
    enc->gop_size = 10;
    enc->bit_rate = 400000;
    if (oc->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (avcodec_open2(enc, c, NULL) < 0) return -3;
    avcodec_parameters_from_context(st->codecpar, enc);
    st->time_base = enc->time_base;
    if (avio_open(&oc->pb, path, AVIO_FLAG_WRITE) < 0) return -4;
    if (avformat_write_header(oc, NULL) < 0) return -5;
    AVFrame *f = av_frame_alloc();
    f->format = enc->pix_fmt;
    f->width = w;
    f->height = h;
    av_frame_get_buffer(f, 0);
    AVPacket *pkt = av_packet_alloc();
    for (int i = 0; i <= n; i++) {
        if (i < n) {
            av_frame_make_writable(f);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int in = x >= 4 + (2 * i) % 40 && x < 20 + (2 * i) % 40 && y >= h / 4 && y < h / 4 + 16;
                    f->data[0][y * f->linesize[0] + x] = (uint8_t)(in ? 220 : 30);
                }
            for (int p = 1; p < 3; p++)
                for (int y = 0; y < h / 2; y++) memset(f->data[p] + y * f->linesize[p], 128, (size_t)w / 2);
            f->pts = i;
        }
        avcodec_send_frame(enc, i < n ? f : NULL);
        while (avcodec_receive_packet(enc, pkt) == 0) {
            if (pkt->duration == 0) pkt->duration = 1;
            av_packet_rescale_ts(pkt, enc->time_base, st->time_base);
            pkt->stream_index = st->index;
            av_interleaved_write_frame(oc, pkt);
        }
    }
    av_write_trailer(oc);
    av_packet_free(&pkt);
    av_frame_free(&f);
    avcodec_free_context(&enc);
    avio_closep(&oc->pb);
    avformat_free_context(oc);
    return 0;
}

#endif
