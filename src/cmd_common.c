/* cmd_common.c — small pieces the cmd_*.c files share. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <cblas.h>

#include "cmd.h"

int tc_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("textclf: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

void tc_set_threads(long n)
{
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    openblas_set_num_threads(n > 0 ? (int)n : 1);
}
