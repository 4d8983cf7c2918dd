/* records.h — predict's record path: input record → text → token ids →
 * probabilities → output record, one output record per input record, in
 * input order.
 *
 * Input records come from a tc_reader: plain lines (one text each), or CSV /
 * TSV records whose text is one or more columns (joined with a space by
 * tc_record_text, the code corpus.c reads training data with) and whose
 * other columns may be passed through.  Columns are named as corpus.c names
 * them (tc_column_find): a header field, else a 0-based index.  Output: TSV,
 * CSV or JSON Lines (emit.h) on the stream given.
 *
 * Records are encoded and queued; a full queue (o->batch records, or one
 * with o->stream or o->explain) goes through the model (infer.h) and is
 * written; infer.h makes every queue size give bit-identical probabilities.
 * A record that cannot be decoded (malformed CSV, too few columns) gives an
 * error record in its place — never a dropped or shifted line — and
 * o->on_bad_record hears of it. */
#ifndef TC_RECORDS_H
#define TC_RECORDS_H

#include <stdint.h>
#include <stdio.h>

#include "predict/emit.h"
#include <signal.h>

#include "store/checkpoint.h"
#include "text/reader.h"

#define TC_PREDICT_PROBS_MAX ((size_t)64 << 20)

typedef struct tc_predict_opts {
    enum tc_format in_fmt;         /* TC_FMT_LINES, TC_FMT_CSV or TC_FMT_TSV */
    int header;                    /* CSV/TSV: the first record names the columns */
    const char *const *text_specs; /* (ntext) text columns; none: the model's data.text_column */
    int ntext;
    const char *const *keep_lists; /* (nkeep_lists) "C,C,..." columns to pass through; "*" = all */
    int nkeep_lists;
    enum tc_emit_format out_fmt;
    long k;                                            /* labels shown per record (0: 1) */
    long explain_top;                                  /* tokens listed each way with explain */
    long batch;                                        /* records per model pass when not streaming, cut so that
                                     * batch x labels x 4 bytes <= TC_PREDICT_PROBS_MAX */
    long threads;                                      /* model passes run at once when not streaming; 0 = the cores;
                                     * the output is the same bytes for any count */
    float threshold;                                   /* sigmoid decision threshold; 0: the model's */
    int probs, explain;                                /* also every label's probability / the explanation */
    int stream;                                        /* one record at a time, each output record flushed */
    const volatile sig_atomic_t *stop;                 /* may be NULL; when set, stop after the last whole record */
    void (*on_bad_record)(void *ctx, const char *msg); /* may be NULL */
    void (*on_note)(void *ctx, const char *msg);       /* may be NULL: kept columns renamed */
    void *ctx;
} tc_predict_opts;

typedef struct tc_predictor tc_predictor;

/* A predictor for the model in bd writing to out; name (the input) is used
 * in messages.  bd, o and name are borrowed for the predictor's life. */
tc_predictor *tc_predictor_new(tc_bundle *bd, const tc_predict_opts *o, const char *name, FILE *out, tc_err *err);
void tc_predictor_free(tc_predictor *p);

/* Predicts every record of r.  Returns 0, or -1 on a fatal error (reading,
 * writing, memory); the records before a read error are written first. */
int tc_predictor_run(tc_predictor *p, tc_reader *r, tc_err *err);

/* Records that could not be decoded (each got an error record). */
uint64_t tc_predictor_bad_records(const tc_predictor *p);

#endif
