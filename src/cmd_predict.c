/* cmd_predict.c — `textclf predict MODEL [FILE|-]`: one record in, one
 * prediction record out, in input order, so it can sit in a pipeline.
 *
 * Input: plain lines (one text per line), or CSV / TSV records whose text is
 * one or more columns (joined with a space) and whose other columns may be
 * passed through.  Output: TSV, CSV or JSON Lines (emit.h).
 *
 * The record path itself is predict/records.h; this file parses the options,
 * picks the mode and reports.  When the input is a regular file the queue
 * holds --batch records and the output is block-buffered; otherwise (a pipe, a terminal) it holds one
 * record, each read returns as soon as a line has arrived, and every output
 * record is flushed, so a line in gives a line out at once.  infer.h makes
 * both give bit-identical probabilities.
 *
 * A record that cannot be decoded (malformed CSV, too few columns) gives an
 * error record in its place — never a dropped or shifted line — and a note on
 * stderr; --strict then makes the exit status 1 at the end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "predict/infer.h"
#include "predict/records.h"

static const char HELP[] =
    "usage: textclf predict MODEL [FILE|-] [options]\n"
    "\n"
    "Predicts a label for every text in FILE (or standard input) and writes one\n"
    "output record per input record, in order.  A text with no tokens (empty, or\n"
    "only spaces and punctuation) is classified from no evidence: it gets the\n"
    "model's prior, as in eval and train.\n"
    "\n"
    "input:\n"
    "  (default)          one text per line\n"
    "  --csv, --tsv       CSV (RFC 4180) or TSV records\n"
    "  --text-col C       the text column, by header name or 0-based index\n"
    "                     (repeatable: the columns are joined with a space;\n"
    "                     default: the model's data.text_column)\n"
    "  --keep-cols C,...  columns copied to the output in front of the prediction\n"
    "                     (repeatable; '*' = every column; a name already taken\n"
    "                     in the output, e.g. a second 'id' or 'predicted', is\n"
    "                     written as NAME_2, with a note)\n"
    "  --header, --no-header\n"
    "                     the first record names the columns (default: the\n"
    "                     model's data.header); a header gives a header in the\n"
    "                     TSV/CSV output too\n"
    "output:\n"
    "  --format F         tsv (default), csv or jsonl\n"
    "  -k N               the N most probable labels (sigmoid/multi-label models:\n"
    "                     at most N of the labels that pass their threshold)\n"
    "  --threshold T      one decision threshold for every label of a sigmoid\n"
    "                     model (default: the model's per-label thresholds from\n"
    "                     'eval --tune-thresholds', else model.threshold)\n"
    "  --probs            also every label's probability, in label order\n"
    "  --explain          also the tokens that pushed the top label most toward\n"
    "                     and against it: exact leave-one-out, the drop in the\n"
    "                     label's log-odds ln(p/(1-p)) when every occurrence of\n"
    "                     the token is removed from the text\n"
    "  --explain-top N    tokens listed each way (default 3)\n"
    "other:\n"
    "  --strict           exit 1 at the end if any record could not be decoded\n"
    "  --stream           one record at a time even when FILE is a regular file\n"
    "  --batch N          records per model pass for regular files (default 256; fewer\n"
    "                     when N x labels x 4 bytes would pass 64 MiB)\n"
    "  --threads N        threads running the model passes of a regular file\n"
    "                     (default: the cores there are); the output is the same\n"
    "                     bytes for any N\n"
    "\n"
    "Columns (TSV/CSV): kept columns, then 'predicted' and 'prob' (-k N > 1:\n"
    "predicted_1, prob_1, ...; multi-label models: the labels and their\n"
    "probabilities joined with the model's label separator), then 'p(LABEL)' per\n"
    "label with --probs, then 'toward' and 'against' (\"token:+1.234 ...\", scores in\n"
    "log-odds) with --explain.  TSV fields escape \\, TAB, LF and CR as \\\\, \\t,\n"
    "\\n and \\r.  JSON Lines: {KEPT...,\"labels\":[{\"label\":L,\"prob\":p},...],\n"
    "\"probs\":{L:p,...},\"explain\":{\"label\":L,\"prob\":p,\"toward\":[{\"token\":T,\n"
    "\"score\":s,\"prob_without\":p,\"count\":n},...],\"against\":[...]}}; a record that\n"
    "could not be decoded: {KEPT...,\"error\":MSG}.\n";

#define MAX_SPECS 256

typedef struct {
    const char *model, *input;
    int header; /* -1: the model's data.header */
    int strict;
    const char *text_specs[MAX_SPECS], *keep_lists[MAX_SPECS];
    tc_predict_opts o; /* the rest of the options, as predict/records.h takes them */
} predict_args;

/* ---- arguments ----------------------------------------------------------- */

/* The option at hand (av->opt, av->val); the loop stops at an error. */
static void option(predict_args *a, tc_argv *av, const char **pos)
{
    const char *v = av->val;
    if (tc_argv_is(av, "--csv|--tsv")) {
        a->o.in_fmt = av->opt[2] == 'c' ? TC_FMT_CSV : TC_FMT_TSV;
    } else if (tc_argv_is(av, "--header|--no-header")) {
        a->header = av->opt[2] == 'h';
    } else if (tc_argv_is(av, "--probs")) {
        a->o.probs = 1;
    } else if (tc_argv_is(av, "--explain")) {
        a->o.explain = 1;
    } else if (tc_argv_is(av, "--strict")) {
        a->strict = 1;
    } else if (tc_argv_is(av, "--stream")) {
        a->o.stream = 1;
    } else if (tc_argv_is(av, "-k")) {
        tc_argv_long(av, 1, 1000000, &a->o.k);
    } else if (tc_argv_is(av, "--explain-top")) {
        tc_argv_long(av, 1, 1000000, &a->o.explain_top);
    } else if (tc_argv_is(av, "--batch")) {
        tc_argv_long(av, 1, 65536, &a->o.batch);
    } else if (tc_argv_is(av, "--threads")) {
        tc_argv_long(av, 0, 1024, &a->o.threads);
    } else if (tc_argv_is(av, "--threshold")) {
        double t;
        if (!tc_argv_number(av, 0, 1, 0, &t))
            a->o.threshold = (float)t;
    } else if (tc_argv_is(av, "--format")) {
        static const char *const names[] = {[TC_EMIT_TSV] = "tsv", [TC_EMIT_CSV] = "csv", [TC_EMIT_JSONL] = "jsonl"};
        int f = 0;
        while (f < 3 && strcmp(v, names[f]))
            f++;
        if (f == 3)
            tc_argv_stop(av, tc_fail(TC_EXIT_USAGE, "predict: --format: '%s' is not tsv, csv or jsonl", v));
        else
            a->o.out_fmt = (enum tc_emit_format)f;
    } else if (tc_argv_is(av, "--text-col|--keep-cols")) {
        int text = !strcmp(av->opt, "--text-col");
        int *n = text ? &a->o.ntext : &a->o.nkeep_lists;
        if (*n == MAX_SPECS)
            tc_argv_stop(av, tc_fail(TC_EXIT_USAGE, "predict: %s given more than %d times", av->opt, MAX_SPECS));
        else
            (text ? a->text_specs : a->keep_lists)[(*n)++] = v;
    } else {
        tc_argv_positional(av, pos, 2);
    }
}

static int parse_args(int argc, char **argv, predict_args *a)
{
    memset(a, 0, sizeof *a);
    a->header = -1;
    a->o.in_fmt = TC_FMT_LINES;
    a->o.explain_top = 3;
    a->o.batch = TC_INFER_BATCH;
    a->o.text_specs = a->text_specs;
    a->o.keep_lists = a->keep_lists;
    tc_argv av;
    const char *pos[2] = {NULL, NULL};
    tc_argv_init(&av, "predict", HELP, "-k --explain-top --batch --threads --threshold --format --text-col --keep-cols",
                 argc, argv);
    while (tc_argv_next(&av))
        option(a, &av, pos);
    if (av.code)
        return av.code;
    a->model = pos[0], a->input = pos[1];
    if (!a->model)
        return tc_fail(TC_EXIT_USAGE, "predict: missing MODEL (try 'textclf predict --help')");
    if (a->o.in_fmt == TC_FMT_LINES && (a->o.ntext || a->o.nkeep_lists))
        return tc_fail(TC_EXIT_USAGE, "predict: --text-col and --keep-cols need --csv or --tsv input");
    return 0;
}

/* ---- state ------------------------------------------------------------------ */

static void bad_record(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "textclf: %s (error record written)\n", msg);
}

static void note(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "textclf: note: %s\n", msg);
}

static int run(tc_bundle *bd, const predict_args *a, const tc_signals *sig)
{
    tc_err err = {{0}};
    int code = tc_load_model(bd, a->model, a->o.threshold);
    if (code)
        return code;
    const char *path = a->input && strcmp(a->input, "-") != 0 ? a->input : NULL;
    const char *name = path ? path : "<stdin>";
    FILE *in = path ? fopen(path, "rb") : stdin;
    if (!in)
        return tc_fail(TC_EXIT_ERR, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    tc_predict_opts o = a->o;
    o.header = o.in_fmt == TC_FMT_LINES ? 0 : (a->header >= 0 ? a->header : bd->cfg.data.header);
    o.stream = o.stream || fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode);
    o.stop = &sig->stop;
    o.on_bad_record = bad_record;
    o.on_note = note;
    code = TC_EXIT_OK;
    tc_set_threads(1);
    tc_reader *r = NULL;
    tc_predictor *p = tc_predictor_new(bd, &o, name, stdout, &err);
    if (!p || !(r = tc_reader_from_stream(in, name, a->o.in_fmt, &err))) {
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
        goto out;
    }
    tc_reader_set_stop(r, &sig->stop);
    if (o.stream)
        tc_reader_set_partial_reads(r, 1);
    else
        setvbuf(stdout, NULL, _IOFBF, (size_t)1 << 16);
    if (tc_predictor_run(p, r, &err) < 0)
        code = tc_output_closed() ? TC_EXIT_OK : tc_fail(TC_EXIT_ERR, "%s", err.msg);
    else
        code = tc_finish_output(TC_EXIT_OK, "predictions");
    if (code == TC_EXIT_OK && sig->stop)
        code = tc_signal_status(sig->stop);
    uint64_t bad = tc_predictor_bad_records(p);
    if (bad) {
        fprintf(stderr, "textclf: %s: %llu record(s) could not be decoded; each got an error record\n", name,
                (unsigned long long)bad);
        if (a->strict && code == TC_EXIT_OK)
            code = TC_EXIT_ERR;
    }
out:
    tc_reader_close(r);
    if (path)
        fclose(in);
    tc_predictor_free(p);
    return code;
}

int tc_cmd_predict(int argc, char **argv, tc_signals *sig)
{
    predict_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? TC_EXIT_OK : rc;
    tc_bundle bd;
    tc_bundle_init(&bd);
    rc = run(&bd, &a, sig);
    tc_bundle_free(&bd);
    return rc;
}
