/* cmd_eval.c — `textclf eval MODEL DATA`: the options, then eval/evaluate.h
 * (the model's reading and tokenizing path, the same inference path as
 * predict, the metrics), then the report and the exit status.
 *
 * --tune-thresholds (sigmoid multi-label models) picks each label's F1-best
 * threshold on DATA (a validation file), stores them in MODEL and rewrites it
 * atomically; predict and eval then use them unless --threshold is given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "eval/evaluate.h"
#include "store/safefile.h"

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
    "                       its F1 on DATA (use validation data; a label with fewer\n"
    "                       than 5 positive rows keeps model.threshold), store them in\n"
    "                       MODEL (rewritten atomically) and report with them\n"
    "  --set KEY=VALUE      override a data.* key for reading DATA, e.g. --set data.format=tsv\n"
    "  --threads N          threads running the model (default: the cores there are);\n"
    "                       the results are the same for any N\n";

typedef struct {
    const char *model, *data, *svg;
    int json, tune, nsets;
    long k, threads; /* threads: 0 = the cores there are */
    float threshold;
    char **sets;
    tc_signals *sig; /* at_once until the report starts (cmd.h) */
} eval_args;

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
            double t;
            if (!tc_argv_number(&av, 0, 1, 0, &t))
                a->threshold = (float)t;
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

/* Reads, runs and scores; the report on stdout.  Returns the exit status. */
static int evaluate(tc_evaluation *ev, const eval_args *a)
{
    tc_err err = {{0}};
    for (int i = 0; i < a->nsets; i++) {
        if (strncmp(a->sets[i], "data.", 5) != 0)
            return tc_fail(TC_EXIT_USAGE, "--set %s: eval only takes data.* keys", a->sets[i]);
        if (tc_evaluation_set(ev, a->sets[i], &err) < 0)
            return tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    }
    if (tc_evaluation_read(ev, &err) < 0 || tc_evaluation_run(ev, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    if (a->svg) {
        char title[512];
        snprintf(title, sizeof title, "%s on %s", a->model, a->data);
        if (tc_evaluation_write_svg(ev, a->svg, title, &err) < 0)
            return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    }
    a->sig->at_once = 0; /* a signal now ends the command after the whole report */
    if (a->json)
        tc_evaluation_print_json(ev, stdout);
    else
        tc_evaluation_print_text(ev, stdout);
    int code = tc_finish_output(TC_EXIT_OK, "the report");
    if (code == TC_EXIT_OK && a->sig->stop) /* came while the report was written: it is whole */
        code = tc_signal_status(a->sig->stop);
    return code;
}

static int run(tc_bundle *bd, const eval_args *a)
{
    tc_err err = {{0}};
    int code = tc_load_model(bd, a->model, a->threshold);
    if (code)
        return code;
    tc_eval_opts o = {.data = a->data,
                      .model_path = a->model,
                      .k = a->k,
                      .threads = (int)a->threads,
                      .threshold = a->threshold,
                      .tune = a->tune,
                      .confusion = a->svg != NULL};
    tc_evaluation ev;
    tc_set_threads(1);
    code = tc_evaluation_init(&ev, bd, &o, &err) < 0 ? tc_fail(TC_EXIT_ERR, "%s", err.msg) : evaluate(&ev, a);
    if (ev.c.skipped || ev.c.invalid_utf8)
        fprintf(stderr, "textclf: note: %s: %llu malformed rows skipped, %llu invalid UTF-8 sequences replaced\n",
                a->data, (unsigned long long)ev.c.skipped, (unsigned long long)ev.c.invalid_utf8);
    tc_evaluation_free(&ev);
    return code;
}

int tc_cmd_eval(int argc, char **argv, tc_signals *sig)
{
    eval_args a;
    sig->at_once = 1; /* nothing to finish until the report: a signal exits at once */
    int code = parse_args(argc, argv, &a);
    a.sig = sig;
    if (code == 0) {
        tc_err err = {{0}};
        tc_outlock svg = TC_OUTLOCK_INIT, model = TC_OUTLOCK_INIT;
        tc_bundle bd;
        tc_bundle_init(&bd);
        code = prepare_outputs(&a, &svg, &model, &err) < 0 ? tc_fail(TC_EXIT_ERR, "%s", err.msg) : run(&bd, &a);
        tc_bundle_free(&bd);
        tc_outlock_release(&svg);
        tc_outlock_release(&model);
    }
    free(a.sets);
    return code < 0 ? TC_EXIT_OK : code;
}
