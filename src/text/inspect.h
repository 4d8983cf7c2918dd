/* inspect.h — what a text becomes, item by item: the library side of
 * `textclf tokenize`, so users can see what the model sees.
 *
 * tc_inspect_line writes one line per text, the items of its row separated
 * by spaces, in row order (corpus.h): each token, then its hashed features —
 * word n-grams as their tokens joined by "_", character n-grams with their
 * "<" ">" markers.  Without a model (a config only, no vocabulary yet):
 * tokens as they are, features as TEXT#BUCKET; with one: TEXT:ID for every
 * item (1 = out of vocabulary; a feature bucket no training row used: TEXT:-),
 * cut to pad.maxlen the way training and prediction cut it.
 * tc_inspect_count adds a text to the totals
 * tc_inspect_print_stats reports: row lengths (for choosing pad.maxlen),
 * the out-of-vocabulary share (with a model), and the tokenizer's own
 * throughput, timed around tc_tokenize alone. */
#ifndef TC_INSPECT_H
#define TC_INSPECT_H

#include <stdint.h>
#include <stdio.h>

#include "store/checkpoint.h"
#include "text/ngram.h"
#include "text/tokenize.h"

typedef struct tc_inspect_stats {
    uint64_t lines, bytes, tokens, features, oov;
    uint32_t *len; /* (cap) items per line with tokens */
    size_t n, cap;
    double seconds; /* inside tc_tokenize */
} tc_inspect_stats;

typedef struct tc_inspector {
    const tc_bundle *bd; /* borrowed: cfg, and the vocabulary when have_model */
    int have_model;
    tc_tokenizer *tok;
    tc_ngram_opts ng;
    uint64_t *th; /* (th_cap) fnv of each token */
    size_t th_cap;
    uint32_t *buckets;  /* (most) features of one token */
    tc_ngram *info;     /* (most) */
    char *marked;       /* "<" token ">" */
    uint64_t cut_lines; /* lines longer than pad.maxlen (with a model) */
    tc_inspect_stats st;
} tc_inspector;

int tc_inspector_open(tc_inspector *t, const tc_bundle *bd, int have_model, tc_err *err);
void tc_inspector_close(tc_inspector *t);

int tc_inspect_line(tc_inspector *t, const char *text, size_t len, FILE *out, tc_err *err);
int tc_inspect_count(tc_inspector *t, const char *text, size_t len, tc_err *err);
void tc_inspect_print_stats(tc_inspector *t, FILE *out);

#endif
