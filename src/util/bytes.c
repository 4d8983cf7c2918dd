/* bytes.c — see bytes.h. */
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

void tc_wbuf_put(tc_wbuf *w, const void *src, size_t n)
{
    if (w->oom || n == 0)
        return;
    if (n > w->cap - w->len) {
        size_t nc = w->cap ? w->cap : 4096;
        while (nc - w->len < n) {
            if (nc > (size_t)-1 / 2) {
                w->oom = 1;
                return;
            }
            nc *= 2;
        }
        unsigned char *q = realloc(w->p, nc);
        if (!q) {
            w->oom = 1;
            return;
        }
        w->p = q;
        w->cap = nc;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

int tc_rbuf_get(tc_rbuf *r, void *dst, size_t n)
{
    if (n > r->len - r->pos)
        return -1;
    memcpy(dst, r->p + r->pos, n);
    r->pos += n;
    return 0;
}
