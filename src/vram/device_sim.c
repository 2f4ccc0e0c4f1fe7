/*
 * device_sim.c - the `sim` and `host` devices. Both keep their memory in this process: sim has a set
 * capacity and alignment (allocations past the capacity fail with VRAM_EOOM, as on a GPU) and may be
 * unbacked (addresses only, to replay traces larger than this machine); host is malloc (or page-locked
 * through the CUDA runtime) with an optional limit. Copies are memcpy, done at once. Streams count
 * submitted and completed work: work completes at once unless a test holds the stream
 * (vram_device_sim_hold), which is how the pool's cross-stream rules are tested without a GPU.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device_internal.h"
#include "mem_internal.h"

struct vram_stream_t {
    uint64_t submitted, completed;
    int held;
};

struct vram_event_t {
    vram_stream_t *stream;
    uint64_t seq;
};

typedef struct sim {
    const char *name;
    uint64_t capacity, alignment, used;
    int backed;
    uintptr_t next_addr;      /* unbacked: addresses handed out, never reused */
    vram_stream_t default_stream;
    vram__cudart *rt;         /* host pinned */
} sim;

static int sim_open_common(const vram_device_options *o, void **ctx, const char *name, vram_error *err)
{
    vram_device_options def = vram_device_defaults();
    if (!o) o = &def;
    uint64_t a = o->alignment ? o->alignment : 256;
    if (a & (a - 1)) return vram__err(err, VRAM_EINVAL, "device %s: alignment %llu is not a power of two", name,
                                      (unsigned long long)a);
    sim *s = vram__calloc(1, sizeof *s);
    if (!s) return vram__err(err, VRAM_ENOMEM, "device %s: out of host memory", name);
    s->name = name;
    s->alignment = a;
    s->capacity = o->capacity;
    s->backed = o->backed;
    s->next_addr = (uintptr_t)1 << 40;
    *ctx = s;
    return VRAM_OK;
}

static int sim_open(const vram_device_options *o, void **ctx, vram_error *err)
{
    if (o && o->capacity == 0) return vram__err(err, VRAM_EINVAL, "device sim: capacity must be > 0");
    return sim_open_common(o, ctx, "sim", err);
}

static int host_open(const vram_device_options *o, void **ctx, vram_error *err)
{
    int rc = sim_open_common(o, ctx, "host", err);
    if (rc < 0) return rc;
    sim *s = *ctx;
    s->backed = 1;
    if (o && o->pinned && (rc = vram__cudart_open(o->library, &s->rt, err)) < 0) {
        free(s);
        *ctx = NULL;
        return rc;
    }
    return VRAM_OK;
}

static void sim_close(void *ctx)
{
    sim *s = ctx;
    if (!s) return;
    vram__cudart_close(s->rt);
    free(s);
}

static uint64_t system_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

static uint64_t limit_of(const sim *s) { return s->capacity ? s->capacity : system_memory(); }

static int sim_alloc(void *ctx, uint64_t size, void **ptr, vram_error *err)
{
    sim *s = ctx;
    uint64_t limit = limit_of(s);
    uint64_t a = size > UINT64_MAX - s->alignment ? UINT64_MAX : (size + s->alignment - 1) & ~(s->alignment - 1);
    if (size == 0) a = s->alignment;
    if (a > limit - (s->used < limit ? s->used : limit) || s->used > limit)
        return vram__err(err, VRAM_EOOM, "device %s: %llu bytes do not fit: %llu of %llu in use", s->name,
                         (unsigned long long)size, (unsigned long long)s->used, (unsigned long long)limit);
    if (s->backed) {
        void *p = NULL;
        if (a > SIZE_MAX || vram__fault_next() || posix_memalign(&p, (size_t)(s->alignment < 64 ? 64 : s->alignment),
                                                                   (size_t)a) != 0)
            return vram__err(err, VRAM_EOOM, "device %s: host memory for %llu bytes is not available", s->name,
                             (unsigned long long)size);
        *ptr = p;
    } else {
        *ptr = (void *)s->next_addr;
        s->next_addr += (uintptr_t)a;
    }
    s->used += a;
    return VRAM_OK;
}

static void sim_release(void *ctx, void *ptr, uint64_t size)
{
    sim *s = ctx;
    uint64_t a = size == 0 ? s->alignment : (size + s->alignment - 1) & ~(s->alignment - 1);
    s->used -= a;
    if (s->backed) free(ptr);
}

static int sim_mem_info(void *ctx, uint64_t *free_bytes, uint64_t *total_bytes, vram_error *err)
{
    (void)err;
    sim *s = ctx;
    uint64_t limit = limit_of(s);
    *total_bytes = limit;
    *free_bytes = s->used < limit ? limit - s->used : 0;
    return VRAM_OK;
}

static vram_stream_t *stream_of(sim *s, vram_stream_t *st) { return st ? st : &s->default_stream; }

static void submit(vram_stream_t *st)
{
    st->submitted++;
    if (!st->held) st->completed = st->submitted;
}

static int sim_copy(void *ctx, void *dst, const void *src, uint64_t n, vram_copy_kind kind, vram_stream_t *st,
                    vram_error *err)
{
    (void)kind;
    sim *s = ctx;
    (void)err;
    if (n && s->backed) memmove(dst, src, (size_t)n); /* unbacked: counted, no data */
    submit(stream_of(s, st));
    return VRAM_OK;
}

static int sim_stream_create(void *ctx, vram_stream_t **out, vram_error *err)
{
    sim *s = ctx;
    vram_stream_t *st = vram__calloc(1, sizeof *st);
    if (!st) return vram__err(err, VRAM_ENOMEM, "device %s: out of host memory for a stream", s->name);
    *out = st;
    return VRAM_OK;
}

static void sim_stream_destroy(void *ctx, vram_stream_t *st)
{
    (void)ctx;
    free(st);
}

static int sim_stream_sync(void *ctx, vram_stream_t *st, vram_error *err)
{
    (void)err;
    st = stream_of(ctx, st);
    st->completed = st->submitted;
    return VRAM_OK;
}

static int sim_event_record(void *ctx, vram_stream_t *st, vram_event_t **out, vram_error *err)
{
    sim *s = ctx;
    vram_event_t *e = vram__malloc(sizeof *e);
    if (!e) return vram__err(err, VRAM_ENOMEM, "device %s: out of host memory for an event", s->name);
    e->stream = stream_of(s, st);
    submit(e->stream);
    e->seq = e->stream->submitted;
    *out = e;
    return VRAM_OK;
}

static int sim_event_query(void *ctx, vram_event_t *e)
{
    (void)ctx;
    return e->stream->completed >= e->seq;
}

static int sim_event_sync(void *ctx, vram_event_t *e, vram_error *err)
{
    (void)ctx;
    (void)err;
    if (e->stream->completed < e->seq) e->stream->completed = e->seq;
    return VRAM_OK;
}

static void sim_event_destroy(void *ctx, vram_event_t *e)
{
    (void)ctx;
    free(e);
}

int vram__sim_hold(void *ctx, vram_stream_t *st, int hold)
{
    st = stream_of(ctx, st);
    st->held = hold != 0;
    if (!hold) st->completed = st->submitted;
    return VRAM_OK;
}

static int host_host_alloc(void *ctx, uint64_t size, void **ptr, vram_error *err)
{
    sim *s = ctx;
    if (s->rt) return vram__cudart_host_alloc(s->rt, size, ptr, err);
    if (size > SIZE_MAX || vram__fault_next() || posix_memalign(ptr, 64, size ? (size_t)size : 1) != 0) {
        *ptr = NULL;
        return vram__err(err, VRAM_ENOMEM, "device %s: no host memory for %llu bytes", s->name,
                         (unsigned long long)size);
    }
    return VRAM_OK;
}

static void host_host_release(void *ctx, void *ptr, uint64_t size)
{
    (void)size;
    sim *s = ctx;
    if (s->rt) vram__cudart_host_release(s->rt, ptr);
    else free(ptr);
}

/* sim staging memory: real when backed; addresses only (like its device memory) when not. */
static int sim_host_alloc(void *ctx, uint64_t size, void **ptr, vram_error *err)
{
    sim *s = ctx;
    if (!s->backed) {
        *ptr = (void *)s->next_addr;
        s->next_addr += (uintptr_t)((size + 4095) & ~(uint64_t)4095) + 4096;
        return VRAM_OK;
    }
    return host_host_alloc(ctx, size, ptr, err);
}

static void sim_host_release(void *ctx, void *ptr, uint64_t size)
{
    sim *s = ctx;
    if (s->backed) host_host_release(ctx, ptr, size);
}

const vram_device_iface vram__device_sim = {
    "sim", sim_open, sim_close, sim_alloc, sim_release, sim_mem_info, sim_copy, sim_stream_create,
    sim_stream_destroy, sim_stream_sync, sim_event_record, sim_event_query, sim_event_sync, sim_event_destroy,
    sim_host_alloc, sim_host_release,
};

/* host: the same bookkeeping; pinned host memory when the CUDA runtime was loaded. */
static int host_alloc(void *ctx, uint64_t size, void **ptr, vram_error *err)
{
    sim *s = ctx;
    if (!s->rt) return sim_alloc(ctx, size, ptr, err);
    uint64_t limit = limit_of(s);
    uint64_t a = size > UINT64_MAX - s->alignment ? UINT64_MAX : (size + s->alignment - 1) & ~(s->alignment - 1);
    if (a > limit || s->used > limit - a)
        return vram__err(err, VRAM_EOOM, "device host: %llu bytes do not fit: %llu of %llu in use",
                         (unsigned long long)size, (unsigned long long)s->used, (unsigned long long)limit);
    int rc = vram__cudart_host_alloc(s->rt, a, ptr, err);
    if (rc == VRAM_OK) s->used += a;
    return rc;
}

static void host_release(void *ctx, void *ptr, uint64_t size)
{
    sim *s = ctx;
    if (!s->rt) {
        sim_release(ctx, ptr, size);
        return;
    }
    s->used -= (size + s->alignment - 1) & ~(s->alignment - 1);
    vram__cudart_host_release(s->rt, ptr);
}

const vram_device_iface vram__device_host = {
    "host", host_open, sim_close, host_alloc, host_release, sim_mem_info, sim_copy, sim_stream_create,
    sim_stream_destroy, sim_stream_sync, sim_event_record, sim_event_query, sim_event_sync, sim_event_destroy,
    host_host_alloc, host_host_release,
};
