/* cmd_eval.c — `textclf eval MODEL DATA`: the model's own reading and
 * tokenizing path over a labelled file, the same inference path as predict
 * (predict/infer.h), then metrics (eval/metrics.h).
 *
 * Labels in DATA that the model never saw are read into a copy of the
 * model's label set (ids >= L), counted per name, and then dropped from
 * their rows: a single-label row left without a label is not scored, a
 * multi-label row is scored on its known labels.  The report names them.
 *
 * --tune-thresholds (sigmoid multi-label models) picks each label's F1-best
 * threshold on DATA (a validation file), stores the thresholds in the
 * model's META section and rewrites the model file atomically; predict and
 * eval then use them unless --threshold is given. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "predict/emit.h"
#include "predict/infer.h"
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "eval/confusion_svg.h"
#include "eval/metrics.h"

static const char HELP[] =
    "usage: textclf eval MODEL DATA [options]\n"
    "\n"
    "Evaluates MODEL on the labelled file DATA (\"-\" = stdin), read with the model's\n"
    "data settings (format, columns, header, label separator) unless --set overrides them.\n"
    "\n"
    "Single-label models: accuracy, log loss, per-class precision/recall/F1/support,\n"
    "macro and weighted averages, the confusion matrix.  Multi-label (sigmoid) models:\n"
    "subset accuracy, Hamming loss, log loss (mean binary cross-entropy), P@k and R@k\n"
    "(fastText's definitions: over the rows with a label, the share of the k most\n"
    "probable labels that are true, and the share of true labels among them), micro,\n"
    "macro and sample-averaged precision/recall/F1, per-label scores.  Labels in DATA\n"
    "that the model never saw are counted and named.\n"
    "\n"
    "  --json               one JSON object instead of the text report\n"
    "  --threshold T        one decision threshold for every label of a sigmoid model\n"
    "                       (default: the model's tuned thresholds, else model.threshold)\n"
    "  -k N                 the k of P@k and R@k (default 1)\n"
    "  --confusion-svg FILE also write the confusion matrix as an SVG heatmap\n"
    "  --tune-thresholds    sigmoid models: choose each label's threshold to maximise\n"
    "                       its F1 on DATA (use validation data), store them in MODEL\n"
    "                       (rewritten atomically) and report with them\n"
    "  --set KEY=VALUE      override a data.* key for reading DATA, e.g. --set data.format=tsv\n"
    "  --threads N          threads running the model (default: the cores there are);\n"
    "                       the results are the same for any N\n";

typedef struct {
    const char *model, *data, *svg;
    int json, tune, nsets;
    long k, threads;               /* threads: 0 = the cores there are */
    float threshold;
    char **sets;
    tc_signals *sig;       /* at_once until the report starts (cmd.h) */
} eval_args;

typedef struct {
    tc_bundle *bd;
    tc_config saved;       /* the model's config before --set, written back by --tune-thresholds */
    tc_corpus c;
    tc_strtab labels;      /* the model's labels, then the unseen ones */
    uint64_t *unseen_rows; /* (labels.n - L) rows each unseen label appears on */
    uint64_t not_scored;   /* single-label rows whose only label is unseen */
    int L;
    float *probs;          /* (n, L), only for --tune-thresholds (see eval_stream) */
    float *thr;            /* (L) */
    const char **names;    /* (L) */
    int threads;           /* --threads: 0 = the cores there are */
} evaluation;

/* ---- arguments ---------------------------------------------------------------- */

static int parse_args(int argc, char **argv, eval_args *a)
{
    memset(a, 0, sizeof *a);
    a->k = 1;
    if (!(a->sets = calloc((size_t)argc, sizeof *a->sets)))
        return tc_fail(TC_EXIT_ERR, "out of memory");
    tc_argv av;
    const char *pos[2] = {NULL, NULL};
    tc_argv_init(&av, "eval", HELP, "--threshold --set -k --confusion-svg --threads", argc, argv);
    while (tc_argv_next(&av)) {
        if (tc_argv_is(&av, "--json")) {
            a->json = 1;
        } else if (tc_argv_is(&av, "--tune-thresholds")) {
            a->tune = 1;
        } else if (tc_argv_is(&av, "--set")) {
            a->sets[a->nsets++] = (char *)av.val;
        } else if (tc_argv_is(&av, "--confusion-svg")) {
            a->svg = av.val;
        } else if (tc_argv_is(&av, "--threads")) {
            tc_argv_long(&av, 0, 1024, &a->threads);
        } else if (tc_argv_is(&av, "-k")) {
            tc_argv_long(&av, 1, 1000000, &a->k);
        } else if (tc_argv_is(&av, "--threshold")) {
            char *end;
            a->threshold = strtof(av.val, &end);
            if (!*av.val || *end || !(a->threshold > 0.0f && a->threshold < 1.0f))
                return tc_fail(TC_EXIT_USAGE, "eval: --threshold: '%s' is not a number between 0 and 1", av.val);
        } else {
            tc_argv_positional(&av, pos, 2);
        }
    }
    if (av.code)
        return av.code;
    a->model = pos[0], a->data = pos[1];
    if (!a->data)
        return tc_fail(TC_EXIT_USAGE, "eval: usage: textclf eval MODEL DATA (try 'textclf eval --help')");
    if (a->tune && a->threshold > 0)
        return tc_fail(TC_EXIT_USAGE, "eval: --tune-thresholds and --threshold exclude each other");
    return 0;
}

/* ---- reading ------------------------------------------------------------------ */

/* Drops label ids >= L from every row, counting each unseen label's rows. */
static void drop_unseen(evaluation *ev)
{
    tc_corpus *c = &ev->c;
    uint64_t w = 0;
    for (uint64_t r = 0; r < c->n; r++) {
        uint64_t from = c->lab_off[r], to = c->lab_off[r + 1], kept = 0;
        c->lab_off[r] = w;
        for (uint64_t j = from; j < to; j++) {
            int32_t id = c->labels[j];
            if (id < ev->L)
                c->labels[w++] = id, kept++;
            else
                ev->unseen_rows[id - ev->L]++;
        }
        ev->not_scored += !ev->bd->model->s.multilabel && !kept && to > from;
    }
    if (c->n)
        c->lab_off[c->n] = w;
}

static int read_data(evaluation *ev, const eval_args *a, tc_err *err)
{
    tc_bundle *bd = ev->bd;
    for (uint32_t i = 0; i < bd->labels.n; i++)
        if (tc_strtab_intern(&ev->labels, tc_strtab_str(&bd->labels, i), tc_strtab_len(&bd->labels, i), NULL,
                             err) < 0)
            return -1;
    tc_tokenizer *tok = tc_tokenizer_from_config(&bd->cfg, err);
    if (!tok)
        return -1;
    tc_corpus_src src = {&bd->cfg, tok, NULL, &bd->vocab, &ev->labels, 1};
    int rc = tc_corpus_read(&ev->c, a->data, &src, err);
    tc_tokenizer_free(tok);
    if (rc < 0)
        return -1;
    size_t unseen = ev->labels.n - (uint32_t)ev->L;
    ev->unseen_rows = calloc(unseen ? unseen : 1, sizeof *ev->unseen_rows);
    if (!ev->unseen_rows)
        return tc_err_oom(err, "labels");
    drop_unseen(ev);
    return 0;
}

/* ---- scoring ------------------------------------------------------------------ */

/* The model's probabilities arrive one inference group at a time
 * (tc_infer_corpus): scored at once, so eval needs one group's rows x labels,
 * not the whole file's — except for --tune-thresholds, which keeps them all
 * (keep). */
typedef struct eval_stream {
    evaluation *ev;
    tc_mc_report *mc;      /* single-label */
    tc_ml_report *ml;      /* multi-label, thresholds ev->thr */
    int keep;              /* copy into ev->probs instead */
    uint8_t *truth, *pred; /* (L) scratch */
} eval_stream;

static void ml_add_row(const evaluation *ev, tc_ml_report *r, const uint8_t *truth, const float *p, uint8_t *pred)
{
    for (int l = 0; l < ev->L; l++)
        pred[l] = p[l] >= ev->thr[l];
    tc_ml_add(r, truth, pred);
    tc_ml_add_probs(r, truth, p);
}

static int stream_group(void *ctx, uint64_t first, int n, const float *probs, tc_err *err)
{
    (void)err;
    eval_stream *s = ctx;
    const evaluation *ev = s->ev;
    const tc_corpus *c = &ev->c;
    size_t L = (size_t)ev->L;
    for (int i = 0; i < n; i++) {
        uint64_t row = first + (uint64_t)i;
        const float *p = probs + (size_t)i * L;
        if (s->keep) {
            memcpy(ev->probs + row * L, p, L * sizeof *p);
        } else if (s->mc) {
            if (c->lab_off[row + 1] == c->lab_off[row])
                continue;
            int best = 0, truth = c->labels[c->lab_off[row]];
            for (int l = 1; l < ev->L; l++)
                if (p[l] > p[best])
                    best = l;
            tc_mc_add(s->mc, truth, best, p[truth]);
        } else {
            memset(s->truth, 0, L);
            for (uint64_t j = c->lab_off[row]; j < c->lab_off[row + 1]; j++)
                s->truth[c->labels[j]] = 1;
            ml_add_row(ev, s->ml, s->truth, p, s->pred);
        }
    }
    return 0;
}

/* Runs the model over the corpus into s. */
static int run_model(evaluation *ev, eval_stream *s, tc_err *err)
{
    tc_infer inf;
    if (tc_infer_init(&inf, ev->bd, TC_INFER_BATCH, err) < 0)
        return -1;
    if (tc_infer_set_threads(&inf, ev->threads, err) < 0) {
        tc_infer_free(&inf);
        return -1;
    }
    s->ev = ev;
    s->truth = malloc((size_t)ev->L);
    s->pred = malloc((size_t)ev->L);
    int rc = s->truth && s->pred ? tc_infer_corpus(&inf, &ev->c, stream_group, s, err) : tc_err_oom(err, "labels");
    free(s->truth), free(s->pred);
    tc_infer_free(&inf);
    return rc;
}

/* truth (n, L) of the known labels. */
static uint8_t *truth_matrix(const evaluation *ev, tc_err *err)
{
    const tc_corpus *c = &ev->c;
    uint8_t *t = calloc(c->n ? c->n * (size_t)ev->L : 1, 1);
    if (!t) {
        tc_err_oom(err, "label matrix");
        return NULL;
    }
    for (uint64_t i = 0; i < c->n; i++)
        for (uint64_t j = c->lab_off[i]; j < c->lab_off[i + 1]; j++)
            t[i * (uint64_t)ev->L + (uint64_t)c->labels[j]] = 1;
    return t;
}

static int score_multilabel(const evaluation *ev, const uint8_t *truth, long k, tc_ml_report *r, tc_err *err)
{
    if (tc_ml_init(r, ev->L, err) < 0)
        return -1;
    r->k = (int)k;
    uint8_t *pred = malloc((size_t)ev->L);
    if (!pred) {
        tc_ml_free(r);
        return tc_err_oom(err, "predictions");
    }
    for (uint64_t i = 0; i < ev->c.n; i++)
        ml_add_row(ev, r, truth + i * (uint64_t)ev->L, ev->probs + i * (uint64_t)ev->L, pred);
    free(pred);
    tc_ml_finish(r);
    return 0;
}

/* Picks, stores and saves per-label thresholds; ev->thr becomes them. */
static int tune(evaluation *ev, const eval_args *a, const uint8_t *truth, double *f1, tc_err *err)
{
    tc_bundle *bd = ev->bd;
    if (tc_ml_tune_thresholds(ev->probs, truth, ev->c.n, ev->L, bd->cfg.model.threshold, ev->thr, f1, err) < 0 ||
        tc_infer_thresholds_put(bd, ev->thr, err) < 0)
        return -1;
    tc_config *cur = malloc(sizeof *cur);
    if (!cur)
        return tc_err_oom(err, "config");
    *cur = bd->cfg;
    bd->cfg = ev->saved;
    int rc = tc_checkpoint_save(a->model, bd, err);
    bd->cfg = *cur;
    free(cur);
    return rc;
}

/* The SVG is drawn in memory and replaces FILE atomically (store/safefile.h). */
static int write_svg(const evaluation *ev, const eval_args *a, const tc_mc_report *r, tc_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return tc_err_oom(err, "confusion SVG");
    char title[512];
    snprintf(title, sizeof title, "%s on %s", a->model, a->data);
    int bad = tc_confusion_svg_write(f, r, ev->names, title) < 0;
    bad |= fclose(f) != 0;
    int rc = bad ? tc_err_oom(err, "confusion SVG") : tc_write_atomic(a->svg, buf, len, err);
    free(buf);
    return rc;
}

/* Before the model is read: the SVG is neither the model nor DATA, and the
 * files eval writes (the SVG; MODEL with --tune-thresholds) are locked. */
static int prepare_outputs(const eval_args *a, tc_outlock *svg, tc_outlock *model, tc_err *err)
{
    const tc_fileref files[] = {
        {a->svg, "--confusion-svg", 1},
        {a->model, "MODEL", a->tune},
        {strcmp(a->data, "-") ? a->data : NULL, "DATA", 0},
    };
    if (tc_files_distinct(files, 3, err) < 0)
        return -1;
    if (a->svg && tc_output_prepare(a->svg, "--confusion-svg", svg, err) < 0)
        return -1;
    if (a->tune && tc_output_prepare(a->model, "MODEL", model, err) < 0)
        return -1;
    return 0;
}

/* ---- reporting ---------------------------------------------------------------- */

static void text_extras(const evaluation *ev, const eval_args *a, const tc_ml_report *before,
                        const tc_ml_report *after, const double *f1)
{
    uint64_t empty = tc_corpus_count_empty(&ev->c);
    if (empty)
        printf("\n%llu rows have no tokens and were classified by the model's prior\n", (unsigned long long)empty);
    size_t unseen = ev->labels.n - (uint32_t)ev->L;
    if (unseen) {
        printf("\nlabels the model never saw (%zu):", unseen);
        for (size_t u = 0; u < unseen; u++)
            printf("%s %s (%llu rows)", u ? "," : "", tc_strtab_str(&ev->labels, (uint32_t)(ev->L + (int)u)),
                   (unsigned long long)ev->unseen_rows[u]);
        printf("\n");
        if (ev->not_scored)
            printf("%llu rows whose only label is one of these were not scored\n",
                   (unsigned long long)ev->not_scored);
    }
    if (!a->tune)
        return;
    printf("\nthresholds tuned on %s and saved in %s: micro F1 %.4f -> %.4f, macro F1 %.4f -> %.4f\n", a->data,
           a->model, before->micro_f1, after->micro_f1, before->macro_f1, after->macro_f1);
    int w = 5;
    for (int l = 0; l < ev->L; l++)
        w = (int)strlen(ev->names[l]) > w ? (int)strlen(ev->names[l]) : w;
    printf("%-*s  threshold  f1 (on this data)\n", w, "label");
    for (int l = 0; l < ev->L; l++)
        printf("%-*s  %9.4f  %.4f\n", w, ev->names[l], ev->thr[l], f1[l]);
}

/* The metrics object with the fields below added before its closing brace. */
static void json_report(const evaluation *ev, const eval_args *a, const tc_mc_report *mc, const tc_ml_report *before,
                        const tc_ml_report *after)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    if (mc)
        tc_mc_print_json(m, mc, ev->names);
    else
        tc_ml_print_json(m, after, ev->names);
    fclose(m);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '}'))
        if (buf[--len] == '}')
            break;
    fwrite(buf, 1, len, stdout);
    free(buf);
    printf(",\"rows_read\":%llu,\"rows_no_tokens\":%llu,\"rows_not_scored\":%llu,\"unseen_labels\":[",
           (unsigned long long)ev->c.n, (unsigned long long)tc_corpus_count_empty(&ev->c),
           (unsigned long long)ev->not_scored);
    for (size_t u = 0; u < ev->labels.n - (uint32_t)ev->L; u++) {
        const char *nm = tc_strtab_str(&ev->labels, (uint32_t)(ev->L + (int)u));
        fputs(u ? ",{\"label\":" : "{\"label\":", stdout);
        tc_json_str(stdout, nm, strlen(nm));
        printf(",\"rows\":%llu}", (unsigned long long)ev->unseen_rows[u]);
    }
    putchar(']');
    if (!mc) {
        fputs(",\"thresholds\":{", stdout);
        for (int l = 0; l < ev->L; l++) {
            if (l)
                putchar(',');
            tc_json_str(stdout, ev->names[l], strlen(ev->names[l]));
            printf(":%.9g", (double)ev->thr[l]);
        }
        putchar('}');
        if (a->tune) {
            fputs(",\"tuned\":{\"saved_to\":", stdout);
            tc_json_str(stdout, a->model, strlen(a->model));
            printf(",\"micro_f1_before\":%.17g,\"macro_f1_before\":%.17g}", before->micro_f1, before->macro_f1);
        }
    }
    fputs("}\n", stdout);
}

/* ---- running ------------------------------------------------------------------ */

static int evaluate(evaluation *ev, const eval_args *a, tc_err *err)
{
    tc_bundle *bd = ev->bd;
    int multilabel = bd->model->s.multilabel;
    if (a->tune && !multilabel)
        return tc_err_set(err, "--tune-thresholds needs a multi-label (sigmoid) model; %s has one label per row",
                          a->model);
    if (a->svg && multilabel)
        return tc_err_set(err, "--confusion-svg needs a single-label model; %s is multi-label", a->model);
    int rc;
    if (!multilabel) {
        tc_mc_report mc;
        if (tc_mc_init(&mc, ev->L, err) < 0)
            return -1;
        eval_stream st = {.mc = &mc};
        rc = run_model(ev, &st, err);
        tc_mc_finish(&mc);
        rc = rc == 0 && a->svg ? write_svg(ev, a, &mc, err) : rc;
        a->sig->at_once = 0; /* a signal now ends the command after the whole report */
        if (rc == 0 && a->json)
            json_report(ev, a, &mc, NULL, NULL);
        else if (rc == 0) {
            tc_mc_print_text(stdout, &mc, ev->names);
            text_extras(ev, a, NULL, NULL, NULL);
        }
        tc_mc_free(&mc);
        return rc;
    }
    if (!a->tune) {
        tc_ml_report ml;
        if (tc_ml_init(&ml, ev->L, err) < 0)
            return -1;
        ml.k = (int)a->k;
        eval_stream st = {.ml = &ml};
        rc = run_model(ev, &st, err);
        tc_ml_finish(&ml);
        a->sig->at_once = 0;
        if (rc == 0 && a->json)
            json_report(ev, a, NULL, &ml, &ml);
        else if (rc == 0) {
            tc_ml_print_text(stdout, &ml, ev->names);
            text_extras(ev, a, &ml, &ml, NULL);
        }
        tc_ml_free(&ml);
        return rc;
    }
    /* --tune-thresholds: every row's probabilities and labels at once */
    size_t cells = ev->c.n * (size_t)ev->L;
    if (ev->c.n && cells / ev->c.n != (size_t)ev->L)
        return tc_err_set(err, "--tune-thresholds: %llu rows x %d labels is too many", (unsigned long long)ev->c.n,
                          ev->L);
    if (!(ev->probs = malloc((cells ? cells : 1) * sizeof *ev->probs)))
        return tc_err_set(err, "--tune-thresholds keeps every row's probability of every label: %llu rows x %d "
                          "labels = %.1f GB (and %.1f GB of labels), more than there is memory for; tune on "
                          "fewer rows", (unsigned long long)ev->c.n, ev->L, (double)cells * 4 / 1e9,
                          (double)cells / 1e9);
    eval_stream st = {.keep = 1};
    if (run_model(ev, &st, err) < 0)
        return -1;
    uint8_t *truth = truth_matrix(ev, err);
    double *f1 = malloc((size_t)ev->L * sizeof *f1);
    tc_ml_report before, after;
    memset(&before, 0, sizeof before), memset(&after, 0, sizeof after);
    rc = !truth || !f1 ? (f1 ? -1 : tc_err_oom(err, "scores")) : score_multilabel(ev, truth, a->k, &before, err);
    if (rc == 0 && a->tune)
        rc = tune(ev, a, truth, f1, err) < 0 || score_multilabel(ev, truth, a->k, &after, err) < 0 ? -1 : 0;
    a->sig->at_once = 0;
    if (rc == 0) {
        const tc_ml_report *shown = a->tune ? &after : &before;
        if (a->json) {
            json_report(ev, a, NULL, &before, shown);
        } else {
            tc_ml_print_text(stdout, shown, ev->names);
            text_extras(ev, a, &before, shown, f1);
        }
    }
    tc_ml_free(&before), tc_ml_free(&after);
    free(truth), free(f1);
    return rc;
}

static int evaluate_model(tc_bundle *bd, const eval_args *a);

static int run(tc_bundle *bd, const eval_args *a)
{
    tc_err err = {{0}};
    tc_outlock svg = TC_OUTLOCK_INIT, model = TC_OUTLOCK_INIT;
    int code = prepare_outputs(a, &svg, &model, &err) < 0 ? tc_fail(TC_EXIT_ERR, "%s", err.msg)
                                                          : evaluate_model(bd, a);
    tc_outlock_release(&svg);
    tc_outlock_release(&model);
    return code;
}

static int evaluate_model(tc_bundle *bd, const eval_args *a)
{
    tc_err err = {{0}};
    if (tc_checkpoint_load(a->model, bd, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    if (a->threshold > 0 && !bd->model->s.sigmoid)
        return tc_fail(TC_EXIT_USAGE, "--threshold: %s has a softmax head (one label per row, the most probable); "
                       "a threshold applies to sigmoid (multi-label) models", a->model);
    evaluation ev;
    memset(&ev, 0, sizeof ev);
    ev.bd = bd;
    ev.threads = (int)a->threads;
    ev.saved = bd->cfg;
    ev.L = bd->model->s.nlabels;
    tc_corpus_init(&ev.c);
    tc_strtab_init(&ev.labels);
    for (int i = 0; i < a->nsets; i++) {
        if (strncmp(a->sets[i], "data.", 5) != 0)
            return tc_fail(TC_EXIT_USAGE, "--set %s: eval only takes data.* keys", a->sets[i]);
        if (tc_config_set(&bd->cfg, a->sets[i], &err) < 0)
            return tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    }
    tc_set_threads(1);
    int code = TC_EXIT_OK;
    ev.thr = malloc((size_t)ev.L * sizeof *ev.thr);
    ev.names = malloc((size_t)ev.L * sizeof *ev.names);
    if (!ev.thr || !ev.names) {
        code = tc_fail(TC_EXIT_ERR, "out of memory");
        goto out;
    }
    for (int l = 0; l < ev.L; l++) {
        ev.names[l] = tc_strtab_str(&bd->labels, (uint32_t)l);
        ev.thr[l] = a->threshold;
    }
    if ((a->threshold <= 0 && tc_infer_thresholds_get(bd, ev.thr, &err) < 0) || read_data(&ev, a, &err) < 0) {
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
        goto out;
    }
    if (evaluate(&ev, a, &err) < 0)
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
    else
        code = tc_finish_output(TC_EXIT_OK, "the report");
    if (code == TC_EXIT_OK && a->sig->stop) /* came while the report was written: it is whole */
        code = tc_signal_status(a->sig->stop);
    if (ev.c.skipped || ev.c.invalid_utf8)
        fprintf(stderr, "textclf: note: %s: %llu malformed rows skipped, %llu invalid UTF-8 sequences replaced\n",
                a->data, (unsigned long long)ev.c.skipped, (unsigned long long)ev.c.invalid_utf8);
out:
    tc_corpus_free(&ev.c);
    tc_strtab_free(&ev.labels);
    free(ev.unseen_rows), free(ev.probs), free(ev.thr), free(ev.names);
    return code;
}

int tc_cmd_eval(int argc, char **argv, tc_signals *sig)
{
    eval_args a;
    sig->at_once = 1; /* nothing to finish until the report: a signal exits at once */
    int code = parse_args(argc, argv, &a);
    a.sig = sig;
    if (code == 0) {
        tc_bundle bd;
        tc_bundle_init(&bd);
        code = run(&bd, &a);
        tc_bundle_free(&bd);
    }
    free(a.sets);
    return code < 0 ? TC_EXIT_OK : code;
}
