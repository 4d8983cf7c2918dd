/* records.c — see records.h.  The queue holds the records between two model
 * passes: their kept fields and error messages in one arena, their token ids
 * in one array, so a pass and its output records need no allocation per
 * record. */
#include "records.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "predict/explain.h"
#include "predict/infer.h"
#include "text/corpus.h"
#include "util/mem.h"

/* A text with no tokens is ROW_OK: it gets the model's prior (corpus.h). */
enum { ROW_OK, ROW_ERROR };

typedef struct {
    int status;
    size_t msg;       /* ROW_ERROR: offset of the message in the arena */
    size_t ids, nids; /* ROW_OK: its token ids in idbuf */
    size_t kept;      /* its first kept field in kf */
} row;

struct tc_predictor {
    const tc_predict_opts *o;
    tc_bundle *bd;
    tc_tokenizer *tok;
    tc_infer inf;
    tc_explainer ex;
    tc_tokens tk;             /* --explain: the tokens of the one queued record */
    int L, multilabel, pairs; /* pairs: label/prob pairs per record (softmax heads) */
    float *thr;               /* (L) sigmoid decision thresholds */
    const char *label_sep;
    const char *name; /* the input, for messages */
    long *text_cols, *keep_cols;
    int ntext, nkeep;
    char **keep_names; /* (nkeep) JSON keys and output header */
    int have_cols;     /* columns resolved */
    row *rows;         /* the queue */
    size_t nrows, cap_rows;
    char *arena; /* kept fields and messages of the queue */
    size_t alen, acap;
    struct {
        size_t off, len;
    } * kf; /* (nrows·nkeep) kept fields; len SIZE_MAX = column missing */
    size_t nkf, kf_cap;
    int32_t *idbuf;
    size_t nid, idcap;
    int32_t *enc; /* tc_encode_text scratch */
    size_t nenc, enc_cap;
    tc_wbuf joined; /* several text columns joined */
    const int32_t **rp;
    size_t *rl;
    float *probs; /* (cap_rows, L) */
    int *shown;   /* (L) */
    tc_wbuf sb;   /* a field being built; oom: it was cut short, and flush reports
                                that instead of writing on */
    FILE *out;

    uint64_t errors;
    int stream;
};

/* Copies n bytes (plus a NUL) into the arena; returns the offset or -1. */
static long long arena_put(tc_predictor *p, const char *s, size_t n, tc_err *err)
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

void tc_predictor_free(tc_predictor *p)
{
    if (!p)
        return;
    tc_explainer_free(&p->ex);
    tc_infer_free(&p->inf);
    tc_tokenizer_free(p->tok);
    if (p->keep_names)
        for (int i = 0; i < p->nkeep; i++)
            free(p->keep_names[i]);
    free(p->keep_names), free(p->text_cols), free(p->keep_cols), free(p->thr);
    free(p->rows), free(p->arena), free(p->kf), free(p->idbuf), free(p->enc);
    free(p->joined.p), free(p->rp), free(p->rl), free(p->probs), free(p->shown), free(p->sb.p);
    free(p);
}

/* ---- columns ------------------------------------------------------------------ */

/* Index of a column spec (tc_column_find), or the error naming the option. */
static int resolve(const tc_predictor *p, const char *opt, const char *spec, size_t len, const tc_record *hdr,
                   long *col, tc_err *err)
{
    if (tc_column_find(hdr, spec, len, col) == 0)
        return 0;
    return tc_column_error(hdr, p->name, opt, spec, len, err);
}

static int add_text_col(tc_predictor *p, const char *opt, const char *spec, size_t len, const tc_record *hdr,
                        tc_err *err)
{
    long *c = realloc(p->text_cols, (size_t)(p->ntext + 1) * sizeof *c);
    if (!c)
        return tc_err_oom(err, "columns");
    p->text_cols = c;
    return resolve(p, opt, spec, len, hdr, &p->text_cols[p->ntext++], err);
}

static int add_keep_col(tc_predictor *p, long col, const tc_record *hdr, tc_err *err)
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

/* 1 if name is one of the output's own columns (CSV/TSV header) or fields
 * (JSON Lines) in this run. */
static int own_name(const tc_predictor *p, const char *name)
{
    const tc_predict_opts *a = p->o;
    if (a->out_fmt == TC_EMIT_JSONL) {
        for (const char *const *r = (const char *const[]){"labels", "probs", "explain", "error", NULL}; *r; r++)
            if (!strcmp(name, *r))
                return 1;
        return 0;
    }
    if (a->explain && (!strcmp(name, "toward") || !strcmp(name, "against")))
        return 1;
    size_t n = strlen(name);
    if (a->probs && n >= 3 && !strncmp(name, "p(", 2) && name[n - 1] == ')' &&
        tc_strtab_find(&p->bd->labels, name + 2, n - 3) >= 0)
        return 1;
    if (p->pairs == 1)
        return !strcmp(name, "predicted") || !strcmp(name, "prob");
    for (const char *const *r = (const char *const[]){"predicted_", "prob_", NULL}; *r; r++) {
        size_t rl = strlen(*r);
        char *end;
        if (n > rl && !strncmp(name, *r, rl) && name[rl] != '0' && name[rl] >= '1' && name[rl] <= '9') {
            long v = strtol(name + rl, &end, 10);
            if (!*end && v >= 1 && v <= p->pairs)
                return 1;
        }
    }
    return 0;
}

/* 1 if kept column i may not be called name: an output column or an
 * earlier kept column (by its final name) has it. */
static int name_taken(const tc_predictor *p, int i, const char *name)
{
    if (own_name(p, name))
        return 1;
    for (int j = 0; j < i; j++)
        if (!strcmp(p->keep_names[j], name))
            return 1;
    return 0;
}

/* The rule for output names: every column (field) of the output has its own
 * name.  A kept column whose name is taken (a header naming two columns
 * alike, --keep-cols '*' over predict's own output, a column called
 * "predicted" or "labels") is written as NAME_2, or NAME_3, ... the first
 * that is free (the first of two alike keeps its name; the output's own
 * columns always keep theirs); on_note hears how many were renamed and the
 * first. */
static int unique_names(tc_predictor *p, tc_err *err)
{
    int renamed = 0;
    char first[160] = "";
    for (int i = 0; i < p->nkeep; i++) {
        const char *old = p->keep_names[i];
        if (!name_taken(p, i, old))
            continue;
        size_t n = strlen(old) + 24;
        char *s = malloc(n);
        if (!s)
            return tc_err_oom(err, "columns");
        for (long k = 2;; k++) {
            snprintf(s, n, "%s_%ld", old, k);
            if (!name_taken(p, i, s))
                break;
        }
        if (!renamed++)
            snprintf(first, sizeof first, "'%.60s' as '%.70s'", old, s);
        free(p->keep_names[i]);
        p->keep_names[i] = s;
    }
    if (renamed && p->o->on_note) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "%s: %d kept column%s renamed so that every output column has its own name "
                 "(the first: %s)",
                 p->name, renamed, renamed == 1 ? "" : "s", first);
        p->o->on_note(p->o->ctx, msg);
    }
    return 0;
}

/* Columns from the options (or the model's data.text_column) against the
 * header, or against the first record when there is none. */
static int resolve_columns(tc_predictor *p, const tc_record *first, int is_header, tc_err *err)
{
    const tc_predict_opts *a = p->o;
    const tc_record *hdr = is_header ? first : NULL;
    if (a->ntext == 0) { /* the model's text column(s), joined by TC_COLUMN_SEP */
        const char *s = p->bd->cfg.data.text_column;
        for (;;) {
            const char *e = strchr(s, TC_COLUMN_SEP);
            size_t n = e ? (size_t)(e - s) : strlen(s);
            if (add_text_col(p, "the model's text column (data.text_column; choose one with --text-col)", s, n, hdr,
                             err) < 0)
                return -1;
            if (!e)
                break;
            s = e + 1;
        }
    }
    for (int i = 0; i < a->ntext; i++)
        if (add_text_col(p, "--text-col", a->text_specs[i], strlen(a->text_specs[i]), hdr, err) < 0)
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
    if (unique_names(p, err) < 0)
        return -1;
    p->have_cols = 1;
    return 0;
}

/* ---- writing ------------------------------------------------------------------ */

static void sep(const tc_predictor *p, int *first)
{
    if (!*first)
        fputc(p->o->out_fmt == TC_EMIT_CSV ? ',' : '\t', p->out);
    *first = 0;
}

static void field(const tc_predictor *p, int *first, const char *s)
{
    sep(p, first);
    tc_emit_field(p->out, p->o->out_fmt, s, strlen(s));
}

/* The TSV/CSV header: kept columns, then the prediction columns. */
static void write_header(tc_predictor *p)
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
    if (p->o->probs)
        for (int l = 0; l < p->L; l++) {
            const char *name = tc_strtab_str(&p->bd->labels, (uint32_t)l);
            sep(p, &first);
            size_t n = strlen(name);
            char *h = malloc(n + 4);
            if (h) {
                snprintf(h, n + 4, "p(%s)", name);
                tc_emit_field(p->out, p->o->out_fmt, h, n + 3);
                free(h);
            }
        }
    if (p->o->explain) {
        field(p, &first, "toward");
        field(p, &first, "against");
    }
    fputc('\n', p->out);
}

/* Appends to the field buffer (on allocation failure the field is cut short
 * and flush fails, so no shortened record goes out silently). */
static void sb_add(tc_predictor *p, const char *s, size_t n)
{
    tc_wbuf_put(&p->sb, s, n);
}

static void sb_fmt(tc_predictor *p, const char *fmt, double x)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, fmt, x);
    sb_add(p, buf, n > 0 ? (size_t)n : 0);
}

static void sb_field(tc_predictor *p, int *first)
{
    sep(p, first);
    tc_emit_field(p->out, p->o->out_fmt, p->sb.len ? (const char *)p->sb.p : "", p->sb.len);
    p->sb.len = 0;
}

static const char *label_name(const tc_predictor *p, int l)
{
    return tc_strtab_str(&p->bd->labels, (uint32_t)l);
}

/* The labels shown for one row (into p->shown); returns how many. */
static int decide(tc_predictor *p, const float *pr)
{
    if (!p->multilabel)
        return tc_infer_top(pr, NULL, p->L, p->pairs, p->shown);
    return tc_infer_top(pr, p->thr, p->L, (int)p->o->k, p->shown); /* -k 0: every label over its threshold */
}

/* "token:+0.1234 token:+0.0100" for the toward (dir > 0) or against side. */
static void explain_list(tc_predictor *p, int dir)
{
    const tc_explainer *x = &p->ex;
    long shown = 0;
    for (size_t i = 0; i < x->n && shown < p->o->explain_top; i++) {
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

static void write_delimited(tc_predictor *p, const row *r, const float *pr, int nshown)
{
    int first = 1;
    for (int j = 0; j < p->nkeep; j++) {
        size_t at = r->kept + (size_t)j, len = p->kf[at].len;
        sep(p, &first);
        if (len != SIZE_MAX)
            tc_emit_field(p->out, p->o->out_fmt, p->arena + p->kf[at].off, len);
    }
    if (r->status != ROW_OK) {
        if (p->o->out_fmt == TC_EMIT_TSV && p->nkeep == 0) {
            fputc('\n', p->out); /* an error record of plain output: an empty line */
            return;
        }
        int blanks = 2 * p->pairs + (p->o->probs ? p->L : 0) + (p->o->explain ? 2 : 0);
        for (int i = 0; i < blanks; i++)
            field(p, &first, "");
        fputc('\n', p->out);
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
    if (p->o->probs)
        for (int l = 0; l < p->L; l++) {
            sb_fmt(p, "%.5f", pr[l]);
            sb_field(p, &first);
        }
    if (p->o->explain) {
        explain_list(p, 1);
        sb_field(p, &first);
        explain_list(p, -1);
        sb_field(p, &first);
    }
    fputc('\n', p->out);
}

static void json_key(const tc_predictor *p, const char *k, int *first)
{
    if (!*first)
        fputc(',', p->out);
    *first = 0;
    tc_json_str(p->out, k, strlen(k));
    fputc(':', p->out);
}

static void json_explain_side(const tc_predictor *p, int dir)
{
    const tc_explainer *x = &p->ex;
    long shown = 0;
    fputc('[', p->out);
    for (size_t i = 0; i < x->n && shown < p->o->explain_top; i++) {
        const tc_explain_item *it = &x->items[dir > 0 ? i : x->n - 1 - i];
        if (dir > 0 ? !(it->score > 0) : !(it->score < 0))
            break;
        fputs(shown++ ? ",{\"token\":" : "{\"token\":", p->out);
        const char *t = tc_strtab_str(&x->toks, it->tok);
        tc_json_str(p->out, t, strlen(t));
        printf(",\"score\":%.6g,\"prob_without\":%.6g,\"count\":%u}", (double)it->score, (double)it->p_without,
               it->count);
    }
    fputc(']', p->out);
}

static void write_jsonl(tc_predictor *p, const row *r, const float *pr, int nshown, int explained_label)
{
    int first = 1;
    fputc('{', p->out);
    for (int j = 0; j < p->nkeep; j++) {
        size_t at = r->kept + (size_t)j, len = p->kf[at].len;
        json_key(p, p->keep_names[j], &first);
        if (len == SIZE_MAX)
            fputs("null", p->out);
        else
            tc_json_str(p->out, p->arena + p->kf[at].off, len);
    }
    if (r->status == ROW_ERROR) {
        json_key(p, "error", &first);
        tc_json_str(p->out, p->arena + r->msg, strlen(p->arena + r->msg));
        fputs("}\n", p->out);
        return;
    }
    json_key(p, "labels", &first);
    fputc('[', p->out);
    for (int i = 0; r->status == ROW_OK && i < nshown; i++) {
        fputs(i ? ",{\"label\":" : "{\"label\":", p->out);
        const char *nm = label_name(p, p->shown[i]);
        tc_json_str(p->out, nm, strlen(nm));
        printf(",\"prob\":%.6g}", (double)pr[p->shown[i]]);
    }
    fputc(']', p->out);
    if (r->status == ROW_OK && p->o->probs) {
        json_key(p, "probs", &first);
        for (int l = 0; l < p->L; l++) {
            fputc(l ? ',' : '{', p->out);
            tc_json_str(p->out, label_name(p, l), strlen(label_name(p, l)));
            printf(":%.6g", (double)pr[l]);
        }
        fputc('}', p->out);
    }
    if (r->status == ROW_OK && p->o->explain) {
        json_key(p, "explain", &first);
        fputs("{\"label\":", p->out);
        tc_json_str(p->out, label_name(p, explained_label), strlen(label_name(p, explained_label)));
        printf(",\"prob\":%.6g,\"toward\":", (double)p->ex.p_full);
        json_explain_side(p, 1);
        fputs(",\"against\":", p->out);
        json_explain_side(p, -1);
        fputc('}', p->out);
    }
    fputs("}\n", p->out);
}

/* ---- the queue ------------------------------------------------------------------ */

static int stopped(const tc_predictor *p)
{
    return p->o->stop && *p->o->stop;
}

/* Runs the queued rows through the model and writes them, in order (until
 * a stop: whole records only). */
static int flush(tc_predictor *p, tc_err *err)
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
    for (size_t i = 0; i < p->nrows && !stopped(p); i++) {
        const row *r = &p->rows[i];
        int nshown = 0, label = 0;
        if (r->status == ROW_OK) {
            nshown = decide(p, pr);
            if (nshown)
                label = p->shown[0];
            else
                tc_infer_top(pr, NULL, p->L, 1, &label);
            if (p->o->explain && tc_explain_run(&p->ex, &p->tk, label, err) < 0)
                return -1;
        }
        if (p->o->out_fmt == TC_EMIT_JSONL)
            write_jsonl(p, r, pr, nshown, label);
        else
            write_delimited(p, r, pr, nshown);
        if (r->status == ROW_OK)
            pr += p->L;
    }
    p->nrows = p->alen = p->nkf = p->nid = 0;
    if (p->sb.oom)
        return tc_err_oom(err, "output record");
    if (p->stream)
        fflush(p->out);
    if (ferror(p->out))
        return tc_err_set(err, "error writing predictions: %s", errno ? strerror(errno) : "write error");
    return 0;
}

/* A new queue row with its kept fields from rec (NULL: none available). */
static row *new_row(tc_predictor *p, const tc_record *rec, tc_err *err)
{
    if (tc_grow((void **)&p->kf, &p->kf_cap, p->nkf + (size_t)p->nkeep + 1, sizeof *p->kf, "prediction buffers", err) <
        0)
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

/* Marks r as an error record with message msg (also passed to on_bad_record). */
static int set_error(tc_predictor *p, row *r, const char *msg, tc_err *err)
{
    long long off = arena_put(p, msg, strlen(msg), err);
    if (off < 0)
        return -1;
    r->status = ROW_ERROR;
    r->msg = (size_t)off;
    p->errors++;
    if (p->o->on_bad_record)
        p->o->on_bad_record(p->o->ctx, msg);
    return 0;
}

/* Queues one decoded record. */
static int add_record(tc_predictor *p, const tc_record *rec, tc_err *err)
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
    if (tc_record_text(rec, p->text_cols, p->ntext, &p->joined, &text, &len, err) < 0)
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
    return p->o->explain ? tc_tokenize(p->tok, text, len, &p->tk, err) : 0;
}

/* ---- running ------------------------------------------------------------------ */

static int setup(tc_predictor *p, const tc_predict_opts *a, tc_bundle *bd, int stream, tc_err *err)
{
    p->o = a;
    p->bd = bd;
    p->stream = stream;
    p->L = bd->model->s.nlabels;
    p->multilabel = bd->model->s.multilabel;
    long k = a->k ? a->k : 1;
    p->pairs = p->multilabel ? 1 : (int)(k < p->L ? k : p->L);
    p->label_sep = bd->cfg.data.label_separator[0] ? bd->cfg.data.label_separator : "|";
    /* not streaming, the queue holds a batch per thread; each batch is one model pass */
    int threads = stream || a->explain ? 1 : a->threads > 0 ? (int)a->threads : tc_cores();
    size_t pass = stream || a->explain ? 1 : (size_t)a->batch;
    /* --batch 65536 on a 10,000-label model would hold 2.6 GB of probabilities */
    size_t most = TC_PREDICT_PROBS_MAX / ((size_t)p->L * sizeof(float)) / (size_t)threads;
    most = most < TC_INFER_QUANTUM ? TC_INFER_QUANTUM : most / TC_INFER_QUANTUM * TC_INFER_QUANTUM;
    if (pass > most)
        pass = most;
    p->cap_rows = pass * (size_t)threads;
    if (!(p->tok = tc_tokenizer_from_config(&bd->cfg, err)) ||
        tc_infer_init(&p->inf, bd, (int)(a->explain ? TC_INFER_BATCH : pass), err) < 0 ||
        tc_infer_set_threads(&p->inf, threads, err) < 0)
        return -1;
    tc_explainer_init(&p->ex, &p->inf, bd);
    p->rows = malloc(p->cap_rows * sizeof *p->rows);
    p->rp = malloc(p->cap_rows * sizeof *p->rp);
    p->rl = malloc(p->cap_rows * sizeof *p->rl);
    p->probs = malloc(p->cap_rows * (size_t)p->L * sizeof *p->probs);
    p->shown = malloc((size_t)p->L * sizeof *p->shown);
    p->thr = malloc((size_t)p->L * sizeof *p->thr);
    if (!p->rows || !p->rp || !p->rl || !p->probs || !p->shown || !p->thr)
        return tc_err_oom(err, "predictor");
    if (a->threshold > 0) {
        for (int l = 0; l < p->L; l++)
            p->thr[l] = a->threshold;
        return 0;
    }
    return tc_infer_thresholds_get(bd, p->thr, err);
}

/* Reads every record of r, queueing and flushing; returns 0 or -1 (fatal). */
static int predict_all(tc_predictor *p, tc_reader *r, int header, tc_err *err)
{
    tc_record rec;
    int got;
    if (p->o->in_fmt == TC_FMT_LINES) {
        p->ntext = 1;
        p->text_cols = calloc(1, sizeof *p->text_cols);
        if (!p->text_cols)
            return tc_err_oom(err, "columns");
        p->have_cols = 1;
    }
    while (!stopped(p) && (got = tc_reader_next(r, &rec, err)) != 0) {
        if (got < 0 && stopped(p))
            break;
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
                if (p->o->out_fmt != TC_EMIT_JSONL)
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

tc_predictor *tc_predictor_new(tc_bundle *bd, const tc_predict_opts *o, const char *name, FILE *out, tc_err *err)
{
    tc_predictor *p = calloc(1, sizeof *p);
    if (!p) {
        tc_err_oom(err, "predictor");
        return NULL;
    }
    p->name = name;
    p->out = out;
    if (setup(p, o, bd, o->stream, err) < 0) {
        tc_predictor_free(p);
        return NULL;
    }
    return p;
}

int tc_predictor_run(tc_predictor *p, tc_reader *r, tc_err *err)
{
    return predict_all(p, r, p->o->header, err);
}

uint64_t tc_predictor_bad_records(const tc_predictor *p)
{
    return p->errors;
}
