/* cmd_train.c — `textclf train CONFIG [--set KEY=VALUE]... [-o MODEL]`:
 * config → corpus → vocabulary → model → training → checkpoint (→ test). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "train/trainer.h"
#include "version.h"

static const char HELP[] =
    "usage: textclf train CONFIG.yaml [--set SECTION.KEY=VALUE]... [-o MODEL] [--quiet]\n"
    "\n"
    "Trains a model as CONFIG describes and writes it to output.model (or MODEL).\n"
    "\n"
    "  --set KEY=VALUE   override a config key, e.g. --set train.epochs=3 --set model.hidden=[64]\n"
    "  -o, --output FILE write the model here instead of output.model\n"
    "  -q, --quiet       no progress lines on stderr\n"
    "  --help-config     list every config key with its type, default and meaning\n";

typedef struct {
    const char *config, *output;
    char **sets;
    int nsets, quiet;
} train_args;

static int parse_args(int argc, char **argv, train_args *a)
{
    memset(a, 0, sizeof *a);
    a->sets = calloc((size_t)argc, sizeof *a->sets);
    if (!a->sets)
        return tc_fail(TC_EXIT_ERR, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
            fputs(HELP, stdout);
            return -1;
        } else if (!strcmp(s, "--help-config")) {
            tc_config_print_reference(stdout);
            return -1;
        } else if (!strcmp(s, "--set") || !strcmp(s, "-o") || !strcmp(s, "--output")) {
            if (i + 1 >= argc)
                return tc_fail(TC_EXIT_USAGE, "train: %s needs a value", s);
            if (!strcmp(s, "--set"))
                a->sets[a->nsets++] = argv[++i];
            else
                a->output = argv[++i];
        } else if (!strncmp(s, "--set=", 6)) {
            a->sets[a->nsets++] = (char *)s + 6;
        } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            a->quiet = 1;
        } else if (s[0] == '-' && s[1]) {
            return tc_fail(TC_EXIT_USAGE, "train: unknown option '%s' (try 'textclf train --help')", s);
        } else if (!a->config) {
            a->config = s;
        } else {
            return tc_fail(TC_EXIT_USAGE, "train: unexpected argument '%s'", s);
        }
    }
    if (!a->config)
        return tc_fail(TC_EXIT_USAGE, "train: missing CONFIG.yaml (try 'textclf train --help')");
    return 0;
}

static int load_config(tc_config *cfg, const train_args *a, tc_err *err)
{
    tc_config_defaults(cfg);
    if (tc_config_load_file(cfg, a->config, err) < 0)
        return -1;
    for (int i = 0; i < a->nsets; i++)
        if (tc_config_set(cfg, a->sets[i], err) < 0)
            return -1;
    if (a->output) {
        if (strlen(a->output) >= sizeof cfg->output.model)
            return tc_err_set(err, "-o: path too long");
        strcpy(cfg->output.model, a->output);
    }
    return tc_config_validate(cfg, err);
}

static void report_read(FILE *log, const char *what, const char *path, const tc_corpus *c)
{
    if (!log)
        return;
    fprintf(log, "%s: %s: %llu rows", what, path, (unsigned long long)c->n);
    if (c->skipped)
        fprintf(log, ", %llu malformed rows skipped", (unsigned long long)c->skipped);
    if (c->unknown_labels)
        fprintf(log, ", %llu unknown labels ignored", (unsigned long long)c->unknown_labels);
    if (c->invalid_utf8)
        fprintf(log, ", %llu invalid UTF-8 sequences replaced", (unsigned long long)c->invalid_utf8);
    fputc('\n', log);
}

/* Reads the training file, builds vocabulary and label set, and fixes the
 * data-dependent config values (maxlen, head). */
static int read_training(tc_bundle *bd, tc_tokenizer *tok, tc_corpus *train, FILE *log, tc_err *err)
{
    tc_config *cfg = &bd->cfg;
    tc_counter counter;
    tc_counter_init(&counter);
    tc_corpus_src src = {cfg, tok, &counter, NULL, &bd->labels, 1};
    int rc = tc_corpus_read(train, cfg->data.train, &src, err);
    uint32_t *remap = NULL;
    if (rc == 0) {
        size_t n = counter.words.n > bd->labels.n ? counter.words.n : bd->labels.n;
        remap = malloc((n ? n : 1) * sizeof *remap);
        if (!remap)
            rc = tc_err_oom(err, "vocabulary");
    }
    if (rc == 0)
        rc = tc_vocab_build(&bd->vocab, &counter, cfg->tokenizer.num_words, cfg->tokenizer.min_count, remap, err);
    if (rc == 0) {
        tc_corpus_remap_tokens(train, remap);
        rc = tc_labels_sort(&bd->labels, remap, err);
    }
    if (rc == 0)
        tc_corpus_remap_labels(train, remap);
    free(remap);
    tc_counter_free(&counter);
    if (rc < 0)
        return -1;
    report_read(log, "train", cfg->data.train, train);
    int multilabel = tc_corpus_is_multilabel(cfg, train);
    if (bd->labels.n < (multilabel ? 1u : 2u))
        return tc_err_set(err, "%s: found %u distinct label(s); a classifier needs at least %d", cfg->data.train,
                          bd->labels.n, multilabel ? 1 : 2);
    if (cfg->model.head == TC_HEAD_SOFTMAX && multilabel)
        return tc_err_set(err, "model.head: softmax needs one label per row, but %s has rows with several",
                          cfg->data.train);
    if (cfg->model.head == TC_HEAD_AUTO)
        cfg->model.head = multilabel ? TC_HEAD_SIGMOID : TC_HEAD_SOFTMAX;
    if (cfg->pad.maxlen == 0)
        cfg->pad.maxlen = train->max_tokens ? (int64_t)train->max_tokens : 1;
    snprintf(bd->meta, sizeof bd->meta, "multilabel=%d\n", multilabel);
    return 0;
}

/* The training summary kept in the model (no wall-clock times: the same
 * config and seed must give a byte-identical file). */
static void summarize(tc_bundle *bd, const tc_corpus *train, const tc_train_summary *s)
{
    size_t n = strlen(bd->meta);
    snprintf(bd->meta + n, sizeof bd->meta - n,
             "textclf_version=%s\ntrain_rows=%llu\nvocab_size=%u\nepochs=%d\ntrain_loss=%.6f\ntrain_acc=%.6f\n"
             "val_loss=%.6f\nval_acc=%.6f\n",
             TC_VERSION, (unsigned long long)train->n, tc_vocab_size(&bd->vocab), s->epochs_done, s->loss, s->acc,
             s->val_loss, s->val_acc);
}

static int run(tc_bundle *bd, const train_args *a, volatile sig_atomic_t *stop)
{
    tc_err err = {{0}};
    tc_config *cfg = &bd->cfg;
    if (load_config(cfg, a, &err) < 0)
        return tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    FILE *log = a->quiet ? NULL : stderr;
    tc_set_threads(cfg->train.threads);
    tc_tokenizer *tok = tc_tokenizer_from_config(cfg, &err);
    if (!tok)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    tc_corpus train, valid;
    tc_corpus_init(&train);
    tc_corpus_init(&valid);
    int code = TC_EXIT_ERR;
    if (read_training(bd, tok, &train, log, &err) < 0)
        goto out;
    if (cfg->data.valid[0]) {
        tc_corpus_src vs = {cfg, tok, NULL, &bd->vocab, &bd->labels, 0};
        if (tc_corpus_read(&valid, cfg->data.valid, &vs, &err) < 0)
            goto out;
        report_read(log, "valid", cfg->data.valid, &valid);
    }
    char v[8];
    tc_meta_get(bd, "multilabel", v, sizeof v);
    tc_model_spec spec;
    tc_model_spec_from_config(&spec, cfg, (int)tc_vocab_size(&bd->vocab), (int)bd->labels.n, v[0] == '1');
    if (!(bd->model = tc_model_new(&spec, &err)))
        goto out;
    tc_rng rng;
    tc_rng_seed(&rng, cfg->train.seed);
    if (tc_model_init_weights(bd->model, &rng, &err) < 0)
        goto out;
    if (log)
        fprintf(log, "model: %s encoder, vocabulary %u, %u labels (%s), maxlen %lld, %zu parameters\n",
                cfg->model.encoder == TC_ENC_LSTM ? "lstm" : "average-pool", tc_vocab_size(&bd->vocab),
                bd->labels.n, spec.sigmoid ? "sigmoid" : "softmax", (long long)cfg->pad.maxlen,
                bd->model->nparams);
    tc_train_summary sum;
    tc_train_opts opts = {log, stop};
    if (tc_train(bd->model, cfg, &train, valid.n ? &valid : NULL, &rng, &opts, &sum, &err) < 0) {
        code = tc_fail(TC_EXIT_ERR, "%s (no model written)", err.msg);
        goto out_quiet;
    }
    if (sum.interrupted) {
        code = tc_fail(TC_EXIT_INTERRUPTED, "interrupted during epoch %d; no model written (%s is unchanged)",
                       sum.epochs_done + 1, cfg->output.model);
        goto out_quiet;
    }
    summarize(bd, &train, &sum);
    if (tc_checkpoint_save(cfg->output.model, bd, &err) < 0)
        goto out;
    if (log)
        fprintf(log, "saved %s\n", cfg->output.model);
    if (cfg->data.test[0]) {
        tc_corpus test;
        tc_corpus_init(&test);
        tc_corpus_src ts = {cfg, tok, NULL, &bd->vocab, &bd->labels, 0};
        tc_eval_result er;
        int ok = tc_corpus_read(&test, cfg->data.test, &ts, &err) == 0 &&
                 tc_evaluate(bd->model, cfg, &test, cfg->model.threshold, &er, &err) == 0;
        if (ok) {
            fprintf(stderr, "test: %s: %llu rows  loss %.4f  %s %.4f\n", cfg->data.test,
                    (unsigned long long)er.rows, er.loss, er.multilabel ? "binary_acc" : "accuracy", er.accuracy);
            tc_eval_result_free(&er);
        }
        tc_corpus_free(&test);
        if (!ok)
            goto out;
    }
    code = TC_EXIT_OK;
    goto out_quiet;
out:
    code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
out_quiet:
    tc_corpus_free(&train);
    tc_corpus_free(&valid);
    tc_tokenizer_free(tok);
    return code;
}

int tc_cmd_train(int argc, char **argv, volatile sig_atomic_t *stop)
{
    train_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        free(a.sets);
        return rc < 0 ? TC_EXIT_OK : rc;
    }
    tc_bundle bd;
    tc_bundle_init(&bd);
    rc = run(&bd, &a, stop);
    tc_bundle_free(&bd);
    free(a.sets);
    return rc;
}
