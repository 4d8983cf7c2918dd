/* cmd_eval.c — `textclf eval MODEL DATA`: the model's own reading and
 * tokenizing path over a labelled file, then metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "train/trainer.h"

static const char HELP[] =
    "usage: textclf eval MODEL DATA [--json] [--threshold T] [--set data.KEY=VALUE]...\n"
    "\n"
    "Evaluates MODEL on the labelled file DATA (\"-\" = stdin), read with the model's\n"
    "data settings (format, columns, header, label separator) unless --set overrides them.\n"
    "Prints accuracy, per-class precision/recall/F1, macro and weighted F1 and the\n"
    "confusion matrix; for multi-label (sigmoid) models micro/macro F1, subset\n"
    "accuracy and Hamming loss at the threshold.\n"
    "\n"
    "  --json            one JSON object instead of the text report\n"
    "  --threshold T     decision threshold for sigmoid heads (default: the model's)\n"
    "  --set KEY=VALUE   override a data.* key for reading DATA, e.g. --set data.format=tsv\n";

static int parse_threshold(const char *s, float *t)
{
    char *end;
    float v = strtof(s, &end);
    if (!*s || *end || !(v > 0.0f && v < 1.0f))
        return tc_fail(TC_EXIT_USAGE, "--threshold: '%s' is not a number between 0 and 1", s);
    *t = v;
    return 0;
}

static int run(tc_bundle *bd, const char *model, const char *data, int json, float threshold, char **sets,
               int nsets)
{
    tc_err err = {{0}};
    if (tc_checkpoint_load(model, bd, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    for (int i = 0; i < nsets; i++) {
        if (strncmp(sets[i], "data.", 5) != 0)
            return tc_fail(TC_EXIT_USAGE, "--set %s: eval only takes data.* keys", sets[i]);
        if (tc_config_set(&bd->cfg, sets[i], &err) < 0)
            return tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    }
    if (threshold <= 0)
        threshold = bd->cfg.model.threshold;
    tc_set_threads(1);
    tc_tokenizer *tok = tc_tokenizer_from_config(&bd->cfg, &err);
    if (!tok)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    tc_corpus c;
    tc_corpus_init(&c);
    tc_corpus_src src = {&bd->cfg, tok, NULL, &bd->vocab, &bd->labels, 0};
    tc_eval_result r;
    int code = TC_EXIT_OK;
    if (tc_corpus_read(&c, data, &src, &err) < 0 || tc_evaluate(bd->model, &bd->cfg, &c, threshold, &r, &err) < 0) {
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
    } else {
        const char **names = malloc((bd->labels.n ? bd->labels.n : 1) * sizeof *names);
        if (!names) {
            code = tc_fail(TC_EXIT_ERR, "out of memory");
        } else {
            for (uint32_t i = 0; i < bd->labels.n; i++)
                names[i] = tc_strtab_str(&bd->labels, i);
            if (r.multilabel)
                (json ? tc_ml_print_json : tc_ml_print_text)(stdout, &r.ml, names);
            else
                (json ? tc_mc_print_json : tc_mc_print_text)(stdout, &r.mc, names);
            free(names);
        }
        if (c.unknown_labels || r.rows_without_label || c.skipped || c.invalid_utf8)
            fprintf(stderr,
                    "textclf: note: %s: %llu label occurrences unknown to the model, %llu rows without a known "
                    "label not scored, %llu malformed rows skipped, %llu invalid UTF-8 sequences replaced\n",
                    data, (unsigned long long)c.unknown_labels, (unsigned long long)r.rows_without_label,
                    (unsigned long long)c.skipped, (unsigned long long)c.invalid_utf8);
        tc_eval_result_free(&r);
        if (fflush(stdout) != 0 || ferror(stdout))
            code = tc_fail(TC_EXIT_ERR, "error writing the report");
    }
    tc_corpus_free(&c);
    tc_tokenizer_free(tok);
    return code;
}

int tc_cmd_eval(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL};
    int npos = 0, json = 0, nsets = 0;
    float threshold = 0;
    char **sets = calloc((size_t)argc, sizeof *sets);
    if (!sets)
        return tc_fail(TC_EXIT_ERR, "out of memory");
    int code = -1;
    for (int i = 1; i < argc && code < 0; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(HELP, stdout);
            code = TC_EXIT_OK;
        } else if (!strcmp(s, "--json")) {
            json = 1;
        } else if (!strcmp(s, "--threshold") || !strcmp(s, "--set")) {
            if (i + 1 >= argc)
                code = tc_fail(TC_EXIT_USAGE, "eval: %s needs a value", s);
            else if (!strcmp(s, "--set"))
                sets[nsets++] = argv[++i];
            else if (parse_threshold(argv[++i], &threshold) != 0)
                code = TC_EXIT_USAGE;
        } else if (s[0] == '-' && s[1]) {
            code = tc_fail(TC_EXIT_USAGE, "eval: unknown option '%s' (try 'textclf eval --help')", s);
        } else if (npos < 2) {
            pos[npos++] = s;
        } else {
            code = tc_fail(TC_EXIT_USAGE, "eval: unexpected argument '%s'", s);
        }
    }
    if (code < 0 && npos < 2)
        code = tc_fail(TC_EXIT_USAGE, "eval: usage: textclf eval MODEL DATA (try 'textclf eval --help')");
    if (code < 0) {
        tc_bundle bd;
        tc_bundle_init(&bd);
        code = run(&bd, pos[0], pos[1], json, threshold, sets, nsets);
        tc_bundle_free(&bd);
    }
    free(sets);
    return code;
}
