/* test_device_cuda.c - the cuda device and the pool, swapper on it, where a CUDA runtime and a GPU are
 * found (skipped with 77 elsewhere). The runtime is $VRAM_CUDART_LIBRARY or the default search;
 * test_device_fakecuda.sh runs this same binary against a fake runtime so CI covers the code paths.
 * Prints a few figures (cudaMalloc vs pool allocation latency, copy bandwidth) for the record. */
#include <time.h>

#include "check.h"
#include "vram.h"

#define MiB (1024ull * 1024ull)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(void)
{
    vram_error err = {0};
    vram_device_options o = vram_device_defaults();
    o.kind = "cuda";
    vram_device_t *d = vram_device_create(&o, &err);
    if (!d) {
        CHECK_INT_EQ(err.code, VRAM_ENOTFOUND);
        char why[600];
        snprintf(why, sizeof why, "no CUDA runtime or GPU: %s", err.msg);
        check_skip(why);
    }
    uint64_t fr, tot;
    CHECK_INT_EQ(vram_device_mem_info(d, &fr, &tot, &err), VRAM_OK);
    CHECK(tot > 0 && fr <= tot);
    printf("cuda device: %.2f GiB total, %.2f GiB free\n", (double)tot / (1 << 30), (double)fr / (1 << 30));

    /* copies round-trip byte-exact through the device */
    uint64_t n = 64 * MiB;
    void *a = NULL, *b = NULL, *h = NULL, *h2 = NULL;
    CHECK_INT_EQ(vram_device_alloc(d, n, &a, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_alloc(d, n, &b, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_host_alloc(d, n, &h, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_host_alloc(d, n, &h2, &err), VRAM_OK);
    vram_stream_t *s = NULL;
    CHECK_INT_EQ(vram_device_stream_create(d, &s, &err), VRAM_OK);
    if (a && b && h && h2 && s) {
        unsigned char *hp = h, *hq = h2;
        for (uint64_t i = 0; i < n; i++) hp[i] = (unsigned char)(i * 131 + 7);
        double t0 = now();
        CHECK_INT_EQ(vram_device_copy(d, a, h, n, VRAM_COPY_H2D, s, &err), VRAM_OK);
        CHECK_INT_EQ(vram_device_stream_sync(d, s, &err), VRAM_OK);
        double t1 = now();
        CHECK_INT_EQ(vram_device_copy(d, b, a, n, VRAM_COPY_D2D, s, &err), VRAM_OK);
        CHECK_INT_EQ(vram_device_copy(d, h2, b, n, VRAM_COPY_D2H, s, &err), VRAM_OK);
        vram_event_t *e = NULL;
        CHECK_INT_EQ(vram_device_event_record(d, s, &e, &err), VRAM_OK);
        int q = vram_device_event_query(d, e);
        CHECK(q == 0 || q == 1);
        CHECK_INT_EQ(vram_device_event_sync(d, e, &err), VRAM_OK);
        CHECK_INT_EQ(vram_device_event_query(d, e), 1);
        vram_device_event_destroy(d, e);
        CHECK(memcmp(hp, hq, n) == 0);
        printf("H2D 64 MiB pinned: %.2f GB/s\n", (double)n / (t1 - t0) / 1e9);
    }
    vram_device_stats st;
    vram_device_stats_get(d, &st);
    CHECK_INT_EQ(st.bytes_in, n);
    CHECK_INT_EQ(st.bytes_out, n);
    vram_device_release(d, a);
    vram_device_release(d, b);
    vram_device_host_release(d, h);
    vram_device_host_release(d, h2);

    /* the device's own OOM */
    void *huge = NULL;
    CHECK_INT_EQ(vram_device_alloc(d, tot * 4, &huge, &err), VRAM_EOOM);
    CHECK(strstr(err.msg, "cudaMalloc") != NULL);

    /* latency: cudaMalloc/cudaFree against the pool's cached path */
    enum { N = 500 };
    static void *ptrs[N];
    double t0 = now();
    for (int i = 0; i < N; i++) vram_device_alloc(d, 1 << 20, &ptrs[i], &err);
    for (int i = 0; i < N; i++) vram_device_release(d, ptrs[i]);
    double t_dev = (now() - t0) / N;
    vram_pool_options po = vram_pool_defaults();
    po.budget_bytes = 512 * MiB;
    vram_pool_t *p = vram_pool_create(d, &po, &err);
    CHECK(p != NULL);
    if (p) {
        for (int i = 0; i < N; i++) vram_pool_alloc(p, 1 << 20, NULL, "warm", &ptrs[i], &err);
        for (int i = 0; i < N; i++) vram_pool_free(p, ptrs[i]);
        t0 = now();
        for (int i = 0; i < N; i++) vram_pool_alloc(p, 1 << 20, NULL, "hot", &ptrs[i], &err);
        for (int i = 0; i < N; i++) vram_pool_free(p, ptrs[i]);
        double t_pool = (now() - t0) / N;
        printf("1 MiB alloc+free: cudaMalloc/cudaFree %.2f us, pool (cached) %.3f us, ratio %.0fx\n", t_dev * 1e6,
               t_pool * 1e6, t_dev / t_pool);
        /* random alloc/free within the budget, then OOM with the full message, then empty */
        void *live[200] = {0};
        int oom = 0;
        for (int k = 0; k < 3000; k++) {
            int i = (int)(rnd() % 200);
            if (live[i]) {
                CHECK_INT_EQ(vram_pool_free(p, live[i]), VRAM_OK);
                live[i] = NULL;
            } else {
                int rc = vram_pool_alloc(p, 1 + rnd() % (8 * MiB), s, "rand", &live[i], &err);
                if (rc == VRAM_EOOM) oom++;
                else CHECK_INT_EQ(rc, VRAM_OK);
            }
        }
        for (int i = 0; i < 200; i++) vram_pool_free(p, live[i]);
        CHECK_INT_EQ(vram_pool_alloc(p, 600 * MiB, NULL, NULL, &a, &err), VRAM_EOOM);
        CHECK(strstr(err.msg, "fragmentation ratio") != NULL);
        vram_pool_stats ps;
        vram_pool_stats_get(p, &ps);
        CHECK_INT_EQ(ps.allocated_bytes.current, 0);
        CHECK(ps.reserved_bytes.peak <= 512 * MiB);
        CHECK_INT_EQ(vram_pool_empty_cache(p, &err), VRAM_OK);
        vram_pool_stats_get(p, &ps);
        CHECK_INT_EQ(ps.reserved_bytes.current, 0);
        printf("pool random: %d OOM within a 512 MiB budget, peak reserved %.1f MiB\n", oom,
               (double)ps.reserved_bytes.peak / MiB);

        /* swapper: a tensor evicted to host comes back byte-exact */
        vram_swap_options so = vram_swap_defaults();
        so.budget_bytes = 100 * MiB;
        vram_swap_t *sw = vram_swap_create(p, &so, &err);
        CHECK(sw != NULL);
        if (sw) {
            uint32_t id[4];
            void *dp;
            unsigned char *pattern = malloc(40 * MiB), *back = malloc(40 * MiB);
            for (uint64_t i = 0; i < 40 * MiB; i++) pattern[i] = (unsigned char)(i ^ (i >> 9));
            CHECK_INT_EQ(vram_swap_alloc(sw, 40 * MiB, "x", &id[0], &err), VRAM_OK);
            CHECK_INT_EQ(vram_swap_acquire(sw, id[0], &dp, &err), VRAM_OK);
            vram_device_copy(d, dp, pattern, 40 * MiB, VRAM_COPY_H2D, NULL, &err);
            vram_device_stream_sync(d, NULL, &err);
            vram_swap_release(sw, id[0]);
            CHECK_INT_EQ(vram_swap_alloc(sw, 40 * MiB, "y", &id[1], &err), VRAM_OK);
            CHECK_INT_EQ(vram_swap_alloc(sw, 40 * MiB, "z", &id[2], &err), VRAM_OK);
            CHECK_INT_EQ(vram_swap_resident(sw, id[0]), 0);
            CHECK_INT_EQ(vram_swap_acquire(sw, id[0], &dp, &err), VRAM_OK);
            vram_device_copy(d, back, dp, 40 * MiB, VRAM_COPY_D2H, NULL, &err);
            vram_device_stream_sync(d, NULL, &err);
            CHECK(memcmp(pattern, back, 40 * MiB) == 0);
            vram_swap_release(sw, id[0]);
            vram_swap_stats ss;
            vram_swap_stats_get(sw, &ss);
            CHECK(ss.evictions >= 1 && ss.bytes_in == 40 * MiB);
            free(pattern);
            free(back);
            vram_swap_destroy(sw);
        }
        vram_pool_destroy(p);
    }
    vram_device_stream_destroy(d, s);
    vram_device_free(d);

    /* pinned host device through the same runtime */
    vram_device_options ho = vram_device_defaults();
    ho.kind = "host";
    ho.pinned = 1;
    ho.capacity = 0;
    vram_device_t *hd = vram_device_create(&ho, &err);
    CHECK(hd != NULL);
    if (hd) {
        void *x;
        CHECK_INT_EQ(vram_device_alloc(hd, 4 * MiB, &x, &err), VRAM_OK);
        memset(x, 3, 4 * MiB);
        vram_device_release(hd, x);
        CHECK_INT_EQ(vram_device_host_alloc(hd, MiB, &x, &err), VRAM_OK);
        vram_device_host_release(hd, x);
        vram_device_free(hd);
    }
    /* a GPU index that does not exist */
    o.device_index = 999;
    CHECK(vram_device_create(&o, &err) == NULL);
    CHECK_INT_EQ(err.code, VRAM_ENOTFOUND);
    return check_report();
}
