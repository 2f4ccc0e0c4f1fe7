/* version.c - library version. */
#include "pose.h"

const char *pose_version(void) { return POSE_VERSION; }
