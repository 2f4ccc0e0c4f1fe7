/* version.c - library version. */
#include "nn.h"

const char *nn_version(void) { return NN_VERSION; }
