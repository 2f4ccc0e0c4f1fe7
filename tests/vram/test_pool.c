/* test_pool.c - the caching allocator on the sim device: invariants under randomized alloc/free (no
 * overlap, every byte accounted, coalescing back to one block per segment), size classes and
 * splitting, max split size, the OOM-retry path and its message, budgets, GC threshold, stream
 * reuse rules through held sim streams, tags and metrics, and fault injection on every host malloc. */
#include "check.h"
#include "mem_internal.h"
#include "pool_internal.h"
#include "vram.h"

#define MiB (1024ull * 1024ull)

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static vram_device_t *sim(uint64_t cap, int backed)
{
    vram_device_options o = vram_device_defaults();
    o.capacity = cap;
    o.backed = backed;
    vram_error err = {0};
    vram_device_t *d = vram_device_create(&o, &err);
    if (!d) fprintf(stderr, "sim: %s\n", err.msg);
    return d;
}

/* Every structural invariant of the pool; returns 1 when all hold. */
static int invariants(vram_pool_t *p)
{
    uint64_t reserved = 0, allocated = 0, cached = 0, pending = 0;
    int ok = 1;
    for (pool_seg *s = p->segs; s; s = s->next) {
        reserved += s->size;
        uint64_t sum = 0;
        uintptr_t at = s->addr;
        if (s->head->prev) ok = 0;
        for (pool_block *b = s->head; b; b = b->next) {
            if (b->addr != at || b->seg != s) ok = 0;
            if (b->next && b->next->prev != b) ok = 0;
            if (b->in_index && b->next && b->next->in_index) ok = 0; /* not coalesced */
            if (b->allocated + b->in_index + (b->pending > 0) != 1) ok = 0;
            at += b->size;
            sum += b->size;
            if (b->allocated) allocated += b->size;
            else if (b->in_index) cached += b->size;
            else pending += b->size;
        }
        if (sum != s->size) ok = 0;
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 1; i < p->index[k].n; i++) {
            pool_block *a = p->index[k].v[i - 1], *b = p->index[k].v[i];
            if ((uintptr_t)a->seg->stream > (uintptr_t)b->seg->stream) ok = 0;
            if (a->seg->stream == b->seg->stream && a->size > b->size) ok = 0;
        }
    if (reserved != p->st.reserved_bytes.current) ok = 0;
    if (allocated != p->st.allocated_bytes.current) ok = 0;
    if (cached != p->st.cached_free_bytes) ok = 0;
    if (reserved != allocated + cached + pending) ok = 0;
    if (allocated + pending != p->st.active_bytes.current) ok = 0;
    if (p->st.reserved_bytes.current > p->limit) ok = 0;
    return ok;
}

typedef struct live { unsigned char *ptr; uint64_t size; unsigned char fill; } live;

static int cmp_live(const void *a, const void *b)
{
    const live *x = a, *y = b;
    return x->ptr < y->ptr ? -1 : x->ptr > y->ptr;
}

static void test_sizes(void)
{
    CHECK_INT_EQ(vram_pool_round_size(0), 512);
    CHECK_INT_EQ(vram_pool_round_size(1), 512);
    CHECK_INT_EQ(vram_pool_round_size(512), 512);
    CHECK_INT_EQ(vram_pool_round_size(513), 1024);
    CHECK(vram_pool_round_size(UINT64_MAX) % 512 == 0);
    vram_device_t *d = sim(1ull << 30, 0);
    vram_pool_t *p = vram_pool_create(d, NULL, NULL);
    vram_error err = {0};
    void *a, *b, *c, *e;
    vram_pool_stats st;
    /* small: one 2 MiB segment, split */
    CHECK_INT_EQ(vram_pool_alloc(p, 1000, NULL, "x", &a, &err), VRAM_OK);
    CHECK_INT_EQ(vram_pool_alloc(p, 1000, NULL, "x", &b, &err), VRAM_OK);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.current, 2 * MiB);
    CHECK_INT_EQ(st.allocated_bytes.current, 2048);
    CHECK_INT_EQ(st.requested_bytes.current, 2000);
    CHECK_INT_EQ((char *)b - (char *)a, 1024);
    /* 3 MiB: large pool, a 20 MiB segment, split (rest > 1 MiB) */
    CHECK_INT_EQ(vram_pool_alloc(p, 3 * MiB, NULL, NULL, &c, &err), VRAM_OK);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.current, 22 * MiB);
    CHECK_INT_EQ(st.segment.current, 2);
    /* 11 MiB + 1: best fit in the 17 MiB left of that segment, split again (6 MiB left > 1 MiB) */
    CHECK_INT_EQ(vram_pool_alloc(p, 11 * MiB + 1, NULL, NULL, &e, &err), VRAM_OK);
    CHECK((char *)e - (char *)c == (long)(3 * MiB));
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.current, 22 * MiB);
    CHECK_INT_EQ(st.allocated_bytes.current, 2048 + 3 * MiB + 11 * MiB + 512);
    CHECK_INT_EQ(st.inactive_split_bytes.current, 2 * MiB - 2048 + 6 * MiB - 512);
    /* 13 MiB + 1 no longer fits: its own segment, rounded to 2 MiB (14 MiB), remainder < 1 MiB: not split */
    void *f;
    CHECK_INT_EQ(vram_pool_alloc(p, 13 * MiB + 1, NULL, NULL, &f, &err), VRAM_OK);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.current, 36 * MiB);
    CHECK_INT_EQ(st.allocated_bytes.current, 2048 + 3 * MiB + 11 * MiB + 512 + 14 * MiB);
    CHECK_INT_EQ(vram_pool_free(p, f), VRAM_OK);
    CHECK(invariants(p));
    /* best fit reuse: free b, a new 1000-byte request lands in b's place */
    CHECK_INT_EQ(vram_pool_free(p, b), VRAM_OK);
    void *b2;
    CHECK_INT_EQ(vram_pool_alloc(p, 700, NULL, NULL, &b2, &err), VRAM_OK);
    CHECK(b2 == b);
    CHECK_INT_EQ(vram_pool_free(p, b2), VRAM_OK);
    CHECK_INT_EQ(vram_pool_free(p, b2), VRAM_EINVAL); /* double free */
    CHECK_INT_EQ(vram_pool_free(p, (void *)0x1234), VRAM_EINVAL);
    CHECK_INT_EQ(vram_pool_free(p, a), VRAM_OK);
    CHECK_INT_EQ(vram_pool_free(p, c), VRAM_OK);
    CHECK_INT_EQ(vram_pool_free(p, e), VRAM_OK);
    CHECK(invariants(p));
    for (pool_seg *s = p->segs; s; s = s->next) CHECK(s->head->next == NULL && s->head->in_index);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.allocated_bytes.current, 0);
    CHECK_INT_EQ(st.cached_free_bytes, 36 * MiB);
    CHECK_INT_EQ(st.alloc_count, 6);
    CHECK_INT_EQ(st.free_count, 6);
    CHECK_INT_EQ(vram_pool_empty_cache(p, &err), VRAM_OK);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.current, 0);
    CHECK_INT_EQ(st.reserved_bytes.peak, 36 * MiB);
    CHECK_INT_EQ(st.segment_free_count, 3);
    vram_device_stats ds;
    vram_device_stats_get(d, &ds);
    CHECK_INT_EQ(ds.used_bytes, 0);
    vram_pool_stats_reset_peaks(p);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.peak, 0);
    CHECK_INT_EQ(st.alloc_count, 0);
    CHECK(vram_pool_device(p) == d);
    vram_pool_destroy(p);
    vram_device_free(d);
}

static void test_random(int backed)
{
    vram_device_t *d = sim(backed ? 256 * MiB : 4ull << 30, backed);
    vram_pool_options o = vram_pool_defaults();
    if (!backed) o.max_split_size = 40 * MiB;
    vram_pool_t *p = vram_pool_create(d, &o, NULL);
    static live L[400];
    size_t n = 0;
    int bad_inv = 0, bad_overlap = 0, bad_data = 0;
    vram_error err = {0};
    for (int step = 0; step < 6000; step++) {
        if (n < 400 && (n == 0 || rnd() % 100 < 55)) {
            uint64_t r = rnd() % 100, size;
            if (r < 60) size = 1 + rnd() % (64 * 1024);
            else if (r < 90) size = 1 + rnd() % (2 * MiB);
            else size = 1 + rnd() % (backed ? 24 * MiB : 80 * MiB);
            void *ptr;
            int rc = vram_pool_alloc(p, size, NULL, step % 3 ? "act" : "w", &ptr, &err);
            if (rc == VRAM_EOOM) continue;
            CHECK_INT_EQ(rc, VRAM_OK);
            L[n] = (live){ptr, size, (unsigned char)rnd()};
            if (backed) memset(ptr, L[n].fill, size);
            n++;
        } else {
            size_t i = rnd() % n;
            if (backed) {
                for (uint64_t k = 0; k < L[i].size; k += 97)
                    if (L[i].ptr[k] != L[i].fill) bad_data++;
                if (L[i].ptr[L[i].size - 1] != L[i].fill) bad_data++;
            }
            CHECK_INT_EQ(vram_pool_free(p, L[i].ptr), VRAM_OK);
            L[i] = L[--n];
        }
        if (step % 50 == 0) {
            if (!invariants(p)) bad_inv++;
            qsort(L, n, sizeof *L, cmp_live);
            for (size_t i = 1; i < n; i++)
                if (L[i - 1].ptr + L[i - 1].size > L[i].ptr) bad_overlap++;
        }
    }
    CHECK_INT_EQ(bad_inv, 0);
    CHECK_INT_EQ(bad_overlap, 0);
    CHECK_INT_EQ(bad_data, 0);
    while (n) CHECK_INT_EQ(vram_pool_free(p, L[--n].ptr), VRAM_OK);
    CHECK(invariants(p));
    int whole = 1;
    for (pool_seg *s = p->segs; s; s = s->next) whole &= s->head->next == NULL && s->head->in_index;
    CHECK(whole);
    vram_pool_stats st;
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.allocated_bytes.current, 0);
    CHECK_INT_EQ(st.inactive_split_bytes.current, 0);
    CHECK(st.alloc_count > 1000);
    CHECK(vram_pool_empty_cache(p, NULL) == VRAM_OK);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.current, 0);
    CHECK_INT_EQ(st.segment.current, 0);
    vram_pool_destroy(p);
    vram_device_free(d);
}

static void test_oom_retry(void)
{
    /* 64 MiB device filled with 1 MiB blocks (small pool: two per 2 MiB segment); free one of each
     * pair: 32 MiB cached, none of it a whole segment, so a big request fails even after the retry */
    vram_device_t *d = sim(64 * MiB, 0);
    vram_pool_t *p = vram_pool_create(d, NULL, NULL);
    vram_error err = {0};
    void *s[64];
    for (int i = 0; i < 64; i++) CHECK_INT_EQ(vram_pool_alloc(p, 1 * MiB, NULL, NULL, &s[i], &err), VRAM_OK);
    vram_pool_stats st;
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.current, 64 * MiB);
    for (int i = 0; i < 64; i += 2) vram_pool_free(p, s[i]);
    void *big;
    /* 16 freed 1 MiB blocks in 16 segments are cached but none is whole-free: no room */
    CHECK_INT_EQ(vram_pool_alloc(p, 20 * MiB, NULL, NULL, &big, &err), VRAM_EOOM);
    CHECK(strstr(err.msg, "allocating 20.00 MiB on the default stream: ") != NULL);
    CHECK_MSG(strstr(err.msg, "32.00 MiB allocated, 64.00 MiB reserved of a 64.00 MiB limit, 32.00 MiB reserved but "
                             "free, largest free block 1.00 MiB, fragmentation ratio 0.969") != NULL, "%s", err.msg);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.oom_count, 1);
    CHECK_INT_EQ(st.retry_count, 1);
    CHECK_NEAR(st.fragmentation_ratio, 1.0 - 1.0 / 32.0, 1e-9);
    CHECK_INT_EQ(st.largest_free_block, MiB);
    /* free the other halves: the segments are whole and cached; the retry releases them */
    for (int i = 1; i < 64; i += 2) vram_pool_free(p, s[i]);
    CHECK_INT_EQ(vram_pool_alloc(p, 40 * MiB, NULL, NULL, &big, &err), VRAM_OK);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.retry_count, 2);
    CHECK_INT_EQ(st.oom_count, 1);
    CHECK_INT_EQ(st.reserved_bytes.current, 40 * MiB);
    /* 3 MiB would want a 20 MiB segment; only 24 MiB is left: fine. Then 22 MiB: exact-size fallback */
    void *m, *m2;
    CHECK_INT_EQ(vram_pool_alloc(p, 3 * MiB, NULL, NULL, &m, &err), VRAM_OK);
    CHECK_INT_EQ(vram_pool_alloc(p, 3 * MiB, NULL, NULL, &m2, &err), VRAM_OK); /* from the same 20 MiB segment */
    vram_pool_free(p, m);
    vram_pool_free(p, m2);
    CHECK(invariants(p));
    vram_pool_destroy(p); /* releases the live 40 MiB too */
    vram_device_stats ds;
    vram_device_stats_get(d, &ds);
    CHECK_INT_EQ(ds.used_bytes, 0);
    vram_device_free(d);
}

static void test_budget_gc_split(void)
{
    vram_device_t *d = sim(1000 * MiB, 0);
    vram_error err = {0};
    vram_pool_options o = vram_pool_defaults();
    o.budget_fraction = 1.5;
    CHECK(vram_pool_create(d, &o, &err) == NULL);
    CHECK(strstr(err.msg, "budget fraction") != NULL);
    o.budget_fraction = 0.5;
    o.gc_threshold = 2;
    CHECK(vram_pool_create(d, &o, &err) == NULL);
    o.gc_threshold = 0;
    vram_pool_t *p = vram_pool_create(d, &o, &err);
    vram_pool_stats st;
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.limit_bytes, 500 * MiB);
    void *a, *b;
    CHECK_INT_EQ(vram_pool_alloc(p, 400 * MiB, NULL, NULL, &a, &err), VRAM_OK);
    CHECK_INT_EQ(vram_pool_alloc(p, 200 * MiB, NULL, NULL, &b, &err), VRAM_EOOM); /* device has room, budget not */
    CHECK(strstr(err.msg, "budget") != NULL);
    CHECK_INT_EQ(vram_pool_alloc(p, 100 * MiB, NULL, NULL, &b, &err), VRAM_OK);
    vram_pool_free(p, a);
    vram_pool_free(p, b);
    vram_pool_destroy(p);
    /* budget in bytes */
    o = vram_pool_defaults();
    o.budget_bytes = 30 * MiB;
    p = vram_pool_create(d, &o, &err);
    CHECK_INT_EQ(vram_pool_alloc(p, 31 * MiB, NULL, NULL, &a, &err), VRAM_EOOM);
    vram_pool_destroy(p);

    /* GC: with threshold 0.5 of 100 MiB, cached whole segments go (oldest first) before a new one */
    o = vram_pool_defaults();
    o.budget_bytes = 100 * MiB;
    o.gc_threshold = 0.5;
    p = vram_pool_create(d, &o, &err);
    void *x[3];
    for (int i = 0; i < 3; i++) CHECK_INT_EQ(vram_pool_alloc(p, 12 * MiB, NULL, NULL, &x[i], &err), VRAM_OK);
    for (int i = 0; i < 3; i++) vram_pool_free(p, x[i]);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.current, 36 * MiB);
    CHECK_INT_EQ(vram_pool_alloc(p, 30 * MiB, NULL, NULL, &a, &err), VRAM_OK);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.gc_release_count, 2); /* 36 + 30 > 50: two 12 MiB segments released, 12 + 30 <= 50 */
    CHECK_INT_EQ(st.reserved_bytes.current, 42 * MiB);
    CHECK_INT_EQ(st.retry_count, 0);
    vram_pool_free(p, a);
    CHECK(invariants(p));
    vram_pool_destroy(p);

    /* max split size: a 50 MiB cached block is not split for a small large-pool request */
    o = vram_pool_defaults();
    o.max_split_size = 16 * MiB;
    p = vram_pool_create(d, &o, &err);
    CHECK_INT_EQ(vram_pool_alloc(p, 50 * MiB, NULL, NULL, &a, &err), VRAM_OK);
    vram_pool_free(p, a);
    CHECK_INT_EQ(vram_pool_alloc(p, 4 * MiB, NULL, NULL, &b, &err), VRAM_OK);
    CHECK(b != a); /* a new 20 MiB segment, the oversize block stays whole */
    void *c;
    CHECK_INT_EQ(vram_pool_alloc(p, 40 * MiB, NULL, NULL, &c, &err), VRAM_OK);
    CHECK(c == a); /* within 20 MiB of 50: reused, not split */
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.allocated_bytes.current, 4 * MiB + 50 * MiB);
    void *e;
    vram_pool_free(p, c);
    CHECK_INT_EQ(vram_pool_alloc(p, 20 * MiB, NULL, NULL, &e, &err), VRAM_OK);
    CHECK(e != a); /* 50 - 20 >= 20: too wasteful, new segment */
    CHECK(invariants(p));
    vram_pool_destroy(p);
    vram_device_free(d);
}

static void test_streams(void)
{
    vram_device_t *d = sim(256 * MiB, 1);
    vram_error err = {0};
    vram_stream_t *s1, *s2;
    CHECK_INT_EQ(vram_device_stream_create(d, &s1, &err), VRAM_OK);
    CHECK_INT_EQ(vram_device_stream_create(d, &s2, &err), VRAM_OK);
    vram_pool_t *p = vram_pool_create(d, NULL, &err);
    void *a, *b, *c;
    /* a block freed on s1 is not handed to s2 */
    CHECK_INT_EQ(vram_pool_alloc(p, 4096, s1, NULL, &a, &err), VRAM_OK);
    vram_pool_free(p, a);
    CHECK_INT_EQ(vram_pool_alloc(p, 4096, s2, NULL, &b, &err), VRAM_OK);
    CHECK(b != a);
    CHECK_INT_EQ(vram_pool_alloc(p, 4096, s1, NULL, &c, &err), VRAM_OK);
    CHECK(c == a);
    /* used on s2 too: after free it waits for s2's event */
    CHECK_INT_EQ(vram_pool_record_stream(p, c, s2, &err), VRAM_OK);
    CHECK_INT_EQ(vram_pool_record_stream(p, c, s2, &err), VRAM_OK); /* once is enough */
    CHECK_INT_EQ(vram_pool_record_stream(p, c, s1, &err), VRAM_OK); /* own stream: nothing */
    CHECK_INT_EQ(vram_device_sim_hold(d, s2, 1, &err), VRAM_OK);
    vram_pool_free(p, c);
    vram_pool_stats st;
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.active_bytes.current, 4096 + 4096);
    CHECK(invariants(p));
    void *e;
    CHECK_INT_EQ(vram_pool_alloc(p, 4096, s1, NULL, &e, &err), VRAM_OK);
    CHECK(e != c); /* still pending */
    vram_pool_free(p, e);
    CHECK_INT_EQ(vram_device_sim_hold(d, s2, 0, &err), VRAM_OK);
    CHECK_INT_EQ(vram_pool_alloc(p, 4096, s1, NULL, &e, &err), VRAM_OK);
    CHECK(e == c); /* the event completed: reusable */
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.active_bytes.current, 4096 + 4096);
    /* pending blocks are waited for when the cache is emptied */
    CHECK_INT_EQ(vram_pool_record_stream(p, e, s2, &err), VRAM_OK);
    vram_device_sim_hold(d, s2, 1, &err);
    vram_pool_free(p, e);
    vram_pool_free(p, b);
    CHECK_INT_EQ(vram_pool_empty_cache(p, &err), VRAM_OK);
    vram_pool_stats_get(p, &st);
    CHECK_INT_EQ(st.reserved_bytes.current, 0);
    CHECK_INT_EQ(vram_pool_record_stream(p, (void *)0x10, s2, &err), VRAM_EINVAL);
    CHECK(strstr(err.msg, "not a live allocation") != NULL);
    /* too many streams */
    vram_stream_t *many[POOL_MAX_USES + 1];
    CHECK_INT_EQ(vram_pool_alloc(p, 100, NULL, NULL, &a, &err), VRAM_OK);
    int rc = VRAM_OK;
    for (int i = 0; i <= POOL_MAX_USES; i++) {
        vram_device_stream_create(d, &many[i], &err);
        rc = vram_pool_record_stream(p, a, many[i], &err);
    }
    CHECK_INT_EQ(rc, VRAM_EUNSUPPORTED);
    vram_pool_free(p, a);
    vram_pool_destroy(p);
    for (int i = 0; i <= POOL_MAX_USES; i++) vram_device_stream_destroy(d, many[i]);
    vram_device_stream_destroy(d, s1);
    vram_device_stream_destroy(d, s2);
    vram_device_free(d);
}

static void test_tags_metrics(void)
{
    vram_device_t *d = sim(64 * MiB, 0);
    vram_pool_options o = vram_pool_defaults();
    o.name = "engine";
    vram_pool_t *p = vram_pool_create(d, &o, NULL);
    void *a;
    char tag[16];
    for (int i = 0; i < POOL_MAX_TAGS + 5; i++) {
        snprintf(tag, sizeof tag, "t%d", i);
        CHECK_INT_EQ(vram_pool_alloc(p, 1000, NULL, tag, &a, NULL), VRAM_OK);
    }
    CHECK_INT_EQ(p->ntags, POOL_MAX_TAGS);
    CHECK_STR_EQ(p->tags[POOL_MAX_TAGS - 1], "other");
    CHECK_STR_EQ(p->tags[1], "t0");
    vram_alloc_metrics m;
    vram_pool_metrics(p, &m);
    CHECK_STR_EQ(m.name, "engine");
    CHECK_INT_EQ(m.allocated_bytes, 1000ull * (POOL_MAX_TAGS + 5));
    CHECK_INT_EQ(m.reserved_bytes, 2 * MiB);
    CHECK_INT_EQ(m.alloc_total, POOL_MAX_TAGS + 5);
    vram_pool_destroy(p);
    vram_device_free(d);
}

static void test_faults(void)
{
    /* fail each host allocation in turn through a sequence that splits, caches, records streams */
    int done = 0;
    for (long k = 1; k < 200 && !done; k++) {
        vram__fault_set(k);
        vram_error err = {0};
        vram_device_options o = vram_device_defaults();
        o.capacity = 64 * MiB;
        vram_device_t *d = vram_device_create(&o, &err);
        vram_pool_t *p = d ? vram_pool_create(d, NULL, &err) : NULL;
        vram_stream_t *s = NULL;
        if (p && vram_device_stream_create(d, &s, &err) == VRAM_OK) {
            void *v[80] = {0};
            int rcs = 0;
            for (int i = 0; i < 80; i++) {
                int rc = vram_pool_alloc(p, (uint64_t)(1000 + 7000 * (i % 5)), i % 2 ? s : NULL, "t", &v[i], &err);
                if (rc < 0) {
                    CHECK(rc == VRAM_ENOMEM || rc == VRAM_EOOM);
                    CHECK(err.msg[0] != 0);
                    rcs++;
                } else if (i % 4 == 0) {
                    vram_pool_record_stream(p, v[i], s, &err);
                }
            }
            for (int i = 0; i < 80; i += 2) vram_pool_free(p, v[i]);
            CHECK(invariants(p));
            vram_pool_empty_cache(p, &err);
            for (int i = 1; i < 80; i += 2) vram_pool_free(p, v[i]);
            CHECK(invariants(p));
        }
        long used = vram__fault_count();
        vram__fault_set(0);
        if (k > used) done = 1;
        vram_pool_destroy(p);
        vram_device_stream_destroy(d, s);
        vram_device_free(d);
    }
    CHECK(done);
}

int main(void)
{
    test_sizes();
    test_random(1);
    test_random(0);
    test_oom_retry();
    test_budget_gc_split();
    test_streams();
    test_tags_metrics();
    test_faults();
    return check_report();
}
