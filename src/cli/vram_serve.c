/*
 * vram_serve.c - `vram serve`: the Prometheus exporter for the GPUs (NVML) and, with --stats FILE,
 * for an allocator whose process writes its numbers there (vram_alloc_metrics_write). docs/SERVE.md.
 * Stops cleanly on SIGINT and SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vram.h"
#include "vram_cmds.h"

static vram_server_t *g_server;

static void on_signal(int sig)
{
    (void)sig;
    if (g_server) vram_server_stop(g_server);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vram serve [--port 9400] [--bind 127.0.0.1] [--token T] [--stats FILE]\n\n"
            "Serve GPU and allocator metrics over HTTP until SIGINT/SIGTERM (docs/SERVE.md):\n"
            "  /metrics (Prometheus), /gpus and /stats (JSON), /healthz, /readyz.\n\n"
            "  --port N       port to listen on (default 9400; 0 picks a free one)\n"
            "  --bind ADDR    address to listen on (default 127.0.0.1)\n"
            "  --token T      bearer token required on /metrics, /gpus, /stats (needed beyond loopback;\n"
            "                 default $VRAM_SERVE_TOKEN)\n"
            "  --stats FILE   allocator metrics file to export, re-read on every scrape\n"
            "  --help         this text\n");
}

static int stats_from_file(void *ctx, vram_alloc_metrics *out, int cap)
{
    return vram_alloc_metrics_load(ctx, out, cap, NULL);
}

int cmd_serve(int argc, char **argv)
{
    vram_server_options o = vram_server_defaults();
    const char *stats = NULL;
    o.token = getenv("VRAM_SERVE_TOKEN");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--port") == 0 && i + 1 < argc) {
            char *end;
            long p = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || p < 0 || p > 65535) {
                fprintf(stderr, "vram serve: --port %s: must be a number 0..65535\n", argv[i]);
                return 2;
            }
            o.port = (int)p;
        } else if (strcmp(a, "--bind") == 0 && i + 1 < argc) {
            o.bind = argv[++i];
        } else if (strcmp(a, "--token") == 0 && i + 1 < argc) {
            o.token = argv[++i];
        } else if (strcmp(a, "--stats") == 0 && i + 1 < argc) {
            stats = argv[++i];
        } else {
            fprintf(stderr, "vram serve: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (stats) {
        o.alloc_metrics = stats_from_file;
        o.alloc_ctx = (void *)stats;
    }
    vram_error err = {0};
    vram_server_t *s = vram_server_create(&o, &err);
    if (!s) {
        fprintf(stderr, "vram serve: %s\n", err.msg);
        return err.code == VRAM_EINVAL ? 2 : 1;
    }
    g_server = s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    const char *bind = o.bind && *o.bind ? o.bind : "127.0.0.1";
    int v6 = strchr(bind, ':') != NULL;
    printf("vram serve: listening on http://%s%s%s:%d%s\n", v6 ? "[" : "", bind, v6 ? "]" : "", vram_server_port(s),
           o.token && *o.token ? " (token required)" : "");
    fflush(stdout);
    vram_server_run(s);
    g_server = NULL;
    vram_server_free(s);
    printf("vram serve: stopped\n");
    return 0;
}
