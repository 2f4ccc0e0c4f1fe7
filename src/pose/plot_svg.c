/*
 * plot_svg.c - the comparison plot (pose.h "comparison and feedback"): one panel per joint with
 * the reference template, its +-threshold band, the bottom phase shaded, every rep aligned onto the
 * template (DTW), and the anomalies circled in red. Plain SVG written with fprintf, atomically.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kinematics_internal.h"
#include "compare_internal.h"

#define PW 420.0  /* panel width */
#define PH 210.0  /* panel height */
#define ML 44.0   /* left margin inside a panel */
#define MT 26.0   /* top margin */
#define MB 22.0   /* bottom margin */
#define COLS 3
#define TOP 60.0  /* title and legend */

static const char *const colors[] = {"#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                                     "#17becf", "#bcbd22", "#7f7f7f"};

typedef struct panel {
    double x0, y0, lo, hi;
    size_t len;
} panel;

static double px(const panel *p, double i)
{
    return p->x0 + ML + (PW - ML - 10) * (p->len > 1 ? i / (double)(p->len - 1) : 0);
}

static double py(const panel *p, double v)
{
    return p->y0 + MT + (PH - MT - MB) * (1 - (v - p->lo) / (p->hi - p->lo));
}

static double thr(const pose_reference *ref, const pose_compare_options *o, size_t i, size_t d)
{
    return fmax(o->k_sd * ref->sd[i * ref->njoints + d], o->min_dev);
}

static void draw_panel(FILE *f, const pose_comparison *c, const pose_reference *ref,
                       const pose_compare_options *o, size_t d, size_t slot)
{
    size_t nj = ref->njoints, len = ref->len;
    panel p = {(double)(slot % COLS) * PW, TOP + (double)(slot / COLS) * PH, INFINITY, -INFINITY, len};
    for (size_t i = 0; i < len; i++) {
        double t = ref->tmpl[i * nj + d], h = thr(ref, o, i, d);
        p.lo = fmin(p.lo, t - h), p.hi = fmax(p.hi, t + h);
        for (size_t k = 0; k < c->nreps; k++) {
            double v = c->reps[k].aligned[i * nj + d];
            if (isfinite(v)) p.lo = fmin(p.lo, v), p.hi = fmax(p.hi, v);
        }
    }
    if (!(p.hi > p.lo)) p.lo -= 1, p.hi += 1;
    fprintf(f, "<g>\n<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='white' stroke='#ccc'/>\n",
            p.x0 + ML, p.y0 + MT, PW - ML - 10, PH - MT - MB);
    /* bottom phase shading */
    for (size_t i = 0; i < len; i++)
        if (c->phase[i] == POSE_PHASE_BOTTOM)
            fprintf(f, "<rect x='%.1f' y='%.1f' width='%.2f' height='%.1f' fill='#f2f2f2'/>\n",
                    px(&p, (double)i - 0.5), p.y0 + MT, px(&p, 1) - px(&p, 0), PH - MT - MB);
    fprintf(f, "<text x='%.1f' y='%.1f' font-size='13' font-weight='bold'>%s</text>\n", p.x0 + ML,
            p.y0 + MT - 8, pose_angle_name(ref->joints[d]));
    fprintf(f, "<text x='%.1f' y='%.1f' font-size='10' text-anchor='end'>%.0f</text>\n", p.x0 + ML - 4,
            p.y0 + MT + 8, p.hi);
    fprintf(f, "<text x='%.1f' y='%.1f' font-size='10' text-anchor='end'>%.0f</text>\n", p.x0 + ML - 4,
            p.y0 + PH - MB, p.lo);
    /* band */
    fprintf(f, "<polygon fill='#ffd8a8' fill-opacity='0.6' stroke='none' points='");
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%.1f,%.1f ", px(&p, (double)i), py(&p, ref->tmpl[i * nj + d] + thr(ref, o, i, d)));
    for (size_t i = len; i-- > 0;)
        fprintf(f, "%.1f,%.1f ", px(&p, (double)i), py(&p, ref->tmpl[i * nj + d] - thr(ref, o, i, d)));
    fprintf(f, "'/>\n");
    for (size_t k = 0; k < c->nreps; k++) {
        fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='1.2' points='",
                colors[k % (sizeof colors / sizeof *colors)]);
        for (size_t i = 0; i < len; i++)
            fprintf(f, "%.1f,%.1f ", px(&p, (double)i), py(&p, c->reps[k].aligned[i * nj + d]));
        fprintf(f, "'/>\n");
    }
    fprintf(f, "<polyline fill='none' stroke='black' stroke-width='2.2' points='");
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%.1f,%.1f ", px(&p, (double)i), py(&p, ref->tmpl[i * nj + d]));
    fprintf(f, "'/>\n");
    /* anomalies: a red circle on the rep's curve at the middle of the phase */
    for (size_t a = 0; a < c->nanomalies; a++) {
        const pose_anomaly *an = &c->anomalies[a];
        if (an->joint != ref->joints[d] || an->rep < 1 || an->rep > c->nreps) continue;
        size_t first = SIZE_MAX, last = 0;
        for (size_t i = 0; i < len; i++)
            if (c->phase[i] == an->phase) {
                if (first == SIZE_MAX) first = i;
                last = i;
            }
        if (first == SIZE_MAX) continue;
        size_t mid = (first + last) / 2;
        double x = px(&p, (double)mid), y = py(&p, c->reps[an->rep - 1].aligned[mid * nj + d]);
        fprintf(f, "<circle class='anomaly' cx='%.1f' cy='%.1f' r='7' fill='none' stroke='red' "
                   "stroke-width='2.5'><title>rep %zu, %s: %+.1f deg (threshold %.1f)</title></circle>\n",
                x, y, an->rep, pose_phase_name(an->phase), an->deviation, an->threshold);
        fprintf(f, "<text x='%.1f' y='%.1f' font-size='10' fill='red'>rep %zu</text>\n", x + 9, y - 6,
                an->rep);
    }
    fprintf(f, "</g>\n");
}

int pose_comparison_plot_svg(const pose_comparison *c, const pose_reference *ref,
                             const pose_compare_options *opt, const char *path, pose_error *err)
{
    pose_compare_options o = opt ? *opt : pose_compare_defaults();
    if (c->len != ref->len || c->njoints != ref->njoints)
        return pose__kin_err(err, POSE_EINVAL, "the comparison was not made with this reference");
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return pose__kin_err(err, POSE_EIO, "%s: %s", tmp, strerror(errno));
    size_t rows = (ref->njoints + COLS - 1) / COLS;
    double W = COLS * PW, H = TOP + (double)rows * PH + 10;
    fprintf(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
               "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' "
               "viewBox='0 0 %.0f %.0f' font-family='sans-serif'>\n"
               "<rect width='100%%' height='100%%' fill='white'/>\n",
            W, H, W, H);
    fprintf(f, "<text x='10' y='22' font-size='16' font-weight='bold'>");
    for (const char *s = ref->name; *s; s++) { /* escape the name */
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '\'') fputs("&apos;", f);
        else fputc(*s, f);
    }
    fprintf(f, ": %zu reps, mean score %.0f, %zu anomalies</text>\n", c->nreps,
            isfinite(c->mean_score) ? c->mean_score : 0.0, c->nanomalies);
    fprintf(f, "<text x='10' y='44' font-size='11'>black: reference template (DBA); orange band: "
               "+-max(%.1f sd, %.1f deg); grey: bottom phase; red circles: anomalies. Reps:",
            o.k_sd, o.min_dev);
    for (size_t k = 0; k < c->nreps && k < 20; k++)
        fprintf(f, " <tspan fill='%s'>%zu</tspan>", colors[k % (sizeof colors / sizeof *colors)], k + 1);
    fprintf(f, "</text>\n");
    for (size_t d = 0; d < ref->njoints; d++) draw_panel(f, c, ref, &o, d, d);
    fprintf(f, "</svg>\n");
    int bad = ferror(f) != 0;
    if (fclose(f) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return pose__kin_err(err, POSE_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return POSE_OK;
}
