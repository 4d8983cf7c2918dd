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
 *   - sample averages (multi-label) score each row's label set on its own,
 *     P = |T∩P|/|P|, R = |T∩P|/|T|, F1 = 2|T∩P|/(|T|+|P|), 0 when the
 *     denominator is 0 (also for a row with no true and no predicted label),
 *     then average over rows (scikit-learn's average="samples");
 *   - precision@k and recall@k (multi-label) are fastText's `test` numbers:
 *     each row with at least one true label predicts its k most probable
 *     labels (ties: lower label id first); P@k = Σ hits / Σ predicted,
 *     R@k = Σ hits / Σ true labels, summed over those rows (fastText's
 *     Meter, with its default threshold 0, so every row predicts min(k, L));
 *   - multi-label log loss is the mean binary cross-entropy over every row
 *     and label, p clipped as above;
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
    double log_loss; /* mean −ln p(true); NaN if n_nll == 0 */
    /* The confusion matrix, sparse (C may be 100,000; the cells that are not
     * 0 are at most the rows): the diagonal, each class's support and
     * predicted counts, and the off-diagonal cells in a hash table. */
    uint64_t *diag, *support, *predicted; /* (C) each */
    struct tc_mc_cell *cells;             /* (cap) open addressing on (truth, pred); truth -1 = empty */
    size_t ncells, cap;
    int cells_oom;               /* a cell could not be stored: the off-diagonal counts are incomplete */
    tc_class_metrics *per_class; /* (C) filled by tc_mc_finish */
    double sum_nll;              /* Σ −ln p(true) over rows with a probability */
    uint64_t n_nll;              /* how many such rows */
} tc_mc_report;

typedef struct tc_mc_cell {
    int32_t truth, pred;
    uint64_t n;
} tc_mc_cell;

/* Above this many classes the text report and the SVG show the most
 * frequent confusions instead of the whole matrix (and say so); the JSON
 * report gives the whole matrix up to TC_MC_JSON_FULL_MAX classes. */
#define TC_MC_FULL_MAX 50
#define TC_MC_JSON_FULL_MAX 1000
#define TC_MC_TOP 100

/* Zeroes r and allocates the per-class counters; nclasses >= 1. */
int tc_mc_init(tc_mc_report *r, int nclasses, tc_err *err);
/* Counts one row.  truth and pred must lie in [0, C); a row outside that
 * range is ignored.  p_truth is the model's probability of the true class;
 * pass a negative value (or NaN) when it is unknown. */
void tc_mc_add(tc_mc_report *r, int truth, int pred, double p_truth);
/* Fills accuracy, per_class, the macro/weighted averages and log_loss. */
void tc_mc_finish(tc_mc_report *r);
void tc_mc_free(tc_mc_report *r);
/* The rows of class truth predicted as pred. */
uint64_t tc_mc_count(const tc_mc_report *r, int truth, int pred);
/* The most frequent confusions (truth != pred), most rows first, ties by
 * truth then pred; at most max of them into out; returns how many. */
size_t tc_mc_top_confusions(const tc_mc_report *r, tc_mc_cell *out, size_t max);
/* A report over the classes that the most frequent confusions involve (at
 * most TC_MC_FULL_MAX), for drawing: their counts among themselves, their
 * per-class scores from r; classes (TC_MC_FULL_MAX) receives their ids.
 * Needs a finished r. */
int tc_mc_top_subset(const tc_mc_report *r, tc_mc_report *sub, int *classes, tc_err *err);
/* Text: accuracy and log-loss lines, the per-class table (precision, recall,
 * F1, support, predicted) with macro and weighted averages, then the
 * confusion matrix (rows = true class, columns = predicted) with row and
 * column headers — above TC_MC_FULL_MAX classes the TC_MC_TOP most frequent
 * confusions instead, saying so.  Every line of each table has the same
 * display width. */
void tc_mc_print_text(FILE *f, const tc_mc_report *r, const char *const *names);
/* One JSON object followed by a newline:
 *   {"task":"multiclass","nclasses":C,"total":N,"correct":K,"accuracy":x,
 *    "log_loss":x|null,"log_loss_rows":n,
 *    "macro":{"precision":x,"recall":x,"f1":x},
 *    "weighted":{"precision":x,"recall":x,"f1":x},
 *    "per_class":[{"label":"…","precision":x,"recall":x,"f1":x,
 *                  "support":n,"predicted":n},…],
 *    "confusion":[[n,…],…]}          (confusion rows = true class)
 * Above TC_MC_JSON_FULL_MAX classes "confusion" is null and
 * "top_confusions":[{"true":"…","predicted":"…","rows":n},…] (TC_MC_TOP) follows. */
void tc_mc_print_json(FILE *f, const tc_mc_report *r, const char *const *names);

/* names[i], or i in decimal (written into buf) when names is NULL or has no
 * name there: how every report names class i. */
const char *tc_class_name(const char *const *names, int i, char buf[16]);

/* ---- multi-label ------------------------------------------------------- */

typedef struct tc_ml_report {
    int nlabels;
    uint64_t rows, exact;   /* exact = rows with pred == truth on every label */
    uint64_t mismatches;    /* Σ over rows and labels of [pred != truth] */
    uint64_t *tp, *fp, *fn; /* (L) each */
    double micro_precision, micro_recall, micro_f1;
    double macro_precision, macro_recall, macro_f1;
    double sample_precision, sample_recall, sample_f1;
    double subset_accuracy;        /* exact / rows */
    double hamming_loss;           /* mismatches / (rows · L) */
    tc_class_metrics *per_label;   /* (L) filled by tc_ml_finish */
    double sum_sp, sum_sr, sum_sf; /* Σ of the per-row sample scores */
    /* from tc_ml_add_probs */
    int k; /* the k of P@k / R@k (1 after init; set before adding) */
    uint64_t k_rows, k_gold, k_predicted, k_hits;
    double precision_at_k, recall_at_k; /* NaN without rows */
    double sum_bce;                     /* Σ binary cross-entropy over rows and labels */
    uint64_t n_bce;                     /* row·label terms in sum_bce */
    double log_loss;                    /* sum_bce / n_bce; NaN if none */
} tc_ml_report;

/* Zeroes r and allocates the per-label counters; nlabels >= 1. */
int tc_ml_init(tc_ml_report *r, int nlabels, tc_err *err);
/* Counts one row; truth and pred are (L) vectors, any nonzero byte = on. */
void tc_ml_add(tc_ml_report *r, const uint8_t *truth, const uint8_t *pred);
/* Counts one row's label probabilities (L) for P@k, R@k and the log loss. */
void tc_ml_add_probs(tc_ml_report *r, const uint8_t *truth, const float *probs);
/* Per-label thresholds maximizing each label's F1 on n rows of label
 * probabilities probs (n, L) against truth (n, L): label l predicts a row
 * when probs >= thr[l].  The cut is placed halfway between the lowest
 * probability kept and the highest one left out (the highest such cut when
 * several give the best F1).  A label with fewer than TC_TUNE_MIN_POSITIVES
 * positive rows keeps fallback: the F1-best cut of one or two rows is the
 * probability of those rows, often near 0, and predicts the label for
 * much of any other data (Reuters-21578: a label with one validation row
 * tuned to 0.01 was predicted for 898 of 3,299 test rows).
 * f1 (L, may be NULL) receives each label's F1 at its threshold, NaN for a
 * label left at fallback.  Needs
 * O(n) scratch per label; returns -1 only when out of memory. */
#define TC_TUNE_MIN_POSITIVES 5
int tc_ml_tune_thresholds(const float *probs, const uint8_t *truth, size_t n, int L, float fallback, float *thr,
                          double *f1, tc_err *err);
void tc_ml_finish(tc_ml_report *r);
void tc_ml_free(tc_ml_report *r);
/* Text: rows, subset accuracy, Hamming loss, log loss and P@k / R@k (when
 * probabilities were added), micro, macro and sample averages, then the
 * per-label table (precision, recall, F1, support, predicted). */
void tc_ml_print_text(FILE *f, const tc_ml_report *r, const char *const *names);
/* One JSON object followed by a newline:
 *   {"task":"multilabel","nlabels":L,"rows":N,"exact":K,
 *    "subset_accuracy":x|null,"hamming_loss":x|null,
 *    "log_loss":x|null,"k":k,"precision_at_k":x|null,"recall_at_k":x|null,
 *    "micro":{"precision":x,"recall":x,"f1":x},
 *    "macro":{"precision":x,"recall":x,"f1":x},
 *    "samples":{"precision":x,"recall":x,"f1":x},
 *    "per_label":[{"label":"…","precision":x,"recall":x,"f1":x,"support":n,
 *                  "predicted":n,"tp":n,"fp":n,"fn":n},…]} */
void tc_ml_print_json(FILE *f, const tc_ml_report *r, const char *const *names);

#endif
