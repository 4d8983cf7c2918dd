/* err.c — formatting helpers for tc_err (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tc_err_set(tc_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int tc_err_prefix(tc_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    char old[sizeof e->msg];
    memcpy(old, e->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n + 2 >= sizeof e->msg)
        return -1;
    /* append ": old", cut to what still fits */
    size_t at = (size_t)n, room = sizeof e->msg - at - 2 - 1, ol = strnlen(old, sizeof old - 1);
    memcpy(e->msg + at, ": ", 2);
    memcpy(e->msg + at + 2, old, ol < room ? ol : room);
    e->msg[at + 2 + (ol < room ? ol : room)] = '\0';
    return -1;
}

int tc_err_oom(tc_err *e, const char *what)
{
    return tc_err_set(e, "out of memory (%s)", what);
}
