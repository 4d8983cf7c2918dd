/* infer.c — see infer.h. */
#include "infer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/checkpoint.h"
#include "text/pad.h"

int tc_infer_init_model(tc_infer *e, tc_model *m, const tc_config *cfg, int cap, tc_err *err)
{
    memset(e, 0, sizeof *e);
    if (!m)
        return tc_err_set(err, "inference: no model loaded");
    if (cap < 1)
        cap = 1;
    cap = (cap + TC_INFER_QUANTUM - 1) / TC_INFER_QUANTUM * TC_INFER_QUANTUM;
    e->m = m;
    e->maxlen = cfg->pad.maxlen > 0 ? (int)cfg->pad.maxlen : 1;
    e->padding = cfg->pad.padding;
    e->truncating = cfg->pad.truncating;
    e->L = m->s.nlabels;
    e->cap = cap;
    return 0;
}

int tc_infer_init(tc_infer *e, tc_bundle *b, int cap, tc_err *err)
{
    return tc_infer_init_model(e, b->model, &b->cfg, cap, err);
}

void tc_infer_free(tc_infer *e)
{
    free(e->ids);
    memset(e, 0, sizeof *e);
}

/* One group of n <= cap rows: pad, forward, copy out the label probabilities. */
static int run_group(tc_infer *e, const int32_t *const *rows, const size_t *lens, int n, float *probs, tc_err *err)
{
    int T = 1;
    for (int i = 0; i < n; i++)
        if (lens[i] > (size_t)T)
            T = lens[i] > (size_t)e->maxlen ? e->maxlen : (int)lens[i];
    int B = (n + TC_INFER_QUANTUM - 1) / TC_INFER_QUANTUM * TC_INFER_QUANTUM;
    size_t need = (size_t)B * (size_t)T;
    if (need > e->ids_cap) {
        int32_t *p = realloc(e->ids, need * sizeof *p);
        if (!p)
            return tc_err_oom(err, "inference batch");
        e->ids = p;
        e->ids_cap = need;
    }
    if (tc_model_reserve(e->m, B, T, err) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        tc_pad_row(e->ids + (size_t)i * (size_t)T, rows[i], lens[i], T, e->padding, e->truncating);
    memset(e->ids + (size_t)n * (size_t)T, 0, (size_t)(B - n) * (size_t)T * sizeof *e->ids);
    const float *out = tc_model_forward(e->m, e->ids, B, T, 0, NULL);
    for (int i = 0; i < n; i++)
        tc_model_label_probs(e->m, out + (size_t)i * (size_t)e->m->s.outputs, probs + (size_t)i * (size_t)e->L);
    return 0;
}

int tc_infer_rows(tc_infer *e, const int32_t *const *rows, const size_t *lens, size_t n, float *probs,
                  tc_err *err)
{
    for (size_t at = 0; at < n; at += (size_t)e->cap) {
        int k = n - at < (size_t)e->cap ? (int)(n - at) : e->cap;
        if (run_group(e, rows + at, lens + at, k, probs + at * (size_t)e->L, err) < 0)
            return -1;
    }
    return 0;
}

int tc_infer_corpus(tc_infer *e, const tc_corpus *c, tc_infer_each each, void *ctx, tc_err *err)
{
    const int32_t **rows = malloc((size_t)e->cap * sizeof *rows);
    size_t *lens = malloc((size_t)e->cap * sizeof *lens);
    float *probs = malloc((size_t)e->cap * (size_t)e->L * sizeof *probs);
    int rc = rows && lens && probs ? 0 : tc_err_oom(err, "inference rows");
    for (uint64_t at = 0; rc == 0 && at < c->n; at += (uint64_t)e->cap) {
        int k = c->n - at < (uint64_t)e->cap ? (int)(c->n - at) : e->cap;
        for (int i = 0; i < k; i++) {
            rows[i] = c->ids + c->tok_off[at + (uint64_t)i];
            lens[i] = (size_t)(c->tok_off[at + (uint64_t)i + 1] - c->tok_off[at + (uint64_t)i]);
        }
        rc = run_group(e, rows, lens, k, probs, err) < 0 || each(ctx, at, k, probs, err) < 0 ? -1 : 0;
    }
    free(rows), free(lens), free(probs);
    return rc;
}

/* Ranking order: higher probability first, ties (and NaN, ranked last) by lower id. */
static int ranks_before(const float *p, int a, int b)
{
    float x = isnan(p[a]) ? -INFINITY : p[a], y = isnan(p[b]) ? -INFINITY : p[b];
    return x > y || (x == y && a < b);
}

/* heap[0 .. n) keeps the label that ranks last at the root */
static void sift_down(const float *p, int *heap, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, last = i;
        if (l < n && ranks_before(p, heap[last], heap[l]))
            last = l;
        if (r < n && ranks_before(p, heap[last], heap[r]))
            last = r;
        if (last == i)
            return;
        int t = heap[i];
        heap[i] = heap[last], heap[last] = t;
        i = last;
    }
}

static void sift_up(const float *p, int *heap, int i)
{
    while (i > 0 && ranks_before(p, heap[(i - 1) / 2], heap[i])) {
        int up = (i - 1) / 2, t = heap[i];
        heap[i] = heap[up], heap[up] = t;
        i = up;
    }
}

int tc_infer_top(const float *probs, const float *thr, int L, int k, int *out)
{
    if (k <= 0 || k > L)
        k = L;
    if (k == 1) { /* one pass, no heap */
        int best = -1;
        for (int i = 0; i < L; i++)
            if ((!thr || probs[i] >= thr[i]) && (best < 0 || ranks_before(probs, i, best)))
                best = i;
        if (best >= 0)
            out[0] = best;
        return best >= 0;
    }
    int n = 0;
    for (int i = 0; i < L; i++) {
        if (thr && !(probs[i] >= thr[i]))
            continue;
        if (n < k) {
            out[n] = i;
            sift_up(probs, out, n++);
        } else if (ranks_before(probs, i, out[0])) {
            out[0] = i;
            sift_down(probs, out, n, 0);
        }
    }
    /* pop the last-ranked to the back: out becomes best first */
    for (int m = n - 1; m > 0; m--) {
        int t = out[0];
        out[0] = out[m], out[m] = t;
        sift_down(probs, out, m, 0);
    }
    return n;
}

/* ---- thresholds in META ------------------------------------------------- */

int tc_infer_thresholds_get(const tc_bundle *b, float *thr, tc_err *err)
{
    (void)err;
    for (uint32_t l = 0; l < b->labels.n; l++)
        thr[l] = b->thresholds ? b->thresholds[l] : b->cfg.model.threshold;
    return 0;
}

int tc_infer_thresholds_put(tc_bundle *b, const float *thr, tc_err *err)
{
    free(b->thresholds);
    b->thresholds = NULL;
    if (!thr)
        return 0;
    b->thresholds = malloc((b->labels.n ? b->labels.n : 1) * sizeof *b->thresholds);
    if (!b->thresholds)
        return tc_err_oom(err, "thresholds");
    memcpy(b->thresholds, thr, b->labels.n * sizeof *thr);
    return 0;
}
