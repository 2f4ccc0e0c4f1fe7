/* pose_cmds.h - the subcommands of the `pose` program, one per src/cli/pose_<name>.c.
 * Each takes the arguments after the program name (argv[0] is the command) and returns the exit status. */
#ifndef POSE_CMDS_H
#define POSE_CMDS_H

int cmd_dtw(int argc, char **argv);
int cmd_bench_dtw(int argc, char **argv);
int cmd_angles(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_reference(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_reps(int argc, char **argv);

#endif
