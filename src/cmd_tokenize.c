/* cmd_tokenize.c — `textclf tokenize CONFIG|MODEL [FILE|-]`: what each input
 * line becomes (text/inspect.h does the work), one output line per input
 * line; --stats prints totals instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store/checkpoint.h"
#include "text/inspect.h"
#include "text/reader.h"

static const char HELP[] =
    "usage: textclf tokenize CONFIG.yaml|MODEL [FILE|-] [--set KEY=VALUE]... [--stats]\n"
    "\n"
    "Prints what each line of FILE (or standard input) becomes: one output line\n"
    "per input line, the items of the row separated by spaces, in row order: each\n"
    "token followed by its hashed n-gram features (word n-grams as a_b, character\n"
    "n-grams with their < > word-boundary markers).\n"
    "\n"
    "  CONFIG  no vocabulary yet: tokens as they are, features as TEXT#BUCKET\n"
    "  MODEL   TEXT:ID for every item (ID 1 = out of vocabulary), cut to the\n"
    "          model's pad.maxlen as training and prediction cut it\n"
    "\n"
    "  --set KEY=VALUE   with a CONFIG: override a key, e.g. --set tokenizer.cjk=bigram\n"
    "  --stats           instead of the tokens: counts, row length percentiles (what\n"
    "                    pad.maxlen counts), out-of-vocabulary share (MODEL) and the\n"
    "                    tokenizer's throughput in MB/s (one thread)\n";

typedef struct {
    const char *source, *input;
    char **sets;
    int nsets, stats;
} tok_args;

static int parse_args(int argc, char **argv, tok_args *a)
{
    memset(a, 0, sizeof *a);
    a->sets = calloc((size_t)argc, sizeof *a->sets);
    if (!a->sets)
        return tc_fail(TC_EXIT_ERR, "out of memory");
    tc_argv av;
    const char *pos[2] = {NULL, NULL};
    tc_argv_init(&av, "tokenize", HELP, "--set", argc, argv);
    while (tc_argv_next(&av)) {
        if (tc_argv_is(&av, "--stats"))
            a->stats = 1;
        else if (tc_argv_is(&av, "--set"))
            a->sets[a->nsets++] = (char *)av.val;
        else
            tc_argv_positional(&av, pos, 2);
    }
    if (av.code)
        return av.code;
    a->source = pos[0], a->input = pos[1];
    if (!a->source)
        return tc_fail(TC_EXIT_USAGE, "tokenize: missing CONFIG.yaml or MODEL (try 'textclf tokenize --help')");
    return 0;
}

/* A config file with --set overrides; data.train is not needed here. */
static int load_config(tc_config *cfg, const tok_args *a, tc_err *err)
{
    tc_config_defaults(cfg);
    if (tc_config_load_file(cfg, a->source, err) < 0)
        return -1;
    for (int i = 0; i < a->nsets; i++)
        if (tc_config_set(cfg, a->sets[i], err) < 0)
            return -1;
    tc_config check = *cfg;
    if (!check.data.train[0])
        strcpy(check.data.train, "-");
    return tc_config_validate(&check, err);
}

/* The bundle (a model file, or a config and its overrides) and the inspector. */
static int setup(tc_bundle *bd, tc_inspector *t, const tok_args *a, tc_err *err)
{
    int have_model = tc_checkpoint_is_model(a->source);
    if (have_model) {
        if (a->nsets)
            return tc_err_set(err, "--set only works with a CONFIG; a model keeps the settings it was trained with");
        if (tc_checkpoint_load(a->source, bd, err) < 0)
            return -1;
    } else if (load_config(&bd->cfg, a, err) < 0) {
        return -1;
    }
    return tc_inspector_open(t, bd, have_model, err);
}

static int run(tc_bundle *bd, tc_inspector *t, const tok_args *a, const tc_signals *sig)
{
    tc_err err = {{0}};
    if (setup(bd, t, a, &err) < 0)
        return tc_fail(tc_checkpoint_is_model(a->source) ? TC_EXIT_ERR : TC_EXIT_USAGE, "%s", err.msg);
    const char *in = a->input ? a->input : "-";
    tc_reader *r = tc_reader_open(in, TC_FMT_LINES, &err);
    if (!r)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    int interactive = strcmp(in, "-") == 0;
    if (interactive)
        tc_reader_set_partial_reads(r, 1);
    tc_reader_set_stop(r, &sig->stop);
    int code = TC_EXIT_OK, got = 0;
    tc_record rec;
    while (!sig->stop && (got = tc_reader_next(r, &rec, &err)) > 0) { /* a signal: stop after a whole line */
        if ((a->stats ? tc_inspect_count(t, rec.fields[0], rec.lens[0], &err)
                      : tc_inspect_line(t, rec.fields[0], rec.lens[0], stdout, &err)) < 0) {
            code = tc_fail(TC_EXIT_ERR, "%s:%llu: %s", in, (unsigned long long)rec.line, err.msg);
            break;
        }
        if ((interactive && fflush(stdout) != 0) || ferror(stdout)) {
            code = tc_write_error("the tokens");
            break;
        }
    }
    if (got < 0 && !sig->stop)
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
    tc_reader_close(r);
    if (code == TC_EXIT_OK && a->stats)
        tc_inspect_print_stats(t, stdout);
    if (code == TC_EXIT_OK && !tc_output_closed())
        code = tc_finish_output(code, "the tokens");
    if (code == TC_EXIT_OK && sig->stop)
        return tc_signal_status(sig->stop);
    if (code == TC_EXIT_OK && t->cut_lines)
        fprintf(stderr,
                "textclf: note: %llu lines have more than pad.maxlen = %lld items; shown cut as the model "
                "cuts them (pad.truncating: %s)\n",
                (unsigned long long)t->cut_lines, (long long)bd->cfg.pad.maxlen,
                bd->cfg.pad.truncating == TC_PRE ? "pre" : "post");
    return code;
}

int tc_cmd_tokenize(int argc, char **argv, tc_signals *sig)
{
    tok_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        free(a.sets);
        return rc < 0 ? TC_EXIT_OK : rc;
    }
    tc_bundle bd;
    tc_bundle_init(&bd);
    tc_inspector t;
    memset(&t, 0, sizeof t);
    rc = run(&bd, &t, &a, sig);
    tc_inspector_close(&t);
    tc_bundle_free(&bd);
    free(a.sets);
    return rc;
}
