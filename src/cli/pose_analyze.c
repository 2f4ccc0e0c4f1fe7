/*
 * pose_analyze.c - `pose analyze INPUT [options]`: people in a video, an image, a stream or a
 * camera, tracked and smoothed, written as JSONL / CSV / an overlay video (pose_analyze_run does
 * the work). A progress bar on stderr when it is a terminal; a summary at the end. SIGINT finishes
 * the current frame and closes every output properly (a second SIGINT kills).
 */
#include <libavutil/log.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pose.h"
#include "pose_cmds.h"

#ifndef AIMP_MODELS_DIR
#define AIMP_MODELS_DIR "models"
#endif

static volatile int stop_requested;

static void on_sigint(int sig)
{
    (void)sig;
    stop_requested = 1;
    signal(SIGINT, SIG_DFL); /* a second ^C ends the process at once */
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: pose analyze INPUT [options]\n"
            "\n"
            "Finds people in INPUT (a video file, an image, an rtsp:// or http:// URL, or a camera\n"
            "/dev/videoN), tracks and smooths them, and writes what was asked for.\n"
            "\n"
            "options:\n"
            "  --model M        movenet-lightning (default), movenet-thunder, movenet-multipose,\n"
            "                   blazepose-lite, blazepose-full, blazepose-heavy\n"
            "  --out FILE       JSON Lines: a header line, then one line per frame (\"-\" = stdout)\n"
            "  --csv FILE       CSV: one row per person per frame\n"
            "  --overlay FILE   MP4 video with skeletons, ids and scores drawn (H.264)\n"
            "  --fps N          process at most N frames per second of video\n"
            "  --start S        begin S seconds into the input\n"
            "  --duration D     process D seconds\n"
            "  --threads N      inference threads (default: the engine's choice)\n"
            "  --no-smooth      turn the One Euro smoothing off\n"
            "  --models-dir DIR model files (default $AIMP_MODELS_DIR, else %s)\n"
            "  --quiet          no progress bar and no summary\n"
            "\n"
            "Exit status: 0 done, 1 failure (message on stderr), 2 bad usage, 130 interrupted (outputs\n"
            "are complete up to the last processed frame).\n",
            AIMP_MODELS_DIR);
}

typedef struct progress_state {
    int tty;
    double total_frames; /* 0 = unknown */
    double last_print;
    double fps, start, duration; /* the options, for the total */
} progress_state;

static void progress(void *user, const pose_analyze_stats *st)
{
    progress_state *ps = user;
    if (!ps->tty) return;
    if (ps->total_frames == 0 && st->duration > 0 && st->fps > 0) {
        double d = st->duration - ps->start;
        if (ps->duration > 0 && ps->duration < d) d = ps->duration;
        double rate = ps->fps > 0 && ps->fps < st->fps ? ps->fps : st->fps;
        ps->total_frames = d > 0 ? d * rate : 0;
    }
    if (st->elapsed_s - ps->last_print < 0.1 && st->frames > 1) return;
    ps->last_print = st->elapsed_s;
    double fps = st->elapsed_s > 0 ? (double)st->frames / st->elapsed_s : 0;
    char bar[32] = "";
    char eta[32] = "--:--";
    if (ps->total_frames > 0) {
        double frac = (double)st->frames / ps->total_frames;
        if (frac > 1) frac = 1;
        int filled = (int)(frac * 20);
        for (int i = 0; i < 20; i++) bar[i] = i < filled ? '#' : '.';
        bar[20] = 0;
        if (fps > 0) {
            int left = (int)((ps->total_frames - (double)st->frames) / fps);
            if (left < 0) left = 0;
            snprintf(eta, sizeof eta, "%d:%02d", left / 60, left % 60);
        }
        fprintf(stderr, "\r[%s] %lld/%.0f frames  %.1f fps  ETA %s ", bar, (long long)st->frames,
                ps->total_frames, fps, eta);
    } else {
        fprintf(stderr, "\r%lld frames  %.1f fps  t=%.1fs ", (long long)st->frames, fps, st->t_last);
    }
}

static int parse_double(const char *opt, const char *v, double *out)
{
    char *end;
    double d = v ? strtod(v, &end) : 0;
    if (!v || !*v || *end || !(d >= 0)) {
        fprintf(stderr, "pose analyze: %s needs a number >= 0, got '%s'\n", opt, v ? v : "");
        return -1;
    }
    *out = d;
    return 0;
}

int cmd_analyze(int argc, char **argv)
{
    pose_analyze_opts o;
    pose_analyze_defaults(&o);
    const char *models_dir = getenv("AIMP_MODELS_DIR");
    if (!models_dir || !*models_dir) models_dir = AIMP_MODELS_DIR;
    int quiet = 0;
    double threads = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--model") == 0 && v) {
            int m = pose_model_parse(v);
            if (m < 0) {
                fprintf(stderr, "pose analyze: unknown model '%s' (see --help)\n", v);
                return 2;
            }
            o.est.model = (pose_model_kind)m;
            i++;
        } else if (strcmp(a, "--out") == 0 && v) {
            o.out_jsonl = v;
            i++;
        } else if (strcmp(a, "--csv") == 0 && v) {
            o.out_csv = v;
            i++;
        } else if (strcmp(a, "--overlay") == 0 && v) {
            o.overlay = v;
            i++;
        } else if (strcmp(a, "--fps") == 0) {
            if (parse_double(a, v, &o.fps)) return 2;
            i++;
        } else if (strcmp(a, "--start") == 0) {
            if (parse_double(a, v, &o.start)) return 2;
            i++;
        } else if (strcmp(a, "--duration") == 0) {
            if (parse_double(a, v, &o.duration)) return 2;
            i++;
        } else if (strcmp(a, "--threads") == 0) {
            if (parse_double(a, v, &threads) || threads > 256) return 2;
            o.est.threads = (int)threads;
            i++;
        } else if (strcmp(a, "--models-dir") == 0 && v) {
            models_dir = v;
            i++;
        } else if (strcmp(a, "--no-smooth") == 0) {
            o.est.smoothing = 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            fprintf(stderr, "pose analyze: unknown or incomplete option '%s' (see --help)\n", a);
            return 2;
        } else if (!o.input) {
            o.input = a;
        } else {
            fprintf(stderr, "pose analyze: one INPUT only ('%s' and '%s')\n", o.input, a);
            return 2;
        }
    }
    if (!o.input) {
        usage(stderr);
        return 2;
    }
    o.est.models_dir = models_dir;
    if (!o.out_jsonl && !o.out_csv && !o.overlay)
        fprintf(stderr, "pose analyze: no --out, --csv or --overlay given: only the summary is printed\n");
    av_log_set_level(AV_LOG_QUIET);

    progress_state ps = {.tty = !quiet && isatty(STDERR_FILENO), .fps = o.fps, .start = o.start,
                         .duration = o.duration};
    o.progress = progress;
    o.user = &ps;
    o.stop = &stop_requested;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);

    pose_analyze_stats st;
    pose_error err = {0};
    int rc = pose_analyze_run(&o, &st, &err);
    signal(SIGINT, SIG_DFL);
    if (ps.tty) fputc('\n', stderr);
    if (rc != 0) fprintf(stderr, "pose analyze: %s\n", err.msg);
    if (st.encoder && strcmp(st.encoder, "libx264") != 0)
        fprintf(stderr, "pose analyze: warning: libx264 is not available; the overlay is MPEG-4 part 2 (%s)\n",
                st.encoder);
    if (!quiet && st.frames > 0) {
        double n = (double)st.frames;
        fprintf(stderr,
                "pose analyze: %s, %s: %lld frames (%dx%d), %lld person detections, %lld track(s), %.1f fps"
                " overall\n  mean per frame: decode %.2f ms, preprocess %.2f ms, inference %.2f ms, post %.2f"
                " ms, output %.2f ms\n",
                o.input, pose_model_name(o.est.model), (long long)st.frames, st.width, st.height,
                (long long)st.persons, (long long)st.max_id, st.elapsed_s > 0 ? n / st.elapsed_s : 0,
                st.decode_ms / n, st.preprocess_ms / n, st.inference_ms / n, st.post_ms / n, st.output_ms / n);
        if (st.dropped) fprintf(stderr, "  %lld frames dropped by the live source\n", (long long)st.dropped);
    }
    if (rc != 0) return 1;
    if (stop_requested) {
        fprintf(stderr, "pose analyze: interrupted after %lld frames; outputs are complete up to there\n",
                (long long)st.frames);
        return 130;
    }
    if (st.frames == 0) {
        fprintf(stderr, "pose analyze: %s: no frames could be decoded\n", o.input);
        return 1;
    }
    return 0;
}
