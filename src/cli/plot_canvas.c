/*
 * plot_canvas.c - the raster canvas of plot_canvas.h: plain loops over an RGB24 buffer (the plots are
 * at most a few million pixels), a 5x7 bitmap font, and the PNG writer (libavcodec AV_CODEC_ID_PNG).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>

#include "plot_canvas.h"

int plot_format_of(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && strcasecmp(path + n - 4, ".svg") == 0) return PLOT_SVG;
    if (n > 4 && strcasecmp(path + n - 4, ".png") == 0) return PLOT_PNG;
    return PLOT_UNKNOWN;
}

int plot_canvas_init(plot_canvas *c, int w, int h)
{
    c->w = w, c->h = h;
    c->rgb = NULL;
    if (w <= 0 || h <= 0 || w > 20000 || h > 20000) return -1;
    c->rgb = malloc((size_t)w * (size_t)h * 3);
    if (!c->rgb) return -1;
    memset(c->rgb, 255, (size_t)w * (size_t)h * 3);
    return 0;
}

void plot_canvas_free(plot_canvas *c)
{
    free(c->rgb);
    c->rgb = NULL;
}

long plot_color(const char *s)
{
    if (!s || !strcmp(s, "none")) return -1;
    if (!strcmp(s, "white")) return 0xffffff;
    if (!strcmp(s, "black")) return 0x000000;
    if (!strcmp(s, "red")) return 0xff0000;
    if (s[0] != '#') return -1;
    char *e;
    long v = strtol(s + 1, &e, 16);
    size_t n = strlen(s + 1);
    if (*e || v < 0) return -1;
    if (n == 6) return v;
    if (n == 3) return ((v >> 8) & 15) * 0x110000 + ((v >> 4) & 15) * 0x1100 + (v & 15) * 0x11;
    return -1;
}

static void put(plot_canvas *c, int x, int y, long col, double a)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    uint8_t *p = c->rgb + ((size_t)y * (size_t)c->w + (size_t)x) * 3;
    for (int k = 0; k < 3; k++) {
        double v = (double)((col >> (16 - 8 * k)) & 255);
        p[k] = (uint8_t)lround(a * v + (1 - a) * p[k]);
    }
}

void plot_canvas_rect(plot_canvas *c, double x, double y, double w, double h, const char *fill, double opacity)
{
    long col = plot_color(fill);
    if (col < 0) return;
    int x0 = (int)lround(x), y0 = (int)lround(y), x1 = (int)lround(x + w), y1 = (int)lround(y + h);
    if (x1 == x0 && w > 0) x1 = x0 + 1;
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++) put(c, i, j, col, opacity);
}

void plot_canvas_rect_outline(plot_canvas *c, double x, double y, double w, double h, const char *stroke)
{
    plot_canvas_line(c, x, y, x + w, y, 1, stroke);
    plot_canvas_line(c, x, y + h, x + w, y + h, 1, stroke);
    plot_canvas_line(c, x, y, x, y + h, 1, stroke);
    plot_canvas_line(c, x + w, y, x + w, y + h, 1, stroke);
}

/* every pixel whose centre lies within width/2 of the segment */
void plot_canvas_line(plot_canvas *c, double x0, double y0, double x1, double y1, double width,
                      const char *stroke)
{
    long col = plot_color(stroke);
    if (col < 0 || !isfinite(x0 + y0 + x1 + y1)) return;
    double r = fmax(width, 1) / 2, dx = x1 - x0, dy = y1 - y0, l2 = dx * dx + dy * dy;
    int i0 = (int)floor(fmin(x0, x1) - r), i1 = (int)ceil(fmax(x0, x1) + r);
    int j0 = (int)floor(fmin(y0, y1) - r), j1 = (int)ceil(fmax(y0, y1) + r);
    if (i0 < 0) i0 = 0;
    if (j0 < 0) j0 = 0;
    if (i1 > c->w - 1) i1 = c->w - 1;
    if (j1 > c->h - 1) j1 = c->h - 1;
    for (int j = j0; j <= j1; j++)
        for (int i = i0; i <= i1; i++) {
            double px = i + 0.5, py = j + 0.5;
            double t = l2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / l2 : 0;
            t = fmin(1, fmax(0, t));
            double ex = x0 + t * dx - px, ey = y0 + t * dy - py;
            if (ex * ex + ey * ey <= r * r) put(c, i, j, col, 1);
        }
}

void plot_canvas_polyline(plot_canvas *c, const double *xy, size_t n, double width, const char *stroke)
{
    for (size_t k = 0; k + 1 < n; k++)
        plot_canvas_line(c, xy[2 * k], xy[2 * k + 1], xy[2 * k + 2], xy[2 * k + 3], width, stroke);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void plot_canvas_polygon(plot_canvas *c, const double *xy, size_t n, const char *fill, double opacity)
{
    long col = plot_color(fill);
    if (col < 0 || n < 3) return;
    double *xs = malloc(n * sizeof *xs);
    if (!xs) return;
    for (int j = 0; j < c->h; j++) {
        double y = j + 0.5;
        size_t m = 0;
        for (size_t k = 0; k < n; k++) {
            double ax = xy[2 * k], ay = xy[2 * k + 1];
            double bx = xy[2 * ((k + 1) % n)], by = xy[2 * ((k + 1) % n) + 1];
            if (!isfinite(ax + ay + bx + by)) continue;
            if ((ay <= y && by > y) || (by <= y && ay > y)) xs[m++] = ax + (y - ay) / (by - ay) * (bx - ax);
        }
        qsort(xs, m, sizeof *xs, cmp_double);
        for (size_t k = 0; k + 1 < m; k += 2)
            for (int i = (int)ceil(xs[k] - 0.5); i + 0.5 < xs[k + 1] && i < c->w; i++) put(c, i, j, col, opacity);
    }
    free(xs);
}

void plot_canvas_circle(plot_canvas *c, double cx, double cy, double r, double width, const char *stroke)
{
    long col = plot_color(stroke);
    if (col < 0 || !isfinite(cx + cy)) return;
    double lo = r - width / 2, hi = r + width / 2;
    for (int j = (int)floor(cy - hi); j <= (int)ceil(cy + hi); j++)
        for (int i = (int)floor(cx - hi); i <= (int)ceil(cx + hi); i++) {
            double d = hypot(i + 0.5 - cx, j + 0.5 - cy);
            if (d >= lo && d <= hi) put(c, i, j, col, 1);
        }
}

/* 5x7 glyphs, one byte per row (bit 4 = leftmost column), for ' '..'_'; lower case uses upper case. */
static const uint8_t font[64][7] = {
    {0, 0, 0, 0, 0, 0, 0},                           /* space */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0, 0x04},         /* ! */
    {0x0A, 0x0A, 0, 0, 0, 0, 0},                     /* " */
    {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A},      /* # */
    {0x04, 0x0F, 0x14, 0x0E, 0x05, 0x1E, 0x04},      /* $ */
    {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03},      /* % */
    {0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D},      /* & */
    {0x04, 0x04, 0, 0, 0, 0, 0},                     /* ' */
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02},      /* ( */
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08},      /* ) */
    {0, 0x04, 0x15, 0x0E, 0x15, 0x04, 0},            /* * */
    {0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0},            /* + */
    {0, 0, 0, 0, 0x0C, 0x04, 0x08},                  /* , */
    {0, 0, 0, 0x1F, 0, 0, 0},                        /* - */
    {0, 0, 0, 0, 0, 0x0C, 0x0C},                     /* . */
    {0, 0x01, 0x02, 0x04, 0x08, 0x10, 0},            /* / */
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E},      /* 0 */
    {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},      /* 1 */
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F},      /* 2 */
    {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},      /* 3 */
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02},      /* 4 */
    {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},      /* 5 */
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E},      /* 6 */
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},      /* 7 */
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E},      /* 8 */
    {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},      /* 9 */
    {0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0},               /* : */
    {0, 0x0C, 0x0C, 0, 0x0C, 0x04, 0x08},            /* ; */
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02},      /* < */
    {0, 0, 0x1F, 0, 0x1F, 0, 0},                     /* = */
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08},      /* > */
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0, 0x04},         /* ? */
    {0x0E, 0x11, 0x17, 0x15, 0x17, 0x10, 0x0F},      /* @ */
    {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11},      /* A */
    {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E},      /* B */
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E},      /* C */
    {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C},      /* D */
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F},      /* E */
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10},      /* F */
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F},      /* G */
    {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11},      /* H */
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E},      /* I */
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C},      /* J */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11},      /* K */
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F},      /* L */
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11},      /* M */
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11},      /* N */
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},      /* O */
    {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10},      /* P */
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D},      /* Q */
    {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11},      /* R */
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E},      /* S */
    {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},      /* T */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},      /* U */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04},      /* V */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A},      /* W */
    {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11},      /* X */
    {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04},      /* Y */
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F},      /* Z */
    {0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E},      /* [ */
    {0, 0x10, 0x08, 0x04, 0x02, 0x01, 0},            /* \ */
    {0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E},      /* ] */
    {0x04, 0x0A, 0x11, 0, 0, 0, 0},                  /* ^ */
    {0, 0, 0, 0, 0, 0, 0x1F},                        /* _ */
};

static int text_scale(double size)
{
    return size >= 14 ? 2 : 1;
}

double plot_canvas_text_width(double size, const char *s)
{
    return (double)(strlen(s) * 6 * (size_t)text_scale(size));
}

void plot_canvas_text(plot_canvas *c, double x, double y, double size, int anchor, const char *color,
                      const char *s)
{
    long col = plot_color(color ? color : "black");
    if (col < 0 || !isfinite(x + y)) return;
    int sc = text_scale(size);
    double w = plot_canvas_text_width(size, s);
    int cx = (int)lround(anchor == 1 ? x - w / 2 : anchor == 2 ? x - w : x), top = (int)lround(y) - 7 * sc;
    for (; *s; s++, cx += 6 * sc) {
        int ch = (unsigned char)*s;
        if (ch >= 'a' && ch <= 'z') ch -= 32;
        if (ch == '{' || ch == '}') ch = ch == '{' ? '(' : ')';
        if (ch < 32 || ch > 95) ch = '?';
        const uint8_t *g = font[ch - 32];
        for (int r = 0; r < 7; r++)
            for (int b = 0; b < 5; b++)
                if (g[r] & (0x10 >> b))
                    for (int dy = 0; dy < sc; dy++)
                        for (int dx = 0; dx < sc; dx++) put(c, cx + b * sc + dx, top + r * sc + dy, col, 1);
    }
}

static int write_atomic(const char *path, const uint8_t *data, size_t len, char *why, size_t wn)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(why, wn, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(why, wn, "%s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    int ok = fwrite(data, 1, len, f) == len;
    ok = (fflush(f) == 0) && ok;
    ok = (fsync(fileno(f)) == 0) && ok;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(why, wn, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

int plot_canvas_write_png(const plot_canvas *c, const char *path, char *why, size_t wn)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
    AVCodecContext *ctx = codec ? avcodec_alloc_context3(codec) : NULL;
    AVFrame *fr = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    int rc = -1, e = 0;
    snprintf(why, wn, "%s: %s", path, codec ? "out of memory" : "this FFmpeg has no PNG encoder");
    if (!ctx || !fr || !pkt) goto done;
    ctx->width = c->w;
    ctx->height = c->h;
    ctx->pix_fmt = AV_PIX_FMT_RGB24;
    ctx->time_base = (AVRational){1, 1};
    fr->format = AV_PIX_FMT_RGB24;
    fr->width = c->w;
    fr->height = c->h;
    if ((e = avcodec_open2(ctx, codec, NULL)) < 0 || (e = av_frame_get_buffer(fr, 0)) < 0) goto fail;
    for (int j = 0; j < c->h; j++)
        memcpy(fr->data[0] + (size_t)j * (size_t)fr->linesize[0], c->rgb + (size_t)j * (size_t)c->w * 3,
               (size_t)c->w * 3);
    if ((e = avcodec_send_frame(ctx, fr)) < 0 || (e = avcodec_send_frame(ctx, NULL)) < 0 ||
        (e = avcodec_receive_packet(ctx, pkt)) < 0)
        goto fail;
    rc = write_atomic(path, pkt->data, (size_t)pkt->size, why, wn);
    goto done;
fail: {
    char msg[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(e, msg, sizeof msg);
    snprintf(why, wn, "%s: PNG encoding failed: %s", path, msg);
}
done:
    av_packet_free(&pkt);
    av_frame_free(&fr);
    avcodec_free_context(&ctx);
    return rc;
}
