/*
 * frames.c - reader of the `pose analyze` JSON Lines (pose.h "keypoint series I/O"): a header line,
 * then one line per frame with its persons. Every line is parsed with jansson; all keypoints go to
 * one growing array of doubles, so a file of N frames costs a handful of allocations.
 * Errors name "file:line: why". An unterminated last line that is not JSON (a writer killed while
 * the kernel copied it) is skipped: the frames before it are whole.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error_internal.h"
#include "pose.h"

typedef struct frame_rec {
    double t;
    int64_t index;
    size_t first, count; /* persons[first .. first+count) */
} frame_rec;

typedef struct person_rec {
    int64_t id;
    size_t kp;      /* offset in vals of [nkp][3] keypoints */
    size_t world;   /* offset in vals of [nkp][3] world, or SIZE_MAX */
} person_rec;

struct pose_frames {
    char *model, *source;
    char **names;
    size_t nkp;
    int width, height;
    double fps;
    pose_skeleton skeleton;
    frame_rec *frames;
    size_t nframes, capframes;
    person_rec *persons;
    size_t npersons, cappersons;
    double *vals;
    size_t nvals, capvals;
    int64_t *ids; /* distinct, sorted */
    size_t nids;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return -1;
    *p = q;
    *cap = nc;
    return 0;
}

pose_skeleton pose_skeleton_from_names(const char *const *names, size_t n)
{
    const char *const *set = NULL;
    pose_skeleton sk = POSE_SKELETON_UNKNOWN;
    if (n == 17) set = pose_coco17_names, sk = POSE_SKELETON_COCO17;
    else if (n == 33) set = pose_blazepose33_names, sk = POSE_SKELETON_BLAZEPOSE33;
    if (!set || !names) return POSE_SKELETON_UNKNOWN;
    for (size_t i = 0; i < n; i++)
        if (!names[i] || strcmp(names[i], set[i]) != 0) return POSE_SKELETON_UNKNOWN;
    return sk;
}

void pose_frames_free(pose_frames_t *f)
{
    if (!f) return;
    free(f->model);
    free(f->source);
    for (size_t i = 0; f->names && i < f->nkp; i++) free(f->names[i]);
    free(f->names);
    free(f->frames);
    free(f->persons);
    free(f->vals);
    free(f->ids);
    free(f);
}

/* A JSON number (integer or real) or null (NaN) into *v; 0 ok, -1 wrong type. */
static int num_or_null(const json_t *j, double *v)
{
    if (json_is_null(j)) {
        *v = NAN;
        return 0;
    }
    if (!json_is_number(j)) return -1;
    *v = json_number_value(j);
    return 0;
}

static char *dupstr(const json_t *j)
{
    const char *s = json_is_string(j) ? json_string_value(j) : "";
    return strdup(s);
}

static int parse_header(pose_frames_t *f, json_t *o, const char *name, size_t line, pose_error *err)
{
    json_t *names = json_object_get(o, "keypoint_names");
    if (!json_is_array(names) || json_array_size(names) == 0) {
        pose__err(err, POSE_EINVAL, "%s:%zu: header has no \"keypoint_names\" array", name, line);
        return POSE_EINVAL;
    }
    f->nkp = json_array_size(names);
    if (f->nkp > 4096) {
        pose__err(err, POSE_EINVAL, "%s:%zu: header has %zu keypoint names (at most 4096)", name,
                  line, f->nkp);
        return POSE_EINVAL;
    }
    f->names = calloc(f->nkp, sizeof *f->names);
    if (!f->names) goto nomem;
    for (size_t i = 0; i < f->nkp; i++) {
        json_t *s = json_array_get(names, i);
        if (!json_is_string(s)) {
            pose__err(err, POSE_EINVAL, "%s:%zu: keypoint_names[%zu] is not a string", name, line,
                      i);
            return POSE_EINVAL;
        }
        if (!(f->names[i] = strdup(json_string_value(s)))) goto nomem;
    }
    f->skeleton = pose_skeleton_from_names((const char *const *)f->names, f->nkp);
    f->model = dupstr(json_object_get(o, "model"));
    f->source = dupstr(json_object_get(o, "source"));
    if (!f->model || !f->source) goto nomem;
    json_t *w = json_object_get(o, "width"), *h = json_object_get(o, "height");
    json_t *fps = json_object_get(o, "fps");
    if (json_is_integer(w) && json_integer_value(w) > 0 && json_integer_value(w) < 1000000)
        f->width = (int)json_integer_value(w);
    if (json_is_integer(h) && json_integer_value(h) > 0 && json_integer_value(h) < 1000000)
        f->height = (int)json_integer_value(h);
    if (json_is_number(fps) && json_number_value(fps) > 0) f->fps = json_number_value(fps);
    return POSE_OK;
nomem:
    pose__err(err, POSE_ENOMEM, "%s:%zu: out of memory", name, line);
    return POSE_ENOMEM;
}

/* Reads a [nkp][3] array of triples into vals at a fresh offset. what: "keypoints" or "world". */
static int parse_triples(pose_frames_t *f, json_t *a, const char *what, size_t pi, size_t *off,
                         const char *name, size_t line, pose_error *err)
{
    if (!json_is_array(a)) {
        pose__err(err, POSE_EINVAL, "%s:%zu: persons[%zu].%s is not an array", name, line, pi,
                  what);
        return POSE_EINVAL;
    }
    if (json_array_size(a) != f->nkp) {
        pose__err(err, POSE_EINVAL, "%s:%zu: persons[%zu].%s has %zu points, the header names %zu",
                  name, line, pi, what, json_array_size(a), f->nkp);
        return POSE_EINVAL;
    }
    if (grow((void **)&f->vals, &f->capvals, f->nvals + f->nkp * 3, sizeof(double))) {
        pose__err(err, POSE_ENOMEM, "%s:%zu: out of memory", name, line);
        return POSE_ENOMEM;
    }
    *off = f->nvals;
    for (size_t k = 0; k < f->nkp; k++) {
        json_t *p = json_array_get(a, k);
        if (!json_is_array(p) || json_array_size(p) != 3) {
            pose__err(err, POSE_EINVAL, "%s:%zu: persons[%zu].%s[%zu] is not a [a,b,c] triple",
                      name, line, pi, what, k);
            return POSE_EINVAL;
        }
        for (size_t c = 0; c < 3; c++) {
            double v;
            if (num_or_null(json_array_get(p, c), &v)) {
                pose__err(err, POSE_EINVAL, "%s:%zu: persons[%zu].%s[%zu][%zu] is not a number",
                          name, line, pi, what, k, c);
                return POSE_EINVAL;
            }
            f->vals[f->nvals + k * 3 + c] = v;
        }
    }
    f->nvals += f->nkp * 3;
    return POSE_OK;
}

static int parse_frame(pose_frames_t *f, json_t *o, const char *name, size_t line, pose_error *err)
{
    json_t *t = json_object_get(o, "t"), *idx = json_object_get(o, "index");
    json_t *ps = json_object_get(o, "persons");
    if (!json_is_number(t) || !isfinite(json_number_value(t))) {
        pose__err(err, POSE_EINVAL, "%s:%zu: frame has no numeric \"t\"", name, line);
        return POSE_EINVAL;
    }
    if (!json_is_array(ps)) {
        pose__err(err, POSE_EINVAL, "%s:%zu: frame has no \"persons\" array", name, line);
        return POSE_EINVAL;
    }
    double tv = json_number_value(t);
    if (f->nframes && tv < f->frames[f->nframes - 1].t) {
        pose__err(err, POSE_EINVAL, "%s:%zu: t %.6g goes back in time (previous frame %.6g)", name,
                  line, tv, f->frames[f->nframes - 1].t);
        return POSE_EINVAL;
    }
    if (grow((void **)&f->frames, &f->capframes, f->nframes + 1, sizeof(frame_rec)) ||
        grow((void **)&f->persons, &f->cappersons, f->npersons + json_array_size(ps),
             sizeof(person_rec))) {
        pose__err(err, POSE_ENOMEM, "%s:%zu: out of memory", name, line);
        return POSE_ENOMEM;
    }
    frame_rec *fr = &f->frames[f->nframes];
    fr->t = tv;
    fr->index = json_is_integer(idx) ? (int64_t)json_integer_value(idx) : (int64_t)f->nframes;
    fr->first = f->npersons;
    fr->count = 0;
    for (size_t i = 0; i < json_array_size(ps); i++) {
        json_t *p = json_array_get(ps, i);
        if (!json_is_object(p)) {
            pose__err(err, POSE_EINVAL, "%s:%zu: persons[%zu] is not an object", name, line, i);
            return POSE_EINVAL;
        }
        json_t *id = json_object_get(p, "id");
        if (!json_is_integer(id)) {
            pose__err(err, POSE_EINVAL, "%s:%zu: persons[%zu] has no integer \"id\"", name, line,
                      i);
            return POSE_EINVAL;
        }
        person_rec *pr = &f->persons[f->npersons];
        pr->id = (int64_t)json_integer_value(id);
        for (size_t q = fr->first; q < f->npersons; q++)
            if (f->persons[q].id == pr->id) {
                pose__err(err, POSE_EINVAL, "%s:%zu: person id %lld appears twice in the frame",
                          name, line, (long long)pr->id);
                return POSE_EINVAL;
            }
        int rc = parse_triples(f, json_object_get(p, "keypoints"), "keypoints", i, &pr->kp, name,
                               line, err);
        if (rc) return rc;
        pr->world = SIZE_MAX;
        json_t *w = json_object_get(p, "world");
        if (w && !json_is_null(w)) {
            rc = parse_triples(f, w, "world", i, &pr->world, name, line, err);
            if (rc) return rc;
        }
        f->npersons++;
        fr->count++;
    }
    f->nframes++;
    return POSE_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int collect_ids(pose_frames_t *f)
{
    if (!f->npersons) return 0;
    f->ids = malloc(f->npersons * sizeof *f->ids);
    if (!f->ids) return -1;
    for (size_t i = 0; i < f->npersons; i++) f->ids[i] = f->persons[i].id;
    qsort(f->ids, f->npersons, sizeof *f->ids, cmp_i64);
    size_t m = 0;
    for (size_t i = 0; i < f->npersons; i++)
        if (m == 0 || f->ids[m - 1] != f->ids[i]) f->ids[m++] = f->ids[i];
    f->nids = m;
    return 0;
}

pose_frames_t *pose_frames_parse(const char *buf, size_t len, const char *name, pose_error *err)
{
    if (!name) name = "<frames>";
    pose_frames_t *f = calloc(1, sizeof *f);
    if (!f) {
        pose__err(err, POSE_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    size_t line = 0, pos = 0;
    int have_header = 0;
    while (pos < len) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - s) : len - pos;
        pos += l + (nl ? 1 : 0);
        line++;
        size_t a = 0;
        while (a < l && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r')) a++;
        if (a == l) continue;
        json_error_t je;
        json_t *o = json_loadb(s, l, 0, &je);
        if (!o && !nl && have_header) break; /* a last line cut short: its writer was killed mid-write */
        if (!o) {
            pose__err(err, POSE_EINVAL, "%s:%zu: bad JSON at column %d: %s", name, line, je.column,
                      je.text);
            goto fail;
        }
        const char *type = json_string_value(json_object_get(o, "type"));
        int rc;
        if (!json_is_object(o) || !type) {
            pose__err(err, POSE_EINVAL, "%s:%zu: not an object with a \"type\"", name, line);
            rc = POSE_EINVAL;
        } else if (strcmp(type, "header") == 0) {
            if (have_header) {
                pose__err(err, POSE_EINVAL, "%s:%zu: a second header line", name, line);
                rc = POSE_EINVAL;
            } else {
                rc = parse_header(f, o, name, line, err);
                have_header = 1;
            }
        } else if (strcmp(type, "frame") == 0) {
            if (!have_header) {
                pose__err(err, POSE_EINVAL, "%s:%zu: a frame before the header line", name, line);
                rc = POSE_EINVAL;
            } else {
                rc = parse_frame(f, o, name, line, err);
            }
        } else {
            rc = POSE_OK; /* other line types (future events) are skipped */
        }
        json_decref(o);
        if (rc) goto fail;
    }
    if (!have_header) {
        pose__err(err, POSE_EINVAL, "%s: no header line (empty or not a pose JSONL file)", name);
        goto fail;
    }
    if (collect_ids(f)) {
        pose__err(err, POSE_ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    return f;
fail:
    pose_frames_free(f);
    return NULL;
}

pose_frames_t *pose_frames_read(const char *path, pose_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        pose__err(err, POSE_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (grow((void **)&buf, &cap, n + 65536, 1)) {
            fclose(fp);
            free(buf);
            pose__err(err, POSE_ENOMEM, "%s: out of memory", path);
            return NULL;
        }
        size_t r = fread(buf + n, 1, cap - n, fp);
        n += r;
        if (r == 0) break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        pose__err(err, POSE_EIO, "%s: read error", path);
        return NULL;
    }
    pose_frames_t *f = pose_frames_parse(buf, n, path, err);
    free(buf);
    return f;
}

void pose_frames_get_info(const pose_frames_t *f, pose_frames_info *info)
{
    memset(info, 0, sizeof *info);
    info->model = f->model ? f->model : "";
    info->source = f->source ? f->source : "";
    info->width = f->width;
    info->height = f->height;
    info->fps = f->fps;
    info->nkp = f->nkp;
    info->keypoint_names = (const char *const *)f->names;
    info->skeleton = f->skeleton;
    info->frames = f->nframes;
    info->persons = f->nids;
}

size_t pose_frames_person_ids(const pose_frames_t *f, int64_t *ids, size_t cap)
{
    for (size_t i = 0; i < f->nids && i < cap; i++) ids[i] = f->ids[i];
    return f->nids;
}

void pose_kp_series_free(pose_kp_series *s)
{
    if (!s) return;
    free(s->t);
    free(s->index);
    free(s->kp);
    free(s->world);
    memset(s, 0, sizeof *s);
}

int pose_frames_series(const pose_frames_t *f, int64_t id, pose_kp_series *out, pose_error *err)
{
    memset(out, 0, sizeof *out);
    if (f->nids == 0) {
        pose__err(err, POSE_ENOTFOUND, "no person in any frame");
        return POSE_ENOTFOUND;
    }
    if (id < 0) { /* the id present in the most frames */
        size_t best = 0;
        for (size_t k = 0; k < f->nids; k++) {
            size_t c = 0;
            for (size_t p = 0; p < f->npersons; p++) c += f->persons[p].id == f->ids[k];
            if (c > best) best = c, id = f->ids[k];
        }
    } else {
        int found = 0;
        for (size_t k = 0; k < f->nids; k++) found |= f->ids[k] == id;
        if (!found) {
            pose__err(err, POSE_ENOTFOUND, "person id %lld is in no frame", (long long)id);
            return POSE_ENOTFOUND;
        }
    }
    size_t n = f->nframes, m = n * f->nkp * 3;
    int has_world = 0;
    for (size_t p = 0; p < f->npersons; p++) has_world |= f->persons[p].id == id &&
                                                          f->persons[p].world != SIZE_MAX;
    out->t = malloc((n ? n : 1) * sizeof(double));
    out->index = malloc((n ? n : 1) * sizeof(int64_t));
    out->kp = malloc((m ? m : 1) * sizeof(double));
    if (has_world) out->world = malloc((m ? m : 1) * sizeof(double));
    if (!out->t || !out->index || !out->kp || (has_world && !out->world)) {
        pose_kp_series_free(out);
        pose__err(err, POSE_ENOMEM, "out of memory");
        return POSE_ENOMEM;
    }
    out->n = n;
    out->nkp = f->nkp;
    out->skeleton = f->skeleton;
    out->person_id = id;
    for (size_t i = 0; i < n; i++) {
        const frame_rec *fr = &f->frames[i];
        out->t[i] = fr->t;
        out->index[i] = fr->index;
        double *kp = out->kp + i * f->nkp * 3, *w = out->world ? out->world + i * f->nkp * 3 : NULL;
        const person_rec *pr = NULL;
        for (size_t q = fr->first; q < fr->first + fr->count; q++)
            if (f->persons[q].id == id) pr = &f->persons[q];
        for (size_t k = 0; k < f->nkp; k++) {
            if (pr) {
                memcpy(kp + k * 3, f->vals + pr->kp + k * 3, 3 * sizeof(double));
                if (!isfinite(kp[k * 3 + 2])) kp[k * 3 + 2] = 0;
            } else {
                kp[k * 3] = kp[k * 3 + 1] = NAN;
                kp[k * 3 + 2] = 0;
            }
            if (w) {
                if (pr && pr->world != SIZE_MAX)
                    memcpy(w + k * 3, f->vals + pr->world + k * 3, 3 * sizeof(double));
                else w[k * 3] = w[k * 3 + 1] = w[k * 3 + 2] = NAN;
            }
        }
    }
    return POSE_OK;
}
