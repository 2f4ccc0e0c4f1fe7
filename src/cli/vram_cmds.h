/* vram_cmds.h - the subcommands of the `vram` program, one per src/cli/vram_<name>.c.
 * Each takes the arguments after the program name (argv[0] is the command) and returns the exit status. */
#ifndef VRAM_CMDS_H
#define VRAM_CMDS_H

#include <stddef.h>

int cmd_detect(int argc, char **argv);   /* vram_detect.c */
int cmd_validate(int argc, char **argv); /* vram_validate.c */
int cmd_serve(int argc, char **argv);    /* vram_serve.c */
int cmd_plan(int argc, char **argv);     /* vram_plan.c */
int cmd_sim(int argc, char **argv);      /* vram_sim.c */

/* vram_fileout.c: write data to path atomically (temp + rename); -1 with why filled on failure. */
int vram_cli_write_atomic(const char *path, const char *data, size_t len, char *why, size_t why_size);

#endif
