/* infer.h — running a loaded model over token-id rows: the one inference path
 * that predict, eval and explain share.
 *
 * Rows go through tc_model_forward in groups of up to `cap` rows, each group
 * padded (pad.h, Keras pad_sequences) to its longest row, capped at
 * pad.maxlen.  Masking makes the padding invisible to the model, but BLAS is
 * not: OpenBLAS computes the rows of a matrix product in tiles of a few rows,
 * and a row that falls in a partial tile at the end of a product goes through
 * a different kernel (and rounds differently) than one in a full tile.  So
 * every group is rounded up to a multiple of TC_INFER_QUANTUM rows with
 * all-padding rows: every real row is then computed by the full-tile kernel,
 * and a row's probabilities are bit-identical whether it is predicted alone
 * (streaming, one line at a time) or in a group of 256 (files), and in eval.
 *
 * Decisions.  Softmax heads predict the most probable label (top k with -k).
 * Sigmoid heads predict every label whose probability reaches that label's
 * threshold: one per label, stored in the model file's THRS section (the
 * bundle's `thresholds`, label-id order) by `eval --tune-thresholds`, else
 * model.threshold for every label. */
#ifndef TC_INFER_H
#define TC_INFER_H

#include <stddef.h>
#include <stdint.h>

#include "nn/model.h"
#include "text/corpus.h"
#include "util/err.h"
#include "util/pool.h"

struct tc_bundle; /* store/checkpoint.h: a loaded model file (this header does not need the file format) */

#define TC_INFER_QUANTUM 16
#define TC_INFER_BATCH 256

/* What one thread needs to run groups: a model (the loaded one for lane 0,
 * replicas with their own activations for the others) and a group buffer. */
typedef struct tc_infer_lane {
    tc_model *m;
    int32_t *ids;   /* (rows, T) padded group */
    size_t ids_cap; /* ids' capacity: the largest group so far */
    int rc;         /* the lane's last group failed (err says why) */
    tc_err err;
} tc_infer_lane;

typedef struct tc_infer {
    tc_model *m;
    int maxlen, L; /* pad.maxlen, labels */
    enum tc_side padding, truncating;
    int cap;              /* rows per forward, a multiple of TC_INFER_QUANTUM */
    int nlanes;           /* threads (1 unless tc_infer_set_threads) */
    tc_infer_lane *lanes; /* (nlanes) */
    tc_pool *pool;
    /* the job tc_infer_rows hands the pool */
    const int32_t *const *jrows;
    const size_t *jlens;
    size_t jn;
    float *jprobs;
} tc_infer;

/* Prepares b's model for groups of up to cap rows (rounded up to the quantum).
 * Buffers grow with the groups really seen (rows x their longest row, capped
 * at pad.maxlen), not to cap x pad.maxlen up front: a model with a large
 * maxlen costs memory only for text that long. */
int tc_infer_init(tc_infer *e, struct tc_bundle *b, int cap, tc_err *err);
/* The same for a model still in training (pad.* from cfg). */
int tc_infer_init_model(tc_infer *e, tc_model *m, const tc_config *cfg, int cap, tc_err *err);
void tc_infer_free(tc_infer *e);

/* Runs the groups of one call on `threads` threads (0 = the cores there
 * are).  Group g of a call holds its rows [g·cap, (g+1)·cap) whatever the
 * thread count, and each group's probabilities do not depend on the group
 * (see above), so the output is bit-identical to one thread's. */
int tc_infer_set_threads(tc_infer *e, int threads, tc_err *err);

/* Label probabilities (n, L) of n rows; row i is rows[i][0 .. lens[i]). */
int tc_infer_rows(tc_infer *e, const int32_t *const *rows, const size_t *lens, size_t n, float *probs, tc_err *err);

/* Runs every row of c through the model, group by group (the groups of
 * tc_infer_rows: rows at, at + cap, …), and hands each group's label
 * probabilities (n, L) of rows first .. first + n to each(), in order; memory
 * is one group's per thread, not c->n x L.  each() returns 0, or -1 (with err
 * set) to stop. */
typedef int (*tc_infer_each)(void *ctx, uint64_t first, int n, const float *probs, tc_err *err);
int tc_infer_corpus(tc_infer *e, const tc_corpus *c, tc_infer_each each, void *ctx, tc_err *err);

/* out (k) ← the k label ids of highest probability, best first, ties by
 * lower id (NaN ranks last); with thr, only labels with probs[l] >= thr[l].
 * k <= 0 or k > L means all of them.  Returns how many were written.
 * O(L) for k = 1, O(L log k) otherwise (a heap of k), so 100,000 labels cost
 * one pass, not a sort, per row. */
int tc_infer_top(const float *probs, const float *thr, int L, int k, int *out);

/* The decision thresholds (L) of a sigmoid model: the tuned ones, else
 * model.threshold for every label.  (The loader has checked them.) */
int tc_infer_thresholds_get(const struct tc_bundle *b, float *thr, tc_err *err);

/* Replaces b's tuned thresholds by a copy of thr (labels.n); NULL removes them. */
int tc_infer_thresholds_put(struct tc_bundle *b, const float *thr, tc_err *err);

#endif
