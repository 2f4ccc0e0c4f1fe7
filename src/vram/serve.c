/*
 * serve.c - the exporter's HTTP server: libwebsockets, one event loop (the thread in
 * vram_server_run) owning every socket (STYLE.md #12). Each request is answered from a fresh GPU
 * query, so there is no cache to go stale; NVML answers in well under a millisecond per GPU.
 *   GET /metrics  Prometheus text        GET /gpus   {"nvml":..., "gpus":[...]}
 *   GET /stats    allocators + exporter  GET /healthz, /readyz   plain text
 * A bearer token, when set, guards everything but /healthz and /readyz (probes carry no token).
 */
#include <jansson.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "machine_internal.h"
#include "metrics_internal.h"
#include "mem_internal.h"
#include "vram.h"

#define MAX_ALLOCATORS 16
#define CHUNK 16384

struct vram_server_t {
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    vram_server_options o;
    char bind[64];
    char token[256];
    const vram_gpu_source *src;
    int src_open;
    vram_machine m;             /* cpu and driver facts from create(); gpus refreshed per request */
    volatile sig_atomic_t stop;
    time_t started;
    unsigned long long requests, errors;
    vram_alloc_metrics alloc[MAX_ALLOCATORS];
    unsigned char wbuf[LWS_PRE + CHUNK];
};

typedef struct session {
    char *body;
    size_t len, sent;
} session;

vram_server_options vram_server_defaults(void)
{
    vram_server_options o;
    memset(&o, 0, sizeof o);
    o.bind = "127.0.0.1";
    o.port = 9400;
    return o;
}

static int is_loopback(const char *bind)
{
    return strncmp(bind, "127.", 4) == 0 || strcmp(bind, "::1") == 0 || strcmp(bind, "localhost") == 0;
}

/* Re-query every GPU; a GPU that fails to answer is dropped from this response. */
static void refresh_gpus(vram_server_t *s)
{
    if (!s->src_open) return;
    int n = 0;
    for (int i = 0; i < s->m.system.gpu_count && n < VRAM_MAX_GPUS; i++)
        if (s->src->query(s->src->ctx, i, &s->m.gpus[n], NULL) == VRAM_OK) n++;
    s->m.gpu_count = n;
}

static int get_allocators(vram_server_t *s, vram_alloc_metrics *a)
{
    if (!s->o.alloc_metrics) return 0;
    int n = s->o.alloc_metrics(s->o.alloc_ctx, a, MAX_ALLOCATORS);
    if (n < 0) {
        s->errors++;
        return 0;
    }
    return n > MAX_ALLOCATORS ? MAX_ALLOCATORS : n;
}

static char *json_body(json_t *root)
{
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(root);
    return text;
}

static char *text_body(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0) p = NULL;
    va_end(ap);
    return p;
}

/* Constant-time: a wrong token takes as long as a right one. */
static int token_ok(const vram_server_t *s, const char *auth)
{
    char want[300];
    snprintf(want, sizeof want, "Bearer %s", s->token);
    size_t n = strlen(want), m = strlen(auth);
    unsigned diff = (unsigned)(n ^ m);
    for (size_t i = 0; i < n; i++) diff |= (unsigned)(want[i] ^ (i < m ? auth[i] : 0));
    return diff == 0;
}

/* Build the response for path: status, content type, malloc'd body (NULL on host OOM). */
static unsigned int respond(vram_server_t *s, struct lws *wsi, const char *path, const char **type, char **body)
{
    vram_alloc_metrics *alloc = s->alloc;
    *type = "text/plain; charset=utf-8";
    int is_get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    if (!is_get) {
        *body = text_body("method not allowed: use GET\n");
        return HTTP_STATUS_METHOD_NOT_ALLOWED;
    }
    if (strcmp(path, "/healthz") == 0) {
        refresh_gpus(s);
        if (s->m.gpu_count > 0) *body = text_body("ok: %d GPU(s)\n", s->m.gpu_count);
        else if (!s->m.nvml_available) *body = text_body("ok: no GPU found (NVML not available: %s)\n", s->m.nvml_error);
        else *body = text_body("ok: no GPU found (NVML reports 0 devices)\n");
        return HTTP_STATUS_OK;
    }
    if (strcmp(path, "/readyz") == 0) {
        *body = text_body("ready\n");
        return HTTP_STATUS_OK;
    }
    if (s->token[0]) {
        char auth[300] = "";
        if (lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION) < 0) auth[0] = '\0';
        if (!token_ok(s, auth)) {
            *body = text_body("unauthorized: send 'Authorization: Bearer TOKEN'\n");
            return HTTP_STATUS_UNAUTHORIZED;
        }
    }
    if (strcmp(path, "/metrics") == 0) {
        refresh_gpus(s);
        int n = get_allocators(s, alloc);
        vram__sbuf b = {0};
        vram__metrics_append(&b, &s->m, alloc, n);
        vram__sbuf_printf(&b, "# HELP vram_exporter_requests_total HTTP requests served.\n"
                              "# TYPE vram_exporter_requests_total counter\nvram_exporter_requests_total %llu\n",
                          s->requests);
        if (b.oom) {
            free(b.p);
            b.p = NULL;
        }
        *type = "text/plain; version=0.0.4; charset=utf-8";
        *body = b.p;
        return HTTP_STATUS_OK;
    }
    if (strcmp(path, "/gpus") == 0) {
        refresh_gpus(s);
        json_t *gpus = json_array();
        for (int i = 0; gpus && i < s->m.gpu_count; i++) json_array_append_new(gpus, vram__gpu_json(&s->m.gpus[i]));
        json_t *root = json_pack("{s:b,s:o,s:o,s:i,s:o}", "nvml_available", s->m.nvml_available, "nvml_error",
                                 s->m.nvml_available ? json_null() : json_string(s->m.nvml_error), "driver_version",
                                 s->m.system.driver_version[0] ? json_string(s->m.system.driver_version) : json_null(),
                                 "gpu_count", s->m.gpu_count, "gpus", gpus);
        *type = "application/json";
        *body = json_body(root);
        return HTTP_STATUS_OK;
    }
    if (strcmp(path, "/stats") == 0) {
        int n = get_allocators(s, alloc);
        json_t *root = json_pack("{s:o,s:{s:s,s:I,s:I,s:I},s:o}", "allocators", vram__alloc_metrics_json(alloc, n),
                                 "exporter", "version", vram_version(), "uptime_s",
                                 (json_int_t)(time(NULL) - s->started), "requests_total", (json_int_t)s->requests,
                                 "allocator_errors_total", (json_int_t)s->errors, "profile",
                                 vram__profile_json(&s->m.profile));
        *type = "application/json";
        *body = json_body(root);
        return HTTP_STATUS_OK;
    }
    *body = text_body("not found: try /metrics, /gpus, /stats, /healthz or /readyz\n");
    return HTTP_STATUS_NOT_FOUND;
}

static int write_chunk(vram_server_t *s, struct lws *wsi, session *ss)
{
    size_t n = ss->len - ss->sent;
    if (n > CHUNK) n = CHUNK;
    memcpy(s->wbuf + LWS_PRE, ss->body + ss->sent, n);
    ss->sent += n;
    int final = ss->sent == ss->len;
    if (lws_write(wsi, s->wbuf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n) return -1;
    if (!final) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(ss->body);
    ss->body = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    vram_server_t *s = lws_context_user(lws_get_context(wsi));
    session *ss = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        s->requests++;
        const char *type;
        char *body = NULL;
        unsigned int status = respond(s, wsi, in ? (const char *)in : "/", &type, &body);
        if (!body) {
            s->errors++;
            if (lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, "out of memory")) return -1;
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        free(ss->body);
        ss->body = body;
        ss->len = strlen(body);
        ss->sent = 0;
        unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
        if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)ss->len, &p, end)) return -1;
        if (status == HTTP_STATUS_UNAUTHORIZED &&
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_WWW_AUTHENTICATE, (const unsigned char *)"Bearer", 6, &p,
                                         end))
            return -1;
        if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!ss || !ss->body) return 0;
        return write_chunk(s, wsi, ss);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (ss) {
            free(ss->body);
            ss->body = NULL;
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"http", callback, sizeof(session), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* lws reports why a listen failed only through its log: keep the last error line for err. The log
 * level and handler are process-wide in lws; we route errors here and print nothing. */
static char g_lws_error[200];
static void lws_log(int level, const char *line)
{
    if (level == LLL_ERR) {
        snprintf(g_lws_error, sizeof g_lws_error, "%s", line);
        size_t n = strlen(g_lws_error);
        while (n && (g_lws_error[n - 1] == '\n' || g_lws_error[n - 1] == ' ')) g_lws_error[--n] = '\0';
    }
}

vram_server_t *vram_server_create(const vram_server_options *o, vram_error *err)
{
    vram_server_options defaults = vram_server_defaults();
    if (!o) o = &defaults;
    const char *bind = o->bind && *o->bind ? o->bind : "127.0.0.1";
    if (o->port < 0 || o->port > 65535) {
        vram__err(err, VRAM_EINVAL, "port %d: must be 0..65535", o->port);
        return NULL;
    }
    if (strlen(bind) >= 64 || (o->token && strlen(o->token) >= 256)) {
        vram__err(err, VRAM_EINVAL, "bind address or token too long");
        return NULL;
    }
    if (!is_loopback(bind) && !(o->token && *o->token)) {
        vram__err(err, VRAM_EINVAL,
                  "listening on %s (beyond loopback) needs a token: give --token T", bind);
        return NULL;
    }
    vram_server_t *s = calloc(1, sizeof *s);
    if (!s) {
        vram__err(err, VRAM_ENOMEM, "out of memory");
        return NULL;
    }
    s->o = *o;
    /* lws takes an address or an interface name, not a host name */
    snprintf(s->bind, sizeof s->bind, "%s", strcmp(bind, "localhost") == 0 ? "127.0.0.1" : bind);
    snprintf(s->token, sizeof s->token, "%s", o->token ? o->token : "");
    s->started = time(NULL);
    /* the machine once (CPU, profile), then keep the GPU source open for the per-request queries */
    s->src = o->gpus ? o->gpus : vram_gpu_source_nvml();
    vram_cpu_detect(&s->m.cpu);
    vram_error e = {0};
    if (s->src->open(s->src->ctx, &s->m.system, &e) == VRAM_OK) {
        s->src_open = 1;
        s->m.nvml_available = 1;
        refresh_gpus(s);
    } else {
        snprintf(s->m.nvml_error, sizeof s->m.nvml_error, "%s", e.msg);
    }
    vram_rules_t *r = vram_rules_create();
    if (r) vram_rules_select(r, &s->m, &s->m.profile);
    vram_rules_free(r);

    g_lws_error[0] = '\0';
    lws_set_log_level(LLL_ERR, lws_log); /* never print from the library */
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    info.user = s;
    info.port = CONTEXT_PORT_NO_LISTEN;
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        vram__err(err, VRAM_ENOMEM, "cannot create the HTTP context: %s",
                  g_lws_error[0] ? g_lws_error : "libwebsockets failed");
        goto fail;
    }
    memset(&info, 0, sizeof info);
    info.port = o->port;
    info.iface = s->bind;
    info.protocols = protocols;
    info.vhost_name = "vram";
    if (strchr(s->bind, '.')) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    s->vhost = lws_create_vhost(s->ctx, &info);
    if (!s->vhost || lws_get_vhost_listen_port(s->vhost) <= 0) { /* an unknown interface name listens nowhere */
        vram__err(err, VRAM_EIO, "cannot listen on %s:%d (address in use or not available)%s%s",
                  s->bind, o->port, g_lws_error[0] ? ": " : "", g_lws_error);
        goto fail;
    }
    return s;
fail:
    vram_server_free(s);
    return NULL;
}

int vram_server_port(const vram_server_t *s) { return lws_get_vhost_listen_port(s->vhost); }

int vram_server_run(vram_server_t *s)
{
    while (!s->stop)
        if (lws_service(s->ctx, 0) < 0) break;
    return VRAM_OK;
}

void vram_server_stop(vram_server_t *s)
{
    s->stop = 1;
    lws_cancel_service(s->ctx); /* wakes the loop through its pipe */
}

void vram_server_free(vram_server_t *s)
{
    if (!s) return;
    if (s->ctx) lws_context_destroy(s->ctx);
    if (s->src_open) s->src->close(s->src->ctx);
    free(s);
}
