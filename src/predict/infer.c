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
    e->nlanes = 1;
    if (!(e->lanes = calloc(1, sizeof *e->lanes)))
        return tc_err_oom(err, "inference");
    e->lanes[0].m = m;
    return 0;
}

int tc_infer_set_threads(tc_infer *e, int threads, tc_err *err)
{
    if (threads <= 0)
        threads = tc_cores();
    if (threads == e->nlanes)
        return 0;
    if (e->nlanes != 1)
        return tc_err_set(err, "inference: threads already set");
    tc_infer_lane *l = realloc(e->lanes, (size_t)threads * sizeof *l);
    if (!l)
        return tc_err_oom(err, "inference threads");
    e->lanes = l;
    memset(l + 1, 0, (size_t)(threads - 1) * sizeof *l);
    for (int i = 1; i < threads; i++) {
        if (!(l[i].m = tc_model_replica(e->m, err)))
            return -1;
        e->nlanes = i + 1; /* what tc_infer_free must release */
    }
    e->pool = tc_pool_new(threads, err);
    return e->pool ? 0 : -1;
}

int tc_infer_init(tc_infer *e, tc_bundle *b, int cap, tc_err *err)
{
    return tc_infer_init_model(e, b->model, &b->cfg, cap, err);
}

void tc_infer_free(tc_infer *e)
{
    for (int i = 0; e->lanes && i < e->nlanes; i++) {
        free(e->lanes[i].ids);
        if (i)
            tc_model_free(e->lanes[i].m);
    }
    tc_pool_free(e->pool);
    free(e->lanes);
    memset(e, 0, sizeof *e);
}

/* One group of n <= cap rows on lane ln: pad, forward, copy out the label probabilities. */
static int run_group(const tc_infer *e, tc_infer_lane *ln, const int32_t *const *rows, const size_t *lens, int n,
                     float *probs, tc_err *err)
{
    int T = 1;
    for (int i = 0; i < n; i++)
        if (lens[i] > (size_t)T)
            T = lens[i] > (size_t)e->maxlen ? e->maxlen : (int)lens[i];
    int B = (n + TC_INFER_QUANTUM - 1) / TC_INFER_QUANTUM * TC_INFER_QUANTUM;
    size_t need = (size_t)B * (size_t)T;
    if (need > ln->ids_cap) {
        int32_t *p = realloc(ln->ids, need * sizeof *p);
        if (!p)
            return tc_err_oom(err, "inference batch");
        ln->ids = p;
        ln->ids_cap = need;
    }
    if (tc_model_reserve(ln->m, B, T, err) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        tc_pad_row(ln->ids + (size_t)i * (size_t)T, rows[i], lens[i], T, e->padding, e->truncating);
    memset(ln->ids + (size_t)n * (size_t)T, 0, (size_t)(B - n) * (size_t)T * sizeof *ln->ids);
    const float *out = tc_model_forward(ln->m, ln->ids, B, T, 0, NULL);
    for (int i = 0; i < n; i++)
        tc_model_label_probs(ln->m, out + (size_t)i * (size_t)ln->m->s.outputs, probs + (size_t)i * (size_t)e->L);
    return 0;
}

/* Group g of the current job, on lane g mod lanes (the pool's thread for task g). */
static void group_task(void *ctx, int g)
{
    tc_infer *e = ctx;
    tc_infer_lane *ln = &e->lanes[g % e->nlanes];
    size_t at = (size_t)g * (size_t)e->cap;
    int k = e->jn - at < (size_t)e->cap ? (int)(e->jn - at) : e->cap;
    if (ln->rc == 0 && run_group(e, ln, e->jrows + at, e->jlens + at, k, e->jprobs + at * (size_t)e->L, &ln->err) < 0)
        ln->rc = -1;
}

int tc_infer_rows(tc_infer *e, const int32_t *const *rows, const size_t *lens, size_t n, float *probs, tc_err *err)
{
    size_t groups = (n + (size_t)e->cap - 1) / (size_t)e->cap;
    if (e->nlanes == 1 || groups < 2) {
        for (size_t at = 0; at < n; at += (size_t)e->cap) {
            int k = n - at < (size_t)e->cap ? (int)(n - at) : e->cap;
            if (run_group(e, &e->lanes[0], rows + at, lens + at, k, probs + at * (size_t)e->L, err) < 0)
                return -1;
        }
        return 0;
    }
    if (groups > (size_t)INT32_MAX)
        return tc_err_set(err, "inference: too many rows in one call");
    e->jrows = rows, e->jlens = lens, e->jn = n, e->jprobs = probs;
    tc_pool_run(e->pool, (int)groups, group_task, e);
    for (int i = 0; i < e->nlanes; i++)
        if (e->lanes[i].rc) {
            *err = e->lanes[i].err;
            e->lanes[i].rc = 0;
            return -1;
        }
    return 0;
}

int tc_infer_corpus(tc_infer *e, const tc_corpus *c, tc_infer_each each, void *ctx, tc_err *err)
{
    size_t chunk = (size_t)e->cap * (size_t)e->nlanes; /* a group per lane at a time */
    const int32_t **rows = malloc(chunk * sizeof *rows);
    size_t *lens = malloc(chunk * sizeof *lens);
    float *probs = malloc(chunk * (size_t)e->L * sizeof *probs);
    int rc = rows && lens && probs ? 0 : tc_err_oom(err, "inference rows");
    for (uint64_t at = 0; rc == 0 && at < c->n; at += (uint64_t)chunk) {
        size_t k = c->n - at < (uint64_t)chunk ? (size_t)(c->n - at) : chunk;
        for (size_t i = 0; i < k; i++) {
            rows[i] = c->ids + c->tok_off[at + (uint64_t)i];
            lens[i] = (size_t)(c->tok_off[at + (uint64_t)i + 1] - c->tok_off[at + (uint64_t)i]);
        }
        rc = tc_infer_rows(e, rows, lens, k, probs, err);
        for (size_t g = 0; rc == 0 && g < k; g += (size_t)e->cap) { /* each group, in order */
            int n = k - g < (size_t)e->cap ? (int)(k - g) : e->cap;
            rc = each(ctx, at + g, n, probs + g * (size_t)e->L, err) < 0 ? -1 : 0;
        }
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
