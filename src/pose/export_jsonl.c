/*
 * export_jsonl.c - the JSON Lines writer (pose.h "outputs"). The header line is built with jansson
 * (it carries strings that need escaping); frame lines carry only numbers and are formatted into a
 * buffer allocated once, then written with a single write(): only the last line of a file whose
 * writer was killed mid-write can be cut short (pose.h "outputs").
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error_internal.h"
#include "pose.h"

struct pose_jsonl {
    int fd;
    int is_stdout;
    int n_keypoints;
    int has_world;
    char path[1024];
    char *buf;
    size_t cap, len;
    int overflow;
};

/* Worst case bytes of one frame line: per keypoint "[-1234567.89,-1234567.89,0.1234]," etc. */
static size_t line_capacity(int n_keypoints)
{
    size_t per_person = 200 + (size_t)n_keypoints * (3 * 24 + 4) * 2;
    return 256 + POSE_MAX_PERSONS * per_person;
}

/* Writes all of buf: one write() in the normal case; loops only on a short write or EINTR. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void put(pose_jsonl_t *w, const char *fmt, ...)
{
    if (w->overflow) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= w->cap - w->len) {
        w->overflow = 1;
        return;
    }
    w->len += (size_t)n;
}

/* A number with `dec` decimals, or null (JSON has no NaN/Inf). */
static void num(pose_jsonl_t *w, double v, int dec)
{
    if (isfinite(v)) put(w, "%.*f", dec, v);
    else put(w, "null");
}

pose_jsonl_t *pose_jsonl_open(const char *path, const pose_stream_desc *d, pose_error *err)
{
    if (!path || !d || d->n_keypoints <= 0 || d->n_keypoints > POSE_MAX_KEYPOINTS) {
        pose__err(err, POSE_EINVAL, "jsonl: bad arguments (path and a stream with 1..%d keypoints)",
                  POSE_MAX_KEYPOINTS);
        return NULL;
    }
    pose_jsonl_t *w = calloc(1, sizeof *w);
    json_t *hdr = NULL;
    char *hs = NULL;
    if (!w) goto oom;
    w->fd = -1;
    snprintf(w->path, sizeof w->path, "%s", path);
    w->n_keypoints = d->n_keypoints;
    w->has_world = d->has_world;
    w->cap = line_capacity(d->n_keypoints);
    w->buf = malloc(w->cap);
    if (!w->buf) goto oom;
    hdr = json_object();
    json_t *names = json_array();
    if (!hdr || !names) {
        json_decref(names);
        goto oom;
    }
    for (int i = 0; i < d->n_keypoints; i++)
        json_array_append_new(names, json_string(d->keypoint_names ? d->keypoint_names[i] : ""));
    json_object_set_new(hdr, "type", json_string("header"));
    json_object_set_new(hdr, "model", json_string(d->model ? d->model : ""));
    json_object_set_new(hdr, "keypoint_names", names);
    json_object_set_new(hdr, "width", json_integer(d->width));
    json_object_set_new(hdr, "height", json_integer(d->height));
    json_object_set_new(hdr, "fps", json_real(isfinite(d->fps) ? d->fps : 0.0));
    json_object_set_new(hdr, "source", json_string(d->source ? d->source : ""));
    hs = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!hs) goto oom;
    if (strcmp(path, "-") == 0) {
        w->fd = STDOUT_FILENO;
        w->is_stdout = 1;
    } else {
        w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (w->fd < 0) {
            pose__err(err, POSE_EIO, "%s: cannot create: %s", path, strerror(errno));
            goto fail;
        }
    }
    size_t hl = strlen(hs);
    if (hl + 2 > w->cap) goto oom;
    memcpy(w->buf, hs, hl);
    w->buf[hl] = '\n';
    if (write_all(w->fd, w->buf, hl + 1) != 0) {
        pose__err(err, POSE_EIO, "%s: write failed: %s", path, strerror(errno));
        goto fail;
    }
    free(hs);
    json_decref(hdr);
    return w;
oom:
    pose__err(err, POSE_ENOMEM, "%s: out of memory", path ? path : "jsonl");
fail:
    free(hs);
    json_decref(hdr);
    if (w && w->fd >= 0 && !w->is_stdout) close(w->fd);
    if (w) free(w->buf);
    free(w);
    return NULL;
}

int pose_jsonl_write(pose_jsonl_t *w, const pose_result *r, pose_error *err)
{
    if (!w || !r || r->n_persons < 0 || r->n_persons > POSE_MAX_PERSONS)
        return pose__err(err, POSE_EINVAL, "jsonl: bad frame result");
    w->len = 0;
    w->overflow = 0;
    put(w, "{\"type\":\"frame\",\"index\":%lld,\"t\":", (long long)r->index);
    num(w, r->t, 6);
    put(w, ",\"persons\":[");
    for (int i = 0; i < r->n_persons; i++) {
        const pose_person *p = &r->persons[i];
        int nk = p->n_keypoints < w->n_keypoints ? p->n_keypoints : w->n_keypoints;
        put(w, "%s{\"id\":%d,\"score\":", i ? "," : "", p->id);
        num(w, p->score, 4);
        put(w, ",\"bbox\":[");
        for (int k = 0; k < 4; k++) {
            if (k) put(w, ",");
            num(w, p->bbox[k], 2);
        }
        put(w, "],\"keypoints\":[");
        for (int k = 0; k < nk; k++) {
            put(w, k ? ",[" : "[");
            num(w, p->kp[k].x, 2);
            put(w, ",");
            num(w, p->kp[k].y, 2);
            put(w, ",");
            num(w, p->kp[k].score, 4);
            put(w, "]");
        }
        put(w, "]");
        if (w->has_world && p->has_world) {
            put(w, ",\"world\":[");
            for (int k = 0; k < nk; k++) {
                put(w, k ? ",[" : "[");
                for (int c = 0; c < 3; c++) {
                    if (c) put(w, ",");
                    num(w, p->world[k][c], 4);
                }
                put(w, "]");
            }
            put(w, "]");
        }
        put(w, "}");
    }
    put(w, "]}\n");
    if (w->overflow)
        return pose__err(err, POSE_EINVAL, "%s: frame %lld: line too long", w->path,
                         (long long)r->index);
    if (write_all(w->fd, w->buf, w->len) != 0)
        return pose__err(err, POSE_EIO, "%s: write failed: %s", w->path, strerror(errno));
    return 0;
}

int pose_jsonl_close(pose_jsonl_t *w, pose_error *err)
{
    if (!w) return 0;
    int rc = 0;
    if (!w->is_stdout) {
        struct stat st;
        if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode) && fsync(w->fd) != 0)
            rc = pose__err(err, POSE_EIO, "%s: fsync failed: %s", w->path, strerror(errno));
        if (close(w->fd) != 0 && rc == 0)
            rc = pose__err(err, POSE_EIO, "%s: close failed: %s", w->path, strerror(errno));
    }
    free(w->buf);
    free(w);
    return rc;
}
