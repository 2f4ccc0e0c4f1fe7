/* vram_serve.c - `vram serve` (placeholder until the exporter lands). */
#include <stdio.h>

#include "vram_cmds.h"

int cmd_serve(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "vram serve: not built yet\n");
    return 1;
}
