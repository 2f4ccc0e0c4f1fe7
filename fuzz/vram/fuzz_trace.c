/* fuzz_trace.c - libFuzzer target for the trace JSONL parser (vram_trace_parse): any bytes must give
 * either a trace or a clean error naming the line, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>

#include "vram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vram_error err = {0};
    vram_trace_event *ev = NULL;
    size_t n = 0;
    if (vram_trace_parse((const char *)data, size, "fuzz.jsonl", &ev, &n, &err) == VRAM_OK) {
        for (size_t i = 0; i < n; i++)
            if (ev[i].op != VRAM_TRACE_ALLOC && ev[i].op != VRAM_TRACE_FREE) abort();
    } else if (ev || !err.msg[0]) {
        abort();
    }
    free(ev);
    return 0;
}
