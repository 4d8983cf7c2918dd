/* corpus.c — see corpus.h.
 *
 * One record becomes one row: the text column is tokenized, every token mapped
 * to an id (counter id while training, vocabulary id otherwise), and the label
 * column split into label ids.  Malformed records either stop the read with
 * "FILE:LINE: what" or, with data.on_error: skip, are counted and skipped. */
#include "corpus.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "text/reader.h"

#define TC_MAX_ROW_LABELS 1024

tc_tokenizer *tc_tokenizer_from_config(const tc_config *cfg, tc_err *err)
{
    tc_tokenizer_opts o;
    memset(&o, 0, sizeof o);
    o.normalize = cfg->tokenizer.normalize;
    o.lowercase = cfg->tokenizer.lowercase;
    o.keep_punct = cfg->tokenizer.keep_punct;
    o.keep_symbols = cfg->tokenizer.keep_symbols;
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

static int grow(void **p, uint64_t *cap, uint64_t need, size_t elem, tc_err *err)
{
    if (need <= *cap)
        return 0;
    uint64_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q)
        return tc_err_oom(err, "corpus");
    *p = q;
    *cap = nc;
    return 0;
}

/* Room for one more row (the offsets arrays hold n+1 entries). */
static int reserve_row(tc_corpus *c, tc_err *err)
{
    uint64_t cap = c->cap_rows;
    if (c->n + 2 <= cap)
        return 0;
    uint64_t c1 = cap, c2 = cap, c3 = cap;
    if (grow((void **)&c->tok_off, &c1, c->n + 2, sizeof *c->tok_off, err) < 0 ||
        grow((void **)&c->lab_off, &c2, c->n + 2, sizeof *c->lab_off, err) < 0 ||
        grow((void **)&c->line, &c3, c->n + 2, sizeof *c->line, err) < 0)
        return -1;
    c->cap_rows = c1;
    if (c->n == 0)
        c->tok_off[0] = c->lab_off[0] = 0;
    return 0;
}

static int push_id(tc_corpus *c, int32_t id, tc_err *err)
{
    uint64_t k = c->tok_off[c->n + 1];
    if (grow((void **)&c->ids, &c->cap_ids, k + 1, sizeof *c->ids, err) < 0)
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
    if (grow((void **)&c->labels, &c->cap_labels, k + 1, sizeof *c->labels, err) < 0)
        return -1;
    c->labels[k] = id;
    c->lab_off[c->n + 1] = k + 1;
    return 0;
}

/* Tokenizes text into the row being built. */
static int add_text(tc_corpus *c, const tc_corpus_src *s, const char *text, size_t len, tc_err *err)
{
    tc_tokens tk;
    if (tc_tokenize(s->tok, text, len, &tk, err) < 0)
        return -1;
    for (size_t i = 0; i < tk.n; i++) {
        const char *w = tk.buf + tk.off[i];
        int64_t id = s->counter ? tc_counter_add(s->counter, w, tk.len[i], err)
                                : tc_vocab_lookup(s->vocab, w, tk.len[i]);
        if (id < 0 || push_id(c, (int32_t)id, err) < 0)
            return -1;
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

/* One label string into the row being built.  Returns 0, or -1 on error. */
static int add_label(tc_corpus *c, const tc_corpus_src *s, const char *p, size_t len, tc_err *err)
{
    trim(&p, &len);
    if (!len)
        return 0;
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
        if (add_label(c, s, p, (size_t)(q - p), err) < 0)
            return -1;
        if (q == end)
            return 0;
        p = q + sl;
    }
}

/* Resolves a column spec (header name, or 0-based index) against the header. */
static int resolve_column(const char *key, const char *spec, const tc_record *hdr, const char *path,
                          long *col, tc_err *err)
{
    if (hdr) {
        for (size_t i = 0; i < hdr->nfields; i++) {
            const char *f = hdr->fields[i];
            size_t fl = hdr->lens[i];
            trim(&f, &fl);
            if (fl == strlen(spec) && memcmp(f, spec, fl) == 0) {
                *col = (long)i;
                return 0;
            }
        }
    }
    char *end;
    errno = 0;
    long v = strtol(spec, &end, 10);
    if (*spec && !*end && errno == 0 && v >= 0) {
        *col = v;
        return 0;
    }
    if (hdr)
        return tc_err_set(err, "%s:%llu: %s '%s' is not a column of the header", path,
                          (unsigned long long)hdr->line, key, spec);
    return tc_err_set(err, "%s: %s '%s' is a column name but data.header is false (use a 0-based index)",
                      path, key, spec);
}

/* Fills the row being built from one record; returns 0, -1 error (row malformed). */
static int add_record(tc_corpus *c, const tc_corpus_src *s, const tc_record *rec, long tcol, long lcol,
                      const char *path, tc_err *err)
{
    enum tc_format fmt = s->cfg->data.format;
    if (fmt == TC_FMT_FASTTEXT) {
        tc_span labs[TC_MAX_ROW_LABELS], text;
        size_t nl = tc_fasttext_parse(rec->fields[0], rec->lens[0], labs, TC_MAX_ROW_LABELS, &text);
        if (nl > TC_MAX_ROW_LABELS)
            return tc_err_set(err, "%s:%llu: more than %d labels on one line", path,
                              (unsigned long long)rec->line, TC_MAX_ROW_LABELS);
        if (nl == 0)
            return tc_err_set(err, "%s:%llu: no __label__ at the start of the line", path,
                              (unsigned long long)rec->line);
        for (size_t i = 0; i < nl; i++)
            if (add_label(c, s, labs[i].p, labs[i].len, err) < 0)
                return -1;
        return add_text(c, s, text.p, text.len, err);
    }
    long need = (tcol > lcol ? tcol : lcol) + 1;
    if ((long)rec->nfields < need)
        return tc_err_set(err, "%s:%llu: expected at least %ld fields, found %zu", path,
                          (unsigned long long)rec->line, need, rec->nfields);
    const char *lf = rec->fields[lcol];
    size_t ll = rec->lens[lcol];
    trim(&lf, &ll);
    if (!ll && !s->cfg->data.label_separator[0])
        return tc_err_set(err, "%s:%llu: empty label", path, (unsigned long long)rec->line);
    if (add_label_field(c, s, lf, ll, err) < 0)
        return -1;
    return add_text(c, s, rec->fields[tcol], rec->lens[tcol], err);
}

int tc_corpus_read(tc_corpus *c, const char *path, const tc_corpus_src *s, tc_err *err)
{
    const tc_config *cfg = s->cfg;
    tc_reader *r = tc_reader_open(path, cfg->data.format, err);
    if (!r)
        return -1;
    uint64_t invalid0 = tc_tokenizer_invalid_count(s->tok);
    long tcol = 1, lcol = 0;
    int have_cols = cfg->data.format == TC_FMT_FASTTEXT;
    int rc = 0;
    tc_record rec;
    for (;;) {
        int got = tc_reader_next(r, &rec, err);
        if (got == 0)
            break;
        if (got < 0) {
            /* read errors and out-of-memory are never skipped */
            if (cfg->data.on_error == TC_ONERR_SKIP && have_cols && tc_reader_recoverable(r)) {
                c->skipped++;
                continue;
            }
            rc = -1;
            break;
        }
        if (!have_cols) {
            const tc_record *hdr = cfg->data.header ? &rec : NULL;
            if (resolve_column("data.text_column", cfg->data.text_column, hdr, path, &tcol, err) < 0 ||
                resolve_column("data.label_column", cfg->data.label_column, hdr, path, &lcol, err) < 0) {
                rc = -1;
                break;
            }
            have_cols = 1;
            if (hdr)
                continue;
        }
        if (rec.nfields == 1 && rec.lens[0] == 0) {
            c->blank++;
            continue;
        }
        if (reserve_row(c, err) < 0) {
            rc = -1;
            break;
        }
        c->tok_off[c->n + 1] = c->tok_off[c->n];
        c->lab_off[c->n + 1] = c->lab_off[c->n];
        if (add_record(c, s, &rec, tcol, lcol, path, err) < 0) {
            /* out of memory is never skipped */
            if (cfg->data.on_error == TC_ONERR_SKIP && strncmp(err->msg, "out of memory", 13) != 0) {
                c->skipped++;
                continue;
            }
            rc = -1;
            break;
        }
        c->line[c->n] = rec.line;
        uint64_t nt = c->tok_off[c->n + 1] - c->tok_off[c->n];
        uint64_t nl = c->lab_off[c->n + 1] - c->lab_off[c->n];
        if (nt > c->max_tokens)
            c->max_tokens = nt;
        if (nl > c->max_labels)
            c->max_labels = (uint32_t)nl;
        c->n++;
    }
    c->invalid_utf8 += tc_tokenizer_invalid_count(s->tok) - invalid0;
    tc_reader_close(r);
    return rc;
}

void tc_corpus_remap_tokens(tc_corpus *c, const uint32_t *remap)
{
    uint64_t nt = c->n ? c->tok_off[c->n] : 0;
    for (uint64_t i = 0; i < nt; i++)
        c->ids[i] = (int32_t)remap[c->ids[i]];
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

int tc_encode_text(tc_tokenizer *tok, const tc_vocab *vocab, const char *text, size_t len,
                   int32_t **ids, size_t *n, size_t *cap, tc_err *err)
{
    tc_tokens tk;
    if (tc_tokenize(tok, text, len, &tk, err) < 0)
        return -1;
    if (tk.n > *cap) {
        size_t nc = *cap ? *cap : 64;
        while (nc < tk.n)
            nc *= 2;
        int32_t *p = realloc(*ids, nc * sizeof *p);
        if (!p)
            return tc_err_oom(err, "token ids");
        *ids = p;
        *cap = nc;
    }
    for (size_t i = 0; i < tk.n; i++)
        (*ids)[i] = tc_vocab_lookup(vocab, tk.buf + tk.off[i], tk.len[i]);
    *n = tk.n;
    return 0;
}

int tc_corpus_is_multilabel(const tc_config *cfg, const tc_corpus *c)
{
    if (cfg->data.format == TC_FMT_FASTTEXT)
        return c->max_labels > 1;
    return cfg->data.label_separator[0] != '\0';
}
