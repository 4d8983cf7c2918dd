/* vectors.c — see vectors.h.
 *
 * Lines come from the record reader in its one-field-per-line mode; each is
 * cut into fields at spaces and tabs, the word is looked up (exactly, then
 * through the tokenizer), and only a line whose word fills a row not yet
 * filled as well has its numbers parsed, into a scratch row first. */
#include "vectors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/reader.h"
#include "util/mem.h"

enum { NONE = 0, NORMALIZED = 1, EXACT = 2 };

typedef struct {
    const char *path;
    tc_tokenizer *tok;
    const tc_vocab *v;
    float *E, *row; /* row: (D) scratch */
    int D;
    unsigned char *got; /* (words) NONE / NORMALIZED / EXACT */
    tc_vectors_stats *st;
    const char **f; /* (fcap) fields of the current line */
    size_t *fl;
    size_t nf, fcap;
} vec_ctx;

/* Cuts s[0..n) into fields at spaces and tabs. */
static int split(vec_ctx *x, const char *s, size_t n, tc_err *err)
{
    x->nf = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == n)
            break;
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t')
            j++;
        void **const ps[] = {(void **)&x->f, (void **)&x->fl};
        const size_t elem[] = {sizeof *x->f, sizeof *x->fl};
        if (tc_grow_parallel(ps, elem, 2, &x->fcap, x->nf + 1, "vector fields", err) < 0)
            return -1;
        x->f[x->nf] = s + i;
        x->fl[x->nf++] = j - i;
        i = j;
    }
    return 0;
}

/* Parses field s[0..n) as a finite float. */
static int parse_float(const char *s, size_t n, float *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    float v = strtof(tmp, &end);
    if (end != tmp + n || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0 && n < 10;
}

/* The first line "COUNT DIM": 1 if it is a header (checked), 0 if not. */
static int header(vec_ctx *x, uint64_t line, tc_err *err)
{
    if (x->nf != 2 || !all_digits(x->f[0], x->fl[0]) || !all_digits(x->f[1], x->fl[1]))
        return 0;
    long dim = strtol(x->f[1], NULL, 10);
    if (dim != x->D)
        return tc_err_set(err, "%s:%llu: the header says %ld dimensions but model.embedding_dim is %d", x->path,
                          (unsigned long long)line, dim, x->D);
    return 1;
}

/* The row a word fills and how (EXACT / NORMALIZED), or -1 for none. */
static int32_t match(vec_ctx *x, const char *w, size_t n, int *kind, tc_err *err)
{
    int32_t id = tc_vocab_lookup(x->v, w, n);
    *kind = EXACT;
    if (id == TC_OOV_ID) {
        tc_tokens tk;
        if (tc_tokenize(x->tok, w, n, &tk, err) < 0)
            return -2;
        if (tk.n != 1)
            return -1;
        id = tc_vocab_lookup(x->v, tk.buf + tk.off[0], tk.len[0]);
        *kind = NORMALIZED;
    }
    return id == TC_OOV_ID ? -1 : id;
}

/* One vector line (already split). */
static int vector_line(vec_ctx *x, uint64_t line, tc_err *err)
{
    size_t D = (size_t)x->D, nf = x->nf;
    if (nf < D + 1 || (nf > D + 1 && parse_float(x->f[nf - D - 1], x->fl[nf - D - 1], x->row) == 0))
        return tc_err_set(err, "%s:%llu: '%.*s' has %zu numbers but model.embedding_dim is %d", x->path,
                          (unsigned long long)line, (int)(x->fl[0] > 40 ? 40 : x->fl[0]), x->f[0], nf - 1, x->D);
    x->st->lines++;
    const char *w = x->f[0];
    size_t wn = (size_t)(x->f[nf - D - 1] + x->fl[nf - D - 1] - w);
    int kind;
    int32_t id = match(x, w, wn, &kind, err);
    if (id == -2)
        return -1;
    if (id < 0 || x->got[id - 2] >= kind)
        return 0;
    for (size_t k = 0; k < D; k++) {
        size_t j = nf - D + k;
        if (parse_float(x->f[j], x->fl[j], &x->row[k]) < 0)
            return tc_err_set(err, "%s:%llu: field %zu ('%.*s') is not a finite number", x->path,
                              (unsigned long long)line, j + 1, (int)(x->fl[j] > 40 ? 40 : x->fl[j]), x->f[j]);
    }
    memcpy(x->E + (size_t)id * D, x->row, D * sizeof *x->row);
    if (x->got[id - 2] == NORMALIZED)
        x->st->normalized--;
    if (kind == EXACT)
        x->st->exact++;
    else
        x->st->normalized++;
    x->got[id - 2] = (unsigned char)kind;
    return 0;
}

static int read_lines(vec_ctx *x, tc_reader *r, tc_err *err)
{
    tc_record rec;
    int first = 1, got;
    while ((got = tc_reader_next(r, &rec, err)) > 0) {
        if (split(x, rec.fields[0], rec.lens[0], err) < 0)
            return -1;
        if (x->nf == 0)
            continue;
        if (first) {
            first = 0;
            int h = header(x, rec.line, err);
            if (h < 0)
                return -1;
            if (h)
                continue;
        }
        if (vector_line(x, rec.line, err) < 0)
            return -1;
    }
    return got;
}

int tc_vectors_load(const char *path, tc_tokenizer *tok, const tc_vocab *v, float *E, int D, tc_vectors_stats *st,
                    tc_err *err)
{
    memset(st, 0, sizeof *st);
    st->words = v->words.n;
    vec_ctx x = {path, tok,  v, E, malloc((size_t)D * sizeof(float)), D, calloc(v->words.n + 1, 1), st,
                 NULL, NULL, 0, 0};
    int rc = -1;
    tc_reader *r = NULL;
    if (!x.row || !x.got)
        tc_err_oom(err, "pretrained vectors");
    else if ((r = tc_reader_open(path, TC_FMT_LINES, err)) != NULL)
        rc = read_lines(&x, r, err);
    if (rc == 0 && st->lines == 0)
        rc = tc_err_set(err, "%s: no vectors in the file", path);
    tc_reader_close(r);
    free(x.row);
    free(x.got);
    free(x.f);
    free(x.fl);
    return rc;
}

int tc_vectors_apply(const tc_config *cfg, tc_tokenizer *tok, const tc_vocab *v, float *E, char *note, size_t n,
                     tc_err *err)
{
    note[0] = '\0';
    if (!cfg->model.pretrained[0])
        return 0;
    tc_vectors_stats st;
    if (tc_vectors_load(cfg->model.pretrained, tok, v, E, (int)cfg->model.embedding_dim, &st, err) < 0)
        return -1;
    uint32_t found = st.exact + st.normalized;
    snprintf(note, n,
             "pretrained: %s: %u of %u vocabulary words found (%.1f%%; %u exact, %u after normalisation), "
             "%llu vectors read",
             cfg->model.pretrained, found, st.words, st.words ? 100.0 * found / st.words : 0.0, st.exact, st.normalized,
             (unsigned long long)st.lines);
    return 0;
}
