/* trainer.h — the training loop and evaluation over a corpus.
 *
 * tc_train runs epochs of shuffled mini-batches: forward, loss, backward,
 * optional global-norm clipping, then an optimizer step that touches only the
 * embedding rows the batch used (lazy Adam / sparse SGD) and the whole dense
 * tail.  After each epoch it writes one line to the log (and validates, if a
 * validation corpus is given).  It stops early, cleanly, when *stop becomes
 * non-zero (a signal handler sets it) or when the loss stops being finite. */
#ifndef TC_TRAINER_H
#define TC_TRAINER_H

#include <signal.h>
#include <stdio.h>

#include "config.h"
#include "nn/model.h"
#include "text/corpus.h"
#include "train/metrics.h"
#include "util/rng.h"

typedef struct tc_train_opts {
    FILE *log;                      /* one line per epoch; NULL = silent */
    volatile sig_atomic_t *stop;    /* may be NULL */
} tc_train_opts;

typedef struct tc_train_summary {
    int epochs_done;
    double loss, acc;               /* last epoch, training rows */
    double val_loss, val_acc;       /* last epoch, validation rows (if any) */
    double seconds;
    int interrupted;                /* stopped by *stop */
} tc_train_summary;

int tc_train(tc_model *m, const tc_config *cfg, const tc_corpus *train, const tc_corpus *valid,
             tc_rng *rng, const tc_train_opts *o, tc_train_summary *sum, tc_err *err);

typedef struct tc_eval_result {
    int multilabel;
    uint64_t rows;                  /* rows evaluated */
    uint64_t rows_without_label;    /* rows with no label the model knows (not evaluated) */
    double loss;                    /* mean loss the model trains on */
    double accuracy;                /* single-label accuracy, or multi-label per-label (binary) accuracy */
    tc_mc_report mc;                /* single-label */
    tc_ml_report ml;                /* multi-label */
} tc_eval_result;

/* Runs the model over every labelled row of c.  Multi-label predictions are
 * the labels with probability >= threshold.  Free with tc_eval_result_free. */
int tc_evaluate(tc_model *m, const tc_config *cfg, const tc_corpus *c, float threshold,
                tc_eval_result *res, tc_err *err);
void tc_eval_result_free(tc_eval_result *res);

/* Learning rate in effect: train.lr, or the optimizer's default. */
float tc_train_lr(const tc_config *cfg);

#endif
