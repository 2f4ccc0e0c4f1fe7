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
