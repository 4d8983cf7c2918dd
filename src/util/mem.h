/* mem.h — the one growable-array helper.  Arrays grow by doubling from a
 * small start, with the size arithmetic checked for overflow. */
#ifndef TC_MEM_H
#define TC_MEM_H

#include <stddef.h>

#include "util/err.h"

/* Makes *p (an array of *cap elements of elem bytes) hold at least need
 * elements.  On failure *p and *cap are unchanged and err says
 * "out of memory (what)".  Returns 0 or -1. */
int tc_grow(void **p, size_t *cap, size_t need, size_t elem, const char *what, tc_err *err);

/* tc_grow for n parallel arrays that share one capacity *cap: *ps[i] has
 * elem[i] bytes per element.  On failure the arrays grown so far keep their
 * larger blocks (contents intact), *cap is unchanged, and err says
 * "out of memory (what)".  Returns 0 or -1. */
int tc_grow_parallel(void **const ps[], const size_t elem[], int n, size_t *cap, size_t need, const char *what,
                     tc_err *err);

#endif
