/* batch.h — rows of a corpus gathered into one padded mini-batch.
 *
 * A batch is padded to T = the longest row in it (capped at pad.maxlen), not
 * always to maxlen: with masking the result is the same, and short batches
 * are cheaper.  Rows are padded/truncated with Keras pad_sequences semantics. */
#ifndef TC_BATCH_H
#define TC_BATCH_H

#include <stdint.h>

#include "config.h"
#include "nn/model.h"
#include "text/corpus.h"
#include "util/rng.h"

typedef struct tc_batch {
    int B, T; /* this batch */
    int cap_B, cap_T;
    int32_t *ids;    /* (B,T) */
    int32_t *labels; /* (B) softmax heads: the row's label */
    float *targets;  /* (B,outputs) sigmoid heads */
    int outputs;
} tc_batch;

int tc_batch_init(tc_batch *b, int cap_B, int cap_T, int outputs, tc_err *err);
void tc_batch_free(tc_batch *b);

/* Fills b with corpus rows rows[0..n).  Labels follow the model's head. */
void tc_batch_fill(tc_batch *b, const tc_corpus *c, const uint32_t *rows, int n, const tc_config *cfg,
                   const tc_model_spec *s);

/* Reorders a shuffled row order so that rows of similar length share a
 * batch: each window of TC_BUCKET_WINDOW batches is sorted by length (ties
 * keep their shuffled order), then the batches are shuffled.  Batches stay
 * random but carry little padding, which is what an LSTM's time loop costs. */
#define TC_BUCKET_WINDOW 32
int tc_batch_bucket(uint32_t *order, uint32_t n, const tc_corpus *c, int B, tc_rng *rng, tc_err *err);

#endif
