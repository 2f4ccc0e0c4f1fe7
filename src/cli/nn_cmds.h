/* nn_cmds.h - the subcommands of the `nn` program, one per src/cli/nn_<name>.c.
 * Each takes the arguments after the program name (argv[0] is the command) and returns the exit status. */
#ifndef NN_CMDS_H
#define NN_CMDS_H

int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* nn.c: *v = the whole of s as a decimal integer in [lo, hi]; 0, or -1 (v unspecified) when s is
 * not one. */
int nn_cli_long(const char *s, long lo, long hi, long *v);

#endif
