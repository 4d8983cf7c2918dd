/* split.h — holding out part of the training rows for validation
 * (train.validation_split), Keras' validation_split made stratified.
 *
 * The rows are grouped by class — single-label rows by their label,
 * multi-label rows by their rarest label (ties: the smaller id), rows without
 * a label in a group of their own — and each group is shuffled with a
 * generator seeded from train.seed alone (so the split does not depend on
 * anything else in the config) and its first round(frac · size) rows held
 * out, but never a group's last row: every class keeps a training row.
 * Class proportions in both parts thus match the file's to within one row
 * per class.
 *
 * The split happens BEFORE the vocabulary is built: tc_split_recount makes
 * the word counts those of the training part alone, exactly as if the
 * held-out rows had been in a separate file, so nothing about the
 * validation rows (their words, their lengths) leaks into the model. */
#ifndef TC_SPLIT_H
#define TC_SPLIT_H

#include <stdint.h>

#include "text/corpus.h"
#include "text/vocab.h"

/* is_val (c->n) receives 1 for held-out rows; returns how many, or -1 on
 * error.  Label ids of c must lie in [0, nlabels). */
int64_t tc_split_stratified(const tc_corpus *c, uint32_t nlabels, double frac, uint64_t seed, uint8_t *is_val,
                            tc_err *err);

/* out (initialised, empty) receives the rows r of c with mask[r] == want,
 * in their order; the file-level counts (skipped, blank, …) are copied. */
int tc_split_extract(tc_corpus *out, const tc_corpus *c, const uint8_t *mask, uint8_t want, tc_err *err);

/* c's word ids are ids of `all`; rewrites them to the ids of `out` (an
 * initialised, empty counter) that counts the words of c alone, in order.
 * Negative ids (hashed n-gram features before remapping, corpus.h) stay. */
int tc_split_recount(tc_counter *out, const tc_counter *all, tc_corpus *c, tc_err *err);

/* c's word ids are ids of `all`; rewrites each to the vocabulary id of its
 * word in v (TC_OOV_ID when v does not have it), and each hashed n-gram
 * feature (-1 - bucket) to its embedding row, as tc_corpus_remap_tokens does;
 * a feature without a row of its own (a bucket no training row used) takes
 * the unseen row (vocab.h). */
int tc_split_lookup(tc_corpus *c, const tc_counter *all, const tc_vocab *v, tc_err *err);

#endif
