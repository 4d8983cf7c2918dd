/* session.c — see session.h.  tc_session_prepare is the function to read
 * first: each step it calls is one stage of the pipeline. */
#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "predict/infer.h"
#include "store/shrink.h"
#include "text/ngram.h"
#include "text/vectors.h"
#include "util/text.h"
#include "train/footprint.h"
#include "train/split.h"
#include "version.h"

int tc_session_config(tc_config *cfg, const char *path, char *const *sets, int nsets, const char *output,
                      tc_autoconf *ac, tc_err *err)
{
    int rc = tc_autoconf_config(cfg, path, sets, nsets, ac, err);
    if (rc < 0)
        return rc;
    if (output) {
        if (strlen(output) >= sizeof cfg->output.model)
            return tc_err_set(err, "-o: path too long");
        strcpy(cfg->output.model, output);
    }
    return tc_config_validate(cfg, err);
}

int tc_session_open(tc_session *s, tc_bundle *bd, tc_progress *pg, tc_err *err)
{
    memset(s, 0, sizeof *s);
    s->bd = bd;
    s->pg = pg;
    tc_corpus_init(&s->train);
    tc_corpus_init(&s->valid);
    tc_counter_init(&s->all);
    tc_counter_init(&s->part);
    const tc_config *cfg = &bd->cfg;
    if (cfg->output.checkpoint[0])
        snprintf(s->ckpt, sizeof s->ckpt, "%s", cfg->output.checkpoint);
    else
        snprintf(s->ckpt, sizeof s->ckpt, "%s.ckpt", cfg->output.model);
    s->tok = tc_tokenizer_from_config(cfg, err);
    return s->tok ? 0 : -1;
}

void tc_session_close(tc_session *s)
{
    if (s->metrics)
        fclose(s->metrics);
    free(s->metrics_buf);
    tc_trainer_free(s->trainer);
    free(s->row_w);
    tc_corpus_free(&s->train);
    tc_corpus_free(&s->valid);
    tc_counter_free(&s->all);
    tc_counter_free(&s->part);
    tc_tokenizer_free(s->tok);
    memset(s, 0, sizeof *s);
}

/* ---- data ---------------------------------------------------------------- */

static void report_read(tc_progress *pg, const char *what, const char *path, const tc_corpus *c)
{
    char extra[256] = "";
    size_t n = 0;
    if (c->skipped)
        n += (size_t)snprintf(extra + n, sizeof extra - n, ", %llu malformed rows skipped",
                              (unsigned long long)c->skipped);
    if (c->unknown_labels && n < sizeof extra)
        n += (size_t)snprintf(extra + n, sizeof extra - n, ", %llu unknown labels ignored",
                              (unsigned long long)c->unknown_labels);
    if (c->invalid_utf8 && n < sizeof extra)
        n += (size_t)snprintf(extra + n, sizeof extra - n, ", %llu invalid UTF-8 sequences replaced",
                              (unsigned long long)c->invalid_utf8);
    uint64_t empty = tc_corpus_count_empty(c);
    if (empty && n < sizeof extra)
        snprintf(extra + n, sizeof extra - n, ", %llu with no tokens (classified by the model's prior)",
                 (unsigned long long)empty);
    tc_progress_note(pg, "%s: %s: %llu rows, %llu tokens%s", what, path, (unsigned long long)c->n,
                     (unsigned long long)(c->n ? c->tok_off[c->n] : 0), extra);
    if (c->trimmed_labels) { /* the model's labels differ from the file's bytes: say so */
        char ex[8 * sizeof c->trimmed_example] = "";
        FILE *m = fmemopen(ex, sizeof ex, "w");
        if (m) {
            tc_json_str(m, c->trimmed_example, strlen(c->trimmed_example));
            fclose(m);
        }
        tc_progress_note(pg, "%s: %s: %llu label%s had white space around %s, trimmed (the first: %s)", what, path,
                         (unsigned long long)c->trimmed_labels, c->trimmed_labels == 1 ? "" : "s",
                         c->trimmed_labels == 1 ? "it" : "them", ex);
    }
}

/* data.train with word counts in s->all and the label set open; label ids
 * then sorted by bytes. */
static int read_train(tc_session *s, tc_err *err)
{
    tc_bundle *bd = s->bd;
    const tc_config *cfg = &bd->cfg;
    tc_corpus_src src = {.cfg = cfg, .tok = s->tok, .counter = &s->all, .labels = &bd->labels, .add_labels = 1};
    if (tc_corpus_read(&s->train, cfg->data.train, &src, err) < 0)
        return -1;
    uint32_t *remap = malloc((bd->labels.n ? bd->labels.n : 1) * sizeof *remap);
    if (!remap)
        return tc_err_oom(err, "labels");
    int rc = tc_labels_sort(&bd->labels, remap, err);
    if (rc == 0)
        tc_corpus_remap_labels(&s->train, remap);
    free(remap);
    if (rc < 0)
        return -1;
    s->multilabel = tc_corpus_is_multilabel(cfg, &s->train);
    report_read(s->pg, "train", cfg->data.train, &s->train);
    return 0;
}

/* train.validation_split: moves a stratified share of the training rows
 * into s->valid; s->part counts the words of the rows that remain, whose
 * token ids become ids of s->part.  Validation ids stay ids of s->all. */
static int hold_out(tc_session *s, tc_err *err)
{
    const tc_config *cfg = &s->bd->cfg;
    tc_corpus *train = &s->train;
    uint8_t *mask = malloc((size_t)(train->n ? train->n : 1));
    if (!mask)
        return tc_err_oom(err, "validation split");
    tc_corpus rest;
    tc_corpus_init(&rest);
    int64_t held = tc_split_stratified(train, s->bd->labels.n, cfg->train.validation_split, cfg->train.seed, mask, err);
    int rc = held >= 0 && tc_split_extract(&s->valid, train, mask, 1, err) == 0 &&
            tc_split_extract(&rest, train, mask, 0, err) == 0 && tc_split_recount(&s->part, &s->all, &rest, err) == 0
        ? 0
        : -1;
    free(mask);
    if (rc == 0 && held == 0)
        rc = tc_err_set(err,
                        "train.validation_split: %g holds out no row of %s (%llu rows; a class keeps its "
                        "last row); raise it or set data.valid",
                        (double)cfg->train.validation_split, cfg->data.train, (unsigned long long)train->n);
    if (rc < 0) {
        tc_corpus_free(&rest);
        return -1;
    }
    tc_corpus_free(train);
    *train = rest;
    tc_progress_note(s->pg,
                     "validation: %lld of those rows held out (train.validation_split %g, stratified), %llu "
                     "left for training",
                     (long long)held, (double)cfg->train.validation_split, (unsigned long long)train->n);
    return 0;
}

/* The vocabulary from the training rows' counts; their ids (and the held-out
 * rows') become vocabulary ids, hashed features the rows of the buckets the
 * training rows use (tokenizer.feature_min_count times or more). */
static int build_vocab(tc_session *s, tc_err *err)
{
    tc_bundle *bd = s->bd;
    const tc_config *cfg = &bd->cfg;
    int split = cfg->train.validation_split > 0;
    const tc_counter *words = split ? &s->part : &s->all;
    uint32_t *remap = malloc((words->words.n ? words->words.n : 1) * sizeof *remap);
    if (!remap)
        return tc_err_oom(err, "vocabulary");
    int rc = tc_vocab_build(&bd->vocab, words, cfg->tokenizer.num_words, cfg->tokenizer.min_count, remap, err);
    /* only padding and out-of-vocabulary, and no hashed features: every row would read the same */
    if (rc == 0 && tc_vocab_size(&bd->vocab) <= 2 && tc_input_rows(cfg, &bd->vocab) <= 2 && words->words.n)
        rc = tc_err_set(err,
                        "tokenizer.min_count %lld keeps none of the %u distinct words of %s (every token would "
                        "be out of vocabulary); lower it",
                        (long long)cfg->tokenizer.min_count, (unsigned)words->words.n, cfg->data.train);
    if (rc == 0) {
        tc_ngram_opts ng;
        tc_ngram_opts_from_config(&ng, cfg);
        rc = tc_corpus_remap_tokens(&s->train, remap, &bd->vocab, tc_ngram_on(&ng) ? ng.buckets : 0,
                                    (uint64_t)cfg->tokenizer.feature_min_count, err);
    }
    if (rc == 0 && split)
        rc = tc_split_lookup(&s->valid, &s->all, &bd->vocab, err);
    free(remap);
    tc_counter_free(&s->all);
    tc_counter_free(&s->part);
    return rc;
}

/* What the data decides: it must make a classifier, and it fixes the head
 * (model.head: auto) and pad.maxlen (0). */
static int fix_config(tc_session *s, tc_err *err)
{
    tc_bundle *bd = s->bd;
    tc_config *cfg = &bd->cfg;
    const tc_corpus *train = &s->train;
    int ml = s->multilabel;
    if (train->n == 0)
        return tc_err_set(err, "%s: no data rows%s", cfg->data.train,
                          train->skipped ? " (every row was malformed and skipped)" : "");
    if (bd->labels.n < (ml ? 1u : 2u))
        return tc_err_set(err, "%s: found %u distinct label(s); a classifier needs at least %d", cfg->data.train,
                          bd->labels.n, ml ? 1 : 2);
    if (bd->labels.n > TC_MAX_LABELS)
        return tc_err_set(err, "%s: %u distinct labels, more than the %d a model can have (see textclf(1), LIMITS)",
                          cfg->data.train, bd->labels.n, TC_MAX_LABELS);
    if (cfg->model.head == TC_HEAD_SOFTMAX && ml)
        return tc_err_set(err, "model.head: softmax needs one label per row, but %s has rows with several",
                          cfg->data.train);
    if (cfg->model.head == TC_HEAD_AUTO)
        cfg->model.head = ml ? TC_HEAD_SIGMOID : TC_HEAD_SOFTMAX;
    if (cfg->train.tune_thresholds && !ml) { /* the stored config says what was done */
        cfg->train.tune_thresholds = 0;
        tc_progress_note(s->pg, "train.tune_thresholds: off: %s has one label a row (the top label is predicted)",
                         cfg->data.train);
    }
    if (s->autoconf) { /* the 99th percentile instead of the longest row */
        int before = s->autoconf->n;
        tc_autoconf_maxlen(cfg, train, s->autoconf);
        for (int i = before; i < s->autoconf->n; i++)
            tc_progress_note(s->pg, "auto: %s", s->autoconf->note[i]);
    }
    if (cfg->pad.maxlen == 0 && train->max_tokens > TC_MAX_MAXLEN)
        return tc_err_set(err,
                          "%s: the longest row has %llu tokens, more than pad.maxlen can be (%d); set pad.maxlen "
                          "and longer rows are truncated",
                          cfg->data.train, (unsigned long long)train->max_tokens, TC_MAX_MAXLEN);
    if (cfg->pad.maxlen == 0)
        cfg->pad.maxlen = train->max_tokens ? (int64_t)train->max_tokens : 1;
    uint64_t cut = tc_corpus_count_longer(train, (uint64_t)cfg->pad.maxlen);
    if (cut)
        tc_progress_note(s->pg, "pad.maxlen = %lld cuts %llu of %llu training rows (%.1f%%; pad.truncating: %s)",
                         (long long)cfg->pad.maxlen, (unsigned long long)cut, (unsigned long long)train->n,
                         100.0 * (double)cut / (double)train->n, cfg->pad.truncating == TC_PRE ? "pre" : "post");
    bd->task = ml ? TC_TASK_MULTI_LABEL : TC_TASK_SINGLE_LABEL;
    /* which training data made the model (textclf info shows it) */
    snprintf(bd->meta, sizeof bd->meta, "train_data_crc32=%08x\n", (unsigned)train->data_crc32);
    return 0;
}

/* data.valid, with the model's vocabulary and labels. */
static int read_valid(tc_session *s, tc_err *err)
{
    tc_bundle *bd = s->bd;
    const tc_config *cfg = &bd->cfg;
    tc_corpus_src src = {.cfg = cfg, .tok = s->tok, .vocab = &bd->vocab, .labels = &bd->labels};
    if (tc_corpus_read(&s->valid, cfg->data.valid, &src, err) < 0)
        return -1;
    report_read(s->pg, "valid", cfg->data.valid, &s->valid);
    return 0;
}

/* The model, its initial weights (model.vectors too) and the class weights. */
static int build_model(tc_session *s, tc_err *err)
{
    tc_bundle *bd = s->bd;
    const tc_config *cfg = &bd->cfg;
    tc_model_spec spec;
    tc_model_spec_from_config(&spec, cfg, (int)tc_input_rows(cfg, &bd->vocab), (int)bd->labels.n, s->multilabel);
    tc_footprint fp; /* refuse a model that cannot fit before allocating it (footprint.h) */
    tc_footprint_estimate(&spec, cfg, &fp);
    if (tc_footprint_check(&fp, tc_mem_available(), err) < 0 || !(bd->model = tc_model_new(&spec, err)))
        return -1;
    tc_rng_seed(&s->rng, cfg->train.seed);
    char note[TC_PATH_MAX + 256];
    if (tc_model_init_weights(bd->model, &s->rng, err) < 0 ||
        tc_vectors_apply(cfg, s->tok, &bd->vocab, bd->model->E, note, sizeof note, err) < 0)
        return -1;
    int32_t unseen = tc_vocab_unseen_row(&bd->vocab); /* starts at zero (vocab.h) */
    if (unseen != TC_PAD_ID)
        memset(bd->model->E + (size_t)unseen * (size_t)spec.D, 0, (size_t)spec.D * sizeof *bd->model->E);
    if (note[0])
        tc_progress_note(s->pg, "%s", note);
    if (tc_ngram_config_warning(cfg))
        tc_progress_note(s->pg, "%s", tc_ngram_config_warning(cfg));
    if (cfg->train.class_weight == TC_CW_BALANCED &&
        tc_train_class_weights(&s->train, (int)bd->labels.n, spec.multilabel, &s->row_w, err) < 0)
        return -1;
    tc_progress_note(s->pg, "model: %s encoder, vocabulary %u, %u labels (%s), maxlen %lld, %zu parameters",
                     cfg->model.encoder == TC_ENC_LSTM ? "lstm" : "average-pool", tc_vocab_size(&bd->vocab),
                     bd->labels.n, spec.sigmoid ? "sigmoid" : "softmax", (long long)cfg->pad.maxlen,
                     bd->model->nparams);
    return 0;
}

int tc_session_prepare(tc_session *s, tc_err *err)
{
    const tc_config *cfg = &s->bd->cfg;
    if (read_train(s, err) < 0)
        return -1;
    if (cfg->train.validation_split > 0 && hold_out(s, err) < 0)
        return -1;
    if (build_vocab(s, err) < 0 || fix_config(s, err) < 0)
        return -1;
    if (cfg->data.valid[0] && read_valid(s, err) < 0)
        return -1;
    if (build_model(s, err) < 0)
        return -1;
    s->meta_base = strlen(s->bd->meta);
    s->trainer = tc_trainer_new(s->bd->model, cfg, &s->train, s->valid.n ? &s->valid : NULL, s->row_w, &s->rng, err);
    return s->trainer && tc_trainer_set_dist(s->trainer, s->dist, err) == 0 ? 0 : -1;
}

/* 1 if this process writes the run's files: alone, or process 0 of several. */
static int writer(const tc_session *s)
{
    return !s->dist || s->dist->rank == 0;
}

/* ---- resuming ------------------------------------------------------------ */

/* The dotted key of the first line where two configs' YAML differ, with
 * both values (the YAML of tc_config_to_yaml: two spaces per level). */
static void first_difference(const char *a, const char *b, char *key, size_t cap, char *va, char *vb, size_t vcap)
{
    char sect[8][64] = {{0}};
    key[0] = va[0] = vb[0] = 0;
    while (*a && *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n"), ind = strspn(a, " ") / 2;
        const char *colon = memchr(a, ':', la);
        size_t nl = colon ? (size_t)(colon - a) - 2 * ind : 0;
        if (colon && ind < 8 && (size_t)(colon - a) + 1 == la)
            snprintf(sect[ind], sizeof sect[ind], "%.*s", (int)nl, a + 2 * ind);
        if (la != lb || memcmp(a, b, la) != 0) {
            for (size_t d = 0; d < ind && d < 8; d++)
                snprintf(key + strlen(key), cap - strlen(key), "%s.", sect[d]);
            snprintf(key + strlen(key), cap - strlen(key), "%.*s", (int)nl, a + 2 * ind);
            const char *xa = colon ? colon + 1 : a, *xb = memchr(b, ':', lb);
            xb = xb ? xb + 1 : b;
            snprintf(va, vcap, "%.*s", (int)(la - (size_t)(xa - a)), xa);
            snprintf(vb, vcap, "%.*s", (int)(lb - (size_t)(xb - b)), xb);
            return;
        }
        a += la + (a[la] != 0);
        b += lb + (b[lb] != 0);
    }
}

/* The checkpoint must come from this very run: the same config, apart from
 * the keys that do not change what is computed. */
static int same_run(const tc_config *now_cfg, const tc_config *ck_cfg, const char *path, tc_err *err)
{
    tc_config a = *now_cfg, b = *ck_cfg, d;
    tc_config_defaults(&d);
    a.output = b.output = d.output;
    a.train.threads = b.train.threads;
    a.train.epochs = b.train.epochs;
    char *ya = tc_config_to_yaml(&a, err), *yb = ya ? tc_config_to_yaml(&b, err) : NULL;
    int rc = ya && yb ? 0 : -1;
    if (rc == 0 && strcmp(ya, yb) != 0) {
        char key[256], va[128], vb[128];
        first_difference(ya, yb, key, sizeof key, va, vb, sizeof va);
        rc = tc_err_set(err,
                        "--resume %s: made with %s:%s, but the config now says%s (only train.epochs, "
                        "train.threads and output.* may change)",
                        path, key, vb, va);
    }
    free(ya);
    free(yb);
    return rc;
}

static int same_strings(const tc_strtab *x, const tc_strtab *y)
{
    if (x->n != y->n)
        return 0;
    for (uint32_t i = 0; i < x->n; i++)
        if (tc_strtab_len(x, i) != tc_strtab_len(y, i) ||
            memcmp(tc_strtab_str(x, i), tc_strtab_str(y, i), tc_strtab_len(x, i)) != 0)
            return 0;
    return 1;
}

int tc_session_resume(tc_session *s, const char *path, tc_err *err)
{
    tc_bundle *bd = s->bd;
    tc_bundle ck;
    tc_bundle_init(&ck);
    int rc = tc_checkpoint_load(path, &ck, err);
    if (rc == 0 && !ck.state)
        rc = tc_err_set(err,
                        "--resume %s: no training state in this file (a model file; --resume takes the "
                        "checkpoint, output.checkpoint)",
                        path);
    if (rc == 0)
        rc = same_run(&bd->cfg, &ck.cfg, path, err);
    if (rc == 0 &&
        (!same_strings(&ck.vocab.words, &bd->vocab.words) || !same_strings(&ck.labels, &bd->labels) ||
         ck.model->nparams != bd->model->nparams))
        rc = tc_err_set(err, "--resume %s: the vocabulary, labels or model size differ from this run's", path);
    if (rc == 0) {
        memcpy(bd->model->params, ck.model->params, ck.model->nparams * sizeof(float));
        if (tc_trainer_load_state(s->trainer, ck.state, ck.state_len, err) < 0)
            rc = tc_err_prefix(err, "--resume %s", path);
    }
    tc_bundle_free(&ck);
    if (rc < 0)
        return -1;
    s->resumed_from = path;
    int epoch;
    uint64_t rows;
    tc_trainer_position(s->trainer, &epoch, &rows);
    tc_progress_note(s->pg, "resuming from %s: %d epochs done, %llu rows into epoch %d", path, epoch,
                     (unsigned long long)rows, epoch + 1);
    return 0;
}

/* ---- running and saving -------------------------------------------------- */

/* The training summary kept in the model, for the epoch the weights are
 * from (no wall-clock times: the same config and seed must give a
 * byte-identical file). */
static void summarize(tc_session *s, const tc_epoch_log *e, int epochs_run)
{
    tc_bundle *bd = s->bd;
    char *m = bd->meta + s->meta_base;
    size_t cap = sizeof bd->meta - s->meta_base;
    int n = snprintf(m, cap, "textclf_version=%s\ntrain_rows=%llu\nvalid_rows=%llu\nvocab_size=%u\nepochs=%d\n",
                     TC_VERSION, (unsigned long long)s->train.n, (unsigned long long)s->valid.n,
                     tc_vocab_size(&bd->vocab), epochs_run);
    if (e && n > 0 && (size_t)n < cap)
        n += snprintf(m + n, cap - (size_t)n, "weights_epoch=%d\ntrain_loss=%.6f\ntrain_acc=%.6f\n", e->epoch, e->loss,
                      e->accuracy);
    if (e && e->has_val && n > 0 && (size_t)n < cap)
        snprintf(m + n, cap - (size_t)n, "val_loss=%.6f\nval_acc=%.6f\nval_macro_f1=%.6f\nval_micro_f1=%.6f\n",
                 e->val_loss, e->val_accuracy, e->val_macro_f1, e->val_micro_f1);
}

static const tc_epoch_log *last_epoch(const tc_trainer *t)
{
    int n;
    const tc_epoch_log *h = tc_trainer_history(t, &n);
    return n ? &h[n - 1] : NULL;
}

int tc_session_save_checkpoint(tc_session *s, tc_err *err)
{
    if (!writer(s))
        return 0;
    void *state;
    size_t len;
    if (tc_trainer_save_state(s->trainer, &state, &len, err) < 0)
        return -1;
    const tc_epoch_log *e = last_epoch(s->trainer);
    summarize(s, e, e ? e->epoch : 0);
    s->bd->state = state;
    s->bd->state_len = len;
    int rc = tc_checkpoint_save(s->ckpt, s->bd, err);
    s->bd->state = NULL;
    s->bd->state_len = 0;
    free(state);
    if (rc == 0 && s->pg->level >= 2)
        tc_progress_note(s->pg, "saved checkpoint %s", s->ckpt);
    return rc;
}

/* output.metrics is rewritten whole (store/safefile.h) after every epoch
 * from the lines kept in memory: the file on disk is never truncated or
 * half-written, and an interrupted run leaves the epochs it finished. */
static int flush_metrics(tc_session *s, tc_err *err)
{
    if (fflush(s->metrics) != 0 || ferror(s->metrics))
        return tc_err_oom(err, "metrics lines");
    return tc_write_atomic(s->bd->cfg.output.metrics, s->metrics_buf, s->metrics_len, err);
}

static int write_metrics(tc_session *s, const tc_epoch_log *e, tc_err *err)
{
    tc_history_write(s->metrics, e);
    return flush_metrics(s, err);
}

/* After every epoch: the metrics line, the best model, a periodic checkpoint. */
static int on_epoch(void *ctx, tc_trainer *t, const tc_epoch_log *e, tc_err *err)
{
    tc_session *s = ctx;
    const tc_config *cfg = &s->bd->cfg;
    if (!writer(s))
        return 0;
    if (s->metrics && write_metrics(s, e, err) < 0)
        return -1;
    if (cfg->output.save_best && e->best) {
        summarize(s, e, e->epoch);
        if (tc_trainer_thresholds(t) && tc_infer_thresholds_put(s->bd, tc_trainer_thresholds(t), err) < 0)
            return -1;
        if (tc_checkpoint_save(cfg->output.model, s->bd, err) < 0)
            return -1;
        if (s->pg->level >= 2)
            tc_progress_note(s->pg, "saved %s (best so far: epoch %d)", cfg->output.model, e->epoch);
    }
    int64_t every = cfg->output.checkpoint_every;
    if (every > 0 && (e->epoch % every == 0 || tc_trainer_done(t)))
        return tc_session_save_checkpoint(s, err);
    return 0;
}

/* output.metrics: written afresh, holding the epochs a resumed run already has. */
static int open_metrics(tc_session *s, tc_err *err)
{
    if (!s->bd->cfg.output.metrics[0] || !writer(s))
        return 0;
    s->metrics = open_memstream(&s->metrics_buf, &s->metrics_len);
    if (!s->metrics)
        return tc_err_oom(err, "metrics lines");
    int n;
    const tc_epoch_log *h = tc_trainer_history(s->trainer, &n);
    for (int i = 0; i < n; i++)
        tc_history_write(s->metrics, &h[i]);
    return flush_metrics(s, err);
}

int tc_session_run(tc_session *s, volatile sig_atomic_t *stop, tc_train_summary *sum, tc_err *err)
{
    if (open_metrics(s, err) < 0)
        return -1;
    tc_train_opts opts = {.progress = s->pg, .stop = stop, .on_epoch = on_epoch, .ctx = s};
    int rc = tc_trainer_run(s->trainer, &opts, sum, err);
    int best = tc_trainer_best_epoch(s->trainer);
    if (rc < 0 && best) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, " (%.200s holds epoch %d, the best before this)",
                 s->bd->cfg.output.model, best);
    }
    if (s->metrics)
        fclose(s->metrics);
    free(s->metrics_buf);
    s->metrics = NULL;
    s->metrics_buf = NULL;
    return rc;
}

/* train.tune_thresholds: the final weights' thresholds, chosen on the
 * validation rows, into the model (eval --tune-thresholds does the same
 * for a model already trained). */
static int put_thresholds(tc_session *s, tc_err *err)
{
    tc_bundle *bd = s->bd;
    if (!bd->cfg.train.tune_thresholds || !bd->model->s.multilabel || s->valid.n == 0)
        return 0;
    float *thr = malloc(bd->labels.n * sizeof *thr);
    if (!thr)
        return tc_err_oom(err, "thresholds");
    tc_eval_result res;
    int rc = tc_evaluate(bd->model, &bd->cfg, &s->valid, NULL, thr, &res, err);
    if (rc == 0) {
        tc_eval_result_free(&res);
        rc = tc_infer_thresholds_put(bd, thr, err);
    }
    free(thr);
    return rc;
}

int tc_session_finish(tc_session *s, tc_err *err)
{
    const tc_config *cfg = &s->bd->cfg;
    const tc_epoch_log *e = last_epoch(s->trainer), *h;
    int n, best = tc_trainer_best_epoch(s->trainer);
    h = tc_trainer_history(s->trainer, &n);
    if (cfg->output.save_best && best) {
        tc_trainer_use_best(s->trainer);
        e = &h[best - 1];
    }
    if (!writer(s))
        return 0;
    summarize(s, e, n);
    if (put_thresholds(s, err) < 0)
        return -1;
    if (cfg->output.quantize.method != TC_QUANT_NONE) {
        /* the trainer's last use of the model is over; pruning may replace it */
        tc_shrink_opts o = {.cutoff = (uint64_t)cfg->output.quantize.cutoff};
        tc_quant_opts_default(&o.q);
        o.q.pq = cfg->output.quantize.method == TC_QUANT_PQ;
        o.q.dsub = (int)cfg->output.quantize.dsub;
        o.q.seed = cfg->train.seed;
        uint64_t kept;
        if (tc_shrink(s->bd, &o, &kept, err) < 0)
            return -1;
    }
    if (tc_checkpoint_save(cfg->output.model, s->bd, err) < 0)
        return -1;
    tc_progress_note(s->pg, "saved %s%s%s", cfg->output.model, cfg->output.save_best && best ? " (the best epoch)" : "",
                     !s->bd->quant                                    ? ""
                         : cfg->output.quantize.method == TC_QUANT_PQ ? ", quantized (pq)"
                                                                      : ", quantized (int8)");
    /* a checkpoint that --resume just finished is spent, unless checkpoints are kept */
    if (s->resumed_from && cfg->output.checkpoint_every == 0 && !strcmp(s->resumed_from, s->ckpt))
        unlink(s->ckpt);
    return 0;
}

int tc_session_test(tc_session *s, tc_eval_result *res, uint64_t *empty, tc_err *err)
{
    tc_bundle *bd = s->bd;
    const tc_config *cfg = &bd->cfg;
    tc_corpus test;
    tc_corpus_init(&test);
    tc_corpus_src src = {.cfg = cfg, .tok = s->tok, .vocab = &bd->vocab, .labels = &bd->labels};
    int rc = tc_corpus_read(&test, cfg->data.test, &src, err) == 0 &&
            tc_evaluate(bd->model, cfg, &test, bd->thresholds, NULL, res, err) == 0
        ? 0
        : -1;
    *empty = tc_corpus_count_empty(&test);
    tc_corpus_free(&test);
    return rc;
}
