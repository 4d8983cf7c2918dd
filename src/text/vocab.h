/* vocab.h — word counting and the vocabulary (token string ↔ embedding row).
 *
 * Ids follow Keras' Tokenizer(oov_token=…): 0 is padding, 1 is out-of-vocabulary,
 * real words start at 2 in order of decreasing frequency, ties broken by first
 * appearance in the training data (so the order is deterministic).  `num_words`
 * has Keras' meaning: only ids below num_words are kept, i.e. the vocabulary,
 * padding and OOV included, has at most num_words entries.
 *
 * Training counts words in a tc_counter (ids in order of first appearance),
 * then tc_vocab_build() picks the kept words and returns the counter-id →
 * vocab-id map used to rewrite the token ids already read. */
#ifndef TC_VOCAB_H
#define TC_VOCAB_H

#include <stdint.h>

#include "util/strtab.h"

#define TC_PAD_ID 0
#define TC_OOV_ID 1

typedef struct tc_counter {
    tc_strtab words; /* counter id = order of first appearance */
    uint64_t *counts;
    size_t cap;
} tc_counter;

void tc_counter_init(tc_counter *c);
void tc_counter_free(tc_counter *c);
/* Counts one occurrence; returns the word's counter id, or -1 on error. */
int64_t tc_counter_add(tc_counter *c, const char *s, size_t len, tc_err *err);

/* Hashed n-gram features (ngram.h) get embedding rows after the words' rows.
 * A model trained by this version has COMPACT rows: only the buckets that
 * occur in the training rows have one, in bucket order (feat[k] has row
 * size + k), so the table grows with the features seen, not with
 * tokenizer.buckets.  Every other bucket (never seen in training, below
 * tokenizer.feature_min_count, pruned) maps to one shared UNSEEN row,
 * size + nfeat, as an out-of-vocabulary word maps to the OOV row.  It starts
 * at zero and is trained only by the features below feature_min_count, so
 * with feature_min_count 1 the model is exactly a dense table (one row per
 * bucket) whose never-seen rows are zero: same hashing, same mean
 * denominators, same predictions.  Compact files from before the unseen row
 * (feat_unseen 0) drop such a bucket instead (it contributes nothing, not
 * even to the denominator).  Models without the map (feat_map 0, files from
 * before it) have one row per bucket. */
typedef struct tc_vocab {
    tc_strtab words; /* strtab id k is vocabulary id k + 2 */
    int feat_map;    /* 1: compact feature rows (feat below); 0: one row per bucket */
    int feat_unseen; /* with feat_map: 1 = the unseen row follows the feature rows */
    uint32_t *feat;  /* (nfeat) buckets with a row, strictly increasing */
    uint32_t nfeat;
} tc_vocab;

void tc_vocab_init(tc_vocab *v);
void tc_vocab_free(tc_vocab *v);
/* Builds v from c; remap (c->words.n entries, caller-allocated) receives each
 * counter id's vocabulary id (TC_OOV_ID for words not kept). num_words 0 = no limit. */
int tc_vocab_build(tc_vocab *v, const tc_counter *c, int64_t num_words, int64_t min_count, uint32_t *remap,
                   tc_err *err);
/* Appends a word as the next id (used when loading a checkpoint). */
int tc_vocab_push(tc_vocab *v, const char *s, size_t len, tc_err *err);
/* Id of the word, or TC_OOV_ID. */
int32_t tc_vocab_lookup(const tc_vocab *v, const char *s, size_t len);
/* Number of ids, padding and OOV included (= embedding rows). */
static inline uint32_t tc_vocab_size(const tc_vocab *v)
{
    return v->words.n + 2;
}
/* Installs the compact feature map: buckets (n, strictly increasing, each
 * below `buckets`) get rows size, size+1, ..., and with unseen_row 1 every
 * other bucket row size + n.  Replaces any earlier map. */
int tc_vocab_set_features(tc_vocab *v, const uint32_t *feat, uint32_t n, uint32_t buckets, int unseen_row, tc_err *err);
/* Embedding row of hashed bucket `bucket`: its own row, else the unseen row,
 * else (compact map from before the unseen row) TC_PAD_ID: the caller drops it. */
int32_t tc_vocab_feature(const tc_vocab *v, uint32_t bucket);
/* The shared unseen-feature row, or TC_PAD_ID when v has none. */
static inline int32_t tc_vocab_unseen_row(const tc_vocab *v)
{
    return v->feat_map && v->feat_unseen ? (int32_t)(v->words.n + 2 + v->nfeat) : TC_PAD_ID;
}
/* Rows the hashed features take: nfeat (+ the unseen row) with the compact
 * map, else `buckets`. */
static inline uint32_t tc_vocab_feature_rows(const tc_vocab *v, uint32_t buckets)
{
    return v->feat_map ? v->nfeat + (v->feat_unseen != 0) : buckets;
}
/* The word of an id ("<pad>" and "<oov>" for 0 and 1). */
const char *tc_vocab_word(const tc_vocab *v, int32_t id);

#endif
