/*
 * analyze.c - the `pose analyze` pipeline (pose.h "pose_analyze_run"): a source feeding an
 * estimator, whose results go to the JSONL, CSV and overlay writers; per-stage time is summed for
 * the summary. Outputs are always closed properly, also when stopped or after a read error.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pose.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void pose_analyze_defaults(pose_analyze_opts *o)
{
    memset(o, 0, sizeof *o);
    pose_estimator_defaults(&o->est);
}

int pose_analyze_run(const pose_analyze_opts *o, pose_analyze_stats *st, pose_error *err)
{
    memset(st, 0, sizeof *st);
    double t_start = now_ms();
    pose_source_t *src = NULL;
    pose_estimator_t *est = NULL;
    pose_jsonl_t *jl = NULL;
    pose_csv_t *csv = NULL;
    pose_overlay_t *ov = NULL;
    pose_result r;
    int rc = 0;
    pose_error close_err = {0};

    pose_source_opts so;
    pose_source_defaults(&so);
    so.fps = o->fps;
    so.start = o->start;
    so.duration = o->duration;
    so.want_yuv = o->overlay != NULL;
    so.interrupt = o->stop;
    src = pose_source_open(o->input, &so, err);
    if (!src) return err ? err->code : POSE_EIO;
    pose_source_info info;
    pose_source_get_info(src, &info);
    st->width = info.width;
    st->height = info.height;
    st->fps = info.fps;
    st->duration = info.duration;

    est = pose_estimator_create(&o->est, err);
    if (!est) {
        rc = err ? err->code : POSE_EINVAL;
        goto done;
    }
    pose_stream_desc desc;
    pose_estimator_describe(est, &desc);
    desc.width = info.width;
    desc.height = info.height;
    desc.fps = o->fps > 0 ? o->fps : info.fps;
    desc.source = o->input;
    if (o->out_jsonl && !(jl = pose_jsonl_open(o->out_jsonl, &desc, err))) goto fail;
    if (o->out_csv && !(csv = pose_csv_open(o->out_csv, &desc, err))) goto fail;
    if (o->overlay) {
        ov = pose_overlay_open(o->overlay, info.width, info.height, desc.fps > 0 ? desc.fps : 25, &desc, err);
        if (!ov) goto fail;
        st->encoder = pose_overlay_encoder(ov);
    }

    pose_frame *f;
    for (;;) {
        if (o->stop && *o->stop) break;
        int got = pose_source_read(src, &f, err);
        if (got == 0) break;
        if (got < 0) {
            rc = got;
            break;
        }
        st->decode_ms += f->decode_ms;
        pose_timing tm;
        rc = pose_estimator_process(est, f, &r, &tm, err);
        if (rc) {
            pose_frame_unref(f);
            break;
        }
        st->preprocess_ms += tm.preprocess_ms;
        st->inference_ms += tm.inference_ms;
        st->post_ms += tm.post_ms;
        double t1 = now_ms();
        if (jl && (rc = pose_jsonl_write(jl, &r, err)) != 0) {
            pose_frame_unref(f);
            break;
        }
        if (csv && (rc = pose_csv_write(csv, &r, err)) != 0) {
            pose_frame_unref(f);
            break;
        }
        if (ov && (rc = pose_overlay_write(ov, f, &r, err)) != 0) {
            pose_frame_unref(f);
            break;
        }
        pose_frame_unref(f);
        st->output_ms += now_ms() - t1;
        st->frames++;
        st->persons += r.n_persons;
        for (int i = 0; i < r.n_persons; i++)
            if (r.persons[i].id > st->max_id) st->max_id = r.persons[i].id;
        st->t_last = r.t;
        st->dropped = pose_source_dropped(src);
        st->elapsed_s = (now_ms() - t_start) / 1e3;
        if (o->progress) o->progress(o->user, st);
    }
    goto done;
fail:
    rc = err ? err->code : POSE_EIO;
    if (rc >= 0) rc = POSE_EIO;
done:
    /* close everything; the first failure is the one reported */
    if (pose_jsonl_close(jl, &close_err) && rc == 0) {
        rc = close_err.code;
        if (err) *err = close_err;
    }
    if (pose_csv_close(csv, &close_err) && rc == 0) {
        rc = close_err.code;
        if (err) *err = close_err;
    }
    if (pose_overlay_close(ov, &close_err) && rc == 0) {
        rc = close_err.code;
        if (err) *err = close_err;
    }
    if (src) st->dropped = pose_source_dropped(src);
    pose_estimator_free(est);
    pose_source_free(src);
    st->elapsed_s = (now_ms() - t_start) / 1e3;
    return rc;
}
