/* tune.h — `textclf tune`: a hyper-parameter search within a time budget.
 *
 * Strategy: successive halving in Hyperband-style brackets of growing size,
 * with a trial plan that depends on the seed alone.
 *
 *   bracket k (k = 0, 1, 2, ...) draws n_k = 9·3^k configurations from the
 *   search space and trains them for e0 epochs (rung 0; e0 = enough epochs
 *   to see 100000 rows, 1..10: tc_tune_rung0_epochs); the best third
 *   (rounded up; ties: the lower trial id) go on to 3·e0 epochs (rung 1),
 *   the best third of those to 9·e0, and so on down to one (at most 50).  Bracket 0's first
 *   trial is the base config itself, trained once with its own epochs (with
 *   autoconf's early stopping, the epochs it needs) and never promoted: the
 *   search starts from what `train` would give.  Each rung
 *   trains from scratch with train.epochs = the rung's epochs, on the same
 *   validation rows (train.validation_split 0.1 seeded by --seed, or
 *   data.valid), with early stopping (patience 2) on the tune metric and the
 *   best epoch kept: a trial's score is its kept epoch's validation score.
 *
 * Determinism: a trial's config and seed depend only on (--seed, trial id),
 * it trains with one thread, and a rung's promotions are decided only when
 * all its trials have finished, so every completed trial has the same score
 * in every run with the same seed, however many trials run at once.  The
 * wall-clock budget decides only how far along this fixed plan the search
 * gets: when it runs out, the trials still running are stopped and not
 * scored.  --max-trials N ends the plan after N trials instead: a budget in
 * a unit that does not depend on the machine (tests use it).  If no trial
 * has finished when the budget ends, the best epoch so far of a stopped one
 * (its model file, which save_best keeps) is the result, flagged partial:
 * something rather than nothing, and said to depend on timing.
 *
 * Trials run as child processes (`textclf train TRIAL.yaml -q`), as many at
 * once as --jobs (default: the cores), each in its own process group so a
 * Ctrl-C reaches only the search, which stops them.  The work folder holds
 * trial-N.yaml, trial-N.jsonl (its epochs), trial-N.log (its stderr), the
 * best model so far, and trials.jsonl: a header line, then one line per
 * finished trial.  --resume reads trials.jsonl back and skips the trials it
 * holds (their scores and the best model are reused); the time they took
 * counts against the budget.
 *
 * Search space (average pool unless noted):
 *   tokenizer.ngrams 1..3; char_ngrams off / [2,4] / [3,5] / [3,6] (not for
 *   CJK text); CJK text: cjk char / bigram / char+bigram; min_count 1..3;
 *   buckets 1/4..2 times the base's (autoconf sizes it from the data), in
 *   [2^14, 2^21]; embedding_dim 16..100; optimizer SGD (batch 1..16,
 *   lr 0.02..0.5, log-uniform) or Adam (batch 16..128, lr 3e-4..1e-2);
 *   lr_schedule constant / linear; dropout 0..0.5; model.encoder lstm for
 *   one draw in eight (units 32 or 64, mean over time).
 * --max-model-size S: a draw whose hashed rows alone would pass 2·S as
 * float32 (or 256 MB, trials run side by side) gets fewer buckets; a trained
 * model file larger than S is quantized to fit (store/shrink.h: int8, then a
 * PQ embedding, then PQ with the rows of smallest norm pruned, to half the
 * rows at most), its size then the quantized file's and its score still the
 * float model's; one that cannot fit is scored but never chosen. */
#ifndef TC_TUNE_H
#define TC_TUNE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "util/err.h"

/* The validation score trials are ranked by (and early-stopped on); as in
 * the epoch log: multi-label accuracy is per label, micro-F1 pools tp, fp
 * and fn over the labels; single-label micro-F1 equals accuracy. */
enum tc_tune_metric { TC_TUNE_ACCURACY, TC_TUNE_MACRO_F1, TC_TUNE_MICRO_F1 };
enum tc_trial_status { TC_TRIAL_OK, TC_TRIAL_FAILED, TC_TRIAL_TOO_BIG, TC_TRIAL_CUT, TC_TRIAL_PENDING };

typedef struct tc_trial {
    int id, bracket, rung;
    int64_t epochs; /* this rung's train.epochs */
    enum tc_trial_status status;
    double score; /* validation score of the kept epoch (NAN unless ok / too big) */
    int epochs_run, best_epoch;
    uint64_t size;  /* model file bytes */
    double seconds; /* wall clock of the trial */
    char desc[256]; /* the drawn settings, short */
    char quant[48]; /* "" (float32), or how it was made to fit --max-model-size: "int8",
                                     * "pq", "pq cutoff K" */
} tc_trial;

typedef struct tc_tune_event {
    enum { TC_TUNE_TICK, TC_TUNE_DONE } kind;
    const tc_trial *trial;  /* DONE: the trial just finished (also when cut) */
    const tc_trial *best;   /* best so far, or NULL */
    double elapsed, budget; /* seconds, both including time resumed from */
    int trials_done, running, bracket, rung;
} tc_tune_event;

typedef struct tc_tune_opts {
    const char *exe;    /* the textclf binary the trials run */
    const char *dir;    /* work folder (created); none of the inputs may be in it */
    const char *source; /* the config or data file the search started from, or NULL */
    double budget_s;    /* wall clock; 0 = none (then max_trials must be set) */
    double started;     /* CLOCK_MONOTONIC seconds the budget counts from (0 = now) */
    int max_trials;     /* 0 = no limit */
    enum tc_tune_metric metric;
    uint64_t max_size; /* bytes, 0 = no limit */
    uint64_t seed;
    int jobs;             /* trials at once, >= 1 */
    int64_t rung0_epochs; /* rung 0's epochs (tc_tune_rung0_epochs); rung r: 3^r times that */
    uint64_t valid_rows;  /* validation rows (tc_tune_valid_rows): the one-standard-error rule; 0 = off */
    int resume;
    volatile sig_atomic_t *stop; /* Ctrl-C: stop the trials, keep what is done */
    void (*on_event)(void *ctx, const tc_tune_event *ev);
    void *ctx;
} tc_tune_opts;

typedef struct tc_tune_result {
    int trials;      /* finished (scored or failed), over all runs */
    int interrupted; /* *stop ended it */
    double elapsed;  /* seconds, over all runs */
    tc_trial best;   /* valid when best.id >= 0 */
    int partial;     /* no trial finished: best is a stopped trial's best epoch so far */
    tc_config best_cfg;
    char best_model[TC_PATH_MAX + 32]; /* the best trial's model file, in the work folder */
    tc_trial top[10];                  /* the best scored trials, best first */
    int base_kept;                     /* best is the base: top[0] led it by no more than margin */
    double margin;                     /* the base score's standard error on the validation rows */
    tc_trial beaten;                   /* that leading trial */
    int ntop;
} tc_tune_result;

/* The configuration trial `id` trains (before the rung's epochs are set):
 * trial 0 is base itself, every other a draw seeded by (seed, id).  cjk:
 * the text is CJK (the draw picks tokenizer.cjk modes, no char n-grams). */
void tc_tune_draw(const tc_config *base, int cjk, uint64_t seed, int id, uint64_t max_size, tc_config *out, char *desc,
                  size_t cap);

/* Runs the search on base (data paths absolute, output.* ignored); the
 * best trial's model stays in the work folder (res->best_model).  Library rules: no printing; the
 * progress goes to o->on_event. */
int tc_tune_run(const tc_config *base, int cjk, const tc_tune_opts *o, tc_tune_result *res, tc_err *err);

/* Rung 0's epochs for `rows` training rows: enough to see 100000 rows,
 * 1 to 10 epochs.  One epoch of a small corpus tells settings apart no better
 * than chance (every draw predicts the majority class), while the cost of a
 * trial there is mostly starting it; the unit is rows, not seconds, so the
 * plan stays the same on any machine. */
int64_t tc_tune_rung0_epochs(uint64_t rows);

/* How many validation rows the trials of base score on: data.valid's rows
 * (counted as autoconf counts them), else train_rows x validation_split
 * (0.1 when unset, as the trials hold out).  0 when unknown. */
uint64_t tc_tune_valid_rows(const tc_config *base, uint64_t train_rows);

/* CLOCK_MONOTONIC in seconds (for tc_tune_opts.started). */
double tc_tune_now(void);

/* The search's base config: the YAML file `source`, or the data-aware
 * defaults of a data file (train/autoconf.h), with the --set overrides;
 * the data paths made absolute, so that trial configs in the work folder read
 * the same files.  *cjk: whether to try the CJK modes; *rows: the training
 * rows (0 when a config's data cannot be counted; the trials will say why).
 * 0, -1 (a config error) or -2 (any other). */
int tc_tune_base_config(const char *source, char **sets, int nsets, tc_config *cfg, int *cjk, uint64_t *rows,
                        tc_err *err);

/* --budget: "90", "90s", "10m", "1.5h" → seconds; -1 when malformed. */
double tc_tune_parse_duration(const char *s);
/* --max-model-size: "2000000", "500K", "2M", "1G" (powers of 1024; k/m/g,
 * and a B or iB after them, too) → bytes; 0 when malformed. */
uint64_t tc_tune_parse_size(const char *s);

/* MODEL.yaml beside MODEL (the extension replaced). */
void tc_tune_yaml_path(const char *model, char *out, size_t cap);

/* The result: res->best_model becomes `model` (a hard link renamed over it,
 * else a checked copy, atomic either way), and its config, with
 * output.model = model and a comment naming the trial and its score,
 * replaces `yaml`. */
int tc_tune_save_best(const tc_tune_result *res, enum tc_tune_metric metric, const char *model, const char *yaml,
                      tc_err *err);

/* Progress on f: a line per finished trial, and on a terminal (tty) a
 * status bar redrawn in place. */
void tc_tune_print_event(FILE *f, int tty, const char *metric, const tc_tune_event *ev);
/* The best trials, best first: rank, trial, rung, epoch, score, size, settings. */
void tc_tune_print_table(FILE *f, const tc_tune_result *r, const char *metric);

/* "accuracy" / "macro_f1" / "micro_f1". */
const char *tc_tune_metric_name(enum tc_tune_metric m);
/* The metric named s; -1 when none is. */
int tc_tune_metric_parse(const char *s);

#endif
