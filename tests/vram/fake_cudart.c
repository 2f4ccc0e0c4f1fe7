/* fake_cudart.c - a stand-in for libcudart with the 17 functions the cuda device uses, so CI runs the
 * cuda device's code without a GPU (test_device_fakecuda.sh builds it as a shared library). Device
 * memory is host memory with a capacity ($FAKE_CUDART_CAPACITY bytes, 4 GiB); $FAKE_CUDART_DEVICES
 * GPUs (1); $FAKE_CUDART_FAIL=1 makes cudaGetDeviceCount fail like a missing driver. Events report
 * "not ready" on their first query, then done. Not a test by itself (no test_ prefix). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t used;

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 10) : def;
}

int cudaGetDeviceCount(int *n);
int cudaGetDeviceCount(int *n)
{
    if (env_u64("FAKE_CUDART_FAIL", 0)) return 35; /* cudaErrorInsufficientDriver */
    *n = (int)env_u64("FAKE_CUDART_DEVICES", 1);
    return 0;
}

int cudaSetDevice(int d);
int cudaSetDevice(int d) { return d >= 0 ? 0 : 101; }

int cudaMalloc(void **p, size_t n);
int cudaMalloc(void **p, size_t n)
{
    if (n > env_u64("FAKE_CUDART_CAPACITY", 4ull << 30) - used) return 2;
    unsigned char *b = malloc(n + 256);
    if (!b) return 2;
    memcpy(b, &n, sizeof n);
    used += n;
    *p = b + 256;
    return 0;
}

int cudaFree(void *p);
int cudaFree(void *p)
{
    if (!p) return 0;
    unsigned char *b = (unsigned char *)p - 256;
    size_t n;
    memcpy(&n, b, sizeof n);
    used -= n;
    free(b);
    return 0;
}

int cudaMemGetInfo(size_t *f, size_t *t);
int cudaMemGetInfo(size_t *f, size_t *t)
{
    *t = (size_t)env_u64("FAKE_CUDART_CAPACITY", 4ull << 30);
    *f = *t - (size_t)used;
    return 0;
}

int cudaMemcpyAsync(void *dst, const void *src, size_t n, int kind, void *stream);
int cudaMemcpyAsync(void *dst, const void *src, size_t n, int kind, void *stream)
{
    (void)stream;
    if (kind < 0 || kind > 4) return 21;
    memmove(dst, src, n);
    return 0;
}

int cudaStreamCreateWithFlags(void **s, unsigned flags);
int cudaStreamCreateWithFlags(void **s, unsigned flags)
{
    (void)flags;
    *s = malloc(16);
    return *s ? 0 : 2;
}

int cudaStreamDestroy(void *s);
int cudaStreamDestroy(void *s)
{
    free(s);
    return 0;
}

int cudaStreamSynchronize(void *s);
int cudaStreamSynchronize(void *s)
{
    (void)s;
    return 0;
}

int cudaEventCreateWithFlags(void **e, unsigned flags);
int cudaEventCreateWithFlags(void **e, unsigned flags)
{
    (void)flags;
    int *q = calloc(1, sizeof *q);
    *e = q;
    return q ? 0 : 2;
}

int cudaEventRecord(void *e, void *s);
int cudaEventRecord(void *e, void *s)
{
    (void)s;
    *(int *)e = 0;
    return 0;
}

int cudaEventQuery(void *e);
int cudaEventQuery(void *e) { return (*(int *)e)++ ? 0 : 600; }

int cudaEventSynchronize(void *e);
int cudaEventSynchronize(void *e)
{
    *(int *)e = 1;
    return 0;
}

int cudaEventDestroy(void *e);
int cudaEventDestroy(void *e)
{
    free(e);
    return 0;
}

int cudaHostAlloc(void **p, size_t n, unsigned flags);
int cudaHostAlloc(void **p, size_t n, unsigned flags)
{
    (void)flags;
    *p = malloc(n);
    return *p ? 0 : 2;
}

int cudaFreeHost(void *p);
int cudaFreeHost(void *p)
{
    free(p);
    return 0;
}

const char *cudaGetErrorString(int e);
const char *cudaGetErrorString(int e)
{
    switch (e) {
    case 0: return "no error";
    case 2: return "out of memory";
    case 35: return "CUDA driver version is insufficient for CUDA runtime version";
    case 600: return "device not ready";
    default: return "unknown error";
    }
}
