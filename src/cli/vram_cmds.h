/* vram_cmds.h - the subcommands of the `vram` program, one per src/cli/vram_<name>.c.
 * Each takes the arguments after the program name (argv[0] is the command) and returns the exit status. */
#ifndef VRAM_CMDS_H
#define VRAM_CMDS_H

#include <stddef.h>
#include <stdint.h>

int cmd_detect(int argc, char **argv);   /* vram_detect.c */
int cmd_validate(int argc, char **argv); /* vram_validate.c */
int cmd_serve(int argc, char **argv);    /* vram_serve.c */
int cmd_plan(int argc, char **argv);     /* vram_plan.c */
int cmd_sim(int argc, char **argv);      /* vram_sim.c */
int cmd_snapshot_plot(int argc, char **argv); /* vram_snapshot_plot.c */
int cmd_bench(int argc, char **argv);    /* vram_bench.c */

/* vram_fileout.c: write data to path atomically (temp + rename); -1 with why filled on failure. */
int vram_cli_write_atomic(const char *path, const char *data, size_t len, char *why, size_t why_size);

/* vram_idmap.c: trace id -> replay state (sim, snapshot-plot). Zero-initialise; vram_idmap_free(). */
typedef struct vram_idmap_slot {
    uint64_t id;
    void *ptr;       /* sim: the pool's pointer */
    uint32_t sid;    /* sim --swap: the swapper's id */
    uint64_t size;   /* snapshot-plot: bytes */
    int tag;         /* snapshot-plot: tag index */
    int used;        /* 0 empty, 1 live, 2 tombstone */
} vram_idmap_slot;
typedef struct vram_idmap { vram_idmap_slot *s; size_t cap, n, filled; } vram_idmap;
/* The slot of id (inserted, zeroed, when insert is 1 and absent); NULL when absent or out of memory. */
vram_idmap_slot *vram_idmap_find(vram_idmap *m, uint64_t id, int insert);
void vram_idmap_remove(vram_idmap *m, vram_idmap_slot *s);
void vram_idmap_free(vram_idmap *m);

#endif
