/*
 * test_plot_png.c - the PNG plots of `pose compare --plot FILE.png` and `vram snapshot-plot --out
 * FILE.png` (the raster canvas and PNG writer they share, src/cli/plot_canvas.c): each file has the
 * PNG signature, decodes with FFmpeg's PNG decoder to the expected size, and has the plot's colours
 * where the plot draws them (the red anomaly circles only in the knee_angle_r panel, the threshold
 * band; the stacked area of the largest tag, another tag above it, the legend swatch); a bad
 * extension is refused with exit 2; no temp file is left behind. Lives under tests/pose because
 * libpose links FFmpeg (libvram does not).
 */
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <dirent.h>
#include <unistd.h>

#include "check.h"
#include "kin_squats.h"

typedef struct image {
    int w, h;
    uint8_t *rgb;
} image;

static int run(const char *cmd, const char *out)
{
    char full[20000];
    snprintf(full, sizeof full, "%s >'%s' 2>&1", cmd, out);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t count_in_file(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f), c = 0;
    fclose(f);
    buf[n] = '\0';
    for (char *p = buf; (p = strstr(p, needle)); p++) c++;
    return c;
}

/* the PNG signature, then FFmpeg's PNG decoder; 0 on success */
static int load_png(const char *path, image *im)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    static uint8_t buf[8 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    CHECK_MSG(n > 8 && memcmp(buf, sig, 8) == 0, "%s: no PNG signature", path);
    const AVCodec *dec = avcodec_find_decoder(AV_CODEC_ID_PNG);
    AVCodecContext *ctx = dec ? avcodec_alloc_context3(dec) : NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    int rc = -1;
    if (ctx && pkt && fr && avcodec_open2(ctx, dec, NULL) >= 0 && av_new_packet(pkt, (int)n) >= 0) {
        memcpy(pkt->data, buf, n);
        if (avcodec_send_packet(ctx, pkt) >= 0 && avcodec_receive_frame(ctx, fr) >= 0) {
            CHECK_MSG(fr->format == AV_PIX_FMT_RGB24, "%s: pixel format %d, want RGB24", path, fr->format);
            if (fr->format == AV_PIX_FMT_RGB24) {
                im->w = fr->width, im->h = fr->height;
                im->rgb = malloc((size_t)im->w * (size_t)im->h * 3);
                for (int y = 0; im->rgb && y < im->h; y++)
                    memcpy(im->rgb + (size_t)y * (size_t)im->w * 3, fr->data[0] + (size_t)y * (size_t)fr->linesize[0],
                           (size_t)im->w * 3);
                rc = im->rgb ? 0 : -1;
            }
        }
    }
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
    return rc;
}

static long pixel(const image *im, int x, int y)
{
    const uint8_t *p = im->rgb + ((size_t)y * (size_t)im->w + (size_t)x) * 3;
    return (long)p[0] << 16 | (long)p[1] << 8 | p[2];
}

/* pixels of colour col inside [x0, x1) x [y0, y1) */
static size_t count_colour(const image *im, long col, int x0, int y0, int x1, int y1)
{
    size_t c = 0;
    for (int y = y0; y < y1 && y < im->h; y++)
        for (int x = x0; x < x1 && x < im->w; x++) c += pixel(im, x, y) == col;
    return c;
}

static int temp_left(const char *dir)
{
    DIR *d = opendir(dir);
    int found = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) found = 1;
    if (d) closedir(d);
    return found;
}

static void test_pose(const char *pose, const char *d)
{
    char refj[1024], dis[1024], db[1024], out[1024], png[1024], cmd[8192];
    snprintf(refj, sizeof refj, "%s/ref.jsonl", d);
    snprintf(dis, sizeof dis, "%s/distorted.jsonl", d);
    snprintf(db, sizeof db, "%s/plot.db", d);
    snprintf(out, sizeof out, "%s/out.txt", d);
    snprintf(png, sizeof png, "%s/report.png", d);
    unlink(db);
    static const squat_spec REF = {5, 90, 5, 0, 1.0, 2.0, 0};
    squat_spec dsp = {4, 88, 5, -25, 1.5, 2.4, 1.0};
    CHECK(squat_write_jsonl(refj, &REF) == 0);
    CHECK(squat_write_jsonl(dis, &dsp) == 0);
    snprintf(cmd, sizeof cmd, "'%s' reference add squat --from '%s' --db '%s'", pose, refj, db);
    CHECK_INT_EQ(run(cmd, out), 0);
    snprintf(cmd, sizeof cmd, "'%s' compare '%s' --reference squat --db '%s' --plot '%s'", pose, dis, db, png);
    CHECK_INT_EQ(run(cmd, out), 0);
    CHECK(count_in_file(out, "less flexed than the reference at the bottom") == 4);
    image im = {0, 0, NULL};
    CHECK_INT_EQ(load_png(png, &im), 0);
    if (!im.rgb) return;
    /* 3 panels of 420 x 210 per row, 60 px title and legend, 10 px foot; 11 joints in 2D -> 4 rows */
    CHECK_INT_EQ(im.w, 1260);
    CHECK_INT_EQ(im.h, 60 + 4 * 210 + 10);
    /* red (anomaly circles and their labels) only in the knee_angle_r panel: column 3, row 1 */
    size_t red_knee = count_colour(&im, 0xff0000, 840, 60, 1260, 270);
    size_t red_all = count_colour(&im, 0xff0000, 0, 0, im.w, im.h);
    CHECK_MSG(red_knee > 100, "only %zu red pixels in the knee_angle_r panel", red_knee);
    CHECK_MSG(red_all == red_knee, "%zu red pixels outside the knee_angle_r panel", red_all - red_knee);
    /* the threshold band: #ffd8a8 at 60 % over white */
    CHECK(count_colour(&im, 0xffe8cb, 0, 60, im.w, im.h) > 10000);
    /* black template and text */
    CHECK(count_colour(&im, 0x000000, 0, 60, im.w, im.h) > 1000);
    free(im.rgb);
    CHECK(!temp_left(d));
    snprintf(cmd, sizeof cmd, "'%s' compare '%s' --reference squat --db '%s' --plot '%s/x.jpg'", pose, dis, db, d);
    CHECK_INT_EQ(run(cmd, out), 2);
    CHECK(count_in_file(out, "name the file *.svg or *.png") == 1);
    snprintf(cmd, sizeof cmd, "'%s' compare '%s' --reference squat --db '%s' --plot '%s/nodir/x.png'", pose, dis, db, d);
    CHECK_INT_EQ(run(cmd, out), 1);
    CHECK(count_in_file(out, "nodir/x.png") == 1);
}

static void test_vram(const char *vram, const char *d)
{
    char trace[1024], out[1024], png[1024], cmd[8192];
    snprintf(trace, sizeof trace, "%s/t.jsonl", d);
    snprintf(out, sizeof out, "%s/vout.txt", d);
    snprintf(png, sizeof png, "%s/timeline.png", d);
    FILE *f = fopen(trace, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("{\"op\":\"alloc\",\"id\":1,\"size\":1048576,\"tag\":\"weights\",\"time\":0}\n"
          "{\"op\":\"alloc\",\"id\":2,\"size\":2097152,\"tag\":\"acts\",\"time\":0.5}\n"
          "{\"op\":\"free\",\"id\":2,\"time\":1.0}\n"
          "{\"op\":\"alloc\",\"id\":3,\"size\":1024,\"time\":1.5}\n"
          "{\"op\":\"free\",\"id\":99,\"time\":2.0}\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' snapshot-plot '%s' --out '%s' --width 600", vram, trace, png);
    CHECK_INT_EQ(run(cmd, out), 0);
    image im = {0, 0, NULL};
    CHECK_INT_EQ(load_png(png, &im), 0);
    if (!im.rgb) return;
    CHECK_INT_EQ(im.w, 600);
    CHECK_INT_EQ(im.h, 420);
    /* plot area x 80..400, y 40..360; peak 3 MiB. weights (1 MiB, the whole time) fills the bottom
     * third in #4e79a7 at 85 % over white; acts (2 MiB, 0.5..1.0 s) sits above it in #f28e2b */
    CHECK_MSG(pixel(&im, 240, 350) == 0x698db4, "weights area: %06lx", pixel(&im, 240, 350));
    CHECK_MSG(pixel(&im, 380, 300) == 0x698db4, "weights area: %06lx", pixel(&im, 380, 300));
    CHECK_MSG(pixel(&im, 200, 160) == 0xf49f4b, "acts area: %06lx", pixel(&im, 200, 160));
    CHECK_MSG(pixel(&im, 380, 160) == 0xffffff, "above weights after acts is freed: %06lx", pixel(&im, 380, 160));
    CHECK_MSG(pixel(&im, 426, 46) == 0x4e79a7, "legend swatch: %06lx", pixel(&im, 426, 46));
    CHECK_MSG(pixel(&im, 426, 66) == 0xf28e2b, "legend swatch: %06lx", pixel(&im, 426, 66));
    CHECK(count_colour(&im, 0x000000, 0, 0, 80, 420) > 50); /* y labels */
    free(im.rgb);
    CHECK(!temp_left(d));
    snprintf(cmd, sizeof cmd, "'%s' snapshot-plot '%s' --out '%s/t.bmp'", vram, trace, d);
    CHECK_INT_EQ(run(cmd, out), 2);
    CHECK(count_in_file(out, "name the file *.svg or *.png") == 1);
    snprintf(cmd, sizeof cmd, "'%s' snapshot-plot '%s' --out '%s/nodir/t.png'", vram, trace, d);
    CHECK_INT_EQ(run(cmd, out), 1);
    CHECK(count_in_file(out, "nodir/t.png") == 1);
}

int main(void)
{
    const char *pose = getenv("POSE"), *vram = getenv("VRAM");
    if (!pose || !vram || access(pose, X_OK) != 0 || access(vram, X_OK) != 0) {
        printf("SKIP: $POSE / $VRAM not set\n");
        return 77;
    }
    const char *d = check_tmp_dir();
    test_pose(pose, d);
    test_vram(vram, d);
    return check_report();
}
