/* corpus.c — see corpus.h.
 *
 * One record becomes one row: the text column(s) are joined and tokenized,
 * every token mapped to an id (counter id while training, vocabulary id
 * otherwise) and followed by its hashed n-gram features, and the label column
 * split into label ids.  Malformed records either stop the read with
 * "FILE:LINE: what" or, with data.on_error: skip, are counted and skipped.
 * JSON Lines records are parsed with jansson. */
#include "corpus.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "text/reader.h"
#include "util/mem.h"

#define TC_MAX_ROW_LABELS 1024
#define MAX_TEXT_COLUMNS (TC_NAME_MAX / 2)

tc_tokenizer *tc_tokenizer_from_config(const tc_config *cfg, tc_err *err)
{
    tc_tokenizer_opts o;
    memset(&o, 0, sizeof o);
    o.normalize = cfg->tokenizer.normalize;
    o.lowercase = cfg->tokenizer.lowercase;
    o.keep_punct = cfg->tokenizer.keep_punct;
    o.keep_symbols = cfg->tokenizer.keep_symbols;
    o.strip_accents = cfg->tokenizer.strip_accents;
    o.split = cfg->tokenizer.split;
    o.cjk = cfg->tokenizer.cjk;
    o.digits = cfg->tokenizer.digits;
    o.filters = cfg->tokenizer.filters;
    tc_ngram_opts_from_config(&o.ngram, cfg);
    return tc_tokenizer_new(&o, err);
}

void tc_corpus_init(tc_corpus *c)
{
    memset(c, 0, sizeof *c);
}

void tc_corpus_free(tc_corpus *c)
{
    free(c->tok_off);
    free(c->ids);
    free(c->lab_off);
    free(c->labels);
    free(c->line);
    memset(c, 0, sizeof *c);
}

/* Room for one more row (the offsets arrays hold n+1 entries). */
static int reserve_row(tc_corpus *c, tc_err *err)
{
    size_t cap = c->cap_rows;
    if (c->n + 2 <= cap)
        return 0;
    size_t c1 = cap, c2 = cap, c3 = cap;
    if (tc_grow((void **)&c->tok_off, &c1, c->n + 2, sizeof *c->tok_off, "corpus", err) < 0 ||
        tc_grow((void **)&c->lab_off, &c2, c->n + 2, sizeof *c->lab_off, "corpus", err) < 0 ||
        tc_grow((void **)&c->line, &c3, c->n + 2, sizeof *c->line, "corpus", err) < 0)
        return -1;
    c->cap_rows = c1;
    if (c->n == 0)
        c->tok_off[0] = c->lab_off[0] = 0;
    return 0;
}

static int push_id(tc_corpus *c, int32_t id, tc_err *err)
{
    uint64_t k = c->tok_off[c->n + 1];
    if (tc_grow((void **)&c->ids, &c->cap_ids, k + 1, sizeof *c->ids, "corpus", err) < 0)
        return -1;
    c->ids[k] = id;
    c->tok_off[c->n + 1] = k + 1;
    return 0;
}

static int push_label(tc_corpus *c, int32_t id, tc_err *err)
{
    uint64_t k = c->lab_off[c->n + 1];
    /* the same label twice on one row counts once */
    for (uint64_t j = c->lab_off[c->n]; j < k; j++)
        if (c->labels[j] == id)
            return 0;
    if (tc_grow((void **)&c->labels, &c->cap_labels, k + 1, sizeof *c->labels, "corpus", err) < 0)
        return -1;
    c->labels[k] = id;
    c->lab_off[c->n + 1] = k + 1;
    return 0;
}

/* The row entry of hashed feature `bucket`: its embedding row (0 = none:
 * the feature is dropped), or while training (no vocabulary yet) -1 - bucket,
 * until tc_corpus_remap_tokens. */
static int32_t feature_id(const tc_vocab *v, uint32_t bucket)
{
    return v ? tc_vocab_feature(v, bucket) : -1 - (int32_t)bucket;
}

/* Tokenizes text into the row being built: each token's id, then the
 * token's hashed features. */
static int add_text(tc_corpus *c, const tc_corpus_src *s, const char *text, size_t len, tc_err *err)
{
    tc_tokens tk;
    if (tc_tokenize(s->tok, text, len, &tk, err) < 0)
        return -1;
    const tc_vocab *v = s->counter ? NULL : s->vocab;
    for (size_t i = 0; i < tk.n; i++) {
        const char *w = tk.buf + tk.off[i];
        int64_t id = s->counter ? tc_counter_add(s->counter, w, tk.len[i], err)
                                : tc_vocab_lookup(s->vocab, w, tk.len[i]);
        if (id < 0 || push_id(c, (int32_t)id, err) < 0)
            return -1;
        for (uint32_t k = tk.feat_off ? tk.feat_off[i] : 0; tk.feat_off && k < tk.feat_off[i + 1]; k++) {
            int32_t f = feature_id(v, tk.feat[k]);
            if (f != TC_PAD_ID && push_id(c, f, err) < 0)
                return -1;
        }
    }
    return 0;
}

static void trim(const char **p, size_t *len)
{
    while (*len && isspace((unsigned char)**p))
        (*p)++, (*len)--;
    while (*len && isspace((unsigned char)(*p)[*len - 1]))
        (*len)--;
}

static int blank(const char *p, size_t len)
{
    trim(&p, &len);
    return len == 0;
}

/* One label string into the row being built (trimmed; counted when that
 * changed it, for train's notice).  Returns 0, or -1 on error. */
static int add_label(tc_corpus *c, const tc_corpus_src *s, const char *p, size_t len, tc_err *err)
{
    size_t raw = len;
    const char *rawp = p;
    trim(&p, &len);
    if (!len)
        return 0;
    if (len != raw && c->trimmed_labels++ == 0) {
        size_t n = raw < sizeof c->trimmed_example - 1 ? raw : sizeof c->trimmed_example - 1;
        memcpy(c->trimmed_example, rawp, n);
        c->trimmed_example[n] = 0;
    }
    int64_t id;
    if (s->add_labels) {
        id = tc_strtab_intern(s->labels, p, len, NULL, err);
        if (id < 0)
            return -1;
    } else {
        id = tc_strtab_find(s->labels, p, len);
        if (id < 0) {
            c->unknown_labels++;
            return 0;
        }
    }
    return push_label(c, (int32_t)id, err);
}

/* Splits a label field on data.label_separator (or takes it whole). */
static int add_label_field(tc_corpus *c, const tc_corpus_src *s, const char *p, size_t len, tc_err *err)
{
    const char *sep = s->cfg->data.label_separator;
    size_t sl = strlen(sep);
    if (!sl)
        return add_label(c, s, p, len, err);
    const char *end = p + len;
    for (;;) {
        const char *q = p;
        while (q + sl <= end && memcmp(q, sep, sl) != 0)
            q++;
        if (q + sl > end)
            q = end;
        const char *piece = p;
        size_t pl = (size_t)(q - p);
        trim(&piece, &pl); /* "a, b": space after a separator is the format, not a trimmed label */
        if (add_label(c, s, piece, pl, err) < 0)
            return -1;
        if (q == end)
            return 0;
        p = q + sl;
    }
}

int tc_column_find(const tc_record *hdr, const char *spec, size_t len, long *col)
{
    for (size_t i = 0; hdr && i < hdr->nfields; i++) {
        const char *f = hdr->fields[i];
        size_t fl = hdr->lens[i];
        trim(&f, &fl);
        if (fl == len && memcmp(f, spec, len) == 0) {
            *col = (long)i;
            return 0;
        }
    }
    long v = 0;
    size_t i = 0;
    for (; i < len && i < 9 && spec[i] >= '0' && spec[i] <= '9'; i++)
        v = v * 10 + (spec[i] - '0');
    if (len == 0 || i != len)
        return -1;
    *col = v;
    return 0;
}

int tc_column_error(const tc_record *hdr, const char *name, const char *what, const char *spec, size_t len, tc_err *err)
{
    if (!hdr)
        return tc_err_set(err, "%s: %s '%.*s' is a column name, but the input has no header (use a 0-based index)",
                          name, what, (int)len, spec);
    char cols[200];
    size_t n = 0;
    cols[0] = 0;
    for (size_t i = 0; i < hdr->nfields && n + 4 < sizeof cols; i++) {
        const char *f = hdr->fields[i];
        size_t fl = hdr->lens[i];
        trim(&f, &fl);
        size_t room = sizeof cols - n - 4; /* keep room for "..." */
        int w = snprintf(cols + n, sizeof cols - n, "%s%.*s", i ? ", " : "", (int)(fl < room ? fl : room), f);
        n += w > 0 ? (size_t)w : 0;
        if (n >= sizeof cols - 4 || (i + 1 < hdr->nfields && n + 8 >= sizeof cols)) {
            snprintf(cols + (n < sizeof cols - 4 ? n : sizeof cols - 4), 4, "...");
            break;
        }
    }
    for (char *c = cols; *c; c++) /* one line, whatever the header holds */
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    return tc_err_set(err, "%s:%llu: %s '%.*s' is not a column of the header (columns: %s)", name,
                      (unsigned long long)hdr->line, what, (int)len, spec, cols);
}

void tc_text_join(tc_wbuf *w, const char *p, size_t len)
{
    if (w->len && len)
        tc_wbuf_put(w, " ", 1);
    tc_wbuf_put(w, p, len);
}

int tc_record_text(const tc_record *rec, const long *cols, int n, tc_wbuf *w, const char **text, size_t *len,
                   tc_err *err)
{
    if (n == 1) {
        *text = rec->fields[cols[0]];
        *len = rec->lens[cols[0]];
        return 0;
    }
    w->len = 0;
    for (int i = 0; i < n; i++)
        tc_text_join(w, rec->fields[cols[i]], rec->lens[cols[i]]);
    if (w->oom)
        return tc_err_oom(err, "text columns");
    *text = w->len ? (const char *)w->p : "";
    *len = w->len;
    return 0;
}

/* A data.* column key against the header (or an index without one). */
static int resolve_column(const char *key, const char *spec, const tc_record *hdr, const char *path, long *col,
                          tc_err *err)
{
    if (tc_column_find(hdr, spec, strlen(spec), col) == 0)
        return 0;
    if (!hdr)
        return tc_err_set(err, "%s: %s '%s' is a column name but data.header is false (use a 0-based index)", path, key,
                          spec);
    return tc_column_error(hdr, path, key, spec, strlen(spec), err);
}

/* What tc_corpus_read keeps while it reads one file. */
typedef struct {
    tc_corpus *c;
    const tc_corpus_src *s;
    const char *path;
    const char *names[MAX_TEXT_COLUMNS]; /* data.text_column's names (into `spec`) */
    char spec[TC_NAME_MAX];
    int ntext;
    long tcol[MAX_TEXT_COLUMNS], lcol; /* csv/tsv: resolved column indexes */
    tc_wbuf join;                      /* several text fields joined by spaces */
} read_ctx;

/* Splits data.text_column into its names. */
static void split_text_columns(read_ctx *x)
{
    memcpy(x->spec, x->s->cfg->data.text_column, sizeof x->spec);
    x->spec[sizeof x->spec - 1] = '\0';
    x->ntext = 0;
    for (char *p = x->spec; x->ntext < MAX_TEXT_COLUMNS;) {
        x->names[x->ntext++] = p;
        p = strchr(p, TC_COLUMN_SEP);
        if (!p)
            break;
        *p++ = '\0';
    }
}

/* fastText line: labels, then text. */
static int add_fasttext(read_ctx *x, const tc_record *rec, tc_err *err)
{
    tc_span labs[TC_MAX_ROW_LABELS], text;
    size_t nl = tc_fasttext_parse(rec->fields[0], rec->lens[0], labs, TC_MAX_ROW_LABELS, &text);
    if (nl > TC_MAX_ROW_LABELS)
        return tc_err_set(err, "%s:%llu: more than %d labels on one line", x->path, (unsigned long long)rec->line,
                          TC_MAX_ROW_LABELS);
    if (nl == 0)
        return tc_err_set(err, "%s:%llu: no __label__ at the start of the line", x->path,
                          (unsigned long long)rec->line);
    for (size_t i = 0; i < nl; i++)
        if (add_label(x->c, x->s, labs[i].p, labs[i].len, err) < 0)
            return -1;
    return add_text(x->c, x->s, text.p, text.len, err);
}

/* CSV/TSV record: the label column, then the text column(s). */
static int add_columns(read_ctx *x, const tc_record *rec, tc_err *err)
{
    long need = x->lcol + 1;
    for (int i = 0; i < x->ntext; i++)
        if (x->tcol[i] + 1 > need)
            need = x->tcol[i] + 1;
    if ((long)rec->nfields < need)
        return tc_err_set(err, "%s:%llu: expected at least %ld fields, found %zu", x->path,
                          (unsigned long long)rec->line, need, rec->nfields);
    const char *lf = rec->fields[x->lcol];
    size_t ll = rec->lens[x->lcol];
    if (blank(lf, ll) && !x->s->cfg->data.label_separator[0])
        return tc_err_set(err, "%s:%llu: empty label", x->path, (unsigned long long)rec->line);
    if (add_label_field(x->c, x->s, lf, ll, err) < 0)
        return -1;
    const char *text;
    size_t len;
    if (tc_record_text(rec, x->tcol, x->ntext, &x->join, &text, &len, err) < 0)
        return -1;
    return add_text(x->c, x->s, text, len, err);
}

/* A JSON scalar as text: strings as they are, numbers and booleans spelled
 * out, null as "".  *p points into v or into num[32]. */
static int json_text(const json_t *v, char num[32], const char **p, size_t *len)
{
    if (json_is_string(v)) {
        *p = json_string_value(v);
        *len = json_string_length(v);
    } else if (json_is_integer(v)) {
        *len = (size_t)snprintf(num, 32, "%lld", (long long)json_integer_value(v));
        *p = num;
    } else if (json_is_real(v)) {
        *len = (size_t)snprintf(num, 32, "%.17g", json_real_value(v));
        *p = num;
    } else if (json_is_boolean(v) || json_is_null(v)) {
        *p = json_is_true(v) ? "true" : json_is_false(v) ? "false" : "";
        *len = strlen(*p);
    } else {
        return -1;
    }
    return 0;
}

static const char *json_kind(const json_t *v)
{
    return json_is_object(v) ? "an object" : json_is_array(v) ? "a list" : "a value";
}

/* The label field of a JSON object: a string (split on data.label_separator),
 * a number or boolean, or a list of them (one label each). */
static int jsonl_labels(read_ctx *x, json_t *o, uint64_t line, tc_err *err)
{
    const char *name = x->s->cfg->data.label_column, *p;
    char num[32];
    size_t len;
    json_t *v = json_object_get(o, name);
    if (!v)
        return tc_err_set(err, "%s:%llu: no field \"%s\" (data.label_column)", x->path, (unsigned long long)line, name);
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (json_text(json_array_get(v, i), num, &p, &len) < 0)
                return tc_err_set(err, "%s:%llu: field \"%s\": item %zu is %s, expected a label", x->path,
                                  (unsigned long long)line, name, i, json_kind(json_array_get(v, i)));
            if (add_label(x->c, x->s, p, len, err) < 0)
                return -1;
        }
        return 0;
    }
    if (json_text(v, num, &p, &len) < 0)
        return tc_err_set(err, "%s:%llu: field \"%s\" is %s, expected a label or a list of labels", x->path,
                          (unsigned long long)line, name, json_kind(v));
    if (blank(p, len) && !x->s->cfg->data.label_separator[0])
        return tc_err_set(err, "%s:%llu: empty label", x->path, (unsigned long long)line);
    return add_label_field(x->c, x->s, p, len, err);
}

/* The text field(s) of a JSON object, joined by spaces. */
static int jsonl_text(read_ctx *x, json_t *o, uint64_t line, tc_err *err)
{
    x->join.len = 0;
    for (int i = 0; i < x->ntext; i++) {
        const char *p;
        char num[32];
        size_t len;
        json_t *v = json_object_get(o, x->names[i]);
        if (!v)
            return tc_err_set(err, "%s:%llu: no field \"%s\" (data.text_column)", x->path, (unsigned long long)line,
                              x->names[i]);
        if (json_text(v, num, &p, &len) < 0)
            return tc_err_set(err, "%s:%llu: field \"%s\" is %s, expected text", x->path, (unsigned long long)line,
                              x->names[i], json_kind(v));
        tc_text_join(&x->join, p, len);
    }
    if (x->join.oom)
        return tc_err_oom(err, "text columns");
    return add_text(x->c, x->s, x->join.len ? (const char *)x->join.p : "", x->join.len, err);
}

/* JSON Lines record: one object per line. */
static int add_jsonl(read_ctx *x, const tc_record *rec, tc_err *err)
{
    json_error_t je;
    json_t *o = json_loadb(rec->fields[0], rec->lens[0], JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return tc_err_set(err, "%s:%llu: invalid JSON (column %d): %s", x->path, (unsigned long long)rec->line,
                          je.column, je.text);
    int rc;
    if (!json_is_object(o))
        rc = tc_err_set(err, "%s:%llu: expected a JSON object, found %s", x->path, (unsigned long long)rec->line,
                        json_is_array(o) ? "a list" : "a single value");
    else
        rc = jsonl_labels(x, o, rec->line, err) < 0 ? -1 : jsonl_text(x, o, rec->line, err);
    json_decref(o);
    return rc;
}

/* Fills the row being built from one record; returns 0, -1 error (row malformed). */
static int add_record(read_ctx *x, const tc_record *rec, tc_err *err)
{
    switch (x->s->cfg->data.format) {
    case TC_FMT_FASTTEXT:
        return add_fasttext(x, rec, err);
    case TC_FMT_JSONL:
        return add_jsonl(x, rec, err);
    default:
        return add_columns(x, rec, err);
    }
}

/* Resolves data.text_column's names and data.label_column against the header. */
static int resolve_columns(read_ctx *x, const tc_record *hdr, tc_err *err)
{
    for (int i = 0; i < x->ntext; i++)
        if (resolve_column("data.text_column", x->names[i], hdr, x->path, &x->tcol[i], err) < 0)
            return -1;
    return resolve_column("data.label_column", x->s->cfg->data.label_column, hdr, x->path, &x->lcol, err);
}

/* Row bookkeeping after add_record succeeded. */
static void finish_row(tc_corpus *c, uint64_t line)
{
    c->line[c->n] = line;
    uint64_t nt = c->tok_off[c->n + 1] - c->tok_off[c->n];
    uint64_t nl = c->lab_off[c->n + 1] - c->lab_off[c->n];
    if (nt > c->max_tokens)
        c->max_tokens = nt;
    if (nl > c->max_labels)
        c->max_labels = (uint32_t)nl;
    c->n++;
}

/* Reads every record of r into c. */
static int read_records(read_ctx *x, tc_reader *r, tc_err *err)
{
    const tc_config *cfg = x->s->cfg;
    tc_corpus *c = x->c;
    int have_cols = cfg->data.format == TC_FMT_FASTTEXT || cfg->data.format == TC_FMT_JSONL;
    tc_record rec;
    for (;;) {
        int got = tc_reader_next(r, &rec, err);
        if (got == 0)
            return 0;
        if (got < 0) {
            /* read errors and out-of-memory are never skipped */
            if (cfg->data.on_error == TC_ONERR_SKIP && have_cols && tc_reader_recoverable(r)) {
                c->skipped++;
                continue;
            }
            return -1;
        }
        if (!have_cols) {
            const tc_record *hdr = cfg->data.header ? &rec : NULL;
            if (resolve_columns(x, hdr, err) < 0)
                return -1;
            have_cols = 1;
            if (hdr)
                continue;
        }
        if (rec.nfields == 1 && rec.lens[0] == 0) {
            c->blank++;
            continue;
        }
        if (reserve_row(c, err) < 0)
            return -1;
        c->tok_off[c->n + 1] = c->tok_off[c->n];
        c->lab_off[c->n + 1] = c->lab_off[c->n];
        if (add_record(x, &rec, err) < 0) {
            /* out of memory is never skipped */
            if (cfg->data.on_error == TC_ONERR_SKIP && strncmp(err->msg, "out of memory", 13) != 0) {
                c->skipped++;
                continue;
            }
            return -1;
        }
        finish_row(c, rec.line);
    }
}

int tc_corpus_read(tc_corpus *c, const char *path, const tc_corpus_src *s, tc_err *err)
{
    if (s->vocab && (uint64_t)tc_vocab_size(s->vocab) + (uint64_t)s->cfg->tokenizer.buckets > INT32_MAX)
        return tc_err_set(err, "vocabulary plus tokenizer.buckets exceeds %d embedding rows", INT32_MAX);
    tc_reader *r = tc_reader_open(path, s->cfg->data.format, err);
    if (!r)
        return -1;
    read_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c, x.s = s, x.path = path;
    split_text_columns(&x);
    uint64_t invalid0 = tc_tokenizer_invalid_count(s->tok);
    int rc = read_records(&x, r, err);
    c->invalid_utf8 += tc_tokenizer_invalid_count(s->tok) - invalid0;
    free(x.join.p);
    c->data_crc32 = tc_reader_crc32(r);
    tc_reader_close(r);
    return rc;
}

/* The buckets used at least min_count times by c's feature ids (-1 - bucket)
 * into v's feature map; rank[b] (buckets) then holds 1 + b's row offset, or
 * 0 for a bucket without a row. */
static int build_feature_map(const tc_corpus *c, tc_vocab *v, uint32_t buckets, uint64_t min_count, uint32_t *rank,
                             tc_err *err)
{
    uint64_t nt = c->n ? c->tok_off[c->n] : 0;
    uint32_t nfeat = 0, need = min_count > UINT32_MAX ? UINT32_MAX : (uint32_t)(min_count ? min_count : 1);
    for (uint64_t i = 0; i < nt; i++) /* occurrence counts, saturating */
        if (c->ids[i] < 0 && rank[-1 - c->ids[i]] < UINT32_MAX)
            rank[-1 - c->ids[i]]++;
    for (uint32_t b = 0; b < buckets; b++)
        if (rank[b] >= need)
            rank[nfeat++] = b; /* nfeat <= b: the kept list overwrites only entries already read */
    if (tc_vocab_set_features(v, rank, nfeat, buckets, 1, err) < 0)
        return -1;
    memset(rank, 0, (size_t)buckets * sizeof *rank);
    for (uint32_t k = 0; k < nfeat; k++)
        rank[v->feat[k]] = k + 1;
    return 0;
}

int tc_corpus_remap_tokens(tc_corpus *c, const uint32_t *remap, tc_vocab *v, uint32_t buckets, uint64_t min_count,
                           tc_err *err)
{
    uint32_t *rank = NULL;
    if (buckets) {
        rank = calloc(buckets, sizeof *rank);
        if (!rank)
            return tc_err_oom(err, "feature map");
        if (build_feature_map(c, v, buckets, min_count, rank, err) < 0) {
            free(rank);
            return -1;
        }
    }
    /* ids rewritten in place; a feature without a row of its own takes the
     * unseen row (vocab.h) */
    uint32_t base = tc_vocab_size(v);
    int32_t unseen = buckets ? tc_vocab_unseen_row(v) : TC_PAD_ID;
    uint64_t w = 0, start = 0;
    c->max_tokens = 0;
    for (uint64_t r = 0; r < c->n; r++) {
        uint64_t end = c->tok_off[r + 1];
        c->tok_off[r] = w;
        for (uint64_t i = start; i < end; i++) {
            int32_t id = c->ids[i];
            if (id >= 0)
                c->ids[w++] = (int32_t)remap[id];
            else if (rank[-1 - id])
                c->ids[w++] = (int32_t)(base + rank[-1 - id] - 1);
            else
                c->ids[w++] = unseen;
        }
        c->max_tokens = w - c->tok_off[r] > c->max_tokens ? w - c->tok_off[r] : c->max_tokens;
        start = end;
    }
    if (c->n)
        c->tok_off[c->n] = w;
    free(rank);
    return 0;
}

uint64_t tc_corpus_count_empty(const tc_corpus *c)
{
    return c->n - tc_corpus_count_longer(c, 0);
}

uint64_t tc_corpus_count_longer(const tc_corpus *c, uint64_t maxlen)
{
    uint64_t k = 0;
    for (uint64_t i = 0; i < c->n; i++)
        k += c->tok_off[i + 1] - c->tok_off[i] > maxlen;
    return k;
}

void tc_corpus_remap_labels(tc_corpus *c, const uint32_t *remap)
{
    uint64_t nl = c->n ? c->lab_off[c->n] : 0;
    for (uint64_t i = 0; i < nl; i++)
        c->labels[i] = (int32_t)remap[c->labels[i]];
}

typedef struct {
    const tc_strtab *t;
    uint32_t id;
} label_ref;

static int by_bytes(const void *a, const void *b)
{
    const label_ref *x = a, *y = b;
    size_t lx = tc_strtab_len(x->t, x->id), ly = tc_strtab_len(y->t, y->id);
    int c = memcmp(tc_strtab_str(x->t, x->id), tc_strtab_str(y->t, y->id), lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

int tc_labels_sort(tc_strtab *labels, uint32_t *remap, tc_err *err)
{
    uint32_t n = labels->n;
    label_ref *refs = malloc((size_t)(n ? n : 1) * sizeof *refs);
    if (!refs)
        return tc_err_oom(err, "labels");
    for (uint32_t i = 0; i < n; i++)
        refs[i] = (label_ref){labels, i};
    qsort(refs, n, sizeof *refs, by_bytes);
    tc_strtab sorted;
    tc_strtab_init(&sorted);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id = refs[i].id;
        if (tc_strtab_intern(&sorted, tc_strtab_str(labels, id), tc_strtab_len(labels, id), NULL, err) < 0) {
            tc_strtab_free(&sorted);
            free(refs);
            return -1;
        }
        remap[id] = i;
    }
    free(refs);
    tc_strtab_free(labels);
    *labels = sorted;
    return 0;
}

int tc_encode_text(tc_tokenizer *tok, const tc_vocab *vocab, const char *text, size_t len, int32_t **ids, size_t *n,
                   size_t *cap, tc_err *err)
{
    tc_tokens tk;
    if (tc_tokenize(tok, text, len, &tk, err) < 0)
        return -1;
    size_t total = tk.n + (tk.feat_off ? tk.feat_off[tk.n] : 0);
    if (tc_grow((void **)ids, cap, total, sizeof **ids, "token ids", err) < 0)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < tk.n; i++) {
        (*ids)[k++] = tc_vocab_lookup(vocab, tk.buf + tk.off[i], tk.len[i]);
        for (uint32_t j = tk.feat_off ? tk.feat_off[i] : 0; tk.feat_off && j < tk.feat_off[i + 1]; j++)
            if (((*ids)[k] = feature_id(vocab, tk.feat[j])) != TC_PAD_ID)
                k++;
    }
    *n = k;
    return 0;
}

int tc_corpus_is_multilabel(const tc_config *cfg, const tc_corpus *c)
{
    if (cfg->data.format == TC_FMT_FASTTEXT)
        return c->max_labels > 1;
    if (cfg->data.format == TC_FMT_JSONL && c->max_labels > 1)
        return 1;
    return cfg->data.label_separator[0] != '\0';
}
