/* compare_internal.h - shared by compare.c, feedback.c and plot_svg.c. */
#ifndef POSE_COMPARE_INTERNAL_H
#define POSE_COMPARE_INTERNAL_H

#include "pose.h"

/* Column of the driver among ref->joints. */
size_t pose__driver_col(const pose_reference *ref);
/* +1 when the template's driver goes up from its start value to its peak, else -1; *peak = index. */
int pose__template_direction(const pose_reference *ref, size_t *peak);
/* Fills c->feedback from c->anomalies: one sentence per rep and joint, for its worst phase. */
int pose__feedback_make(pose_comparison *c, pose_error *err);
/* "right knee", "trunk", ... and the words for a positive / negative deviation. */
void pose__joint_words(int joint, const char **subject, const char **more, const char **less);
/* "at the bottom", "on the way down", ... */
const char *pose__phase_phrase(int phase);

#endif
