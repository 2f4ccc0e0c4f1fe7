/*
 * net_nn.c - the pose__net seam implemented with libnn (include/nn.h). Until the engine's model API
 * is available this reports that inference is not available, so everything else stays usable.
 */
#include <stdio.h>

#include "net.h"

static pose__net_loader loader_override;

void pose__net_set_loader(pose__net_loader loader) { loader_override = loader; }

pose__net *pose__net_load(const char *models_dir, const char *name, int n, int is_int, int threads,
                          pose_error *err)
{
    if (loader_override) return loader_override(models_dir, name, n, is_int, threads, err);
    if (err) {
        err->code = POSE_EUNSUPPORTED;
        snprintf(err->msg, sizeof err->msg, "%s/%s.json: the inference engine (libnn) cannot run models yet",
                 models_dir ? models_dir : ".", name);
    }
    return NULL;
}
