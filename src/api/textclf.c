/* textclf.c — the public C API (include/textclf.h) over the library: a
 * handle is a loaded model file (checkpoint.h) with the tokenizer its config
 * describes and an inference context (infer.h), the path `textclf predict`
 * takes, so both give the same probabilities and decisions. */
#include "textclf.h"

#include <stdlib.h>
#include <string.h>

#include "predict/infer.h"
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "util/mem.h"
#include "version.h"

struct textclf_model {
    tc_bundle bd;
    tc_tokenizer *tok;
    tc_infer inf;
    int L, multilabel;
    float *thr;   /* (L) sigmoid decision thresholds */
    int *order;   /* (L) the labels tc_infer_top selects */
    float *probs; /* (L) one text's probabilities */
    int32_t *ids; /* the token ids of the texts being predicted */
    size_t nids, ids_cap;
    int32_t *enc; /* one text's ids (tc_encode_text scratch) */
    size_t enc_cap;
    size_t *off, *lens; /* (TC_INFER_BATCH) a group's rows in ids */
    const int32_t **rows;
    tc_err err;
};

int textclf_abi_version(void)
{
    return TEXTCLF_ABI_VERSION;
}

const char *textclf_version(void)
{
    return TC_VERSION;
}

void textclf_close(textclf_model *m)
{
    if (!m)
        return;
    tc_infer_free(&m->inf);
    tc_tokenizer_free(m->tok);
    tc_bundle_free(&m->bd);
    free(m->thr), free(m->order), free(m->probs), free(m->ids), free(m->enc);
    free(m->off), free(m->lens), free(m->rows);
    free(m);
}

static int setup(textclf_model *m, const char *path, tc_err *err)
{
    if (tc_checkpoint_load(path, &m->bd, err) < 0)
        return -1;
    m->L = m->bd.model->s.nlabels;
    m->multilabel = m->bd.model->s.multilabel;
    if (!(m->tok = tc_tokenizer_from_config(&m->bd.cfg, err)) ||
        tc_infer_init(&m->inf, &m->bd, TC_INFER_BATCH, err) < 0)
        return -1;
    size_t L = (size_t)m->L;
    m->thr = malloc(L * sizeof *m->thr);
    m->order = malloc(L * sizeof *m->order);
    m->probs = malloc(L * sizeof *m->probs);
    m->off = malloc(TC_INFER_BATCH * sizeof *m->off);
    m->lens = malloc(TC_INFER_BATCH * sizeof *m->lens);
    m->rows = malloc(TC_INFER_BATCH * sizeof *m->rows);
    if (!m->thr || !m->order || !m->probs || !m->off || !m->lens || !m->rows)
        return tc_err_oom(err, "model handle");
    return tc_infer_thresholds_get(&m->bd, m->thr, err);
}

textclf_model *textclf_open(const char *path, char *err, size_t errlen)
{
    tc_err e = {{0}};
    textclf_model *m = calloc(1, sizeof *m);
    if (!m)
        tc_err_oom(&e, "model handle");
    else if (!path)
        tc_err_set(&e, "textclf_open: no path");
    else {
        tc_bundle_init(&m->bd);
        if (setup(m, path, &e) == 0)
            return m;
    }
    textclf_close(m);
    if (err && errlen)
        snprintf(err, errlen, "%s", e.msg);
    return NULL;
}

const char *textclf_errmsg(const textclf_model *m)
{
    return m ? m->err.msg : "no model";
}

int textclf_num_labels(const textclf_model *m)
{
    return m->L;
}

const char *textclf_label_name(const textclf_model *m, int id)
{
    return id >= 0 && id < m->L ? tc_strtab_str(&m->bd.labels, (uint32_t)id) : NULL;
}

int textclf_is_multilabel(const textclf_model *m)
{
    return m->multilabel;
}

/* Appends one text's ids to m->ids; its offset and length into *off, *len. */
static int encode(textclf_model *m, const char *text, size_t len, size_t *off, size_t *n)
{
    size_t k = 0;
    if (len && tc_encode_text(m->tok, &m->bd.vocab, text, len, &m->enc, &k, &m->enc_cap, &m->err) < 0)
        return -1;
    if (tc_grow((void **)&m->ids, &m->ids_cap, m->nids + k + 1, sizeof *m->ids, "token ids", &m->err) < 0)
        return -1;
    if (k)
        memcpy(m->ids + m->nids, m->enc, k * sizeof *m->ids);
    *off = m->nids;
    *n = k;
    m->nids += k;
    return 0;
}

int textclf_predict_batch(textclf_model *m, const char *const *texts, const size_t *lens, size_t n, float *probs)
{
    m->err.msg[0] = 0;
    for (size_t at = 0; at < n; at += TC_INFER_BATCH) {
        size_t g = n - at < TC_INFER_BATCH ? n - at : TC_INFER_BATCH;
        m->nids = 0;
        for (size_t i = 0; i < g; i++)
            if (encode(m, texts[at + i] ? texts[at + i] : "", texts[at + i] ? lens[at + i] : 0, &m->off[i],
                       &m->lens[i]) < 0)
                return -1;
        for (size_t i = 0; i < g; i++)
            m->rows[i] = m->ids + m->off[i]; /* m->ids is final now */
        if (tc_infer_rows(&m->inf, m->rows, m->lens, g, probs + at * (size_t)m->L, &m->err) < 0)
            return -1;
    }
    return 0;
}

int textclf_predict_probs(textclf_model *m, const char *text, size_t len, float *probs)
{
    return textclf_predict_batch(m, &text, &len, 1, probs);
}

int textclf_decide(const textclf_model *m, const float *probs, int k, int *labels, float *label_probs)
{
    if (k <= 0 && !m->multilabel)
        return 0;
    int n = tc_infer_top(probs, m->multilabel ? m->thr : NULL, m->L, k, m->order);
    for (int i = 0; i < n; i++) {
        if (labels)
            labels[i] = m->order[i];
        if (label_probs)
            label_probs[i] = probs[m->order[i]];
    }
    return n;
}

int textclf_predict(textclf_model *m, const char *text, size_t len, int k, int *labels, float *probs)
{
    if (textclf_predict_probs(m, text, len, m->probs) < 0)
        return -1;
    return textclf_decide(m, m->probs, k, labels, probs);
}
