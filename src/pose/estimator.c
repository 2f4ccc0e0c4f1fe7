/*
 * estimator.c - the per-stream model pipelines (pose.h "Estimators"): preprocessing, inference
 * through the pose__net seam, decoding, tracking and smoothing, with per-stage timing. The input
 * tensor and every table are allocated once at create time; process() allocates nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models_internal.h"
#include "net.h"

#define MOVENET_MIN_SCORE 0.25   /* tfjs-models' pose-detection demos: minPoseScore 0.25 */
#define MULTIPOSE_MIN_SCORE 0.25
#define BP_DET_MIN_SCORE 0.5     /* MediaPipe pose detection min_score_thresh */
#define BP_NMS_IOU 0.3           /* MediaPipe min_suppression_threshold */
#define BP_ROI_SCALE 1.25        /* MediaPipe RectTransformation scale_x/scale_y */
#define BP_POSEFLAG_MIN 0.5      /* MediaPipe pose presence threshold */
#define MAX_DETECTIONS 64

static const struct {
    const char *name;
    int size;
} model_info[POSE_MODEL_COUNT] = {
    {"movenet-lightning", 192}, {"movenet-thunder", 256}, {"movenet-multipose", 256},
    {"blazepose-lite", 256},    {"blazepose-full", 256},  {"blazepose-heavy", 256},
};

struct pose_estimator {
    pose_estimator_opts o;
    char models_dir[1024];
    pose__net *net;       /* MoveNet, or BlazePose landmarks */
    pose__net *detector;  /* BlazePose only */
    void *input;          /* N x N x 3 int32/float32 */
    void *det_input;      /* 224 x 224 x 3 float32 */
    int size;
    double min_score;
    pose_tracker_t *tracker;
    pose_smoother_t *smoother;
    /* MoveNet single: the crop for the next frame */
    int crop_valid;
    double crop[4];
    /* BlazePose */
    pose__anchor *anchors;
    pose__detection *dets, *nms;
    int roi_valid;
    pose_roi roi;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int pose_model_parse(const char *name)
{
    for (int k = 0; name && k < POSE_MODEL_COUNT; k++)
        if (strcmp(name, model_info[k].name) == 0) return k;
    return -1;
}

const char *pose_model_name(pose_model_kind k)
{
    return (int)k >= 0 && k < POSE_MODEL_COUNT ? model_info[k].name : "unknown";
}

static int is_blazepose(pose_model_kind k)
{
    return k == POSE_MODEL_BLAZEPOSE_LITE || k == POSE_MODEL_BLAZEPOSE_FULL || k == POSE_MODEL_BLAZEPOSE_HEAVY;
}

void pose_estimator_defaults(pose_estimator_opts *o)
{
    memset(o, 0, sizeof *o);
    o->model = POSE_MODEL_MOVENET_LIGHTNING;
    o->smoothing = 1;
    o->min_score = -1;
}

void pose_estimator_reset(pose_estimator_t *e)
{
    e->crop_valid = 0;
    e->roi_valid = 0;
    pose_tracker_free(e->tracker);
    e->tracker = pose_tracker_create(NULL, NULL);
    pose_smoother_free(e->smoother);
    e->smoother = NULL;
    if (e->o.smoothing) {
        int bp = is_blazepose(e->o.model);
        e->smoother = pose_smoother_create(bp ? POSE_SMOOTH_MEDIAPIPE : POSE_SMOOTH_MOVENET,
                                           bp ? POSE_SMOOTH_MEDIAPIPE_WORLD : POSE_SMOOTH_NONE, 1.0, NULL);
    }
}

pose_estimator_t *pose_estimator_create(const pose_estimator_opts *o, pose_error *err)
{
    pose_estimator_opts d;
    if (!o) {
        pose_estimator_defaults(&d);
        o = &d;
    }
    if ((int)o->model < 0 || o->model >= POSE_MODEL_COUNT || !o->models_dir) {
        if (err) {
            err->code = POSE_EINVAL;
            snprintf(err->msg, sizeof err->msg, "estimator: %s", !o->models_dir ? "no models folder given"
                                                                               : "unknown model");
        }
        return NULL;
    }
    pose_estimator_t *e = calloc(1, sizeof *e);
    if (!e) goto oom;
    e->o = *o;
    snprintf(e->models_dir, sizeof e->models_dir, "%s", o->models_dir);
    e->o.models_dir = e->models_dir;
    e->size = model_info[o->model].size;
    int bp = is_blazepose(o->model);
    e->min_score = o->min_score >= 0 ? o->min_score
                   : bp                 ? BP_POSEFLAG_MIN
                   : o->model == POSE_MODEL_MOVENET_MULTIPOSE ? MULTIPOSE_MIN_SCORE
                                                               : MOVENET_MIN_SCORE;
    e->input = malloc((size_t)e->size * (size_t)e->size * 3 * 4);
    if (!e->input) goto oom;
    if (bp) {
        e->det_input = malloc((size_t)POSE__BP_DET_SIZE * POSE__BP_DET_SIZE * 3 * 4);
        e->anchors = malloc(POSE__BP_ANCHORS * sizeof *e->anchors);
        e->dets = malloc(MAX_DETECTIONS * sizeof *e->dets);
        e->nms = malloc(MAX_DETECTIONS * sizeof *e->nms);
        if (!e->det_input || !e->anchors || !e->dets || !e->nms) goto oom;
        pose__blazepose_anchors(e->anchors, POSE__BP_ANCHORS);
        e->detector = pose__net_load(e->models_dir, "blazepose-detector", POSE__BP_DET_SIZE, 0, o->threads, err);
        if (!e->detector) goto fail;
    }
    e->net = pose__net_load(e->models_dir, model_info[o->model].name, e->size, !bp, o->threads, err);
    if (!e->net) goto fail;
    pose_estimator_reset(e);
    if (!e->tracker || (o->smoothing && !e->smoother)) goto oom;
    return e;
oom:
    if (err) {
        err->code = POSE_ENOMEM;
        snprintf(err->msg, sizeof err->msg, "estimator: out of memory");
    }
fail:
    pose_estimator_free(e);
    return NULL;
}

void pose_estimator_free(pose_estimator_t *e)
{
    if (!e) return;
    if (e->net) e->net->free(e->net);
    if (e->detector) e->detector->free(e->detector);
    pose_tracker_free(e->tracker);
    pose_smoother_free(e->smoother);
    free(e->input);
    free(e->det_input);
    free(e->anchors);
    free(e->dets);
    free(e->nms);
    free(e);
}

void pose_estimator_describe(const pose_estimator_t *e, pose_stream_desc *d)
{
    int bp = is_blazepose(e->o.model);
    d->model = model_info[e->o.model].name;
    d->keypoint_names = bp ? pose_blazepose33_names : pose_coco17_names;
    d->n_keypoints = bp ? 33 : 17;
    d->has_world = bp;
}

static int missing_output(pose_error *err, const char *model, size_t count)
{
    if (err) {
        err->code = POSE_EINVAL;
        snprintf(err->msg, sizeof err->msg, "%s: the model has no output of %zu values", model, count);
    }
    return POSE_EINVAL;
}

/* ---- MoveNet ---------------------------------------------------------------------------------- */

static int movenet_single(pose_estimator_t *e, const pose_frame *f, pose_result *r, pose_timing *tm,
                          pose_error *err)
{
    const char *name = model_info[e->o.model].name;
    double t0 = now_ms(), box[4];
    int rc;
    if (e->crop_valid) {
        memcpy(box, e->crop, sizeof box);
        rc = pose_preprocess_crop(f->rgb, f->width, f->height, f->rgb_stride, box, e->size, POSE_NORM_INT32,
                                  e->input, err);
    } else {
        pose__movenet_full_box(f->width, f->height, box);
        rc = pose_preprocess_letterbox(f->rgb, f->width, f->height, f->rgb_stride, e->size, POSE_NORM_INT32,
                                       e->input, NULL, err);
    }
    if (rc) return rc;
    double t1 = now_ms();
    rc = e->net->run(e->net, e->input, err);
    if (rc) return rc;
    const float *out = e->net->output(e->net, 51);
    if (!out) return missing_output(err, name, 51);
    double t2 = now_ms();
    pose_person *p = &r->persons[0];
    pose__movenet_decode_single(out, box, f->width, f->height, p);
    if (p->score < e->min_score) {
        e->crop_valid = 0; /* lost: the next frame looks at the whole picture */
        r->n_persons = 0;
    } else {
        p->id = 1;
        r->n_persons = 1;
        if (e->smoother) pose_smoother_apply(e->smoother, r, f->width > f->height ? f->width : f->height);
        double next[4];
        if (pose__movenet_next_crop(p, f->width, f->height, next)) {
            if (e->crop_valid) /* tfjs-models' LowPassFilter(alpha 0.9) on each edge */
                for (int k = 0; k < 4; k++)
                    next[k] = POSE__MOVENET_CROP_ALPHA * next[k] + (1 - POSE__MOVENET_CROP_ALPHA) * e->crop[k];
            memcpy(e->crop, next, sizeof next);
            e->crop_valid = 1;
        } else {
            e->crop_valid = 0;
        }
    }
    if (tm) {
        tm->preprocess_ms = t1 - t0;
        tm->inference_ms = t2 - t1;
        tm->post_ms = now_ms() - t2;
    }
    return 0;
}

static int movenet_multi(pose_estimator_t *e, const pose_frame *f, pose_result *r, pose_timing *tm,
                         pose_error *err)
{
    double t0 = now_ms();
    pose_letterbox lb;
    int rc = pose_preprocess_letterbox(f->rgb, f->width, f->height, f->rgb_stride, e->size, POSE_NORM_INT32,
                                       e->input, &lb, err);
    if (rc) return rc;
    double t1 = now_ms();
    rc = e->net->run(e->net, e->input, err);
    if (rc) return rc;
    const float *out = e->net->output(e->net, 6 * 56);
    if (!out) return missing_output(err, "movenet-multipose", 6 * 56);
    double t2 = now_ms();
    pose__movenet_decode_multi(out, 6, &lb, e->min_score, r);
    if (e->tracker) pose_tracker_update(e->tracker, r);
    if (e->smoother) pose_smoother_apply(e->smoother, r, f->width > f->height ? f->width : f->height);
    if (tm) {
        tm->preprocess_ms = t1 - t0;
        tm->inference_ms = t2 - t1;
        tm->post_ms = now_ms() - t2;
    }
    return 0;
}

/* ---- BlazePose -------------------------------------------------------------------------------- */

/* Detector stage: sets e->roi from the best detection; 1 found, 0 none, < 0 error. */
static int blazepose_detect(pose_estimator_t *e, const pose_frame *f, double *pre_ms, double *inf_ms,
                            pose_error *err)
{
    double t0 = now_ms();
    pose_letterbox lb;
    int rc = pose_preprocess_letterbox(f->rgb, f->width, f->height, f->rgb_stride, POSE__BP_DET_SIZE,
                                       POSE_NORM_PM1, e->det_input, &lb, err);
    if (rc) return rc;
    double t1 = now_ms();
    rc = e->detector->run(e->detector, e->det_input, err);
    if (rc) return rc;
    const float *raw = e->detector->output(e->detector, POSE__BP_ANCHORS * 13);
    if (!raw) return missing_output(err, "blazepose-detector", POSE__BP_ANCHORS * 13);
    *pre_ms += t1 - t0;
    *inf_ms += now_ms() - t1;
    int n = pose__blazepose_decode_detections(raw, e->anchors, POSE__BP_ANCHORS, &lb, BP_DET_MIN_SCORE,
                                              e->dets, MAX_DETECTIONS);
    if (n == 0) return 0;
    pose__detection best;
    if (pose__weighted_nms(e->dets, n, BP_NMS_IOU, &best, 1) != 1) return 0;
    pose__roi_from_alignment(best.kp[0][0], best.kp[0][1], best.kp[1][0], best.kp[1][1], BP_ROI_SCALE, &e->roi);
    e->roi_valid = e->roi.w > 1;
    return e->roi_valid;
}

static int blazepose(pose_estimator_t *e, const pose_frame *f, pose_result *r, pose_timing *tm,
                     pose_error *err)
{
    const char *name = model_info[e->o.model].name;
    double pre = 0, inf = 0, post = 0;
    r->n_persons = 0;
    int rc;
    if (!e->roi_valid) {
        rc = blazepose_detect(e, f, &pre, &inf, err);
        if (rc < 0) return rc;
    }
    if (e->roi_valid) {
        double t0 = now_ms();
        rc = pose_preprocess_roi(f->rgb, f->width, f->height, f->rgb_stride, &e->roi, POSE__BP_LM_SIZE,
                                 POSE_NORM_01, e->input, err);
        if (rc) return rc;
        double t1 = now_ms();
        rc = e->net->run(e->net, e->input, err);
        if (rc) return rc;
        const float *ld = e->net->output(e->net, 195), *flag = e->net->output(e->net, 1),
                    *world = e->net->output(e->net, 117);
        if (!ld || !flag) return missing_output(err, name, ld ? 1 : 195);
        double t2 = now_ms();
        pre += t1 - t0;
        inf += t2 - t1;
        if (*flag < e->min_score) {
            e->roi_valid = 0; /* the detector looks again on the next frame */
        } else {
            pose_person *p = &r->persons[0];
            double aux[2][2];
            pose__blazepose_decode_landmarks(ld, world, &e->roi, p, aux);
            p->score = *flag;
            p->id = 1;
            r->n_persons = 1;
            if (e->smoother) pose_smoother_apply(e->smoother, r, 0);
            pose__roi_from_alignment(aux[0][0], aux[0][1], aux[1][0], aux[1][1], BP_ROI_SCALE, &e->roi);
            e->roi_valid = e->roi.w > 1 && isfinite(e->roi.cx) && isfinite(e->roi.cy);
        }
        post = now_ms() - t2;
    }
    if (tm) {
        tm->preprocess_ms = pre;
        tm->inference_ms = inf;
        tm->post_ms = post;
    }
    return 0;
}

int pose_estimator_process(pose_estimator_t *e, const pose_frame *f, pose_result *r, pose_timing *tm,
                           pose_error *err)
{
    r->index = f->index;
    r->t = f->t;
    r->n_persons = 0;
    if (tm) memset(tm, 0, sizeof *tm);
    if (!f->rgb) {
        if (err) {
            err->code = POSE_EINVAL;
            snprintf(err->msg, sizeof err->msg, "estimator: frame %lld has no RGB pixels", (long long)f->index);
        }
        return POSE_EINVAL;
    }
    if (is_blazepose(e->o.model)) return blazepose(e, f, r, tm, err);
    if (e->o.model == POSE_MODEL_MOVENET_MULTIPOSE) return movenet_multi(e, f, r, tm, err);
    return movenet_single(e, f, r, tm, err);
}
