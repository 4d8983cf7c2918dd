/* pool.h — a fixed team of threads that runs numbered tasks.
 *
 * tc_pool_run(p, n, fn, ctx) calls fn(ctx, i) for every task i in [0, n) and
 * returns when all have finished.  Task i always runs on thread i mod
 * threads (thread 0 is the caller), so a task never shares a thread with
 * another task's data in an order that could depend on timing: callers that
 * give each task its own output buffers and combine them afterwards in task
 * order get the same result for any thread count.
 *
 * Waiting threads spin briefly (a training step is often under 100 µs) and
 * then sleep on a condition variable, so an idle pool costs no CPU. */
#ifndef TC_UTIL_POOL_H
#define TC_UTIL_POOL_H

#include "util/err.h"

typedef struct tc_pool tc_pool;
typedef void (*tc_pool_fn)(void *ctx, int task);

/* A pool of `threads` threads in all (the caller counts as one; 1 = no
 * extra thread is started). */
tc_pool *tc_pool_new(int threads, tc_err *err);
void tc_pool_free(tc_pool *p);
int tc_pool_threads(const tc_pool *p);

/* Runs fn(ctx, i) for i in [0, ntasks), task i on thread i mod threads. */
void tc_pool_run(tc_pool *p, int ntasks, tc_pool_fn fn, void *ctx);

/* Online cores (at least 1). */
int tc_cores(void);

#endif
