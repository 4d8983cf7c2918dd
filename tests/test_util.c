/* test_util.c — the seeded generator and the string table. */
#include "tc_test.h"

#include <pthread.h>
#include <time.h>

#include "util/pool.h"
#include "util/rng.h"
#include "util/strtab.h"

static void rng_is_reproducible_and_uniform(void **state)
{
    (void)state;
    tc_rng a, b;
    tc_rng_seed(&a, 7);
    tc_rng_seed(&b, 7);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(tc_rng_next(&a), tc_rng_next(&b));
    tc_rng_seed(&b, 8);
    assert_true(tc_rng_next(&a) != tc_rng_next(&b));

    /* mean of U[0,1) and of N(0,1) over 100k draws */
    double su = 0, sn = 0, sn2 = 0;
    int counts[10] = {0};
    for (int i = 0; i < 100000; i++) {
        float u = tc_rng_uniform(&a);
        assert_true(u >= 0.0f && u < 1.0f);
        su += u;
        float z = tc_rng_normal(&a);
        sn += z;
        sn2 += (double)z * z;
        counts[tc_rng_below(&a, 10)]++;
    }
    assert_close(su / 100000, 0.5, 0, 0.01);
    assert_close(sn / 100000, 0.0, 0, 0.02);
    assert_close(sn2 / 100000, 1.0, 0, 0.03);
    for (int i = 0; i < 10; i++)
        assert_true(counts[i] > 9000 && counts[i] < 11000);
}

static void shuffle_is_a_permutation(void **state)
{
    (void)state;
    tc_rng r;
    tc_rng_seed(&r, 1);
    uint32_t a[100];
    for (uint32_t i = 0; i < 100; i++)
        a[i] = i;
    tc_rng_shuffle_u32(&r, a, 100);
    int seen[100] = {0}, moved = 0;
    for (uint32_t i = 0; i < 100; i++) {
        seen[a[i]]++;
        moved += a[i] != i;
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(seen[i], 1);
    assert_true(moved > 80);
}

static void strtab_interns_in_order(void **state)
{
    (void)state;
    tc_strtab t;
    tc_strtab_init(&t);
    tc_err err;
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "w%d", i);
        int added = 0;
        assert_int_equal(tc_strtab_intern(&t, buf, (size_t)n, &added, &err), i);
        assert_int_equal(added, 1);
    }
    for (int i = 4999; i >= 0; i--) {
        int n = snprintf(buf, sizeof buf, "w%d", i);
        int added = 1;
        assert_int_equal(tc_strtab_intern(&t, buf, (size_t)n, &added, &err), i);
        assert_int_equal(added, 0);
        assert_string_equal(tc_strtab_str(&t, (uint32_t)i), buf);
        assert_int_equal(tc_strtab_len(&t, (uint32_t)i), (size_t)n);
    }
    assert_int_equal(tc_strtab_find(&t, "nope", 4), -1);
    /* embedded NUL bytes and the empty string are ordinary keys */
    assert_int_equal(tc_strtab_intern(&t, "a\0b", 3, NULL, &err), 5000);
    assert_int_equal(tc_strtab_find(&t, "a\0b", 3), 5000);
    assert_int_equal(tc_strtab_find(&t, "a", 1), -1);
    assert_int_equal(tc_strtab_intern(&t, "", 0, NULL, &err), 5001);
    assert_int_equal(tc_strtab_find(&t, "", 0), 5001);
    tc_strtab_free(&t);
}

static void fnv1a_known_values(void **state)
{
    (void)state;
    /* published FNV-1a 64-bit test vectors */
    assert_int_equal(tc_hash_bytes("", 0), 0xcbf29ce484222325ULL);
    assert_int_equal(tc_hash_bytes("a", 1), 0xaf63dc4c8601ec8cULL);
    assert_int_equal(tc_hash_bytes("foobar", 6), 0x85944171f73967e8ULL);
}

/* The pool runs every task exactly once per call, task i always on the
 * same thread (i mod threads; thread 0 is the caller), for any task count. */
typedef struct pool_probe {
    int count[16];
    pthread_t who[16];
} pool_probe;

static void probe_task(void *ctx, int i)
{
    pool_probe *p = ctx;
    p->count[i]++;
    p->who[i] = pthread_self();
}

static void pool_runs_each_task_once_on_a_fixed_thread(void **st)
{
    (void)st;
    for (int threads = 1; threads <= 3; threads++) {
        tc_err err;
        tc_pool *pool = tc_pool_new(threads, &err);
        assert_non_null(pool);
        assert_int_equal(tc_pool_threads(pool), threads);
        pthread_t first[16];
        for (int round = 0; round < 200; round++) {
            int n = round % 9;
            pool_probe p;
            memset(&p, 0, sizeof p);
            tc_pool_run(pool, n, probe_task, &p);
            for (int i = 0; i < 16; i++)
                assert_int_equal(p.count[i], i < n);
            for (int i = 0; i < n; i++) {
                if (i < threads)
                    first[i] = p.who[i];
                if (i % threads == 0)
                    assert_true(pthread_equal(p.who[i], pthread_self()));
                else if (n > 1)
                    assert_true(pthread_equal(p.who[i], first[i % threads]));
            }
        }
        tc_pool_free(pool);
    }
    assert_true(tc_cores() >= 1);
}

/* The pool's sleeping paths: workers that went to sleep between jobs (the
 * caller pauses longer than they spin) must be woken, and a caller that
 * sleeps while a slow task finishes on a worker must be woken too.  A lost
 * wake-up hangs this test. */
static void slow_task(void *ctx, int i)
{
    pool_probe *p = ctx;
    if (i % 2 == 1) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    p->count[i]++;
}

static void pool_wakes_sleeping_threads(void **st)
{
    (void)st;
    for (int threads = 2; threads <= 3; threads++) {
        tc_err err;
        tc_pool *pool = tc_pool_new(threads, &err);
        assert_non_null(pool);
        for (int round = 0; round < 12; round++) {
            pool_probe p;
            memset(&p, 0, sizeof p);
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
            tc_pool_run(pool, 4, round % 2 ? slow_task : probe_task, &p);
            for (int i = 0; i < 16; i++)
                assert_int_equal(p.count[i], i < 4);
        }
        tc_pool_free(pool);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rng_is_reproducible_and_uniform),
        cmocka_unit_test(shuffle_is_a_permutation),
        cmocka_unit_test(strtab_interns_in_order),
        cmocka_unit_test(fnv1a_known_values),
        cmocka_unit_test(pool_runs_each_task_once_on_a_fixed_thread),
        cmocka_unit_test(pool_wakes_sleeping_threads),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
