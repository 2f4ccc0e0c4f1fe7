/*
 * plot_svg.c - the comparison plot (pose.h "comparison and feedback"): one panel per joint with
 * the reference template, its +-threshold band, the bottom phase shaded, every rep aligned onto the
 * template (DTW), and the anomalies circled in red. The layout is computed once (plot_draw) and
 * sent to drawing primitives (pose_plot_ops): the SVG writer here (fprintf, atomic), or the
 * caller's own (the pose program rasterizes them to PNG).
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

static void draw_panel(const pose_plot_ops *op, double *xy, const pose_comparison *c,
                       const pose_reference *ref, const pose_compare_options *o, size_t d,
                       size_t slot)
{
    size_t nj = ref->njoints, len = ref->len;
    panel p = {(double)(slot % COLS) * PW, TOP + (double)(slot / COLS) * PH, INFINITY, -INFINITY, len};
    char buf[160];
    for (size_t i = 0; i < len; i++) {
        double t = ref->tmpl[i * nj + d], h = thr(ref, o, i, d);
        p.lo = fmin(p.lo, t - h), p.hi = fmax(p.hi, t + h);
        for (size_t k = 0; k < c->nreps; k++) {
            double v = c->reps[k].aligned[i * nj + d];
            if (isfinite(v)) p.lo = fmin(p.lo, v), p.hi = fmax(p.hi, v);
        }
    }
    if (!(p.hi > p.lo)) p.lo -= 1, p.hi += 1;
    op->rect(op->ctx, p.x0 + ML, p.y0 + MT, PW - ML - 10, PH - MT - MB, "white", "#ccc");
    /* bottom phase shading */
    for (size_t i = 0; i < len; i++)
        if (c->phase[i] == POSE_PHASE_BOTTOM)
            op->rect(op->ctx, px(&p, (double)i - 0.5), p.y0 + MT, px(&p, 1) - px(&p, 0),
                     PH - MT - MB, "#f2f2f2", NULL);
    op->text(op->ctx, p.x0 + ML, p.y0 + MT - 8, 13, 1, 0, NULL, pose_angle_name(ref->joints[d]));
    snprintf(buf, sizeof buf, "%.0f", p.hi);
    op->text(op->ctx, p.x0 + ML - 4, p.y0 + MT + 8, 10, 0, 2, NULL, buf);
    snprintf(buf, sizeof buf, "%.0f", p.lo);
    op->text(op->ctx, p.x0 + ML - 4, p.y0 + PH - MB, 10, 0, 2, NULL, buf);
    /* band */
    size_t m = 0;
    for (size_t i = 0; i < len; i++, m++)
        xy[2 * m] = px(&p, (double)i),
               xy[2 * m + 1] = py(&p, ref->tmpl[i * nj + d] + thr(ref, o, i, d));
    for (size_t i = len; i-- > 0; m++)
        xy[2 * m] = px(&p, (double)i),
               xy[2 * m + 1] = py(&p, ref->tmpl[i * nj + d] - thr(ref, o, i, d));
    op->poly(op->ctx, xy, m, 1, "#ffd8a8", 0.6, NULL, 0);
    for (size_t k = 0; k <= c->nreps; k++) { /* the reps, then the template on top */
        const double *v = k < c->nreps ? c->reps[k].aligned : ref->tmpl;
        for (size_t i = 0; i < len; i++)
            xy[2 * i] = px(&p, (double)i), xy[2 * i + 1] = py(&p, v[i * nj + d]);
        if (k < c->nreps)
            op->poly(op->ctx, xy, len, 0, NULL, 0, colors[k % (sizeof colors / sizeof *colors)],
                     1.2);
        else
            op->poly(op->ctx, xy, len, 0, NULL, 0, "black", 2.2);
    }
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
        snprintf(buf, sizeof buf, "rep %zu, %s: %+.1f deg (threshold %.1f)", an->rep,
                 pose_phase_name(an->phase), an->deviation, an->threshold);
        op->circle(op->ctx, x, y, 7, "red", 2.5, buf);
        snprintf(buf, sizeof buf, "rep %zu", an->rep);
        op->text(op->ctx, x + 9, y - 6, 10, 0, 0, "red", buf);
    }
}

int pose_comparison_plot_draw(const pose_comparison *c, const pose_reference *ref,
                              const pose_compare_options *opt, const pose_plot_ops *op,
                              pose_error *err)
{
    pose_compare_options o = opt ? *opt : pose_compare_defaults();
    if (c->len != ref->len || c->njoints != ref->njoints)
        return pose__kin_err(err, POSE_EINVAL, "the comparison was not made with this reference");
    size_t rows = (ref->njoints + COLS - 1) / COLS;
    double *xy = malloc((2 * ref->len + 1) * 2 * sizeof *xy);
    if (!xy || op->begin(op->ctx, COLS * PW, TOP + (double)rows * PH + 10)) {
        free(xy);
        return pose__kin_err(err, POSE_ENOMEM, "out of memory drawing the plot");
    }
    char buf[600];
    snprintf(buf, sizeof buf, "%s: %zu reps, mean score %.0f, %zu anomalies", ref->name, c->nreps,
             isfinite(c->mean_score) ? c->mean_score : 0.0, c->nanomalies);
    op->text(op->ctx, 10, 22, 16, 1, 0, NULL, buf);
    snprintf(buf, sizeof buf,
             "black: reference template (DBA); orange band: +-max(%.1f sd, %.1f deg); "
             "grey: bottom phase; red circles: anomalies.",
             o.k_sd, o.min_dev);
    op->text(op->ctx, 10, 40, 11, 0, 0, NULL, buf);
    if (c->nreps) op->text(op->ctx, 10, 54, 11, 0, 0, NULL, "Reps:");
    for (size_t k = 0; k < c->nreps && k < 20; k++) {
        snprintf(buf, sizeof buf, "%zu", k + 1);
        op->text(op->ctx, 48 + 18 * (double)k, 54, 11, 1, 0,
                 colors[k % (sizeof colors / sizeof *colors)], buf);
    }
    for (size_t d = 0; d < ref->njoints; d++)
        draw_panel(op, xy, c, ref, &o, d, d);
    op->end(op->ctx);
    free(xy);
    return POSE_OK;
}

/* ---- the SVG writer ---- */

static void svg_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '\'') fputs("&apos;", f);
        else if ((unsigned char)*s >= 0x20)
            fputc(*s, f);
    }
}

static int svg_begin(void *ctx, double w, double h)
{
    fprintf(ctx,
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' "
            "viewBox='0 0 %.0f %.0f' font-family='sans-serif'>\n"
            "<rect width='100%%' height='100%%' fill='white'/>\n",
            w, h, w, h);
    return 0;
}

static void svg_rect(void *ctx, double x, double y, double w, double h, const char *fill,
                     const char *stroke)
{
    fprintf(ctx, "<rect x='%.1f' y='%.1f' width='%.2f' height='%.1f' fill='%s'", x, y, w, h,
            fill ? fill : "none");
    if (stroke) fprintf(ctx, " stroke='%s'", stroke);
    fprintf(ctx, "/>\n");
}

static void svg_text(void *ctx, double x, double y, double size, int bold, int anchor,
                     const char *color, const char *s)
{
    fprintf(ctx, "<text x='%.1f' y='%.1f' font-size='%.0f'%s%s", x, y, size,
            bold ? " font-weight='bold'" : "",
            anchor == 2   ? " text-anchor='end'"
            : anchor == 1 ? " text-anchor='middle'"
                          : "");
    if (color) fprintf(ctx, " fill='%s'", color);
    fputc('>', ctx);
    svg_escaped(ctx, s);
    fprintf(ctx, "</text>\n");
}

static void svg_poly(void *ctx, const double *xy, size_t n, int closed, const char *fill,
                     double opacity, const char *stroke, double width)
{
    if (closed)
        fprintf(ctx, "<polygon fill='%s' fill-opacity='%.1f' stroke='none' points='",
                fill ? fill : "none", opacity);
    else
        fprintf(ctx, "<polyline fill='none' stroke='%s' stroke-width='%.1f' points='",
                stroke ? stroke : "none", width);
    for (size_t i = 0; i < n; i++)
        fprintf(ctx, "%.1f,%.1f ", xy[2 * i], xy[2 * i + 1]);
    fprintf(ctx, "'/>\n");
}

static void svg_circle(void *ctx, double cx, double cy, double r, const char *stroke, double width,
                       const char *note)
{
    fprintf(ctx,
            "<circle class='anomaly' cx='%.1f' cy='%.1f' r='%.0f' fill='none' stroke='%s' "
            "stroke-width='%.1f'>",
            cx, cy, r, stroke ? stroke : "none", width);
    if (note) {
        fputs("<title>", ctx);
        svg_escaped(ctx, note);
        fputs("</title>", ctx);
    }
    fputs("</circle>\n", ctx);
}

static void svg_end(void *ctx)
{
    fputs("</svg>\n", ctx);
}

int pose_comparison_plot_svg(const pose_comparison *c, const pose_reference *ref,
                             const pose_compare_options *opt, const char *path, pose_error *err)
{
    if (c->len != ref->len || c->njoints != ref->njoints)
        return pose__kin_err(err, POSE_EINVAL, "the comparison was not made with this reference");
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return pose__kin_err(err, POSE_EIO, "%s: %s", tmp, strerror(errno));
    pose_plot_ops op = {f, svg_begin, svg_rect, svg_text, svg_poly, svg_circle, svg_end};
    int rc = pose_comparison_plot_draw(c, ref, opt, &op, err);
    int bad = ferror(f) != 0;
    if (fclose(f) != 0) bad = 1;
    if (rc != POSE_OK) {
        unlink(tmp);
        return rc;
    }
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return pose__kin_err(err, POSE_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return POSE_OK;
}
