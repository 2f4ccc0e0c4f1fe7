/* device_internal.h - the built-in devices of the table in device.c and what they share. */
#ifndef VRAM_DEVICE_INTERNAL_H
#define VRAM_DEVICE_INTERNAL_H

#include "vram.h"

extern const vram_device_iface vram__device_sim;
extern const vram_device_iface vram__device_host;
extern const vram_device_iface vram__device_cuda;

/* sim: hold or release a stream (device.c checks that ctx is a sim context). */
int vram__sim_hold(void *ctx, vram_stream_t *s, int hold);

/* The CUDA runtime, loaded with dlopen (device_cuda.c); also used by pinned host memory. */
typedef struct vram__cudart vram__cudart;
int vram__cudart_open(const char *library, vram__cudart **rt, vram_error *err);
void vram__cudart_close(vram__cudart *rt);
int vram__cudart_host_alloc(vram__cudart *rt, uint64_t size, void **ptr, vram_error *err);
void vram__cudart_host_release(vram__cudart *rt, void *ptr);

#endif
