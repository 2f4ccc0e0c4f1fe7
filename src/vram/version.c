/* version.c - library version and status names. */
#include "vram.h"

const char *vram_version(void) { return VRAM_VERSION; }

const char *vram_status_str(int status)
{
    switch (status) {
    case VRAM_OK: return "ok";
    case VRAM_EINVAL: return "invalid argument";
    case VRAM_ENOMEM: return "out of host memory";
    case VRAM_EIO: return "input/output error";
    case VRAM_ENOTFOUND: return "not found";
    case VRAM_EUNSUPPORTED: return "not supported";
    case VRAM_EOOM: return "out of device memory";
    default: return "unknown error";
    }
}
