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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/optim.h"
#include "predict/infer.h"
#include "train/batch.h"
#include "train/schedule.h"
#include "util/bytes.h"
#include "util/strtab.h"

#define STATE_VERSION 1

struct tc_trainer {
    tc_model *m;
    const tc_config *cfg;
    const tc_corpus *train, *valid;
    const float *row_w;          /* (n) or NULL */
    uint32_t n;
    int B, T, epochs;
    uint64_t steps_per_epoch, fingerprint;
    tc_schedule sched;
    tc_batch batch;
    float *bw;                   /* (B) the batch's row weights */
    /* ---- the resumable state ---- */
    tc_rng rng;
    uint64_t step;               /* optimizer steps done */
    int epoch;                   /* epochs completed */
    uint32_t pos;                /* rows of the current epoch done */
    double loss_sum, correct, denom, seconds; /* the current epoch so far */
    uint32_t *order;             /* (n) */
    float *m1, *m2;              /* (nparams) Adam moments, NULL for SGD */
    tc_stopper stopper;
    int finished;                /* early stopping fired */
    float *best;                 /* (nparams) with output.save_best */
    int best_epoch;              /* whose weights `best` holds; 0 = none */
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
    t->bw = malloc((size_t)t->B * sizeof *t->bw);
    int bad = !t->order || !t->bw;
    if (cfg->train.optimizer == TC_OPT_ADAM) {
        t->m1 = calloc(m->nparams, sizeof(float));
        t->m2 = calloc(m->nparams, sizeof(float));
        bad |= !t->m1 || !t->m2;
    }
    if (cfg->output.save_best) {
        t->best = malloc(m->nparams * sizeof(float));
        bad |= !t->best;
    }
    if (bad) {
        tc_trainer_free(t);
        tc_err_oom(err, "optimizer state");
        return NULL;
    }
    if (tc_batch_init(&t->batch, t->B, t->T, m->s.outputs, err) < 0) {
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
    tc_batch_free(&t->batch);
    free(t->bw), free(t->order), free(t->m1), free(t->m2), free(t->best), free(t->hist);
    free(t);
}

const tc_epoch_log *tc_trainer_history(const tc_trainer *t, int *n)
{
    *n = t->nhist;
    return t->hist;
}

int tc_trainer_done(const tc_trainer *t) { return t->finished || t->epoch >= t->epochs; }

void tc_trainer_position(const tc_trainer *t, int *epoch, uint64_t *rows_done)
{
    *epoch = t->epoch;
    *rows_done = t->pos;
}

int tc_trainer_best_epoch(const tc_trainer *t) { return t->best ? t->best_epoch : 0; }

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

/* Global-norm clipping over the gradients that will be applied. */
static void clip(tc_model *m, float clipnorm, const uint32_t *rows, size_t nrows)
{
    size_t tail = tc_model_tail(m), ntail = m->nparams - tail, D = (size_t)m->s.D;
    float *gE = m->grads, *gT = m->grads + tail;
    double ss = tc_sum_squares(gT, ntail);
    for (size_t i = 0; i < nrows; i++)
        ss += tc_sum_squares(gE + (size_t)rows[i] * D, D);
    double norm = sqrt(ss);
    if (norm <= clipnorm)
        return;
    float s = (float)(clipnorm / norm);
    tc_scale(gT, ntail, s);
    for (size_t i = 0; i < nrows; i++)
        tc_scale(gE + (size_t)rows[i] * D, D, s);
}

/* Decoupled weight decay w ← w·(1 − lr·wd) on every kernel (not the biases)
 * and on the embedding rows being updated (lazily, like the update itself). */
static void decay(tc_model *m, float keep, const uint32_t *rows, size_t nrows)
{
    for (int k = 0; k < m->ntensors; k++) {
        const tc_tensor *x = &m->tensors[k];
        if (x->role == TC_ROLE_KERNEL)
            tc_scale(m->params + x->off, x->n, keep);
    }
    for (size_t i = 0; i < nrows; i++)
        tc_scale(m->params + (size_t)rows[i] * (size_t)m->s.D, (size_t)m->s.D, keep);
}

/* One optimizer step at learning rate lr over the touched embedding rows
 * (none when frozen) and the dense tail; then clears the gradients it read. */
static void step(tc_trainer *t, float lr, const uint32_t *rows, size_t nrows)
{
    tc_model *m = t->m;
    const tc_config *cfg = t->cfg;
    size_t tail = tc_model_tail(m), ntail = m->nparams - tail;
    int D = m->s.D;
    size_t nupd = cfg->model.freeze_embedding ? 0 : nrows;
    float *gE = m->grads, *gT = m->grads + tail;
    if (cfg->train.clipnorm > 0)
        clip(m, cfg->train.clipnorm, rows, nupd);
    if (cfg->train.weight_decay > 0)
        decay(m, 1.0f - lr * cfg->train.weight_decay, rows, nupd);
    uint64_t at = ++t->step;
    if (cfg->train.optimizer == TC_OPT_ADAM) {
        float b1 = cfg->train.beta1, b2 = cfg->train.beta2, eps = cfg->train.epsilon;
        tc_adam_step(m->params + tail, gT, t->m1 + tail, t->m2 + tail, ntail, lr, b1, b2, eps, at);
        tc_adam_step_rows(m->params, gE, t->m1, t->m2, rows, nupd, D, lr, b1, b2, eps, at);
    } else {
        tc_sgd_step(m->params + tail, gT, ntail, lr);
        tc_sgd_step_rows(m->params, gE, rows, nupd, D, lr);
    }
    memset(gT, 0, ntail * sizeof *gT);
    for (size_t i = 0; i < nrows; i++)
        memset(gE + (size_t)rows[i] * (size_t)D, 0, (size_t)D * sizeof *gE);
}

/* 1 if every weight a step changed (the touched embedding rows and the dense
 * tail) is finite, so divergence is caught at the step that caused it.
 * x * 0 is 0 for finite x and NaN for Inf or NaN, and the loop vectorizes. */
static int step_finite(const tc_model *m, const uint32_t *rows, size_t nrows)
{
    size_t D = (size_t)m->s.D;
    float acc = 0.0f;
    for (size_t r = 0; r < nrows; r++) {
        const float *e = m->params + (size_t)rows[r] * D;
        for (size_t j = 0; j < D; j++)
            acc += e[j] * 0.0f;
    }
    for (size_t i = tc_model_tail(m); i < m->nparams; i++)
        acc += m->params[i] * 0.0f;
    return acc == 0.0f;
}

/* Trains on the next batch of the current epoch; *loss receives its mean loss. */
static int train_batch(tc_trainer *t, double *loss, tc_err *err)
{
    tc_model *m = t->m;
    int nb = t->n - t->pos < (uint32_t)t->B ? (int)(t->n - t->pos) : t->B;
    const uint32_t *rows = t->order + t->pos;
    tc_batch *b = &t->batch;
    tc_batch_fill(b, t->train, rows, nb, t->cfg, &m->s);
    if (t->row_w)
        for (int i = 0; i < nb; i++)
            t->bw[i] = t->row_w[rows[i]];
    const float *probs = tc_model_forward(m, b->ids, nb, b->T, 1, &t->rng);
    t->correct += batch_correct(m, b, probs, t->cfg->model.threshold);
    const uint32_t *touched;
    size_t ntouched;
    *loss = tc_model_loss_backward(m, b->ids, nb, b->T, b->labels, b->targets, t->row_w ? t->bw : NULL, 1,
                                   &touched, &ntouched);
    if (!isfinite(*loss))
        return tc_err_set(err, "training diverged in epoch %d (loss is %g at step %llu); lower train.lr or set "
                          "train.clipnorm", t->epoch + 1, *loss, (unsigned long long)t->step + 1);
    step(t, tc_schedule_lr(&t->sched, t->step), touched, ntouched);
    if (!step_finite(m, touched, ntouched))
        return tc_err_set(err, "training diverged in epoch %d (non-finite weights after step %llu); lower train.lr "
                          "or set train.clipnorm", t->epoch + 1, (unsigned long long)t->step);
    t->loss_sum += *loss * nb;
    t->denom += nb;
    t->pos += (uint32_t)nb;
    return 0;
}

/* ---- epochs ------------------------------------------------------------ */

static int params_finite(const tc_model *m)
{
    for (size_t i = tc_model_tail(m); i < m->nparams; i++)
        if (!isfinite(m->params[i]))
            return 0;
    return 1;
}

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
    if (tc_evaluate(t->m, t->cfg, t->valid, t->cfg->model.threshold, &vr, err) < 0)
        return -1;
    e->has_val = 1;
    e->val_loss = vr.loss, e->val_accuracy = vr.accuracy, e->val_macro_f1 = vr.macro_f1;
    tc_eval_result_free(&vr);
    enum tc_monitor mon = t->cfg->train.early_stopping.monitor;
    double v = mon == TC_MON_VAL_LOSS ? e->val_loss : mon == TC_MON_VAL_ACCURACY ? e->val_accuracy : e->val_macro_f1;
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
    e.val_loss = e.val_accuracy = e.val_macro_f1 = NAN;
    if (t->valid && validate(t, &e, err) < 0)
        return -1;
    if (push_history(t, &e, err) < 0)
        return -1;
    t->epoch++;
    t->pos = 0;
    if (o->progress)
        tc_progress_epoch_end(o->progress, &e);
    if (o->progress && t->finished) {
        static const char *const names[] = {"val_loss", "val_accuracy", "val_macro_f1"};
        tc_progress_note(o->progress, "early stopping: %s has not improved for %lld epochs (best %.4f, epoch %d)",
                         names[t->cfg->train.early_stopping.monitor], (long long)t->stopper.patience,
                         t->stopper.best, t->stopper.best_epoch);
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

int tc_trainer_run(tc_trainer *t, const tc_train_opts *o, tc_train_summary *sum, tc_err *err)
{
    memset(sum, 0, sizeof *sum);
    double t_start = now();
    tc_progress *pg = o->progress;
    int rc = tc_model_reserve(t->m, t->B, t->T, err);
    while (rc == 0 && !t->finished && t->epoch < t->epochs) {
        if (t->pos == 0) {
            if (o->stop && *o->stop) {
                sum->interrupted = 1;
                break;
            }
            if ((rc = begin_epoch(t, err)) < 0)
                break;
        }
        if (pg)
            tc_progress_epoch_begin(pg, t->epoch + 1, t->epochs, t->n, t->steps_per_epoch, t->pos);
        double t0 = now();
        while (rc == 0 && t->pos < t->n) {
            if (t->pos > 0 && o->stop && *o->stop) {
                sum->interrupted = 1;
                break;
            }
            double loss;
            rc = train_batch(t, &loss, err);
            if (rc == 0 && pg)
                tc_progress_step(pg, t->pos, (t->pos + (uint64_t)t->B - 1) / (uint64_t)t->B,
                                 t->loss_sum / t->denom, tc_schedule_lr(&t->sched, t->step - 1));
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
 *   rows_per_s) | u32 order[rows] | f32 m1[nparams], m2[nparams] (if
 *   has_moments) | f32 best[nparams] (if has_best) */

#define PUT(w, v) tc_wbuf_put((w), &(v), sizeof(v))

static void put_log(tc_wbuf *w, const tc_epoch_log *e)
{
    int32_t i3[3] = {e->epoch, e->has_val, e->best};
    double d[8] = {e->lr, e->loss, e->accuracy, e->val_loss, e->val_accuracy, e->val_macro_f1, e->seconds,
                   e->rows_per_s};
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

static int get_log(tc_rbuf *r, tc_epoch_log *e)
{
    int32_t i3[3];
    double d[8];
    if (tc_rbuf_get(r, i3, sizeof i3) < 0 || tc_rbuf_get(r, d, sizeof d) < 0)
        return -1;
    *e = (tc_epoch_log){i3[0], i3[1] != 0, i3[2] != 0, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]};
    return 0;
}

/* The fixed-size head of the state, checked against this trainer. */
static int load_head(tc_trainer *t, tc_rbuf *r, uint32_t *has_m, uint32_t *has_best, uint32_t *nhist, tc_err *err)
{
    uint32_t version, rows, B, pos;
    uint64_t fp, np, step, rng[4];
    int32_t epoch, finished, sbe, be;
    double sums[4], sbest;
    int64_t wait;
    if (GET(r, version) < 0 || version != STATE_VERSION)
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
    uint32_t has_m = 0, has_best = 0, nhist = 0;
    if (load_head(t, &r, &has_m, &has_best, &nhist, err) < 0)
        return -1;
    if (nhist > (len - r.pos) / (3 * sizeof(int32_t) + 8 * sizeof(double)))
        return tc_err_set(err, "training state: truncated");
    tc_epoch_log *h = malloc((nhist ? nhist : 1) * sizeof *h);
    if (!h)
        return tc_err_oom(err, "training state");
    for (uint32_t i = 0; i < nhist; i++)
        get_log(&r, &h[i]);
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
    float threshold;
    tc_eval_result *res;
    uint8_t *truth, *pred; /* (L) scratch */
    double loss_sum;
} scoring;

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
        if (res->multilabel) {
            for (int j = 0; j < L; j++)
                s->pred[j] = lp[j] >= s->threshold;
            tc_ml_add(&res->ml, s->truth, s->pred);
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

/* Runs the shared inference path (predict/infer.h: the same forward passes,
 * padding and rounding as `textclf eval`) over c and scores every labelled
 * row, one group at a time. */
int tc_evaluate(tc_model *m, const tc_config *cfg, const tc_corpus *c, float threshold,
                tc_eval_result *res, tc_err *err)
{
    memset(res, 0, sizeof *res);
    res->multilabel = m->s.multilabel;
    int L = m->s.nlabels;
    if (res->multilabel ? tc_ml_init(&res->ml, L, err) < 0 : tc_mc_init(&res->mc, L, err) < 0)
        return -1;
    scoring s = {m, c, threshold, res, malloc((size_t)L), malloc((size_t)L), 0};
    tc_infer e;
    int rc = tc_infer_init_model(&e, m, cfg, TC_INFER_BATCH, err);
    if (rc == 0 && (!s.truth || !s.pred))
        rc = tc_err_oom(err, "evaluation");
    if (rc == 0)
        rc = tc_infer_corpus(&e, c, score_group, &s, err);
    if (rc == 0) {
        res->loss = res->rows ? s.loss_sum / (double)res->rows : 0;
        if (res->multilabel) {
            tc_ml_finish(&res->ml);
            res->accuracy = 1.0 - res->ml.hamming_loss;
            res->macro_f1 = res->ml.macro_f1;
        } else {
            tc_mc_finish(&res->mc);
            res->accuracy = res->mc.accuracy;
            res->macro_f1 = res->mc.macro_f1;
        }
    }
    tc_infer_free(&e);
    free(s.truth), free(s.pred);
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
