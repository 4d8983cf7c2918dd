/* cmd_eval.c — `textclf eval MODEL DATA`: options, the report's layout and
 * the exit code around eval/evaluate.h (the model's own reading path, the
 * inference path of predict, then metrics).  The report names the labels
 * of DATA the model never saw.
 *
 * --tune-thresholds (sigmoid multi-label models) picks each label's F1-best
 * threshold on DATA (a validation file), stores the thresholds in the
 * model file's THRS section and rewrites the file atomically; predict and
 * eval then use them unless --threshold is given. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "eval/confusion_svg.h"
#include "eval/evaluate.h"
#include "util/text.h"

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
    "  --set KEY=VALUE      override a data.* key for reading DATA, e.g. --set data.format=tsv\n";

typedef struct {
    const char *model, *data, *svg;
    int json, tune, nsets;
    long k;
    float threshold;
    char **sets;
} eval_args;

/* ---- arguments ---------------------------------------------------------------- */

static int parse_args(int argc, char **argv, eval_args *a)
{
    memset(a, 0, sizeof *a);
    a->k = 1;
    if (!(a->sets = calloc((size_t)argc, sizeof *a->sets)))
        return tc_fail(TC_EXIT_ERR, "out of memory");
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        char *end;
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(HELP, stdout);
            return -1;
        } else if (!strcmp(s, "--json")) {
            a->json = 1;
        } else if (!strcmp(s, "--tune-thresholds")) {
            a->tune = 1;
        } else if (!strcmp(s, "--threshold") || !strcmp(s, "--set") || !strcmp(s, "-k") ||
                   !strcmp(s, "--confusion-svg")) {
            if (i + 1 >= argc)
                return tc_fail(TC_EXIT_USAGE, "eval: %s needs a value", s);
            const char *v = argv[++i];
            if (!strcmp(s, "--set")) {
                a->sets[a->nsets++] = (char *)v;
            } else if (!strcmp(s, "--confusion-svg")) {
                a->svg = v;
            } else if (!strcmp(s, "-k")) {
                errno = 0;
                a->k = strtol(v, &end, 10);
                if (!*v || *end || errno || a->k < 1 || a->k > 1000000)
                    return tc_fail(TC_EXIT_USAGE, "eval: -k: '%s' is not a positive integer", v);
            } else {
                a->threshold = strtof(v, &end);
                if (!*v || *end || !(a->threshold > 0.0f && a->threshold < 1.0f))
                    return tc_fail(TC_EXIT_USAGE, "eval: --threshold: '%s' is not a number between 0 and 1", v);
            }
        } else if (s[0] == '-' && s[1]) {
            return tc_fail(TC_EXIT_USAGE, "eval: unknown option '%s' (try 'textclf eval --help')", s);
        } else if (npos < 2) {
            *(npos++ ? &a->data : &a->model) = s;
        } else {
            return tc_fail(TC_EXIT_USAGE, "eval: unexpected argument '%s'", s);
        }
    }
    if (npos < 2)
        return tc_fail(TC_EXIT_USAGE, "eval: usage: textclf eval MODEL DATA (try 'textclf eval --help')");
    if (a->tune && a->threshold > 0)
        return tc_fail(TC_EXIT_USAGE, "eval: --tune-thresholds and --threshold exclude each other");
    return 0;
}

/* ---- tuning and the heatmap ------------------------------------------------- */

/* The tuned thresholds into MODEL's file, with the model's own config (not
 * the --set data.* keys this run read DATA with). */
static int save_tuned(tc_bundle *bd, const tc_config *saved, const char *path, tc_err *err)
{
    tc_config *cur = malloc(sizeof *cur);
    if (!cur)
        return tc_err_oom(err, "config");
    *cur = bd->cfg;
    bd->cfg = *saved;
    int rc = tc_checkpoint_save(path, bd, err);
    bd->cfg = *cur;
    free(cur);
    return rc;
}

static int write_svg(const tc_evaluation *ev, const eval_args *a, tc_err *err)
{
    FILE *f = fopen(a->svg, "wb");
    if (!f)
        return tc_err_set(err, "%s: cannot create: %s", a->svg, strerror(errno));
    char title[512];
    snprintf(title, sizeof title, "%s on %s", a->model, a->data);
    int bad = tc_confusion_svg_write(f, &ev->mc, ev->names, title) < 0;
    if (fclose(f) != 0 || bad)
        return tc_err_set(err, "%s: write error", a->svg);
    return 0;
}

/* ---- reporting ---------------------------------------------------------------- */

static void text_extras(const tc_evaluation *ev, const eval_args *a)
{
    const tc_ml_report *before = &ev->before, *after = &ev->after;
    uint64_t empty = tc_corpus_count_empty(&ev->c);
    if (empty)
        printf("\n%llu rows have no tokens and were classified by the model's prior\n", (unsigned long long)empty);
    size_t unseen = tc_evaluation_unseen(ev);
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
        printf("%-*s  %9.4f  %.4f\n", w, ev->names[l], ev->thr[l], ev->f1[l]);
}

/* The metrics object with the fields below added before its closing brace. */
static void json_report(const tc_evaluation *ev, const eval_args *a)
{
    const tc_mc_report *mc = ev->multilabel ? NULL : &ev->mc;
    const tc_ml_report *before = &ev->before, *after = ev->tuned ? &ev->after : &ev->before;
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
    for (size_t u = 0; u < tc_evaluation_unseen(ev); u++) {
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

static int evaluate(tc_evaluation *ev, const eval_args *a, const tc_config *saved, tc_err *err)
{
    if (a->tune && !ev->multilabel)
        return tc_err_set(err, "--tune-thresholds needs a multi-label (sigmoid) model; %s has one label per row",
                          a->model);
    if (a->svg && ev->multilabel)
        return tc_err_set(err, "--confusion-svg needs a single-label model; %s is multi-label", a->model);
    if (tc_evaluation_score(ev, a->k, err) < 0)
        return -1;
    if (a->tune && (tc_evaluation_tune(ev, a->k, err) < 0 || save_tuned(ev->bd, saved, a->model, err) < 0))
        return -1;
    if (a->svg && write_svg(ev, a, err) < 0)
        return -1;
    if (a->json) {
        json_report(ev, a);
        return 0;
    }
    if (ev->multilabel)
        tc_ml_print_text(stdout, ev->tuned ? &ev->after : &ev->before, ev->names);
    else
        tc_mc_print_text(stdout, &ev->mc, ev->names);
    text_extras(ev, a);
    return 0;
}

static int run(tc_bundle *bd, const eval_args *a)
{
    tc_err err = {{0}};
    if (tc_checkpoint_load(a->model, bd, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    tc_config *saved = malloc(sizeof *saved); /* the model's config before --set, for --tune-thresholds */
    if (!saved)
        return tc_fail(TC_EXIT_ERR, "out of memory");
    *saved = bd->cfg;
    int code = TC_EXIT_OK;
    for (int i = 0; i < a->nsets && code == TC_EXIT_OK; i++) {
        if (strncmp(a->sets[i], "data.", 5) != 0)
            code = tc_fail(TC_EXIT_USAGE, "--set %s: eval only takes data.* keys", a->sets[i]);
        else if (tc_config_set(&bd->cfg, a->sets[i], &err) < 0)
            code = tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    }
    if (code != TC_EXIT_OK) {
        free(saved);
        return code;
    }
    tc_set_threads(1);
    tc_evaluation ev;
    if (tc_evaluation_open(&ev, bd, a->threshold, &err) < 0 || tc_evaluation_read(&ev, a->data, &err) < 0) {
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
        goto out;
    }
    if (evaluate(&ev, a, saved, &err) < 0)
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
    else
        code = tc_finish_output(TC_EXIT_OK, "the report");
    if (ev.c.skipped || ev.c.invalid_utf8)
        fprintf(stderr, "textclf: note: %s: %llu malformed rows skipped, %llu invalid UTF-8 sequences replaced\n",
                a->data, (unsigned long long)ev.c.skipped, (unsigned long long)ev.c.invalid_utf8);
out:
    tc_evaluation_close(&ev);
    free(saved);
    return code;
}

int tc_cmd_eval(int argc, char **argv)
{
    eval_args a;
    int code = parse_args(argc, argv, &a);
    if (code == 0) {
        tc_bundle bd;
        tc_bundle_init(&bd);
        code = run(&bd, &a);
        tc_bundle_free(&bd);
    }
    free(a.sets);
    return code < 0 ? TC_EXIT_OK : code;
}
