/* cmd_predict.c — `textclf predict MODEL [FILE|-]`: one record in, one
 * prediction record out, in input order, so it can sit in a pipeline.
 *
 * Input: plain lines (one text per line), or CSV / TSV records whose text is
 * one or more columns (joined with a space) and whose other columns may be
 * passed through.  Output: TSV, CSV or JSON Lines (emit.h).
 *
 * Flow: records are read (text/reader.h), encoded to token ids and queued;
 * a full queue is run through the model (predict/infer.h) and written.  When
 * the input is a regular file the queue holds TC_INFER_BATCH records and the
 * output is block-buffered; otherwise (a pipe, a terminal) it holds one
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
#include "util/mem.h"
#include "predict/emit.h"
#include "predict/explain.h"
#include "predict/infer.h"
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "text/reader.h"

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
    "                     (repeatable; '*' = every column)\n"
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
    "  --batch N          records per model pass for regular files (default 256)\n"
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
    enum tc_format in_fmt;          /* TC_FMT_LINES, TC_FMT_CSV or TC_FMT_TSV */
    int header;                     /* -1: the model's data.header */
    const char *text_specs[MAX_SPECS];
    int ntext;
    const char *keep_lists[MAX_SPECS];
    int nkeep_lists;
    enum tc_emit_format out_fmt;
    long k, explain_top, batch, threads;
    float threshold;                /* 0: the model's */
    int probs, explain, strict, stream;
} predict_args;

/* ---- arguments ----------------------------------------------------------- */

static int parse_long(const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi)
        return tc_fail(TC_EXIT_USAGE, "predict: %s: '%s' is not an integer in [%ld, %ld]", opt, v, lo, hi);
    *out = x;
    return 0;
}

static const char *const VALUE_OPTS[] = {"-k", "--explain-top", "--batch", "--threads", "--threshold",
                                         "--format", "--text-col", "--keep-cols", NULL};

static int takes_value(const char *s)
{
    for (int i = 0; VALUE_OPTS[i]; i++)
        if (!strcmp(s, VALUE_OPTS[i]))
            return 1;
    return 0;
}

/* Applies option s (one of VALUE_OPTS) with value v; 0 or an exit status. */
static int value_opt(predict_args *a, const char *s, const char *v)
{
    char *end;
    if (!strcmp(s, "-k"))
        return parse_long(s, v, 1, 1000000, &a->k);
    if (!strcmp(s, "--explain-top"))
        return parse_long(s, v, 1, 1000000, &a->explain_top);
    if (!strcmp(s, "--batch"))
        return parse_long(s, v, 1, 65536, &a->batch);
    if (!strcmp(s, "--threads"))
        return parse_long(s, v, 0, 1024, &a->threads);
    if (!strcmp(s, "--threshold")) {
        a->threshold = strtof(v, &end);
        if (!*v || *end || !(a->threshold > 0.0f && a->threshold < 1.0f))
            return tc_fail(TC_EXIT_USAGE, "predict: --threshold: '%s' is not between 0 and 1", v);
        return 0;
    }
    if (!strcmp(s, "--format")) {
        if (!strcmp(v, "tsv"))
            a->out_fmt = TC_EMIT_TSV;
        else if (!strcmp(v, "csv"))
            a->out_fmt = TC_EMIT_CSV;
        else if (!strcmp(v, "jsonl"))
            a->out_fmt = TC_EMIT_JSONL;
        else
            return tc_fail(TC_EXIT_USAGE, "predict: --format: '%s' is not tsv, csv or jsonl", v);
        return 0;
    }
    int text = !strcmp(s, "--text-col");
    int *n = text ? &a->ntext : &a->nkeep_lists;
    if (*n == MAX_SPECS)
        return tc_fail(TC_EXIT_USAGE, "predict: %s given more than %d times", s, MAX_SPECS);
    (text ? a->text_specs : a->keep_lists)[(*n)++] = v;
    return 0;
}

static int flag_opt(predict_args *a, const char *s)
{
    if (!strcmp(s, "--csv"))
        a->in_fmt = TC_FMT_CSV;
    else if (!strcmp(s, "--tsv"))
        a->in_fmt = TC_FMT_TSV;
    else if (!strcmp(s, "--header") || !strcmp(s, "--no-header"))
        a->header = s[2] == 'h';
    else if (!strcmp(s, "--probs"))
        a->probs = 1;
    else if (!strcmp(s, "--explain"))
        a->explain = 1;
    else if (!strcmp(s, "--strict"))
        a->strict = 1;
    else if (!strcmp(s, "--stream"))
        a->stream = 1;
    else
        return 0;
    return 1;
}

static int parse_args(int argc, char **argv, predict_args *a)
{
    memset(a, 0, sizeof *a);
    a->in_fmt = TC_FMT_LINES;
    a->header = -1;
    a->explain_top = 3;
    a->batch = TC_INFER_BATCH;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *eq = strncmp(s, "--", 2) ? NULL : strchr(s, '=');
        char opt[32];
        if (eq && (size_t)(eq - s) < sizeof opt) { /* --opt=value */
            memcpy(opt, s, (size_t)(eq - s));
            opt[eq - s] = 0;
            if (takes_value(opt)) {
                int rc = value_opt(a, opt, eq + 1);
                if (rc)
                    return rc;
                continue;
            }
        }
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(HELP, stdout);
            return -1;
        } else if (flag_opt(a, s)) {
            continue;
        } else if (takes_value(s)) {
            if (i + 1 >= argc)
                return tc_fail(TC_EXIT_USAGE, "predict: %s needs a value", s);
            int rc = value_opt(a, s, argv[++i]);
            if (rc)
                return rc;
        } else if (s[0] == '-' && s[1]) {
            return tc_fail(TC_EXIT_USAGE, "predict: unknown option '%s' (try 'textclf predict --help')", s);
        } else if (npos < 2) {
            *(npos++ ? &a->input : &a->model) = s;
        } else {
            return tc_fail(TC_EXIT_USAGE, "predict: unexpected argument '%s'", s);
        }
    }
    if (!a->model)
        return tc_fail(TC_EXIT_USAGE, "predict: missing MODEL (try 'textclf predict --help')");
    if (a->in_fmt == TC_FMT_LINES && (a->ntext || a->nkeep_lists))
        return tc_fail(TC_EXIT_USAGE, "predict: --text-col and --keep-cols need --csv or --tsv input");
    return 0;
}

/* ---- state ------------------------------------------------------------------ */

enum { ROW_OK, ROW_ERROR };

typedef struct {
    int status;
    size_t msg;              /* ROW_ERROR: offset of the message in the arena */
    size_t ids, nids;        /* ROW_OK: its token ids in idbuf */
    size_t kept;             /* its first kept field in kf */
} row;

typedef struct {
    const predict_args *a;
    tc_bundle *bd;
    tc_tokenizer *tok;
    tc_infer inf;
    tc_explainer ex;
    tc_tokens tk;            /* --explain: the tokens of the one queued record */
    int L, multilabel, pairs; /* pairs: label/prob pairs per record (softmax heads) */
    float *thr;              /* (L) sigmoid decision thresholds */
    const char *label_sep;
    const char *name;        /* the input, for messages */
    long *text_cols, *keep_cols;
    int ntext, nkeep;
    char **keep_names;       /* (nkeep) JSON keys and output header */
    int have_cols;           /* columns resolved */
    row *rows;               /* the queue */
    size_t nrows, cap_rows;
    char *arena;             /* kept fields and messages of the queue */
    size_t alen, acap;
    struct {
        size_t off, len;
    } *kf;                   /* (nrows·nkeep) kept fields; len SIZE_MAX = column missing */
    size_t nkf, kf_cap;
    int32_t *idbuf;
    size_t nid, idcap;
    int32_t *enc;            /* tc_encode_text scratch */
    size_t nenc, enc_cap;
    char *joined;
    size_t jcap;
    const int32_t **rp;
    size_t *rl;
    float *probs;            /* (cap_rows, L) */
    int *order, *shown;      /* (L) */
    char *sb;                /* a field being built */
    size_t sblen, sbcap;
    int sb_oom;              /* a field was cut short: flush reports it instead of writing on */

    uint64_t errors;
    int stream;
} predictor;

/* Copies n bytes (plus a NUL) into the arena; returns the offset or -1. */
static long long arena_put(predictor *p, const char *s, size_t n, tc_err *err)
{
    if (tc_grow((void **)&p->arena, &p->acap, p->alen + n + 1, 1, "prediction buffers", err) < 0)
        return -1;
    size_t at = p->alen;
    if (n)
        memcpy(p->arena + at, s, n);
    p->arena[at + n] = 0;
    p->alen += n + 1;
    return (long long)at;
}

static void predictor_free(predictor *p)
{
    tc_explainer_free(&p->ex);
    tc_infer_free(&p->inf);
    tc_tokenizer_free(p->tok);
    if (p->keep_names)
        for (int i = 0; i < p->nkeep; i++)
            free(p->keep_names[i]);
    free(p->keep_names), free(p->text_cols), free(p->keep_cols), free(p->thr);
    free(p->rows), free(p->arena), free(p->kf), free(p->idbuf), free(p->enc);
    free(p->joined), free(p->rp), free(p->rl), free(p->probs), free(p->order), free(p->shown), free(p->sb);

}

/* ---- columns ------------------------------------------------------------------ */

/* Index of a column spec: a header name, else a 0-based index. */
static int resolve(const predictor *p, const char *opt, const char *spec, size_t len, const tc_record *hdr,
                   long *col, tc_err *err)
{
    if (hdr)
        for (size_t i = 0; i < hdr->nfields; i++) {
            const char *f = hdr->fields[i];
            size_t fl = hdr->lens[i];
            while (fl && (*f == ' ' || *f == '\t'))
                f++, fl--;
            while (fl && (f[fl - 1] == ' ' || f[fl - 1] == '\t' || f[fl - 1] == '\r'))
                fl--;
            if (fl == len && !memcmp(f, spec, len)) {
                *col = (long)i;
                return 0;
            }
        }
    long v = 0;
    size_t i = 0;
    for (; i < len && spec[i] >= '0' && spec[i] <= '9' && v < 1000000; i++)
        v = v * 10 + (spec[i] - '0');
    if (len && i == len) {
        *col = v;
        return 0;
    }
    if (hdr)
        return tc_err_set(err, "%s:%llu: %s '%.*s' is not a column of the header", p->name,
                          (unsigned long long)hdr->line, opt, (int)len, spec);
    return tc_err_set(err, "%s: %s '%.*s' is a column name, but the input has no header (use a 0-based index)",
                      p->name, opt, (int)len, spec);
}

static int add_text_col(predictor *p, const char *spec, size_t len, const tc_record *hdr, tc_err *err)
{
    long *c = realloc(p->text_cols, (size_t)(p->ntext + 1) * sizeof *c);
    if (!c)
        return tc_err_oom(err, "columns");
    p->text_cols = c;
    return resolve(p, "--text-col", spec, len, hdr, &p->text_cols[p->ntext++], err);
}

static int add_keep_col(predictor *p, long col, const tc_record *hdr, tc_err *err)
{
    long *c = realloc(p->keep_cols, (size_t)(p->nkeep + 1) * sizeof *c);
    char **nm = c ? realloc(p->keep_names, (size_t)(p->nkeep + 1) * sizeof *nm) : NULL;
    if (c)
        p->keep_cols = c;
    if (nm)
        p->keep_names = nm;
    if (!c || !nm)
        return tc_err_oom(err, "columns");
    char num[24];
    snprintf(num, sizeof num, "%ld", col);
    int named = hdr && (size_t)col < hdr->nfields;
    size_t n = named ? hdr->lens[col] : strlen(num);
    char *s = malloc(n + 1);
    if (!s)
        return tc_err_oom(err, "columns");
    memcpy(s, named ? hdr->fields[col] : num, n);
    s[n] = 0;
    p->keep_cols[p->nkeep] = col;
    p->keep_names[p->nkeep++] = s;
    return 0;
}

/* Columns from the options (or the model's data.text_column) against the
 * header, or against the first record when there is none. */
static int resolve_columns(predictor *p, const tc_record *first, int is_header, tc_err *err)
{
    const predict_args *a = p->a;
    const tc_record *hdr = is_header ? first : NULL;
    if (a->ntext == 0) { /* the model's text column(s), joined by TC_COLUMN_SEP */
        const char *s = p->bd->cfg.data.text_column;
        for (;;) {
            const char *e = strchr(s, TC_COLUMN_SEP);
            size_t n = e ? (size_t)(e - s) : strlen(s);
            if (add_text_col(p, s, n, hdr, err) < 0)
                return tc_err_prefix(err, "(the model's data.text_column; choose with --text-col)");
            if (!e)
                break;
            s = e + 1;
        }
    }
    for (int i = 0; i < a->ntext; i++)
        if (add_text_col(p, a->text_specs[i], strlen(a->text_specs[i]), hdr, err) < 0)
            return -1;
    for (int i = 0; i < a->nkeep_lists; i++) {
        for (const char *s = a->keep_lists[i];;) {
            const char *e = strchr(s, ',');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            long col;
            if (n == 1 && *s == '*') {
                for (size_t c = 0; c < first->nfields; c++)
                    if (add_keep_col(p, (long)c, hdr, err) < 0)
                        return -1;
            } else if (resolve(p, "--keep-cols", s, n, hdr, &col, err) < 0 || add_keep_col(p, col, hdr, err) < 0) {
                return -1;
            }
            if (!e)
                break;
            s = e + 1;
        }
    }
    if (a->out_fmt == TC_EMIT_JSONL)
        for (int i = 0; i < p->nkeep; i++)
            for (const char *const *r = (const char *const[]){"labels", "probs", "explain", "error", NULL}; *r; r++)
                if (!strcmp(p->keep_names[i], *r))
                    return tc_err_set(err, "--keep-cols: column '%s' has the name of a JSON output field", *r);
    p->have_cols = 1;
    return 0;
}

/* ---- writing ------------------------------------------------------------------ */

static void sep(const predictor *p, int *first)
{
    if (!*first)
        fputc(p->a->out_fmt == TC_EMIT_CSV ? ',' : '\t', stdout);
    *first = 0;
}

static void field(const predictor *p, int *first, const char *s)
{
    sep(p, first);
    tc_emit_field(stdout, p->a->out_fmt, s, strlen(s));
}

/* The TSV/CSV header: kept columns, then the prediction columns. */
static void write_header(predictor *p)
{
    int first = 1;
    char buf[64];
    for (int i = 0; i < p->nkeep; i++)
        field(p, &first, p->keep_names[i]);
    for (int i = 1; i <= p->pairs; i++) {
        if (p->pairs == 1) {
            field(p, &first, "predicted");
            field(p, &first, "prob");
        } else {
            snprintf(buf, sizeof buf, "predicted_%d", i);
            field(p, &first, buf);
            snprintf(buf, sizeof buf, "prob_%d", i);
            field(p, &first, buf);
        }
    }
    if (p->a->probs)
        for (int l = 0; l < p->L; l++) {
            const char *name = tc_strtab_str(&p->bd->labels, (uint32_t)l);
            sep(p, &first);
            size_t n = strlen(name);
            char *h = malloc(n + 4);
            if (h) {
                snprintf(h, n + 4, "p(%s)", name);
                tc_emit_field(stdout, p->a->out_fmt, h, n + 3);
                free(h);
            }
        }
    if (p->a->explain) {
        field(p, &first, "toward");
        field(p, &first, "against");
    }
    fputc('\n', stdout);
}

/* Appends to the field buffer (on allocation failure the field is cut short
 * and flush fails, so no shortened record goes out silently). */
static void sb_add(predictor *p, const char *s, size_t n)
{
    if (tc_grow((void **)&p->sb, &p->sbcap, p->sblen + n + 1, 1, "prediction buffers", NULL) < 0) {
        p->sb_oom = 1;
        return;
    }
    memcpy(p->sb + p->sblen, s, n);
    p->sblen += n;
    p->sb[p->sblen] = 0;
}

static void sb_fmt(predictor *p, const char *fmt, double x)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, fmt, x);
    sb_add(p, buf, n > 0 ? (size_t)n : 0);
}

static void sb_field(predictor *p, int *first)
{
    sep(p, first);
    tc_emit_field(stdout, p->a->out_fmt, p->sb ? p->sb : "", p->sblen);
    p->sblen = 0;
}

static const char *label_name(const predictor *p, int l)
{
    return tc_strtab_str(&p->bd->labels, (uint32_t)l);
}

/* The labels shown for one row (into p->shown); returns how many. */
static int decide(predictor *p, const float *pr)
{
    tc_infer_rank(pr, p->L, p->order);
    int n = 0;
    if (!p->multilabel) {
        for (; n < p->pairs; n++)
            p->shown[n] = p->order[n];
        return n;
    }
    for (int i = 0; i < p->L && (!p->a->k || n < p->a->k); i++)
        if (pr[p->order[i]] >= p->thr[p->order[i]])
            p->shown[n++] = p->order[i];
    return n;
}

/* "token:+0.1234 token:+0.0100" for the toward (dir > 0) or against side. */
static void explain_list(predictor *p, int dir)
{
    const tc_explainer *x = &p->ex;
    long shown = 0;
    for (size_t i = 0; i < x->n && shown < p->a->explain_top; i++) {
        const tc_explain_item *it = &x->items[dir > 0 ? i : x->n - 1 - i];
        if (dir > 0 ? !(it->score > 0) : !(it->score < 0))
            break;
        if (shown++)
            sb_add(p, " ", 1);
        const char *t = tc_strtab_str(&x->toks, it->tok);
        sb_add(p, t, strlen(t));
        sb_fmt(p, ":%+.3f", it->score);
    }
}

static void write_delimited(predictor *p, const row *r, const float *pr, int nshown)
{
    int first = 1;
    for (int j = 0; j < p->nkeep; j++) {
        size_t at = r->kept + (size_t)j, len = p->kf[at].len;
        sep(p, &first);
        if (len != SIZE_MAX)
            tc_emit_field(stdout, p->a->out_fmt, p->arena + p->kf[at].off, len);
    }
    if (r->status != ROW_OK) {
        if (p->a->out_fmt == TC_EMIT_TSV && p->nkeep == 0) {
            fputc('\n', stdout); /* an error record of plain output: an empty line */
            return;
        }
        int blanks = 2 * p->pairs + (p->a->probs ? p->L : 0) + (p->a->explain ? 2 : 0);
        for (int i = 0; i < blanks; i++)
            field(p, &first, "");
        fputc('\n', stdout);
        return;
    }
    if (p->multilabel) {
        for (int i = 0; i < nshown; i++) {
            if (i)
                sb_add(p, p->label_sep, strlen(p->label_sep));
            sb_add(p, label_name(p, p->shown[i]), strlen(label_name(p, p->shown[i])));
        }
        sb_field(p, &first);
        for (int i = 0; i < nshown; i++) {
            if (i)
                sb_add(p, p->label_sep, strlen(p->label_sep));
            sb_fmt(p, "%.5f", pr[p->shown[i]]);
        }
        sb_field(p, &first);
    } else {
        for (int i = 0; i < nshown; i++) {
            field(p, &first, label_name(p, p->shown[i]));
            sb_fmt(p, "%.5f", pr[p->shown[i]]);
            sb_field(p, &first);
        }
    }
    if (p->a->probs)
        for (int l = 0; l < p->L; l++) {
            sb_fmt(p, "%.5f", pr[l]);
            sb_field(p, &first);
        }
    if (p->a->explain) {
        explain_list(p, 1);
        sb_field(p, &first);
        explain_list(p, -1);
        sb_field(p, &first);
    }
    fputc('\n', stdout);
}

static void json_key(const char *k, int *first)
{
    if (!*first)
        fputc(',', stdout);
    *first = 0;
    tc_emit_json_str(stdout, k, strlen(k));
    fputc(':', stdout);
}

static void json_explain_side(const predictor *p, int dir)
{
    const tc_explainer *x = &p->ex;
    long shown = 0;
    fputc('[', stdout);
    for (size_t i = 0; i < x->n && shown < p->a->explain_top; i++) {
        const tc_explain_item *it = &x->items[dir > 0 ? i : x->n - 1 - i];
        if (dir > 0 ? !(it->score > 0) : !(it->score < 0))
            break;
        fputs(shown++ ? ",{\"token\":" : "{\"token\":", stdout);
        const char *t = tc_strtab_str(&x->toks, it->tok);
        tc_emit_json_str(stdout, t, strlen(t));
        printf(",\"score\":%.6g,\"prob_without\":%.6g,\"count\":%u}", (double)it->score, (double)it->p_without,
               it->count);
    }
    fputc(']', stdout);
}

static void write_jsonl(predictor *p, const row *r, const float *pr, int nshown, int explained_label)
{
    int first = 1;
    fputc('{', stdout);
    for (int j = 0; j < p->nkeep; j++) {
        size_t at = r->kept + (size_t)j, len = p->kf[at].len;
        json_key(p->keep_names[j], &first);
        if (len == SIZE_MAX)
            fputs("null", stdout);
        else
            tc_emit_json_str(stdout, p->arena + p->kf[at].off, len);
    }
    if (r->status == ROW_ERROR) {
        json_key("error", &first);
        tc_emit_json_str(stdout, p->arena + r->msg, strlen(p->arena + r->msg));
        fputs("}\n", stdout);
        return;
    }
    json_key("labels", &first);
    fputc('[', stdout);
    for (int i = 0; r->status == ROW_OK && i < nshown; i++) {
        fputs(i ? ",{\"label\":" : "{\"label\":", stdout);
        const char *nm = label_name(p, p->shown[i]);
        tc_emit_json_str(stdout, nm, strlen(nm));
        printf(",\"prob\":%.6g}", (double)pr[p->shown[i]]);
    }
    fputc(']', stdout);
    if (r->status == ROW_OK && p->a->probs) {
        json_key("probs", &first);
        for (int l = 0; l < p->L; l++) {
            fputc(l ? ',' : '{', stdout);
            tc_emit_json_str(stdout, label_name(p, l), strlen(label_name(p, l)));
            printf(":%.6g", (double)pr[l]);
        }
        fputc('}', stdout);
    }
    if (r->status == ROW_OK && p->a->explain) {
        json_key("explain", &first);
        fputs("{\"label\":", stdout);
        tc_emit_json_str(stdout, label_name(p, explained_label), strlen(label_name(p, explained_label)));
        printf(",\"prob\":%.6g,\"toward\":", (double)p->ex.p_full);
        json_explain_side(p, 1);
        fputs(",\"against\":", stdout);
        json_explain_side(p, -1);
        fputc('}', stdout);
    }
    fputs("}\n", stdout);
}

/* ---- the queue ------------------------------------------------------------------ */

/* Runs the queued rows through the model and writes them, in order. */
static int flush(predictor *p, tc_err *err)
{
    size_t nok = 0;
    for (size_t i = 0; i < p->nrows; i++)
        if (p->rows[i].status == ROW_OK) {
            p->rp[nok] = p->idbuf + p->rows[i].ids;
            p->rl[nok++] = p->rows[i].nids;
        }
    if (nok && tc_infer_rows(&p->inf, p->rp, p->rl, nok, p->probs, err) < 0)
        return -1;
    const float *pr = p->probs;
    for (size_t i = 0; i < p->nrows; i++) {
        const row *r = &p->rows[i];
        int nshown = 0, label = 0;
        if (r->status == ROW_OK) {
            nshown = decide(p, pr);
            label = nshown ? p->shown[0] : p->order[0];
            if (p->a->explain && tc_explain_run(&p->ex, &p->tk, label, err) < 0)
                return -1;
        }
        if (p->a->out_fmt == TC_EMIT_JSONL)
            write_jsonl(p, r, pr, nshown, label);
        else
            write_delimited(p, r, pr, nshown);
        if (r->status == ROW_OK)
            pr += p->L;
    }
    p->nrows = p->alen = p->nkf = p->nid = 0;
    if (p->sb_oom)
        return tc_err_oom(err, "output record");
    if (p->stream)
        fflush(stdout);
    if (ferror(stdout))
        return tc_err_set(err, "error writing predictions: %s", errno ? strerror(errno) : "write error");
    return 0;
}

/* A new queue row with its kept fields from rec (NULL: none available). */
static row *new_row(predictor *p, const tc_record *rec, tc_err *err)
{
    if (tc_grow((void **)&p->kf, &p->kf_cap, p->nkf + (size_t)p->nkeep + 1, sizeof *p->kf, "prediction buffers",
                err) < 0)
        return NULL;
    row *r = &p->rows[p->nrows++];
    memset(r, 0, sizeof *r);
    r->kept = p->nkf;
    for (int j = 0; j < p->nkeep; j++) {
        long c = p->keep_cols[j];
        size_t at = p->nkf++;
        p->kf[at].len = SIZE_MAX;
        if (rec && (size_t)c < rec->nfields) {
            long long off = arena_put(p, rec->fields[c], rec->lens[c], err);
            if (off < 0)
                return NULL;
            p->kf[at].off = (size_t)off;
            p->kf[at].len = rec->lens[c];
        }
    }
    return r;
}

/* Marks r as an error record with message msg (also reported on stderr). */
static int set_error(predictor *p, row *r, const char *msg, tc_err *err)
{
    long long off = arena_put(p, msg, strlen(msg), err);
    if (off < 0)
        return -1;
    r->status = ROW_ERROR;
    r->msg = (size_t)off;
    p->errors++;
    fprintf(stderr, "textclf: %s (error record written)\n", msg);
    return 0;
}

/* The record's text: one column, or several joined with a space. */
static int join_text(predictor *p, const tc_record *rec, const char **text, size_t *len, tc_err *err)
{
    if (p->ntext == 1) {
        *text = rec->fields[p->text_cols[0]];
        *len = rec->lens[p->text_cols[0]];
        return 0;
    }
    size_t n = 0;
    for (int i = 0; i < p->ntext; i++)
        n += rec->lens[p->text_cols[i]] + 1;
    if (tc_grow((void **)&p->joined, &p->jcap, n + 1, 1, "prediction buffers", err) < 0)
        return -1;
    size_t at = 0;
    for (int i = 0; i < p->ntext; i++) {
        size_t l = rec->lens[p->text_cols[i]];
        if (at && l)
            p->joined[at++] = ' ';
        memcpy(p->joined + at, rec->fields[p->text_cols[i]], l);
        at += l;
    }
    *text = p->joined;
    *len = at;
    return 0;
}


/* Queues one decoded record. */
static int add_record(predictor *p, const tc_record *rec, tc_err *err)
{
    row *r = new_row(p, rec, err);
    if (!r)
        return -1;
    long need = 0;
    for (int i = 0; i < p->ntext; i++)
        need = p->text_cols[i] + 1 > need ? p->text_cols[i] + 1 : need;
    if ((long)rec->nfields < need) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s:%llu: expected at least %ld fields, found %zu", p->name,
                 (unsigned long long)rec->line, need, rec->nfields);
        return set_error(p, r, msg, err);
    }
    const char *text;
    size_t len;
    if (join_text(p, rec, &text, &len, err) < 0)
        return -1;
    if (tc_encode_text(p->tok, &p->bd->vocab, text, len, &p->enc, &p->nenc, &p->enc_cap, err) < 0 ||
        tc_grow((void **)&p->idbuf, &p->idcap, p->nid + p->nenc + 1, sizeof *p->idbuf, "prediction buffers", err) < 0)
        return -1;
    memcpy(p->idbuf + p->nid, p->enc, p->nenc * sizeof *p->enc);
    r->status = ROW_OK;
    r->ids = p->nid;
    r->nids = p->nenc;
    p->nid += p->nenc;
    /* --explain: the tokens stay in p->tk until the next tokenize, after this record's flush */
    return p->a->explain ? tc_tokenize(p->tok, text, len, &p->tk, err) : 0;
}

/* ---- running ------------------------------------------------------------------ */

static int setup(predictor *p, const predict_args *a, tc_bundle *bd, int stream, tc_err *err)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->bd = bd;
    p->stream = stream;
    p->L = bd->model->s.nlabels;
    p->multilabel = bd->model->s.multilabel;
    long k = a->k ? a->k : 1;
    p->pairs = p->multilabel ? 1 : (int)(k < p->L ? k : p->L);
    p->label_sep = bd->cfg.data.label_separator[0] ? bd->cfg.data.label_separator : "|";
    /* a regular file queues --batch records per thread; each batch is one model pass */
    int threads = stream || a->explain ? 1 : a->threads > 0 ? (int)a->threads : tc_cores();
    p->cap_rows = stream || a->explain ? 1 : (size_t)a->batch * (size_t)threads;
    tc_set_threads(1);
    if (!(p->tok = tc_tokenizer_from_config(&bd->cfg, err)) ||
        tc_infer_init(&p->inf, bd, (int)(a->explain ? TC_INFER_BATCH : p->cap_rows / (size_t)threads), err) < 0 ||
        tc_infer_set_threads(&p->inf, threads, err) < 0)
        return -1;
    tc_explainer_init(&p->ex, &p->inf, bd);
    p->rows = malloc(p->cap_rows * sizeof *p->rows);
    p->rp = malloc(p->cap_rows * sizeof *p->rp);
    p->rl = malloc(p->cap_rows * sizeof *p->rl);
    p->probs = malloc(p->cap_rows * (size_t)p->L * sizeof *p->probs);
    p->order = malloc((size_t)p->L * sizeof *p->order);
    p->shown = malloc((size_t)p->L * sizeof *p->shown);
    p->thr = malloc((size_t)p->L * sizeof *p->thr);
    if (!p->rows || !p->rp || !p->rl || !p->probs || !p->order || !p->shown || !p->thr)
        return tc_err_oom(err, "predictor");
    if (a->threshold > 0) {
        for (int l = 0; l < p->L; l++)
            p->thr[l] = a->threshold;
        return 0;
    }
    return tc_infer_thresholds_get(bd, p->thr, err);
}

/* Reads every record of r, queueing and flushing; returns 0 or -1 (fatal). */
static int predict_all(predictor *p, tc_reader *r, int header, tc_err *err)
{
    tc_record rec;
    int got;
    if (p->a->in_fmt == TC_FMT_LINES) {
        p->ntext = 1;
        p->text_cols = calloc(1, sizeof *p->text_cols);
        if (!p->text_cols)
            return tc_err_oom(err, "columns");
        p->have_cols = 1;
    }
    while ((got = tc_reader_next(r, &rec, err)) != 0) {
        if (got < 0) {
            if (!tc_reader_recoverable(r)) { /* a read error: write what was read before it */
                tc_err fatal = *err;
                flush(p, err);
                *err = fatal;
                return -1;
            }
            row *bad = new_row(p, NULL, err);
            if (!bad || set_error(p, bad, err->msg, err) < 0)
                return -1;
        } else if (!p->have_cols) {
            if (resolve_columns(p, &rec, header, err) < 0)
                return -1;
            if (header) {
                if (p->a->out_fmt != TC_EMIT_JSONL)
                    write_header(p);
                continue;
            }
            if (add_record(p, &rec, err) < 0)
                return -1;
        } else if (add_record(p, &rec, err) < 0) {
            return -1;
        }
        if (p->nrows == p->cap_rows && flush(p, err) < 0)
            return -1;
    }
    return flush(p, err);
}

static int run(tc_bundle *bd, const predict_args *a)
{
    tc_err err = {{0}};
    if (tc_checkpoint_load(a->model, bd, &err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    const char *path = a->input && strcmp(a->input, "-") != 0 ? a->input : NULL;
    FILE *in = path ? fopen(path, "rb") : stdin;
    if (!in)
        return tc_fail(TC_EXIT_ERR, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int stream = a->stream || fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode);
    int header = a->in_fmt == TC_FMT_LINES ? 0 : (a->header >= 0 ? a->header : bd->cfg.data.header);
    predictor p;
    int code = TC_EXIT_OK;
    tc_reader *r = NULL;
    if (setup(&p, a, bd, stream, &err) < 0 ||
        !(r = tc_reader_from_stream(in, path ? path : "<stdin>", a->in_fmt, &err))) {
        code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
        goto out;
    }
    p.name = path ? path : "<stdin>";
    if (stream)
        tc_reader_set_partial_reads(r, 1);
    else
        setvbuf(stdout, NULL, _IOFBF, (size_t)1 << 16);
    if (predict_all(&p, r, header, &err) < 0)
        code = tc_output_closed() ? TC_EXIT_OK : tc_fail(TC_EXIT_ERR, "%s", err.msg);
    else
        code = tc_finish_output(TC_EXIT_OK, "predictions");
    if (p.errors) {
        fprintf(stderr, "textclf: %s: %llu record(s) could not be decoded; each got an error record\n", p.name,
                (unsigned long long)p.errors);
        if (a->strict && code == TC_EXIT_OK)
            code = TC_EXIT_ERR;
    }
out:
    tc_reader_close(r);
    if (path)
        fclose(in);
    predictor_free(&p);
    return code;
}

int tc_cmd_predict(int argc, char **argv)
{
    predict_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? TC_EXIT_OK : rc;
    tc_bundle bd;
    tc_bundle_init(&bd);
    rc = run(&bd, &a);
    tc_bundle_free(&bd);
    return rc;
}
