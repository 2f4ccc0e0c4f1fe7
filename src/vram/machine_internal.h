/* machine_internal.h - JSON pieces shared by machine.c and the exporter (metrics.c, serve.c). */
#ifndef VRAM_MACHINE_INTERNAL_H
#define VRAM_MACHINE_INTERNAL_H

#include <jansson.h>

#include "vram.h"

#define VRAM_MACHINE_SCHEMA "ai-ml-pipeline/machine/1"

/* One GPU / the profile as JSON objects (new references; NULL on host OOM). */
json_t *vram__gpu_json(const vram_gpu_info *g);
json_t *vram__profile_json(const vram_profile *p);

/* Write data to path atomically (temp file in the same folder + fsync + rename), creating folders. */
int vram__write_atomic(const char *path, const char *data, size_t len, vram_error *err);

#endif
