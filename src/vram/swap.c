/*
 * swap.c - the swapper (vram.h "swapper"): tensors that move between the pool's device memory and
 * host memory. Evictions copy device -> host on the copy stream after syncing the default stream
 * (so the producer's work is done), then free the block with the pool's stream rule (it is reused
 * only when the copy finished). Copies back go on the same copy stream, so they follow the eviction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_internal.h"
#include "pool_internal.h"

typedef struct tensor {
    uint64_t size;
    void *dev;                /* device block, NULL when on the host */
    void *host;               /* host copy (evicted, or until the copy back completed) */
    vram_event_t *ev;         /* copy back in flight */
    uint64_t last_use;
    uint32_t next_free;       /* free slot list */
    int used, pinned, acquired;
    char tag[32];
} tensor;

struct vram_swap_t {
    vram_pool_t *pool;
    vram_device_t *dev;
    vram_stream_t *copy;
    uint64_t start_bytes;     /* threshold x budget */
    tensor *t;
    size_t n, cap;
    uint32_t free_head;       /* 1-based, 0 = none */
    uint32_t *sched;
    size_t nsched, pos;
    uint64_t tick;
    vram_swap_stats st;
};

vram_swap_options vram_swap_defaults(void)
{
    vram_swap_options o = {0.85, 0};
    return o;
}

vram_swap_t *vram_swap_create(vram_pool_t *pool, const vram_swap_options *o, vram_error *err)
{
    vram_swap_options def = vram_swap_defaults();
    if (!o) o = &def;
    if (!(o->threshold > 0 && o->threshold <= 1)) {
        vram__err(err, VRAM_EINVAL, "swap: threshold %g is not in (0, 1]", o->threshold);
        return NULL;
    }
    vram_swap_t *sw = vram__calloc(1, sizeof *sw);
    if (!sw) {
        vram__err(err, VRAM_ENOMEM, "swap: out of host memory");
        return NULL;
    }
    sw->pool = pool;
    sw->dev = vram_pool_device(pool);
    uint64_t budget = o->budget_bytes ? o->budget_bytes : pool->limit;
    sw->start_bytes = (uint64_t)((double)budget * o->threshold);
    if (vram_device_stream_create(sw->dev, &sw->copy, err) < 0) {
        free(sw);
        return NULL;
    }
    return sw;
}

static tensor *get(const vram_swap_t *sw, uint32_t id)
{
    if (id == 0 || id > sw->n || !sw->t[id - 1].used) return NULL;
    return &sw->t[id - 1];
}

/* The copy back finished (or we wait for it): drop the event and the host copy. */
static void settle(vram_swap_t *sw, tensor *t, int wait)
{
    if (!t->ev) return;
    if (!wait && vram_device_event_query(sw->dev, t->ev) == 0) return;
    if (wait) vram_device_event_sync(sw->dev, t->ev, NULL);
    vram_device_event_destroy(sw->dev, t->ev);
    t->ev = NULL;
    vram_device_host_release(sw->dev, t->host);
    t->host = NULL;
}

static void release_tensor(vram_swap_t *sw, tensor *t)
{
    settle(sw, t, 1);
    if (t->dev) vram_pool_free(sw->pool, t->dev);
    vram_device_host_release(sw->dev, t->host);
    memset(t, 0, sizeof *t);
}

void vram_swap_destroy(vram_swap_t *sw)
{
    if (!sw) return;
    for (size_t i = 0; i < sw->n; i++)
        if (sw->t[i].used) release_tensor(sw, &sw->t[i]);
    vram_device_stream_destroy(sw->dev, sw->copy);
    free(sw->t);
    free(sw->sched);
    free(sw);
}

/* Index in the schedule of the next use of id at or after pos; SIZE_MAX when none. */
static size_t next_use(const vram_swap_t *sw, uint32_t id)
{
    for (size_t k = sw->pos; k < sw->nsched; k++)
        if (sw->sched[k] == id) return k;
    return SIZE_MAX;
}

/* The tensor to evict: farthest next use (schedule) or least recently used; only victims whose next
 * use is after `after` (prefetching must not evict what is needed sooner). 0 when none. */
static uint32_t pick_victim(const vram_swap_t *sw, uint32_t exclude, size_t after)
{
    uint32_t best = 0;
    size_t best_next = 0;
    uint64_t best_lru = 0;
    for (size_t i = 0; i < sw->n; i++) {
        const tensor *t = &sw->t[i];
        uint32_t id = (uint32_t)(i + 1);
        if (!t->used || !t->dev || t->pinned || t->acquired || t->ev || id == exclude) continue;
        size_t nu = sw->nsched ? next_use(sw, id) : SIZE_MAX;
        if (sw->nsched && after != SIZE_MAX && nu <= after) continue;
        if (!best || nu > best_next || (nu == best_next && t->last_use < best_lru)) {
            best = id;
            best_next = nu;
            best_lru = t->last_use;
        }
    }
    return best;
}

static int evict(vram_swap_t *sw, uint32_t id, vram_error *err)
{
    tensor *t = get(sw, id);
    int rc = vram_device_host_alloc(sw->dev, t->size, &t->host, err);
    if (rc < 0) return rc;
    if ((rc = vram_device_stream_sync(sw->dev, NULL, err)) < 0 ||
        (rc = vram_device_copy(sw->dev, t->host, t->dev, t->size, VRAM_COPY_D2H, sw->copy, err)) < 0) {
        vram_device_host_release(sw->dev, t->host);
        t->host = NULL;
        return rc;
    }
    vram_pool_record_stream(sw->pool, t->dev, sw->copy, NULL);
    vram_pool_free(sw->pool, t->dev);
    t->dev = NULL;
    sw->st.bytes_out += t->size;
    sw->st.evictions++;
    return VRAM_OK;
}

/* Evict until allocated + need is under the threshold, or nothing more may go. */
static int make_room(vram_swap_t *sw, uint64_t need, uint32_t exclude, size_t after, vram_error *err)
{
    while (sw->pool->st.allocated_bytes.current + vram_pool_round_size(need) > sw->start_bytes) {
        uint32_t v = pick_victim(sw, exclude, after);
        if (!v) return 0;
        int rc = evict(sw, v, err);
        if (rc < 0) return rc;
    }
    return 1;
}

/* Device memory for a tensor: past the threshold evict first; when the pool still says no, evict more. */
static int device_block(vram_swap_t *sw, uint64_t size, const char *tag, uint32_t exclude, void **ptr,
                        vram_error *err)
{
    int rc = make_room(sw, size, exclude, SIZE_MAX, err);
    if (rc < 0) return rc;
    for (;;) {
        rc = vram_pool_alloc(sw->pool, size, NULL, tag, ptr, err);
        if (rc != VRAM_EOOM) return rc;
        uint32_t v = pick_victim(sw, exclude, SIZE_MAX);
        if (!v) return rc;
        vram_error e2 = {0};
        int erc = evict(sw, v, &e2);
        if (erc < 0) return vram__err(err, erc, "%s", e2.msg);
    }
}

int vram_swap_alloc(vram_swap_t *sw, uint64_t size, const char *tag, uint32_t *id, vram_error *err)
{
    *id = 0;
    if (!sw->free_head && sw->n == sw->cap) {
        size_t nc = sw->cap ? sw->cap * 2 : 64;
        if (nc > UINT32_MAX - 1) return vram__err(err, VRAM_ENOMEM, "swap: too many tensors");
        tensor *nt = vram__realloc(sw->t, nc * sizeof *nt);
        if (!nt) return vram__err(err, VRAM_ENOMEM, "swap: out of host memory for the tensor table");
        sw->t = nt;
        sw->cap = nc;
    }
    void *ptr;
    int rc = device_block(sw, size, tag, 0, &ptr, err);
    if (rc < 0) return rc;
    uint32_t slot;
    if (sw->free_head) {
        slot = sw->free_head;
        sw->free_head = sw->t[slot - 1].next_free;
    } else {
        slot = (uint32_t)++sw->n;
    }
    tensor *t = &sw->t[slot - 1];
    memset(t, 0, sizeof *t);
    t->used = 1;
    t->size = size;
    t->dev = ptr;
    t->last_use = ++sw->tick;
    snprintf(t->tag, sizeof t->tag, "%s", tag ? tag : "");
    *id = slot;
    return VRAM_OK;
}

int vram_swap_free(vram_swap_t *sw, uint32_t id)
{
    tensor *t = get(sw, id);
    if (!t) return VRAM_EINVAL;
    release_tensor(sw, t);
    t->next_free = sw->free_head;
    sw->free_head = id;
    return VRAM_OK;
}

/* Start the copy back of an evicted tensor. */
static int swap_in(vram_swap_t *sw, uint32_t id, vram_error *err)
{
    tensor *t = get(sw, id);
    void *ptr;
    int rc = device_block(sw, t->size, t->tag, id, &ptr, err);
    if (rc < 0) return rc;
    if ((rc = vram_device_copy(sw->dev, ptr, t->host, t->size, VRAM_COPY_H2D, sw->copy, err)) < 0) {
        vram_pool_free(sw->pool, ptr);
        return rc;
    }
    if (vram_device_event_record(sw->dev, sw->copy, &t->ev, NULL) < 0) { /* no event: wait now */
        t->ev = NULL;
        vram_device_stream_sync(sw->dev, sw->copy, NULL);
        vram_device_host_release(sw->dev, t->host);
        t->host = NULL;
    }
    t->dev = ptr;
    sw->st.bytes_in += t->size;
    sw->st.swap_ins++;
    return VRAM_OK;
}

int vram_swap_acquire(vram_swap_t *sw, uint32_t id, void **ptr, vram_error *err)
{
    *ptr = NULL;
    tensor *t = get(sw, id);
    if (!t) return vram__err(err, VRAM_EINVAL, "swap: tensor %u does not exist", (unsigned)id);
    if (!t->dev) {
        int rc = swap_in(sw, id, err);
        if (rc < 0) return rc;
        sw->st.stalls++;
        settle(sw, t, 1);
    } else if (t->ev) {
        if (vram_device_event_query(sw->dev, t->ev) == 0) sw->st.stalls++;
        settle(sw, t, 1);
    }
    t->acquired++;
    t->last_use = ++sw->tick;
    size_t k = sw->nsched ? next_use(sw, id) : SIZE_MAX;
    if (k != SIZE_MAX) sw->pos = k + 1;
    *ptr = t->dev;
    return VRAM_OK;
}

void vram_swap_release(vram_swap_t *sw, uint32_t id)
{
    tensor *t = get(sw, id);
    if (t && t->acquired) t->acquired--;
}

int vram_swap_pin(vram_swap_t *sw, uint32_t id, int pin)
{
    tensor *t = get(sw, id);
    if (!t) return VRAM_EINVAL;
    t->pinned = pin != 0;
    return VRAM_OK;
}

int vram_swap_set_schedule(vram_swap_t *sw, const uint32_t *ids, size_t n, vram_error *err)
{
    uint32_t *s = NULL;
    if (n) {
        if (!(s = vram__malloc(n * sizeof *s))) return vram__err(err, VRAM_ENOMEM, "swap: out of host memory");
        memcpy(s, ids, n * sizeof *s);
    }
    free(sw->sched);
    sw->sched = s;
    sw->nsched = n;
    sw->pos = 0;
    return VRAM_OK;
}

int vram_swap_prefetch(vram_swap_t *sw, size_t lookahead, vram_error *err)
{
    int started = 0;
    for (size_t k = sw->pos; k < sw->nsched && k < sw->pos + lookahead; k++) {
        tensor *t = get(sw, sw->sched[k]);
        if (!t || t->dev) continue;
        int fits = make_room(sw, t->size, sw->sched[k], k, err);
        if (fits < 0) return fits;
        if (!fits) break; /* only tensors needed sooner could go: stop here */
        int rc = swap_in(sw, sw->sched[k], err);
        if (rc == VRAM_EOOM) break;
        if (rc < 0) return rc;
        sw->st.prefetches++;
        started++;
    }
    return started;
}

int vram_swap_resident(const vram_swap_t *sw, uint32_t id)
{
    const tensor *t = get(sw, id);
    return t ? t->dev != NULL : VRAM_EINVAL;
}

void vram_swap_stats_get(const vram_swap_t *sw, vram_swap_stats *out)
{
    *out = sw->st;
    out->resident_bytes = out->host_bytes = 0;
    for (size_t i = 0; i < sw->n; i++) {
        if (!sw->t[i].used) continue;
        if (sw->t[i].dev) out->resident_bytes += sw->t[i].size;
        else out->host_bytes += sw->t[i].size;
    }
}

void vram_swap_metrics(const vram_swap_t *sw, struct vram_alloc_metrics *out)
{
    out->swapped_out_bytes_total = sw->st.bytes_out;
    out->swapped_in_bytes_total = sw->st.bytes_in;
    out->evictions_total = sw->st.evictions;
}
