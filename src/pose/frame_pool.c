/*
 * frame_pool.c - refcounted frames from a bounded pool (see frame_pool.h). Each frame owns one
 * 64-byte-aligned buffer holding its RGB24 and YUV420P planes; it is reallocated only when the frame
 * size grows, so a stream of constant size allocates only while the pool warms up.
 */
#include "frame_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct pool_frame {
    pose_frame pub; /* first: a pose_frame * is a pool_frame * */
    atomic_int refs;
    pose__pool *pool;
    struct pool_frame *next_free;
    uint8_t *buf;
    size_t cap;
} pool_frame;

struct pose__pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pool_frame *free_list;
    int total;       /* frames in existence */
    int max;
    int allocated;   /* frames ever created */
    int closed;
};

pose__pool *pose__pool_create(int max_frames)
{
    pose__pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->max = max_frames < 1 ? 1 : max_frames;
    return p;
}

static void frame_destroy(pool_frame *f)
{
    free(f->buf);
    free(f);
}

static void pool_destroy(pose__pool *p)
{
    while (p->free_list) {
        pool_frame *f = p->free_list;
        p->free_list = f->next_free;
        frame_destroy(f);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

/* Lays out the planes of f for w x h; grows the buffer when needed. 0 or -1 on OOM. */
static int frame_layout(pool_frame *f, int w, int h, int want_rgb, int want_yuv)
{
    size_t rgb_stride = align64((size_t)w * 3);
    size_t ys = align64((size_t)w), cs = align64((size_t)(w + 1) / 2);
    size_t ch = (size_t)(h + 1) / 2;
    size_t rgb_bytes = want_rgb ? rgb_stride * (size_t)h : 0;
    size_t yuv_bytes = want_yuv ? ys * (size_t)h + 2 * cs * ch : 0;
    size_t need = rgb_bytes + yuv_bytes + 64;
    if (need > f->cap) {
        uint8_t *nb = aligned_alloc(64, align64(need));
        if (!nb) return -1;
        free(f->buf);
        f->buf = nb;
        f->cap = align64(need);
    }
    pose_frame *pf = &f->pub;
    memset(pf, 0, sizeof *pf);
    pf->width = w;
    pf->height = h;
    if (want_rgb) {
        pf->rgb = f->buf;
        pf->rgb_stride = (int)rgb_stride;
    }
    if (want_yuv) {
        uint8_t *y = f->buf + rgb_bytes;
        pf->yuv[0] = y;
        pf->yuv[1] = y + ys * (size_t)h;
        pf->yuv[2] = pf->yuv[1] + cs * ch;
        pf->yuv_stride[0] = (int)ys;
        pf->yuv_stride[1] = pf->yuv_stride[2] = (int)cs;
    }
    return 0;
}

pose_frame *pose__pool_get(pose__pool *p, int w, int h, int want_rgb, int want_yuv, int wait,
                           const atomic_int *stop, int *oom)
{
    pool_frame *f = NULL;
    *oom = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->free_list) {
            f = p->free_list;
            p->free_list = f->next_free;
            break;
        }
        if (p->total < p->max) {
            f = calloc(1, sizeof *f);
            if (!f) {
                *oom = 1;
                break;
            }
            f->pool = p;
            p->total++;
            p->allocated++;
            break;
        }
        if (!wait || (stop && atomic_load(stop))) break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    if (!f) return NULL;
    if (frame_layout(f, w, h, want_rgb, want_yuv) != 0) {
        *oom = 1;
        atomic_store(&f->refs, 1);
        pose_frame_unref(&f->pub);
        return NULL;
    }
    atomic_store(&f->refs, 1);
    return &f->pub;
}

void pose__pool_wake(pose__pool *p)
{
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int pose__pool_allocated(pose__pool *p)
{
    pthread_mutex_lock(&p->mu);
    int n = p->allocated;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void pose__pool_close(pose__pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->closed = 1;
    while (p->free_list) {
        pool_frame *f = p->free_list;
        p->free_list = f->next_free;
        frame_destroy(f);
        p->total--;
    }
    int last = p->total == 0;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (last) pool_destroy(p);
}

pose_frame *pose_frame_ref(pose_frame *pf)
{
    pool_frame *f = (pool_frame *)pf;
    atomic_fetch_add(&f->refs, 1);
    return pf;
}

void pose_frame_unref(pose_frame *pf)
{
    if (!pf) return;
    pool_frame *f = (pool_frame *)pf;
    if (atomic_fetch_sub(&f->refs, 1) != 1) return;
    pose__pool *p = f->pool;
    pthread_mutex_lock(&p->mu);
    if (p->closed) {
        p->total--;
        int last = p->total == 0;
        pthread_mutex_unlock(&p->mu);
        frame_destroy(f);
        if (last) pool_destroy(p);
        return;
    }
    f->next_free = p->free_list;
    p->free_list = f;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
