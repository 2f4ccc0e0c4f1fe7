/*
 * pool.c - the caching allocator (vram.h "caching allocator"; policy in docs/VRAM.md).
 *
 * Segments are taken from the device and cut into blocks kept in address order (prev/next). Free
 * blocks sit in one sorted index per pool (small, large) keyed by (stream, size, address), so best
 * fit is a binary search. The index always has room for every block struct in use, so freeing never
 * allocates and never fails. Live blocks are found by address through a chained hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_internal.h"
#include "pool_internal.h"

vram_pool_options vram_pool_defaults(void)
{
    vram_pool_options o;
    memset(&o, 0, sizeof o);
    o.budget_fraction = 1.0;
    o.max_split_size = UINT64_MAX;
    o.name = "pool";
    return o;
}

uint64_t vram_pool_round_size(uint64_t size)
{
    if (size < VRAM_POOL_MIN_BLOCK) return VRAM_POOL_MIN_BLOCK;
    if (size > UINT64_MAX - VRAM_POOL_MIN_BLOCK) return UINT64_MAX & ~(uint64_t)(VRAM_POOL_MIN_BLOCK - 1);
    return (size + VRAM_POOL_MIN_BLOCK - 1) & ~(uint64_t)(VRAM_POOL_MIN_BLOCK - 1);
}

static uint64_t segment_size(uint64_t rsize)
{
    if (rsize <= VRAM_POOL_SMALL_SIZE) return VRAM_POOL_SMALL_SEGMENT;
    if (rsize < 10u << 20) return VRAM_POOL_LARGE_SEGMENT;
    if (rsize > UINT64_MAX - VRAM_POOL_ROUND_LARGE) return rsize;
    return (rsize + VRAM_POOL_ROUND_LARGE - 1) & ~(uint64_t)(VRAM_POOL_ROUND_LARGE - 1);
}

/* ---- free index ------------------------------------------------------------------------------ */

static int key_less(const pool_block *a, vram_stream_t *s, uint64_t size, uintptr_t addr)
{
    if ((uintptr_t)a->seg->stream != (uintptr_t)s) return (uintptr_t)a->seg->stream < (uintptr_t)s;
    if (a->size != size) return a->size < size;
    return a->addr < addr;
}

static size_t lower_bound(const pool_index *ix, vram_stream_t *s, uint64_t size, uintptr_t addr)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_less(ix->v[mid], s, size, addr)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void index_insert(vram_pool_t *p, pool_block *b)
{
    pool_index *ix = &p->index[b->seg->large];
    size_t i = lower_bound(ix, b->seg->stream, b->size, b->addr);
    memmove(ix->v + i + 1, ix->v + i, (ix->n - i) * sizeof *ix->v);
    ix->v[i] = b;
    ix->n++;
    b->in_index = 1;
    p->st.cached_free_bytes += b->size;
    if (b->size < b->seg->size) {
        vram__stat_add(&p->st.inactive_split_bytes, b->size);
        vram__stat_add(&p->st.inactive_split, 1);
    }
}

static void index_remove(vram_pool_t *p, pool_block *b)
{
    pool_index *ix = &p->index[b->seg->large];
    size_t i = lower_bound(ix, b->seg->stream, b->size, b->addr);
    memmove(ix->v + i, ix->v + i + 1, (ix->n - i - 1) * sizeof *ix->v);
    ix->n--;
    b->in_index = 0;
    p->st.cached_free_bytes -= b->size;
    if (b->size < b->seg->size) {
        vram__stat_sub(&p->st.inactive_split_bytes, b->size);
        vram__stat_sub(&p->st.inactive_split, 1);
    }
}

/* A block struct; the free indexes grow first so that they can hold every block. */
static pool_block *block_new(vram_pool_t *p)
{
    for (int k = 0; k < 2; k++) {
        pool_index *ix = &p->index[k];
        if (ix->cap < p->nblocks + 1) {
            size_t nc = ix->cap ? ix->cap * 2 : 64;
            pool_block **v = vram__realloc(ix->v, nc * sizeof *v);
            if (!v) return NULL;
            ix->v = v;
            ix->cap = nc;
        }
    }
    pool_block *b = p->spare;
    if (b) p->spare = b->hnext;
    else if (!(b = vram__malloc(sizeof *b))) return NULL;
    memset(b, 0, sizeof *b);
    p->nblocks++;
    return b;
}

static void block_recycle(vram_pool_t *p, pool_block *b)
{
    b->hnext = p->spare;
    p->spare = b;
    p->nblocks--;
}

/* ---- live blocks by address ------------------------------------------------------------------ */

static size_t bucket(const vram_pool_t *p, uintptr_t a)
{
    return (size_t)(((uint64_t)a * 0x9E3779B97F4A7C15ull) >> 32) & (p->nbuckets - 1);
}

static void live_put(vram_pool_t *p, pool_block *b)
{
    if (p->nlive >= p->nbuckets) {
        size_t nb = p->nbuckets * 2;
        pool_block **v = vram__calloc(nb, sizeof *v);
        if (v) { /* on failure keep the table: longer chains, still correct */
            pool_block **old = p->buckets;
            size_t on = p->nbuckets;
            p->buckets = v;
            p->nbuckets = nb;
            for (size_t i = 0; i < on; i++)
                for (pool_block *x = old[i], *nx; x; x = nx) {
                    nx = x->hnext;
                    size_t h = bucket(p, x->addr);
                    x->hnext = v[h];
                    v[h] = x;
                }
            free(old);
        }
    }
    size_t h = bucket(p, b->addr);
    b->hnext = p->buckets[h];
    p->buckets[h] = b;
    p->nlive++;
}

static pool_block *live_take(vram_pool_t *p, uintptr_t a)
{
    for (pool_block **pp = &p->buckets[bucket(p, a)]; *pp; pp = &(*pp)->hnext)
        if ((*pp)->addr == a) {
            pool_block *b = *pp;
            *pp = b->hnext;
            b->hnext = NULL;
            p->nlive--;
            return b;
        }
    return NULL;
}

static pool_block *live_find(const vram_pool_t *p, uintptr_t a)
{
    for (pool_block *b = p->buckets[bucket(p, a)]; b; b = b->hnext)
        if (b->addr == a) return b;
    return NULL;
}

/* ---- create / destroy ------------------------------------------------------------------------ */

vram_pool_t *vram_pool_create(vram_device_t *dev, const vram_pool_options *o, vram_error *err)
{
    vram_pool_options def = vram_pool_defaults();
    if (!o) o = &def;
    const char *name = o->name ? o->name : "pool";
    if (!(o->budget_fraction > 0 && o->budget_fraction <= 1) && o->budget_bytes == 0) {
        vram__err(err, VRAM_EINVAL, "%s: budget fraction %g is not in (0, 1]", name, o->budget_fraction);
        return NULL;
    }
    if (!(o->gc_threshold >= 0 && o->gc_threshold <= 1)) {
        vram__err(err, VRAM_EINVAL, "%s: gc threshold %g is not in [0, 1]", name, o->gc_threshold);
        return NULL;
    }
    uint64_t freeb, total;
    if (vram_device_mem_info(dev, &freeb, &total, err) < 0) return NULL;
    vram_pool_t *p = vram__calloc(1, sizeof *p);
    if (!p) {
        vram__err(err, VRAM_ENOMEM, "%s: out of host memory", name);
        return NULL;
    }
    p->dev = dev;
    p->opt = *o;
    snprintf(p->name, sizeof p->name, "%s", name);
    p->opt.name = p->name;
    p->limit = o->budget_bytes ? o->budget_bytes : (uint64_t)((double)total * o->budget_fraction);
    p->st.limit_bytes = p->limit;
    p->nbuckets = 64;
    p->buckets = vram__calloc(p->nbuckets, sizeof *p->buckets);
    if (!p->buckets) {
        vram__err(err, VRAM_ENOMEM, "%s: out of host memory", name);
        free(p);
        return NULL;
    }
    p->ntags = 1; /* tag 0: untagged */
    p->t0 = vram__now();
    return p;
}

static void free_block_list(pool_seg *s)
{
    for (pool_block *b = s->head, *nx; b; b = nx) {
        nx = b->next;
        free(b);
    }
}

void vram_pool_destroy(vram_pool_t *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->npending; i++) vram_device_event_destroy(p->dev, p->pending[i].e);
    for (pool_seg *s = p->segs, *nx; s; s = nx) {
        nx = s->next;
        vram_device_release(p->dev, (void *)s->addr);
        free_block_list(s);
        free(s);
    }
    for (pool_block *b = p->spare, *nx; b; b = nx) {
        nx = b->hnext;
        free(b);
    }
    free(p->index[0].v);
    free(p->index[1].v);
    free(p->buckets);
    free(p->pending);
    free(p->trace);
    free(p);
}

vram_device_t *vram_pool_device(const vram_pool_t *p) { return p->dev; }

/* ---- segments -------------------------------------------------------------------------------- */

static void segment_release(vram_pool_t *p, pool_seg *s)
{
    pool_block *b = s->head;
    index_remove(p, b);
    block_recycle(p, b);
    if (s->prev) s->prev->next = s->next;
    else p->segs = s->next;
    if (s->next) s->next->prev = s->prev;
    vram_device_release(p->dev, (void *)s->addr);
    vram__stat_sub(&p->st.reserved_bytes, s->size);
    vram__stat_sub(&p->st.segment, 1);
    p->st.segment_free_count++;
    free(s);
}

static int whole_free(const pool_seg *s) { return s->head->in_index && !s->head->next; }

/* Release whole free segments, oldest first, until reserved + need fits under target. */
static void gc(vram_pool_t *p, uint64_t need, uint64_t target)
{
    while (p->st.reserved_bytes.current + need > target) {
        pool_seg *old = NULL;
        for (pool_seg *s = p->segs; s; s = s->next)
            if (whole_free(s) && (!old || s->freed_tick < old->freed_tick)) old = s;
        if (!old) return;
        segment_release(p, old);
        p->st.gc_release_count++;
    }
}

static void free_block(vram_pool_t *p, pool_block *b);

/* Wait for every pending event (used before releasing the cache). */
static void sync_pending(vram_pool_t *p)
{
    for (size_t i = 0; i < p->npending; i++) vram_device_event_sync(p->dev, p->pending[i].e, NULL);
}

/* Move blocks whose events all completed back to the free index. */
static void process_events(vram_pool_t *p)
{
    size_t j = 0;
    for (size_t i = 0; i < p->npending; i++) {
        pool_pending pe = p->pending[i];
        if (vram_device_event_query(p->dev, pe.e) != 0) { /* done, or an error: do not wait forever */
            vram_device_event_destroy(p->dev, pe.e);
            if (--pe.b->pending == 0) free_block(p, pe.b);
        } else {
            p->pending[j++] = pe;
        }
    }
    p->npending = j;
}

static void release_cached(vram_pool_t *p)
{
    sync_pending(p);
    process_events(p);
    for (pool_seg *s = p->segs, *nx; s; s = nx) {
        nx = s->next;
        if (whole_free(s)) segment_release(p, s);
    }
}

int vram_pool_empty_cache(vram_pool_t *p, vram_error *err)
{
    (void)err;
    release_cached(p);
    return VRAM_OK;
}

/* One attempt at a new segment of size bytes; the device's message goes to why. */
static int try_segment(vram_pool_t *p, uint64_t size, void **ptr, vram_error *why)
{
    if (size > p->limit || p->st.reserved_bytes.current > p->limit - size)
        return vram__err(why, VRAM_EOOM, "the budget of %llu bytes would be passed", (unsigned long long)p->limit);
    return vram_device_alloc(p->dev, size, ptr, why);
}

static int new_segment(vram_pool_t *p, int large, vram_stream_t *s, uint64_t rsize, pool_block **out, vram_error *err)
{
    uint64_t want = segment_size(rsize);
    if (p->opt.gc_threshold > 0) gc(p, want, (uint64_t)((double)p->limit * p->opt.gc_threshold));
    vram_error why = {0};
    void *ptr = NULL;
    uint64_t got = want;
    int rc = try_segment(p, want, &ptr, &why);
    if (rc == VRAM_EOOM && want > rsize) rc = try_segment(p, got = rsize, &ptr, &why);
    if (rc == VRAM_EOOM) {
        p->st.retry_count++;
        release_cached(p);
        rc = try_segment(p, got = want, &ptr, &why);
        if (rc == VRAM_EOOM && want > rsize) rc = try_segment(p, got = rsize, &ptr, &why);
    }
    if (rc == VRAM_EOOM) return vram__pool_oom(p, rsize, rsize, s, why.msg, err);
    if (rc < 0) return vram__err(err, rc, "%s: %s", p->name, why.msg);
    pool_seg *seg = vram__calloc(1, sizeof *seg);
    pool_block *b = seg ? block_new(p) : NULL;
    if (!b) {
        free(seg);
        vram_device_release(p->dev, ptr);
        return vram__err(err, VRAM_ENOMEM, "%s: out of host memory for a segment", p->name);
    }
    seg->addr = (uintptr_t)ptr;
    seg->size = got;
    seg->large = large;
    seg->stream = s;
    seg->head = b;
    seg->next = p->segs;
    if (p->segs) p->segs->prev = seg;
    p->segs = seg;
    b->addr = seg->addr;
    b->size = got;
    b->seg = seg;
    vram__stat_add(&p->st.reserved_bytes, got);
    vram__stat_add(&p->st.segment, 1);
    p->st.segment_alloc_count++;
    *out = b;
    return VRAM_OK;
}

/* ---- alloc / free ---------------------------------------------------------------------------- */

static pool_block *find_free(vram_pool_t *p, int large, vram_stream_t *s, uint64_t rsize)
{
    pool_index *ix = &p->index[large];
    size_t i = lower_bound(ix, s, rsize, 0);
    if (i >= ix->n || ix->v[i]->seg->stream != s) return NULL;
    pool_block *b = ix->v[i];
    uint64_t max_split = p->opt.max_split_size;
    if (rsize < max_split && b->size >= max_split) return NULL;      /* keep oversize blocks for big requests */
    if (rsize >= max_split && b->size - rsize >= VRAM_POOL_LARGE_SEGMENT) return NULL; /* too wasteful */
    index_remove(p, b);
    return b;
}

static uint16_t tag_id(vram_pool_t *p, const char *tag)
{
    if (!tag || !*tag) return 0;
    for (int i = 1; i < p->ntags; i++)
        if (strncmp(p->tags[i], tag, sizeof p->tags[i] - 1) == 0) return (uint16_t)i;
    if (p->ntags == POOL_MAX_TAGS) return POOL_MAX_TAGS - 1;
    int i = p->ntags++;
    snprintf(p->tags[i], sizeof p->tags[i], "%s", i == POOL_MAX_TAGS - 1 ? "other" : tag);
    return (uint16_t)i;
}

static void trace_add(vram_pool_t *p, char op, const pool_block *b)
{
    if (!p->opt.trace) return;
    if (p->ntrace == p->captrace) {
        size_t nc = p->captrace ? p->captrace * 2 : 1024;
        pool_trace_event *t = vram__realloc(p->trace, nc * sizeof *t);
        if (!t) {
            p->trace_dropped++;
            return;
        }
        p->trace = t;
        p->captrace = nc;
    }
    p->trace[p->ntrace++] = (pool_trace_event){op, b->tag, b->addr, b->size, b->requested, b->seg->stream,
                                               vram__now() - p->t0};
}

int vram_pool_alloc(vram_pool_t *p, uint64_t size, vram_stream_t *s, const char *tag, void **ptr, vram_error *err)
{
    *ptr = NULL;
    uint64_t rsize = vram_pool_round_size(size);
    int large = rsize > VRAM_POOL_SMALL_SIZE;
    process_events(p);
    pool_block *b = find_free(p, large, s, rsize);
    if (!b) {
        int rc = new_segment(p, large, s, rsize, &b, err);
        if (rc < 0) return rc;
    }
    uint64_t rest = b->size - rsize;
    int split = large ? rsize < p->opt.max_split_size && rest > VRAM_POOL_SMALL_SIZE : rest >= VRAM_POOL_MIN_BLOCK;
    pool_block *nb = split ? block_new(p) : NULL; /* no struct: no split, still correct */
    if (nb) {
        nb->addr = b->addr + rsize;
        nb->size = rest;
        nb->seg = b->seg;
        nb->prev = b;
        nb->next = b->next;
        if (b->next) b->next->prev = nb;
        b->next = nb;
        b->size = rsize;
        index_insert(p, nb);
    }
    b->allocated = 1;
    b->requested = size;
    b->nuses = 0;
    b->tag = tag_id(p, tag);
    live_put(p, b);
    vram__stat_add(&p->st.allocated_bytes, b->size);
    vram__stat_add(&p->st.requested_bytes, size);
    vram__stat_add(&p->st.active_bytes, b->size);
    vram__stat_add(&p->st.allocation, 1);
    vram__stat_add(&p->st.active, 1);
    p->st.alloc_count++;
    trace_add(p, 'a', b);
    *ptr = (void *)b->addr;
    return VRAM_OK;
}

/* b is no longer live nor pending: merge with free neighbours and put it in the index. */
static void free_block(vram_pool_t *p, pool_block *b)
{
    vram__stat_sub(&p->st.active_bytes, b->size);
    vram__stat_sub(&p->st.active, 1);
    b->allocated = 0;
    pool_block *pr = b->prev, *nx = b->next;
    if (pr && pr->in_index) {
        index_remove(p, pr);
        pr->size += b->size;
        pr->next = nx;
        if (nx) nx->prev = pr;
        block_recycle(p, b);
        b = pr;
    }
    nx = b->next;
    if (nx && nx->in_index) {
        index_remove(p, nx);
        b->size += nx->size;
        b->next = nx->next;
        if (nx->next) nx->next->prev = b;
        block_recycle(p, nx);
    }
    if (!b->prev && !b->next) b->seg->freed_tick = ++p->tick;
    index_insert(p, b);
}

int vram_pool_free(vram_pool_t *p, void *ptr)
{
    pool_block *b = live_take(p, (uintptr_t)ptr);
    if (!b) return VRAM_EINVAL;
    vram__stat_sub(&p->st.allocated_bytes, b->size);
    vram__stat_sub(&p->st.requested_bytes, b->requested);
    vram__stat_sub(&p->st.allocation, 1);
    p->st.free_count++;
    trace_add(p, 'f', b);
    b->allocated = 0;
    for (int i = 0; i < b->nuses; i++) {
        if (p->npending == p->cappending) {
            size_t nc = p->cappending ? p->cappending * 2 : 16;
            pool_pending *v = vram__realloc(p->pending, nc * sizeof *v);
            if (v) {
                p->pending = v;
                p->cappending = nc;
            }
        }
        vram_event_t *e = NULL;
        if (p->npending < p->cappending && vram_device_event_record(p->dev, b->uses[i], &e, NULL) == VRAM_OK) {
            p->pending[p->npending++] = (pool_pending){b, e};
            b->pending++;
        } else {
            vram_device_stream_sync(p->dev, b->uses[i], NULL); /* no room to wait later: wait now */
        }
    }
    b->nuses = 0;
    if (b->pending == 0) free_block(p, b);
    return VRAM_OK;
}

int vram_pool_record_stream(vram_pool_t *p, void *ptr, vram_stream_t *s, vram_error *err)
{
    pool_block *b = live_find(p, (uintptr_t)ptr);
    if (!b) return vram__err(err, VRAM_EINVAL, "%s: record_stream: %p is not a live allocation", p->name, ptr);
    if (s == b->seg->stream) return VRAM_OK;
    for (int i = 0; i < b->nuses; i++)
        if (b->uses[i] == s) return VRAM_OK;
    if (b->nuses == POOL_MAX_USES)
        return vram__err(err, VRAM_EUNSUPPORTED, "%s: record_stream: %p is used on more than %d other streams", p->name,
                         ptr, POOL_MAX_USES);
    b->uses[b->nuses++] = s;
    return VRAM_OK;
}
