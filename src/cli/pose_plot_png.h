/* pose_plot_png.h - `pose compare --plot FILE.png`: the comparison plot rasterized (pose_plot_png.c). */
#ifndef POSE_PLOT_PNG_H
#define POSE_PLOT_PNG_H

#include "pose.h"

/* Draws the plot of pose_comparison_plot_draw on a canvas and writes it as PNG, atomically.
 * 0, or -1 with the reason printed to stderr after prog. */
int pose_cli_plot_png(const pose_comparison *c, const pose_reference *ref, const pose_compare_options *co,
                      const char *path, const char *prog);

#endif
