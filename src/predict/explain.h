/* explain.h — which tokens made a prediction: exact leave-one-out.
 *
 * For a text whose distinct tokens (after normalisation, as the model sees
 * them) are w1 … wm, the score of wj for a label is the evidence it adds, in
 * log-odds:
 *
 *     score(wj) = logit p(label | text) − logit p(label | text without wj)
 *
 * with logit p = ln(p / (1 − p)) and "without wj" meaning every occurrence of
 * wj removed.  Log-odds rather than the probability itself, because a
 * confident model's probabilities saturate (0.99999 with or without a word)
 * while its log-odds still show each word's push; prob_without gives the
 * probability too.  1 − p is computed as the sum of the other labels'
 * probabilities for softmax heads, so it stays exact near p = 1; a sigmoid
 * output saturates in float32 near logit ±17, where scores are cut off.
 *
 * Both probabilities come from the model itself, through the same
 * tokenizer → vocabulary → pad/truncate → forward path as the prediction (the
 * m reduced texts run as one batched pass, see infer.h).  A positive score
 * means the token pushed the prediction toward the label, a negative one
 * against it.  The scores are exact for any encoder, LSTM included, and
 * account for truncation: a removed token lets the next one into the maxlen
 * window, just as it would in a shorter input.  Removing every occurrence of
 * a word (not one occurrence at a time) gives a repeated word its whole
 * weight.  Out-of-vocabulary words all map to the same embedding row, but
 * each is removed on its own, so positions (which matter to an LSTM) are
 * respected.  With hashed n-gram features (ngram.h) the reduced text is
 * featurised again, so the word n-grams that spanned a removed word go and
 * the ones that now join its neighbours appear, exactly as they would in that
 * shorter input.  Cost: m + 1 rows through the model per explained text. */
#ifndef TC_EXPLAIN_H
#define TC_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "predict/infer.h"
#include "store/checkpoint.h"
#include "text/ngram.h"
#include "text/tokenize.h"
#include "util/strtab.h"

typedef struct tc_explain_item {
    uint32_t tok;    /* id in tc_explainer.toks */
    uint32_t count;  /* occurrences in the text */
    float score;     /* see above; > 0: toward the label */
    float p_without; /* p(label | text without the token) */
} tc_explain_item;

typedef struct tc_explainer {
    tc_infer *e;            /* not owned */
    const tc_vocab *vocab;  /* not owned */
    tc_ngram_opts ng;       /* the model's hashed features */
    tc_strtab toks;         /* the distinct tokens of the last text */
    tc_explain_item *items; /* (n) by decreasing score, ties by first appearance */
    size_t n;
    float p_full;        /* p(label | whole text) */
    double logit_full;   /* its log-odds */
    uint32_t *tok_of;    /* (positions) distinct id of each token */
    int32_t *word_id;    /* (distinct) vocabulary id of each distinct token */
    uint64_t *th;        /* (positions) fnv hash of each token (word n-grams) */
    uint32_t *off, *len; /* (positions) the reduced text's tokens */
    uint64_t *th2;
    int32_t *var; /* reduced texts of one pass, back to back */
    const int32_t **rows;
    size_t *lens;
    float *probs;
    size_t cap_pos, cap_items, cap_var, cap_rows, row_ids;
} tc_explainer;

/* b's vocabulary and config (n-gram features) are used; e runs b's model. */
void tc_explainer_init(tc_explainer *x, tc_infer *e, const tc_bundle *b);
void tc_explainer_free(tc_explainer *x);

/* Explains `label` for a text whose tokens are tk (tc_tokenize's output; its
 * own features are not used).  Each text is encoded as tc_encode_text does:
 * per token its vocabulary id, then its hashed features.  Fills x->items,
 * x->n, p_full and logit_full; token strings are
 * tc_strtab_str(&x->toks, item.tok). */
int tc_explain_run(tc_explainer *x, const tc_tokens *tk, int label, tc_err *err);

#endif
