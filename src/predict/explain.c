/* explain.c — see explain.h.
 *
 * Row 0 of the first pass is the whole text; row 1 + j is the text without
 * distinct token j.  Each row is encoded from the kept tokens: vocabulary id,
 * then (with n-grams on) the features tc_ngram_token gives that token within
 * the reduced sequence.  Passes hold at most e->cap rows and about VAR_BUDGET
 * ids, so a very long text is explained in several passes instead of one
 * huge buffer. */
#include "explain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define VAR_BUDGET ((size_t)1 << 22)

void tc_explainer_init(tc_explainer *x, tc_infer *e, const tc_bundle *b)
{
    memset(x, 0, sizeof *x);
    x->e = e;
    x->vocab = &b->vocab;
    tc_ngram_opts_from_config(&x->ng, &b->cfg);
    tc_strtab_init(&x->toks);
}

void tc_explainer_free(tc_explainer *x)
{
    tc_strtab_free(&x->toks);
    free(x->items), free(x->tok_of), free(x->word_id), free(x->th), free(x->off), free(x->len), free(x->th2);
    free(x->var), free(x->rows), free(x->lens), free(x->probs);
    memset(x, 0, sizeof *x);
}

/* Per-position scratch for n tokens (all arrays share cap_pos). */
static int reserve_positions(tc_explainer *x, size_t n, tc_err *err)
{
    void **const ps[] = {(void **)&x->tok_of, (void **)&x->word_id, (void **)&x->th,
                         (void **)&x->off,    (void **)&x->len,     (void **)&x->th2};
    const size_t elem[] = {sizeof *x->tok_of, sizeof *x->word_id, sizeof *x->th,
                           sizeof *x->off,    sizeof *x->len,     sizeof *x->th2};
    return tc_grow_parallel(ps, elem, 6, &x->cap_pos, n, "explanation", err);
}

/* Distinct tokens of tk into x->toks / tok_of / word_id / items; th and the
 * most ids one row can need (x->row_ids). */
static int collect(tc_explainer *x, const tc_tokens *tk, tc_err *err)
{
    tc_strtab_free(&x->toks);
    tc_strtab_init(&x->toks);
    if (reserve_positions(x, tk->n ? tk->n : 1, err) < 0)
        return -1;
    x->row_ids = 1;
    for (size_t i = 0; i < tk->n; i++) {
        const char *w = tk->buf + tk->off[i];
        int added = 0;
        int64_t id = tc_strtab_intern(&x->toks, w, tk->len[i], &added, err);
        if (id < 0)
            return -1;
        x->tok_of[i] = (uint32_t)id;
        if (added)
            x->word_id[id] = tc_vocab_lookup(x->vocab, w, tk->len[i]);
        x->th[i] = tc_hash_bytes(w, tk->len[i]);
        x->row_ids += 1 + tc_ngram_max_features(&x->ng, tk->len[i]);
    }
    x->n = x->toks.n;
    if (tc_grow((void **)&x->items, &x->cap_items, x->n ? x->n : 1, sizeof *x->items, "explanation", err) < 0)
        return -1;
    for (size_t j = 0; j < x->n; j++)
        x->items[j] = (tc_explain_item){(uint32_t)j, 0, 0.0f, 0.0f};
    for (size_t i = 0; i < tk->n; i++)
        x->items[x->tok_of[i]].count++;
    return 0;
}

/* Row `slot` of the pass: the text without distinct token `drop` (-1: whole
 * text), encoded as tc_encode_text encodes a text. */
static void build_row(tc_explainer *x, const tc_tokens *tk, size_t slot, long drop)
{
    size_t m = 0;
    for (size_t i = 0; i < tk->n; i++)
        if ((long)x->tok_of[i] != drop) {
            x->off[m] = tk->off[i];
            x->len[m] = tk->len[i];
            x->th2[m] = x->th[i];
            m++;
        }
    tc_tokens red = {m, tk->buf, x->off, x->len, NULL, NULL};
    int32_t *out = x->var + slot * x->row_ids;
    int feats = tc_ngram_on(&x->ng);
    size_t k = 0, r = 0;
    for (size_t i = 0; i < tk->n; i++) {
        if ((long)x->tok_of[i] == drop)
            continue;
        out[k++] = x->word_id[x->tok_of[i]];
        if (feats) {
            uint32_t *fb = (uint32_t *)(out + k); /* buckets land in place, then become ids */
            size_t nf = tc_ngram_token(&x->ng, &red, x->th2, r, fb, NULL);
            for (size_t j = 0; j < nf; j++) /* k grows no faster than j: in place is safe */
                if ((out[k] = tc_vocab_feature(x->vocab, fb[j])) != TC_PAD_ID)
                    k++;
        }
        r++;
    }
    x->rows[slot] = out;
    x->lens[slot] = k;
}

/* ln(p / (1 − p)) of label in one row of label probabilities (L). */
static double log_odds(const tc_explainer *x, const float *pr, int label)
{
    const tc_model_spec *s = &x->e->m->s;
    double p = pr[label], q = 0;
    if (s->sigmoid && s->multilabel) {
        q = 1.0 - p;
    } else {
        for (int l = 0; l < x->e->L; l++)
            q += l == label ? 0.0 : (double)pr[l];
    }
    const double floor = 1e-30;
    return log(p > floor ? p : floor) - log(q > floor ? q : floor);
}

static int by_score(const void *a, const void *b)
{
    const tc_explain_item *p = a, *q = b;
    if (p->score != q->score)
        return p->score < q->score ? 1 : -1;
    return (p->tok > q->tok) - (p->tok < q->tok);
}

/* Room for `per` rows of x->row_ids ids and their probabilities. */
static int reserve_rows(tc_explainer *x, size_t per, tc_err *err)
{
    if (tc_grow((void **)&x->var, &x->cap_var, per * x->row_ids, sizeof *x->var, "explanation", err) < 0)
        return -1;
    void **const ps[] = {(void **)&x->rows, (void **)&x->lens, (void **)&x->probs};
    const size_t elem[] = {sizeof *x->rows, sizeof *x->lens, (size_t)x->e->L * sizeof *x->probs};
    return tc_grow_parallel(ps, elem, 3, &x->cap_rows, per, "explanation", err);
}

int tc_explain_run(tc_explainer *x, const tc_tokens *tk, int label, tc_err *err)
{
    if (collect(x, tk, err) < 0)
        return -1;
    size_t L = (size_t)x->e->L, total = x->n + 1;
    size_t per = VAR_BUDGET / x->row_ids;
    per = per < 1 ? 1 : (per > (size_t)x->e->cap ? (size_t)x->e->cap : per);
    if (reserve_rows(x, per, err) < 0)
        return -1;
    for (size_t at = 0; at < total; at += per) {
        size_t k = total - at < per ? total - at : per;
        for (size_t s = 0; s < k; s++)
            build_row(x, tk, s, (long)(at + s) - 1);
        if (tc_infer_rows(x->e, x->rows, x->lens, k, x->probs, err) < 0)
            return -1;
        for (size_t s = 0; s < k; s++) {
            const float *pr = x->probs + s * L;
            double lo = log_odds(x, pr, label);
            if (at + s == 0) {
                x->p_full = pr[label];
                x->logit_full = lo;
            } else {
                x->items[at + s - 1].score = (float)(x->logit_full - lo);
                x->items[at + s - 1].p_without = pr[label];
            }
        }
    }
    qsort(x->items, x->n, sizeof *x->items, by_score);
    return 0;
}
