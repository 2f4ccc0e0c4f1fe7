/* vram_cmds.h - the subcommands of the `vram` program, one per src/cli/vram_<name>.c.
 * Each takes the arguments after the program name (argv[0] is the command) and returns the exit status. */
#ifndef VRAM_CMDS_H
#define VRAM_CMDS_H

#endif
