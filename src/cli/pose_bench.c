/*
 * pose_bench.c - `pose bench INPUT [--model M] [--streams N] [--frames N]`: per-stage latency of
 * the analyze pipeline (decode, preprocess, inference, post: median and p90 over frames) and
 * end-to-end throughput for one stream and for N streams in parallel (one source + estimator per
 * stream, each on its own thread). The anchor, measured in the same run, is FFmpeg decoding alone.
 * `--make-sample OUT.mp4 [--size WxH]` writes INPUT rescaled (e.g. 1920x1080, H.264) to bench on.
 */
#include <libavutil/log.h>
#include <libswscale/swscale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pose.h"
#include "pose_cmds.h"

#ifndef AIMP_MODELS_DIR
#define AIMP_MODELS_DIR "models"
#endif

enum { ST_DECODE, ST_PRE, ST_INF, ST_POST, ST_E2E, ST_N };
static const char *const stage_names[ST_N] = {"decode", "preprocess", "inference", "post", "end-to-end"};

typedef struct stream_job {
    const char *input;
    pose_estimator_opts est;
    int frames;
    int decode_only;
    double *t[ST_N]; /* [frames] ms per frame and stage */
    int done;
    double wall_s;
    int rc;
    pose_error err;
} stream_job;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs `frames` frames (re-opening INPUT when it ends, so short clips and images work). */
static void *run_stream(void *arg)
{
    stream_job *j = arg;
    pose_estimator_t *e = NULL;
    if (!j->decode_only && !(e = pose_estimator_create(&j->est, &j->err))) {
        j->rc = 1;
        return NULL;
    }
    pose_result *r = malloc(sizeof *r);
    double t0 = now_s();
    while (j->done < j->frames && r) {
        pose_source_t *s = pose_source_open(j->input, NULL, &j->err);
        if (!s) {
            j->rc = 1;
            break;
        }
        pose_frame *f;
        int got = 0;
        while (j->done < j->frames && pose_source_read(s, &f, &j->err) > 0) {
            pose_timing tm = {0};
            if (e && pose_estimator_process(e, f, r, &tm, &j->err) != 0) {
                pose_frame_unref(f);
                j->rc = 1;
                break;
            }
            int i = j->done++;
            j->t[ST_DECODE][i] = f->decode_ms;
            j->t[ST_PRE][i] = tm.preprocess_ms;
            j->t[ST_INF][i] = tm.inference_ms;
            j->t[ST_POST][i] = tm.post_ms;
            j->t[ST_E2E][i] = f->decode_ms + tm.preprocess_ms + tm.inference_ms + tm.post_ms;
            got++;
            pose_frame_unref(f);
        }
        pose_source_free(s);
        if (j->rc || got == 0) break;
        if (e) pose_estimator_reset(e); /* a new pass over the clip is a new stream */
    }
    j->wall_s = now_s() - t0;
    free(r);
    pose_estimator_free(e);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median and p90 (nearest rank) of v[0..n); sorts v. */
static void quantiles(double *v, int n, double *med, double *p90)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *med = n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
    int k = (int)(0.9 * n + 0.999999) - 1;
    *p90 = n ? v[k < 0 ? 0 : k >= n ? n - 1 : k] : 0;
}

static int job_alloc(stream_job *j, int frames)
{
    for (int s = 0; s < ST_N; s++)
        if (!(j->t[s] = calloc((size_t)frames, sizeof(double)))) return -1;
    j->frames = frames;
    return 0;
}

static void job_free(stream_job *j)
{
    for (int s = 0; s < ST_N; s++) free(j->t[s]);
}

static int make_sample(const char *in, const char *out, int w, int h, int max_frames)
{
    pose_error err = {0};
    pose_source_t *s = pose_source_open(in, NULL, &err);
    if (!s) {
        fprintf(stderr, "pose bench: %s\n", err.msg);
        return 1;
    }
    pose_source_info info;
    pose_source_get_info(s, &info);
    pose_stream_desc d = {.model = "none", .keypoint_names = pose_coco17_names, .n_keypoints = 17};
    pose_overlay_t *o = pose_overlay_open(out, w, h, info.fps > 0 ? info.fps : 25, &d, &err);
    uint8_t *planes = malloc((size_t)w * h * 3 / 2 + 64);
    struct SwsContext *sws = NULL;
    int n = 0, rc = 0;
    if (!o || !planes) {
        fprintf(stderr, "pose bench: %s\n", o ? "out of memory" : err.msg);
        rc = 1;
        goto done;
    }
    pose_frame *f;
    while (n < max_frames && pose_source_read(s, &f, &err) > 0) {
        sws = sws_getCachedContext(sws, f->width, f->height, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUV420P,
                                   SWS_BICUBIC, NULL, NULL, NULL);
        pose_frame big = {.width = w, .height = h, .t = f->t, .index = f->index};
        big.yuv[0] = planes;
        big.yuv[1] = planes + (size_t)w * h;
        big.yuv[2] = big.yuv[1] + (size_t)w * h / 4;
        big.yuv_stride[0] = w;
        big.yuv_stride[1] = big.yuv_stride[2] = w / 2;
        const uint8_t *src[1] = {f->rgb};
        int sls[1] = {f->rgb_stride};
        sws_scale(sws, src, sls, 0, f->height, big.yuv, big.yuv_stride);
        pose_frame_unref(f);
        if (pose_overlay_write(o, &big, NULL, &err) != 0) {
            fprintf(stderr, "pose bench: %s\n", err.msg);
            rc = 1;
            break;
        }
        n++;
    }
    if (pose_overlay_close(o, &err) != 0 && rc == 0) {
        fprintf(stderr, "pose bench: %s\n", err.msg);
        rc = 1;
    }
    o = NULL;
    if (rc == 0) fprintf(stderr, "pose bench: wrote %s: %d frames, %dx%d\n", out, n, w, h);
done:
    pose_overlay_close(o, NULL);
    sws_freeContext(sws);
    free(planes);
    pose_source_free(s);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: pose bench INPUT [--model M] [--streams N] [--frames N] [--threads N] [--models-dir DIR]\n"
               "       pose bench INPUT --make-sample OUT.mp4 [--size WxH] [--frames N]\n"
               "\n"
               "Per-stage latency of the analyze pipeline (median and p90 over --frames frames, default 100)\n"
               "and end-to-end frames per second for 1 stream and for --streams N (default 4) in parallel.\n"
               "The anchor in the same run: FFmpeg decoding of INPUT alone. --make-sample rescales INPUT\n"
               "into an H.264 MP4 (default 1920x1080) to measure at that size.\n");
}

int cmd_bench(int argc, char **argv)
{
    const char *input = NULL, *sample = NULL;
    const char *models_dir = getenv("AIMP_MODELS_DIR");
    if (!models_dir || !*models_dir) models_dir = AIMP_MODELS_DIR;
    pose_estimator_opts est;
    pose_estimator_defaults(&est);
    int streams = 4, frames = 100, sw = 1920, sh = 1080;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--model") == 0 && v) {
            int m = pose_model_parse(v);
            if (m < 0) {
                fprintf(stderr, "pose bench: unknown model '%s'\n", v);
                return 2;
            }
            est.model = (pose_model_kind)m;
            i++;
        } else if ((strcmp(a, "--streams") == 0 || strcmp(a, "--frames") == 0 || strcmp(a, "--threads") == 0) && v) {
            int n = atoi(v);
            if (n < 1 || n > 100000) {
                fprintf(stderr, "pose bench: %s needs a positive number, got '%s'\n", a, v);
                return 2;
            }
            if (a[2] == 's') streams = n > 64 ? 64 : n;
            else if (a[2] == 'f') frames = n;
            else est.threads = n;
            i++;
        } else if (strcmp(a, "--models-dir") == 0 && v) {
            models_dir = v;
            i++;
        } else if (strcmp(a, "--make-sample") == 0 && v) {
            sample = v;
            i++;
        } else if (strcmp(a, "--size") == 0 && v) {
            if (sscanf(v, "%dx%d", &sw, &sh) != 2 || sw < 16 || sh < 16 || sw > 8192 || sh > 8192) {
                fprintf(stderr, "pose bench: --size wants WxH, got '%s'\n", v);
                return 2;
            }
            i++;
        } else if (a[0] == '-') {
            fprintf(stderr, "pose bench: unknown or incomplete option '%s'\n", a);
            return 2;
        } else {
            input = a;
        }
    }
    if (!input) {
        usage(stderr);
        return 2;
    }
    av_log_set_level(AV_LOG_QUIET);
    if (sample) return make_sample(input, sample, sw & ~1, sh & ~1, frames);
    est.models_dir = models_dir;

    /* anchor: decoding alone, then one stream, then N streams */
    stream_job dec = {.input = input, .est = est, .decode_only = 1};
    stream_job one = {.input = input, .est = est};
    stream_job *many = calloc((size_t)streams, sizeof *many);
    pthread_t *th = calloc((size_t)streams, sizeof *th);
    int rc = 1;
    if (!many || !th || job_alloc(&dec, frames) || job_alloc(&one, frames)) goto done;
    run_stream(&dec);
    if (dec.rc || dec.done == 0) {
        fprintf(stderr, "pose bench: %s\n", dec.err.msg[0] ? dec.err.msg : "no frames decoded");
        goto done;
    }
    run_stream(&one);
    if (one.rc) {
        fprintf(stderr, "pose bench: %s\n", one.err.msg);
        goto done;
    }
    pose_source_t *s = pose_source_open(input, NULL, NULL);
    pose_source_info info = {0};
    if (s) pose_source_get_info(s, &info);
    pose_source_free(s);
    printf("pose bench: %s (%dx%d %s), model %s, %d frames per stream, nn threads %s\n", input, info.width,
           info.height, info.codec ? info.codec : "?", pose_model_name(est.model), frames,
           est.threads ? "as given" : "default");
    printf("%-12s %10s %10s   (ms per frame, 1 stream)\n", "stage", "median", "p90");
    for (int st = 0; st < ST_N; st++) {
        double med, p90;
        quantiles(one.t[st], one.done, &med, &p90);
        printf("%-12s %10.2f %10.2f\n", stage_names[st], med, p90);
    }
    double dmed, dp90;
    quantiles(dec.t[ST_DECODE], dec.done, &dmed, &dp90);
    printf("anchor: decode alone %.1f fps (median %.2f ms per frame)\n", dec.done / dec.wall_s, dmed);
    printf("1 stream: %.1f fps end to end (%d frames in %.2f s)\n", one.done / one.wall_s, one.done, one.wall_s);

    for (int k = 0; k < streams; k++) {
        many[k].input = input;
        many[k].est = est;
        if (job_alloc(&many[k], frames)) goto done;
    }
    double t0 = now_s();
    for (int k = 0; k < streams; k++) pthread_create(&th[k], NULL, run_stream, &many[k]);
    for (int k = 0; k < streams; k++) pthread_join(th[k], NULL);
    double wall = now_s() - t0;
    int total = 0;
    double *all = calloc((size_t)frames * (size_t)streams, sizeof *all);
    for (int k = 0; k < streams && all; k++) {
        if (many[k].rc) {
            fprintf(stderr, "pose bench: stream %d: %s\n", k, many[k].err.msg);
            free(all);
            goto done;
        }
        for (int i = 0; i < many[k].done; i++) all[total++] = many[k].t[ST_E2E][i];
    }
    double med = 0, p90 = 0;
    if (all) quantiles(all, total, &med, &p90);
    free(all);
    printf("%d streams: %.1f fps in total (%.1f per stream), per-frame end-to-end median %.2f ms, p90 %.2f ms\n",
           streams, total / wall, total / wall / streams, med, p90);
    rc = 0;
done:
    job_free(&dec);
    job_free(&one);
    for (int k = 0; many && k < streams; k++) job_free(&many[k]);
    free(many);
    free(th);
    return rc;
}
