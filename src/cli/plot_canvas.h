/*
 * plot_canvas.h - a tiny RGB24 raster canvas for the plot commands (`vram snapshot-plot`, `pose compare
 * --plot`): filled rects and polygons (with opacity), thick lines, circles, text in a built-in 5x7 bitmap
 * font (lower case drawn as upper case), and a PNG writer that encodes with libavcodec's PNG encoder and
 * writes atomically (temp + rename). Compiled into the vram and pose programs only (CMakeLists.txt).
 * Colours are "#rgb", "#rrggbb", "white", "black", "red"; NULL or "none" draws nothing.
 */
#ifndef PLOT_CANVAS_H
#define PLOT_CANVAS_H

#include <stddef.h>
#include <stdint.h>

typedef struct plot_canvas {
    int w, h;
    uint8_t *rgb; /* w*h*3, row-major, white at start */
} plot_canvas;

/* What a plot file name asks for: PLOT_SVG (*.svg), PLOT_PNG (*.png, any case), else PLOT_UNKNOWN. */
enum { PLOT_UNKNOWN = -1, PLOT_SVG = 0, PLOT_PNG = 1 };
int plot_format_of(const char *path);

int plot_canvas_init(plot_canvas *c, int w, int h); /* 0, or -1 out of memory / bad size */
void plot_canvas_free(plot_canvas *c);
/* 0xRRGGBB of a colour name; -1 for NULL, "none" or an unknown name. */
long plot_color(const char *name);

void plot_canvas_rect(plot_canvas *c, double x, double y, double w, double h, const char *fill, double opacity);
void plot_canvas_rect_outline(plot_canvas *c, double x, double y, double w, double h, const char *stroke);
void plot_canvas_line(plot_canvas *c, double x0, double y0, double x1, double y1, double width,
                      const char *stroke);
/* xy: n points (x, y pairs); polygon filled (even-odd, pixel centres) and/or stroked as a polyline. */
void plot_canvas_polygon(plot_canvas *c, const double *xy, size_t n, const char *fill, double opacity);
void plot_canvas_polyline(plot_canvas *c, const double *xy, size_t n, double width, const char *stroke);
void plot_canvas_circle(plot_canvas *c, double cx, double cy, double r, double width, const char *stroke);
/* Text with its baseline at y; anchor 0 start, 1 middle, 2 end; size in pixels as in SVG font-size. */
void plot_canvas_text(plot_canvas *c, double x, double y, double size, int anchor, const char *color,
                      const char *s);
/* Width in pixels plot_canvas_text gives s at this size. */
double plot_canvas_text_width(double size, const char *s);

/* Encodes c as PNG (libavcodec, RGB24) and writes it to path atomically. 0, or -1 with why filled. */
int plot_canvas_write_png(const plot_canvas *c, const char *path, char *why, size_t why_size);

#endif
