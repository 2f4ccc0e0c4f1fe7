/* test_metrics_pool.c - the exporter on a real caching allocator and swapper (sim device): the
 * numbers in /metrics are the pool's memory_stats and the swapper's counters, an OOM shows up in
 * vram_oom_total, and they survive the stats file that `vram serve --stats` reads. */
#include "check.h"
#include "vram.h"

static long long metric(const char *text, const char *name)
{
    char key[160];
    snprintf(key, sizeof key, "\n%s{pool=\"exp\"} ", name);
    const char *p = strstr(text, key);
    return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

int main(void)
{
    vram_error err = {0};
    vram_device_options dopt = vram_device_defaults();
    dopt.kind = "sim";
    dopt.capacity = 64ull << 20;
    dopt.backed = 1;
    vram_device_t *dev = vram_device_create(&dopt, &err);
    CHECK_MSG(dev != NULL, "sim device: %s", err.msg);
    if (!dev) return check_report();
    vram_pool_options po = vram_pool_defaults();
    po.budget_bytes = 48ull << 20;
    po.name = "exp";
    vram_pool_t *pool = vram_pool_create(dev, &po, &err);
    CHECK_MSG(pool != NULL, "pool: %s", err.msg);
    vram_swap_options so = vram_swap_defaults();
    so.threshold = 0.5;
    vram_swap_t *sw = pool ? vram_swap_create(pool, &so, &err) : NULL;
    CHECK_MSG(sw != NULL, "swapper: %s", err.msg);
    if (!pool || !sw) goto done;

    /* 5 x 8 MiB through the swapper with a 24 MiB threshold: some are evicted to host */
    uint32_t id[5];
    for (int i = 0; i < 5; i++) {
        CHECK_INT_EQ(vram_swap_alloc(sw, 8ull << 20, "t", &id[i], &err), VRAM_OK);
        void *p;
        CHECK_INT_EQ(vram_swap_acquire(sw, id[i], &p, &err), VRAM_OK);
        vram_swap_release(sw, id[i]);
    }
    /* one request past the budget: an OOM */
    void *big = NULL;
    CHECK_INT_EQ(vram_pool_alloc(pool, 100ull << 20, NULL, "too big", &big, &err), VRAM_EOOM);

    vram_alloc_metrics a;
    vram_pool_metrics(pool, &a);
    vram_swap_metrics(sw, &a);
    vram_pool_stats st;
    vram_pool_stats_get(pool, &st);
    vram_swap_stats ss;
    vram_swap_stats_get(sw, &ss);
    CHECK_STR_EQ(a.name, "exp");
    CHECK(ss.evictions > 0);

    vram_machine m;
    memset(&m, 0, sizeof m);
    char *text = NULL;
    CHECK_INT_EQ(vram_metrics_render(&m, &a, 1, &text, &err), VRAM_OK);
    if (text) {
        CHECK_INT_EQ(metric(text, "vram_allocated_bytes"), (long long)st.requested_bytes.current);
        CHECK_INT_EQ(metric(text, "vram_reserved_bytes"), (long long)st.reserved_bytes.current);
        CHECK_INT_EQ(metric(text, "vram_reserved_peak_bytes"), (long long)st.reserved_bytes.peak);
        CHECK_INT_EQ(metric(text, "vram_oom_total"), 1);
        CHECK_INT_EQ(metric(text, "vram_alloc_total"), (long long)st.alloc_count);
        CHECK_INT_EQ(metric(text, "vram_swapped_out_bytes_total"), (long long)ss.bytes_out);
        CHECK_INT_EQ(metric(text, "vram_swap_evictions_total"), (long long)ss.evictions);
        CHECK(metric(text, "vram_swapped_out_bytes_total") > 0);
        CHECK(metric(text, "vram_reserved_bytes") <= (long long)(48ull << 20));
        CHECK(strstr(text, "\nvram_fragmentation_ratio{pool=\"exp\"} ") != NULL);
    }
    free(text);

    /* through the stats file */
    char path[4200];
    snprintf(path, sizeof path, "%s/pool_stats.json", check_tmp_dir());
    CHECK_INT_EQ(vram_alloc_metrics_write(path, &a, 1, &err), VRAM_OK);
    vram_alloc_metrics b;
    CHECK_INT_EQ(vram_alloc_metrics_load(path, &b, 1, &err), 1);
    CHECK(memcmp(&a, &b, sizeof a) == 0);

    for (int i = 0; i < 5; i++) vram_swap_free(sw, id[i]);
done:
    vram_swap_destroy(sw);
    vram_pool_destroy(pool);
    vram_device_free(dev);
    return check_report();
}
