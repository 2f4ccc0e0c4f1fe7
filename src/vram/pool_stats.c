/* pool_stats.c - the caching allocator's statistics (memory_stats-like), the fragmentation ratio,
 * the out-of-memory message, and the pool's numbers in the exporter's form. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mem_internal.h"
#include "pool_internal.h"

double vram__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void vram__stat_add(vram_stat *s, uint64_t v)
{
    s->current += v;
    if (s->current > s->peak) s->peak = s->current;
}

void vram__stat_sub(vram_stat *s, uint64_t v) { s->current -= v; }

void vram__pool_frag(vram_pool_t *p)
{
    uint64_t largest = 0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < p->index[k].n; i++)
            if (p->index[k].v[i]->size > largest) largest = p->index[k].v[i]->size;
    p->st.largest_free_block = largest;
    p->st.fragmentation_ratio =
        p->st.cached_free_bytes ? 1.0 - (double)largest / (double)p->st.cached_free_bytes : 0.0;
}

void vram_pool_stats_get(const vram_pool_t *p, vram_pool_stats *out)
{
    vram__pool_frag((vram_pool_t *)p);
    *out = p->st;
}

void vram_pool_stats_reset_peaks(vram_pool_t *p)
{
    vram_stat *all[] = {&p->st.allocated_bytes, &p->st.requested_bytes, &p->st.reserved_bytes, &p->st.active_bytes,
                        &p->st.inactive_split_bytes, &p->st.allocation, &p->st.segment, &p->st.active,
                        &p->st.inactive_split};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) all[i]->peak = all[i]->current;
    p->st.alloc_count = p->st.free_count = p->st.retry_count = p->st.oom_count = 0;
    p->st.segment_alloc_count = p->st.segment_free_count = p->st.gc_release_count = 0;
}

static void human(char *buf, size_t n, uint64_t v)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double x = (double)v;
    int u = 0;
    while (x >= 1024 && u < 4) {
        x /= 1024;
        u++;
    }
    if (u == 0) snprintf(buf, n, "%llu B", (unsigned long long)v);
    else snprintf(buf, n, "%.2f %s", x, unit[u]);
}

int vram__pool_oom(vram_pool_t *p, uint64_t size, uint64_t rounded, vram_stream_t *s, const char *device_msg,
                   vram_error *err)
{
    (void)rounded;
    p->st.oom_count++;
    vram__pool_frag(p);
    char a[32], r[32], f[32], l[32], lim[32], want[32];
    human(want, sizeof want, size);
    human(a, sizeof a, p->st.allocated_bytes.current);
    human(r, sizeof r, p->st.reserved_bytes.current);
    human(f, sizeof f, p->st.cached_free_bytes);
    human(l, sizeof l, p->st.largest_free_block);
    human(lim, sizeof lim, p->limit);
    char stream[48];
    if (s) snprintf(stream, sizeof stream, "stream %p", (void *)s);
    else snprintf(stream, sizeof stream, "the default stream");
    return vram__err(err, VRAM_EOOM,
                     "%s: out of device memory allocating %s on %s: %s allocated, %s reserved of a %s limit, "
                     "%s reserved but free, largest free block %s, fragmentation ratio %.3f (%s)",
                     p->name, want, stream, a, r, lim, f, l, p->st.fragmentation_ratio, device_msg);
}

void vram_pool_metrics(const vram_pool_t *p, struct vram_alloc_metrics *out)
{
    vram_pool_stats st;
    vram_pool_stats_get(p, &st);
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", p->name);
    out->allocated_bytes = st.requested_bytes.current;
    out->allocated_peak_bytes = st.requested_bytes.peak;
    out->reserved_bytes = st.reserved_bytes.current;
    out->reserved_peak_bytes = st.reserved_bytes.peak;
    out->fragmentation_ratio = st.fragmentation_ratio;
    out->alloc_total = st.alloc_count;
    out->free_total = st.free_count;
    out->retry_total = st.retry_count;
    out->oom_total = st.oom_count;
}
