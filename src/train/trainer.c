/* trainer.c — see trainer.h.
 *
 * The loop keeps one invariant that makes resuming exact: pos == 0 means the
 * next epoch's row order has not been drawn yet, pos > 0 that order[] is the
 * current epoch's and rows order[0 .. pos) are done.  *stop is honoured only
 * at those two kinds of points (before drawing, between batches), where the
 * gradients are all zero and nothing is half-applied. */
#include "trainer.h"

#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/optim.h"
#include "predict/infer.h"
#include "train/batch.h"
#include "train/schedule.h"
#include "util/bytes.h"
#include "util/pool.h"
#include "util/strtab.h"

#define STATE_VERSION 2 /* 1: the epoch logs without val_micro_f1 (read too) */

/* One shard of a batch: rows [lo, lo + nb) of it, computed by a replica of
 * the model with its own activations and gradients. */
typedef struct tc_shard {
    tc_model *r;
    tc_batch batch;
    float *bw; /* (rows) the shard's row weights */
    int lo, nb;
    const uint32_t *rows; /* embedding rows the shard touched (in r's activations) */
    size_t nrows;
    uint32_t *midx;          /* (rows·T) where each of them is in the batch's merged rows */
    double loss, correct;    /* mean loss, correct predictions */
    double hw_loss, hw_rows; /* train.hogwild: this thread's sums over the epoch */
    int hw_bad;              /* train.hogwild: a non-finite loss */
} tc_shard;

struct tc_trainer {
    tc_model *m;
    const tc_config *cfg;
    const tc_corpus *train, *valid;
    const float *row_w; /* (n) or NULL */
    uint32_t n;
    int B, T, epochs;
    uint64_t steps_per_epoch, fingerprint;
    tc_schedule sched;
    int S;        /* shards per batch */
    tc_shard *sh; /* (S), or one per thread with train.hogwild */
    int nsh;
    int s0, s1;                  /* the shards this process computes: [s0, s1) */
    tc_shard_out *out;           /* (S) every shard's results, this process's and (dist) the others' */
    const tc_dist *dist;         /* NULL: one process */
    volatile sig_atomic_t *stop; /* tc_train_opts.stop of the current run */
    int agreed_stop;             /* dist: the last exchange said some process wants to stop */
    /* train.hogwild: batches of the epoch handed out (alone on its cache
     * line: every step of every thread increments it, and the fields around
     * it are read every step), the epoch's first step, the stop flag the
     * threads watch */
    char hw_pad0[64];
    atomic_uint_fast64_t hw_next;
    char hw_pad1[64];
    uint64_t hw_step0;
    volatile sig_atomic_t *hw_stop;
    tc_pool *pool;
    uint32_t *merged; /* (min(B·T, V)) rows the whole batch touched */
    float *gm;        /* (min(B·T, V), D) their summed gradients, packed like merged */
    uint32_t *mslot;  /* (V) 1 + a row's index in merged; all zero between steps */
    size_t nmerged;
    /* the step being taken: learning rate, gradient scale (clipping), Adam's t,
     * and per chunk of rows its Σg² and whether its new weights are finite */
    float lr_now, g_now;
    uint64_t at_now;
    double *chunk_ss; /* (S) */
    int *chunk_bad;   /* (S) */
    int nb;           /* rows in the current batch */
    /* ---- the resumable state ---- */
    tc_rng rng;
    uint64_t step;                            /* optimizer steps done */
    int epoch;                                /* epochs completed */
    uint32_t pos;                             /* rows of the current epoch done */
    double loss_sum, correct, denom, seconds; /* the current epoch so far */
    uint32_t *order;                          /* (n) */
    float *m1, *m2;                           /* (nparams) Adam moments, NULL for SGD */
    tc_stopper stopper;
    int finished;   /* early stopping fired */
    float *best;    /* (nparams) with output.save_best */
    int best_epoch; /* whose weights `best` holds; 0 = none */
    float *thr;     /* (nlabels) train.tune_thresholds: the last validation's thresholds */
    int thr_epoch;  /* the epoch they are from; 0 = none yet */
    tc_epoch_log *hist;
    int nhist, cap_hist;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

float tc_train_lr(const tc_config *cfg)
{
    if (cfg->train.lr > 0)
        return cfg->train.lr;
    return cfg->train.optimizer == TC_OPT_ADAM ? 0.001f : 0.01f;
}

/* ---- setup ------------------------------------------------------------- */

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    return (h ^ tc_hash_bytes(p, n)) * 0x100000001b3ULL;
}

/* Identifies the data a state was made on: token ids and labels of both corpora. */
static uint64_t fingerprint(const tc_corpus *a, const tc_corpus *b)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const tc_corpus *cs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        const tc_corpus *c = cs[k];
        uint64_t n = c ? c->n : 0;
        h = mix(h, &n, sizeof n);
        if (!n)
            continue;
        h = mix(h, c->tok_off, (size_t)(n + 1) * sizeof *c->tok_off);
        h = mix(h, c->ids, (size_t)c->tok_off[n] * sizeof *c->ids);
        h = mix(h, c->lab_off, (size_t)(n + 1) * sizeof *c->lab_off);
        h = mix(h, c->labels, (size_t)c->lab_off[n] * sizeof *c->labels);
    }
    return h;
}

/* The shards (a replica, a batch buffer and row weights each, sized for
 * ceil(B/S) rows) and the threads that run them. */
static int make_shards(tc_trainer *t, tc_err *err)
{
    const tc_config *cfg = t->cfg;
    /* 0 = chosen here.  An average-pool step is microseconds of work, less
     * than handing a shard to another core costs (scripts/bench_parallel.sh:
     * 2 threads ran sst2 at 0.94x and a 10M-row epoch at 0.64x of one), so it
     * runs on one thread; an LSTM step (1.9x on 2 threads) and hogwild, which
     * never waits for a hand-over, use every core.  The bytes are the same. */
    int threads = (int)cfg->train.threads;
    if (threads <= 0)
        threads = cfg->model.encoder == TC_ENC_LSTM || cfg->train.hogwild ? tc_cores() : 1;
    t->S = (int)(cfg->train.shards < t->B ? cfg->train.shards : t->B);
    t->nsh = cfg->train.hogwild ? threads : t->S;
    int rows = cfg->train.hogwild ? t->B : (t->B + t->S - 1) / t->S;
    size_t V = (size_t)t->m->s.V, cap = (size_t)t->B * (size_t)t->T;
    t->sh = calloc((size_t)t->nsh, sizeof *t->sh);
    t->out = calloc((size_t)t->S, sizeof *t->out);
    t->s0 = 0, t->s1 = t->S;
    t->merged = malloc((cap < V ? cap : V) * sizeof *t->merged);
    t->mslot = calloc(V, sizeof *t->mslot);
    t->gm = malloc((cap < V ? cap : V) * (size_t)t->m->s.D * sizeof *t->gm);
    t->chunk_ss = calloc((size_t)t->S, sizeof *t->chunk_ss);
    t->chunk_bad = calloc((size_t)t->S, sizeof *t->chunk_bad);
    if (!t->sh || !t->out || !t->merged || !t->gm || !t->mslot || !t->chunk_ss || !t->chunk_bad)
        return tc_err_oom(err, "shards");
    for (int s = 0; s < t->nsh; s++) {
        tc_shard *h = &t->sh[s];
        if (!(h->r = tc_model_replica(t->m, err)) || tc_model_reserve(h->r, rows, t->T, err) < 0 ||
            tc_batch_init(&h->batch, rows, t->T, t->m->s.outputs, err) < 0)
            return -1;
        h->midx = malloc((size_t)rows * (size_t)t->T * sizeof *h->midx);
        if (!(h->bw = malloc((size_t)rows * sizeof *h->bw)) || !h->midx)
            return tc_err_oom(err, "shards");
    }
    t->pool = tc_pool_new(threads < t->nsh ? threads : t->nsh, err);
    return t->pool ? 0 : -1;
}

tc_trainer *tc_trainer_new(tc_model *m, const tc_config *cfg, const tc_corpus *train, const tc_corpus *valid,
                           const float *row_w, const tc_rng *rng, tc_err *err)
{
    if (train->n == 0) {
        tc_err_set(err, "%s: no training rows", cfg->data.train);
        return NULL;
    }
    if (train->n > UINT32_MAX) {
        tc_err_set(err, "%s: more than %u training rows", cfg->data.train, UINT32_MAX);
        return NULL;
    }
    tc_trainer *t = calloc(1, sizeof *t);
    if (!t) {
        tc_err_oom(err, "trainer");
        return NULL;
    }
    t->m = m, t->cfg = cfg, t->train = train, t->valid = valid && valid->n ? valid : NULL, t->row_w = row_w;
    t->n = (uint32_t)train->n;
    t->B = (int)cfg->train.batch_size, t->T = (int)cfg->pad.maxlen, t->epochs = (int)cfg->train.epochs;
    t->steps_per_epoch = (t->n + (uint64_t)t->B - 1) / (uint64_t)t->B;
    t->fingerprint = fingerprint(train, t->valid);
    tc_schedule_init(&t->sched, cfg, t->steps_per_epoch, (uint64_t)t->epochs);
    tc_stopper_init(&t->stopper, cfg->train.early_stopping.monitor, cfg->train.early_stopping.min_delta,
                    cfg->train.early_stopping.patience);
    t->rng = *rng;
    t->order = malloc((size_t)t->n * sizeof *t->order);
    int bad = !t->order;
    if (cfg->train.optimizer == TC_OPT_ADAM) {
        t->m1 = calloc(m->nparams, sizeof(float));
        t->m2 = calloc(m->nparams, sizeof(float));
        bad |= !t->m1 || !t->m2;
    }
    if (cfg->output.save_best) {
        t->best = malloc(m->nparams * sizeof(float));
        bad |= !t->best;
    }
    if (cfg->train.tune_thresholds && m->s.multilabel && t->valid) {
        t->thr = malloc((size_t)m->s.nlabels * sizeof *t->thr);
        bad |= !t->thr;
    }
    if (bad) {
        tc_trainer_free(t);
        tc_err_oom(err, "optimizer state");
        return NULL;
    }
    if (make_shards(t, err) < 0) {
        tc_trainer_free(t);
        return NULL;
    }
    for (uint32_t i = 0; i < t->n; i++)
        t->order[i] = i;
    return t;
}

void tc_trainer_free(tc_trainer *t)
{
    if (!t)
        return;
    for (int s = 0; t->sh && s < t->nsh; s++) {
        tc_model_free(t->sh[s].r);
        tc_batch_free(&t->sh[s].batch);
        free(t->sh[s].bw), free(t->sh[s].midx);
    }
    tc_pool_free(t->pool);
    free(t->sh), free(t->out), free(t->merged), free(t->gm), free(t->mslot), free(t->chunk_ss), free(t->chunk_bad);
    free(t->order), free(t->m1), free(t->m2), free(t->best), free(t->thr), free(t->hist);
    free(t);
}

const tc_epoch_log *tc_trainer_history(const tc_trainer *t, int *n)
{
    *n = t->nhist;
    return t->hist;
}

int tc_trainer_done(const tc_trainer *t)
{
    return t->finished || t->epoch >= t->epochs;
}

void tc_trainer_position(const tc_trainer *t, int *epoch, uint64_t *rows_done)
{
    *epoch = t->epoch;
    *rows_done = t->pos;
}

const float *tc_trainer_thresholds(const tc_trainer *t)
{
    return t->thr && t->thr_epoch && t->thr_epoch == t->epoch ? t->thr : NULL;
}

int tc_trainer_best_epoch(const tc_trainer *t)
{
    return t->best ? t->best_epoch : 0;
}

void tc_trainer_use_best(tc_trainer *t)
{
    if (t->best && t->best_epoch)
        memcpy(t->m->params, t->best, t->m->nparams * sizeof(float));
}

/* ---- one step ---------------------------------------------------------- */

/* Correct predictions in a batch: argmax for single-label heads; for
 * multi-label heads, the number of labels decided right (Keras' binary accuracy). */
static double batch_correct(const tc_model *m, const tc_batch *b, const float *probs, float threshold)
{
    const tc_model_spec *s = &m->s;
    double correct = 0;
    for (int i = 0; i < b->B; i++) {
        const float *p = probs + (size_t)i * (size_t)s->outputs;
        if (s->multilabel) {
            const float *t = b->targets + (size_t)i * (size_t)s->outputs;
            for (int j = 0; j < s->outputs; j++)
                correct += (p[j] >= threshold) == (t[j] > 0.5f);
        } else if (s->outputs == 1) {
            correct += (p[0] >= 0.5f) == (b->labels[i] == 1);
        } else {
            int best = 0;
            for (int j = 1; j < s->outputs; j++)
                if (p[j] > p[best])
                    best = j;
            correct += best == b->labels[i];
        }
    }
    return correct;
}

/* Decoupled weight decay w ← w·(1 − lr·wd) on every kernel (not the biases)
 * and on the embedding rows being updated (lazily, like the update itself). */
static void decay_kernels(tc_model *m, float keep)
{
    for (int k = 0; k < m->ntensors; k++) {
        const tc_tensor *x = &m->tensors[k];
        if (x->role == TC_ROLE_KERNEL)
            tc_scale(m->params + x->off, x->n, keep);
    }
}

static void decay(tc_model *m, float keep, const uint32_t *rows, size_t nrows)
{
    decay_kernels(m, keep);
    for (size_t i = 0; i < nrows; i++)
        tc_scale(m->params + (size_t)rows[i] * (size_t)m->s.D, (size_t)m->s.D, keep);
}

/* 1 if every value of x (n) is finite: x * 0 is 0 for finite x and NaN for
 * Inf or NaN, and the loop vectorizes. */
static int all_finite(const float *x, size_t n)
{
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++)
        acc += x[i] * 0.0f;
    return acc == 0.0f;
}

/* Elements [lo, hi) of the dense tail's part of optimizer step `at`
 * (learning rate lr, gradient scale g from clipping): decay (on the kernels'
 * elements among them), update, then clear their gradient.  Every operation
 * is elementwise, so cutting the tail into chunks (and running them on any
 * threads) gives the same bytes as one pass; returns 1 if the new weights
 * are all finite. */
static int step_tail(tc_trainer *t, float lr, float g, uint64_t at, size_t lo, size_t hi)
{
    tc_model *m = t->m;
    const tc_config *cfg = t->cfg;
    size_t tail = tc_model_tail(m), n = hi - lo;
    float *gT = m->gtail + lo, *p = m->params + tail + lo;
    if (n == 0)
        return 1;
    if (g != 1.0f)
        tc_scale(gT, n, g);
    if (cfg->train.weight_decay > 0)
        for (int k = 0; k < m->ntensors; k++) {
            const tc_tensor *x = &m->tensors[k];
            size_t a = x->off > tail + lo ? x->off : tail + lo;
            size_t b = x->off + x->n < tail + hi ? x->off + x->n : tail + hi;
            if (x->role == TC_ROLE_KERNEL && a < b)
                tc_scale(m->params + a, b - a, 1.0f - lr * cfg->train.weight_decay);
        }
    if (cfg->train.optimizer == TC_OPT_ADAM)
        tc_adam_step(p, gT, t->m1 + tail + lo, t->m2 + tail + lo, n, lr, cfg->train.beta1, cfg->train.beta2,
                     cfg->train.epsilon, at);
    else
        tc_sgd_step(p, gT, n, lr);
    memset(gT, 0, n * sizeof *gT);
    return all_finite(p, n);
}

/* The embedding's part for rows[0..n), whose gradients are gr (n, D)
 * packed: decay and update (unless frozen), lazily as Keras' sparse
 * updates are. */
static void step_rows(tc_trainer *t, float lr, float g, uint64_t at, const uint32_t *rows, float *gr, size_t n)
{
    tc_model *m = t->m;
    const tc_config *cfg = t->cfg;
    size_t D = (size_t)m->s.D;
    if (cfg->model.freeze_embedding)
        return;
    if (g != 1.0f)
        tc_scale(gr, n * D, g);
    if (cfg->train.weight_decay > 0)
        for (size_t i = 0; i < n; i++)
            tc_scale(m->params + (size_t)rows[i] * D, D, 1.0f - lr * cfg->train.weight_decay);
    if (cfg->train.optimizer == TC_OPT_ADAM)
        tc_adam_step_rows(m->params, gr, t->m1, t->m2, rows, n, (int)D, lr, cfg->train.beta1, cfg->train.beta2,
                          cfg->train.epsilon, at);
    else
        tc_sgd_step_rows(m->params, gr, rows, n, (int)D, lr);
}

/* The dropout generator of shard s at the current step: derived from the
 * seed, the step and the shard alone, so it is the same whichever thread
 * (or, resumed, whichever run) computes the shard. */
static void shard_rng(const tc_trainer *t, int s, tc_rng *r)
{
    uint64_t key[3] = {t->cfg->train.seed, t->step, (uint64_t)s};
    tc_rng_seed(r, tc_hash_bytes(key, sizeof key));
}

int tc_trainer_set_dist(tc_trainer *t, const tc_dist *d, tc_err *err)
{
    if (d && d->procs > 1 && t->cfg->train.hogwild)
        return tc_err_set(err, "train.hogwild runs in one process; it cannot be combined with several (mpirun)");
    if (d && d->procs > t->S)
        return tc_err_set(err,
                          "%d processes but only %d shards per batch: set train.shards to at least %d "
                          "(a multiple of it spreads the work evenly)",
                          d->procs, t->S, d->procs);
    t->dist = d && d->procs > 1 ? d : NULL;
    t->s0 = 0, t->s1 = t->S;
    if (t->dist) { /* a contiguous block of shards per process */
        while (tc_dist_owner(t->s0, t->S, d->procs) < d->rank)
            t->s0++;
        t->s1 = t->s0;
        while (t->s1 < t->S && tc_dist_owner(t->s1, t->S, d->procs) == d->rank)
            t->s1++;
    }
    return 0;
}

/* Forward and backward of this process's k-th shard of the current batch (a pool task). */
static void shard_task(void *ctx, int k)
{
    tc_trainer *t = ctx;
    int s = t->s0 + k;
    tc_shard *h = &t->sh[s];
    if (h->nb == 0)
        return;
    tc_model *r = h->r;
    const uint32_t *rows = t->order + t->pos + h->lo;
    tc_batch *b = &h->batch;
    tc_batch_fill(b, t->train, rows, h->nb, t->cfg, &r->s);
    if (t->row_w)
        for (int i = 0; i < h->nb; i++)
            h->bw[i] = t->row_w[rows[i]];
    tc_rng rng;
    shard_rng(t, s, &rng);
    const float *probs = tc_model_forward(r, b->ids, h->nb, b->T, 1, &rng);
    h->correct = batch_correct(r, b, probs, t->cfg->model.threshold);
    memset(r->gtail, 0, (r->nparams - tc_model_tail(r)) * sizeof *r->gtail);
    h->loss = tc_model_loss_backward(r, b->ids, h->nb, b->T, b->labels, b->targets, t->row_w ? h->bw : NULL,
                                     (float)h->nb / (float)t->nb, 1, &h->rows, &h->nrows);
}

/* [lo, hi) of chunk c when n items are cut into S chunks. */
static void chunk(size_t n, int c, int S, size_t *lo, size_t *hi)
{
    *lo = n * (size_t)c / (size_t)S;
    *hi = n * (size_t)(c + 1) / (size_t)S;
}

/* The union of the rows the shards touched, in order of first use, into
 * merged, and each shard row's place in it (midx).  Bookkeeping only; the
 * gradients are added by reduce_task. */
static void merge_rows(tc_trainer *t)
{
    size_t n = 0;
    for (int s = 0; s < t->S; s++) {
        const tc_shard_out *h = &t->out[s];
        for (size_t k = 0; h->nb && k < h->nrows; k++) {
            uint32_t row = h->rows[k];
            if (!t->mslot[row]) {
                t->merged[n++] = row;
                t->mslot[row] = (uint32_t)n;
            }
            t->sh[s].midx[k] = t->mslot[row] - 1;
        }
    }
    for (size_t i = 0; i < n; i++)
        t->mslot[t->merged[i]] = 0;
    t->nmerged = n;
}

/* Chunk c of the step (a pool task): chunk c of the merged rows and of the
 * dense tail, and whether their new weights are finite. */
static void update_task(void *ctx, int c)
{
    tc_trainer *t = ctx;
    size_t lo, hi, D = (size_t)t->m->s.D;
    chunk(t->nmerged, c, t->S, &lo, &hi);
    step_rows(t, t->lr_now, t->g_now, t->at_now, t->merged + lo, t->gm + lo * D, hi - lo);
    int bad = 0;
    for (size_t i = lo; i < hi; i++)
        bad |= !all_finite(t->m->params + (size_t)t->merged[i] * D, D);
    chunk(t->m->nparams - tc_model_tail(t->m), c, t->S, &lo, &hi);
    bad |= !step_tail(t, t->lr_now, t->g_now, t->at_now, lo, hi);
    t->chunk_bad[c] = bad;
}

/* Chunk c of S of the gradient (a pool task): the shards' dense-tail
 * gradients summed in shard order into the model's gtail (zero between
 * steps), and their gradients of the merged rows in chunk c into gm; with
 * clipping, the chunk's Σg².  The chunks are fixed by S, not by threads. */
static void reduce_task(void *ctx, int c)
{
    tc_trainer *t = ctx;
    tc_model *m = t->m;
    size_t ntail = m->nparams - tc_model_tail(m), D = (size_t)m->s.D, lo, hi, rlo, rhi;
    chunk(ntail, c, t->S, &lo, &hi);
    chunk(t->nmerged, c, t->S, &rlo, &rhi);
    float *g = m->gtail;
    memset(t->gm + rlo * D, 0, (rhi - rlo) * D * sizeof *t->gm);
    for (int s = 0; s < t->S; s++) {
        const tc_shard_out *h = &t->out[s];
        if (!h->nb)
            continue;
        for (size_t i = lo; i < hi; i++)
            g[i] += h->gtail[i];
        const uint32_t *midx = t->sh[s].midx;
        for (size_t k = 0; k < h->nrows; k++) {
            if (midx[k] < rlo || midx[k] >= rhi)
                continue;
            float *ge = t->gm + (size_t)midx[k] * D;
            const float *x = h->grows + k * D;
            for (size_t j = 0; j < D; j++)
                ge[j] += x[j];
        }
    }
    if (t->cfg->train.clipnorm > 0) {
        double ss = tc_sum_squares(g + lo, hi - lo);
        if (!t->cfg->model.freeze_embedding)
            ss += tc_sum_squares(t->gm + rlo * D, (rhi - rlo) * D);
        t->chunk_ss[c] = ss;
    } else { /* no global norm to wait for: this chunk's rows can be updated at once */
        update_task(t, c);
    }
}

/* One optimizer step from the shards' results: reduce, clip, update. */
static int apply_step(tc_trainer *t, tc_err *err)
{
    merge_rows(t);
    t->g_now = 1.0f;
    t->lr_now = tc_schedule_lr(&t->sched, t->step);
    t->at_now = ++t->step;
    tc_pool_run(t->pool, t->S, reduce_task, t); /* without clipping, this also takes the step */
    if (t->cfg->train.clipnorm > 0) {
        double ss = 0;
        for (int c = 0; c < t->S; c++)
            ss += t->chunk_ss[c];
        double norm = sqrt(ss);
        if (norm > t->cfg->train.clipnorm)
            t->g_now = (float)(t->cfg->train.clipnorm / norm);
        tc_pool_run(t->pool, t->S, update_task, t);
    }
    int bad = 0;
    for (int c = 0; c < t->S; c++)
        bad |= t->chunk_bad[c];
    if (bad)
        return tc_err_set(err,
                          "training diverged in epoch %d (non-finite weights after step %llu); lower train.lr "
                          "or set train.clipnorm",
                          t->epoch + 1, (unsigned long long)t->step);
    return 0;
}

/* Trains on the next batch of the current epoch; *loss receives its mean
 * loss.  The batch's rows are split into S shards by position alone (shard s
 * gets rows [nb·s/S, nb·(s+1)/S)), so every shard sees the same rows and
 * shapes, and every sum below runs in the same order, for any thread count. */
static int train_batch(tc_trainer *t, double *loss, tc_err *err)
{
    tc_model *m = t->m;
    t->nb = t->n - t->pos < (uint32_t)t->B ? (int)(t->n - t->pos) : t->B;
    for (int s = 0; s < t->S; s++) {
        t->sh[s].lo = (int)((int64_t)t->nb * s / t->S);
        t->sh[s].nb = (int)((int64_t)t->nb * (s + 1) / t->S) - t->sh[s].lo;
    }
    tc_pool_run(t->pool, t->s1 - t->s0, shard_task, t);
    for (int s = 0; s < t->S; s++) {
        tc_shard *h = &t->sh[s];
        tc_shard_out *o = &t->out[s];
        int mine = s >= t->s0 && s < t->s1;
        *o = (tc_shard_out){.nb = h->nb, .gtail = h->r->gtail};
        if (mine && h->nb)
            o->loss = h->loss, o->correct = h->correct, o->nrows = h->nrows, o->rows = h->rows,
            o->grows = tc_model_row_grads(h->r);
    }
    if (t->dist) {
        t->agreed_stop = t->stop && *t->stop;
        if (t->dist->exchange(t->dist->ctx, t->out, t->S, m->s.D, m->nparams - tc_model_tail(m), &t->agreed_stop, err) <
            0)
            return -1;
    }
    double sum = 0;
    for (int s = 0; s < t->S; s++)
        if (t->out[s].nb) {
            sum += t->out[s].loss * t->out[s].nb;
            t->correct += t->out[s].correct;
        }
    *loss = sum / t->nb;
    if (!isfinite(*loss))
        return tc_err_set(err,
                          "training diverged in epoch %d (loss is %g at step %llu); lower train.lr or set "
                          "train.clipnorm",
                          t->epoch + 1, *loss, (unsigned long long)t->step + 1);
    if (apply_step(t, err) < 0)
        return -1;
    t->loss_sum += sum;
    t->denom += t->nb;
    t->pos += (uint32_t)t->nb;
    return 0;
}

static int params_finite(const tc_model *m)
{
    for (size_t i = tc_model_tail(m); i < m->nparams; i++)
        if (!isfinite(m->params[i]))
            return 0;
    return 1;
}

/* ---- train.hogwild ------------------------------------------------------
 * fastText's scheme: every thread takes the next batch of the epoch (one
 * shared counter), computes it whole with its own replica and applies its
 * step to the shared weights at once, without locks.  Threads overwrite each
 * other's updates now and then, so the bytes depend on timing; with one
 * example per step and sparse rows that costs little accuracy.  Batches are
 * handed out in order and each one taken is finished, so after a stop the
 * rows done are still a prefix of the epoch's order (resume works, though
 * not bit-identically). */

/* Applies one thread's gradients (replica r: gtail and the compact rows) to
 * the shared weights: clipping, decay and the step, as step() does. */
static void hog_step(tc_trainer *t, tc_model *r, float lr, uint64_t at, const uint32_t *rows, size_t nrows)
{
    tc_model *m = t->m;
    const tc_config *cfg = t->cfg;
    size_t tail = tc_model_tail(m), ntail = m->nparams - tail, D = (size_t)m->s.D;
    size_t nupd = cfg->model.freeze_embedding ? 0 : nrows;
    float *gl = (float *)tc_model_row_grads(r);
    if (cfg->train.clipnorm > 0) {
        double ss = tc_sum_squares(r->gtail, ntail) + tc_sum_squares(gl, nupd * D), norm = sqrt(ss);
        if (norm > cfg->train.clipnorm) {
            tc_scale(r->gtail, ntail, (float)(cfg->train.clipnorm / norm));
            tc_scale(gl, nupd * D, (float)(cfg->train.clipnorm / norm));
        }
    }
    if (cfg->train.weight_decay > 0)
        decay(m, 1.0f - lr * cfg->train.weight_decay, rows, nupd);
    if (cfg->train.optimizer == TC_OPT_ADAM) {
        float b1 = cfg->train.beta1, b2 = cfg->train.beta2, eps = cfg->train.epsilon;
        tc_adam_step(m->params + tail, r->gtail, t->m1 + tail, t->m2 + tail, ntail, lr, b1, b2, eps, at);
        tc_adam_step_rows(m->params, gl, t->m1, t->m2, rows, nupd, (int)D, lr, b1, b2, eps, at);
    } else {
        tc_sgd_step(m->params + tail, r->gtail, ntail, lr);
        tc_sgd_step_rows(m->params, gl, rows, nupd, (int)D, lr);
    }
}

/* One thread's share of a lock-free epoch (a pool task).  Its sums stay in
 * locals until it ends: the shards sit side by side in one array, and
 * writing them every step would bounce cache lines between the threads. */
static void hog_task(void *ctx, int w)
{
    tc_trainer *t = ctx;
    tc_shard *h = &t->sh[w];
    tc_model *r = h->r;
    uint64_t nbatches = t->steps_per_epoch, first = t->pos / (uint32_t)t->B;
    double sum_loss = 0, sum_rows = 0, correct = 0;
    int bad = 0;
    for (;;) {
        if (bad || (t->hw_stop && *t->hw_stop))
            break;
        uint64_t j = atomic_fetch_add(&t->hw_next, 1);
        if (first + j >= nbatches)
            break;
        uint64_t lo = (first + j) * (uint64_t)t->B;
        int nb = t->n - lo < (uint64_t)t->B ? (int)(t->n - lo) : t->B;
        const uint32_t *rows = t->order + lo;
        tc_batch *b = &h->batch;
        tc_batch_fill(b, t->train, rows, nb, t->cfg, &r->s);
        if (t->row_w)
            for (int i = 0; i < nb; i++)
                h->bw[i] = t->row_w[rows[i]];
        uint64_t step = t->hw_step0 + j;
        uint64_t key[3] = {t->cfg->train.seed, step, 0};
        tc_rng rng;
        tc_rng_seed(&rng, tc_hash_bytes(key, sizeof key));
        const float *probs = tc_model_forward(r, b->ids, nb, b->T, 1, &rng);
        correct += batch_correct(r, b, probs, t->cfg->model.threshold);
        memset(r->gtail, 0, (r->nparams - tc_model_tail(r)) * sizeof *r->gtail);
        const uint32_t *touched;
        size_t ntouched;
        double loss = tc_model_loss_backward(r, b->ids, nb, b->T, b->labels, b->targets, t->row_w ? h->bw : NULL, 1.0f,
                                             1, &touched, &ntouched);
        if (!isfinite(loss)) {
            bad = 1;
            break;
        }
        sum_loss += loss * nb;
        sum_rows += nb;
        hog_step(t, r, tc_schedule_lr(&t->sched, step), step + 1, touched, ntouched);
    }
    h->hw_loss = sum_loss, h->hw_rows = sum_rows, h->correct = correct, h->hw_bad = bad;
}

/* The rest of the current epoch, lock-free; stops early on *stop. */
static int hog_epoch(tc_trainer *t, volatile sig_atomic_t *stop, tc_err *err)
{
    atomic_store(&t->hw_next, 0);
    t->hw_step0 = t->step;
    t->hw_stop = stop;
    for (int w = 0; w < t->nsh; w++)
        t->sh[w].hw_loss = t->sh[w].hw_rows = t->sh[w].correct = 0, t->sh[w].hw_bad = 0;
    tc_pool_run(t->pool, t->nsh, hog_task, t);
    uint64_t taken = atomic_load(&t->hw_next), left = t->steps_per_epoch - t->pos / (uint32_t)t->B;
    uint64_t done = taken < left ? taken : left;
    int bad = 0;
    for (int w = 0; w < t->nsh; w++) {
        t->loss_sum += t->sh[w].hw_loss;
        t->denom += t->sh[w].hw_rows;
        t->correct += t->sh[w].correct;
        bad |= t->sh[w].hw_bad;
    }
    t->step += done;
    uint64_t pos = (uint64_t)t->pos + done * (uint64_t)t->B;
    t->pos = pos > t->n ? t->n : (uint32_t)pos;
    if (bad || !params_finite(t->m))
        return tc_err_set(err,
                          "training diverged in epoch %d (lock-free, near step %llu); lower train.lr or set "
                          "train.clipnorm",
                          t->epoch + 1, (unsigned long long)t->step);
    return 0;
}

/* ---- epochs ------------------------------------------------------------ */

static int push_history(tc_trainer *t, const tc_epoch_log *e, tc_err *err)
{
    if (t->nhist == t->cap_hist) {
        int nc = t->cap_hist ? 2 * t->cap_hist : 16;
        tc_epoch_log *p = realloc(t->hist, (size_t)nc * sizeof *p);
        if (!p)
            return tc_err_oom(err, "history");
        t->hist = p;
        t->cap_hist = nc;
    }
    t->hist[t->nhist++] = *e;
    return 0;
}

/* Validation, early stopping and the best weights for the epoch just trained. */
static int validate(tc_trainer *t, tc_epoch_log *e, tc_err *err)
{
    tc_eval_result vr;
    if (tc_evaluate(t->m, t->cfg, t->valid, NULL, t->thr, &vr, err) < 0)
        return -1;
    t->thr_epoch = t->thr ? e->epoch : 0;
    e->has_val = 1;
    e->val_loss = vr.loss, e->val_accuracy = vr.accuracy, e->val_macro_f1 = vr.macro_f1;
    e->val_micro_f1 = vr.micro_f1;
    tc_eval_result_free(&vr);
    enum tc_monitor mon = t->cfg->train.early_stopping.monitor;
    double v = mon == TC_MON_VAL_LOSS ? e->val_loss
        : mon == TC_MON_VAL_ACCURACY  ? e->val_accuracy
        : mon == TC_MON_VAL_MACRO_F1  ? e->val_macro_f1
                                      : e->val_micro_f1;
    int stop;
    e->best = tc_stopper_update(&t->stopper, e->epoch, v, &stop);
    if (e->best && t->best) {
        memcpy(t->best, t->m->params, t->m->nparams * sizeof(float));
        t->best_epoch = e->epoch;
    }
    if (stop && e->epoch < t->epochs)
        t->finished = 1;
    return 0;
}

static int end_epoch(tc_trainer *t, const tc_train_opts *o, tc_err *err)
{
    if (!params_finite(t->m))
        return tc_err_set(err, "training diverged in epoch %d (non-finite weights); lower train.lr", t->epoch + 1);
    tc_epoch_log e;
    memset(&e, 0, sizeof e);
    e.epoch = t->epoch + 1;
    e.lr = tc_schedule_lr(&t->sched, t->step ? t->step - 1 : 0);
    e.loss = t->loss_sum / t->denom;
    e.accuracy = t->correct / (t->denom * (t->m->s.multilabel ? t->m->s.outputs : 1));
    e.seconds = t->seconds;
    e.rows_per_s = t->denom / (t->seconds > 0 ? t->seconds : 1e-9);
    e.val_loss = e.val_accuracy = e.val_macro_f1 = e.val_micro_f1 = NAN;
    if (t->valid && validate(t, &e, err) < 0)
        return -1;
    if (push_history(t, &e, err) < 0)
        return -1;
    t->epoch++;
    t->pos = 0;
    if (o->progress)
        tc_progress_epoch_end(o->progress, &e);
    if (o->progress && t->finished) {
        static const char *const names[] = {"val_loss", "val_accuracy", "val_macro_f1", "val_micro_f1"};
        tc_progress_note(o->progress, "early stopping: %s has not improved for %lld epochs (best %.4f, epoch %d)",
                         names[t->cfg->train.early_stopping.monitor], (long long)t->stopper.patience, t->stopper.best,
                         t->stopper.best_epoch);
    }
    return o->on_epoch ? o->on_epoch(o->ctx, t, &e, err) : 0;
}

/* Draws the row order of the next epoch and clears its sums. */
static int begin_epoch(tc_trainer *t, tc_err *err)
{
    if (t->cfg->train.shuffle) {
        tc_rng_shuffle_u32(&t->rng, t->order, t->n);
        if (t->cfg->train.bucket && tc_batch_bucket(t->order, t->n, t->train, t->B, &t->rng, err) < 0)
            return -1;
    }
    t->loss_sum = t->correct = t->denom = t->seconds = 0;
    return 0;
}

/* 1 if the run should stop here: *stop is set (in any process, which all
 * processes agree on at the same point), -1 on a failed exchange.  Within
 * an epoch the processes agreed in the last step's exchange; before an
 * epoch (validation ran since) they ask each other once more. */
static int stop_now(const tc_trainer *t, const tc_train_opts *o, tc_err *err)
{
    int local = o->stop && *o->stop;
    if (!t->dist)
        return local;
    return t->pos == 0 ? t->dist->any(t->dist->ctx, local, err) : t->agreed_stop;
}

int tc_trainer_run(tc_trainer *t, const tc_train_opts *o, tc_train_summary *sum, tc_err *err)
{
    memset(sum, 0, sizeof *sum);
    double t_start = now();
    t->stop = o->stop;
    t->agreed_stop = 0;
    tc_progress *pg = o->progress;
    int rc = 0;
    while (rc == 0 && !t->finished && t->epoch < t->epochs) {
        if (t->pos == 0) {
            int st = stop_now(t, o, err);
            if (st) {
                rc = st < 0 ? -1 : 0;
                sum->interrupted = st > 0;
                break;
            }
            if ((rc = begin_epoch(t, err)) < 0)
                break;
        }
        if (pg)
            tc_progress_epoch_begin(pg, t->epoch + 1, t->epochs, t->n, t->steps_per_epoch, t->pos);
        double t0 = now();
        if (t->cfg->train.hogwild && t->pos < t->n) {
            rc = hog_epoch(t, o->stop, err);
            if (rc == 0 && t->pos < t->n)
                sum->interrupted = 1;
        }
        while (rc == 0 && !sum->interrupted && t->pos < t->n) {
            int st = t->pos > 0 ? stop_now(t, o, err) : 0;
            if (st) {
                rc = st < 0 ? -1 : 0;
                sum->interrupted = st > 0;
                break;
            }
            double loss;
            rc = train_batch(t, &loss, err);
            if (rc == 0 && pg)
                tc_progress_step(pg, t->pos, (t->pos + (uint64_t)t->B - 1) / (uint64_t)t->B, t->loss_sum / t->denom,
                                 tc_schedule_lr(&t->sched, t->step - 1));
        }
        t->seconds += now() - t0;
        if (rc < 0 || sum->interrupted)
            break;
        rc = end_epoch(t, o, err);
    }
    if (pg)
        tc_progress_clear(pg);
    sum->epochs_done = t->epoch;
    sum->stopped_early = t->finished;
    sum->seconds = now() - t_start;
    return rc;
}

/* ---- the state as bytes --------------------------------------------------
 * Host byte order (little-endian, like the rest of the model file):
 *   u32 version | u64 fingerprint | u64 nparams | u32 rows | u32 batch size |
 *   u32 has_moments | u32 has_best | u64 rng[4] | u64 step | i32 epoch |
 *   u32 pos | f64 loss_sum, correct, denom, seconds | i32 finished |
 *   f64 stopper.best | i32 stopper.best_epoch | i64 stopper.wait |
 *   i32 best_epoch | u32 nhist | nhist × (i32 epoch, has_val, best;
 *   f64 lr, loss, accuracy, val_loss, val_accuracy, val_macro_f1, seconds,
 *   rows_per_s, val_micro_f1 (not in version 1)) | u32 order[rows] | f32 m1[nparams], m2[nparams] (if
 *   has_moments) | f32 best[nparams] (if has_best) */

#define PUT(w, v) tc_wbuf_put((w), &(v), sizeof(v))

static void put_log(tc_wbuf *w, const tc_epoch_log *e)
{
    int32_t i3[3] = {e->epoch, e->has_val, e->best};
    double d[9] = {e->lr,           e->loss,    e->accuracy,   e->val_loss,    e->val_accuracy,
                   e->val_macro_f1, e->seconds, e->rows_per_s, e->val_micro_f1};
    tc_wbuf_put(w, i3, sizeof i3);
    tc_wbuf_put(w, d, sizeof d);
}

int tc_trainer_save_state(const tc_trainer *t, void **buf, size_t *len, tc_err *err)
{
    tc_wbuf w = {0};
    uint32_t version = STATE_VERSION, rows = t->n, B = (uint32_t)t->B, has_m = t->m1 != NULL,
             has_best = t->best && t->best_epoch, pos = t->pos, nhist = (uint32_t)t->nhist;
    uint64_t np = t->m->nparams;
    int32_t epoch = t->epoch, finished = t->finished, sbe = t->stopper.best_epoch, be = t->best_epoch;
    double sums[4] = {t->loss_sum, t->correct, t->denom, t->seconds};
    int64_t wait = t->stopper.wait;
    PUT(&w, version), PUT(&w, t->fingerprint), PUT(&w, np), PUT(&w, rows), PUT(&w, B);
    PUT(&w, has_m), PUT(&w, has_best), tc_wbuf_put(&w, t->rng.s, sizeof t->rng.s), PUT(&w, t->step);
    PUT(&w, epoch), PUT(&w, pos), tc_wbuf_put(&w, sums, sizeof sums), PUT(&w, finished);
    PUT(&w, t->stopper.best), PUT(&w, sbe), PUT(&w, wait), PUT(&w, be), PUT(&w, nhist);
    for (int i = 0; i < t->nhist; i++)
        put_log(&w, &t->hist[i]);
    tc_wbuf_put(&w, t->order, (size_t)t->n * sizeof *t->order);
    if (has_m) {
        tc_wbuf_put(&w, t->m1, t->m->nparams * sizeof(float));
        tc_wbuf_put(&w, t->m2, t->m->nparams * sizeof(float));
    }
    if (has_best)
        tc_wbuf_put(&w, t->best, t->m->nparams * sizeof(float));
    if (w.oom) {
        free(w.p);
        return tc_err_oom(err, "training state");
    }
    *buf = w.p;
    *len = w.len;
    return 0;
}

#define GET(r, v) tc_rbuf_get((r), &(v), sizeof(v))

/* ndouble: 9, or 8 in a version-1 state (no val_micro_f1: NaN) */
static int get_log(tc_rbuf *r, tc_epoch_log *e, int ndouble)
{
    int32_t i3[3];
    double d[9] = {0, 0, 0, 0, 0, 0, 0, 0, NAN};
    if (tc_rbuf_get(r, i3, sizeof i3) < 0 || tc_rbuf_get(r, d, (size_t)ndouble * sizeof d[0]) < 0)
        return -1;
    *e = (tc_epoch_log){i3[0], i3[1] != 0, i3[2] != 0, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]};
    return 0;
}

/* The fixed-size head of the state, checked against this trainer. */
static int load_head(tc_trainer *t, tc_rbuf *r, uint32_t *version, uint32_t *has_m, uint32_t *has_best, uint32_t *nhist,
                     tc_err *err)
{
    uint32_t rows, B, pos;
    uint64_t fp, np, step, rng[4];
    int32_t epoch, finished, sbe, be;
    double sums[4], sbest;
    int64_t wait;
    if (GET(r, *version) < 0 || *version < 1 || *version > STATE_VERSION)
        return tc_err_set(err, "training state: unknown version");
    if (GET(r, fp) < 0 || GET(r, np) < 0 || GET(r, rows) < 0 || GET(r, B) < 0 || GET(r, *has_m) < 0 ||
        GET(r, *has_best) < 0 || tc_rbuf_get(r, rng, sizeof rng) < 0 || GET(r, step) < 0 || GET(r, epoch) < 0 ||
        GET(r, pos) < 0 || tc_rbuf_get(r, sums, sizeof sums) < 0 || GET(r, finished) < 0 || GET(r, sbest) < 0 ||
        GET(r, sbe) < 0 || GET(r, wait) < 0 || GET(r, be) < 0 || GET(r, *nhist) < 0)
        return tc_err_set(err, "training state: truncated");
    if (np != t->m->nparams || rows != t->n || (int)B != t->B)
        return tc_err_set(err, "training state: made for another model size, row count or batch size");
    if (fp != t->fingerprint)
        return tc_err_set(err, "training state: the training or validation data differ from the run it was made in");
    if ((*has_m != 0) != (t->m1 != NULL))
        return tc_err_set(err, "training state: made with another optimizer");
    if (pos >= rows || epoch < 0 || *nhist != (uint32_t)epoch || (*has_best && !t->best) || be < 0 || be > epoch)
        return tc_err_set(err, "training state: inconsistent");
    memcpy(t->rng.s, rng, sizeof rng);
    t->step = step, t->epoch = epoch, t->pos = pos, t->finished = finished != 0;
    t->loss_sum = sums[0], t->correct = sums[1], t->denom = sums[2], t->seconds = sums[3];
    t->stopper.best = sbest, t->stopper.best_epoch = sbe, t->stopper.wait = wait;
    t->best_epoch = *has_best ? be : 0;
    return 0;
}

int tc_trainer_load_state(tc_trainer *t, const void *buf, size_t len, tc_err *err)
{
    tc_rbuf r = {buf, len, 0};
    uint32_t version = 0, has_m = 0, has_best = 0, nhist = 0;
    if (load_head(t, &r, &version, &has_m, &has_best, &nhist, err) < 0)
        return -1;
    int nd = version == 1 ? 8 : 9;
    if (nhist > (len - r.pos) / (3 * sizeof(int32_t) + (size_t)nd * sizeof(double)))
        return tc_err_set(err, "training state: truncated");
    tc_epoch_log *h = malloc((nhist ? nhist : 1) * sizeof *h);
    if (!h)
        return tc_err_oom(err, "training state");
    for (uint32_t i = 0; i < nhist; i++)
        get_log(&r, &h[i], nd);
    free(t->hist);
    t->hist = h, t->nhist = t->cap_hist = (int)nhist;
    size_t np = t->m->nparams * sizeof(float);
    int bad = tc_rbuf_get(&r, t->order, (size_t)t->n * sizeof *t->order) < 0;
    if (!bad && has_m)
        bad = tc_rbuf_get(&r, t->m1, np) < 0 || tc_rbuf_get(&r, t->m2, np) < 0;
    if (!bad && has_best)
        bad = tc_rbuf_get(&r, t->best, np) < 0;
    if (bad || r.pos != r.len)
        return tc_err_set(err, "training state: %s", bad ? "truncated" : "trailing bytes");
    for (uint32_t i = 0; i < t->n; i++)
        if (t->order[i] >= t->n)
            return tc_err_set(err, "training state: bad row order");
    return 0;
}

/* ---- evaluation -------------------------------------------------------- */

void tc_eval_result_free(tc_eval_result *res)
{
    tc_mc_free(&res->mc);
    tc_ml_free(&res->ml);
}

/* The loss the model trains on, from one row's label probabilities:
 * cross-entropy of the true label for softmax and binary-sigmoid heads, the
 * mean binary cross-entropy over the labels for other sigmoid heads
 * (probabilities clipped to [ε, 1−ε] as the metrics' log loss does). */
static double row_loss(const tc_model *m, const float *lp, const uint8_t *truth, int label)
{
    if (!m->s.sigmoid || m->s.outputs == 1)
        return -log(fmax((double)lp[label], DBL_EPSILON));
    double sum = 0;
    for (int j = 0; j < m->s.nlabels; j++) {
        double p = fmin(fmax((double)lp[j], DBL_EPSILON), 1.0 - DBL_EPSILON);
        sum -= truth[j] ? log(p) : log(1.0 - p);
    }
    return sum / m->s.nlabels;
}

typedef struct scoring {
    const tc_model *m;
    const tc_corpus *c;
    const float *thr; /* (L) per-label thresholds, or NULL: threshold */
    float threshold;
    tc_eval_result *res;
    uint8_t *truth, *pred; /* (L) scratch */
    double loss_sum;
    /* threshold tuning: the first cap rows' probabilities and truth, kept */
    float *kept;
    uint8_t *kept_truth;
    size_t cap, nkept;
} scoring;

/* One multi-label row into the metrics: label j predicted when lp[j] >= thr[j]
 * (thr NULL: the one threshold). */
static void add_ml_row(scoring *s, const float *lp, const uint8_t *truth, const float *thr)
{
    for (int j = 0; j < s->m->s.nlabels; j++)
        s->pred[j] = lp[j] >= (thr ? thr[j] : s->threshold);
    tc_ml_add(&s->res->ml, truth, s->pred);
}

/* One group of rows' probabilities into the metrics (tc_infer_each). */
static int score_group(void *ctx, uint64_t first, int n, const float *probs, tc_err *err)
{
    (void)err;
    scoring *s = ctx;
    tc_eval_result *res = s->res;
    int L = s->m->s.nlabels;
    for (int i = 0; i < n; i++) {
        uint64_t r = first + (uint64_t)i;
        const int32_t *lab = s->c->labels + s->c->lab_off[r];
        size_t nl = (size_t)(s->c->lab_off[r + 1] - s->c->lab_off[r]);
        /* single-label rows need a label the model knows; multi-label rows may have none */
        if (!res->multilabel && nl == 0) {
            res->rows_without_label++;
            continue;
        }
        const float *lp = probs + (size_t)i * (size_t)L;
        memset(s->truth, 0, (size_t)L);
        for (size_t j = 0; j < nl; j++)
            s->truth[lab[j]] = 1;
        if (res->multilabel && s->kept) {
            if (s->nkept == s->cap)
                continue; /* past the rows tuning can hold: not scored */
            memcpy(s->kept + s->nkept * (size_t)L, lp, (size_t)L * sizeof *lp);
            memcpy(s->kept_truth + s->nkept * (size_t)L, s->truth, (size_t)L);
            s->nkept++;
        } else if (res->multilabel) {
            add_ml_row(s, lp, s->truth, s->thr);
        } else {
            int best = 0;
            for (int j = 1; j < L; j++)
                if (lp[j] > lp[best])
                    best = j;
            tc_mc_add(&res->mc, lab[0], best, lp[lab[0]]);
        }
        s->loss_sum += row_loss(s->m, lp, s->truth, nl ? lab[0] : 0);
        res->rows++;
    }
    return 0;
}

/* Threshold tuning keeps every row's label probabilities: at most this many
 * (rows x labels) cells, 320 MB with the truth bytes. */
#define TUNE_CELLS ((size_t)1 << 26)

/* tune: chooses each label's threshold on the kept rows, then scores them with it. */
static int score_tuned(scoring *s, float *tune, tc_err *err)
{
    int L = s->m->s.nlabels;
    if (tc_ml_tune_thresholds(s->kept, s->kept_truth, s->nkept, L, s->threshold, tune, NULL, err) < 0)
        return -1;
    for (size_t i = 0; i < s->nkept; i++)
        add_ml_row(s, s->kept + i * (size_t)L, s->kept_truth + i * (size_t)L, tune);
    return 0;
}

/* Runs the shared inference path (predict/infer.h: the same forward passes,
 * padding and rounding as `textclf eval`) over c and scores every labelled
 * row, one group at a time. */
int tc_evaluate(tc_model *m, const tc_config *cfg, const tc_corpus *c, const float *thr, float *tune,
                tc_eval_result *res, tc_err *err)
{
    memset(res, 0, sizeof *res);
    res->multilabel = m->s.multilabel;
    int L = m->s.nlabels;
    if (res->multilabel ? tc_ml_init(&res->ml, L, err) < 0 : tc_mc_init(&res->mc, L, err) < 0)
        return -1;
    scoring s = {m, c, thr, cfg->model.threshold, res, malloc((size_t)L), malloc((size_t)L), 0, NULL, NULL, 0, 0};
    if (tune && res->multilabel) {
        s.cap = TUNE_CELLS / (size_t)L;
        if (s.cap > c->n)
            s.cap = c->n;
        if (s.cap == 0)
            s.cap = 1;
        s.kept = malloc(s.cap * (size_t)L * sizeof *s.kept);
        s.kept_truth = malloc(s.cap * (size_t)L);
    }
    tc_infer e;
    int rc = tc_infer_init_model(&e, m, cfg, TC_INFER_BATCH, err);
    if (rc == 0 && (!s.truth || !s.pred || (tune && res->multilabel && (!s.kept || !s.kept_truth))))
        rc = tc_err_oom(err, "evaluation");
    if (rc == 0)
        rc = tc_infer_corpus(&e, c, score_group, &s, err);
    if (rc == 0 && s.kept)
        rc = score_tuned(&s, tune, err);
    if (rc == 0) {
        res->loss = res->rows ? s.loss_sum / (double)res->rows : 0;
        if (res->multilabel) {
            tc_ml_finish(&res->ml);
            res->accuracy = 1.0 - res->ml.hamming_loss;
            res->macro_f1 = res->ml.macro_f1;
            res->micro_f1 = res->ml.micro_f1;
        } else {
            tc_mc_finish(&res->mc);
            res->accuracy = res->mc.accuracy;
            res->macro_f1 = res->mc.macro_f1;
            res->micro_f1 = res->mc.accuracy; /* one true, one predicted label a row: micro P = R = F1 = accuracy */
        }
    }
    tc_infer_free(&e);
    free(s.truth), free(s.pred), free(s.kept), free(s.kept_truth);
    if (rc < 0)
        tc_eval_result_free(res);
    return rc;
}

/* ---- class weights ----------------------------------------------------- */

int tc_train_class_weights(const tc_corpus *c, int nlabels, int multilabel, float **w, tc_err *err)
{
    uint64_t *count = calloc((size_t)nlabels + 1, sizeof *count);
    *w = malloc((size_t)(c->n ? c->n : 1) * sizeof **w);
    if (!count || !*w) {
        free(count), free(*w);
        *w = NULL;
        return tc_err_oom(err, "class weights");
    }
    for (uint64_t r = 0; r < c->n; r++)
        for (uint64_t j = c->lab_off[r]; j < c->lab_off[r + 1]; j++)
            if (c->labels[j] >= 0 && c->labels[j] < nlabels)
                count[c->labels[j]]++;
    int present = 0;
    for (int l = 0; l < nlabels; l++)
        present += count[l] > 0;
    double sum = 0;
    for (uint64_t r = 0; r < c->n; r++) {
        double s = 0;
        int k = 0;
        for (uint64_t j = c->lab_off[r]; j < c->lab_off[r + 1] && (multilabel || k == 0); j++)
            if (c->labels[j] >= 0 && c->labels[j] < nlabels) {
                s += (double)c->n / ((double)present * (double)count[c->labels[j]]);
                k++;
            }
        (*w)[r] = k ? (float)(s / k) : 1.0f;
        sum += k ? s / k : 1.0;
    }
    if (multilabel && sum > 0)
        for (uint64_t r = 0; r < c->n; r++)
            (*w)[r] = (float)((*w)[r] * ((double)c->n / sum));
    free(count);
    return 0;
}
