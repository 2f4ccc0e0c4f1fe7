/*
 * vram_snapshot_plot.c - `vram snapshot-plot TRACE.jsonl [--out FILE.svg|png] [--width N]`: the memory
 * timeline of an allocation trace (the format of `vram sim`), live bytes stacked by tag, as SVG written
 * by hand (fprintf) or as PNG (the same primitives drawn on plot_canvas.h, encoded by libavcodec).
 * The x axis is time when every event has one, else the event index; each of the
 * columns shows the moment of its highest total, so peaks are never averaged away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_canvas.h"
#include "vram.h"
#include "vram_cmds.h"

#define MAX_TAGS 12 /* the 12th collects the rest as "other" */

static const char *palette[MAX_TAGS] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                                        "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d4a6c8"};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vram snapshot-plot TRACE.jsonl [--out FILE.svg|FILE.png] [--width PIXELS]\n\n"
            "Draw the memory timeline of an allocation trace (docs/VRAM.md \"Trace format\"): live bytes\n"
            "stacked by tag, as SVG on stdout or in FILE.svg, or as PNG in FILE.png (written atomically).\n\n"
            "  --out FILE       where to write, SVG or PNG by the extension (default: SVG on stdout)\n"
            "  --width PIXELS   image width, 400..8000 (default 960)\n"
            "  --help           this text\n");
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s >= 0x20) fputc(*s, f);
        }
    }
}

static void human(char *buf, size_t n, double v)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int k = 0;
    while (v >= 1024 && k < 4) {
        v /= 1024;
        k++;
    }
    snprintf(buf, n, k ? "%.1f %s" : "%.0f %s", v, u[k]);
}

typedef struct plot {
    char tags[MAX_TAGS][32];
    int ntags;
    size_t cols;
    uint64_t *maxs, *ends;    /* [cols][MAX_TAGS]: state at the column's highest total / at its end */
    uint64_t *maxtotal;
    char *seen;
    uint64_t peak;
} plot;

static int tag_index(plot *p, const char *tag)
{
    const char *name = *tag ? tag : "(untagged)";
    for (int i = 0; i < p->ntags; i++)
        if (strcmp(p->tags[i], name) == 0) return i;
    if (p->ntags == MAX_TAGS) return MAX_TAGS - 1;
    int i = p->ntags++;
    snprintf(p->tags[i], sizeof p->tags[i], "%s", i == MAX_TAGS - 1 ? "other" : name);
    return i;
}

static int build(plot *p, const char *path, const vram_trace_event *ev, size_t n, int timed, char *why, size_t wn)
{
    uint64_t live[MAX_TAGS] = {0};
    vram_idmap m = {NULL, 0, 0, 0};
    double t0 = n ? ev[0].time : 0, t1 = n ? ev[n - 1].time : 0;
    for (size_t i = 0; i < n; i++) {
        const vram_trace_event *e = &ev[i];
        vram_idmap_slot *s = vram_idmap_find(&m, e->id, e->op == VRAM_TRACE_ALLOC);
        if (e->op == VRAM_TRACE_ALLOC) {
            if (!s) {
                snprintf(why, wn, "%s:%ld: out of memory", path, e->line);
                vram_idmap_free(&m);
                return -1;
            }
            if (s->size || s->tag) {
                snprintf(why, wn, "%s:%ld: id %llu is allocated already", path, e->line, (unsigned long long)e->id);
                vram_idmap_free(&m);
                return -1;
            }
            s->tag = tag_index(p, e->tag) + 1;
            s->size = e->size;
            live[s->tag - 1] += e->size;
        } else if (s) { /* frees of unknown ids (a cut trace) are skipped */
            live[s->tag - 1] -= s->size;
            vram_idmap_remove(&m, s);
        }
        size_t c;
        if (timed && t1 > t0) c = (size_t)((e->time - t0) / (t1 - t0) * (double)(p->cols - 1) + 0.5);
        else c = n > 1 ? (size_t)((double)i / (double)(n - 1) * (double)(p->cols - 1) + 0.5) : 0;
        if (c >= p->cols) c = p->cols - 1;
        uint64_t total = 0;
        for (int k = 0; k < MAX_TAGS; k++) total += live[k];
        if (!p->seen[c] || total >= p->maxtotal[c]) {
            p->maxtotal[c] = total;
            memcpy(&p->maxs[c * MAX_TAGS], live, sizeof live);
        }
        memcpy(&p->ends[c * MAX_TAGS], live, sizeof live);
        p->seen[c] = 1;
        if (total > p->peak) p->peak = total;
    }
    vram_idmap_free(&m);
    for (size_t c = 1; c < p->cols; c++) /* columns without events keep the state before them */
        if (!p->seen[c]) {
            memcpy(&p->maxs[c * MAX_TAGS], &p->ends[(c - 1) * MAX_TAGS], MAX_TAGS * sizeof(uint64_t));
            memcpy(&p->ends[c * MAX_TAGS], &p->ends[(c - 1) * MAX_TAGS], MAX_TAGS * sizeof(uint64_t));
        }
    return 0;
}

/* The drawing backend: the layout below is computed once and each primitive goes either to SVG text
 * (f) or to the raster canvas (cv) for PNG. */
typedef struct sink {
    FILE *f;
    plot_canvas *cv;
} sink;

static void s_title(sink *o, int x, const char *title, const char *peak)
{
    if (o->f) {
        fprintf(o->f, "<text x=\"%d\" y=\"22\" font-size=\"14\">", x);
        xml_text(o->f, title);
        fprintf(o->f, " - peak %s live</text>\n", peak);
        return;
    }
    char line[400];
    snprintf(line, sizeof line, "%s - peak %s live", title, peak);
    plot_canvas_text(o->cv, x, 22, 14, 0, "black", line);
}

static void s_grid(sink *o, int x1, double y, int x2, const char *label)
{
    if (o->f) {
        fprintf(o->f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>", x1, y, x2, y);
        fprintf(o->f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", x1 - 6, y + 4, label);
        return;
    }
    plot_canvas_line(o->cv, x1, y, x2, y, 1, "#ddd");
    plot_canvas_text(o->cv, x1 - 6, y + 4, 12, 2, "black", label);
}

static void s_area(sink *o, const char *color, const double *xy, size_t n)
{
    if (o->f) {
        fprintf(o->f, "<polygon class=\"tag\" fill=\"%s\" fill-opacity=\"0.85\" points=\"", color);
        for (size_t k = 0; k < n; k++) fprintf(o->f, "%.1f,%.1f ", xy[2 * k], xy[2 * k + 1]);
        fprintf(o->f, "\"/>\n");
        return;
    }
    plot_canvas_polygon(o->cv, xy, n, color, 0.85);
}

static void s_legend(sink *o, int x, int y, const char *color, const char *name)
{
    if (o->f) {
        fprintf(o->f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">", x, y,
                color, x + 18, y + 11);
        xml_text(o->f, name);
        fprintf(o->f, "</text>\n");
        return;
    }
    plot_canvas_rect(o->cv, x, y, 12, 12, color, 1);
    plot_canvas_text(o->cv, x + 18, y + 11, 12, 0, "black", name);
}

static void s_axes(sink *o, int x0, int y0, int w, int h, const char *xlabel)
{
    if (o->f) {
        fprintf(o->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>", x0, y0 + h, x0 + w, y0 + h);
        fprintf(o->f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", x0, y0, x0, y0 + h);
        fprintf(o->f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x0 + w / 2, y0 + h + 30, xlabel);
        return;
    }
    plot_canvas_line(o->cv, x0, y0 + h, x0 + w, y0 + h, 1, "black");
    plot_canvas_line(o->cv, x0, y0, x0, y0 + h, 1, "black");
    plot_canvas_text(o->cv, x0 + w / 2, y0 + h + 30, 12, 1, "black", xlabel);
}

#define PLOT_HEIGHT 420

static int draw(sink *o, const plot *p, const char *title, int width, int timed, double seconds, size_t n)
{
    int height = PLOT_HEIGHT, x0 = 80, y0 = 40, w = width - 80 - 200, h = 320;
    double top = p->peak ? (double)p->peak : 1;
    char buf[64];
    double *xy = malloc(p->cols * 4 * sizeof *xy);
    if (!xy) return -1;
    if (o->f) {
        fprintf(o->f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        fprintf(o->f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                      "font-family=\"sans-serif\" font-size=\"12\">\n", width, height, width, height);
        fprintf(o->f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    }
    human(buf, sizeof buf, (double)p->peak);
    s_title(o, x0, title, buf);
    for (int k = 0; k <= 4; k++) { /* grid and y labels */
        human(buf, sizeof buf, top * k / 4);
        s_grid(o, x0, y0 + h - (double)h * k / 4, x0 + w, buf);
    }
    for (int t = 0; t < p->ntags; t++) { /* one polygon per tag, stacked */
        size_t m = 0;
        for (size_t c = 0; c < p->cols; c++, m++) {
            uint64_t below = 0;
            for (int k = 0; k <= t; k++) below += p->maxs[c * MAX_TAGS + k];
            xy[2 * m] = x0 + ((double)c + 0.5) * w / (double)p->cols;
            xy[2 * m + 1] = y0 + h - (double)below / top * h;
        }
        for (size_t c = p->cols; c-- > 0; m++) {
            uint64_t below = 0;
            for (int k = 0; k < t; k++) below += p->maxs[c * MAX_TAGS + k];
            xy[2 * m] = x0 + ((double)c + 0.5) * w / (double)p->cols;
            xy[2 * m + 1] = y0 + h - (double)below / top * h;
        }
        s_area(o, palette[t], xy, m);
        s_legend(o, x0 + w + 20, y0 + 20 * t, palette[t], p->tags[t]);
    }
    free(xy);
    char label[96];
    if (timed) snprintf(label, sizeof label, "time (0 .. %.3f s)", seconds);
    else snprintf(label, sizeof label, "event (1 .. %zu)", n);
    s_axes(o, x0, y0, w, h, label);
    if (o->f) fprintf(o->f, "</svg>\n");
    return 0;
}

int cmd_snapshot_plot(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int width = 960;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--width") == 0 && i + 1 < argc) {
            char *e;
            long v = strtol(argv[++i], &e, 10);
            if (*e || e == argv[i] || v < 400 || v > 8000) {
                fprintf(stderr, "vram snapshot-plot: --width '%s' is not 400..8000\n", argv[i]);
                return 2;
            }
            width = (int)v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "vram snapshot-plot: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (!in) {
            in = argv[i];
        } else {
            fprintf(stderr, "vram snapshot-plot: one TRACE only ('%s')\n", argv[i]);
            return 2;
        }
    }
    if (!in) {
        usage(stderr);
        return 2;
    }
    if (out && plot_format_of(out) == PLOT_UNKNOWN) {
        fprintf(stderr, "vram snapshot-plot: --out '%s': name the file *.svg or *.png (the format follows the extension)\n", out);
        return 2;
    }
    vram_error err = {0};
    vram_trace_event *ev = NULL;
    size_t n = 0;
    if (vram_trace_load(in, &ev, &n, &err) < 0) {
        fprintf(stderr, "vram snapshot-plot: %s\n", err.msg);
        return 1;
    }
    int timed = n > 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].time < 0 || (i && ev[i].time < ev[i - 1].time)) timed = 0;
    plot p;
    memset(&p, 0, sizeof p);
    p.cols = (size_t)(width - 280) / 2;
    p.maxs = calloc(p.cols * MAX_TAGS, sizeof *p.maxs);
    p.ends = calloc(p.cols * MAX_TAGS, sizeof *p.ends);
    p.maxtotal = calloc(p.cols, sizeof *p.maxtotal);
    p.seen = calloc(p.cols, 1);
    char why[600] = "out of memory";
    char *svg = NULL;
    size_t len = 0;
    int rc = 1;
    if (!p.maxs || !p.ends || !p.maxtotal || !p.seen || build(&p, in, ev, n, timed, why, sizeof why) < 0) {
        fprintf(stderr, "vram snapshot-plot: %s\n", why);
        goto done;
    }
    const char *base = strrchr(in, '/');
    double seconds = n ? ev[n - 1].time - ev[0].time : 0;
    if (out && plot_format_of(out) == PLOT_PNG) {
        plot_canvas cv;
        sink o = {NULL, &cv};
        if (plot_canvas_init(&cv, width, PLOT_HEIGHT) < 0 || draw(&o, &p, base ? base + 1 : in, width, timed, seconds, n) < 0) {
            plot_canvas_free(&cv);
            fprintf(stderr, "vram snapshot-plot: out of memory\n");
            goto done;
        }
        int bad = plot_canvas_write_png(&cv, out, why, sizeof why);
        plot_canvas_free(&cv);
        if (bad < 0) {
            fprintf(stderr, "vram snapshot-plot: %s\n", why);
            goto done;
        }
        rc = 0;
        goto done;
    }
    FILE *f = open_memstream(&svg, &len);
    if (!f) {
        fprintf(stderr, "vram snapshot-plot: out of memory\n");
        goto done;
    }
    sink o = {f, NULL};
    int drawn = draw(&o, &p, base ? base + 1 : in, width, timed, seconds, n);
    if (fclose(f) != 0 || !svg || drawn < 0) {
        fprintf(stderr, "vram snapshot-plot: out of memory\n");
        goto done;
    }
    if (out) {
        if (vram_cli_write_atomic(out, svg, len, why, sizeof why) < 0) {
            fprintf(stderr, "vram snapshot-plot: %s\n", why);
            goto done;
        }
    } else if (fwrite(svg, 1, len, stdout) != len) {
        fprintf(stderr, "vram snapshot-plot: cannot write to stdout\n");
        goto done;
    }
    rc = 0;
done:
    free(svg);
    free(p.maxs);
    free(p.ends);
    free(p.maxtotal);
    free(p.seen);
    free(ev);
    return rc;
}
