/* history.h — what happened in each epoch, and its JSON Lines form
 * (output.metrics, read back by `textclf plot`).
 *
 * One line per epoch, one flat JSON object:
 *   {"epoch":3,"lr":0.0005,"loss":0.2239,"accuracy":0.9187,
 *    "val_loss":0.431,"val_accuracy":0.8177,"val_macro_f1":0.8170,
 *    "val_micro_f1":0.8177,
 *    "seconds":0.21,"rows_per_s":320114,"best":false}
 * "loss"/"accuracy" are the running means over the epoch's training batches
 * (as Keras reports them); the val_* keys are null when there is no
 * validation data; "best" is true when the monitored score improved (with
 * output.save_best, the epoch whose weights the model file then holds).
 * Numbers that are not finite are written as null.
 *
 * The reader accepts any flat object: keys it does not know are skipped,
 * missing ones read as NaN, and anything that is not a flat object of
 * numbers, strings, true/false/null is an error naming the line and column. */
#ifndef TC_HISTORY_H
#define TC_HISTORY_H

#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

typedef struct tc_epoch_log {
    int epoch;             /* 1-based */
    int has_val;           /* validation scores are present */
    int best;              /* the monitored score improved in this epoch */
    double lr;             /* learning rate of the epoch's last step */
    double loss, accuracy; /* training rows */
    double val_loss, val_accuracy, val_macro_f1;
    double seconds, rows_per_s; /* wall clock of the epoch, training only */
    double val_micro_f1;        /* multi-label: tp, fp, fn pooled over the labels; single-label: = val_accuracy */
} tc_epoch_log;

/* Writes e as one JSON object and a newline. */
void tc_history_write(FILE *f, const tc_epoch_log *e);

/* Parses one line (len bytes, no newline needed) into *e; `where` ("FILE:LINE")
 * prefixes error messages. */
int tc_history_parse(const char *line, size_t len, tc_epoch_log *e, const char *where, tc_err *err);

/* Reads every non-blank line of a JSON Lines file ("-" = stdin) into a
 * malloc'd array *out of *n records (free() it). */
int tc_history_read(const char *path, tc_epoch_log **out, size_t *n, tc_err *err);

/* The one line of advice a finished run's history calls for, or 0 with
 * out = "" when none does:
 *   underfitting  the last epoch's training accuracy is below 0.9 (single-
 *                 label) and its loss still fell by more than 1% over the
 *                 epoch before, and early stopping did not end the run:
 *                 more epochs or a higher learning rate would help;
 *   overfitting   the best epoch's validation accuracy is more than 0.15
 *                 below its training accuracy (single-label), or its
 *                 validation loss more than twice its training loss
 *                 (multi-label, where accuracy is per label and near 1):
 *                 regularise, or stop earlier.
 * best_epoch: 1-based index of the weights kept (0 = the last).  Returns 1
 * when out holds advice. */
int tc_history_advice(const tc_epoch_log *h, int n, int best_epoch, int multilabel, int stopped_early, char *out,
                      size_t cap);

#endif
