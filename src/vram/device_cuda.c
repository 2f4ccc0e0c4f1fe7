/*
 * device_cuda.c - the `cuda` device: the CUDA runtime (libcudart) loaded with dlopen when a device is
 * created, so libvram has no link-time dependency on CUDA and the same binary runs on machines without
 * it (vram_device_create then fails with VRAM_ENOTFOUND). Only the few runtime functions we use are
 * declared here, with the runtime's ABI: cudaError_t is an int (0 = success, 600 = not ready), streams
 * and events are pointers.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_internal.h"
#include "mem_internal.h"

enum { CUDA_SUCCESS = 0, CUDA_ERROR_MEMORY_ALLOCATION = 2, CUDA_ERROR_NOT_READY = 600 };
enum { CUDA_MEMCPY_H2D = 1, CUDA_MEMCPY_D2H = 2, CUDA_MEMCPY_D2D = 3 };
enum { CUDA_STREAM_NON_BLOCKING = 1, CUDA_EVENT_DISABLE_TIMING = 2, CUDA_HOST_ALLOC_DEFAULT = 0 };

struct vram__cudart {
    void *lib;
    int (*GetDeviceCount)(int *);
    int (*SetDevice)(int);
    int (*Malloc)(void **, size_t);
    int (*Free)(void *);
    int (*MemGetInfo)(size_t *, size_t *);
    int (*MemcpyAsync)(void *, const void *, size_t, int, void *);
    int (*StreamCreateWithFlags)(void **, unsigned);
    int (*StreamDestroy)(void *);
    int (*StreamSynchronize)(void *);
    int (*EventCreateWithFlags)(void **, unsigned);
    int (*EventRecord)(void *, void *);
    int (*EventQuery)(void *);
    int (*EventSynchronize)(void *);
    int (*EventDestroy)(void *);
    int (*HostAlloc)(void **, size_t, unsigned);
    int (*FreeHost)(void *);
    const char *(*GetErrorString)(int);
};

static const char *const default_libs[] = {"libcudart.so", "libcudart.so.12", "libcudart.so.11.0"};

#define SYM(name)                                                                                             \
    do {                                                                                                      \
        *(void **)(&rt->name) = dlsym(rt->lib, "cuda" #name);                                                 \
        if (!rt->name) {                                                                                      \
            vram__err(err, VRAM_ENOTFOUND, "CUDA runtime %s: symbol cuda" #name " is missing", used);         \
            goto fail;                                                                                        \
        }                                                                                                     \
    } while (0)

int vram__cudart_open(const char *library, vram__cudart **out, vram_error *err)
{
    *out = NULL;
    vram__cudart *rt = vram__calloc(1, sizeof *rt);
    if (!rt) return vram__err(err, VRAM_ENOMEM, "CUDA runtime: out of host memory");
    const char *env = getenv("VRAM_CUDART_LIBRARY");
    const char *used = library ? library : (env && *env ? env : NULL);
    if (used) {
        rt->lib = dlopen(used, RTLD_NOW | RTLD_LOCAL);
    } else {
        for (size_t i = 0; i < sizeof default_libs / sizeof default_libs[0] && !rt->lib; i++) {
            used = default_libs[i];
            rt->lib = dlopen(used, RTLD_NOW | RTLD_LOCAL);
        }
    }
    if (!rt->lib) {
        const char *why = dlerror();
        vram__err(err, VRAM_ENOTFOUND, "CUDA runtime not found (%s): %s", used, why ? why : "dlopen failed");
        free(rt);
        return VRAM_ENOTFOUND;
    }
    SYM(GetDeviceCount);
    SYM(SetDevice);
    SYM(Malloc);
    SYM(Free);
    SYM(MemGetInfo);
    SYM(MemcpyAsync);
    SYM(StreamCreateWithFlags);
    SYM(StreamDestroy);
    SYM(StreamSynchronize);
    SYM(EventCreateWithFlags);
    SYM(EventRecord);
    SYM(EventQuery);
    SYM(EventSynchronize);
    SYM(EventDestroy);
    SYM(HostAlloc);
    SYM(FreeHost);
    SYM(GetErrorString);
    *out = rt;
    return VRAM_OK;
fail:
    dlclose(rt->lib);
    free(rt);
    return VRAM_ENOTFOUND;
}

void vram__cudart_close(vram__cudart *rt)
{
    if (!rt) return;
    dlclose(rt->lib);
    free(rt);
}

static int cuda_fail(vram__cudart *rt, int code, vram_error *err, int status, const char *what)
{
    const char *s = rt->GetErrorString ? rt->GetErrorString(code) : NULL;
    return vram__err(err, status, "cuda: %s failed: %s (error %d)", what, s ? s : "unknown", code);
}

int vram__cudart_host_alloc(vram__cudart *rt, uint64_t size, void **ptr, vram_error *err)
{
    int c = rt->HostAlloc(ptr, (size_t)(size ? size : 1), CUDA_HOST_ALLOC_DEFAULT);
    if (c != CUDA_SUCCESS) {
        *ptr = NULL;
        return cuda_fail(rt, c, err, VRAM_ENOMEM, "cudaHostAlloc");
    }
    return VRAM_OK;
}

void vram__cudart_host_release(vram__cudart *rt, void *ptr) { rt->FreeHost(ptr); }

typedef struct cuda {
    vram__cudart *rt;
    int index;
} cuda;

static int cuda_open(const vram_device_options *o, void **ctx, vram_error *err)
{
    vram_device_options def = vram_device_defaults();
    if (!o) o = &def;
    cuda *c = vram__calloc(1, sizeof *c);
    if (!c) return vram__err(err, VRAM_ENOMEM, "cuda: out of host memory");
    int rc = vram__cudart_open(o->library, &c->rt, err);
    if (rc < 0) {
        free(c);
        return rc;
    }
    int count = 0, e = c->rt->GetDeviceCount(&count);
    if (e != CUDA_SUCCESS || count <= 0) {
        rc = e != CUDA_SUCCESS ? cuda_fail(c->rt, e, err, VRAM_ENOTFOUND, "cudaGetDeviceCount (no GPU or driver?)")
                               : vram__err(err, VRAM_ENOTFOUND, "cuda: the runtime reports no GPU");
        goto fail;
    }
    if (o->device_index < 0 || o->device_index >= count) {
        rc = vram__err(err, VRAM_ENOTFOUND, "cuda: GPU %d does not exist (%d found)", o->device_index, count);
        goto fail;
    }
    c->index = o->device_index;
    if ((e = c->rt->SetDevice(c->index)) != CUDA_SUCCESS) {
        rc = cuda_fail(c->rt, e, err, VRAM_ENOTFOUND, "cudaSetDevice");
        goto fail;
    }
    *ctx = c;
    return VRAM_OK;
fail:
    vram__cudart_close(c->rt);
    free(c);
    return rc;
}

static void cuda_close(void *ctx)
{
    cuda *c = ctx;
    if (!c) return;
    vram__cudart_close(c->rt);
    free(c);
}

/* The runtime keeps the current device per thread: set it before each call that allocates. */
static int cuda_alloc(void *ctx, uint64_t size, void **ptr, vram_error *err)
{
    cuda *c = ctx;
    if (size > SIZE_MAX) return vram__err(err, VRAM_EOOM, "cuda: %llu bytes do not fit", (unsigned long long)size);
    c->rt->SetDevice(c->index);
    int e = c->rt->Malloc(ptr, (size_t)size);
    if (e != CUDA_SUCCESS) {
        *ptr = NULL;
        return cuda_fail(c->rt, e, err, e == CUDA_ERROR_MEMORY_ALLOCATION ? VRAM_EOOM : VRAM_EIO, "cudaMalloc");
    }
    return VRAM_OK;
}

static void cuda_release(void *ctx, void *ptr, uint64_t size)
{
    (void)size;
    cuda *c = ctx;
    c->rt->SetDevice(c->index);
    c->rt->Free(ptr);
}

static int cuda_mem_info(void *ctx, uint64_t *free_bytes, uint64_t *total_bytes, vram_error *err)
{
    cuda *c = ctx;
    size_t f = 0, t = 0;
    c->rt->SetDevice(c->index);
    int e = c->rt->MemGetInfo(&f, &t);
    if (e != CUDA_SUCCESS) return cuda_fail(c->rt, e, err, VRAM_EIO, "cudaMemGetInfo");
    *free_bytes = f;
    *total_bytes = t;
    return VRAM_OK;
}

static int cuda_copy(void *ctx, void *dst, const void *src, uint64_t n, vram_copy_kind kind, vram_stream_t *s,
                     vram_error *err)
{
    cuda *c = ctx;
    int k = kind == VRAM_COPY_H2D ? CUDA_MEMCPY_H2D : kind == VRAM_COPY_D2H ? CUDA_MEMCPY_D2H : CUDA_MEMCPY_D2D;
    int e = c->rt->MemcpyAsync(dst, src, (size_t)n, k, s);
    return e == CUDA_SUCCESS ? VRAM_OK : cuda_fail(c->rt, e, err, VRAM_EIO, "cudaMemcpyAsync");
}

static int cuda_stream_create(void *ctx, vram_stream_t **s, vram_error *err)
{
    cuda *c = ctx;
    void *h = NULL;
    c->rt->SetDevice(c->index);
    int e = c->rt->StreamCreateWithFlags(&h, CUDA_STREAM_NON_BLOCKING);
    if (e != CUDA_SUCCESS) return cuda_fail(c->rt, e, err, VRAM_EIO, "cudaStreamCreateWithFlags");
    *s = h;
    return VRAM_OK;
}

static void cuda_stream_destroy(void *ctx, vram_stream_t *s) { ((cuda *)ctx)->rt->StreamDestroy(s); }

static int cuda_stream_sync(void *ctx, vram_stream_t *s, vram_error *err)
{
    cuda *c = ctx;
    int e = c->rt->StreamSynchronize(s);
    return e == CUDA_SUCCESS ? VRAM_OK : cuda_fail(c->rt, e, err, VRAM_EIO, "cudaStreamSynchronize");
}

static int cuda_event_record(void *ctx, vram_stream_t *s, vram_event_t **out, vram_error *err)
{
    cuda *c = ctx;
    void *h = NULL;
    int e = c->rt->EventCreateWithFlags(&h, CUDA_EVENT_DISABLE_TIMING);
    if (e != CUDA_SUCCESS) return cuda_fail(c->rt, e, err, VRAM_EIO, "cudaEventCreateWithFlags");
    if ((e = c->rt->EventRecord(h, s)) != CUDA_SUCCESS) {
        c->rt->EventDestroy(h);
        return cuda_fail(c->rt, e, err, VRAM_EIO, "cudaEventRecord");
    }
    *out = h;
    return VRAM_OK;
}

static int cuda_event_query(void *ctx, vram_event_t *ev)
{
    int e = ((cuda *)ctx)->rt->EventQuery(ev);
    return e == CUDA_SUCCESS ? 1 : e == CUDA_ERROR_NOT_READY ? 0 : VRAM_EIO;
}

static int cuda_event_sync(void *ctx, vram_event_t *ev, vram_error *err)
{
    cuda *c = ctx;
    int e = c->rt->EventSynchronize(ev);
    return e == CUDA_SUCCESS ? VRAM_OK : cuda_fail(c->rt, e, err, VRAM_EIO, "cudaEventSynchronize");
}

static void cuda_event_destroy(void *ctx, vram_event_t *ev) { ((cuda *)ctx)->rt->EventDestroy(ev); }

static int cuda_host_alloc(void *ctx, uint64_t size, void **ptr, vram_error *err)
{
    return vram__cudart_host_alloc(((cuda *)ctx)->rt, size, ptr, err);
}

static void cuda_host_release(void *ctx, void *ptr, uint64_t size)
{
    (void)size;
    vram__cudart_host_release(((cuda *)ctx)->rt, ptr);
}

const vram_device_iface vram__device_cuda = {
    "cuda", cuda_open, cuda_close, cuda_alloc, cuda_release, cuda_mem_info, cuda_copy, cuda_stream_create,
    cuda_stream_destroy, cuda_stream_sync, cuda_event_record, cuda_event_query, cuda_event_sync, cuda_event_destroy,
    cuda_host_alloc, cuda_host_release,
};
