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
#define assert_close(a, b, rtol, atol)                                                        \
    do {                                                                                      \
        double tc_a_ = (double)(a), tc_b_ = (double)(b);                                      \
        if (!(fabs(tc_a_ - tc_b_) <= (atol) + (rtol) * fabs(tc_b_)))                           \
            fail_msg("%s = %.9g, expected %.9g (rtol %g, atol %g)", #a, tc_a_, tc_b_,          \
                     (double)(rtol), (double)(atol));                                         \
    } while (0)

#endif
