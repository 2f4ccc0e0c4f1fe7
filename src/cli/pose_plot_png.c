/*
 * pose_plot_png.c - the comparison plot as PNG: the library's drawing primitives (pose_plot_ops, the
 * same layout as the SVG) rendered on the raster canvas of plot_canvas.h, encoded by libavcodec.
 */
#include <stdio.h>

#include "plot_canvas.h"
#include "pose_plot_png.h"

static int png_begin(void *ctx, double w, double h)
{
    return plot_canvas_init(ctx, (int)(w + 0.5), (int)(h + 0.5));
}

static void png_rect(void *ctx, double x, double y, double w, double h, const char *fill, const char *stroke)
{
    plot_canvas_rect(ctx, x, y, w, h, fill, 1);
    if (stroke) plot_canvas_rect_outline(ctx, x, y, w, h, stroke);
}

static void png_text(void *ctx, double x, double y, double size, int bold, int anchor, const char *color,
                     const char *s)
{
    plot_canvas_text(ctx, x, y, size, anchor, color, s);
    if (bold) plot_canvas_text(ctx, x + 1, y, size, anchor, color, s);
}

static void png_poly(void *ctx, const double *xy, size_t n, int closed, const char *fill, double opacity,
                     const char *stroke, double width)
{
    if (closed) plot_canvas_polygon(ctx, xy, n, fill, opacity);
    if (stroke) plot_canvas_polyline(ctx, xy, n, width, stroke);
}

static void png_circle(void *ctx, double cx, double cy, double r, const char *stroke, double width, const char *note)
{
    (void)note;
    plot_canvas_circle(ctx, cx, cy, r, width, stroke);
}

static void png_end(void *ctx)
{
    (void)ctx;
}

int pose_cli_plot_png(const pose_comparison *c, const pose_reference *ref, const pose_compare_options *co,
                      const char *path, const char *prog)
{
    plot_canvas cv = {0, 0, NULL};
    pose_plot_ops op = {&cv, png_begin, png_rect, png_text, png_poly, png_circle, png_end};
    pose_error err = {0};
    char why[600];
    int rc = 0;
    if (pose_comparison_plot_draw(c, ref, co, &op, &err) != POSE_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.msg);
        rc = -1;
    } else if (plot_canvas_write_png(&cv, path, why, sizeof why) < 0) {
        fprintf(stderr, "%s: %s\n", prog, why);
        rc = -1;
    }
    plot_canvas_free(&cv);
    return rc;
}
