/* nvml_internal.h - test seam of nvml.c: where the NVML functions come from. */
#ifndef VRAM_NVML_INTERNAL_H
#define VRAM_NVML_INTERNAL_H

/* Resolve NVML symbols with resolve(name) instead of dlopen("libnvidia-ml.so.1") + dlsym; NULL
 * restores dlopen. Tests pass a table of fake nvml* functions to run the real NVML code path. */
void vram__nvml_set_resolver(void *(*resolve)(const char *symbol));

#endif
