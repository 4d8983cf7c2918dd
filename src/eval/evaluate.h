/* evaluate.h — `textclf eval` as library calls: a labelled file read through
 * the model's own reading and tokenizing path (text/corpus.h), the model run
 * over it group by group (predict/infer.h), the scores streamed into the
 * reports (eval/metrics.h), and the report written as text or JSON.
 *
 *     tc_evaluation_init → tc_evaluation_set* → tc_evaluation_read →
 *     tc_evaluation_run → [tc_evaluation_write_svg] → tc_evaluation_print_* →
 *     tc_evaluation_free
 *
 * Labels in the data that the model never saw are read into a copy of the
 * model's label set (ids >= L), counted per name, and then dropped from their
 * rows: a single-label row left without a label is not scored, a multi-label
 * row is scored on its known labels.  The report names them.
 *
 * Tuning (opts.tune, sigmoid multi-label models) picks each label's F1-best
 * threshold on the data (a validation file), stores the thresholds in the
 * model (the THRS section) and rewrites opts.model_path atomically with the
 * model's own config, not the data.* overrides; the report then shows the
 * scores with them, and micro/macro F1 before.  Only tuning keeps every
 * row's probabilities (rows x labels floats); otherwise memory is one
 * inference group's. */
#ifndef TC_EVALUATE_H
#define TC_EVALUATE_H

#include <stdint.h>
#include <stdio.h>

#include "eval/metrics.h"
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "util/err.h"

typedef struct tc_eval_opts {
    const char *data;       /* the labelled file, "-" = stdin */
    const char *model_path; /* where tuned thresholds are saved */
    long k;                 /* P@k and R@k (multi-label) */
    int threads;            /* inference threads: 0 = the cores there are */
    float threshold;        /* > 0: one threshold for every label; 0: the model's */
    int tune;               /* choose per-label thresholds and save them */
    int confusion;          /* a confusion SVG will be asked for (single-label only) */
} tc_eval_opts;

typedef struct tc_evaluation {
    tc_bundle *bd;
    tc_eval_opts o;
    tc_config *saved; /* the model's config before tc_evaluation_set */
    tc_corpus c;
    tc_strtab labels;      /* the model's labels, then the unseen ones */
    uint64_t *unseen_rows; /* (labels.n - L) rows each unseen label appears on */
    uint64_t not_scored;   /* single-label rows whose only label is unseen */
    int L, multilabel;
    float *thr;          /* (L) the thresholds in use */
    const char **names;  /* (L) label names */
    float *probs;        /* (n, L), only when tuning */
    double *f1;          /* (L) each label's F1 at its tuned threshold */
    tc_mc_report mc;     /* single-label */
    tc_ml_report before; /* multi-label: the scores (before tuning) */
    tc_ml_report after;  /* multi-label, tuned: the scores with the new thresholds */
} tc_evaluation;

/* The evaluation of bd's model (loaded; bd outlives ev).  Refuses tuning
 * with a softmax model and a confusion SVG with a multi-label one. */
int tc_evaluation_init(tc_evaluation *ev, tc_bundle *bd, const tc_eval_opts *o, tc_err *err);
/* Overrides one config key ("data.format=tsv") for reading the data. */
int tc_evaluation_set(tc_evaluation *ev, const char *assignment, tc_err *err);
/* Reads and tokenizes o->data; ev->c holds the rows, their skipped and
 * invalid-UTF-8 counts. */
int tc_evaluation_read(tc_evaluation *ev, tc_err *err);
/* Runs the model and scores; with o->tune also tunes and saves. */
int tc_evaluation_run(tc_evaluation *ev, tc_err *err);
/* The confusion matrix (single-label) as an SVG heatmap, replacing path
 * atomically. */
int tc_evaluation_write_svg(const tc_evaluation *ev, const char *path, const char *title, tc_err *err);
/* The report: metrics.h's text report and the notes (rows with no tokens,
 * unseen labels, tuned thresholds), or one JSON object. */
void tc_evaluation_print_text(const tc_evaluation *ev, FILE *out);
void tc_evaluation_print_json(const tc_evaluation *ev, FILE *out);
void tc_evaluation_free(tc_evaluation *ev);

#endif
