/* evaluate.c — see evaluate.h. */
#include "evaluate.h"

#include <stdlib.h>
#include <string.h>

#include "predict/infer.h"

int tc_evaluation_open(tc_evaluation *ev, tc_bundle *bd, float threshold, tc_err *err)
{
    memset(ev, 0, sizeof *ev);
    ev->bd = bd;
    ev->L = bd->model->s.nlabels;
    ev->multilabel = bd->model->s.multilabel;
    tc_corpus_init(&ev->c);
    tc_strtab_init(&ev->labels);
    ev->thr = malloc((size_t)ev->L * sizeof *ev->thr);
    ev->names = malloc((size_t)ev->L * sizeof *ev->names);
    if (!ev->thr || !ev->names)
        return tc_err_oom(err, "labels");
    for (int l = 0; l < ev->L; l++) {
        ev->names[l] = tc_strtab_str(&bd->labels, (uint32_t)l);
        ev->thr[l] = threshold;
    }
    return threshold > 0 ? 0 : tc_infer_thresholds_get(bd, ev->thr, err);
}

void tc_evaluation_close(tc_evaluation *ev)
{
    tc_corpus_free(&ev->c);
    tc_strtab_free(&ev->labels);
    tc_mc_free(&ev->mc);
    tc_ml_free(&ev->before);
    tc_ml_free(&ev->after);
    free(ev->unseen_rows), free(ev->probs), free(ev->thr), free(ev->names), free(ev->truth), free(ev->f1);
    memset(ev, 0, sizeof *ev);
}

/* Drops label ids >= L from every row, counting each unseen label's rows. */
static void drop_unseen(tc_evaluation *ev)
{
    tc_corpus *c = &ev->c;
    uint64_t w = 0;
    for (uint64_t r = 0; r < c->n; r++) {
        uint64_t from = c->lab_off[r], to = c->lab_off[r + 1], kept = 0;
        c->lab_off[r] = w;
        for (uint64_t j = from; j < to; j++) {
            int32_t id = c->labels[j];
            if (id < ev->L)
                c->labels[w++] = id, kept++;
            else
                ev->unseen_rows[id - ev->L]++;
        }
        ev->not_scored += !ev->multilabel && !kept && to > from;
    }
    if (c->n)
        c->lab_off[c->n] = w;
}

int tc_evaluation_read(tc_evaluation *ev, const char *path, tc_err *err)
{
    tc_bundle *bd = ev->bd;
    for (uint32_t i = 0; i < bd->labels.n; i++)
        if (tc_strtab_intern(&ev->labels, tc_strtab_str(&bd->labels, i), tc_strtab_len(&bd->labels, i), NULL,
                             err) < 0)
            return -1;
    tc_tokenizer *tok = tc_tokenizer_from_config(&bd->cfg, err);
    if (!tok)
        return -1;
    tc_corpus_src src = {.cfg = &bd->cfg, .tok = tok, .vocab = &bd->vocab, .labels = &ev->labels, .add_labels = 1};
    int rc = tc_corpus_read(&ev->c, path, &src, err);
    tc_tokenizer_free(tok);
    if (rc < 0)
        return -1;
    size_t unseen = tc_evaluation_unseen(ev);
    ev->unseen_rows = calloc(unseen ? unseen : 1, sizeof *ev->unseen_rows);
    if (!ev->unseen_rows)
        return tc_err_oom(err, "labels");
    drop_unseen(ev);
    return 0;
}

static int score_multiclass(tc_evaluation *ev, tc_err *err)
{
    tc_mc_report *r = &ev->mc;
    if (tc_mc_init(r, ev->L, err) < 0)
        return -1;
    const tc_corpus *c = &ev->c;
    for (uint64_t i = 0; i < c->n; i++) {
        if (c->lab_off[i + 1] == c->lab_off[i])
            continue;
        const float *p = ev->probs + i * (uint64_t)ev->L;
        int best = 0, truth = c->labels[c->lab_off[i]];
        for (int l = 1; l < ev->L; l++)
            if (p[l] > p[best])
                best = l;
        tc_mc_add(r, truth, best, p[truth]);
    }
    tc_mc_finish(r);
    return 0;
}

/* ev->truth (n, L) of the known labels. */
static int truth_matrix(tc_evaluation *ev, tc_err *err)
{
    const tc_corpus *c = &ev->c;
    ev->truth = calloc(c->n ? c->n * (size_t)ev->L : 1, 1);
    if (!ev->truth)
        return tc_err_oom(err, "label matrix");
    for (uint64_t i = 0; i < c->n; i++)
        for (uint64_t j = c->lab_off[i]; j < c->lab_off[i + 1]; j++)
            ev->truth[i * (uint64_t)ev->L + (uint64_t)c->labels[j]] = 1;
    return 0;
}

static int score_multilabel(tc_evaluation *ev, long k, tc_ml_report *r, tc_err *err)
{
    if (tc_ml_init(r, ev->L, err) < 0)
        return -1;
    r->k = (int)k;
    uint8_t *pred = malloc((size_t)ev->L);
    if (!pred)
        return tc_err_oom(err, "predictions");
    for (uint64_t i = 0; i < ev->c.n; i++) {
        const float *p = ev->probs + i * (uint64_t)ev->L;
        for (int l = 0; l < ev->L; l++)
            pred[l] = p[l] >= ev->thr[l];
        tc_ml_add(r, ev->truth + i * (uint64_t)ev->L, pred);
        tc_ml_add_probs(r, ev->truth + i * (uint64_t)ev->L, p);
    }
    free(pred);
    tc_ml_finish(r);
    return 0;
}

int tc_evaluation_score(tc_evaluation *ev, long k, tc_err *err)
{
    ev->probs = malloc((ev->c.n ? ev->c.n : 1) * (size_t)ev->L * sizeof *ev->probs);
    if (!ev->probs)
        return tc_err_set(err, "out of memory (%llu rows x %d labels)", (unsigned long long)ev->c.n, ev->L);
    tc_infer inf;
    if (tc_infer_init(&inf, ev->bd, TC_INFER_BATCH, err) < 0)
        return -1;
    int rc = tc_infer_corpus(&inf, &ev->c, ev->probs, err);
    tc_infer_free(&inf);
    if (rc < 0)
        return -1;
    if (!ev->multilabel)
        return score_multiclass(ev, err);
    return truth_matrix(ev, err) < 0 ? -1 : score_multilabel(ev, k, &ev->before, err);
}

int tc_evaluation_tune(tc_evaluation *ev, long k, tc_err *err)
{
    ev->f1 = malloc((size_t)ev->L * sizeof *ev->f1);
    if (!ev->f1)
        return tc_err_oom(err, "scores");
    if (tc_ml_tune_thresholds(ev->probs, ev->truth, ev->c.n, ev->L, ev->bd->cfg.model.threshold, ev->thr, ev->f1,
                              err) < 0 ||
        tc_infer_thresholds_put(ev->bd, ev->thr, err) < 0 || score_multilabel(ev, k, &ev->after, err) < 0)
        return -1;
    ev->tuned = 1;
    return 0;
}
