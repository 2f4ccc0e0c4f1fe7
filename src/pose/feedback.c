/*
 * feedback.c - feedback sentences from anomalies and the JSON report of a comparison (pose.h
 * "comparison and feedback", docs/COMPARE.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kinematics_internal.h"
#include "compare_internal.h"

void pose__joint_words(int joint, const char **subject, const char **more, const char **less)
{
    static const char *const subj[POSE_ANGLE_JOINT_COUNT] = {
        "right hip", "left hip", "right knee", "left knee", "right ankle", "left ankle",
        "right shoulder", "left shoulder", "right elbow", "left elbow", "trunk", "pelvis",
        "shoulders"};
    *subject = joint >= 0 && joint < POSE_ANGLE_JOINT_COUNT ? subj[joint] : "joint";
    switch (joint) {
    case POSE_ANGLE_ANKLE_R:
    case POSE_ANGLE_ANKLE_L:
        *more = "more dorsiflexed", *less = "less dorsiflexed";
        break;
    case POSE_ANGLE_TRUNK_LEAN:
        *more = "more forward-leaning", *less = "less forward-leaning";
        break;
    case POSE_ANGLE_PELVIS_TILT:
    case POSE_ANGLE_SHOULDER_TILT:
        *more = "more raised on the left", *less = "more raised on the right";
        break;
    default:
        *more = "more flexed", *less = "less flexed";
    }
}

const char *pose__phase_phrase(int phase)
{
    static const char *const p[POSE_PHASE_COUNT] = {"at the start", "on the way down",
                                                    "at the bottom", "on the way up", "at the end"};
    return phase >= 0 && phase < POSE_PHASE_COUNT ? p[phase] : "";
}

int pose__feedback_make(pose_comparison *c, pose_error *err)
{
    free(c->feedback);
    c->feedback = NULL;
    c->nfeedback = 0;
    if (!c->nanomalies) return POSE_OK;
    c->feedback = calloc(c->nanomalies, sizeof *c->feedback);
    if (!c->feedback) return pose__kin_err(err, POSE_ENOMEM, "out of memory");
    /* anomalies come ordered by rep, then joint, then phase: keep the worst of each (rep, joint) */
    for (size_t i = 0; i < c->nanomalies;) {
        size_t best = i, e = i;
        while (e < c->nanomalies && c->anomalies[e].rep == c->anomalies[i].rep &&
               c->anomalies[e].joint == c->anomalies[i].joint) {
            const pose_anomaly *x = &c->anomalies[e], *b = &c->anomalies[best];
            if (fabs(x->deviation) / x->threshold > fabs(b->deviation) / b->threshold) best = e;
            e++;
        }
        const pose_anomaly *b = &c->anomalies[best];
        const char *subject, *more, *less;
        pose__joint_words(b->joint, &subject, &more, &less);
        snprintf(c->feedback[c->nfeedback++], sizeof c->feedback[0],
                 "rep %zu: %s %.0f\xC2\xB0 %s than the reference %s", b->rep, subject,
                 fabs(b->deviation), b->deviation > 0 ? more : less, pose__phase_phrase(b->phase));
        i = e;
    }
    return POSE_OK;
}

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

int pose_comparison_to_json(const pose_comparison *c, const pose_reference *ref,
                            const pose_compare_options *opt, char **out, pose_error *err)
{
    pose_compare_options o = opt ? *opt : pose_compare_defaults();
    *out = NULL;
    json_t *root = json_object(), *reps = json_array(), *an = json_array(), *fb = json_array();
    json_t *joints = json_array(), *phases = json_array();
    if (!root || !reps || !an || !fb || !joints || !phases) goto nomem;
    for (size_t j = 0; j < ref->njoints; j++)
        json_array_append_new(joints, json_string(pose_angle_name(ref->joints[j])));
    for (size_t i = 0; i < c->len; i++) json_array_append_new(phases, json_string(pose_phase_name(c->phase[i])));
    json_object_set_new(root, "reference", json_pack("{s:s, s:s, s:b, s:I, s:I, s:o}", "name", ref->name,
                                                     "driver", pose_angle_name(ref->driver), "is_3d",
                                                     ref->is_3d, "nreps", (json_int_t)ref->nreps,
                                                     "length", (json_int_t)ref->len, "joints", joints));
    json_object_set_new(root, "options", json_pack("{s:f, s:f, s:f, s:I}", "score_scale", o.score_scale,
                                                   "k_sd", o.k_sd, "min_dev", o.min_dev, "window",
                                                   (json_int_t)o.window));
    json_object_set_new(root, "template_phases", phases);
    for (size_t k = 0; k < c->nreps; k++) {
        const pose_rep_result *r = &c->reps[k];
        json_t *path = json_array(), *jr = json_object();
        for (size_t q = 0; path && q < r->path_len; q++)
            json_array_append_new(path, json_pack("[I,I]", (json_int_t)r->path[2 * q],
                                                  (json_int_t)r->path[2 * q + 1]));
        for (size_t j = 0; jr && j < ref->njoints; j++)
            json_object_set_new(jr, pose_angle_name(ref->joints[j]), jnum(r->joint_rms[j]));
        json_t *e = json_pack("{s:I, s:f, s:f, s:f, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
                              "rep", (json_int_t)(k + 1), "t_start", r->rep.t_start, "t_end",
                              r->rep.t_end, "duration", r->rep.duration, "start_sample",
                              (json_int_t)r->rep.start, "end_sample", (json_int_t)r->rep.end,
                              "rom", jnum(r->rep.rom), "peak_velocity", jnum(r->rep.peak_velocity),
                              "distance", jnum(r->distance), "rms", jnum(r->rms), "score",
                              jnum(r->score), "alignment", path);
        if (!e || !jr) {
            json_decref(e);
            json_decref(jr); /* path: json_pack steals it, even on failure */
            goto nomem_late;
        }
        json_object_set_new(e, "joint_rms", jr);
        json_array_append_new(reps, e);
    }
    for (size_t i = 0; i < c->nanomalies; i++) {
        const pose_anomaly *a = &c->anomalies[i];
        json_array_append_new(an, json_pack("{s:I, s:s, s:s, s:f, s:f}", "rep", (json_int_t)a->rep,
                                            "joint", pose_angle_name(a->joint), "phase",
                                            pose_phase_name(a->phase), "deviation", a->deviation,
                                            "threshold", a->threshold));
    }
    for (size_t i = 0; i < c->nfeedback; i++) json_array_append_new(fb, json_string(c->feedback[i]));
    json_object_set_new(root, "reps", reps);
    json_object_set_new(root, "mean_score", jnum(c->mean_score));
    json_object_set_new(root, "anomalies", an);
    json_object_set_new(root, "feedback", fb);
    *out = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    json_decref(root);
    return *out ? POSE_OK : pose__kin_err(err, POSE_ENOMEM, "out of memory writing the report");
nomem_late: /* joints and phases belong to root by now */
    json_decref(root);
    json_decref(reps);
    json_decref(an);
    json_decref(fb);
    return pose__kin_err(err, POSE_ENOMEM, "out of memory writing the report");
nomem:
    json_decref(root);
    json_decref(reps);
    json_decref(an);
    json_decref(fb);
    json_decref(joints);
    json_decref(phases);
    return pose__kin_err(err, POSE_ENOMEM, "out of memory writing the report");
}
