/* tc_test.h — includes cmocka the way it wants (its header needs these first)
 * plus small helpers shared by the unit tests. */
#ifndef TC_TEST_H
#define TC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* |a - b| <= atol + rtol * |b| */
#define assert_close(a, b, rtol, atol)                                                                                 \
    do {                                                                                                               \
        double tc_a_ = (double)(a), tc_b_ = (double)(b);                                                               \
        if (!(fabs(tc_a_ - tc_b_) <= (atol) + (rtol)*fabs(tc_b_)))                                                     \
            fail_msg("%s = %.9g, expected %.9g (rtol %g, atol %g)", #a, tc_a_, tc_b_, (double)(rtol), (double)(atol)); \
    } while (0)

/* The whole file at p (malloc'd; *n its length); fails the test if unreadable. */
static inline unsigned char *tc_slurp(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *d = malloc(*n ? *n : 1);
    assert_int_equal(fread(d, 1, *n, f), *n);
    fclose(f);
    return d;
}

/* A group's scratch directory: mkdtemp over the template in setup, rm -rf in teardown. */
static inline int tc_tmpdir_make(char *tmpl)
{
    return mkdtemp(tmpl) ? 0 : -1;
}
static inline int tc_tmpdir_remove(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

#endif
