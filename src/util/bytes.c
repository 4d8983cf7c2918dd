/* bytes.c — see bytes.h. */
#include "bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes after len; 0, or -1 with w->oom set. */
static int reserve(tc_wbuf *w, size_t n)
{
    if (w->oom)
        return -1;
    if (n <= w->cap - w->len)
        return 0;
    size_t nc = w->cap ? w->cap : 4096;
    while (nc - w->len < n) {
        if (nc > (size_t)-1 / 2) {
            w->oom = 1;
            return -1;
        }
        nc *= 2;
    }
    unsigned char *q = realloc(w->p, nc);
    if (!q) {
        w->oom = 1;
        return -1;
    }
    w->p = q;
    w->cap = nc;
    return 0;
}

void tc_wbuf_put(tc_wbuf *w, const void *src, size_t n)
{
    if (n == 0 || reserve(w, n) < 0)
        return;
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

void tc_wbuf_vprintf(tc_wbuf *w, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n >= 0 && reserve(w, (size_t)n + 1) == 0) {
        vsnprintf((char *)w->p + w->len, (size_t)n + 1, fmt, again);
        w->len += (size_t)n;
    }
    va_end(again);
}

void tc_wbuf_printf(tc_wbuf *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tc_wbuf_vprintf(w, fmt, ap);
    va_end(ap);
}

int tc_rbuf_get(tc_rbuf *r, void *dst, size_t n)
{
    if (n > r->len - r->pos)
        return -1;
    memcpy(dst, r->p + r->pos, n);
    r->pos += n;
    return 0;
}
