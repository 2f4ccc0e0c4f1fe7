/* error.c - pose__err (error_internal.h). */
#include <stdarg.h>
#include <stdio.h>

#include "error_internal.h"

int pose__err(pose_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
