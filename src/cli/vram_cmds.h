/* vram_cmds.h - the subcommands of the `vram` program, one per src/cli/vram_<name>.c.
 * Each takes the arguments after the program name (argv[0] is the command) and returns the exit status. */
#ifndef VRAM_CMDS_H
#define VRAM_CMDS_H

int cmd_detect(int argc, char **argv);   /* vram_detect.c */
int cmd_validate(int argc, char **argv); /* vram_validate.c */
int cmd_serve(int argc, char **argv);    /* vram_serve.c */

#endif
