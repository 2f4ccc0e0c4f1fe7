/*
 * export_csv.c - the CSV writer (pose.h "outputs"): one row per person per frame, written to
 * PATH.tmp through stdio and renamed to PATH on close, so PATH only ever holds a complete table.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"
#include "pose.h"

struct pose_csv {
    FILE *fp;
    int n_keypoints;
    int has_world;
    char path[1024];
    char tmp[1040];
};

static void num(FILE *fp, double v, int dec)
{
    if (isfinite(v)) fprintf(fp, ",%.*f", dec, v);
    else fputs(",", fp); /* empty cell: missing value */
}

pose_csv_t *pose_csv_open(const char *path, const pose_stream_desc *d, pose_error *err)
{
    if (!path || !*path || !d || d->n_keypoints <= 0 || d->n_keypoints > POSE_MAX_KEYPOINTS) {
        pose__err(err, POSE_EINVAL, "csv: bad arguments (path and a stream with 1..%d keypoints)",
                  POSE_MAX_KEYPOINTS);
        return NULL;
    }
    pose_csv_t *w = calloc(1, sizeof *w);
    if (!w) {
        pose__err(err, POSE_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    snprintf(w->path, sizeof w->path, "%s", path);
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp", w->path);
    w->n_keypoints = d->n_keypoints;
    w->has_world = d->has_world;
    w->fp = fopen(w->tmp, "w");
    if (!w->fp) {
        pose__err(err, POSE_EIO, "%s: cannot create: %s", w->tmp, strerror(errno));
        free(w);
        return NULL;
    }
    fputs("frame,t,id,score,x0,y0,x1,y1", w->fp);
    for (int k = 0; k < d->n_keypoints; k++) {
        const char *n = d->keypoint_names ? d->keypoint_names[k] : "kp";
        fprintf(w->fp, ",%s_x,%s_y,%s_score", n, n, n);
    }
    if (d->has_world)
        for (int k = 0; k < d->n_keypoints; k++) {
            const char *n = d->keypoint_names ? d->keypoint_names[k] : "kp";
            fprintf(w->fp, ",%s_wx,%s_wy,%s_wz", n, n, n);
        }
    fputc('\n', w->fp);
    return w;
}

int pose_csv_write(pose_csv_t *w, const pose_result *r, pose_error *err)
{
    if (!w || !r || r->n_persons < 0 || r->n_persons > POSE_MAX_PERSONS)
        return pose__err(err, POSE_EINVAL, "csv: bad frame result");
    for (int i = 0; i < r->n_persons; i++) {
        const pose_person *p = &r->persons[i];
        fprintf(w->fp, "%lld,%.6f,%d", (long long)r->index, r->t, p->id);
        num(w->fp, p->score, 4);
        for (int k = 0; k < 4; k++) num(w->fp, p->bbox[k], 2);
        for (int k = 0; k < w->n_keypoints; k++) {
            int ok = k < p->n_keypoints;
            num(w->fp, ok ? p->kp[k].x : NAN, 2);
            num(w->fp, ok ? p->kp[k].y : NAN, 2);
            num(w->fp, ok ? p->kp[k].score : NAN, 4);
        }
        if (w->has_world)
            for (int k = 0; k < w->n_keypoints; k++)
                for (int c = 0; c < 3; c++)
                    num(w->fp, p->has_world && k < p->n_keypoints ? p->world[k][c] : NAN, 4);
        fputc('\n', w->fp);
    }
    if (ferror(w->fp)) return pose__err(err, POSE_EIO, "%s: write failed", w->tmp);
    return 0;
}

int pose_csv_close(pose_csv_t *w, pose_error *err)
{
    if (!w) return 0;
    int rc = 0;
    if (fflush(w->fp) != 0 || ferror(w->fp))
        rc = pose__err(err, POSE_EIO, "%s: write failed: %s", w->tmp, strerror(errno));
    if (fclose(w->fp) != 0 && rc == 0)
        rc = pose__err(err, POSE_EIO, "%s: close failed: %s", w->tmp, strerror(errno));
    if (rc == 0 && rename(w->tmp, w->path) != 0)
        rc = pose__err(err, POSE_EIO, "%s: cannot rename to %s: %s", w->tmp, w->path,
                       strerror(errno));
    if (rc != 0) remove(w->tmp);
    free(w);
    return rc;
}
