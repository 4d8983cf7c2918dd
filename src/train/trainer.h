/* trainer.h — the training loop, its resumable state, and evaluation.
 *
 * A tc_trainer runs epochs of shuffled mini-batches: forward (with dropout),
 * loss (with per-row class weights), backward, optional global-norm
 * clipping, decoupled weight decay, then an optimizer step that touches only
 * the embedding rows the batch used (lazy Adam / sparse SGD; none at all
 * with model.freeze_embedding) and the whole dense tail, at the learning
 * rate the schedule gives for that step.  After each epoch it evaluates the
 * validation rows (if any), feeds the monitored score to early stopping,
 * keeps a copy of the best weights (output.save_best), records the epoch in
 * its history and calls the caller's on_epoch hook (which writes metrics,
 * the best model and periodic checkpoints).
 *
 * Everything the loop depends on lives in the trainer: the random generator
 * (dropout, shuffling), the row order of the current epoch and how far into
 * it the run is, the optimizer step count and Adam moments, the running
 * epoch sums, early-stopping state, the best weights and the history.
 * tc_trainer_save_state() turns that into bytes (the TRST section of a
 * checkpoint) and tc_trainer_load_state() puts it back, so a run stopped
 * after any batch and resumed continues exactly as if it had never stopped:
 * the same model bytes at the end, with the same seed and thread count.
 *
 * *stop (a signal handler sets it) is checked before every batch; the run
 * then returns with `interrupted` set and the state ready to save.  A loss
 * or weight that stops being finite ends the run with an error. */
#ifndef TC_TRAINER_H
#define TC_TRAINER_H

#include <signal.h>
#include <stdio.h>

#include "config.h"
#include "nn/model.h"
#include "text/corpus.h"
#include "train/history.h"
#include "eval/metrics.h"
#include "train/progress.h"
#include "util/rng.h"

typedef struct tc_trainer tc_trainer;

/* ---- training over several processes (MPI glue: dist/) --------------------
 * Shard s of every batch is computed by process s·procs/S (a contiguous block
 * of shards per process, split among its threads).  After its shards, each
 * process calls exchange(), which must make every shard's results known to
 * every process; all then sum them in shard order and take the same step, so
 * their weights stay identical and equal one process's. */
typedef struct tc_shard_out {
    int nb;               /* rows of the batch in the shard (0 = empty) */
    double loss, correct; /* its mean loss, correct predictions */
    size_t nrows;         /* embedding rows it touched */
    const uint32_t *rows; /* (nrows) */
    const float *grows;   /* (nrows, D) their gradients */
    float *gtail;         /* (nparams - tail) its dense-tail gradient; filled in for others' shards */
} tc_shard_out;

/* The process that computes shard s of S among procs processes. */
static inline int tc_dist_owner(int s, int S, int procs)
{
    return (int)((int64_t)s * procs / S);
}

typedef struct tc_dist {
    int rank, procs;
    void *ctx;
    /* out[S]: this process's shards are filled in; fills in the others'
     * (pointers valid until the next call).  D and ntail size the arrays.
     * *stop: in, this process wants to stop; out, some process does (the
     * same answer everywhere, so all stop after the same step). */
    int (*exchange)(void *ctx, tc_shard_out *out, int S, int D, size_t ntail, int *stop, tc_err *err);
    /* 1 if any process's *local says stop (all processes get the same answer). */
    int (*any)(void *ctx, int local, tc_err *err);
} tc_dist;

typedef struct tc_train_opts {
    tc_progress *progress;       /* NULL = silent */
    volatile sig_atomic_t *stop; /* may be NULL */
    /* Called after every epoch (e = the epoch just recorded); a negative
     * return ends the run with that error.  May be NULL. */
    int (*on_epoch)(void *ctx, tc_trainer *t, const tc_epoch_log *e, tc_err *err);
    void *ctx;
} tc_train_opts;

typedef struct tc_train_summary {
    int epochs_done;   /* epochs completed, over all runs of this training */
    int stopped_early; /* early stopping ended it */
    int interrupted;   /* *stop ended it; the state is resumable */
    double seconds;    /* wall clock of this call */
} tc_train_summary;

/* A trainer for model m (weights already initialised) over `train`, with
 * optional `valid` rows and per-row loss weights row_w (train->n, or NULL).
 * The generator starts as a copy of *rng.  m, cfg, the corpora and row_w are
 * borrowed and must outlive the trainer. */
tc_trainer *tc_trainer_new(tc_model *m, const tc_config *cfg, const tc_corpus *train, const tc_corpus *valid,
                           const float *row_w, const tc_rng *rng, tc_err *err);
void tc_trainer_free(tc_trainer *t);
/* Trains as one of d->procs processes (borrowed; NULL = alone).  Not with train.hogwild. */
int tc_trainer_set_dist(tc_trainer *t, const tc_dist *d, tc_err *err);

/* Trains until the configured epochs are done, early stopping fires, or *stop. */
int tc_trainer_run(tc_trainer *t, const tc_train_opts *o, tc_train_summary *sum, tc_err *err);

/* The resumable state as bytes (malloc'd into *buf), and back.  Loading
 * checks that the state belongs to this model, data and batch size. */
int tc_trainer_save_state(const tc_trainer *t, void **buf, size_t *len, tc_err *err);
int tc_trainer_load_state(tc_trainer *t, const void *buf, size_t len, tc_err *err);

/* 1 once no further epoch will run (all done, or early stopping fired). */
int tc_trainer_done(const tc_trainer *t);
/* Where the run stands: epochs completed, rows of the current epoch done. */
void tc_trainer_position(const tc_trainer *t, int *epoch, uint64_t *rows_done);

/* The epochs recorded so far (over all runs), oldest first. */
const tc_epoch_log *tc_trainer_history(const tc_trainer *t, int *n);
/* train.tune_thresholds (multi-label): the per-label thresholds chosen on
 * the validation rows after the last epoch (its val F1 scores use them);
 * NULL before the first validation.  Valid until the next epoch. */
const float *tc_trainer_thresholds(const tc_trainer *t);
/* The epoch whose weights tc_trainer_use_best() restores (0 = none kept). */
int tc_trainer_best_epoch(const tc_trainer *t);
/* Copies the kept best weights into the model (output.save_best); no-op if none. */
void tc_trainer_use_best(tc_trainer *t);

/* train.class_weight: balanced — one weight per row of c (malloc'd into *w).
 * Single-label: w = n_rows / (n_classes · rows of the row's class), counting
 * only classes present (scikit-learn's "balanced").  Multi-label: each label
 * l gets n_rows / (n_labels · rows carrying l), a row the mean over its
 * labels (1 if it has none), and all rows are rescaled to average 1. */
int tc_train_class_weights(const tc_corpus *c, int nlabels, int multilabel, float **w, tc_err *err);

typedef struct tc_eval_result {
    int multilabel;
    uint64_t rows;               /* rows evaluated */
    uint64_t rows_without_label; /* rows with no label the model knows (not evaluated) */
    double loss;                 /* mean loss the model trains on */
    double accuracy;             /* single-label accuracy, or multi-label per-label (binary) accuracy */
    double macro_f1;             /* macro-averaged F1 over the classes (labels) */
    double micro_f1;             /* multi-label: tp, fp, fn pooled over the labels; single-label: accuracy */
    tc_mc_report mc;             /* single-label */
    tc_ml_report ml;             /* multi-label */
} tc_eval_result;

/* Runs the model over every labelled row of c.  Multi-label predictions are
 * the labels with probability >= thr[label] (thr: L thresholds, or NULL for
 * model.threshold).  tune (L, may be NULL): multi-label only, each label's
 * threshold is chosen on c instead (the F1-best cut, tc_ml_tune_thresholds;
 * model.threshold for a label with fewer than TC_TUNE_MIN_POSITIVES positive
 * rows), written to tune, and
 * the metrics are those at the chosen thresholds; tuning holds the rows'
 * probabilities, so only the first 2^26 / L rows are scored then.  Free with
 * tc_eval_result_free. */
int tc_evaluate(tc_model *m, const tc_config *cfg, const tc_corpus *c, const float *thr, float *tune,
                tc_eval_result *res, tc_err *err);
void tc_eval_result_free(tc_eval_result *res);

/* Learning rate in effect before any schedule: train.lr, or the optimizer's default. */
float tc_train_lr(const tc_config *cfg);

#endif
