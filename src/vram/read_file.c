/* read_file.c - vram__read_file: a whole file into host memory (through vram__realloc, so the
 * fault-injection tests reach its out-of-memory path), shared by the file loaders of libvram. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_internal.h"

int vram__read_file(const char *path, char **out, size_t *nout, vram_error *err)
{
    *out = NULL;
    *nout = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return vram__err(err, VRAM_EIO, "%s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            char *nb = vram__realloc(buf, nc);
            if (!nb) {
                free(buf);
                fclose(f);
                return vram__err(err, VRAM_ENOMEM, "%s: out of host memory", path);
            }
            buf = nb;
            cap = nc;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return vram__err(err, VRAM_EIO, "%s: read error", path);
    }
    *out = buf;
    *nout = len;
    return VRAM_OK;
}
