/*
 * reference_json.c - a reference movement as JSON (pose.h "reference store"), with jansson:
 * what `pose reference export` writes and `pose reference import` reads. Strict on input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kinematics_internal.h"

static json_t *matrix(const double *x, size_t n, size_t m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *row = json_array();
        for (size_t j = 0; row && j < m; j++) json_array_append_new(row, json_real(x[i * m + j]));
        if (!row || json_array_append_new(a, row)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int pose_reference_to_json(const pose_reference *r, char **out, pose_error *err)
{
    *out = NULL;
    int rc = pose_reference_check(r, err);
    if (rc) return rc;
    json_t *joints = json_array();
    for (size_t j = 0; joints && j < r->njoints; j++)
        json_array_append_new(joints, json_string(pose_angle_name(r->joints[j])));
    json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:b, s:I, s:f, s:f, s:I, s:o, s:o*, s:o*}",
                          "format", "pose-reference", "version", 1, "name", r->name, "source",
                          r->source, "created", r->created, "driver", pose_angle_name(r->driver),
                          "is_3d", r->is_3d, "nreps", (json_int_t)r->nreps, "mean_duration",
                          r->mean_duration, "mean_rom", r->mean_rom, "length", (json_int_t)r->len,
                          "joints", joints, "template", matrix(r->tmpl, r->len, r->njoints), "sd",
                          matrix(r->sd, r->len, r->njoints));
    if (!o) return pose__kin_err(err, POSE_ENOMEM, "out of memory writing JSON");
    *out = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(o);
    return *out ? POSE_OK : pose__kin_err(err, POSE_ENOMEM, "out of memory writing JSON");
}

static int read_matrix(json_t *a, const char *field, size_t n, size_t m, double *x, const char *what,
                       pose_error *err)
{
    if (!json_is_array(a) || json_array_size(a) != n)
        return pose__kin_err(err, POSE_EINVAL, "%s: \"%s\" must be an array of %zu rows", what,
                             field, n);
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(a, i);
        if (!json_is_array(row) || json_array_size(row) != m)
            return pose__kin_err(err, POSE_EINVAL, "%s: %s[%zu] must have %zu numbers (one per joint)",
                                 what, field, i, m);
        for (size_t j = 0; j < m; j++) {
            json_t *v = json_array_get(row, j);
            if (!json_is_number(v) || !isfinite(json_number_value(v)))
                return pose__kin_err(err, POSE_EINVAL, "%s: %s[%zu][%zu] is not a finite number",
                                     what, field, i, j);
            x[i * m + j] = json_number_value(v);
        }
    }
    return POSE_OK;
}

int pose_reference_from_json(const char *buf, size_t len, const char *what, pose_reference *out,
                             pose_error *err)
{
    memset(out, 0, sizeof *out);
    if (!what) what = "<json>";
    json_error_t je;
    json_t *o = json_loadb(buf, len, 0, &je);
    if (!o)
        return pose__kin_err(err, POSE_EINVAL, "%s:%d: bad JSON: %s", what, je.line, je.text);
    int rc = POSE_EINVAL;
    const char *format = NULL, *name = NULL, *source = "", *created = "", *driver = NULL;
    json_int_t version = 0, nreps = 0, length = 0;
    int is_3d = 0;
    double mdur = 0, mrom = 0;
    json_t *joints = NULL, *tmpl = NULL, *sd = NULL;
    if (json_unpack_ex(o, &je, 0, "{s:s, s:I, s:s, s?:s, s?:s, s:s, s?:b, s:I, s?:F, s?:F, s:I, s:o, s:o, s:o}",
                       "format", &format, "version", &version, "name", &name, "source", &source,
                       "created", &created, "driver", &driver, "is_3d", &is_3d, "nreps", &nreps,
                       "mean_duration", &mdur, "mean_rom", &mrom, "length", &length, "joints",
                       &joints, "template", &tmpl, "sd", &sd)) {
        pose__kin_err(err, POSE_EINVAL, "%s: not a pose reference: %s", what, je.text);
        goto done;
    }
    if (strcmp(format, "pose-reference") != 0 || version != 1) {
        pose__kin_err(err, POSE_EINVAL, "%s: format '%s' version %lld: want pose-reference 1", what,
                      format, (long long)version);
        goto done;
    }
    if (strlen(name) >= sizeof out->name) {
        pose__kin_err(err, POSE_EINVAL, "%s: \"name\" longer than %d bytes", what, POSE_REF_NAME_MAX - 1);
        goto done;
    }
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->source, sizeof out->source, "%s", source);
    snprintf(out->created, sizeof out->created, "%s", created);
    out->driver = pose_angle_find(driver);
    if (out->driver < 0 || out->driver >= POSE_ANGLE_JOINT_COUNT) {
        pose__kin_err(err, POSE_EINVAL, "%s: \"driver\" '%s' is not a joint angle name", what, driver);
        goto done;
    }
    if (!json_is_array(joints) || json_array_size(joints) == 0 ||
        json_array_size(joints) > POSE_ANGLE_JOINT_COUNT) {
        pose__kin_err(err, POSE_EINVAL, "%s: \"joints\" must be 1..%d joint angle names", what,
                      POSE_ANGLE_JOINT_COUNT);
        goto done;
    }
    out->njoints = json_array_size(joints);
    for (size_t j = 0; j < out->njoints; j++) {
        const char *jn = json_string_value(json_array_get(joints, j));
        out->joints[j] = jn ? pose_angle_find(jn) : -1;
        if (out->joints[j] < 0 || out->joints[j] >= POSE_ANGLE_JOINT_COUNT) {
            pose__kin_err(err, POSE_EINVAL, "%s: joints[%zu] is not a joint angle name", what, j);
            goto done;
        }
    }
    if (length < 2 || length > 100000 || nreps < 1 || nreps > 1000000) {
        pose__kin_err(err, POSE_EINVAL, "%s: \"length\" %lld (2..100000) or \"nreps\" %lld (>= 1) out of range",
                      what, (long long)length, (long long)nreps);
        goto done;
    }
    out->len = (size_t)length;
    out->nreps = (size_t)nreps;
    out->is_3d = is_3d;
    out->mean_duration = mdur;
    out->mean_rom = mrom;
    out->tmpl = malloc(out->len * out->njoints * sizeof(double));
    out->sd = malloc(out->len * out->njoints * sizeof(double));
    if (!out->tmpl || !out->sd) {
        rc = pose__kin_err(err, POSE_ENOMEM, "%s: out of memory", what);
        goto done;
    }
    if (read_matrix(tmpl, "template", out->len, out->njoints, out->tmpl, what, err) ||
        read_matrix(sd, "sd", out->len, out->njoints, out->sd, what, err))
        goto done;
    rc = pose_reference_check(out, err);
done:
    json_decref(o);
    if (rc) pose_reference_free(out);
    return rc;
}
