/*
 * pose_dtw.c - `pose dtw A.csv B.csv [--window W] [--max-dist D] [--penalty P] [--derivative]
 * [--path PATH.csv]`: the DTW distance of two series files (one row per sample, one column per
 * dimension). Prints the distance as the first token on stdout (`inf` when abandoned).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pose.h"
#include "pose_cmds.h"

static void dtw_usage(FILE *f)
{
    fprintf(f,
            "usage: pose dtw A.csv B.csv [--window W] [--max-dist D] [--penalty P] [--derivative] [--path PATH.csv]\n"
            "\n"
            "DTW distance of two series (CSV: one row per sample, one column per dimension, optional header).\n"
            "distance = sqrt(min over warping paths of the summed squared differences), as dtaidistance.\n"
            "Prints the distance first (`inf` when above --max-dist), then the sizes.\n"
            "\n"
            "  --window W     dtaidistance's window: 0 = none (default); W = Sakoe-Chiba radius + 1\n"
            "  --max-dist D   early abandoning: print inf when the distance is above D\n"
            "  --penalty P    add P^2 for every non-diagonal step (default 0)\n"
            "  --derivative   derivative DTW (Keogh & Pazzani's derivative estimate; >= 3 samples)\n"
            "  --path FILE    write the warping path as CSV (i,j per line, 0-based)\n"
            "exit: 0 success (also when abandoned), 1 bad or unreadable input, 2 bad usage\n");
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-') return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_nonneg(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || isnan(v) || v < 0) return -1;
    *out = v;
    return 0;
}

static int write_path(const char *path, const pose_dtw_path *p)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "pose dtw: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "i,j\n");
    for (size_t k = 0; k < p->len; k++) fprintf(f, "%zu,%zu\n", p->ij[2 * k], p->ij[2 * k + 1]);
    int bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) {
        fprintf(stderr, "pose dtw: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int cmd_dtw(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *path_out = NULL;
    int nfiles = 0;
    pose_dtw_options o = pose_dtw_defaults();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            dtw_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--derivative")) {
            o.derivative = 1;
        } else if (!strcmp(a, "--window") || !strcmp(a, "--max-dist") || !strcmp(a, "--penalty") || !strcmp(a, "--path")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "pose dtw: %s needs a value\n", a);
                return 2;
            }
            const char *v = argv[++i];
            int bad = 0;
            if (!strcmp(a, "--window")) bad = parse_size(v, &o.window);
            else if (!strcmp(a, "--max-dist")) bad = parse_nonneg(v, &o.max_dist);
            else if (!strcmp(a, "--penalty")) bad = parse_nonneg(v, &o.penalty) || isinf(o.penalty);
            else path_out = v;
            if (bad) {
                fprintf(stderr, "pose dtw: %s: '%s' is not a valid value (non-negative number expected)\n", a, v);
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "pose dtw: unknown option '%s'\n", a);
            dtw_usage(stderr);
            return 2;
        } else if (nfiles < 2) {
            files[nfiles++] = a;
        } else {
            fprintf(stderr, "pose dtw: too many arguments ('%s')\n", a);
            return 2;
        }
    }
    if (nfiles != 2) {
        dtw_usage(stderr);
        return 2;
    }
    double *x[2] = {NULL, NULL};
    size_t n[2], nd[2];
    int status = 1;
    pose_error err = {0};
    for (int k = 0; k < 2; k++)
        if (pose_series_csv_read(files[k], &x[k], &n[k], &nd[k], &err) < 0) {
            fprintf(stderr, "pose dtw: %s\n", err.msg);
            goto done;
        }
    if (nd[0] != nd[1]) {
        fprintf(stderr, "pose dtw: mismatched dimensions: %s has %zu columns, %s has %zu\n", files[0], nd[0], files[1], nd[1]);
        goto done;
    }
    if (o.derivative)
        for (int k = 0; k < 2; k++)
            if (n[k] < 3) {
                fprintf(stderr, "pose dtw: %s: %zu samples, too short for --derivative (needs 3)\n", files[k], n[k]);
                goto done;
            }
    double d;
    size_t plen = 0;
    if (path_out) {
        pose_dtw_path p;
        if (pose_dtw_warping_path(x[0], n[0], x[1], n[1], nd[0], &o, &p, &err) < 0) {
            fprintf(stderr, "pose dtw: %s\n", err.msg);
            goto done;
        }
        d = p.distance;
        plen = p.len;
        if (p.len && write_path(path_out, &p) < 0) {
            pose_dtw_path_free(&p);
            goto done;
        }
        if (!p.len) fprintf(stderr, "pose dtw: abandoned (distance above --max-dist): no path written\n");
        pose_dtw_path_free(&p);
    } else {
        d = pose_dtw_distance(x[0], n[0], x[1], n[1], nd[0], &o, &err);
        if (d < 0) {
            fprintf(stderr, "pose dtw: %s\n", err.msg);
            goto done;
        }
    }
    if (isinf(d)) printf("inf");
    else printf("%.17g", d);
    printf(" a=%zux%zu b=%zux%zu window=%zu%s", n[0], nd[0], n[1], nd[1], o.window, o.derivative ? " derivative" : "");
    if (path_out && plen) printf(" path=%zu", plen);
    printf("\n");
    status = 0;
done:
    free(x[0]);
    free(x[1]);
    return status;
}
