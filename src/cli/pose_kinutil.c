/* pose_kinutil.c - helpers shared by the angle, reference and compare commands (pose_kinutil.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pose_kinutil.h"

int kin_out_open(kin_out *o, const char *path, const char *prog)
{
    memset(o, 0, sizeof *o);
    if (!path || !strcmp(path, "-")) {
        o->f = stdout;
        return 0;
    }
    o->path = path;
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f) {
        fprintf(stderr, "%s: %s: %s\n", prog, o->tmp, strerror(errno));
        return -1;
    }
    return 0;
}

int kin_out_commit(kin_out *o, const char *prog)
{
    if (!o->path) return fflush(stdout) == 0 ? 0 : -1;
    int bad = fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0;
    int e = errno;
    if (fclose(o->f) != 0) bad = 1, e = errno;
    o->f = NULL;
    if (!bad && rename(o->tmp, o->path) != 0) bad = 1, e = errno;
    if (bad) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, o->path, strerror(e));
        unlink(o->tmp);
        return -1;
    }
    return 0;
}

void kin_out_abort(kin_out *o)
{
    if (!o->path || !o->f) return;
    fclose(o->f);
    o->f = NULL;
    unlink(o->tmp);
}

int kin_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int kin_parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno) return -1;
    *out = (int64_t)v;
    return 0;
}

int kin_has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    return n >= m && strcasecmp(path + n - m, ext) == 0;
}

/* ---- angles from a JSONL file or a video ---- */

#include <sys/stat.h>

#ifndef AIMP_MODELS_DIR
#define AIMP_MODELS_DIR "models"
#endif

void kin_input_defaults(kin_input *in)
{
    memset(in, 0, sizeof *in);
    in->person = -1;
    in->kin = pose_kin_defaults();
}

int kin_input_option(kin_input *in, int argc, char **argv, int *i, const char *prog)
{
    const char *a = argv[*i];
    int more = *i + 1 < argc;
    const char *v = more ? argv[*i + 1] : NULL;
    if (!strcmp(a, "--2d")) return in->kin.use_world = 0, 1;
    if (!strcmp(a, "--3d")) return in->kin.use_world = 1, 1;
    if (!more) return 0;
    if (!strcmp(a, "--person")) {
        if (kin_parse_i64(v, &in->person) || in->person < 0) {
            fprintf(stderr, "%s: --person wants an id >= 0, not '%s'\n", prog, v);
            return -1;
        }
    } else if (!strcmp(a, "--model")) {
        if (pose_model_parse(v) < 0) {
            fprintf(stderr, "%s: unknown model '%s'\n", prog, v);
            return -1;
        }
        in->model = v;
    } else if (!strcmp(a, "--models-dir")) {
        in->models_dir = v;
    } else if (!strcmp(a, "--min-score")) {
        if (kin_parse_double(v, &in->kin.min_score)) {
            fprintf(stderr, "%s: --min-score wants a number, not '%s'\n", prog, v);
            return -1;
        }
    } else if (!strcmp(a, "--facing")) {
        if (!strcmp(v, "right")) in->kin.facing = 1;
        else if (!strcmp(v, "left")) in->kin.facing = -1;
        else {
            fprintf(stderr, "%s: --facing wants right or left, not '%s'\n", prog, v);
            return -1;
        }
    } else {
        return 0;
    }
    (*i)++;
    return 1;
}

int kin_input_angles(const kin_input *in, pose_angles *out, const char *prog)
{
    pose_error err = {0};
    char tmp[4200] = "";
    const char *jsonl = in->path;
    if (!kin_has_ext(in->path, ".jsonl")) {
        /* a video, image or stream: run the pipeline into a temporary JSONL first */
        const char *td = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/pose-kin-%ld.jsonl", td && *td ? td : "/tmp", (long)getpid());
        pose_analyze_opts o;
        pose_analyze_defaults(&o);
        o.input = in->path;
        o.est.model = (pose_model_kind)pose_model_parse(in->model ? in->model : "blazepose-full");
        const char *md = in->models_dir ? in->models_dir : getenv("AIMP_MODELS_DIR");
        o.est.models_dir = md && *md ? md : AIMP_MODELS_DIR;
        o.out_jsonl = tmp;
        pose_analyze_stats st;
        if (pose_analyze_run(&o, &st, &err) != 0) {
            fprintf(stderr, "%s: %s: the pose pipeline failed: %s\n", prog, in->path, err.msg);
            unlink(tmp);
            return -1;
        }
        jsonl = tmp;
    }
    pose_frames_t *fr = pose_frames_read(jsonl, &err);
    if (tmp[0]) unlink(tmp);
    if (!fr) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        return -1;
    }
    pose_kp_series s;
    int rc = -1;
    if (pose_frames_series(fr, in->person, &s, &err) != POSE_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, in->path, err.msg);
    } else {
        if (pose_angles_compute(&s, &in->kin, out, &err) != POSE_OK)
            fprintf(stderr, "%s: %s: person %lld: %s\n", prog, in->path, (long long)s.person_id, err.msg);
        else rc = 0;
        pose_kp_series_free(&s);
    }
    pose_frames_free(fr);
    return rc;
}

static int mkdir_p(char *p)
{
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        int r = mkdir(p, 0755);
        *s = '/';
        if (r != 0 && errno != EEXIST) return -1;
    }
    return 0;
}

const char *kin_default_db(char *buf, size_t cap, const char *prog)
{
    const char *x = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    if (x && *x) snprintf(buf, cap, "%s/ai-ml-pipeline/pose.db", x);
    else if (home && *home) snprintf(buf, cap, "%s/.local/share/ai-ml-pipeline/pose.db", home);
    else {
        fprintf(stderr, "%s: neither HOME nor XDG_DATA_HOME is set: give --db PATH\n", prog);
        return NULL;
    }
    if (mkdir_p(buf)) {
        fprintf(stderr, "%s: cannot create the folder of %s: %s\n", prog, buf, strerror(errno));
        return NULL;
    }
    return buf;
}

pose_refstore_t *kin_refstore_open(const char *db, pose_error *err, const char *prog)
{
    char buf[4200];
    if (!db && !(db = kin_default_db(buf, sizeof buf, prog))) return NULL;
    pose_refstore_t *s = pose_refstore_open(db, err);
    if (!s) fprintf(stderr, "%s: %s\n", prog, err->msg);
    return s;
}

int kin_parse_direction(const char *v, int *dir, const char *prog)
{
    if (!strcmp(v, "up")) *dir = 1;
    else if (!strcmp(v, "down")) *dir = -1;
    else {
        fprintf(stderr, "%s: --direction wants up or down, not '%s'\n", prog, v);
        return -1;
    }
    return 0;
}
