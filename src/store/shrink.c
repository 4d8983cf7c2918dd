/* shrink.c — see shrink.h. */
#include "shrink.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/ngram.h"

typedef struct {
    float norm;
    uint32_t row;
} row_norm;

static int by_norm_desc(const void *a, const void *b)
{
    const row_norm *x = a, *y = b;
    if (x->norm != y->norm)
        return x->norm > y->norm ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* keep[r] = 1 for the `k` rows of E (V, D) from row 2 on with the largest
 * norms, and for padding, OOV and the unseen row (0: none), which always stay. */
static int choose(const float *E, uint32_t V, int D, uint32_t unseen, uint64_t k, uint8_t *keep, tc_err *err)
{
    row_norm *rn = malloc((size_t)V * sizeof *rn);
    if (!rn)
        return tc_err_oom(err, "pruning");
    uint32_t n = 0;
    for (uint32_t r = 2; r < V; r++) {
        if (r == unseen && unseen)
            continue;
        double s = 0;
        for (int c = 0; c < D; c++)
            s += (double)E[(size_t)r * (size_t)D + (size_t)c] * E[(size_t)r * (size_t)D + (size_t)c];
        rn[n++] = (row_norm){(float)sqrt(s), r};
    }
    qsort(rn, n, sizeof *rn, by_norm_desc);
    memset(keep, 0, V);
    keep[0] = keep[1] = 1;
    keep[unseen] = 1;
    for (uint64_t i = 0; i < k && i < n; i++)
        keep[rn[i].row] = 1;
    free(rn);
    return 0;
}

/* The kept words into nv (in order) and the kept feature buckets into feat.
 * nv has an unseen row (vocab.h) when v has one or v is a dense table (whose
 * mean counted every bucket): a pruned feature still counts in the mean. */
static int rebuild_vocab(const tc_vocab *v, const uint8_t *keep, uint32_t buckets, tc_vocab *nv, uint32_t *feat,
                         uint32_t *nfeat, tc_err *err)
{
    uint32_t size = tc_vocab_size(v);
    for (uint32_t w = 0; w < v->words.n; w++)
        if (keep[w + 2] && tc_vocab_push(nv, tc_strtab_str(&v->words, w), tc_strtab_len(&v->words, w), err) < 0)
            return -1;
    *nfeat = 0;
    uint32_t own = v->feat_map ? v->nfeat : buckets; /* feature rows, the unseen row not counted */
    for (uint32_t k = 0; k < own && buckets; k++)
        if (keep[size + k])
            feat[(*nfeat)++] = v->feat_map ? v->feat[k] : k;
    int unseen = v->feat_map ? v->feat_unseen : 1;
    return buckets ? tc_vocab_set_features(nv, feat, *nfeat, buckets, unseen, err) : 0;
}

/* Rows pruning chooses from: all but padding, OOV and the unseen row. */
static uint64_t prunable_rows(const tc_bundle *b)
{
    return (uint64_t)b->model->s.V - 2 - (tc_vocab_unseen_row(&b->vocab) != TC_PAD_ID);
}

int tc_prune_rows(tc_bundle *b, uint64_t keep, uint64_t *kept, tc_err *err)
{
    tc_model *m = b->model;
    uint32_t V = (uint32_t)m->s.V;
    int D = m->s.D;
    *kept = prunable_rows(b);
    if (keep >= *kept)
        return 0;
    tc_ngram_opts ng;
    tc_ngram_opts_from_config(&ng, &b->cfg);
    uint32_t buckets = tc_ngram_on(&ng) ? ng.buckets : 0;
    uint8_t *mark = malloc(V);
    uint32_t *feat = malloc((size_t)V * sizeof *feat), nfeat = 0;
    tc_vocab nv;
    tc_vocab_init(&nv);
    tc_model *nm = NULL;
    int rc = mark && feat ? 0 : tc_err_oom(err, "pruning");
    if (rc == 0)
        rc = choose(m->E, V, D, (uint32_t)tc_vocab_unseen_row(&b->vocab), keep, mark, err);
    if (rc == 0)
        rc = rebuild_vocab(&b->vocab, mark, buckets, &nv, feat, &nfeat, err);
    if (rc == 0) {
        tc_model_spec s = m->s;
        s.V = (int)tc_input_rows(&b->cfg, &nv);
        nm = tc_model_new(&s, err);
        rc = nm ? 0 : -1;
    }
    if (rc == 0) {
        /* the rows kept, in order: an unseen row stays last; a new one (dense
         * source) is the last row and stays zero, as tc_model_new leaves it */
        size_t o = 0, d = (size_t)D;
        for (uint32_t r = 0; r < V; r++)
            if (mark[r])
                memcpy(nm->E + d * o++, m->E + d * r, d * sizeof *nm->E);
        memcpy(nm->params + tc_model_tail(nm), m->params + tc_model_tail(m),
               (m->nparams - tc_model_tail(m)) * sizeof *nm->params);
        tc_vocab_free(&b->vocab);
        b->vocab = nv;
        tc_model_free(m);
        b->model = nm;
        *kept = keep;
    } else {
        tc_vocab_free(&nv);
    }
    free(mark);
    free(feat);
    return rc;
}

/* Appends "quantized=..." to META (replacing an earlier one). */
static void note_meta(tc_bundle *b, const tc_shrink_opts *o, uint64_t kept)
{
    char *old = strstr(b->meta, "quantized=");
    if (old && (old == b->meta || old[-1] == '\n')) { /* drop the earlier line */
        char *eol = strchr(old, '\n');
        memmove(old, eol ? eol + 1 : old + strlen(old), strlen(eol ? eol + 1 : old + strlen(old)) + 1);
    }
    size_t n = strlen(b->meta);
    const char *sep = o->note ? ", " : "", *note = o->note ? o->note : "";
    if (o->q.pq)
        snprintf(b->meta + n, sizeof b->meta - n, "quantized=pq dsub %d, %llu embedding rows%s%s\n", o->q.dsub,
                 (unsigned long long)kept, sep, note);
    else
        snprintf(b->meta + n, sizeof b->meta - n, "quantized=int8, %llu embedding rows%s%s\n", (unsigned long long)kept,
                 sep, note);
}

int tc_shrink(tc_bundle *b, const tc_shrink_opts *o, uint64_t *kept, tc_err *err)
{
    if (o->cutoff && tc_prune_rows(b, o->cutoff, kept, err) < 0)
        return -1;
    if (!o->cutoff)
        *kept = prunable_rows(b);
    if (o->after_prune && o->after_prune(o->ctx, b, err) < 0)
        return -1;
    tc_quant *q;
    if (tc_quant_build(&q, b->model, &o->q, err) < 0)
        return -1;
    tc_quant_free(b->quant);
    b->quant = q;
    tc_quant_decode(q, b->model);
    note_meta(b, o, *kept);
    return 0;
}
