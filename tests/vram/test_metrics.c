/* test_metrics.c - the Prometheus text (names, units, labels escaped, unknowns left out), the
 * allocator metrics file (round trip and bad inputs), and the HTTP server in a thread with a fake GPU
 * source: every endpoint, the token, a taken port, binding beyond loopback without a token. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "fake_gpu.h"
#include "vram.h"

static vram_machine m;

static vram_alloc_metrics pool(const char *name, uint64_t allocated)
{
    vram_alloc_metrics a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "%s", name);
    a.allocated_bytes = allocated;
    a.allocated_peak_bytes = 2 * allocated;
    a.reserved_bytes = 3 * allocated;
    a.reserved_peak_bytes = 4 * allocated;
    a.fragmentation_ratio = 0.25;
    a.alloc_total = 10;
    a.free_total = 9;
    a.retry_total = 2;
    a.oom_total = 1;
    a.swapped_out_bytes_total = 4096;
    a.swapped_in_bytes_total = 2048;
    a.evictions_total = 3;
    return a;
}

static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0')) return 1;
    return 0;
}
#define CHECK_LINE(text, line) CHECK_MSG(has_line(text, line), "no line '%s' in:\n%s", line, text)

static void test_render(void)
{
    fake_gpus f = fake_one("NVIDIA GeForce \"RTX\" 4070 Ti\\x", 12);
    vram_gpu_source s = fake_source(&f);
    vram_error err = {0};
    CHECK_INT_EQ(vram_machine_detect(&m, &s, &err), VRAM_OK);
    vram_alloc_metrics a[2] = {pool("nn", 1000), pool("sim", 7)};
    char *t = NULL;
    CHECK_INT_EQ(vram_metrics_render(&m, a, 2, &t, &err), VRAM_OK);
    if (!t) return;
    CHECK_LINE(t, "vram_gpu_count 1");
    CHECK_LINE(t, "vram_nvml_available 1");
    CHECK_LINE(t, "# TYPE nvidia_smi_memory_total_bytes gauge");
    char line[256];
    snprintf(line, sizeof line, "nvidia_smi_memory_total_bytes{uuid=\"GPU-fake-0\"} %llu",
             (unsigned long long)m.gpus[0].memory_total_bytes);
    CHECK_LINE(t, line);
    CHECK_LINE(t, "nvidia_smi_gpu_info{uuid=\"GPU-fake-0\",name=\"NVIDIA GeForce \\\"RTX\\\" 4070 Ti\\\\x\",index=\"0\","
                  "driver_version=\"550.54.14\",compute_cap=\"8.9\"} 1");
    CHECK_LINE(t, "nvidia_smi_power_draw_watts{uuid=\"GPU-fake-0\"} 42.5");
    CHECK_LINE(t, "nvidia_smi_power_limit_watts{uuid=\"GPU-fake-0\"} 285");
    CHECK_LINE(t, "nvidia_smi_temperature_gpu{uuid=\"GPU-fake-0\"} 51");
    CHECK_LINE(t, "nvidia_smi_utilization_gpu_ratio{uuid=\"GPU-fake-0\"} 0.25");
    CHECK(strstr(t, "nvidia_smi_utilization_memory_ratio{") == NULL); /* unknown: left out */
    CHECK_LINE(t, "vram_gpu_process_used_bytes{uuid=\"GPU-fake-0\",pid=\"1234\"} 1048576");
    CHECK_LINE(t, "# TYPE vram_allocated_bytes gauge");
    CHECK_LINE(t, "vram_allocated_bytes{pool=\"nn\"} 1000");
    CHECK_LINE(t, "vram_allocated_bytes{pool=\"sim\"} 7");
    CHECK_LINE(t, "vram_reserved_bytes{pool=\"nn\"} 3000");
    CHECK_LINE(t, "vram_fragmentation_ratio{pool=\"nn\"} 0.25");
    CHECK_LINE(t, "# TYPE vram_oom_total counter");
    CHECK_LINE(t, "vram_oom_total{pool=\"nn\"} 1");
    CHECK_LINE(t, "vram_swapped_out_bytes_total{pool=\"nn\"} 4096");
    CHECK_LINE(t, "vram_swap_evictions_total{pool=\"sim\"} 3");
    /* every sample line is "name{labels} value" or "name value" */
    int bad = 0;
    for (char *p = t; *p;) {
        char *e = strchr(p, '\n');
        if (!e) break;
        if (*p != '#' && !memchr(p, ' ', (size_t)(e - p))) bad++;
        p = e + 1;
    }
    CHECK_INT_EQ(bad, 0);
    free(t);

    /* no GPU, no allocator: the two counts and nothing else */
    fake_gpus none = {0};
    none.absent = 1;
    s = fake_source(&none);
    CHECK_INT_EQ(vram_machine_detect(&m, &s, &err), VRAM_OK);
    CHECK_INT_EQ(vram_metrics_render(&m, NULL, 0, &t, &err), VRAM_OK);
    if (!t) return;
    CHECK_LINE(t, "vram_gpu_count 0");
    CHECK_LINE(t, "vram_nvml_available 0");
    CHECK(strstr(t, "nvidia_smi") == NULL && strstr(t, "vram_allocated_bytes") == NULL);
    free(t);
}

static void test_stats_file(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/stats/alloc.json", check_tmp_dir());
    vram_alloc_metrics a[2] = {pool("nn", 1u << 20), pool("cuda:0", 5)}, b[4];
    vram_error err = {0};
    CHECK_INT_EQ(vram_alloc_metrics_write(path, a, 2, &err), VRAM_OK);
    CHECK_INT_EQ(vram_alloc_metrics_load(path, b, 4, &err), 2);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK_INT_EQ(vram_alloc_metrics_load(path, b, 1, &err), VRAM_EINVAL);
    CHECK(strstr(err.msg, "at most 1") != NULL);
    CHECK_INT_EQ(vram_alloc_metrics_load("/nonexistent/s.json", b, 4, &err), VRAM_EIO);
    CHECK(strstr(err.msg, "/nonexistent/s.json: cannot open") != NULL);

    static const struct { const char *text, *needle; } bad[] = {
        {"{", "s.json: line 1"},
        {"[]", "expected {\"allocators\""},
        {"{\"allocators\": 1}", "expected {\"allocators\""},
        {"{\"allocators\": [{}]}", "allocators[0].name"},
        {"{\"allocators\": [{\"name\": \"\"}]}", "allocators[0].name"},
        {"{\"allocators\": [{\"name\": \"a\", \"oom_total\": -1}]}", "allocators[0].oom_total: must be an integer >= 0"},
        {"{\"allocators\": [{\"name\": \"a\", \"oom_total\": 1.5}]}", "allocators[0].oom_total"},
        {"{\"allocators\": [{\"name\": \"a\", \"fragmentation_ratio\": 2}]}", "fragmentation_ratio: must be a number 0..1"},
        {"{\"allocators\": [{\"name\": \"a\"}, 3]}", "allocators[1].name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        int rc = vram_alloc_metrics_parse(bad[i].text, strlen(bad[i].text), "s.json", b, 4, &err);
        CHECK_MSG(rc == VRAM_EINVAL, "'%s' gave %d", bad[i].text, rc);
        CHECK_MSG(strstr(err.msg, bad[i].needle) != NULL, "'%s': '%s' lacks '%s'", bad[i].text, err.msg, bad[i].needle);
    }
    const char *partial = "{\"allocators\": [{\"name\": \"p\", \"reserved_bytes\": 9}]}";
    CHECK_INT_EQ(vram_alloc_metrics_parse(partial, strlen(partial), NULL, b, 4, &err), 1);
    CHECK_INT_EQ(b[0].reserved_bytes, 9);
    CHECK_INT_EQ(b[0].allocated_bytes, 0);
}

/* ---- the server, in a thread, with a raw HTTP client ------------------------------------ */

static int g_alloc_calls, g_alloc_fail, g_alloc_many;
static int alloc_cb(void *ctx, vram_alloc_metrics *out, int cap)
{
    (void)ctx;
    g_alloc_calls++;
    if (g_alloc_fail) return VRAM_EIO;
    CHECK(cap >= 16);
    out[0] = pool("test", 123);
    if (g_alloc_many) { /* a /metrics body larger than one 16 KB write */
        for (int i = 1; i < 16; i++) {
            out[i] = pool("", UINT64_MAX);
            snprintf(out[i].name, sizeof out[i].name, "pool-%02d-with-a-long-name-xxxx", i);
        }
        return 16;
    }
    return 1;
}

static void *run_thread(void *arg)
{
    vram_server_run(arg);
    return NULL;
}

/* GET path (with an Authorization header when token) and return the whole response, malloc'd. */
static char *http(int port, const char *method, const char *path, const char *token)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return NULL;
    }
    char req[512];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s%s%s\r\n", method,
                     path, token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while (buf && (r = read(fd, buf + len, cap - 1 - len)) > 0) {
        len += (size_t)r;
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) break;
            buf = nb;
        }
        /* responses carry content-length: stop when the body is complete */
        buf[len] = '\0';
        char *body = strstr(buf, "\r\n\r\n"), *cl = strstr(buf, "content-length: ");
        if (body && cl && (size_t)(buf + len - (body + 4)) >= strtoul(cl + 16, NULL, 10)) break;
    }
    if (buf) buf[len] = '\0';
    close(fd);
    return buf;
}

static void test_server(void)
{
    fake_gpus f = fake_one("NVIDIA GeForce RTX 3070 Ti", 8);
    vram_gpu_source src = fake_source(&f);
    vram_server_options o = vram_server_defaults();
    CHECK_INT_EQ(o.port, 9400);
    CHECK_STR_EQ(o.bind, "127.0.0.1");
    o.port = 0;
    o.gpus = &src;
    o.token = "s3cret";
    o.alloc_metrics = alloc_cb;
    vram_error err = {0};
    vram_server_t *s = vram_server_create(&o, &err);
    CHECK_MSG(s != NULL, "create: %s", err.msg);
    if (!s) return;
    int port = vram_server_port(s);
    CHECK(port > 0);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, run_thread, s) == 0);

    char *r = http(port, "GET", "/healthz", NULL);
    CHECK(r && strstr(r, "HTTP/1.1 200") && strstr(r, "ok: 1 GPU(s)"));
    free(r);
    r = http(port, "GET", "/readyz", NULL);
    CHECK(r && strstr(r, "200") && strstr(r, "ready"));
    free(r);
    r = http(port, "GET", "/metrics", NULL); /* no token */
    CHECK(r && strstr(r, "HTTP/1.1 401") && strstr(r, "www-authenticate: Bearer"));
    free(r);
    r = http(port, "GET", "/metrics", "wrong");
    CHECK(r && strstr(r, "HTTP/1.1 401"));
    free(r);
    r = http(port, "GET", "/metrics", "s3cret");
    CHECK(r && strstr(r, "HTTP/1.1 200") && strstr(r, "text/plain; version=0.0.4"));
    CHECK(r && strstr(r, "\nvram_gpu_count 1\n") && strstr(r, "nvidia_smi_memory_used_bytes{uuid=\"GPU-fake-0\"}"));
    CHECK(r && strstr(r, "\nvram_allocated_bytes{pool=\"test\"} 123\n"));
    CHECK(r && strstr(r, "vram_exporter_requests_total "));
    free(r);
    r = http(port, "GET", "/gpus", "s3cret");
    CHECK(r && strstr(r, "application/json") && strstr(r, "\"gpu_count\": 1") &&
          strstr(r, "\"name\": \"NVIDIA GeForce RTX 3070 Ti\""));
    free(r);
    r = http(port, "GET", "/stats", "s3cret");
    CHECK(r && strstr(r, "\"allocators\"") && strstr(r, "\"allocated_bytes\": 123") && strstr(r, "\"max_batch\": 32"));
    free(r);
    g_alloc_many = 1;
    r = http(port, "GET", "/metrics?x=1", "s3cret");
    CHECK(r && strlen(r) > 16384);
    CHECK(r && strstr(r, "\nvram_swap_evictions_total{pool=\"pool-15-with-a-long-name-xxxx\"} 3\n"));
    CHECK(r && strstr(r, "\nvram_allocated_bytes{pool=\"pool-07-with-a-long-name-xxxx\"} 18446744073709551615\n"));
    free(r);
    g_alloc_many = 0;
    g_alloc_fail = 1;
    r = http(port, "GET", "/stats", "s3cret");
    CHECK(r && strstr(r, "\"allocators\": []") && strstr(r, "\"allocator_errors_total\": 1"));
    free(r);
    r = http(port, "GET", "/nope", "s3cret");
    CHECK(r && strstr(r, "HTTP/1.1 404"));
    free(r);
    r = http(port, "POST", "/metrics", "s3cret");
    CHECK(r && strstr(r, "HTTP/1.1 405"));
    free(r);
    CHECK(g_alloc_calls >= 3);

    /* the same port again: a clear error */
    vram_server_options o2 = o;
    o2.port = port;
    vram_server_t *s2 = vram_server_create(&o2, &err);
    CHECK(s2 == NULL);
    CHECK_MSG(strstr(err.msg, "cannot listen on 127.0.0.1:") != NULL, "%s", err.msg);
    CHECK_INT_EQ(err.code, VRAM_EIO);

    vram_server_stop(s);
    CHECK(pthread_join(th, NULL) == 0);
    vram_server_free(s);
    CHECK_INT_EQ(f.opens, 2); /* this server and the one that failed to listen */
    CHECK_INT_EQ(f.closes, 2);
    vram_server_free(NULL);
}

static void test_server_options(void)
{
    vram_server_options o = vram_server_defaults();
    vram_error err = {0};
    o.bind = "0.0.0.0";
    CHECK(vram_server_create(&o, &err) == NULL);
    CHECK(strstr(err.msg, "needs a token") != NULL);
    CHECK_INT_EQ(err.code, VRAM_EINVAL);
    o.bind = "no-such-interface0";
    o.token = "t";
    o.port = 0;
    CHECK(vram_server_create(&o, &err) == NULL);
    CHECK_MSG(strstr(err.msg, "cannot listen on no-such-interface0:0") != NULL, "%s", err.msg);
    o.bind = "localhost"; /* a host name lws would not take: served on 127.0.0.1 */
    vram_server_t *lh = vram_server_create(&o, &err);
    CHECK_MSG(lh != NULL && vram_server_port(lh) > 0, "localhost: %s", err.msg);
    vram_server_free(lh);
    o.port = 70000;
    CHECK(vram_server_create(&o, &err) == NULL);
    CHECK(strstr(err.msg, "port 70000") != NULL);
    /* no GPU: the server works and /healthz says so */
    fake_gpus none = {0};
    none.absent = 1;
    vram_gpu_source src = fake_source(&none);
    o = vram_server_defaults();
    o.port = 0;
    o.gpus = &src;
    vram_server_t *s = vram_server_create(&o, &err);
    CHECK(s != NULL);
    if (!s) return;
    pthread_t th;
    CHECK(pthread_create(&th, NULL, run_thread, s) == 0);
    char *r = http(vram_server_port(s), "GET", "/healthz", NULL);
    CHECK(r && strstr(r, "ok: no GPU found (NVML not available: cannot load libnvidia-ml.so.1: fake says absent)"));
    free(r);
    r = http(vram_server_port(s), "GET", "/metrics", NULL); /* loopback without token: open */
    CHECK(r && strstr(r, "\nvram_gpu_count 0\n") && !strstr(r, "vram_allocated_bytes"));
    free(r);
    vram_server_stop(s);
    pthread_join(th, NULL);
    vram_server_free(s);
    CHECK_INT_EQ(none.closes, 0); /* never opened, never closed */
}

int main(void)
{
    test_render();
    test_stats_file();
    test_server();
    test_server_options();
    return check_report();
}
