/*
 * frame_pool.h - internal: the refcounted frame pool behind pose_frame (STYLE.md #11). A source owns
 * one pool; frames go back to it when their last reference is dropped, so the steady state allocates
 * nothing. The pool is freed when it is closed and its last frame has come back.
 */
#ifndef POSE_FRAME_POOL_H
#define POSE_FRAME_POOL_H

#include <stdatomic.h>

#include "pose.h"

typedef struct pose__pool pose__pool;

/* A pool of at most max_frames frames (they are allocated on first use). NULL on OOM. */
pose__pool *pose__pool_create(int max_frames);

/* A frame with refcount 1 and buffers for w x h (RGB24 and/or YUV420P as asked). When every frame
 * is in use: waits until one comes back if wait != 0 (or until *stop becomes non-zero), else NULL.
 * NULL also on OOM (*oom set). */
pose_frame *pose__pool_get(pose__pool *p, int w, int h, int want_rgb, int want_yuv, int wait,
                           const atomic_int *stop, int *oom);

/* Wakes any waiter of pose__pool_get (after *stop was set). */
void pose__pool_wake(pose__pool *p);

/* Frames ever allocated by the pool (tests check the steady state allocates nothing). */
int pose__pool_allocated(pose__pool *p);

/* The owner lets go: the pool frees itself once every frame is back. Accepts NULL. */
void pose__pool_close(pose__pool *p);

#endif
