/* test_swap.c - the swapper on a backed sim: data round-trips byte-exact through host, farthest-next-use
 * eviction with a schedule, LRU without, pinning, prefetch before use (no stall) versus stalls,
 * stats and metrics, errors; plus pool snapshots and traces (JSON shape, trace replays). */
#include "check.h"
#include "mem_internal.h"
#include "vram.h"

#define MiB (1024ull * 1024ull)

/* patterns written and checked a 64-bit word at a time (sizes here are multiples of 8) */
static uint64_t word(uint64_t i, unsigned seed) { return (i + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed << 40); }

static void fill(void *p, uint64_t n, unsigned seed)
{
    uint64_t *w = p;
    for (uint64_t i = 0; i < n / 8; i++) w[i] = word(i, seed);
}

static int same(const void *p, uint64_t n, unsigned seed)
{
    const uint64_t *w = p;
    for (uint64_t i = 0; i < n / 8; i++)
        if (w[i] != word(i, seed)) return 0;
    return 1;
}

static void setup(vram_device_t **d, vram_pool_t **p, vram_swap_t **sw, uint64_t budget, double threshold)
{
    vram_device_options o = vram_device_defaults();
    o.capacity = 256 * MiB;
    *d = vram_device_create(&o, NULL);
    vram_pool_options po = vram_pool_defaults();
    po.budget_bytes = budget;
    *p = *d ? vram_pool_create(*d, &po, NULL) : NULL;
    vram_swap_options so = vram_swap_defaults();
    so.threshold = threshold;
    *sw = *p ? vram_swap_create(*p, &so, NULL) : NULL;
}

static void teardown(vram_device_t *d, vram_pool_t *p, vram_swap_t *sw)
{
    vram_swap_destroy(sw);
    vram_pool_destroy(p);
    vram_device_free(d);
}

static void test_round_trip_lru(void)
{
    vram_device_t *d;
    vram_pool_t *p;
    vram_swap_t *sw;
    setup(&d, &p, &sw, 100 * MiB, 0.85); /* evictions start past 85 MiB */
    vram_error err = {0};
    uint32_t id[8];
    void *ptr;
    for (unsigned i = 0; i < 4; i++) { /* 4 x 20 MiB = 80 MiB: no eviction */
        CHECK_INT_EQ(vram_swap_alloc(sw, 20 * MiB, "act", &id[i], &err), VRAM_OK);
        CHECK_INT_EQ(vram_swap_acquire(sw, id[i], &ptr, &err), VRAM_OK);
        fill(ptr, 20 * MiB, i);
        vram_swap_release(sw, id[i]);
    }
    vram_swap_stats st;
    vram_swap_stats_get(sw, &st);
    CHECK_INT_EQ(st.evictions, 0);
    CHECK_INT_EQ(st.resident_bytes, 80 * MiB);
    /* touch 0 so that 1 is the least recently used */
    CHECK_INT_EQ(vram_swap_acquire(sw, id[0], &ptr, &err), VRAM_OK);
    vram_swap_release(sw, id[0]);
    CHECK_INT_EQ(vram_swap_alloc(sw, 20 * MiB, "act", &id[4], &err), VRAM_OK);
    CHECK_INT_EQ(vram_swap_resident(sw, id[1]), 0);
    CHECK_INT_EQ(vram_swap_resident(sw, id[0]), 1);
    vram_swap_stats_get(sw, &st);
    CHECK_INT_EQ(st.evictions, 1);
    CHECK_INT_EQ(st.bytes_out, 20 * MiB);
    CHECK_INT_EQ(st.host_bytes, 20 * MiB);
    /* back: byte-exact, a stall (no prefetch), and something else went out for it */
    CHECK_INT_EQ(vram_swap_acquire(sw, id[1], &ptr, &err), VRAM_OK);
    CHECK(same(ptr, 20 * MiB, 1));
    vram_swap_release(sw, id[1]);
    vram_swap_stats_get(sw, &st);
    CHECK_INT_EQ(st.stalls, 1);
    CHECK_INT_EQ(st.bytes_in, 20 * MiB);
    CHECK_INT_EQ(st.evictions, 2);
    /* every tensor still holds its bytes wherever it went */
    for (unsigned i = 0; i < 4; i++) {
        CHECK_INT_EQ(vram_swap_acquire(sw, id[i], &ptr, &err), VRAM_OK);
        CHECK_MSG(same(ptr, 20 * MiB, i), "tensor %u corrupted", i);
        vram_swap_release(sw, id[i]);
    }
    vram_device_stats ds;
    vram_device_stats_get(d, &ds);
    CHECK(ds.bytes_out >= 20 * MiB && ds.bytes_in >= 20 * MiB);
    /* pinned and acquired tensors stay */
    CHECK_INT_EQ(vram_swap_pin(sw, id[0], 1), VRAM_OK);
    CHECK_INT_EQ(vram_swap_acquire(sw, id[2], &ptr, &err), VRAM_OK);
    for (int k = 0; k < 3; k++) {
        uint32_t x;
        CHECK_INT_EQ(vram_swap_alloc(sw, 20 * MiB, NULL, &x, &err), VRAM_OK);
        vram_swap_free(sw, x);
    }
    CHECK_INT_EQ(vram_swap_resident(sw, id[0]), 1);
    CHECK_INT_EQ(vram_swap_resident(sw, id[2]), 1);
    vram_swap_release(sw, id[2]);
    vram_swap_release(sw, 9999);
    /* when nothing may go: VRAM_EOOM from the pool */
    CHECK_INT_EQ(vram_swap_pin(sw, id[2], 1), VRAM_OK);
    CHECK_INT_EQ(vram_swap_alloc(sw, 90 * MiB, NULL, &id[5], &err), VRAM_EOOM);
    CHECK(strstr(err.msg, "out of device memory") != NULL);
    vram_alloc_metrics m;
    vram_pool_metrics(p, &m);
    vram_swap_metrics(sw, &m);
    vram_swap_stats_get(sw, &st);
    CHECK_INT_EQ(m.swapped_out_bytes_total, st.bytes_out);
    CHECK_INT_EQ(m.evictions_total, st.evictions);
    /* errors */
    CHECK_INT_EQ(vram_swap_free(sw, 0), VRAM_EINVAL);
    CHECK_INT_EQ(vram_swap_free(sw, 12345), VRAM_EINVAL);
    CHECK_INT_EQ(vram_swap_pin(sw, 12345, 1), VRAM_EINVAL);
    CHECK_INT_EQ(vram_swap_resident(sw, 12345), VRAM_EINVAL);
    CHECK_INT_EQ(vram_swap_acquire(sw, 12345, &ptr, &err), VRAM_EINVAL);
    CHECK_INT_EQ(vram_swap_free(sw, id[1]), VRAM_OK);
    CHECK_INT_EQ(vram_swap_free(sw, id[1]), VRAM_EINVAL);
    vram_swap_options bad = vram_swap_defaults();
    bad.threshold = 1.5;
    CHECK(vram_swap_create(p, &bad, &err) == NULL);
    teardown(d, p, sw); /* frees the tensors still held */
}

static void test_schedule_prefetch(void)
{
    vram_device_t *d;
    vram_pool_t *p;
    vram_swap_t *sw;
    setup(&d, &p, &sw, 100 * MiB, 0.85);
    vram_error err = {0};
    uint32_t a, b, c, e;
    void *ptr;
    CHECK_INT_EQ(vram_swap_alloc(sw, 30 * MiB, "a", &a, &err), VRAM_OK);
    CHECK_INT_EQ(vram_swap_alloc(sw, 30 * MiB, "b", &b, &err), VRAM_OK);
    CHECK_INT_EQ(vram_swap_acquire(sw, a, &ptr, &err), VRAM_OK);
    fill(ptr, 30 * MiB, 11);
    vram_swap_release(sw, a);
    /* schedule: b, then c, then a much later: a is the farthest next use although b is older */
    CHECK_INT_EQ(vram_swap_alloc(sw, 20 * MiB, "c", &c, &err), VRAM_OK);
    uint32_t sched[] = {b, c, b, c, a};
    CHECK_INT_EQ(vram_swap_set_schedule(sw, sched, 5, &err), VRAM_OK);
    CHECK_INT_EQ(vram_swap_alloc(sw, 10 * MiB, "e", &e, &err), VRAM_OK);
    CHECK_INT_EQ(vram_swap_resident(sw, a), 0);
    CHECK_INT_EQ(vram_swap_resident(sw, b), 1);
    for (int k = 0; k < 4; k++) {
        CHECK_INT_EQ(vram_swap_acquire(sw, sched[k], &ptr, &err), VRAM_OK);
        vram_swap_release(sw, sched[k]);
    }
    /* before a's use: prefetch it (c, b and e are not used again: they may go) */
    vram_swap_free(sw, e);
    CHECK_INT_EQ(vram_swap_prefetch(sw, 2, &err), 1);
    vram_swap_stats st;
    vram_swap_stats_get(sw, &st);
    CHECK_INT_EQ(st.prefetches, 1);
    CHECK_INT_EQ(vram_swap_acquire(sw, a, &ptr, &err), VRAM_OK);
    CHECK(same(ptr, 30 * MiB, 11));
    vram_swap_release(sw, a);
    vram_swap_stats_get(sw, &st);
    CHECK_INT_EQ(st.stalls, 0); /* the copy was done before the use */
    CHECK_INT_EQ(vram_swap_prefetch(sw, 4, &err), 0); /* end of the schedule */
    CHECK_INT_EQ(vram_swap_set_schedule(sw, NULL, 0, &err), VRAM_OK);
    teardown(d, p, sw);
}

static void test_snapshot_trace(void)
{
    vram_device_options o = vram_device_defaults();
    o.capacity = 64 * MiB;
    vram_device_t *d = vram_device_create(&o, NULL);
    vram_pool_options po = vram_pool_defaults();
    po.trace = 1;
    vram_pool_t *p = vram_pool_create(d, &po, NULL);
    vram_error err = {0};
    void *a, *b;
    CHECK_INT_EQ(vram_pool_alloc(p, 1000, NULL, "weights", &a, &err), VRAM_OK);
    CHECK_INT_EQ(vram_pool_alloc(p, 3 * MiB, NULL, "act", &b, &err), VRAM_OK);
    vram_pool_free(p, a);
    char *json;
    CHECK_INT_EQ(vram_pool_snapshot(p, &json, &err), VRAM_OK);
    CHECK(strstr(json, "\"segments\"") && strstr(json, "\"tag\": \"act\"") && strstr(json, "\"state\": \"free\""));
    CHECK(strstr(json, "\"pool\": \"large\"") && strstr(json, "\"weights\""));
    free(json);
    char path[4200], tpath[4200];
    snprintf(path, sizeof path, "%s/snap.json", check_tmp_dir());
    snprintf(tpath, sizeof tpath, "%s/trace.jsonl", check_tmp_dir());
    CHECK_INT_EQ(vram_pool_snapshot_write(p, path, &err), VRAM_OK);
    CHECK_INT_EQ(vram_pool_trace_write(p, tpath, &err), VRAM_OK);
    vram_trace_event *ev;
    size_t n;
    CHECK_INT_EQ(vram_trace_load(tpath, &ev, &n, &err), VRAM_OK);
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        CHECK_INT_EQ(ev[0].op, VRAM_TRACE_ALLOC);
        CHECK_INT_EQ(ev[0].size, 1000);
        CHECK_STR_EQ(ev[0].tag, "weights");
        CHECK(ev[0].time >= 0);
        CHECK_INT_EQ(ev[2].op, VRAM_TRACE_FREE);
        CHECK_INT_EQ(ev[2].id, ev[0].id);
    }
    free(ev);
    char under_file[4300];
    snprintf(under_file, sizeof under_file, "%s/x.jsonl", tpath); /* a folder that is a file */
    CHECK(vram_pool_trace_write(p, under_file, &err) < 0);
    CHECK(vram_pool_snapshot_write(p, under_file, &err) < 0);
    vram_pool_destroy(p);
    po.trace = 0;
    p = vram_pool_create(d, &po, NULL);
    CHECK_INT_EQ(vram_pool_trace_write(p, tpath, &err), VRAM_EINVAL);
    vram_pool_destroy(p);
    vram_device_free(d);
    /* parser errors */
    const char *bad[] = {"{\"op\":\"alloc\",\"id\":1}", "{\"op\":\"alloc\",\"id\":1,\"size\":1,\"tag\":3}",
                         "{\"op\":\"free\",\"id\":1,\"time\":\"x\"}", "[1]", "{\"op\":\"free\"}",
                         "{\"op\":\"alloc\",\"id\":1,\"size\":1,\"stream\":-2}", "{\"op\":\"free\",\"id\":1,\"id\":2}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT_EQ(vram_trace_parse(bad[i], strlen(bad[i]), "x.jsonl", &ev, &n, &err), VRAM_EINVAL);
        CHECK(strncmp(err.msg, "x.jsonl:1: ", 11) == 0);
    }
    CHECK_INT_EQ(vram_trace_load("/nonexistent.jsonl", &ev, &n, &err), VRAM_EIO);
}

static void test_faults(void)
{
    int done = 0;
    for (long k = 1; k < 300 && !done; k++) {
        vram_device_t *d;
        vram_pool_t *p;
        vram_swap_t *sw;
        vram__fault_set(k);
        setup(&d, &p, &sw, 4 * MiB, 0.5); /* small sizes: this runs ~100 times */
        vram_error err = {0};
        if (sw) {
            uint32_t id[6] = {0};
            void *ptr;
            for (int i = 0; i < 6; i++) vram_swap_alloc(sw, 512 * 1024, "t", &id[i], &err);
            uint32_t sched[] = {id[0], id[1], id[2]};
            vram_swap_set_schedule(sw, sched, 3, &err);
            vram_swap_prefetch(sw, 3, &err);
            for (int i = 0; i < 6; i++)
                if (id[i] && vram_swap_acquire(sw, id[i], &ptr, &err) == VRAM_OK) vram_swap_release(sw, id[i]);
            char *json = NULL;
            if (vram_pool_snapshot(p, &json, &err) == VRAM_OK) free(json);
        }
        long used = vram__fault_count();
        vram__fault_set(0);
        teardown(d, p, sw);
        if (k > used) done = 1;
    }
    CHECK(done);
}

int main(void)
{
    test_round_trip_lru();
    test_schedule_prefetch();
    test_snapshot_trace();
    test_faults();
    return check_report();
}
