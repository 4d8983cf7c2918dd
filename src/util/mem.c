/* mem.c — see mem.h. */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>

int tc_grow(void **p, size_t *cap, size_t need, size_t elem, const char *what, tc_err *err)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return tc_err_oom(err, what);
        nc *= 2;
    }
    if (elem && nc > SIZE_MAX / elem)
        return tc_err_oom(err, what);
    void *q = realloc(*p, nc * elem);
    if (!q)
        return tc_err_oom(err, what);
    *p = q;
    *cap = nc;
    return 0;
}

int tc_grow_parallel(void **const ps[], const size_t elem[], int n, size_t *cap, size_t need, const char *what,
                     tc_err *err)
{
    size_t c = *cap;
    for (int i = 0; i < n; i++) {
        c = *cap; /* every array grows from the same capacity to the same new one */
        if (tc_grow(ps[i], &c, need, elem[i], what, err) < 0)
            return -1;
    }
    *cap = c;
    return 0;
}
