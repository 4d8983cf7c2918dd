/* cmd_train.c — `textclf train CONFIG [--set KEY=VALUE]... [-o MODEL] [--resume CKPT]`:
 * config → corpus (→ validation hold-out) → vocabulary → model → training →
 * model file (→ test).
 *
 * Two files come out of a run.  output.model is the clean model eval and
 * predict read: weights, vocabulary, labels, config, no training state.  With
 * output.save_best it is rewritten whenever the monitored validation score
 * improves, and finally holds the best epoch.  output.checkpoint (default
 * MODEL.ckpt) is a model file plus the TRST training state (trainer.h),
 * written every output.checkpoint_every epochs and when the run is
 * interrupted; `--resume` continues from it, bit-identically.
 *
 * Ctrl-C: main.c's handler sets *stop; the trainer stops after the current
 * batch, this file writes the checkpoint (atomically) and exits 130.  A
 * second Ctrl-C exits at once; the only trace it can leave is a temporary
 * file "PATH.tmp.XXXXXX" beside a target (the target itself is always whole),
 * and the next run removes those before writing.  (Blocking the signals
 * around a write instead would not do: a process-directed signal may be
 * taken by one of BLAS's threads, whose masks this thread cannot set.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#ifdef TC_MPI
#include "dist/mpi.h"
#endif
#include "store/checkpoint.h"
#include "text/corpus.h"
#include "text/vectors.h"
#include "train/progress.h"
#include "train/split.h"
#include "train/trainer.h"
#include "version.h"

static const char HELP[] =
    "usage: textclf train CONFIG.yaml [--set SECTION.KEY=VALUE]... [-o MODEL] [--resume CKPT] [-q | -v]\n"
    "\n"
    "Trains a model as CONFIG describes and writes it to output.model (or MODEL).\n"
    "\n"
    "  --set KEY=VALUE   override a config key, e.g. --set train.epochs=3 --set model.hidden=[64]\n"
    "  -o, --output FILE write the model here instead of output.model\n"
    "  --resume CKPT     continue the run saved in CKPT (output.checkpoint, written every\n"
    "                    output.checkpoint_every epochs and on Ctrl-C); same config required,\n"
    "                    except train.epochs, train.threads and output.*\n"
    "  -q, --quiet       nothing on stderr but errors and the data.test result\n"
    "  -v, --verbose     also ten progress lines per epoch and every file written\n"
    "  --help-config     list every config key with its type, default and meaning\n"
    "\n"
    "On a terminal a progress bar is redrawn in place; otherwise one line per epoch.\n"
    "Ctrl-C saves a checkpoint and exits 130; a second Ctrl-C exits at once.\n";

typedef struct {
    const char *config, *output, *resume;
    char **sets;
    int nsets, quiet, verbose;
    int argc;                       /* the command line, for the "continue with" hint */
    char **argv;
} train_args;

static int parse_args(int argc, char **argv, train_args *a)
{
    memset(a, 0, sizeof *a);
    a->argc = argc, a->argv = argv;
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
        } else if (!strcmp(s, "--set") || !strcmp(s, "-o") || !strcmp(s, "--output") || !strcmp(s, "--resume")) {
            if (i + 1 >= argc)
                return tc_fail(TC_EXIT_USAGE, "train: %s needs a value", s);
            if (!strcmp(s, "--set"))
                a->sets[a->nsets++] = argv[++i];
            else if (!strcmp(s, "--resume"))
                a->resume = argv[++i];
            else
                a->output = argv[++i];
        } else if (!strncmp(s, "--set=", 6)) {
            a->sets[a->nsets++] = (char *)s + 6;
        } else if (!strncmp(s, "--resume=", 9)) {
            a->resume = s + 9;
        } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            a->quiet = 1;
        } else if (!strcmp(s, "-v") || !strcmp(s, "--verbose")) {
            a->verbose = 1;
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
    if (a->quiet && a->verbose)
        return tc_fail(TC_EXIT_USAGE, "train: --quiet and --verbose contradict each other");
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
    fprintf(log, "%s: %s: %llu rows, %llu tokens", what, path, (unsigned long long)c->n,
            (unsigned long long)(c->n ? c->tok_off[c->n] : 0));
    if (c->skipped)
        fprintf(log, ", %llu malformed rows skipped", (unsigned long long)c->skipped);
    if (c->unknown_labels)
        fprintf(log, ", %llu unknown labels ignored", (unsigned long long)c->unknown_labels);
    if (c->invalid_utf8)
        fprintf(log, ", %llu invalid UTF-8 sequences replaced", (unsigned long long)c->invalid_utf8);
    uint64_t empty = tc_corpus_count_empty(c);
    if (empty)
        fprintf(log, ", %llu with no tokens (classified by the model's prior)", (unsigned long long)empty);
    fputc('\n', log);
}

/* train.validation_split: moves a stratified share of *train into *valid;
 * *part (initialised, empty) counts the words of the rows that remain, whose
 * token ids become ids of *part.  Validation ids stay ids of *all (split.h). */
static int hold_out(const tc_config *cfg, tc_corpus *train, tc_corpus *valid, const tc_counter *all,
                    tc_counter *part, uint32_t nlabels, FILE *log, tc_err *err)
{
    uint8_t *mask = malloc((size_t)(train->n ? train->n : 1));
    if (!mask)
        return tc_err_oom(err, "validation split");
    tc_corpus rest;
    tc_corpus_init(&rest);
    int64_t held = tc_split_stratified(train, nlabels, cfg->train.validation_split, cfg->train.seed, mask, err);
    int rc = held >= 0 && tc_split_extract(valid, train, mask, 1, err) == 0 &&
                     tc_split_extract(&rest, train, mask, 0, err) == 0 && tc_split_recount(part, all, &rest, err) == 0
                 ? 0
                 : -1;
    free(mask);
    if (rc == 0 && held == 0)
        rc = tc_err_set(err, "train.validation_split: %g holds out no row of %s (%llu rows; a class keeps its "
                        "last row); raise it or set data.valid", (double)cfg->train.validation_split,
                        cfg->data.train, (unsigned long long)train->n);
    if (rc < 0) {
        tc_corpus_free(&rest);
        return -1;
    }
    tc_corpus_free(train);
    *train = rest;
    if (log)
        fprintf(log, "validation: %lld of those rows held out (train.validation_split %g, stratified), %llu left "
                     "for training\n",
                (long long)held, (double)cfg->train.validation_split, (unsigned long long)train->n);
    return 0;
}

/* Reads the training file (and holds out validation rows), builds the
 * vocabulary from the training rows and the label set from all of them,
 * and fixes the data-dependent config values (maxlen, head). */
static int read_training(tc_bundle *bd, tc_tokenizer *tok, tc_corpus *train, tc_corpus *valid, FILE *log,
                         tc_err *err)
{
    tc_config *cfg = &bd->cfg;
    tc_counter all, part;
    tc_counter_init(&all);
    tc_counter_init(&part);
    tc_corpus_src src = {cfg, tok, &all, NULL, &bd->labels, 1};
    int rc = tc_corpus_read(train, cfg->data.train, &src, err);
    uint32_t *remap = NULL;
    if (rc == 0) {
        remap = malloc((bd->labels.n ? bd->labels.n : 1) * sizeof *remap);
        rc = remap ? tc_labels_sort(&bd->labels, remap, err) : tc_err_oom(err, "labels");
    }
    if (rc == 0)
        tc_corpus_remap_labels(train, remap);
    free(remap);
    remap = NULL;
    int multilabel = rc == 0 && tc_corpus_is_multilabel(cfg, train);
    if (rc == 0)
        report_read(log, "train", cfg->data.train, train);
    int split = cfg->train.validation_split > 0;
    if (rc == 0 && split)
        rc = hold_out(cfg, train, valid, &all, &part, bd->labels.n, log, err);
    const tc_counter *words = split ? &part : &all;
    if (rc == 0) {
        remap = malloc((words->words.n ? words->words.n : 1) * sizeof *remap);
        if (!remap)
            rc = tc_err_oom(err, "vocabulary");
    }
    if (rc == 0)
        rc = tc_vocab_build(&bd->vocab, words, cfg->tokenizer.num_words, cfg->tokenizer.min_count, remap, err);
    if (rc == 0)
        tc_corpus_remap_tokens(train, remap, tc_vocab_size(&bd->vocab));
    if (rc == 0 && split)
        rc = tc_split_lookup(valid, &all, &bd->vocab, err);
    free(remap);
    tc_counter_free(&all);
    tc_counter_free(&part);
    if (rc < 0)
        return -1;
    if (train->n == 0)
        return tc_err_set(err, "%s: no data rows%s", cfg->data.train,
                          train->skipped ? " (every row was malformed and skipped)" : "");
    if (bd->labels.n < (multilabel ? 1u : 2u))
        return tc_err_set(err, "%s: found %u distinct label(s); a classifier needs at least %d", cfg->data.train,
                          bd->labels.n, multilabel ? 1 : 2);
    if (bd->labels.n > TC_MAX_LABELS)
        return tc_err_set(err, "%s: %u distinct labels, more than the %d a model can have (see textclf(1), LIMITS)",
                          cfg->data.train, bd->labels.n, TC_MAX_LABELS);
    if (cfg->model.head == TC_HEAD_SOFTMAX && multilabel)
        return tc_err_set(err, "model.head: softmax needs one label per row, but %s has rows with several",
                          cfg->data.train);
    if (cfg->model.head == TC_HEAD_AUTO)
        cfg->model.head = multilabel ? TC_HEAD_SIGMOID : TC_HEAD_SOFTMAX;
    if (cfg->pad.maxlen == 0 && train->max_tokens > TC_MAX_MAXLEN)
        return tc_err_set(err, "%s: the longest row has %llu tokens, more than pad.maxlen can be (%d); set pad.maxlen "
                          "and longer rows are truncated", cfg->data.train, (unsigned long long)train->max_tokens,
                          TC_MAX_MAXLEN);
    if (cfg->pad.maxlen == 0)
        cfg->pad.maxlen = train->max_tokens ? (int64_t)train->max_tokens : 1;
    uint64_t cut = tc_corpus_count_longer(train, (uint64_t)cfg->pad.maxlen);
    if (log && cut)
        fprintf(log, "pad.maxlen = %lld cuts %llu of %llu training rows (%.1f%%; pad.truncating: %s)\n",
                (long long)cfg->pad.maxlen, (unsigned long long)cut, (unsigned long long)train->n,
                100.0 * (double)cut / (double)train->n, cfg->pad.truncating == TC_PRE ? "pre" : "post");
    int n = snprintf(bd->meta, sizeof bd->meta, "multilabel=%d\n", multilabel);
    if (n > 0) /* which training data made the model (textclf info shows it) */
        snprintf(bd->meta + n, sizeof bd->meta - (size_t)n, "train_data_crc32=%08x\n", (unsigned)train->data_crc32);
    return 0;
}

/* ---- one run ------------------------------------------------------------ */

typedef struct train_run {
    tc_bundle *bd;
    const train_args *args;
    const tc_corpus *train, *valid;
    char ckpt[TC_PATH_MAX + 8];     /* output.checkpoint, or output.model + ".ckpt" */
    size_t meta_base;               /* bd->meta bytes before the training summary */
    FILE *metrics;
    tc_progress *pg;
    const tc_dist *dist;            /* this process among the ones training (mpirun), or alone */
    int writer;                     /* writes files and reports: process 0 */
} train_run;

/* The training summary kept in the model, for the epoch the weights are
 * from (no wall-clock times: the same config and seed must give a
 * byte-identical file). */
static void summarize(train_run *r, const tc_epoch_log *e, int epochs_run)
{
    tc_bundle *bd = r->bd;
    char *m = bd->meta + r->meta_base;
    size_t cap = sizeof bd->meta - r->meta_base;
    int n = snprintf(m, cap, "textclf_version=%s\ntrain_rows=%llu\nvalid_rows=%llu\nvocab_size=%u\nepochs=%d\n",
                     TC_VERSION, (unsigned long long)r->train->n, (unsigned long long)(r->valid ? r->valid->n : 0),
                     tc_vocab_size(&bd->vocab), epochs_run);
    if (e && n > 0 && (size_t)n < cap)
        n += snprintf(m + n, cap - (size_t)n, "weights_epoch=%d\ntrain_loss=%.6f\ntrain_acc=%.6f\n", e->epoch, e->loss,
                      e->accuracy);
    if (e && e->has_val && n > 0 && (size_t)n < cap)
        snprintf(m + n, cap - (size_t)n, "val_loss=%.6f\nval_acc=%.6f\nval_macro_f1=%.6f\n", e->val_loss,
                 e->val_accuracy, e->val_macro_f1);
}

static const tc_epoch_log *last_epoch(const tc_trainer *t)
{
    int n;
    const tc_epoch_log *h = tc_trainer_history(t, &n);
    return n ? &h[n - 1] : NULL;
}

/* The resume checkpoint: the current weights plus the trainer's state. */
static int save_checkpoint(train_run *r, tc_trainer *t, tc_err *err)
{
    void *state;
    size_t len;
    if (tc_trainer_save_state(t, &state, &len, err) < 0)
        return -1;
    const tc_epoch_log *e = last_epoch(t);
    summarize(r, e, e ? e->epoch : 0);
    r->bd->state = state;
    r->bd->state_len = len;
    int rc = tc_checkpoint_save(r->ckpt, r->bd, err);
    r->bd->state = NULL;
    r->bd->state_len = 0;
    free(state);
    if (rc == 0 && r->args->verbose)
        tc_progress_note(r->pg, "saved checkpoint %s", r->ckpt);
    return rc;
}

static int write_metrics(train_run *r, const tc_epoch_log *e, tc_err *err)
{
    tc_history_write(r->metrics, e);
    if (fflush(r->metrics) != 0 || ferror(r->metrics))
        return tc_err_set(err, "%s: write failed: %s", r->bd->cfg.output.metrics, strerror(errno));
    return 0;
}

/* After every epoch: the metrics line, the best model, a periodic checkpoint. */
static int on_epoch(void *ctx, tc_trainer *t, const tc_epoch_log *e, tc_err *err)
{
    train_run *r = ctx;
    const tc_config *cfg = &r->bd->cfg;
    if (!r->writer)
        return 0;
    if (r->metrics && write_metrics(r, e, err) < 0)
        return -1;
    if (cfg->output.save_best && e->best) {
        summarize(r, e, e->epoch);
        if (tc_checkpoint_save(cfg->output.model, r->bd, err) < 0)
            return -1;
        if (r->args->verbose)
            tc_progress_note(r->pg, "saved %s (best so far: epoch %d)", cfg->output.model, e->epoch);
    }
    int64_t every = cfg->output.checkpoint_every;
    if (every > 0 && (e->epoch % every == 0 || tc_trainer_done(t)))
        return save_checkpoint(r, t, err);
    return 0;
}

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
        rc = tc_err_set(err, "--resume %s: made with %s:%s, but the config now says%s (only train.epochs, "
                        "train.threads and output.* may change)", path, key, vb, va);
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
        if (tc_strtab_len(x, i) != tc_strtab_len(y, i) || memcmp(tc_strtab_str(x, i), tc_strtab_str(y, i),
                                                                 tc_strtab_len(x, i)) != 0)
            return 0;
    return 1;
}

/* --resume: the checkpoint's weights into the model, its state into t. */
static int resume(train_run *r, tc_trainer *t, tc_err *err)
{
    const char *path = r->args->resume;
    tc_bundle ck;
    tc_bundle_init(&ck);
    int rc = tc_checkpoint_load(path, &ck, err);
    if (rc == 0 && !ck.state)
        rc = tc_err_set(err, "--resume %s: no training state in this file (a model file; --resume takes the "
                        "checkpoint, output.checkpoint)", path);
    if (rc == 0)
        rc = same_run(&r->bd->cfg, &ck.cfg, path, err);
    if (rc == 0 && (!same_strings(&ck.vocab.words, &r->bd->vocab.words) || !same_strings(&ck.labels, &r->bd->labels) ||
                    ck.model->nparams != r->bd->model->nparams))
        rc = tc_err_set(err, "--resume %s: the vocabulary, labels or model size differ from this run's", path);
    if (rc == 0) {
        memcpy(r->bd->model->params, ck.model->params, ck.model->nparams * sizeof(float));
        if (tc_trainer_load_state(t, ck.state, ck.state_len, err) < 0)
            rc = tc_err_prefix(err, "--resume %s", path);
    }
    tc_bundle_free(&ck);
    if (rc == 0) {
        int epoch;
        uint64_t rows;
        tc_trainer_position(t, &epoch, &rows);
        tc_progress_note(r->pg, "resuming from %s: %d epochs done, %llu rows into epoch %d", path, epoch,
                         (unsigned long long)rows, epoch + 1);
    }
    return rc;
}

/* output.metrics: created afresh, holding the epochs a resumed run already has. */
static int open_metrics(train_run *r, const tc_trainer *t, tc_err *err)
{
    const char *path = r->bd->cfg.output.metrics;
    if (!path[0] || !r->writer)
        return 0;
    r->metrics = fopen(path, "w");
    if (!r->metrics)
        return tc_err_set(err, "%s: %s", path, strerror(errno));
    int n;
    const tc_epoch_log *h = tc_trainer_history(t, &n);
    for (int i = 0; i < n; i++)
        tc_history_write(r->metrics, &h[i]);
    if (fflush(r->metrics) != 0)
        return tc_err_set(err, "%s: write failed: %s", path, strerror(errno));
    return 0;
}

/* Appends s to out (cap bytes), single-quoted for the shell when it needs to be. */
static void shell_word(char *out, size_t cap, const char *s)
{
    size_t o = strlen(out);
    int plain = s[0] != 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%", *p))
            plain = 0;
    if (plain) {
        snprintf(out + o, cap - o, " %s", s);
        return;
    }
    snprintf(out + o, cap - o, " '");
    for (const char *p = s; *p && (o = strlen(out)) + 6 < cap; p++) {
        if (*p == '\'')
            snprintf(out + o, cap - o, "'\\''");
        else
            snprintf(out + o, cap - o, "%c", *p);
    }
    o = strlen(out);
    snprintf(out + o, cap - o, "'");
}

/* The command that continues this run: the same arguments, --resume CKPT. */
static void resume_command(const train_run *r, char *out, size_t cap)
{
    snprintf(out, cap, "textclf train");
    for (int i = 1; i < r->args->argc; i++) {
        const char *s = r->args->argv[i];
        if (!strcmp(s, "--resume")) {
            i++;
            continue;
        }
        if (strncmp(s, "--resume=", 9) != 0)
            shell_word(out, cap, s);
    }
    snprintf(out + strlen(out), cap - strlen(out), " --resume");
    shell_word(out, cap, r->ckpt);
}

/* Ctrl-C: the checkpoint, and one line saying what is where. */
static int interrupted(train_run *r, tc_trainer *t)
{
    if (!r->writer)
        return TC_EXIT_INTERRUPTED;
    tc_err err = {{0}};
    int epoch;
    uint64_t rows;
    tc_trainer_position(t, &epoch, &rows);
    const char *model = r->bd->cfg.output.model;
    int best = tc_trainer_best_epoch(t);
    char state[TC_PATH_MAX + 64];
    if (best)
        snprintf(state, sizeof state, "%s holds epoch %d, the best so far", model, best);
    else
        snprintf(state, sizeof state, "%s is unchanged", model);
    if (epoch == 0 && rows == 0 && !r->args->resume)
        return tc_fail(TC_EXIT_INTERRUPTED, "interrupted before training began; nothing written (%s)", state);
    if (save_checkpoint(r, t, &err) < 0)
        return tc_fail(TC_EXIT_INTERRUPTED, "interrupted; the checkpoint could not be written: %s (%s)", err.msg,
                       state);
    char cmd[2048];
    resume_command(r, cmd, sizeof cmd);
    return tc_fail(TC_EXIT_INTERRUPTED, "interrupted in epoch %d after %llu of %llu rows; saved %s (%s); continue with: %s",
                   epoch + 1, (unsigned long long)rows, (unsigned long long)r->train->n, r->ckpt, state, cmd);
}

/* The final model: the best epoch's weights with output.save_best, else the last. */
static int finish(train_run *r, tc_trainer *t, tc_err *err)
{
    const tc_epoch_log *e = last_epoch(t), *h;
    int n, best = tc_trainer_best_epoch(t);
    h = tc_trainer_history(t, &n);
    if (r->bd->cfg.output.save_best && best) {
        tc_trainer_use_best(t);
        e = &h[best - 1];
    }
    if (!r->writer)
        return 0;
    summarize(r, e, n);
    if (tc_checkpoint_save(r->bd->cfg.output.model, r->bd, err) < 0)
        return -1;
    if (r->pg->level)
        tc_progress_note(r->pg, "saved %s%s", r->bd->cfg.output.model,
                         r->bd->cfg.output.save_best && best ? " (the best epoch)" : "");
    /* a checkpoint that --resume just finished is spent, unless checkpoints are kept */
    if (r->args->resume && r->bd->cfg.output.checkpoint_every == 0 && !strcmp(r->args->resume, r->ckpt))
        unlink(r->ckpt);
    return 0;
}

/* data.test, once at the end; the line goes to log (NULL with --quiet, which
 * prints nothing but errors: the test file is still read and checked). */
static int evaluate_test(tc_bundle *bd, tc_tokenizer *tok, FILE *log, tc_err *err)
{
    tc_config *cfg = &bd->cfg;
    tc_corpus test;
    tc_corpus_init(&test);
    tc_corpus_src ts = {cfg, tok, NULL, &bd->vocab, &bd->labels, 0};
    tc_eval_result er;
    int ok = tc_corpus_read(&test, cfg->data.test, &ts, err) == 0 &&
             tc_evaluate(bd->model, cfg, &test, cfg->model.threshold, &er, err) == 0;
    if (ok) {
        uint64_t empty = tc_corpus_count_empty(&test);
        if (log)
            fprintf(log, "test: %s: %llu rows  loss %.4f  %s %.4f", cfg->data.test, (unsigned long long)er.rows,
                    er.loss, er.multilabel ? "binary_acc" : "accuracy", er.accuracy);
        if (log && empty)
            fprintf(log, "  (%llu with no tokens, classified by the prior)", (unsigned long long)empty);
        if (log)
            fputc('\n', log);
        tc_eval_result_free(&er);
    }
    tc_corpus_free(&test);
    return ok ? 0 : -1;
}

/* Model, trainer, resume, training, and what follows from how it ended;
 * prints its own messages and returns the exit status. */
static int train_model(train_run *r, tc_tokenizer *tok, float *row_w, volatile sig_atomic_t *stop, tc_err *err)
{
    tc_bundle *bd = r->bd;
    tc_config *cfg = &bd->cfg;
    char v[8];
    tc_meta_get(bd, "multilabel", v, sizeof v);
    tc_model_spec spec;
    tc_model_spec_from_config(&spec, cfg, (int)tc_input_rows(cfg, &bd->vocab), (int)bd->labels.n, v[0] == '1');
    if (!(bd->model = tc_model_new(&spec, err)))
        return tc_fail(TC_EXIT_ERR, "%s", err->msg);
    tc_rng rng;
    tc_rng_seed(&rng, cfg->train.seed);
    char note[TC_PATH_MAX + 256];
    if (tc_model_init_weights(bd->model, &rng, err) < 0 ||
        tc_vectors_apply(cfg, tok, &bd->vocab, bd->model->E, note, sizeof note, err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err->msg);
    if (note[0])
        tc_progress_note(r->pg, "%s", note);
    if (tc_ngram_config_warning(cfg))
        tc_progress_note(r->pg, "%s", tc_ngram_config_warning(cfg));
    if (cfg->train.class_weight == TC_CW_BALANCED &&
        tc_train_class_weights(r->train, (int)bd->labels.n, spec.multilabel, &row_w, err) < 0)
        return tc_fail(TC_EXIT_ERR, "%s", err->msg);
    tc_progress_note(r->pg, "model: %s encoder, vocabulary %u, %u labels (%s), maxlen %lld, %zu parameters",
                     cfg->model.encoder == TC_ENC_LSTM ? "lstm" : "average-pool", tc_vocab_size(&bd->vocab),
                     bd->labels.n, spec.sigmoid ? "sigmoid" : "softmax", (long long)cfg->pad.maxlen,
                     bd->model->nparams);
    r->meta_base = strlen(bd->meta);
    tc_trainer *t = tc_trainer_new(bd->model, cfg, r->train, r->valid, row_w, &rng, err);
    int code = TC_EXIT_ERR;
    if (t && tc_trainer_set_dist(t, r->dist, err) == 0 && (!r->args->resume || resume(r, t, err) == 0) &&
        open_metrics(r, t, err) == 0) {
        tc_train_opts opts = {r->pg, stop, on_epoch, r};
        tc_train_summary sum;
        if (tc_trainer_run(t, &opts, &sum, err) < 0) {
            int best = tc_trainer_best_epoch(t);
            size_t n = strlen(err->msg);
            if (best)
                snprintf(err->msg + n, sizeof err->msg - n, " (%.200s holds epoch %d, the best before this)",
                         cfg->output.model, best);
        } else if (sum.interrupted) {
            code = interrupted(r, t);
        } else if (finish(r, t, err) == 0) {
            code = TC_EXIT_OK;
        }
    }
    if (r->metrics && fclose(r->metrics) != 0 && code == TC_EXIT_OK) {
        tc_err_set(err, "%s: write failed", cfg->output.metrics);
        code = TC_EXIT_ERR;
    }
    r->metrics = NULL;
    if (code == TC_EXIT_OK && r->writer && cfg->data.test[0] && evaluate_test(bd, tok, r->args->quiet ? NULL : stderr, err) < 0)
        code = TC_EXIT_ERR;
    tc_trainer_free(t);
    free(row_w);
    return code == TC_EXIT_ERR ? tc_fail(TC_EXIT_ERR, "%s", err->msg) : code;
}

static int run(tc_bundle *bd, const train_args *a, const tc_dist *dist, volatile sig_atomic_t *stop)
{
    tc_err err = {{0}};
    tc_config *cfg = &bd->cfg;
    if (load_config(cfg, a, &err) < 0)
        return tc_fail(TC_EXIT_USAGE, "%s", err.msg);
    int writer = dist->rank == 0, quiet = a->quiet || !writer;
    tc_progress pg;
    tc_progress_init(&pg, stderr, quiet ? 0 : a->verbose ? 2 : 1);
    FILE *log = quiet ? NULL : stderr;
    train_run r = {bd, a, NULL, NULL, "", 0, NULL, &pg, dist, writer};
    if (cfg->output.checkpoint[0])
        snprintf(r.ckpt, sizeof r.ckpt, "%s", cfg->output.checkpoint);
    else
        snprintf(r.ckpt, sizeof r.ckpt, "%s.ckpt", cfg->output.model);
    if (writer && dist->procs > 1)
        tc_progress_note(&pg, "%d processes (mpirun), %lld shards per batch", dist->procs,
                         (long long)cfg->train.shards);
    int stale = writer ? tc_remove_stale_temps(cfg->output.model) + tc_remove_stale_temps(r.ckpt) : 0;
    if (stale && a->verbose)
        tc_progress_note(&pg, "removed %d temporary file(s) an interrupted write left", stale);
    tc_set_threads(1); /* the trainer's own threads (train.threads) split the work; BLAS stays serial inside them */
    tc_tokenizer *tok = tc_tokenizer_from_config(cfg, &err);
    if (!tok)
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    tc_corpus train, valid;
    tc_corpus_init(&train);
    tc_corpus_init(&valid);
    int code = TC_EXIT_ERR;
    if (read_training(bd, tok, &train, &valid, log, &err) < 0)
        goto fail;
    if (cfg->data.valid[0]) {
        tc_corpus_src vs = {cfg, tok, NULL, &bd->vocab, &bd->labels, 0};
        if (tc_corpus_read(&valid, cfg->data.valid, &vs, &err) < 0)
            goto fail;
        report_read(log, "valid", cfg->data.valid, &valid);
    }
    r.train = &train;
    r.valid = valid.n ? &valid : NULL;
    code = train_model(&r, tok, NULL, stop, &err);
    goto out;
fail:
    code = tc_fail(TC_EXIT_ERR, "%s", err.msg);
out:
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
    tc_dist dist = {.rank = 0, .procs = 1};
#ifdef TC_MPI
    tc_err err = {{0}};
    tc_mpi *mpi = tc_mpi_start(&dist, &err);
    if (!mpi) {
        free(a.sets);
        return tc_fail(TC_EXIT_ERR, "%s", err.msg);
    }
#endif
    tc_bundle bd;
    tc_bundle_init(&bd);
    rc = run(&bd, &a, &dist, stop);
    tc_bundle_free(&bd);
    free(a.sets);
#ifdef TC_MPI
    uint64_t steps, bytes;
    tc_mpi_traffic(mpi, &steps, &bytes);
    if (a.verbose && dist.rank == 0 && steps)
        fprintf(stderr, "mpi: %d processes, %llu exchanges, %.1f KB received per exchange by process 0\n",
                dist.procs, (unsigned long long)steps, (double)bytes / (double)steps / 1024.0);
    /* a failure that not every process shares would leave the others waiting in an exchange */
    tc_mpi_end(mpi, rc != TC_EXIT_OK && rc != TC_EXIT_INTERRUPTED, rc);
#endif
    return rc;
}
