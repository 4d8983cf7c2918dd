/* metrics.h — evaluation reports: counts accumulated row by row, then turned
 * into scores and printed as an aligned text report or one JSON object.
 *
 * Single-label (softmax) models: tc_mc_*.  Multi-label (sigmoid) models:
 * tc_ml_*.  Both follow the same life cycle on a caller-owned struct:
 *     init → add (once per row) → finish (computes every score) → print → free
 * finish may be called again after more rows are added.
 *
 * Conventions (the same as scikit-learn with zero_division=0):
 *   - precision of a class that was never predicted is 0; recall of a class
 *     with no support is 0; F1 = 2·tp / (2·tp + fp + fn), 0 when that is 0/0;
 *   - macro averages are plain means over ALL classes (or labels), including
 *     ones absent from the data; macro F1 is the mean of the per-class F1s,
 *     not the F1 of the macro precision and recall;
 *   - weighted averages weight each class by its support (0 if no rows);
 *   - micro averages (multi-label) pool tp, fp and fn over all labels;
 *   - log loss is the mean of −ln p(true class) over the rows that were added
 *     with a probability, p clipped to [ε, 1−ε] with ε = DBL_EPSILON;
 *   - a score with no rows to stand on (accuracy of 0 rows, log loss with no
 *     probabilities) is NaN: "n/a" in text, null in JSON.
 *
 * Printing: `names` gives the class (label) names, C entries; names == NULL
 * or a NULL entry prints the index instead.  Names are UTF-8; their display
 * width is measured per code point (CJK and emoji take 2 columns), names
 * wider than the column are cut with "…", and invalid bytes or control
 * characters print as U+FFFD or '?' so the tables stay aligned. */
#ifndef TC_METRICS_H
#define TC_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

typedef struct tc_class_metrics {
    double precision, recall, f1;
    uint64_t support;   /* rows whose truth is this class (label set) */
    uint64_t predicted; /* rows predicted as this class (label set) */
} tc_class_metrics;

/* ---- single-label ------------------------------------------------------ */

typedef struct tc_mc_report {
    int nclasses;
    uint64_t total, correct;
    double accuracy;
    double macro_precision, macro_recall, macro_f1;
    double weighted_precision, weighted_recall, weighted_f1;
    double log_loss;             /* mean −ln p(true); NaN if n_nll == 0 */
    uint64_t *confusion;         /* (C,C): [true * C + predicted] */
    tc_class_metrics *per_class; /* (C) filled by tc_mc_finish */
    double sum_nll;              /* Σ −ln p(true) over rows with a probability */
    uint64_t n_nll;              /* how many such rows */
} tc_mc_report;

/* Zeroes r and allocates the (C,C) confusion matrix; nclasses >= 1. */
int tc_mc_init(tc_mc_report *r, int nclasses, tc_err *err);
/* Counts one row.  truth and pred must lie in [0, C); a row outside that
 * range is ignored.  p_truth is the model's probability of the true class;
 * pass a negative value (or NaN) when it is unknown. */
void tc_mc_add(tc_mc_report *r, int truth, int pred, double p_truth);
/* Fills accuracy, per_class, the macro/weighted averages and log_loss. */
void tc_mc_finish(tc_mc_report *r);
void tc_mc_free(tc_mc_report *r);
/* Text: accuracy and log-loss lines, the per-class table (precision, recall,
 * F1, support, predicted) with macro and weighted averages, then the
 * confusion matrix (rows = true class, columns = predicted) with row and
 * column headers.  Every line of each table has the same display width. */
void tc_mc_print_text(FILE *f, const tc_mc_report *r, const char *const *names);
/* One JSON object followed by a newline:
 *   {"task":"multiclass","nclasses":C,"total":N,"correct":K,"accuracy":x,
 *    "log_loss":x|null,"log_loss_rows":n,
 *    "macro":{"precision":x,"recall":x,"f1":x},
 *    "weighted":{"precision":x,"recall":x,"f1":x},
 *    "per_class":[{"label":"…","precision":x,"recall":x,"f1":x,
 *                  "support":n,"predicted":n},…],
 *    "confusion":[[n,…],…]}          (confusion rows = true class) */
void tc_mc_print_json(FILE *f, const tc_mc_report *r, const char *const *names);

/* ---- multi-label ------------------------------------------------------- */

typedef struct tc_ml_report {
    int nlabels;
    uint64_t rows, exact;   /* exact = rows with pred == truth on every label */
    uint64_t mismatches;    /* Σ over rows and labels of [pred != truth] */
    uint64_t *tp, *fp, *fn; /* (L) each */
    double micro_precision, micro_recall, micro_f1;
    double macro_precision, macro_recall, macro_f1;
    double subset_accuracy; /* exact / rows */
    double hamming_loss;    /* mismatches / (rows · L) */
    tc_class_metrics *per_label; /* (L) filled by tc_ml_finish */
} tc_ml_report;

/* Zeroes r and allocates the per-label counters; nlabels >= 1. */
int tc_ml_init(tc_ml_report *r, int nlabels, tc_err *err);
/* Counts one row; truth and pred are (L) vectors, any nonzero byte = on. */
void tc_ml_add(tc_ml_report *r, const uint8_t *truth, const uint8_t *pred);
void tc_ml_finish(tc_ml_report *r);
void tc_ml_free(tc_ml_report *r);
/* Text: rows, subset accuracy, Hamming loss, micro and macro averages, then
 * the per-label table (precision, recall, F1, support, predicted). */
void tc_ml_print_text(FILE *f, const tc_ml_report *r, const char *const *names);
/* One JSON object followed by a newline:
 *   {"task":"multilabel","nlabels":L,"rows":N,"exact":K,
 *    "subset_accuracy":x|null,"hamming_loss":x|null,
 *    "micro":{"precision":x,"recall":x,"f1":x},
 *    "macro":{"precision":x,"recall":x,"f1":x},
 *    "per_label":[{"label":"…","precision":x,"recall":x,"f1":x,"support":n,
 *                  "predicted":n,"tp":n,"fp":n,"fn":n},…]} */
void tc_ml_print_json(FILE *f, const tc_ml_report *r, const char *const *names);

#endif
