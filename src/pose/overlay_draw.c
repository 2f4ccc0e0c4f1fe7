/*
 * overlay_draw.c - drawing people into YUV420P planes (pose.h "pose_overlay_draw"): thick lines
 * for the skeleton, dots for keypoints, a box, and "#id .score" in a 3x5 bitmap font, all written
 * directly into Y and the half-resolution U/V planes. Everything is clipped to the frame.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pose.h"

#define KP_MIN_SCORE 0.3f

typedef struct yuv {
    uint8_t y, u, v;
} yuv;

static const int coco_edges[][2] = {{0, 1},  {0, 2},   {1, 3},   {2, 4},   {5, 6},   {5, 7},
                                    {7, 9},  {6, 8},   {8, 10},  {5, 11},  {6, 12},  {11, 12},
                                    {11, 13}, {13, 15}, {12, 14}, {14, 16}};
static const int blaze_edges[][2] = {{0, 1},   {1, 2},   {2, 3},   {3, 7},   {0, 4},   {4, 5},   {5, 6},
                                     {6, 8},   {9, 10},  {11, 12}, {11, 13}, {13, 15}, {15, 17}, {15, 19},
                                     {15, 21}, {17, 19}, {12, 14}, {14, 16}, {16, 18}, {16, 20}, {16, 22},
                                     {18, 20}, {11, 23}, {12, 24}, {23, 24}, {23, 25}, {24, 26}, {25, 27},
                                     {26, 28}, {27, 29}, {28, 30}, {29, 31}, {30, 32}, {27, 31}, {28, 32}};

/* 3x5 glyphs, one row per 3 bits (MSB left): digits, '#', '.', '-' */
static const uint8_t glyphs[13][5] = {
    {7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 2, 2, 2}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
    {5, 7, 5, 7, 5}, {0, 0, 0, 0, 2}, {0, 0, 7, 0, 0}};

/* BT.601 limited range */
static yuv rgb_to_yuv(int r, int g, int b)
{
    yuv c;
    c.y = (uint8_t)((66 * r + 129 * g + 25 * b + 128) / 256 + 16);
    c.u = (uint8_t)((-38 * r - 74 * g + 112 * b + 128) / 256 + 128);
    c.v = (uint8_t)((112 * r - 94 * g - 18 * b + 128) / 256 + 128);
    return c;
}

static yuv track_colour(int id)
{
    static const int pal[8][3] = {{255, 64, 64},  {64, 255, 64},  {64, 160, 255}, {255, 220, 0},
                                  {255, 64, 255}, {0, 255, 255}, {255, 140, 0},  {200, 200, 255}};
    const int *c = pal[(id > 0 ? id - 1 : 0) % 8];
    return rgb_to_yuv(c[0], c[1], c[2]);
}

/* A filled square of side 2r+1 centred on (x, y), luma and chroma. */
static void dot(pose_frame *f, int x, int y, int r, yuv c)
{
    int x0 = x - r, x1 = x + r, y0 = y - r, y1 = y + r;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= f->width) x1 = f->width - 1;
    if (y1 >= f->height) y1 = f->height - 1;
    for (int yy = y0; yy <= y1; yy++) {
        uint8_t *row = f->yuv[0] + (size_t)yy * (size_t)f->yuv_stride[0];
        for (int xx = x0; xx <= x1; xx++) row[xx] = c.y;
    }
    for (int yy = y0 / 2; yy <= y1 / 2; yy++)
        for (int xx = x0 / 2; xx <= x1 / 2; xx++) {
            f->yuv[1][(size_t)yy * (size_t)f->yuv_stride[1] + (size_t)xx] = c.u;
            f->yuv[2][(size_t)yy * (size_t)f->yuv_stride[2] + (size_t)xx] = c.v;
        }
}

static void line(pose_frame *f, double xa, double ya, double xb, double yb, int r, yuv c)
{
    if (!isfinite(xa) || !isfinite(ya) || !isfinite(xb) || !isfinite(yb)) return;
    double len = hypot(xb - xa, yb - ya);
    double lim = 4.0 * (f->width + f->height);
    if (len > lim) return; /* absurd coordinates: skip rather than loop for ever */
    int steps = (int)ceil(len) + 1;
    for (int i = 0; i <= steps; i++) {
        double t = (double)i / steps;
        int x = (int)lround(xa + (xb - xa) * t), y = (int)lround(ya + (yb - ya) * t);
        if (x < -r || y < -r || x >= f->width + r || y >= f->height + r) continue;
        dot(f, x, y, r, c);
    }
}

static void text(pose_frame *f, int x, int y, int scale, const char *s, yuv c)
{
    for (; *s; s++, x += 4 * scale) {
        int g = *s >= '0' && *s <= '9' ? *s - '0' : *s == '#' ? 10 : *s == '.' ? 11 : *s == '-' ? 12 : -1;
        if (g < 0) continue;
        for (int row = 0; row < 5; row++)
            for (int col = 0; col < 3; col++)
                if (glyphs[g][row] & (4 >> col)) {
                    int px = x + col * scale, py = y + row * scale;
                    int h = scale / 2;
                    dot(f, px + h, py + h, h, c);
                }
    }
}

void pose_overlay_draw(pose_frame *f, const pose_result *r)
{
    if (!f->yuv[0]) return;
    int side = f->width < f->height ? f->width : f->height;
    int th = side / 400 > 1 ? side / 400 : 1;
    int scale = side / 120 > 2 ? side / 120 : 2;
    yuv white = rgb_to_yuv(255, 255, 255);
    for (int i = 0; i < r->n_persons; i++) {
        const pose_person *p = &r->persons[i];
        yuv c = track_colour(p->id);
        int n_edges = p->n_keypoints == 33 ? (int)(sizeof blaze_edges / sizeof blaze_edges[0])
                                           : (int)(sizeof coco_edges / sizeof coco_edges[0]);
        const int(*edges)[2] = p->n_keypoints == 33 ? blaze_edges : coco_edges;
        for (int e = 0; e < n_edges; e++) {
            const pose_keypoint *a = &p->kp[edges[e][0]], *b = &p->kp[edges[e][1]];
            if (edges[e][0] >= p->n_keypoints || edges[e][1] >= p->n_keypoints) continue;
            if (a->score < KP_MIN_SCORE || b->score < KP_MIN_SCORE) continue;
            line(f, a->x, a->y, b->x, b->y, th, c);
        }
        for (int k = 0; k < p->n_keypoints; k++)
            if (p->kp[k].score >= KP_MIN_SCORE && isfinite(p->kp[k].x) && isfinite(p->kp[k].y))
                dot(f, (int)lround(p->kp[k].x), (int)lround(p->kp[k].y), th + 1, white);
        /* thin box and the label above it */
        double x0 = p->bbox[0], y0 = p->bbox[1], x1 = p->bbox[2], y1 = p->bbox[3];
        int bt = th > 1 ? th / 2 : 0;
        line(f, x0, y0, x1, y0, bt, c);
        line(f, x1, y0, x1, y1, bt, c);
        line(f, x1, y1, x0, y1, bt, c);
        line(f, x0, y1, x0, y0, bt, c);
        char label[32];
        int sc = (int)lround(fmin(fmax(p->score, 0), 0.99) * 100);
        snprintf(label, sizeof label, "#%d .%02d", p->id, sc);
        int ty = (int)lround(y0) - 7 * scale;
        if (ty < 0) ty = (int)lround(y0) + scale;
        if (isfinite(x0)) text(f, (int)lround(x0), ty, scale, label, c);
    }
}
