/*
 * test_region.c - libnn's memory for large long-lived buffers (region.c):
 *   - nn__huge_alloc: small requests 64-byte aligned; from 2 MB on, 2 MB aligned, and on Linux the
 *     mapping that holds the buffer carries the huge-page advice (VmFlags "hg" in /proc/self/smaps;
 *     skipped with a message where smaps is absent); every byte writable (ASan checks the bounds);
 *   - nn__region: buffers 64-byte aligned, disjoint, writable to their last byte, across chunks
 *     of growing size, a request larger than any chunk so far, and a second life after
 *     nn__region_free.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn_internal.h"

/* 1 when the smaps entry of the mapping holding p lists flag (e.g. "hg"), 0 when not, -1 when
 * /proc/self/smaps cannot be read. */
static int mapping_has_flag(const void *p, const char *flag)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) return -1;
    char line[512];
    int inside = 0, found = 0;
    uintptr_t a = (uintptr_t)p;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = a >= lo && a < hi;
            continue;
        }
        if (inside && !strncmp(line, "VmFlags:", 8)) {
            char want[8];
            snprintf(want, sizeof want, " %s", flag);
            found = strstr(line, want) != NULL;
            break;
        }
    }
    fclose(f);
    return found;
}

static void test_huge_alloc(void)
{
    char *s = nn__huge_alloc(100);
    CHECK(s && ((uintptr_t)s & 63) == 0);
    if (s) memset(s, 1, 100);
    free(s);
    size_t n = (size_t)5 << 20; /* 5 MB: three huge pages */
    char *b = nn__huge_alloc(n);
    CHECK(b && ((uintptr_t)b & ((2u << 20) - 1)) == 0);
    if (!b) return;
    memset(b, 2, n);
    CHECK(b[0] == 2 && b[n - 1] == 2);
    int hg = mapping_has_flag(b, "hg");
    if (hg < 0) printf("no /proc/self/smaps here: the huge-page advice is not checked\n");
    else CHECK_MSG(hg == 1, "the 5 MB buffer's mapping has no huge-page advice (VmFlags hg)");
    free(b);
    CHECK(nn__huge_alloc(SIZE_MAX - 10) == NULL);
}

static void test_region(void)
{
    nn__region r = {0};
    enum { N = 40 };
    char *p[N];
    size_t sz[N];
    for (int life = 0; life < 2; life++) {
        for (int i = 0; i < N; i++) {
            /* 1 byte .. 1 MB, then one of 9 MB: past the 2, 4 and 8 MB chunks before it */
            sz[i] = i == N - 1 ? (size_t)9 << 20 : (size_t)1 + (size_t)i * i * 653;
            p[i] = nn__region_alloc(&r, sz[i]);
            CHECK_MSG(p[i] && ((uintptr_t)p[i] & 63) == 0, "buffer %d of %zu bytes", i, sz[i]);
            if (p[i]) memset(p[i], i + 1, sz[i]);
        }
        int intact = 1, disjoint = 1;
        for (int i = 0; i < N; i++) {
            if (!p[i]) continue;
            intact &= p[i][0] == (char)(i + 1) && p[i][sz[i] - 1] == (char)(i + 1);
            for (int j = 0; j < i; j++)
                if (p[j] && p[i] < p[j] + sz[j] && p[j] < p[i] + sz[i]) disjoint = 0;
        }
        CHECK(intact);
        CHECK(disjoint);
        nn__region_free(&r);
        CHECK(r.head == NULL);
    }
    nn__region_free(&r); /* twice: nothing left */
    CHECK(nn__region_alloc(&r, SIZE_MAX - 10) == NULL);
}

int main(void)
{
    test_huge_alloc();
    test_region();
    return check_report();
}
