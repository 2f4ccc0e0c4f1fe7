/* test_device.c - the device interface on sim and host: capacity and alignment, byte counters, copies
 * round-trip, unbacked sim, streams and events (held streams), the cuda device failing cleanly with
 * VRAM_ENOTFOUND when the runtime is absent or incomplete, bad options, fault injection. */
#include <stdlib.h>

#include "check.h"
#include "mem_internal.h"
#include "vram.h"

static void test_sim(void)
{
    vram_error err = {0};
    vram_device_options o = vram_device_defaults();
    CHECK_STR_EQ(o.kind, "sim");
    o.capacity = 10000;
    o.alignment = 1024;
    vram_device_t *d = vram_device_create(&o, &err);
    CHECK(d != NULL);
    CHECK_STR_EQ(vram_device_name(d), "sim");
    void *a, *b, *c;
    CHECK_INT_EQ(vram_device_alloc(d, 3000, &a, &err), VRAM_OK); /* 3072 */
    CHECK((uintptr_t)a % 1024 == 0);
    CHECK_INT_EQ(vram_device_alloc(d, 5000, &b, &err), VRAM_OK); /* 5120: 8192 used */
    uint64_t fr, tot;
    CHECK_INT_EQ(vram_device_mem_info(d, &fr, &tot, &err), VRAM_OK);
    CHECK_INT_EQ(tot, 10000);
    CHECK_INT_EQ(fr, 10000 - 8192);
    CHECK_INT_EQ(vram_device_alloc(d, 2000, &c, &err), VRAM_EOOM);
    CHECK(strstr(err.msg, "2000 bytes do not fit: 8192 of 10000") != NULL);
    CHECK(c == NULL);
    CHECK_INT_EQ(vram_device_alloc(d, UINT64_MAX, &c, &err), VRAM_EOOM);
    CHECK_INT_EQ(vram_device_alloc(d, 0, &c, &err), VRAM_OK); /* one alignment unit */
    vram_device_release(d, c);
    /* copies: counted, byte-exact */
    unsigned char host[5000], back[5000];
    for (int i = 0; i < 5000; i++) host[i] = (unsigned char)(i * 7 + 3);
    CHECK_INT_EQ(vram_device_copy(d, b, host, 5000, VRAM_COPY_H2D, NULL, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_copy(d, a, b, 3000, VRAM_COPY_D2D, NULL, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_copy(d, back, a, 3000, VRAM_COPY_D2H, NULL, &err), VRAM_OK);
    CHECK(memcmp(back, host, 3000) == 0);
    CHECK_INT_EQ(vram_device_copy(d, back, a, 3000, (vram_copy_kind)9, NULL, &err), VRAM_EINVAL);
    vram_device_stats st;
    vram_device_stats_get(d, &st);
    CHECK_INT_EQ(st.bytes_in, 5000);
    CHECK_INT_EQ(st.bytes_out, 3000);
    CHECK_INT_EQ(st.bytes_d2d, 3000);
    CHECK_INT_EQ(st.copy_count, 3);
    CHECK_INT_EQ(st.used_bytes, 8000);
    CHECK_INT_EQ(st.peak_used_bytes, 8000);
    CHECK_INT_EQ(st.failed_allocs, 2);
    vram_device_release(d, a);
    vram_device_release(d, a); /* twice: ignored, counted */
    vram_device_release(d, NULL);
    vram_device_stats_get(d, &st);
    CHECK_INT_EQ(st.bad_releases, 1);
    CHECK_INT_EQ(vram_device_alloc(d, 4000, &a, &err), VRAM_OK);
    vram_device_release(d, a);
    vram_device_release(d, b);
    /* many allocations: the pointer table grows */
    void *many[300];
    for (int i = 0; i < 300; i++) CHECK_INT_EQ(vram_device_alloc(d, 1, &many[i], &err), VRAM_EOOM * (i >= 9));
    for (int i = 0; i < 9; i++) vram_device_release(d, many[i]);
    vram_device_stats_get(d, &st);
    CHECK_INT_EQ(st.used_bytes, 0);
    /* streams and events: complete at once unless held */
    vram_stream_t *s;
    vram_event_t *e, *e2;
    CHECK_INT_EQ(vram_device_stream_create(d, &s, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_event_record(d, s, &e, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_event_query(d, e), 1);
    vram_device_event_destroy(d, e);
    CHECK_INT_EQ(vram_device_sim_hold(d, s, 1, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_event_record(d, s, &e, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_event_record(d, NULL, &e2, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_event_query(d, e), 0);
    CHECK_INT_EQ(vram_device_event_query(d, e2), 1);
    CHECK_INT_EQ(vram_device_event_sync(d, e, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_event_query(d, e), 1);
    vram_device_event_destroy(d, e);
    CHECK_INT_EQ(vram_device_event_record(d, s, &e, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_event_query(d, e), 0);
    CHECK_INT_EQ(vram_device_stream_sync(d, s, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_event_query(d, e), 1);
    vram_device_event_destroy(d, e);
    vram_device_event_destroy(d, e2);
    vram_device_event_destroy(d, NULL);
    vram_device_stream_destroy(d, s);
    vram_device_stream_destroy(d, NULL);
    /* staging memory */
    void *h;
    CHECK_INT_EQ(vram_device_host_alloc(d, 100, &h, &err), VRAM_OK);
    CHECK((uintptr_t)h % 64 == 0);
    vram_device_host_release(d, h);
    vram_device_host_release(d, h);
    vram_device_host_release(d, NULL);
    vram_device_free(d);
    vram_device_free(NULL);

    /* unbacked: addresses only, copies refused */
    o = vram_device_defaults();
    o.backed = 0;
    o.capacity = 1ull << 40;
    d = vram_device_create(&o, &err);
    CHECK_INT_EQ(vram_device_alloc(d, 1ull << 39, &a, &err), VRAM_OK);
    void *h2;
    CHECK_INT_EQ(vram_device_host_alloc(d, 1ull << 39, &h2, &err), VRAM_OK); /* no real memory behind it */
    CHECK_INT_EQ(vram_device_copy(d, h2, a, 1ull << 39, VRAM_COPY_D2H, NULL, &err), VRAM_OK); /* counted only */
    vram_device_stats_get(d, &st);
    CHECK_INT_EQ(st.bytes_out, 1ull << 39);
    vram_device_host_release(d, h2);
    vram_device_release(d, a);
    vram_device_free(d);
    d = vram_device_create(NULL, &err);
    CHECK(d != NULL);
    CHECK_INT_EQ(vram_device_mem_info(d, &fr, &tot, &err), VRAM_OK);
    CHECK_INT_EQ(tot, 1ull << 30);
    vram_device_free(d);
}

static void test_host_and_errors(void)
{
    vram_error err = {0};
    vram_device_options o = vram_device_defaults();
    o.kind = "host";
    o.capacity = 0;
    vram_device_t *d = vram_device_create(&o, &err);
    CHECK(d != NULL);
    uint64_t fr, tot;
    CHECK_INT_EQ(vram_device_mem_info(d, &fr, &tot, &err), VRAM_OK);
    CHECK(tot > (64ull << 20));
    void *a;
    CHECK_INT_EQ(vram_device_alloc(d, 1 << 20, &a, &err), VRAM_OK);
    memset(a, 1, 1 << 20);
    vram_device_release(d, a);
    void *h;
    CHECK_INT_EQ(vram_device_host_alloc(d, 1000, &h, &err), VRAM_OK);
    vram_device_host_release(d, h);
    CHECK_INT_EQ(vram_device_sim_hold(d, NULL, 1, &err), VRAM_EUNSUPPORTED);
    vram_device_free(d);

    o = vram_device_defaults();
    o.kind = "tpu";
    CHECK(vram_device_create(&o, &err) == NULL);
    CHECK(strstr(err.msg, "'tpu' is unknown") != NULL);
    CHECK_INT_EQ(err.code, VRAM_EINVAL);
    o.kind = "sim";
    o.alignment = 100;
    CHECK(vram_device_create(&o, &err) == NULL);
    CHECK(strstr(err.msg, "power of two") != NULL);
    o.alignment = 256;
    o.capacity = 0;
    CHECK(vram_device_create(&o, &err) == NULL);

    /* cuda: absent runtime, a library without the runtime's symbols, pinned host without runtime */
    o = vram_device_defaults();
    o.kind = "cuda";
    o.library = "/nonexistent/libcudart.so";
    CHECK(vram_device_create(&o, &err) == NULL);
    CHECK_INT_EQ(err.code, VRAM_ENOTFOUND);
    CHECK(strstr(err.msg, "CUDA runtime not found") != NULL);
    o.library = "libm.so.6";
    CHECK(vram_device_create(&o, &err) == NULL);
    CHECK_INT_EQ(err.code, VRAM_ENOTFOUND);
    CHECK(strstr(err.msg, "symbol cudaGetDeviceCount is missing") != NULL);
    setenv("VRAM_CUDART_LIBRARY", "/nonexistent/env-cudart.so", 1);
    o.library = NULL;
    CHECK(vram_device_create(&o, &err) == NULL);
    CHECK(strstr(err.msg, "env-cudart.so") != NULL);
    o.kind = "host";
    o.pinned = 1;
    CHECK(vram_device_create(&o, &err) == NULL);
    CHECK_INT_EQ(err.code, VRAM_ENOTFOUND);
    unsetenv("VRAM_CUDART_LIBRARY");
}

static void test_faults(void)
{
    int done = 0;
    for (long k = 1; k < 400 && !done; k++) {
        vram__fault_set(k);
        vram_error err = {0};
        vram_device_t *d = vram_device_create(NULL, &err);
        if (!d) CHECK_INT_EQ(err.code, VRAM_ENOMEM);
        int fails = 0;
        if (d) {
            void *p[100];
            vram_stream_t *s = NULL;
            vram_event_t *e = NULL;
            if (vram_device_stream_create(d, &s, &err) < 0) fails++;
            if (vram_device_event_record(d, s, &e, &err) < 0) fails++;
            vram_device_event_destroy(d, e);
            vram_device_stream_destroy(d, s);
            void *h = NULL;
            if (vram_device_host_alloc(d, 64, &h, &err) < 0) fails++;
            vram_device_host_release(d, h);
            for (int i = 0; i < 100; i++)
                if (vram_device_alloc(d, 1000, &p[i], &err) < 0) {
                    p[i] = NULL;
                    fails++;
                }
            for (int i = 0; i < 100; i++) vram_device_release(d, p[i]);
            vram_device_stats st;
            vram_device_stats_get(d, &st);
            CHECK_INT_EQ(st.used_bytes, 0);
            CHECK_INT_EQ(st.bad_releases, 0);
        }
        long used = vram__fault_count();
        vram__fault_set(0);
        vram_device_free(d);
        if (k > used) {
            CHECK_INT_EQ(fails, 0);
            done = 1;
        }
    }
    CHECK(done);
}

int main(void)
{
    test_sim();
    test_host_and_errors();
    test_faults();
    return check_report();
}
