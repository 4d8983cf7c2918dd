/* retrain.c — see retrain.h. */
#include "retrain.h"

#include <stdlib.h>
#include <string.h>

#include "text/corpus.h"
#include "train/trainer.h"

/* The stored recipe with what retraining changes: the rows' file, the epochs,
 * and nothing that needs validation rows or a copy of the weights. */
static int recipe(tc_config *cfg, const tc_bundle *b, const tc_retrain_opts *o, tc_err *err)
{
    *cfg = b->cfg;
    if (o->data) {
        size_t n = strlen(o->data);
        if (n >= sizeof cfg->data.train)
            return tc_err_set(err, "retrain: data file name longer than %zu bytes", sizeof cfg->data.train - 1);
        memcpy(cfg->data.train, o->data, n + 1);
    }
    if (!cfg->data.train[0])
        return tc_err_set(err, "retrain: the model's config names no data.train (give the rows with --data FILE)");
    if (o->epochs > 0)
        cfg->train.epochs = o->epochs;
    /* from trained weights, the stored starting rate undoes more than it
     * fixes (sst2_bigram, PQ dsub 5, 60,000 rows kept, 5 epochs: 0.8221 at
     * its lr 0.1, 0.8435 at 0.02); a fifth of it is the default */
    cfg->train.lr = o->lr > 0 ? (float)o->lr : tc_train_lr(&b->cfg) / 5;
    cfg->data.valid[0] = 0;
    cfg->train.validation_split = 0;
    cfg->train.early_stopping.patience = 0;
    cfg->output.save_best = 0;
    return 0;
}

int tc_retrain(tc_bundle *b, const tc_retrain_opts *o, uint64_t *rows, tc_err *err)
{
    tc_config cfg;
    if (recipe(&cfg, b, o, err) < 0)
        return -1;
    tc_tokenizer *tok = tc_tokenizer_from_config(&cfg, err);
    if (!tok)
        return -1;
    tc_corpus c;
    tc_corpus_init(&c);
    float *row_w = NULL;
    tc_trainer *t = NULL;
    tc_corpus_src src = {.cfg = &cfg, .tok = tok, .vocab = &b->vocab, .labels = &b->labels};
    int rc = tc_corpus_read(&c, cfg.data.train, &src, err);
    if (rc == 0 && c.unknown_labels)
        rc = tc_err_set(err, "retrain: %s: %llu label(s) the model does not know", cfg.data.train,
                        (unsigned long long)c.unknown_labels);
    if (rc == 0 && cfg.train.class_weight == TC_CW_BALANCED)
        rc = tc_train_class_weights(&c, (int)b->labels.n, b->model->s.multilabel, &row_w, err);
    if (rc == 0) {
        tc_rng rng;
        tc_rng_seed(&rng, cfg.train.seed);
        t = tc_trainer_new(b->model, &cfg, &c, NULL, row_w, &rng, err);
        rc = t ? 0 : -1;
    }
    if (rc == 0) {
        tc_train_opts to = {.progress = o->pg};
        tc_train_summary sum;
        rc = tc_trainer_run(t, &to, &sum, err);
    }
    *rows = c.n;
    tc_trainer_free(t);
    free(row_w);
    tc_corpus_free(&c);
    tc_tokenizer_free(tok);
    return rc;
}
