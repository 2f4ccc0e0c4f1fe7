/*
 * planner_csv.c - the lifetimes CSV of `vram plan`: rows "size,first,last" (bytes, step, step).
 * An optional header (a first data line that does not start with a digit), blank lines and lines
 * starting with '#' are skipped; CRLF is accepted. Errors name the file and the line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_internal.h"

/* Parse an unsigned decimal field [p, end) into *v; 0 on success. */
static int parse_u64(const char *p, const char *end, uint64_t *v)
{
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) end--;
    if (p == end) return -1;
    uint64_t x = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return -1;
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10) return -2;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

static const char *field_name[3] = {"size", "first", "last"};

int vram_plan_csv_parse(const char *text, size_t len, const char *name, vram_plan_tensor **out, size_t *nout,
                        vram_error *err)
{
    if (!name) name = "lifetimes";
    *out = NULL;
    *nout = 0;
    vram_plan_tensor *t = NULL;
    size_t n = 0, cap = 0;
    int seen_data = 0;
    const char *p = text, *end = text + len;
    for (long line = 1; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *next = eol ? eol + 1 : end;
        if (!eol) eol = end;
        const char *q = eol;
        if (q > p && q[-1] == '\r') q--;
        const char *s = p;
        while (s < q && (*s == ' ' || *s == '\t')) s++;
        p = next;
        if (s == q || *s == '#') continue;
        if (memchr(s, '\0', (size_t)(q - s))) {
            free(t);
            return vram__err(err, VRAM_EINVAL, "%s:%ld: NUL byte in the line", name, line);
        }
        if (!seen_data) {
            seen_data = 1;
            if (*s < '0' || *s > '9') continue; /* header */
        }
        uint64_t v[3];
        const char *f = s;
        for (int k = 0; k < 3; k++) {
            const char *comma = k < 2 ? memchr(f, ',', (size_t)(q - f)) : NULL;
            const char *fend = k < 2 ? comma : q;
            if (k < 2 && !comma) {
                free(t);
                return vram__err(err, VRAM_EINVAL, "%s:%ld: expected 3 fields size,first,last, found %d", name, line,
                                 k + 1);
            }
            if (k == 2 && memchr(f, ',', (size_t)(q - f))) {
                free(t);
                return vram__err(err, VRAM_EINVAL, "%s:%ld: expected 3 fields size,first,last, found more", name,
                                 line);
            }
            int rc = parse_u64(f, fend, &v[k]);
            if (rc < 0 || (k > 0 && v[k] > INT32_MAX)) {
                free(t);
                return vram__err(err, VRAM_EINVAL, "%s:%ld: %s: '%.*s' is not %s", name, line, field_name[k],
                                 (int)(fend - f > 40 ? 40 : fend - f), f,
                                 k == 0 ? "a byte count (0..2^64-1)" : "a step index (0..2147483647)");
            }
            f = fend + 1;
        }
        if (v[1] > v[2]) {
            free(t);
            return vram__err(err, VRAM_EINVAL, "%s:%ld: first (%llu) is after last (%llu)", name, line,
                             (unsigned long long)v[1], (unsigned long long)v[2]);
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            vram_plan_tensor *nt = vram__realloc(t, nc * sizeof *nt);
            if (!nt) {
                free(t);
                return vram__err(err, VRAM_ENOMEM, "%s:%ld: out of host memory", name, line);
            }
            t = nt;
            cap = nc;
        }
        t[n++] = (vram_plan_tensor){v[0], (int32_t)v[1], (int32_t)v[2], 0};
    }
    *out = t;
    *nout = n;
    return VRAM_OK;
}

int vram_plan_csv_load(const char *path, vram_plan_tensor **t, size_t *n, vram_error *err)
{
    *t = NULL;
    *n = 0;
    char *buf;
    size_t len;
    int rc = vram__read_file(path, &buf, &len, err);
    if (rc < 0) return rc;
    rc = vram_plan_csv_parse(buf, len, path, t, n, err);
    free(buf);
    return rc;
}
