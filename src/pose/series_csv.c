/*
 * series_csv.c - reads a numeric series from CSV: one row per sample, one column per dimension,
 * an optional header line, '#' comment lines and blank lines skipped. Strict: every row has the same
 * number of columns, every field is a finite number; errors name the file, line and column.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtw_internal.h"

#define FIELD_MAX 128
#define COLS_MAX 4096

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Parses field [s, e) as a number into *v: 1 number, 0 not a number, -1 not finite, -2 too long. */
static int parse_field(const char *s, const char *e, double *v)
{
    while (s < e && is_space(*s)) s++;
    while (e > s && is_space(e[-1])) e--;
    if (s == e) return 0;
    if ((size_t)(e - s) >= FIELD_MAX) return -2;
    if (memchr(s, '\0', (size_t)(e - s))) return 0; /* strtod would stop at an embedded NUL */
    char tmp[FIELD_MAX];
    memcpy(tmp, s, (size_t)(e - s));
    tmp[e - s] = '\0';
    char *end;
    errno = 0;
    double x = strtod(tmp, &end);
    if (end == tmp || *end != '\0') return 0;
    if (!isfinite(x)) return -1;
    *v = x;
    return 1;
}

static void shown(const char *s, const char *e, char *out, size_t cap)
{
    size_t n = 0;
    while (s < e && is_space(*s)) s++;
    for (; s < e && n + 1 < cap && n < 40; s++) out[n++] = (*s >= 32 && *s < 127) ? *s : '?';
    out[n] = '\0';
}

int pose_series_csv_parse(const char *buf, size_t len, const char *name, double **out, size_t *n,
                          size_t *ndim, pose_error *err)
{
    *out = NULL;
    *n = *ndim = 0;
    if (!name) name = "series";
    double *data = NULL;
    size_t count = 0, cap = 0, cols = 0, first_line = 0, lineno = 0;
    int rc = POSE_OK, seen_line = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *le = memchr(p, '\n', (size_t)(end - p));
        if (!le) le = end;
        lineno++;
        const char *s = p;
        p = le < end ? le + 1 : end;
        while (s < le && is_space(*s)) s++;
        if (s == le || *s == '#') continue;
        int first = !seen_line;
        seen_line = 1;
        /* count fields */
        size_t nf = 1;
        for (const char *c = s; c < le; c++) nf += *c == ',';
        if (nf > COLS_MAX) {
            rc = pose__dtw_fail(err, POSE_EINVAL, "%s:%zu: %zu columns (at most %d)", name, lineno, nf, COLS_MAX);
            goto fail;
        }
        if (cols && nf != cols) {
            rc = pose__dtw_fail(err, POSE_EINVAL, "%s:%zu: %zu columns, expected %zu (as on line %zu)", name, lineno, nf, cols,
                                first_line);
            goto fail;
        }
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            if (ncap > SIZE_MAX / sizeof(double) / nf) goto nomem;
            double *t = realloc(data, ncap * nf * sizeof *t);
            if (!t) goto nomem;
            data = t;
            cap = ncap;
        }
        const char *fs = s;
        int header = 0;
        for (size_t k = 0; k < nf; k++) {
            const char *fe = memchr(fs, ',', (size_t)(le - fs));
            if (!fe) fe = le;
            double v = 0;
            int r = parse_field(fs, fe, &v);
            char txt[48];
            if (r == 0 && first && cols == 0) {
                header = 1; /* a header line: names, not numbers */
            } else if (r == 0) {
                shown(fs, fe, txt, sizeof txt);
                if (txt[0])
                    rc = pose__dtw_fail(err, POSE_EINVAL, "%s:%zu: column %zu: '%s' is not a number", name, lineno, k + 1, txt);
                else
                    rc = pose__dtw_fail(err, POSE_EINVAL, "%s:%zu: column %zu is empty", name, lineno, k + 1);
                goto fail;
            } else if (r == -1) {
                shown(fs, fe, txt, sizeof txt);
                rc = pose__dtw_fail(err, POSE_EINVAL, "%s:%zu: column %zu: '%s' is not a finite number (NaN or inf)", name,
                                    lineno, k + 1, txt);
                goto fail;
            } else if (r == -2) {
                rc = pose__dtw_fail(err, POSE_EINVAL, "%s:%zu: column %zu: field longer than %d characters", name, lineno,
                                    k + 1, FIELD_MAX - 1);
                goto fail;
            } else {
                data[count * nf + k] = v;
            }
            fs = fe < le ? fe + 1 : le;
        }
        if (!cols) first_line = lineno;
        cols = nf;
        if (!header) count++;
    }
    if (count == 0) {
        rc = pose__dtw_fail(err, POSE_EINVAL, "%s: no samples (empty series)", name);
        goto fail;
    }
    *out = data;
    *n = count;
    *ndim = cols;
    return POSE_OK;
nomem:
    rc = pose__dtw_fail(err, POSE_ENOMEM, "%s: out of memory", name);
fail:
    free(data);
    return rc;
}

int pose_series_csv_read(const char *path, double **out, size_t *n, size_t *ndim, pose_error *err)
{
    *out = NULL;
    *n = *ndim = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return pose__dtw_fail(err, POSE_EIO, "%s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *t = realloc(buf, ncap);
            if (!t) {
                free(buf);
                fclose(f);
                return pose__dtw_fail(err, POSE_ENOMEM, "%s: out of memory", path);
            }
            buf = t;
            cap = ncap;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return pose__dtw_fail(err, POSE_EIO, "%s: read error", path);
    }
    int rc = pose_series_csv_parse(buf, len, path, out, n, ndim, err);
    free(buf);
    return rc;
}
