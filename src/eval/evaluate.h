/* evaluate.h — a model over a labelled file: the library side of
 * `textclf eval` (cmd_eval.c keeps the options, the report's layout and the
 * exit code).
 *
 *   tc_evaluation_open   the model's labels, names and decision thresholds
 *   tc_evaluation_read   DATA through the model's own reading path
 *   tc_evaluation_score  the inference path of predict (infer.h), then metrics
 *   tc_evaluation_tune   (sigmoid models) each label's F1-best threshold on
 *                        DATA, into the bundle, and the scores again
 *
 * Labels in DATA that the model never saw are read into a copy of the
 * model's label set (ids >= L), counted per name, and then dropped from
 * their rows: a single-label row left without a label is not scored, a
 * multi-label row is scored on its known labels. */
#ifndef TC_EVALUATE_H
#define TC_EVALUATE_H

#include <stdint.h>

#include "eval/metrics.h"
#include "store/checkpoint.h"
#include "text/corpus.h"

typedef struct tc_evaluation {
    tc_bundle *bd;             /* borrowed */
    int L, multilabel;
    const char **names;        /* (L) label names */
    float *thr;                /* (L) decision thresholds (sigmoid models) */
    tc_corpus c;               /* DATA, known labels only */
    tc_strtab labels;          /* the model's labels, then the unseen ones */
    uint64_t *unseen_rows;     /* (labels.n - L) rows each unseen label appears on */
    uint64_t not_scored;       /* single-label rows whose only label is unseen */
    float *probs;              /* (c.n, L) */
    uint8_t *truth;            /* (c.n, L) known labels (multi-label) */
    tc_mc_report mc;           /* single-label scores */
    tc_ml_report before, after;/* multi-label scores: with the thresholds given, after tuning */
    double *f1;                /* (L) each label's F1 at its tuned threshold */
    int tuned;
} tc_evaluation;

/* threshold > 0: one threshold for every label, else the model's. */
int tc_evaluation_open(tc_evaluation *ev, tc_bundle *bd, float threshold, tc_err *err);
void tc_evaluation_close(tc_evaluation *ev);
int tc_evaluation_read(tc_evaluation *ev, const char *path, tc_err *err);
/* k: labels per row for the multi-label @k scores. */
int tc_evaluation_score(tc_evaluation *ev, long k, tc_err *err);
/* Sigmoid models: tunes, stores the thresholds in the bundle (not in its
 * file: the caller saves it) and scores again into ev->after. */
int tc_evaluation_tune(tc_evaluation *ev, long k, tc_err *err);
/* Labels of DATA the model never saw (ids L .. labels.n - 1). */
static inline size_t tc_evaluation_unseen(const tc_evaluation *ev)
{
    return ev->labels.n - (uint32_t)ev->L;
}

#endif
