/* retrain.h — fine-tuning a pruned model on its training data before it is
 * quantized (textclf quantize --retrain; fastText's quantize -retrain).
 *
 * Pruning (store/shrink.h) removes rows the model was trained with: dropped
 * words then read as out-of-vocabulary and dropped features take the unseen
 * row, rows that learned nothing of what the removed ones carried.  A few
 * epochs on the training rows, read through the pruned vocabulary, let the
 * kept rows, the OOV and unseen rows and the dense layers absorb it.  The
 * run is the model's own recipe (train.* of its stored config: optimizer,
 * learning rate schedule, batch size, seed, class weights), with no
 * validation, early stopping or best-epoch copy, train.epochs replaced when
 * asked, and a starting learning rate of a fifth of train.lr unless asked:
 * the run starts from trained weights, not from a random start. */
#ifndef TC_RETRAIN_H
#define TC_RETRAIN_H

#include "store/checkpoint.h"
#include "train/progress.h"

typedef struct tc_retrain_opts {
    const char *data; /* the training rows; NULL = the stored config's data.train */
    int64_t epochs;   /* 0 = the stored config's train.epochs */
    double lr;        /* 0 = a fifth of the stored config's train.lr (its schedule stays) */
    tc_progress *pg;  /* epoch lines and notes; NULL = silent */
} tc_retrain_opts;

/* Trains b->model in place over o->data read with b's vocabulary and label
 * set (a label the model does not know is an error naming the file).
 * *rows receives the rows trained on.  b->cfg is not changed. */
int tc_retrain(tc_bundle *b, const tc_retrain_opts *o, uint64_t *rows, tc_err *err);

#endif
