/* pool.c — see pool.h.
 *
 * One job at a time: the caller publishes (fn, ctx, ntasks), bumps `gen`,
 * runs its own tasks, then waits until `pending` (the other threads still
 * working) drops to 0.  A worker that sees a new `gen` runs its tasks and
 * decrements `pending`.
 *
 * Both sides spin first and sleep only when the other is slow, and the mutex
 * and condition variables are touched only when someone sleeps: a training
 * step hands work over twice, and on a virtual machine every futex call
 * costs more than the spin it saves.  A thread about to sleep announces it
 * (`sleepers`, `caller_waits`) under the mutex and then rechecks the
 * condition; the other side changes the condition first and then reads the
 * announcement.  Both are sequentially consistent, so at least one of the two
 * sees the other's write: either the sleeper sees the new state and does not
 * sleep, or the waker sees the announcement, takes the mutex (which the
 * sleeper holds until it waits) and signals. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define SPINS 1000 /* ~40-50 µs of polling (a pause is ~40 ns on this machine) before a thread sleeps */

typedef struct worker {
    tc_pool *p;
    int id;
    pthread_t th;
} worker;

struct tc_pool {
    int n;     /* threads, the caller included */
    worker *w; /* (n - 1) started threads */
    int started;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_uint gen;
    atomic_int pending;
    atomic_int quit;
    atomic_int sleepers;     /* workers waiting on `go` (or about to) */
    atomic_int caller_waits; /* the caller waits on `done` (or is about to) */
    tc_pool_fn fn;
    void *ctx;
    int ntasks;
};

int tc_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/* A hint to the core that this is a spin loop (frees the pipeline for a
 * sibling hyperthread and saves power). */
static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void run_share(tc_pool *p, int id)
{
    for (int i = id; i < p->ntasks; i += p->n)
        p->fn(p->ctx, i);
}

/* Waits until gen differs from seen or the pool quits. */
static void wait_job(tc_pool *p, unsigned seen)
{
    for (int s = 0; s < SPINS; s++) {
        if (atomic_load(&p->gen) != seen || atomic_load(&p->quit))
            return;
        relax();
    }
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    while (atomic_load(&p->gen) == seen && !atomic_load(&p->quit))
        pthread_cond_wait(&p->go, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    tc_pool *p = w->p;
    unsigned seen = 0;
    for (;;) {
        wait_job(p, seen);
        if (atomic_load(&p->quit))
            return NULL;
        seen = atomic_load(&p->gen);
        run_share(p, w->id);
        if (atomic_fetch_sub(&p->pending, 1) == 1 && atomic_load(&p->caller_waits)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_broadcast(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

tc_pool *tc_pool_new(int threads, tc_err *err)
{
    tc_pool *p = calloc(1, sizeof *p);
    if (!p) {
        tc_err_oom(err, "thread pool");
        return NULL;
    }
    p->n = threads < 1 ? 1 : threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->gen, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->quit, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->caller_waits, 0);
    if (p->n > 1 && !(p->w = calloc((size_t)p->n - 1, sizeof *p->w))) {
        tc_pool_free(p);
        tc_err_oom(err, "thread pool");
        return NULL;
    }
    for (int i = 1; i < p->n; i++) {
        worker *w = &p->w[i - 1];
        w->p = p, w->id = i;
        if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
            tc_pool_free(p);
            tc_err_set(err, "cannot start thread %d of %d", i + 1, threads);
            return NULL;
        }
        p->started++;
    }
    return p;
}

void tc_pool_free(tc_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->quit, 1);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->w[i].th, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    free(p->w);
    free(p);
}

int tc_pool_threads(const tc_pool *p)
{
    return p->n;
}

void tc_pool_run(tc_pool *p, int ntasks, tc_pool_fn fn, void *ctx)
{
    if (p->n == 1 || ntasks <= 1) {
        for (int i = 0; i < ntasks; i++)
            fn(ctx, i);
        return;
    }
    p->fn = fn, p->ctx = ctx, p->ntasks = ntasks;
    atomic_store(&p->pending, p->n - 1);
    atomic_fetch_add(&p->gen, 1);
    if (atomic_load(&p->sleepers)) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
    }
    run_share(p, 0);
    for (int s = 0; s < SPINS && atomic_load(&p->pending) > 0; s++)
        relax();
    if (atomic_load(&p->pending) > 0) {
        pthread_mutex_lock(&p->mu);
        atomic_store(&p->caller_waits, 1);
        while (atomic_load(&p->pending) > 0)
            pthread_cond_wait(&p->done, &p->mu);
        atomic_store(&p->caller_waits, 0);
        pthread_mutex_unlock(&p->mu);
    }
}
