/*
 * test_preprocess.c - model inputs: bit-exact with TF.js on every reference input of
 * ../shared/reference/<model>/<image>.input.bin (images decoded through our FFmpeg source), plus the
 * crop and rotated-ROI paths checked on synthetic images against their definitions.
 */
#include <dirent.h>
#include <libavutil/log.h>

#include "check.h"
#include "pose.h"

static uint8_t *load_png_rgb(const char *path, int *w, int *h, int *stride, pose_frame **keep)
{
    pose_error err = {0};
    pose_source_opts o;
    pose_source_defaults(&o);
    pose_source_t *s = pose_source_open(path, &o, &err);
    CHECK_MSG(s != NULL, "open %s: %s", path, err.msg);
    if (!s) return NULL;
    pose_frame *f = NULL;
    int rc = pose_source_read(s, &f, &err);
    CHECK_MSG(rc == 1, "read %s: rc %d %s", path, rc, err.msg);
    pose_frame *extra = NULL;
    CHECK_INT_EQ(pose_source_read(s, &extra, &err), 0); /* a still image is one frame */
    pose_source_free(s);
    if (rc != 1) return NULL;
    CHECK_NEAR(f->t, 0.0, 1e-9);
    *w = f->width;
    *h = f->height;
    *stride = f->rgb_stride;
    *keep = f;
    return f->rgb;
}

static long file_bytes(const char *path, void *buf, long cap)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    long n = (long)fread(buf, 1, (size_t)cap, fp);
    fclose(fp);
    return n;
}

static void test_reference(const char *shared)
{
    static const struct { const char *model; int n; pose_norm norm; } models[] = {
        {"movenet-lightning", 192, POSE_NORM_INT32}, {"movenet-thunder", 256, POSE_NORM_INT32},
        {"movenet-multipose", 256, POSE_NORM_INT32}, {"blazepose-detector", 224, POSE_NORM_PM1},
        {"blazepose-lite", 256, POSE_NORM_01},       {"blazepose-full", 256, POSE_NORM_01},
        {"blazepose-heavy", 256, POSE_NORM_01},
    };
    static uint8_t ours[256 * 256 * 3 * 4], ref[256 * 256 * 3 * 4 + 1];
    int files = 0;
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/reference/%s", shared, models[m].model);
        DIR *d = opendir(dir);
        CHECK_MSG(d != NULL, "cannot list %s", dir);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            const char *suffix = strstr(e->d_name, ".input.bin");
            if (!suffix || suffix[10] != 0) continue;
            char name[256], png[4400], bin[4400];
            snprintf(name, sizeof name, "%.*s", (int)(suffix - e->d_name), e->d_name);
            snprintf(png, sizeof png, "%s/media/images/%s.png", shared, name);
            snprintf(bin, sizeof bin, "%s/%s", dir, e->d_name);
            int w, h, stride;
            pose_frame *f = NULL;
            const uint8_t *rgb = load_png_rgb(png, &w, &h, &stride, &f);
            if (!rgb) continue;
            long want = (long)models[m].n * models[m].n * 3 * 4;
            long got = file_bytes(bin, ref, (long)sizeof ref);
            CHECK_MSG(got == want, "%s: %ld bytes, want %ld", bin, got, want);
            pose_error err = {0};
            pose_letterbox lb;
            int rc = pose_preprocess_letterbox(rgb, w, h, stride, models[m].n, models[m].norm, ours,
                                               &lb, &err);
            CHECK_MSG(rc == 0, "%s: %s", bin, err.msg);
            long diff = 0, first = -1;
            for (long i = 0; i < want; i++)
                if (ours[i] != ref[i]) {
                    if (first < 0) first = i;
                    diff++;
                }
            CHECK_MSG(diff == 0, "%s (%s, %dx%d): %ld bytes differ, first at element %ld", bin,
                      models[m].model, w, h, diff, first / 4);
            CHECK_INT_EQ(lb.square, w > h ? w : h);
            files++;
            pose_frame_unref(f);
        }
        closedir(d);
    }
    CHECK_MSG(files >= 60, "only %d reference inputs checked", files);
    printf("%d reference inputs bit-exact\n", files);
}

static void test_synthetic(void)
{
    enum { W = 40, H = 30 };
    static uint8_t img[H][W][3];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            img[y][x][0] = (uint8_t)(x * 5);
            img[y][x][1] = (uint8_t)(y * 7);
            img[y][x][2] = (uint8_t)((x + y) & 0xff);
        }
    pose_error err = {0};
    /* letterbox into N = S: an identity copy with zero padding rows (pad_top = 5) */
    static int32_t lb_out[40 * 40 * 3];
    pose_letterbox lb;
    CHECK_INT_EQ(pose_preprocess_letterbox(&img[0][0][0], W, H, W * 3, 40, POSE_NORM_INT32, lb_out, &lb, &err), 0);
    CHECK_INT_EQ(lb.pad_top, 5);
    CHECK_INT_EQ(lb.pad_left, 0);
    CHECK_INT_EQ(lb_out[(4 * 40 + 7) * 3 + 0], 0);
    CHECK_INT_EQ(lb_out[(5 * 40 + 7) * 3 + 0], 35);
    CHECK_INT_EQ(lb_out[(12 * 40 + 9) * 3 + 1], 49);
    double x, y;
    pose_letterbox_to_frame(&lb, 0.5, 0.5, &x, &y);
    CHECK_NEAR(x, 20, 1e-9);
    CHECK_NEAR(y, 15, 1e-9);

    /* cropAndResize over the whole frame at its own size is the identity */
    static float crop[H * H * 3];
    const double whole[4] = {0, 0, 1, 1};
    static float crop_w[W * W * 3];
    CHECK_INT_EQ(pose_preprocess_crop(&img[0][0][0], W, H, W * 3, whole, W, POSE_NORM_01, crop_w, &err), 0);
    CHECK_NEAR(crop_w[0], 0, 1e-7);
    /* row r samples y = r*(H-1)/(W-1); at r = W-1 the last frame row, x = W-1 the last column */
    CHECK_NEAR(crop_w[((W - 1) * W + (W - 1)) * 3 + 1], (float)(29 * 7) / 255.0f, 1e-6);
    /* a box beyond the frame extrapolates zeros */
    const double outside[4] = {-1, -1, -0.5, -0.5};
    CHECK_INT_EQ(pose_preprocess_crop(&img[0][0][0], W, H, W * 3, outside, H, POSE_NORM_01, crop, &err), 0);
    CHECK_NEAR(crop[(H * H - 1) * 3], 0, 0);
    const double empty[4] = {0.5, 0.5, 0.5, 0.6};
    CHECK(pose_preprocess_crop(&img[0][0][0], W, H, W * 3, empty, H, POSE_NORM_01, crop, &err) == POSE_EINVAL);

    /* ROI without rotation, pixel-aligned: output (c, r) = frame pixel (x0 + c, y0 + r) */
    pose_roi roi = {.cx = 20, .cy = 15, .w = 10, .h = 10, .rotation = 0};
    static float roi_out[10 * 10 * 3];
    CHECK_INT_EQ(pose_preprocess_roi(&img[0][0][0], W, H, W * 3, &roi, 10, POSE_NORM_01, roi_out, &err), 0);
    CHECK_NEAR(roi_out[(3 * 10 + 4) * 3 + 0], img[10 + 3][15 + 4][0] / 255.0, 1e-6);
    CHECK_NEAR(roi_out[(3 * 10 + 4) * 3 + 1], img[10 + 3][15 + 4][1] / 255.0, 1e-6);
    /* rotated by +90 degrees: the ROI's top edge lies along the frame's right side, so input row 0
     * runs down column cx + 5 - 0.5 */
    roi.rotation = M_PI / 2;
    CHECK_INT_EQ(pose_preprocess_roi(&img[0][0][0], W, H, W * 3, &roi, 10, POSE_NORM_01, roi_out, &err), 0);
    for (int c = 0; c < 10; c++)
        CHECK_NEAR(roi_out[(0 * 10 + c) * 3 + 1], img[10 + c][24][1] / 255.0, 1e-6);
    pose_roi_to_frame(&roi, 0.5, 0.0, &x, &y);
    CHECK_NEAR(x, 25, 1e-9);
    CHECK_NEAR(y, 15, 1e-9);
    /* differential: the tiled, incremental crop equals the definition evaluated per pixel
     * (rotation 0.3 rad, N = 37 not a multiple of the tile, ROI partly outside the frame) */
    pose_roi r3 = {.cx = 30, .cy = 12, .w = 33, .h = 29, .rotation = 0.3};
    static float got[37 * 37 * 3];
    CHECK_INT_EQ(pose_preprocess_roi(&img[0][0][0], W, H, W * 3, &r3, 37, POSE_NORM_01, got, &err), 0);
    int bad = 0;
    for (int r = 0; r < 37; r++)
        for (int c = 0; c < 37; c++) {
            double fx, fy;
            pose_roi_to_frame(&r3, (c + 0.5) / 37, (r + 0.5) / 37, &fx, &fy);
            fx -= 0.5;
            fy -= 0.5;
            int x0 = (int)floor(fx), y0 = (int)floor(fy);
            double ax = fx - x0, ay = fy - y0;
            for (int k = 0; k < 3; k++) {
                double px[2][2];
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) {
                        int xx = x0 + dx, yy = y0 + dy;
                        px[dy][dx] = xx >= 0 && yy >= 0 && xx < W && yy < H ? img[yy][xx][k] : 0;
                    }
                double top = px[0][0] + (px[0][1] - px[0][0]) * ax, bot = px[1][0] + (px[1][1] - px[1][0]) * ax;
                double want = (top + (bot - top) * ay) / 255.0;
                if (fabs(got[(r * 37 + c) * 3 + k] - want) > 1e-5) bad++;
            }
        }
    CHECK_MSG(bad == 0, "%d ROI samples differ from the per-pixel definition", bad);

    /* bad arguments */
    roi.w = 0;
    CHECK(pose_preprocess_roi(&img[0][0][0], W, H, W * 3, &roi, 10, POSE_NORM_01, roi_out, &err) == POSE_EINVAL);
    CHECK(strstr(err.msg, "ROI") != NULL);
    CHECK(pose_preprocess_letterbox(&img[0][0][0], W, H, W * 3, 4096, POSE_NORM_01, roi_out, NULL, &err) == POSE_EINVAL);
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    test_synthetic();
    const char *shared = check_shared_dir();
    test_reference(shared);
    return check_report();
}
