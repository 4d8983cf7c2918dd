/* session.h — one training run as library calls: the pipeline that is
 * training, with `textclf train` (cmd_train.c) only parsing arguments,
 * printing and choosing the exit code around it.
 *
 *   tc_session_config   config file, or a data file's own settings (autoconf.h),
 *                       + --set overrides (+ -o) → resolved config
 *   tc_session_open     the tokenizer that tokenizer.* describes
 *   tc_session_prepare  data → labels → hold-out → vocabulary → model → trainer
 *   tc_session_resume   (optional) weights and trainer state from a checkpoint
 *   tc_session_run      the epochs, with the metrics file, best model and
 *                       periodic checkpoints written after each
 *   tc_session_finish   the final model file (best or last epoch)
 *   tc_session_test     (optional) data.test through the finished model
 *   tc_session_close    frees everything but the bundle
 *
 * The bundle (checkpoint.h) is borrowed and is what the run produces: its
 * cfg is fixed as the data decides (pad.maxlen 0 → the longest row,
 * model.head auto → softmax or sigmoid), and it receives the vocabulary, the
 * label set (sorted by bytes, so label ids do not depend on row order), the
 * model and the META summary.  Notes ("train: FILE: N rows …", the model
 * line) go through the progress printer, which is silent at level 0.
 *
 * Corpus ids: a training read gives counter ids (and hashed features as
 * -1 - bucket); tc_session_prepare turns them into vocabulary ids once the
 * vocabulary is built from the rows that remain after the hold-out, so after
 * it every row of train and valid holds vocabulary ids (< vocabulary size)
 * or features (vocabulary size + bucket), as the model's embedding expects. */
#ifndef TC_SESSION_H
#define TC_SESSION_H

#include <signal.h>
#include <stdio.h>

#include "store/checkpoint.h"
#include "text/corpus.h"
#include "train/autoconf.h"
#include "train/progress.h"
#include "train/trainer.h"

typedef struct tc_session {
    tc_bundle *bd;   /* borrowed; filled by prepare */
    tc_progress *pg; /* borrowed; notes and epoch lines */
    tc_tokenizer *tok;
    tc_corpus train, valid; /* vocabulary ids once prepared */
    tc_counter all, part;   /* word counts: every row, rows left after the hold-out */
    float *row_w;           /* train.class_weight: balanced (train.n), else NULL */
    int multilabel;
    tc_rng rng;
    tc_trainer *trainer;
    const char *resumed_from;   /* the checkpoint tc_session_resume read, or NULL */
    tc_autoconf *autoconf;      /* borrowed: the data's choices (train DATA), or NULL */
    char ckpt[TC_PATH_MAX + 8]; /* output.checkpoint, or output.model + ".ckpt" */
    size_t meta_base;           /* bd->meta bytes before the training summary */
    FILE *metrics;              /* output.metrics' lines while running: a memory stream over
                                     * metrics_buf, the file rewritten atomically after each epoch */
    char *metrics_buf;
    size_t metrics_len;
    /* Set before tc_session_prepare to train as one of several processes
     * (mpirun; trainer.h tc_dist), NULL = alone.  Only process 0 writes
     * files (metrics, best model, checkpoints, the final model). */
    const tc_dist *dist;
} tc_session;

/* Defaults, then the config file at path — or, for a data file (a name
 * not ending in .yaml/.yml), the settings tc_autoconf_data chooses, with
 * their notes in *ac — then each "SECTION.KEY=VALUE" of sets, then output
 * (if not NULL) as output.model; validated.  Returns 0, -1 for a config or
 * --set error, -2 for an error reading the data. */
int tc_session_config(tc_config *cfg, const char *path, char *const *sets, int nsets, const char *output,
                      tc_autoconf *ac, tc_err *err);

/* Starts a session over bd (whose cfg is loaded and validated). */
int tc_session_open(tc_session *s, tc_bundle *bd, tc_progress *pg, tc_err *err);
void tc_session_close(tc_session *s);

/* Reads data.train (holding out train.validation_split) and data.valid,
 * builds the vocabulary and label set, fixes the data-dependent config,
 * makes and initialises the model (model.vectors too) and the trainer. */
int tc_session_prepare(tc_session *s, tc_err *err);

/* --resume: the checkpoint at path must come from the same run (the same
 * config but for train.epochs, train.threads and output.*, the same
 * vocabulary, labels and model size); its weights and trainer state replace
 * the fresh ones.  path is borrowed for the session's life. */
int tc_session_resume(tc_session *s, const char *path, tc_err *err);

/* Trains until done, early stopping or *stop (may be NULL); sum says which.
 * On an error while a best epoch is kept, the message says where it is. */
int tc_session_run(tc_session *s, volatile sig_atomic_t *stop, tc_train_summary *sum, tc_err *err);

/* The resume checkpoint (s->ckpt): the current weights and trainer state. */
int tc_session_save_checkpoint(tc_session *s, tc_err *err);

/* The final output.model: the best epoch's weights with output.save_best,
 * else the last.  A checkpoint a resumed run has finished is removed unless
 * checkpoints are kept (output.checkpoint_every > 0). */
int tc_session_finish(tc_session *s, tc_err *err);

/* data.test through the model (free *res with tc_eval_result_free);
 * *empty: its rows with no tokens (classified by the model's prior). */
int tc_session_test(tc_session *s, tc_eval_result *res, uint64_t *empty, tc_err *err);

#endif
