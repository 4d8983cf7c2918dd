/* ngram.h — hashed n-gram features (fastText's trick): word n-grams and
 * character n-grams are not put in the vocabulary; each is hashed into one of
 * `buckets` extra embedding rows that follow the vocabulary's rows.
 *
 * Which features a token adds (tc_ngram_token), in this order:
 *   - the word n-grams that END at it, n = 2 .. word_n (so "not good" is a
 *     feature of "good"), over the token sequence, whatever the vocabulary
 *     says about the words (rare and unknown words take part too);
 *   - its character n-grams: every substring of n = char_min .. char_max
 *     codepoints of "<" token ">" (the markers show the word's boundaries),
 *     by start position, then length; the markers alone ("<", ">") are not
 *     n-grams.  "<good>" with [3, 4] gives <go <goo goo good ood ood> od>.
 *
 * The hash — fixed, so a model's features are the same on every machine and
 * in every run (tests/test_text.c checks values computed independently):
 *   fnv(x)  = 64-bit FNV-1a of the bytes of x (tc_hash_bytes)
 *   fmix(h) = MurmurHash3's 64-bit finalizer
 *             (h ^= h>>33; h *= 0xff51afd7ed558ccd; h ^= h>>33;
 *              h *= 0xc4ceb9fe1a85ec53; h ^= h>>33)
 *   word n-gram t1..tn:  h = 0x9e3779b97f4a7c15;
 *                        for k = 1..n: h = (h ^ fnv(tk)) * 0x100000001b3;
 *                        hash = fmix(h)
 *   char n-gram s:       hash = fmix(fnv(s) ^ 0xc2b2ae3d27d4eb4f)
 *   bucket = hash mod buckets (64-bit unsigned arithmetic throughout)
 * A feature's embedding row is vocabulary size + its rank among the buckets
 * seen in training (tc_vocab_feature; see vocab.h).
 *
 * Hashed features are used by the average-pool encoder only: the LSTM reads
 * the word sequence itself, so with model.encoder: lstm tc_ngram_opts_from_config
 * turns them off and tc_input_rows adds no buckets. */
#ifndef TC_NGRAM_H
#define TC_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "text/vocab.h"

typedef struct tc_tokens tc_tokens; /* tokenize.h */

typedef struct tc_ngram_opts {
    int word_n;             /* word n-grams of 2..word_n tokens; <= 1 = none */
    int char_min, char_max; /* character n-gram lengths in codepoints; 0 = none */
    uint32_t buckets;       /* rows the features hash into (> 0 when any is on) */
} tc_ngram_opts;

enum { TC_NGRAM_WORD, TC_NGRAM_CHAR };

/* Where a feature came from (for `textclf tokenize`). */
typedef struct tc_ngram {
    uint32_t bucket;
    int kind;            /* TC_NGRAM_WORD or TC_NGRAM_CHAR */
    int n;               /* WORD: tokens (the last one is this token); CHAR: codepoints */
    uint32_t start, len; /* CHAR: bytes [start, start+len) of "<" token ">" */
} tc_ngram;

/* The features tokenizer.* asks for; all off when model.encoder is lstm. */
void tc_ngram_opts_from_config(tc_ngram_opts *o, const tc_config *cfg);

/* The warning for n-gram keys that model.encoder: lstm ignores, or NULL. */
const char *tc_ngram_config_warning(const tc_config *cfg);

/* Does o add any feature? */
int tc_ngram_on(const tc_ngram_opts *o);

/* Embedding rows: the vocabulary (padding and OOV included), plus, when
 * hashed features are on, the buckets with a row (tc_vocab_feature_rows). */
uint32_t tc_input_rows(const tc_config *cfg, const tc_vocab *v);

/* The hashes defined above.  th are fnv() of the n tokens t1..tn. */
uint64_t tc_ngram_word_hash(const uint64_t *th, int n);
uint64_t tc_ngram_char_hash(const char *s, size_t len);

/* Most features one token of `len` bytes can add. */
size_t tc_ngram_max_features(const tc_ngram_opts *o, size_t len);

/* Writes the buckets of the features token i of tk adds (see the top) to
 * out[0..k) and returns k (at most tc_ngram_max_features(o, tk->len[i])).
 * th (tk->n) holds fnv() of every token.  info (may be NULL) receives where
 * each feature came from. */
size_t tc_ngram_token(const tc_ngram_opts *o, const tc_tokens *tk, const uint64_t *th, size_t i, uint32_t *out,
                      tc_ngram *info);

#endif
