/* corpus.h — a labelled data file turned into token ids: the shared path that
 * train, eval and predict all go through (reader → tokenizer → vocabulary).
 *
 * Training reads with a tc_counter (word ids are counter ids, rewritten by
 * tc_corpus_remap_tokens once the vocabulary is built) and lets new labels in;
 * evaluation reads with the model's vocabulary and label set fixed.
 *
 * Rows keep their full token sequence; padding/truncation to the model's maxlen
 * happens when a batch is formed (pad.h), so one corpus serves any maxlen.
 *
 * With hashed n-gram features (tokenizer.ngrams >= 2 or tokenizer.char_ngrams,
 * average-pool encoder; see ngram.h) a row is each token's id followed by
 * that token's features, token by token:
 *     good  <go goo ood od>  movie  good+movie  <mo mov ...
 * so pad.maxlen counts features too, and truncation drops whole words with
 * their features (only the features of the word at the cut can be split).
 * A feature's id is its embedding row (tc_vocab_feature): a bucket no
 * training row used takes the shared unseen row.  Words out of the vocabulary
 * keep the OOV id 1 next to their features (fastText drops them; here the
 * OOV row learns "a rare word" and the n-grams say which one).
 *
 * Inputs: data.text_column may name several columns (or JSON fields), joined
 * with a space in the order given; data.format jsonl reads one JSON object per
 * line (text fields: strings, numbers, booleans, null = ""; the label field: a
 * string, number or boolean, or a list of them for several labels). */
#ifndef TC_CORPUS_H
#define TC_CORPUS_H

#include <stdint.h>

#include "config.h"
#include "text/ngram.h"
#include "text/reader.h"
#include "text/tokenize.h"
#include "text/vocab.h"
#include "util/bytes.h"
#include "util/strtab.h"

typedef struct tc_corpus {
    uint64_t n;        /* rows */
    uint64_t *tok_off; /* (n+1): row i's tokens are ids[tok_off[i] .. tok_off[i+1]) */
    int32_t *ids;
    uint64_t *lab_off; /* (n+1): row i's labels are labels[lab_off[i] .. lab_off[i+1]) */
    int32_t *labels;
    uint64_t *line; /* (n): input line each row starts on */
    size_t cap_rows, cap_ids, cap_labels;

    uint64_t skipped;         /* malformed rows skipped (data.on_error: skip) */
    uint64_t blank;           /* blank lines ignored */
    uint64_t unknown_labels;  /* label occurrences the label set does not know (evaluation) */
    uint64_t invalid_utf8;    /* invalid UTF-8 sequences replaced by U+FFFD */
    uint64_t trimmed_labels;  /* label occurrences with white space around them, trimmed */
    char trimmed_example[48]; /* the first of those as read (cut; "" when none) */
    uint32_t max_labels;      /* most labels on one row */
    uint64_t max_tokens;      /* longest row, in tokens */
    uint32_t data_crc32;      /* CRC-32 of the bytes read (tc_reader_crc32) */
} tc_corpus;

typedef struct tc_corpus_src {
    const tc_config *cfg; /* data.* says how to read; tokenizer.* is already in tok */
    tc_tokenizer *tok;
    tc_counter *counter;   /* training: count words (exactly one of counter / vocab) */
    const tc_vocab *vocab; /* evaluation: look words up */
    tc_strtab *labels;     /* the label set */
    int add_labels;        /* training: unseen labels join the set */
} tc_corpus_src;

/* The tokenizer that tokenizer.* describes (train, eval and predict all use this). */
tc_tokenizer *tc_tokenizer_from_config(const tc_config *cfg, tc_err *err);

void tc_corpus_init(tc_corpus *c);
void tc_corpus_free(tc_corpus *c);

/* Reads a whole file ("-" = stdin).  Errors name "FILE:LINE: …". */
int tc_corpus_read(tc_corpus *c, const char *path, const tc_corpus_src *src, tc_err *err);

/* After a training read: word ids[i] ← remap[ids[i]]; with hashed features
 * (buckets > 0: tokenizer.buckets; they are kept as -1 - bucket until the
 * vocabulary is known) installs v's compact feature map, the buckets these
 * rows use at least min_count times (vocab.h), and rewrites each feature to
 * its row, the features of the buckets left out to the unseen row. */
int tc_corpus_remap_tokens(tc_corpus *c, const uint32_t *remap, tc_vocab *v, uint32_t buckets, uint64_t min_count,
                           tc_err *err);
/* Rows with no tokens at all (an empty text, or only what the tokenizer
 * drops: spaces, punctuation, symbols).  The rule for them is the same in
 * train, eval and predict: such a row is classified from no evidence, i.e.
 * it gets the model's output for an empty input — the prior it learned —
 * and counts like any other row. */
uint64_t tc_corpus_count_empty(const tc_corpus *c);
/* Rows with more than maxlen ids: the rows pad.maxlen cuts. */
uint64_t tc_corpus_count_longer(const tc_corpus *c, uint64_t maxlen);

/* labels[i] ← remap[labels[i]]. */
void tc_corpus_remap_labels(tc_corpus *c, const uint32_t *remap);

/* Rebuilds `labels` in byte order (so label ids do not depend on row order);
 * remap (labels->n entries, caller-allocated) receives old id → new id. */
int tc_labels_sort(tc_strtab *labels, uint32_t *remap, tc_err *err);

/* Tokenizes one text and looks each token up in vocab: *ids (grown as needed,
 * owned by the caller, *cap its capacity) receives *n ids, laid out as
 * tc_corpus_read lays out a row (each token's id, then its features). */
int tc_encode_text(tc_tokenizer *tok, const tc_vocab *vocab, const char *text, size_t len, int32_t **ids, size_t *n,
                   size_t *cap, tc_err *err);

/* The columns of a record, the one code train, eval and predict use.
 *
 * tc_column_find: spec (len bytes) names a column of the header hdr (a field
 * equal to it once white space around the field is trimmed), else is a
 * 0-based index written in decimal digits.  Returns 0 with *col set, or -1
 * when it is neither (the caller words the error: which key or option, and
 * whether the input has a header).  hdr may be NULL. */
int tc_column_find(const tc_record *hdr, const char *spec, size_t len, long *col);
/* The error for a spec that tc_column_find did not find: "NAME:LINE: WHAT
 * 'SPEC' is not a column of the header (columns: a, b, c)", or, without a
 * header, that a name needs one (use a 0-based index).  Returns -1. */
int tc_column_error(const tc_record *hdr, const char *name, const char *what, const char *spec, size_t len,
                    tc_err *err);

/* Appends one text piece to w, with a space before it when both w and the
 * piece are non-empty (several text columns or JSON fields become one text).
 * An out-of-memory is kept in w->oom. */
void tc_text_join(tc_wbuf *w, const char *p, size_t len);

/* The text of rec: fields cols[0..n) (each < rec->nfields), joined as
 * tc_text_join does — one field is returned in place, several are joined in
 * w.  Returns 0, or -1 out of memory. */
int tc_record_text(const tc_record *rec, const long *cols, int n, tc_wbuf *w, const char **text, size_t *len,
                   tc_err *err);

/* Multi-label data: a label separator is configured, or a fastText or JSON
 * Lines file has rows with several labels. */
int tc_corpus_is_multilabel(const tc_config *cfg, const tc_corpus *c);

#endif
