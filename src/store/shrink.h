/* shrink.h — making a trained model small (textclf quantize, output.quantize):
 * pruning its embedding, then quantizing every tensor (quant.h).
 *
 * Pruning (fastText's quantize -cutoff) keeps the K rows that matter most and
 * drops the rest from the vocabulary, the compact feature map and the table.
 *
 * "Matter most" is the L2 norm of the row: under the average pool a row's
 * pull on the pooled vector is proportional to it.  Padding, OOV and the
 * unseen-feature row always stay.  A word dropped then reads as
 * out-of-vocabulary (id 1); a hashed feature dropped takes the unseen row
 * (vocab.h), so it still counts in the mean.  A model saved before compact
 * rows (one row per bucket) first gets a map of every bucket, so it prunes
 * the same way (with a zero unseen row). */
#ifndef TC_SHRINK_H
#define TC_SHRINK_H

#include <stdint.h>

#include "store/checkpoint.h"

/* Keeps the `keep` word and feature rows of largest norm (ties: lower row
 * first), in their original order; rebuilds b->vocab and b->model (smaller V,
 * the same dense tail).  keep >= the rows there are changes nothing.
 * *kept receives the rows kept (padding and OOV not counted). */
int tc_prune_rows(tc_bundle *b, uint64_t keep, uint64_t *kept, tc_err *err);

typedef struct tc_shrink_opts {
    uint64_t cutoff; /* keep this many embedding rows (0 = all) */
    tc_quant_opts q; /* q.pq: product-quantize the embedding, else int8 */
    /* Called after pruning and before quantizing when not NULL (the caller's
     * fine-tuning: train/retrain.h); a negative return is the error. */
    int (*after_prune)(void *ctx, tc_bundle *b, tc_err *err);
    void *ctx;
    const char *note; /* appended to the META quantized= line (e.g. "retrained 5 epochs"), or NULL */
} tc_shrink_opts;

/* Prunes (o->cutoff) and quantizes b in place: b->quant holds the encoded
 * weights (saved instead of the floats), b->model the decoded ones (what a
 * reload of the file gives), and META a "quantized=" line that says how.
 * *kept: embedding rows kept, as tc_prune_rows. */
int tc_shrink(tc_bundle *b, const tc_shrink_opts *o, uint64_t *kept, tc_err *err);

#endif
