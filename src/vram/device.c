/*
 * device.c - the device wrapper: the static table of built-in devices (sim, host, cuda), and the
 * bookkeeping every device shares: a pointer -> size map (so release() knows sizes and catches
 * foreign pointers) and the counters of vram_device_stats.
 */
#include <stdlib.h>
#include <string.h>

#include "device_internal.h"
#include "mem_internal.h"

typedef struct entry {
    uintptr_t ptr;
    uint64_t size;
    int host;                 /* from host_alloc */
    struct entry *next;
} entry;

struct vram_device_t {
    const vram_device_iface *iface;
    void *ctx;
    entry **buckets;
    size_t nbuckets, count;
    vram_device_stats stats;
};

static const vram_device_iface *const devices[] = {&vram__device_sim, &vram__device_host, &vram__device_cuda};

vram_device_options vram_device_defaults(void)
{
    vram_device_options o;
    memset(&o, 0, sizeof o);
    o.kind = "sim";
    o.capacity = (uint64_t)1 << 30;
    o.alignment = 256;
    o.backed = 1;
    return o;
}

vram_device_t *vram_device_create(const vram_device_options *o, vram_error *err)
{
    vram_device_options def = vram_device_defaults();
    if (!o) o = &def;
    const char *kind = o->kind ? o->kind : "sim";
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
        if (strcmp(devices[i]->name, kind) == 0) return vram_device_create_iface(devices[i], o, err);
    vram__err(err, VRAM_EINVAL, "device '%s' is unknown (sim, host, cuda)", kind);
    return NULL;
}

vram_device_t *vram_device_create_iface(const vram_device_iface *iface, const vram_device_options *o, vram_error *err)
{
    vram_device_t *d = vram__calloc(1, sizeof *d);
    if (!d) {
        vram__err(err, VRAM_ENOMEM, "device %s: out of host memory", iface->name);
        return NULL;
    }
    d->iface = iface;
    d->nbuckets = 64;
    d->buckets = vram__calloc(d->nbuckets, sizeof *d->buckets);
    if (!d->buckets) {
        vram__err(err, VRAM_ENOMEM, "device %s: out of host memory", iface->name);
        goto fail;
    }
    if (iface->open(o, &d->ctx, err) < 0) goto fail;
    return d;
fail:
    free(d->buckets);
    free(d);
    return NULL;
}

static size_t hash(const vram_device_t *d, uintptr_t p)
{
    uint64_t h = (uint64_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & (d->nbuckets - 1);
}

static int map_put(vram_device_t *d, uintptr_t p, uint64_t size, int host)
{
    if (d->count >= d->nbuckets) { /* grow: keep chains short */
        size_t nb = d->nbuckets * 2;
        entry **b = vram__calloc(nb, sizeof *b);
        if (b) {
            entry **old = d->buckets;
            size_t on = d->nbuckets;
            d->buckets = b;
            d->nbuckets = nb;
            for (size_t i = 0; i < on; i++)
                for (entry *e = old[i], *nx; e; e = nx) {
                    nx = e->next;
                    size_t h = hash(d, e->ptr);
                    e->next = b[h];
                    b[h] = e;
                }
            free(old);
        } /* on failure keep the old table: longer chains, still correct */
    }
    entry *e = vram__malloc(sizeof *e);
    if (!e) return -1;
    *e = (entry){p, size, host, NULL};
    size_t h = hash(d, p);
    e->next = d->buckets[h];
    d->buckets[h] = e;
    d->count++;
    return 0;
}

static int map_take(vram_device_t *d, uintptr_t p, int host, uint64_t *size)
{
    for (entry **pp = &d->buckets[hash(d, p)]; *pp; pp = &(*pp)->next)
        if ((*pp)->ptr == p && (*pp)->host == host) {
            entry *e = *pp;
            *size = e->size;
            *pp = e->next;
            free(e);
            d->count--;
            return 0;
        }
    return -1;
}

void vram_device_free(vram_device_t *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->nbuckets; i++)
        for (entry *e = d->buckets[i], *nx; e; e = nx) {
            nx = e->next;
            free(e);
        }
    free(d->buckets);
    d->iface->close(d->ctx);
    free(d);
}

const char *vram_device_name(const vram_device_t *d) { return d->iface->name; }

int vram_device_alloc(vram_device_t *d, uint64_t size, void **ptr, vram_error *err)
{
    *ptr = NULL;
    int rc = d->iface->alloc(d->ctx, size, ptr, err);
    if (rc < 0) {
        d->stats.failed_allocs++;
        return rc;
    }
    if (map_put(d, (uintptr_t)*ptr, size, 0) < 0) {
        d->iface->release(d->ctx, *ptr, size);
        *ptr = NULL;
        d->stats.failed_allocs++;
        return vram__err(err, VRAM_ENOMEM, "device %s: out of host memory for the allocation table", d->iface->name);
    }
    d->stats.alloc_count++;
    d->stats.used_bytes += size;
    if (d->stats.used_bytes > d->stats.peak_used_bytes) d->stats.peak_used_bytes = d->stats.used_bytes;
    return VRAM_OK;
}

void vram_device_release(vram_device_t *d, void *ptr)
{
    uint64_t size;
    if (!ptr) return;
    if (map_take(d, (uintptr_t)ptr, 0, &size) < 0) {
        d->stats.bad_releases++;
        return;
    }
    d->iface->release(d->ctx, ptr, size);
    d->stats.release_count++;
    d->stats.used_bytes -= size;
}

int vram_device_mem_info(vram_device_t *d, uint64_t *free_bytes, uint64_t *total_bytes, vram_error *err)
{
    return d->iface->mem_info(d->ctx, free_bytes, total_bytes, err);
}

int vram_device_copy(vram_device_t *d, void *dst, const void *src, uint64_t n, vram_copy_kind kind, vram_stream_t *s,
                     vram_error *err)
{
    if (kind != VRAM_COPY_H2D && kind != VRAM_COPY_D2H && kind != VRAM_COPY_D2D)
        return vram__err(err, VRAM_EINVAL, "device %s: copy kind %d is not H2D, D2H or D2D", d->iface->name, (int)kind);
    int rc = d->iface->copy(d->ctx, dst, src, n, kind, s, err);
    if (rc < 0) return rc;
    d->stats.copy_count++;
    if (kind == VRAM_COPY_H2D) d->stats.bytes_in += n;
    else if (kind == VRAM_COPY_D2H) d->stats.bytes_out += n;
    else d->stats.bytes_d2d += n;
    return VRAM_OK;
}

int vram_device_stream_create(vram_device_t *d, vram_stream_t **s, vram_error *err)
{
    return d->iface->stream_create(d->ctx, s, err);
}

void vram_device_stream_destroy(vram_device_t *d, vram_stream_t *s)
{
    if (s) d->iface->stream_destroy(d->ctx, s);
}

int vram_device_stream_sync(vram_device_t *d, vram_stream_t *s, vram_error *err)
{
    return d->iface->stream_sync(d->ctx, s, err);
}

int vram_device_event_record(vram_device_t *d, vram_stream_t *s, vram_event_t **e, vram_error *err)
{
    return d->iface->event_record(d->ctx, s, e, err);
}

int vram_device_event_query(vram_device_t *d, vram_event_t *e) { return d->iface->event_query(d->ctx, e); }

int vram_device_event_sync(vram_device_t *d, vram_event_t *e, vram_error *err)
{
    return d->iface->event_sync(d->ctx, e, err);
}

void vram_device_event_destroy(vram_device_t *d, vram_event_t *e)
{
    if (e) d->iface->event_destroy(d->ctx, e);
}

int vram_device_host_alloc(vram_device_t *d, uint64_t size, void **ptr, vram_error *err)
{
    *ptr = NULL;
    int rc;
    if (d->iface->host_alloc) {
        rc = d->iface->host_alloc(d->ctx, size, ptr, err);
    } else {
        rc = size > SIZE_MAX - 64 || vram__fault_next() ? -1 : posix_memalign(ptr, 64, size ? (size_t)size : 1);
        if (rc != 0) *ptr = NULL;
        rc = *ptr ? VRAM_OK
                  : vram__err(err, VRAM_ENOMEM, "device %s: no host memory for %llu bytes", d->iface->name,
                              (unsigned long long)size);
    }
    if (rc < 0) return rc;
    if (map_put(d, (uintptr_t)*ptr, size, 1) < 0) {
        if (d->iface->host_release) d->iface->host_release(d->ctx, *ptr, size);
        else free(*ptr);
        *ptr = NULL;
        return vram__err(err, VRAM_ENOMEM, "device %s: out of host memory for the allocation table", d->iface->name);
    }
    return VRAM_OK;
}

void vram_device_host_release(vram_device_t *d, void *ptr)
{
    uint64_t size;
    if (!ptr) return;
    if (map_take(d, (uintptr_t)ptr, 1, &size) < 0) {
        d->stats.bad_releases++;
        return;
    }
    if (d->iface->host_release) d->iface->host_release(d->ctx, ptr, size);
    else free(ptr);
}

void vram_device_stats_get(const vram_device_t *d, vram_device_stats *out) { *out = d->stats; }

int vram_device_sim_hold(vram_device_t *d, vram_stream_t *s, int hold, vram_error *err)
{
    if (d->iface != &vram__device_sim)
        return vram__err(err, VRAM_EUNSUPPORTED, "device %s: holding streams is for sim only", d->iface->name);
    return vram__sim_hold(d->ctx, s, hold);
}
