/* trainer.c — see trainer.h. */
#include "trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/optim.h"
#include "train/batch.h"

#define EVAL_BATCH 256

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

typedef struct {
    float *m1, *m2;    /* Adam moments, mirror params */
    uint64_t t;
} opt_state;

/* One optimizer step over the touched embedding rows and the dense tail, then
 * clears the gradients it used. */
static void step(tc_model *m, const tc_config *cfg, opt_state *o, const uint32_t *rows, size_t nrows)
{
    size_t tail = tc_model_tail(m), ntail = m->nparams - tail;
    int D = m->s.D;
    float *gE = m->grads, *gT = m->grads + tail;
    if (cfg->train.clipnorm > 0) {
        double ss = tc_sum_squares(gT, ntail);
        for (size_t i = 0; i < nrows; i++)
            ss += tc_sum_squares(gE + (size_t)rows[i] * (size_t)D, (size_t)D);
        double norm = sqrt(ss);
        if (norm > cfg->train.clipnorm) {
            float s = (float)(cfg->train.clipnorm / norm);
            tc_scale(gT, ntail, s);
            for (size_t i = 0; i < nrows; i++)
                tc_scale(gE + (size_t)rows[i] * (size_t)D, (size_t)D, s);
        }
    }
    float lr = tc_train_lr(cfg);
    if (cfg->train.optimizer == TC_OPT_ADAM) {
        o->t++;
        float b1 = cfg->train.beta1, b2 = cfg->train.beta2, eps = cfg->train.epsilon;
        tc_adam_step(m->params + tail, gT, o->m1 + tail, o->m2 + tail, ntail, lr, b1, b2, eps, o->t);
        tc_adam_step_rows(m->params, gE, o->m1, o->m2, rows, nrows, D, lr, b1, b2, eps, o->t);
    } else {
        tc_sgd_step(m->params + tail, gT, ntail, lr);
        tc_sgd_step_rows(m->params, gE, rows, nrows, D, lr);
    }
    memset(gT, 0, ntail * sizeof *gT);
    for (size_t i = 0; i < nrows; i++)
        memset(gE + (size_t)rows[i] * (size_t)D, 0, (size_t)D * sizeof *gE);
}

static int params_finite(const tc_model *m)
{
    for (size_t i = tc_model_tail(m); i < m->nparams; i++)
        if (!isfinite(m->params[i]))
            return 0;
    return 1;
}

int tc_train(tc_model *m, const tc_config *cfg, const tc_corpus *train, const tc_corpus *valid,
             tc_rng *rng, const tc_train_opts *o, tc_train_summary *sum, tc_err *err)
{
    memset(sum, 0, sizeof *sum);
    if (train->n == 0)
        return tc_err_set(err, "%s: no training rows", cfg->data.train);
    if (train->n > UINT32_MAX)
        return tc_err_set(err, "%s: more than %u training rows", cfg->data.train, UINT32_MAX);
    int B = (int)cfg->train.batch_size, T = (int)cfg->pad.maxlen;
    uint32_t n = (uint32_t)train->n;
    tc_batch batch;
    opt_state opt = {0};
    uint32_t *order = malloc((size_t)n * sizeof *order);
    if (cfg->train.optimizer == TC_OPT_ADAM) {
        opt.m1 = calloc(m->nparams, sizeof(float));
        opt.m2 = calloc(m->nparams, sizeof(float));
    }
    int rc = 0;
    if (!order || (cfg->train.optimizer == TC_OPT_ADAM && (!opt.m1 || !opt.m2))) {
        rc = tc_err_oom(err, "optimizer state");
        goto out_nobatch;
    }
    if (tc_batch_init(&batch, B, T, m->s.outputs, err) < 0) {
        rc = -1;
        goto out_nobatch;
    }
    if (tc_model_reserve(m, B, T, err) < 0) {
        rc = -1;
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    double t_start = now();
    for (int ep = 0; ep < (int)cfg->train.epochs; ep++) {
        double t0 = now(), loss_sum = 0, correct = 0, denom = 0;
        if (cfg->train.shuffle)
            tc_rng_shuffle_u32(rng, order, n);
        for (uint32_t at = 0; at < n; at += (uint32_t)B) {
            if (o->stop && *o->stop) {
                sum->interrupted = 1;
                goto out;
            }
            int nb = n - at < (uint32_t)B ? (int)(n - at) : B;
            tc_batch_fill(&batch, train, order + at, nb, cfg, &m->s);
            const float *probs = tc_model_forward(m, batch.ids, nb, batch.T, 1, rng);
            correct += batch_correct(m, &batch, probs, cfg->model.threshold);
            const uint32_t *rows;
            size_t nrows;
            double loss = tc_model_loss_backward(m, batch.ids, nb, batch.T, batch.labels, batch.targets, NULL,
                                                 1, &rows, &nrows);
            if (!isfinite(loss)) {
                rc = tc_err_set(err, "training diverged in epoch %d (loss is %g); lower train.lr or set "
                                "train.clipnorm", ep + 1, loss);
                goto out;
            }
            step(m, cfg, &opt, rows, nrows);
            loss_sum += loss * nb;
            denom += nb;
        }
        if (!params_finite(m)) {
            rc = tc_err_set(err, "training diverged in epoch %d (non-finite weights); lower train.lr", ep + 1);
            goto out;
        }
        sum->epochs_done = ep + 1;
        sum->loss = loss_sum / denom;
        sum->acc = correct / (denom * (m->s.multilabel ? m->s.outputs : 1));
        double secs = now() - t0;
        char val[160] = "";
        if (valid && valid->n) {
            tc_eval_result vr;
            if (tc_evaluate(m, cfg, valid, cfg->model.threshold, &vr, err) < 0) {
                rc = -1;
                goto out;
            }
            sum->val_loss = vr.loss;
            sum->val_acc = vr.accuracy;
            tc_eval_result_free(&vr);
            snprintf(val, sizeof val, "  val_loss %.4f  val_acc %.4f", sum->val_loss, sum->val_acc);
        }
        if (o->log) {
            fprintf(o->log, "epoch %d/%d  loss %.4f  acc %.4f%s  %.1fs  %.0f rows/s\n", ep + 1,
                    (int)cfg->train.epochs, sum->loss, sum->acc, val, secs, denom / (secs > 0 ? secs : 1e-9));
            fflush(o->log);
        }
    }
    sum->seconds = now() - t_start;
out:
    tc_batch_free(&batch);
out_nobatch:
    free(order);
    free(opt.m1);
    free(opt.m2);
    return rc;
}

/* ---- evaluation -------------------------------------------------------- */

void tc_eval_result_free(tc_eval_result *res)
{
    tc_mc_free(&res->mc);
    tc_ml_free(&res->ml);
}

/* Adds one batch's predictions to the report. */
static void score_batch(const tc_model *m, const tc_batch *b, const tc_corpus *c, const uint32_t *rows,
                        const float *probs, float threshold, tc_eval_result *res, float *lp, uint8_t *truth,
                        uint8_t *pred)
{
    int L = m->s.nlabels;
    for (int i = 0; i < b->B; i++) {
        tc_model_label_probs(m, probs + (size_t)i * (size_t)m->s.outputs, lp);
        const int32_t *lab = c->labels + c->lab_off[rows[i]];
        size_t nl = (size_t)(c->lab_off[rows[i] + 1] - c->lab_off[rows[i]]);
        if (res->multilabel) {
            memset(truth, 0, (size_t)L);
            for (size_t j = 0; j < nl; j++)
                truth[lab[j]] = 1;
            for (int j = 0; j < L; j++)
                pred[j] = lp[j] >= threshold;
            tc_ml_add(&res->ml, truth, pred);
        } else {
            int best = 0;
            for (int j = 1; j < L; j++)
                if (lp[j] > lp[best])
                    best = j;
            tc_mc_add(&res->mc, lab[0], best, lp[lab[0]]);
        }
    }
}

int tc_evaluate(tc_model *m, const tc_config *cfg, const tc_corpus *c, float threshold,
                tc_eval_result *res, tc_err *err)
{
    memset(res, 0, sizeof *res);
    res->multilabel = m->s.multilabel;
    int L = m->s.nlabels, T = (int)cfg->pad.maxlen;
    if (res->multilabel ? tc_ml_init(&res->ml, L, err) < 0 : tc_mc_init(&res->mc, L, err) < 0)
        return -1;
    uint32_t *rows = malloc(EVAL_BATCH * sizeof *rows);
    float *lp = malloc((size_t)L * sizeof *lp);
    uint8_t *truth = malloc((size_t)L), *pred = malloc((size_t)L);
    tc_batch b;
    int rc = 0;
    if (!rows || !lp || !truth || !pred || tc_batch_init(&b, EVAL_BATCH, T, m->s.outputs, err) < 0) {
        free(rows), free(lp), free(truth), free(pred);
        tc_eval_result_free(res);
        return rows && lp && truth && pred ? -1 : tc_err_oom(err, "evaluation");
    }
    if (tc_model_reserve(m, EVAL_BATCH, T, err) < 0) {
        rc = -1;
        goto out;
    }
    double loss_sum = 0;
    uint64_t r = 0;
    while (r < c->n) {
        int nb = 0;
        for (; r < c->n && nb < EVAL_BATCH; r++) {
            /* single-label rows need their label known to the model; multi-label rows may have none */
            if (!res->multilabel && c->lab_off[r + 1] == c->lab_off[r]) {
                res->rows_without_label++;
                continue;
            }
            rows[nb++] = (uint32_t)r;
        }
        if (!nb)
            break;
        tc_batch_fill(&b, c, rows, nb, cfg, &m->s);
        const float *probs = tc_model_forward(m, b.ids, nb, b.T, 0, NULL);
        score_batch(m, &b, c, rows, probs, threshold, res, lp, truth, pred);
        loss_sum += nb * tc_model_loss_backward(m, b.ids, nb, b.T, b.labels, b.targets, NULL, 0, NULL, NULL);
        res->rows += (uint64_t)nb;
    }
    res->loss = res->rows ? loss_sum / (double)res->rows : 0;
    if (res->multilabel) {
        tc_ml_finish(&res->ml);
        res->accuracy = 1.0 - res->ml.hamming_loss;
    } else {
        tc_mc_finish(&res->mc);
        res->accuracy = res->mc.accuracy;
    }
out:
    tc_batch_free(&b);
    free(rows), free(lp), free(truth), free(pred);
    if (rc < 0)
        tc_eval_result_free(res);
    return rc;
}
