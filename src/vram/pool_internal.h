/* pool_internal.h - the caching allocator's data, shared by pool.c (allocation), pool_stats.c
 * (statistics, messages) and snapshot.c (JSON snapshots and the event trace). */
#ifndef VRAM_POOL_INTERNAL_H
#define VRAM_POOL_INTERNAL_H

#include <stdint.h>

#include "vram.h"

#define POOL_MAX_USES 8   /* other streams a block may be recorded on */
#define POOL_MAX_TAGS 64  /* distinct tags; later ones share the last slot, "other" */

typedef struct pool_seg pool_seg;

typedef struct pool_block {
    uintptr_t addr;
    uint64_t size;              /* block size (rounded) */
    uint64_t requested;         /* what the caller asked for, when allocated */
    pool_seg *seg;
    struct pool_block *prev, *next;   /* neighbours in the segment, by address */
    struct pool_block *hnext;         /* hash chain of live blocks; free list of spare structs */
    int allocated;              /* 1 live */
    int pending;                /* events still to complete before it is free */
    int in_index;               /* 1 in the free index */
    int nuses;
    vram_stream_t *uses[POOL_MAX_USES];
    uint16_t tag;
} pool_block;

struct pool_seg {
    uintptr_t addr;
    uint64_t size;
    int large;
    vram_stream_t *stream;
    pool_block *head;
    pool_seg *prev, *next;
    uint64_t freed_tick;        /* when it last became whole and free (GC: oldest first) */
};

typedef struct pool_index {     /* free blocks of one pool, sorted by (stream, size, addr) */
    pool_block **v;
    size_t n, cap;
} pool_index;

typedef struct pool_pending { pool_block *b; vram_event_t *e; } pool_pending;

typedef struct pool_trace_event {
    char op;                    /* 'a' alloc, 'f' free */
    uint16_t tag;
    uintptr_t addr;
    uint64_t size, requested;
    vram_stream_t *stream;
    double time;                /* seconds since the pool was created */
} pool_trace_event;

struct vram_pool_t {
    vram_device_t *dev;
    vram_pool_options opt;
    char name[32];
    uint64_t limit;
    pool_index index[2];        /* [0] small, [1] large */
    pool_seg *segs;
    pool_block **buckets;       /* live blocks by address */
    size_t nbuckets, nlive;
    pool_block *spare;          /* recycled block structs */
    size_t nblocks;             /* block structs in use (free index capacity follows it) */
    pool_pending *pending;
    size_t npending, cappending;
    char tags[POOL_MAX_TAGS][32];
    int ntags;
    pool_trace_event *trace;
    size_t ntrace, captrace;
    uint64_t trace_dropped;
    double t0;
    uint64_t tick;
    vram_pool_stats st;
};

double vram__now(void);
void vram__stat_add(vram_stat *s, uint64_t v);
void vram__stat_sub(vram_stat *s, uint64_t v);
/* Scan the free index: largest free block and the fragmentation ratio into p->st. */
void vram__pool_frag(vram_pool_t *p);
/* The EOOM message. */
int vram__pool_oom(vram_pool_t *p, uint64_t size, uint64_t rounded, vram_stream_t *s, const char *device_msg,
                   vram_error *err);

#endif
